"""The models being made ready, shown at the top of the page: one progress line per model
downloading (bytes of total, speed, time left) or loading, whichever tab or the warm-up
asked for it. The page never waits for them: the line refreshes itself every second while
any model is on its way, and goes when none is."""

from __future__ import annotations

import streamlit as st

from pixelsmith.ui.resources import UIRegistry

REFRESH_S = 1.0


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
