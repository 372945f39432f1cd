"""pixelsmith's chat UI (Streamlit): `pixelsmith ui`, or `streamlit run pixelsmith/ui/app.py`.

Thin: every run draws the session record (so a reload shows everything), then hands
what the user just did (a message, a review choice) to the agent and draws its events
as they come, then reruns to draw the record again.
"""

from __future__ import annotations

import logging

import streamlit as st
from streamlit import config as streamlit_config

from pixelsmith.agent.plan import Plan, Step
from pixelsmith.concepts.store import viewer
from pixelsmith.errors import UserError
from pixelsmith.images import load_mask
from pixelsmith.ui import activity, canvas, chat, extend, identity, resources, review, session, sidebar, teach

log = logging.getLogger("pixelsmith.ui")

activity.write_from_the_top()
st.set_page_config(page_title="pixelsmith", page_icon="🎨", layout="centered")
# Set here, so `streamlit run pixelsmith/ui/app.py` gets them as `pixelsmith ui` does: no
# tracebacks in the page, and no fast reruns (with them a click starts a second script
# thread while the first is still running; see cli/ui.py). Read at every rerun request.
streamlit_config.set_option("runner.fastReruns", False, "pixelsmith/ui/app.py")
st.set_option("client.showErrorDetails", "none")


def _settings():
    """Settings (with the sidebar's model choices) and the sidebar's options."""
    try:
        base = resources.settings()
    except UserError as err:
        st.error(str(err))
        st.stop()
    sidebar.photo(base)
    options = sidebar.options(base)
    try:
        return resources.settings(options.models), options
    except UserError as err:
        st.sidebar.error(str(err))
        return base, options


def _welcome(ws) -> None:
    if ws.record.messages:
        return
    st.title("pixelsmith")
    st.markdown(
        "Edit images by describing what you want. Add a photo in the sidebar (or use the "
        "sample cat), then say e.g. *replace the cat with a realistic green dragon*. "
        "Without a photo, describe a picture to make one."
    )


def _run_review(agent, ws, action: review.Action, limits) -> None:
    if action.kind == "choose":

        def steps():
            agent.choose(action.mask)
            return []
    elif action.kind == "refine":

        def steps():
            return agent.refine(**action.args)
    elif action.kind == "paint":

        def steps():
            return agent.paint(action.args["layer"], erase=action.args["erase"])
    elif action.kind == "upload":

        def steps():
            image, name = ws.image(ws.record.current_image), action.args["name"]
            try:
                mask = load_mask(action.args["data"], size=image.size, max_pixels=limits.max_pixels)
            except UserError as err:  # named by the file the user chose
                raise UserError(str(err).replace("uploaded image", name, 1)) from None
            agent.upload_mask(mask, name)
            return []
    else:

        def steps():
            return agent.resume()

    with st.chat_message("assistant"):
        st.session_state.update(action.seen)  # no Streamlit call between this and the steps
        finish = bool(action.seen)  # a click: a rerun during its step must not lose it
        session.run(steps, chat.LiveRenderer(ws), ws=ws, cancel=agent.cancel, finish=finish)


def _run_canvas(agent, ws, action: canvas.CanvasAction) -> None:
    """A selection made (or cleared) on the photo, or the Remove button pressed."""
    if action.kind == "remove":
        step = Step(tool="remove", args={"mask": action.args["mask"]}, why=f"erase {action.args['mask']}")
        _send(agent, ws, f"Remove the selection ({action.args['mask']})", plan=Plan(steps=[step]))
        return
    staged: session.Staged | None = st.session_state.get("staged")

    def steps():  # the photo on the canvas becomes the session's current image
        if action.kind == "shape":  # once the selection is known to fit it
            photo, name = (staged.image, staged.name) if staged is not None else (None, "")
            agent.selection.shape(action.args["layer"], action.args["how"], photo=photo, name=name)
            return
        if staged is not None:
            agent.selection.adopt(staged.image, staged.name)
        if action.kind == "click":
            yield from agent.selection.click(action.args["points"])
        else:
            agent.selection.clear()

    if staged is not None:
        sidebar.unstage()
    with st.chat_message("assistant"):
        st.session_state.update(action.seen)  # no Streamlit call between this and the steps
        session.run(steps, chat.LiveRenderer(ws), ws=ws, cancel=agent.cancel, finish=bool(action.seen))


