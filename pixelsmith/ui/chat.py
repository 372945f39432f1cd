"""Chat elements from the session record (every rerun) and from live agent events.

Both paths draw a step's artifacts with the same functions: a detection as labelled
boxes, masks as numbered coloured overlays, new images with a before/after view, a
download button and "make current". Masks and overlays are PNG, never JPEG.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from pixelsmith import drawing as pictures
from pixelsmith.agent import events as ev
from pixelsmith.agent.actions import title
from pixelsmith.escape import as_typed, for_page
from pixelsmith.records import MessageRecord, StepRecord
from pixelsmith.tools import default_tools
from pixelsmith.tools.base import LOAD_PHASES
from pixelsmith.ui import session, training
from pixelsmith.ui.pictures import download, image_of, picture, png, seen, viewable
from pixelsmith.workspace import Workspace


def safe(text: str) -> str:
    """Chat text (the user's, a planner's, a tool's) as markdown that shows no picture: the
    one helper (`pixelsmith.escape.for_page`); the app's own pictures are drawn apart."""
    return for_page(text)


THUMB = 160  # px: width of the image a message refers to


def as_shown(args: dict) -> str:
    """A step's arguments as JSON in markdown: its backslashes doubled, so a prompt's quotes show
    as the JSON's \\" (markdown would read \\" as a plain quote: 'add the text "HI"' was invalid JSON)."""
    return json.dumps(args, default=str).replace("\\", "\\\\")


# -- one step's artifacts --------------------------------------------------------------
def step_label(number: int | str, rec: StepRecord) -> str:
    text = "failed (see below)" if rec.error else rec.summary or ", ".join(rec.outputs)
    label = f"{number}. {title(rec.tool, default_tools())} ({rec.tool})" + (f" · {text}" if text else "")
    return label if len(label) <= 110 else label[:107] + "..."


def step_pictures(ws: Workspace, rec: StepRecord) -> None:
    """What a step made, drawn: boxes, mask overlays, or the image an action made current."""
    if rec.kind == "concept" and not rec.error:
        concept_card(ws, rec.args["name"])
        return
    if rec.error or not rec.outputs:
        return
    if rec.kind == "detection":
        found = ws.artifact(rec.outputs[0])
        image = rec.args.get("image") or image_of(ws, rec.outputs[0])
        st.image(
            picture(ws, "boxes", rec.outputs[0], image),
            caption=safe(f"{found.id}: {found.note}"),
            output_format="PNG",
        )
    elif rec.kind in ("masks", "mask"):
        image = rec.args.get("image") or image_of(ws, rec.outputs[0])
        if image:
            numbered = ", ".join(f"{i + 1} = {m}" for i, m in enumerate(rec.outputs))
            caption = ("candidates, best first: " if len(rec.outputs) > 1 else "") + numbered
            st.image(picture(ws, "masks", image, *rec.outputs), caption=caption, output_format="PNG")
    elif rec.kind == "action":
        chosen = rec.outputs[0]
        if ws.artifact(chosen).kind == "image":
            st.image(str(ws.path(chosen)), caption=f"now current: {chosen}", width=THUMB)
        elif (image := image_of(ws, chosen)) is not None:
            st.image(
                picture(ws, "masks", image, chosen),
                caption=f"chosen: {chosen}",
                width=2 * THUMB,
                output_format="PNG",
            )
    references = [r for r in rec.args.get("references") or [] if isinstance(r, str) and ws.path(r).exists()]
    if references:  # the photo an edit took after ("the dog from this photo"), as the message showed it
        st.image([str(ws.path(r)) for r in references], caption=[f"reference: {r}" for r in references],
                 width=THUMB // 2)  # fmt: skip
    args = {k: v for k, v in rec.args.items() if k not in ("image", "mask", "detection")}
    mask = rec.args.get("mask")
    edits = rec.tool in default_tools() and default_tools().get(rec.tool).edits_image
    took = f"{'inside' if edits else 'from'} {mask} · " if isinstance(mask, str) else ""
    if args or took:  # which mask an edit painted in: a click or "use mask 2" may have changed it
        st.caption(safe(f"{took}{as_shown(args)} · {rec.seconds:.2f} s"))


def concept_card(ws: Workspace, name: str) -> None:
    """A trained concept: its loss curve and the samples made at its checkpoints."""
    from pixelsmith.concepts import ConceptStore
    from pixelsmith.errors import UserError

    try:
        concept = ConceptStore(ws.data_dir).get(name)
    except UserError as err:
        st.caption(safe(str(err)))
        return
    st.caption(f"{concept.name} = '{concept.phrase}', {concept.step} steps")
    curves = {"training": concept.loss_curve, "inpaint training": concept.inpaint_loss_curve}
    training.loss_chart(
        st, [(phase, i + 1, loss) for phase, curve in curves.items() for i, loss in enumerate(curve)]
    )
    samples = [concept.folder / "samples" / f for f in concept.samples]
    if samples:
        st.image([str(p) for p in samples], caption=[p.stem for p in samples], width=THUMB)


def make_current_button(ws: Workspace, image_id: str, key: str) -> None:
    current = ws.record.current_image == image_id
    st.button(
        "✓ Current image" if current else f"Make {image_id} current",
        key=key,
        disabled=current,
        on_click=session.make_current,
        args=(ws, image_id),
    )


@st.fragment
def compare(
    ws: Workspace, before: str, after: str, key: str, where: tuple[int, int, int, int] | None = None
) -> None:
    """A before/after slider: the line between the two moves with it (only this redraws).
    `where`: the box the original fills in a bigger result (outpaint), shown at its scale."""
    split = st.slider("Before ← → after", 0, 100, 50, key=f"{key}-wipe", format="%d%%")
    first, second = seen(ws, before), seen(ws, after)
    if where is not None:
        first = pictures.placed(first, second.size, where[:2])
    shown = pictures.wipe(first, second, split / 100)
    st.image(png(shown), caption=f"{before} → {after}", output_format="PNG")


def original_box(ws: Workspace, rec: StepRecord) -> tuple[int, int, int, int] | None:
    """Where the photo sits in an outpaint's result, from the step's own arguments."""
    if rec.tool != "outpaint":
        return None
    from pixelsmith.tools.outpaint import Input, canvas_for

    photo = ws.image(rec.args["image"])
    try:
        canvas = canvas_for(Input.model_validate(rec.args), photo.width, photo.height, 10**12)
    except Exception:  # an older record: no outline rather than no picture
        return None
    return canvas.x, canvas.y, canvas.x + photo.width, canvas.y + photo.height


def edit_result(ws: Workspace, rec: StepRecord, key: str) -> None:
    """The new image(s) of an edit: result and before/after, candidates, download, make current."""
    if rec.error or not rec.outputs:
        return
    best, before = rec.outputs[0], rec.args.get("image")
    where = original_box(ws, rec)
    if before:
        result_tab, compare_tab = st.tabs(["Result", "Before / after"])
        with result_tab:
            if where is not None:  # the extended canvas, the original inside the dashed line
                shown = png(pictures.outlined(ws.image(best), where))
                st.image(shown, caption=f"{best}: the original inside the dashed line", output_format="PNG")
            else:
                st.image(viewable(ws, best), caption=safe(f"{best}: {ws.artifact(best).note}"))
        with compare_tab:
            compare(ws, before, best, key, where)
    else:
        st.image(viewable(ws, best), caption=safe(f"{best}: {ws.artifact(best).note}"))
    if len(rec.outputs) > 1:
        variations(ws, rec.outputs, key)
    left, right = st.columns(2)
    with left:
        data, extension, mime = download(str(ws.folder), best, ws)
        st.download_button(
            f"Download {extension.upper()}",
            data,
            file_name=f"{ws.id}-{best}.{extension}",
            mime=mime,
            key=f"{key}-dl",
            on_click="ignore",
        )
    with right:
        if len(rec.outputs) == 1:
            make_current_button(ws, best, f"{key}-cur-{best}")


GRID = 2  # candidates a row: four are a 2 x 2 grid, each big enough to compare


def variations(ws: Workspace, outputs: list[str], key: str) -> None:
    """The candidates of one edit, best first, `GRID` to a row: each numbered as 'use the
    third' counts them, with its seed; the current image marked; a button makes one current."""
    st.caption("Candidates, best first (say 'use the second', or press its button):")
    for start in range(0, len(outputs), GRID):
        row = outputs[start : start + GRID]
        for number, (column, image_id) in enumerate(zip(st.columns(GRID), row), start + 1):
            with column, st.container(border=True):
                seed = re.search(r"\(seed (\d+)\)$|^seed (\d+)$", ws.artifact(image_id).note)
                said = f" · seed {seed[1] or seed[2]}" if seed else ""
                st.image(viewable(ws, image_id), caption=f"{number} = {image_id}{said}")
                if ws.record.current_image == image_id:
                    st.badge("current image", icon=":material/check:", color="green")
                make_current_button(ws, image_id, f"{key}-cur-{image_id}")


# -- the conversation from the record --------------------------------------------------
def history(ws: Workspace) -> None:
    """Every turn: the user's message (and its image), then the plan, steps and answers."""
    record = ws.record
    shown_image: str | None = None
    if refused := [m for m in record.messages if m.turn == 0 and m.kind == "error"]:
        with st.chat_message("assistant"):  # a first message refused before it began a turn (too long)
            for message in refused:
                st.error(safe(message.text))
    for turn in range(1, record.turn + 1):
        messages = [m for m in record.messages if m.turn == turn]
        for index, message in enumerate(m for m in messages if m.role == "user"):
            shown_image = user_message(ws, message, shown_image, key=f"u{turn}-{index}")
        steps = [s for s in record.steps if s.turn == turn]
        answers = [m for m in messages if m.role == "assistant"]
        if steps or answers:
            with st.chat_message("assistant"):
                assistant_turn(ws, turn, steps, answers)


def user_message(ws: Workspace, message: MessageRecord, shown: str | None, *, key: str) -> str | None:
    """The text, and the image it refers to (a thumbnail when it changed). Returns that image."""
    with st.chat_message("user"):
        st.markdown(as_typed(message.text))  # as typed: "1) warmer" is no list
        if message.image and message.image != shown:
            note = ws.artifact(message.image).note
            st.image(
                viewable(ws, message.image),
                width=THUMB,
                caption=safe(f"on {message.image}" + (f" ({note})" if note else "")),
            )
            make_current_button(ws, message.image, f"{key}-cur")
        elif message.image:
            st.caption(f"on {message.image}")
        if message.artifacts:  # the photos a concept was taught from, or reference photos
            captions = [
                f"reference {a}" if ws.artifact(a).tool == "reference" else a for a in message.artifacts
            ]
            st.image([str(ws.path(a)) for a in message.artifacts], width=THUMB // 2, caption=captions)
    return message.image or shown


def assistant_turn(ws: Workspace, turn: int, steps: list[StepRecord], answers: list[MessageRecord]) -> None:
    pending = ws.record.pending if turn == ws.record.turn else None
    planned = [[s["tool"] for s in p["steps"]] for p in ws.record.plans if p.get("turn") == turn]
    ran = [s.tool for s in steps] + [s["tool"] for s in (pending.steps if pending else [])]
    tools = planned[0] if len(planned) == 1 and len(planned[0]) >= len(ran) else ran  # the plan as made
    slots = _notice_slots([a for a in answers if a.kind == "notice"], steps)
    for notice in slots.get(-1, []):  # said before any step (a fallback), or by an older record
        st.info(safe(notice.text))
    if tools:
        st.markdown(f"**Plan:** {' → '.join(tools)}" + (" *(paused for review)*" if pending else ""))
    for number, rec in enumerate(steps, start=1):
        for notice in slots.get(number - 1, []):  # "Part 2 of 2", "Going on with mask-4", a load
            st.info(safe(notice.text))
        with st.status(
            step_label(number, rec),
            state="error" if rec.error else "complete",
            expanded=rec.kind not in ("images", "scores"),
        ):
            step_pictures(ws, rec)
        if rec.kind == "images":
            edit_result(ws, rec, key=f"t{turn}-s{rec.index}")
    for notice in slots.get(len(steps), []):
        st.info(safe(notice.text))
    for answer in (a for a in answers if a.kind != "notice"):
        (st.error if answer.kind == "error" else st.markdown)(safe(answer.text))
    if timing := st.session_state.get("timings", {}).get((ws.id, turn)):
        st.caption(timing)


def _notice_slots(notices: list[MessageRecord], steps: list[StepRecord]) -> dict[int, list[MessageRecord]]:
    """Where each notice goes: before the turn's step i (0-based), after the last (len(steps)),
    or -1 (before the plan: said before the first step, or a record that keeps no place)."""
    slots: dict[int, list[MessageRecord]] = {}
    first = steps[0].index if steps else None
    for notice in notices:
        if notice.step is None or first is None or notice.step <= first:
            place = -1 if notice.step is None or first is None or notice.step < first else 0
        else:
            place = next((i for i, rec in enumerate(steps) if rec.index >= notice.step), len(steps))
        slots.setdefault(place, []).append(notice)
    return slots


# -- live events ------------------------------------------------------------------------
class LiveRenderer:
    """Draws one agent call's events as they come, inside the current chat message."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.status = None
        self.bar = self.load_bar = None
        self.started: ev.StepStarted | None = None
        self.training: training.TrainingView | None = None

    def __call__(self, event: ev.Event) -> None:
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def _on_PlanReady(self, event: ev.PlanReady) -> None:
        st.markdown(f"**Plan** ({event.plan.planner}): {event.plan.describe()}")

    def _on_StepStarted(self, event: ev.StepStarted) -> None:
        number, name = event.number or "·", title(event.tool, default_tools())
        self.status = st.status(f"{number}. {name} ({event.tool}) …", expanded=True, state="running")
        self.bar, self.load_bar, self.started, self.training = None, None, event, None
        if event.why:
            self.status.caption(event.why)

    def _on_StepProgress(self, event: ev.StepProgress) -> None:
        if event.phase in LOAD_PHASES:  # a first model load: the sentence, a bar of bytes
            fraction = min(1.0, event.step / event.total) if event.total else 0.0
            if self.load_bar is None:
                self.load_bar = (self.status or st).progress(fraction, text=event.label)
            else:
                self.load_bar.progress(fraction, text=event.label)
            return
        if event.tool == "train_concept":
            if self.training is None:
                name = self.started.args.get("name", "") if self.started else ""
                self.training = training.TrainingView(self.status or st, self.ws.data_dir, name)
            self.training.update(event)
            return
        text = f"{event.label} {event.step}/{event.total}"
        fraction = min(1.0, event.step / max(1, event.total))
        if self.bar is None:
            self.bar = (self.status or st).progress(fraction, text=text)
        else:
            self.bar.progress(fraction, text=text)

    def _on_StepFinished(self, event: ev.StepFinished) -> None:
        rec = self.ws.record.steps[-1]
        if self.training is not None:
            self.training.close()
            self.training = None
        if self.status is not None:
            with self.status:
                step_pictures(self.ws, rec)
            self.status.update(label=step_label(event.number or "·", rec), state="complete")
        if event.kind == "images":
            edit_result(self.ws, rec, key=f"live-{rec.index}")
        self.status = None

    def _on_ReviewNeeded(self, event: ev.ReviewNeeded) -> None:
        st.info(event.message)

    def _on_AssistantMessage(self, event: ev.AssistantMessage) -> None:
        st.markdown(safe(event.text))

    def _on_Notice(self, event: ev.Notice) -> None:
        st.info(safe(event.text))

    def _on_ErrorEvent(self, event: ev.ErrorEvent) -> None:
        if self.status is not None:
            self.status.update(state="error")
            self.status = None
        st.error(safe(event.text))

    def _on_Done(self, event: ev.Done) -> None:
        text = f"{event.seconds:.1f} s in all, {event.model_seconds:.1f} s in models"
        st.caption(text)
        st.session_state.setdefault("timings", {})[(self.ws.id, self.ws.record.turn)] = text
