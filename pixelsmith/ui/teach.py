"""The sidebar's "Teach a concept" form, run as one agent turn.

The form gathers the photos, a name, a class word and a few training options. On submit
the photos become upload artifacts of the session (as a chat upload does) and the agent
runs one `train_concept` step on exactly those photos: the same plan validation,
executor, progress events and step record as "teach pixelsmith my dog rex" in the chat.
Every check is the tool's or the concept store's own. A request refused before any
training (too few photos, no name, a name in use, ...) is taken back out of the session,
so the session is as it was, and the refusal is shown under the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from PIL import Image

from pixelsmith.agent.agent import Agent
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.concepts.store import ConceptStore
from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.tools import train_concept
from pixelsmith.ui import chat, session, sidebar, upload_limit_mb
from pixelsmith.workspace import Workspace

MAX_STEPS = 1000  # the form's bound; the tool allows more for the CLI and the planner


@dataclass
class TeachRequest:
    """What the form asked for: the photos (RGB) with their file names, and the step's options."""

    photos: list[Image.Image]
    files: list[str]
    name: str
    class_word: str
    options: dict[str, Any] = field(default_factory=dict)  # steps, resolution, prior_preservation, inpaint
    resume: bool = False  # continue the stopped training of `name` (no photos, no options)

    @classmethod
    def continuing(cls, name: str) -> TeachRequest:
        return cls([], [], name, "", resume=True)

    def message(self) -> str:
        """The request as the user would type it in the chat."""
        if self.resume:
            return f"continue training {self.name}"
        return " ".join(["teach pixelsmith my", *filter(None, [self.class_word, self.name])])

    def step(self, ids: list[str]) -> Step:
        """The `train_concept` step for the photos `ids` (uploads of this session)."""
        if self.resume:
            return Step(
                tool="train_concept",
                args={"name": self.name, "resume": True},
                why=f"continue learning {self.name}",
            )
        args = {"name": self.name, "class_word": self.class_word, "images": ids, **self.options}
        return Step(
            tool="train_concept", args=args, why=f"learn {self.name or 'the concept'} from {len(ids)} photos"
        )


def _default(name: str) -> Any:
    return train_concept.Input.model_fields[name].default


def form(settings: Settings) -> TeachRequest | None:
    """Draw the form; on submit, the request with its photos read (or None, with the error shown)."""
    bar = st.sidebar
    bar.subheader("Teach a concept")
    generation = st.session_state.setdefault("teach_generation", 0)  # bumped to empty the form
    with bar.form("teach-form", border=False):
        uploads = st.file_uploader(
            "Photos of it (3-20, varied)",
            type=sidebar.IMAGE_TYPES,
            accept_multiple_files=True,
            key=f"teach-photos-{generation}",
            max_upload_size=upload_limit_mb(settings.limits),
        )
        name = st.text_input(
            "Name",
            placeholder="rex",
            key=f"teach-name-{generation}",
            help="What you will call it: 'a photo of my rex on the beach'.",
        )
        class_word = st.text_input("What it is", placeholder="dog", key=f"teach-class-{generation}")
        steps = st.number_input(
            "Training steps", 1, MAX_STEPS, settings.training.steps, step=50, key="teach-steps"
        )
        with st.expander("Training options"):
            resolution = st.number_input(
                "Resolution (px)", 64, 1024, settings.training.resolution, step=64, key="teach-resolution"
            )
            prior = st.toggle(
                "Keep the class word general",
                value=bool(_default("prior_preservation")),
                key="teach-prior",
                help="Also fits images the base model makes of the class word "
                "(prior preservation): slower, and 'a dog' still means any dog.",
            )
            inpaint = st.toggle(
                "Also learn it for edits",
                value=bool(_default("inpaint")),
                key="teach-inpaint",
                help="A second LoRA on the inpainting model, so 'replace the cat with my "
                "rex' paints it too; about twice the training time.",
            )
        submitted = st.form_submit_button("Teach pixelsmith", key="teach-submit")
    request = None
    if submitted:
        st.session_state.pop("teach_error", None)
        try:
            photos = [sidebar.read_upload(upload, settings) for upload in uploads or []]
        except UserError as err:
            st.session_state["teach_error"] = str(err)
        else:
            options = {
                "steps": int(steps),
                "resolution": int(resolution),
                "prior_preservation": prior,
                "inpaint": inpaint,
            }
            request = TeachRequest(
                photos, [u.name for u in uploads or []], name.strip().lower(), class_word.strip(), options
            )
    if error := st.session_state.get("teach_error"):
        bar.error(error)
    return request


def run(agent: Agent, ws: Workspace, request: TeachRequest) -> None:
    """Train the concept as one agent turn, drawn live in the chat; a refusal is taken back."""
    store = ConceptStore(ws.data_dir)
    was = _progress(store, request.name)
    about = request.name or "the concept"
    text = request.message()
    reply = (
        f"I learned your {request.class_word or 'concept'} {request.name}: try "
        f"'a photo of my {request.name} on the beach'."
    )
    with st.chat_message("user"):
        st.markdown(chat.safe(text))
        if request.photos:
            st.image(request.photos, width=chat.THUMB // 2, caption=request.files)
    with ws.transaction():  # 1. The photos become uploads.
        ids = [
            ws.add_image(photo, tool="upload", note=f"photo of {about}: {file}")
            for photo, file in zip(request.photos, request.files)
        ]
    # 2. One turn that runs the form's step (validated, on the executor like any other).
    plan = Plan(steps=[request.step(ids)], reply=reply)
    with st.chat_message("assistant"):
        session.run(lambda: agent.send(text, plan=plan), chat.LiveRenderer(ws), ws=ws, cancel=agent.cancel)
    # 3. Trained, or stopped part-way: the turn stays. Refused before training: taken back.
    turn = agent.steps.turn
    if _progress(store, request.name) != was:
        with ws.transaction() as record:
            next(m for m in record.messages if m.turn == turn and m.role == "user").artifacts = ids
        if not request.resume:
            st.session_state["teach_generation"] += 1
        return
    said = [m.text for m in ws.record.messages if m.turn == turn and m.role == "assistant"]
    ws.take_back(turn, ids)
    st.session_state["teach_error"] = said[-1] if said else "the concept was not trained"


def _progress(store: ConceptStore, name: str) -> tuple | None:
    """How far concept `name` is (None when there is none, or the name is not a valid one)."""
    try:
        concept = store.get(name) if store.exists(name) else None
    except UserError:
        return None
    return concept and (concept.status, concept.step, concept.inpaint_step, tuple(concept.adapters))
