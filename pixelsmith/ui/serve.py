"""`python -m pixelsmith.ui.serve run app.py ...`: Streamlit's own command line, with
`kill -USR1` on the server printing the stack of every thread to its log: what a page that
stopped answering is waiting on (`pixelsmith ui` passes the signal on to it)."""

from __future__ import annotations

import faulthandler
import signal

from streamlit.web.cli import main

if __name__ == "__main__":
    if hasattr(signal, "SIGUSR1"):  # POSIX
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    main(prog_name="streamlit")
