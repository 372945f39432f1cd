"""Run pixelsmith's benchmark (issue #6): `python benchmarks/run.py [--architecture full ...]`.

The same as `pixelsmith bench`; the options are those of `pixelsmith bench --help`.
"""

import sys

from pixelsmith.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
