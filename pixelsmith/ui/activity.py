"""The models being made ready, shown at the top of the page: one progress line per model
downloading (bytes of total, speed, time left) or loading, whichever tab or the warm-up
asked for it. The page never waits for them: the line refreshes itself every second while
any model is on its way, and goes when none is."""

from __future__ import annotations

import logging

import streamlit as st

from pixelsmith.ui.resources import UIRegistry

REFRESH_S = 1.0
log = logging.getLogger("pixelsmith.ui")


def write_from_the_top() -> None:
    """Start a full run writing at the top of the page. Streamlit (1.67) runs a rerun that
    came in during a run on the same script thread, and a fragment run (this module's
    loading line) leaves its place to write behind it: the whole page would then be drawn
    inside the loading line's container, and the browser fail on the line's next tick
    ("Cannot set a node at a delta path"). Called first in every full run."""
    try:
        from streamlit.delta_generator_singletons import context_dg_stack, get_default_dg_stack_value
    except ImportError:  # another Streamlit: nothing to mend
        return
    if len(context_dg_stack.get()) > 1:
        log.warning("a full run began inside a container left by a fragment run; starting it at the top")
    context_dg_stack.set(get_default_dg_stack_value())


def models_loading(models: UIRegistry) -> None:
    if not models.busy():
        return

    @st.fragment(run_every=REFRESH_S)
    def lines() -> None:
        now = list(models.loading.values())
        if not models.busy():
            st.rerun()  # all ready: draw the page once more, without this line
        for status in now:
            fraction = min(1.0, status.done / status.total) if status.total else 0.0
            st.progress(fraction, text=status.line())
        if not now:
            st.caption("Getting the models ready …")

    lines()