def _photo(ws) -> object:
    """The photo the canvas shows: the one staged for the next message, else the current image."""
    staged: session.Staged | None = st.session_state.get("staged")
    if staged is not None:
        return staged.image
    return ws.image(ws.record.current_image) if ws.record.current_image else None


def _send(agent, ws, text: str, *, plan: Plan | None = None) -> None:
    staged: session.Staged | None = st.session_state.get("staged")
    reference: session.Staged | None = st.session_state.get("staged_reference")
    with st.chat_message("user"):
        st.markdown(chat.safe(text))
        if staged is not None:
            st.image(staged.image, width=chat.THUMB, caption=staged.name)
        if reference is not None:
            st.image(reference.image, width=chat.THUMB, caption=f"reference: {reference.name}")
    if staged is not None:
        sidebar.unstage()
    sidebar.unstage_reference()
    with st.chat_message("assistant"):
        image = staged.image if staged is not None else None
        given: dict = {"plan": plan} if plan is not None else {}  # a form's step (the Remove button)
        if reference is not None:
            given["references"] = [reference.image]
        session.run(
            lambda: agent.send(text, image=image, **given), chat.LiveRenderer(ws), ws=ws, cancel=agent.cancel
        )


def main() -> None:
    settings, options = _settings()
    models = resources.model_registry(settings)
    owner = identity.browser(settings.data_dir)
    ws = session.workspace(settings.data_dir, owner=owner, private=settings.ui.shared)
    sidebar.sessions(ws, settings.data_dir, owner=owner if settings.ui.shared else None)
    continued = sidebar.concepts(settings.data_dir, owner=viewer(settings, owner))
    taught = teach.form(settings)
    if continued is not None:
        taught = teach.TeachRequest.continuing(continued)
    sidebar.runtime(models)
    agent = session.agent(ws, models, settings, options)

    # Each in a slot of its own, there or not: the history's turns keep their places from one
    # run to the next, so a run's live output is replaced in place (never shown twice).
    with st.container():
        activity.models_loading(models)
    with st.container():
        _welcome(ws)
    chat.history(ws)
    # What a run draws goes where the next run's history draws its turn: replaced in place on
    # the rerun, never shown twice while the panels below are drawn again.
    live = st.container()
    action, panel = None, st.empty()
    selecting = extension = None
    if ws.record.pending:
        with panel.container(), st.chat_message("assistant"):
            action = review.panel(ws)
    else:
        with panel.container():
            selecting = canvas.panel(ws, _photo(ws))
            extension = extend.panel(ws)
    staged = st.session_state.get("staged")
    hint = f"What should I do with {staged.name}?" if staged else "Describe an edit, or a picture to make"
    if ws.record.pending:
        hint = "Review the mask above and press Continue, or start a new request"
    # No max_chars: the browser would drop a longer paste whole and say nothing; the agent
    # refuses it in one line instead (limits.max_message_chars).
    text = st.chat_input(hint, key="message")
    with live:
        if not _act(agent, ws, settings, panel, text, taught, action, selecting, extension):
            return
    st.rerun()


def _act(agent, ws, settings, panel, text, taught, action, selecting, extension) -> bool:
    """Run what the user did in this run (a message, a review or canvas action, a form);
    False when there was nothing to do."""
    if text and text.strip():
        panel.empty()  # the review's buttons are not live while another request runs
        _send(agent, ws, text.strip())
    elif taught is not None:
        teach.run(agent, ws, taught)
    elif action is not None:
        if action.kind == "resume":
            panel.empty()  # nor while the rest of its plan runs
        _run_review(agent, ws, action, settings.limits)
    elif selecting is not None:
        panel.empty()
        _run_canvas(agent, ws, selecting)
    elif extension is not None:
        panel.empty()
        extend.run(agent, ws, extension)
    else:
        return False
    return True


main()
