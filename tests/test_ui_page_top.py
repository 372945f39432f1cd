"""A full run starts writing at the top of the page, whatever place to write a fragment run
left on the script thread before it (`activity.write_from_the_top`): otherwise the whole
page is drawn inside the loading line's container and the browser fails on the line's next
tick ("Cannot set a node at a delta path", seen under load in the browser tests)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page(mend: bool) -> None:
    import streamlit as st
    from streamlit.delta_generator_singletons import context_dg_stack

    from pixelsmith.ui import activity

    line = st.container()  # the loading line's slot
    context_dg_stack.set((*context_dg_stack.get(), line))  # what a fragment run leaves behind
    if mend:
        activity.write_from_the_top()
    st.markdown("the page")


def test_a_full_run_writes_from_the_top_of_the_page():
    at = AppTest.from_function(_page, args=(True,)).run()
    assert not at.exception
    assert [node.type for node in at.main.children.values()] == ["flex_container", "markdown"]


def test_without_it_the_page_lands_inside_the_container():
    """The failure the function mends, so the test above can tell it is mended."""
    at = AppTest.from_function(_page, args=(False,)).run()
    assert [node.type for node in at.main.children.values()] == ["flex_container"]
    assert at.main.children[0].markdown[0].value == "the page"
