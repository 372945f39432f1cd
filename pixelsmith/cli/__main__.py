"""`python -m pixelsmith.cli`."""

from pixelsmith.cli import run

run()
