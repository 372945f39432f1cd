"""The sidebar: a photo to start from, sessions, planner, generation defaults, models.

`options` draws the settings and returns them as `session.Options`; `photo`, `sessions`
and `runtime` draw the rest. Nothing here runs a model.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pixelsmith.config import BACKEND_MODELS, ROLES, Settings, backends
from pixelsmith.editor_backends import ABOUT
from pixelsmith.errors import UserError
from pixelsmith.images import load_image
from pixelsmith.models import ModelRegistry
from pixelsmith.session_folders import list_sessions
from pixelsmith.tools import inpaint
from pixelsmith.tools.diffusion import PROMPT_CHARS
from pixelsmith.ui import resources, session, upload_limit_mb
from pixelsmith.workspace import Workspace

IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"]
PLANNERS = ["auto", "llm", "local", "offline"]
SIZES = {"the model's own": None, "512 x 512": (512, 512), "768 x 512": (768, 512), "512 x 768": (512, 768),
         "1024 x 1024": (1024, 1024), "1024 x 576 (16:9)": (1024, 576)}  # fmt: skip


def _default(name: str):
    return inpaint.Input.model_fields[name].default


def photo(settings: Settings) -> None:
    """Upload a photo (or take the sample) to go with the next message."""
    st.sidebar.subheader("Photo")
    generation = st.session_state.setdefault("upload_generation", 0)
    uploaded = st.sidebar.file_uploader(
        "Start from a photo",
        type=IMAGE_TYPES,
        key=f"upload-{generation}",
        help="It goes with your next message. Or just describe a picture to make one.",
        max_upload_size=upload_limit_mb(settings.limits),
    )
    if uploaded is not None and st.session_state.get("upload_seen") != uploaded.file_id:
        st.session_state["upload_seen"] = uploaded.file_id
        try:
            image = read_upload(uploaded, settings)
        except UserError as err:
            st.session_state["upload_error"] = str(err)
        else:
            st.session_state.pop("upload_error", None)
            st.session_state["staged"] = session.Staged(image, uploaded.name)
    sample = resources.sample_photo()
    if sample is not None and st.sidebar.button("Use the sample photo (a cat)", key="sample"):
        st.session_state.pop("upload_error", None)
        st.session_state["staged"] = session.Staged(sample, "cat.png")
    if error := st.session_state.get("upload_error"):
        st.sidebar.error(error)
    staged: session.Staged | None = st.session_state.get("staged")
    if staged is not None:
        st.sidebar.image(
            staged.image,
            width=200,
            caption=f"{staged.name}, {staged.image.width}×{staged.image.height}: goes with your next message",
        )
        if st.sidebar.button("Remove this photo", key="unstage"):
            unstage()
            st.rerun()
    reference(settings)


def reference(settings: Settings) -> None:
    """A reference photo to go with the next message: "put the dog from this photo on the sofa"."""
    generation = st.session_state.setdefault("reference_generation", 0)
    uploaded = st.sidebar.file_uploader(
        "A reference photo (optional)",
        type=IMAGE_TYPES,
        key=f"reference-{generation}",
        help="Goes with your next message: 'put the dog from this photo on the sofa', 'make the cat look "
        "like this one'. Name what to change and the inpainter takes it (IP-Adapter); with an editor that "
        "takes references (FLUX.1 Kontext, Qwen-Image-Edit, FLUX.2 klein), any instruction does.",
        max_upload_size=upload_limit_mb(settings.limits),
    )
    if uploaded is not None and st.session_state.get("reference_seen") != uploaded.file_id:
        st.session_state["reference_seen"] = uploaded.file_id
        try:
            st.session_state["staged_reference"] = session.Staged(
                read_upload(uploaded, settings), uploaded.name
            )
            st.session_state.pop("reference_error", None)
        except UserError as err:
            st.session_state["reference_error"] = str(err)
    if error := st.session_state.get("reference_error"):
        st.sidebar.error(error)
    given: session.Staged | None = st.session_state.get("staged_reference")
    if given is not None:
        st.sidebar.image(
            given.image, width=120, caption=f"reference: {given.name}, goes with your next message"
        )


def read_upload(uploaded, settings: Settings):
    """An uploaded file as an RGB image within the upload limits; a `UserError` naming the file."""
    limits = settings.limits
    try:
        return load_image(
            uploaded.getvalue(), max_pixels=limits.max_pixels, max_bytes=limits.max_upload_bytes
        )
    except UserError as err:
        raise UserError(f"{uploaded.name}: {err}") from None


def unstage() -> None:
    """Forget the staged photo and reset the uploader."""
    st.session_state.pop("staged", None)
    st.session_state["upload_generation"] = st.session_state.get("upload_generation", 0) + 1


def unstage_reference() -> None:
    """Forget the staged reference photo (it went with a message) and reset its uploader."""
    if st.session_state.pop("staged_reference", None) is not None:
        st.session_state["reference_generation"] = st.session_state.get("reference_generation", 0) + 1


def sessions(ws: Workspace, data_dir: Path, *, owner: str | None = None) -> None:
    """New session, and earlier ones to reopen (empty ones other than this are hidden; with
    `owner`, a shared server's, only that browser's)."""
    st.sidebar.subheader("Sessions")
    st.sidebar.caption(f"This session: `{ws.id}`")
    if st.sidebar.button("New session", key="new-session"):
        session.switch(None)
        st.rerun()
    if ws.exists:
        _this_session(ws)
    mine = [r for r in list_sessions(data_dir) if owner is None or r.owner == owner]
    earlier = [r for r in mine if r.messages and r.id != ws.id][:30]
    if earlier:
        titles = {r.id: f"{r.title or '(untitled)'} · {r.id}" for r in earlier}
        chosen = st.sidebar.selectbox(
            "Earlier sessions", list(titles), format_func=titles.get, key="session-pick"
        )
        if st.sidebar.button("Open", key="open-session"):
            session.switch(chosen)
            st.rerun()


def _this_session(ws: Workspace) -> None:
    """Download this session (images, masks, transcript) as a zip, or delete it."""
    left, right = st.sidebar.columns(2)
    left.download_button(
        "Export (zip)",
        data=lambda: _zipped(ws),
        file_name=f"pixelsmith-{ws.id}.zip",
        mime="application/zip",
        key="export-session",
    )
    if right.button("Delete", key="delete-session", help="Delete this session and its images for good"):
        ws.delete()
        session.switch(None)
        st.rerun()


def _zipped(ws: Workspace) -> bytes:
    import tempfile

    from pixelsmith.transcript import export

    with tempfile.TemporaryDirectory() as tmp:
        return export(ws, Path(tmp) / f"pixelsmith-{ws.id}.zip").read_bytes()


def _generation(bar) -> dict:
    """The sidebar's generation defaults: tool arguments used where a step gives none."""
    bar.subheader("Generation")
    defaults = {
        "guidance_scale": bar.slider(
            "Guidance scale", 0.0, 20.0, float(_default("guidance_scale")), 0.5, key="opt-guidance"
        ),
        "num_inference_steps": bar.slider(
            "Steps", 1, 100, int(_default("num_inference_steps")), key="opt-steps"
        ),
        "num_candidates": bar.slider(
            "Candidates", 1, 8, int(_default("num_candidates")), key="opt-candidates"
        ),
        "strength": bar.slider(
            "Strength",
            0.05,
            1.0,
            float(_default("strength")),
            0.05,
            key="opt-strength",
            help="1 replaces the masked region fully.",
        ),
    }
    # No max_chars: the browser would drop a longer paste whole and say nothing.
    negative = bar.text_input(
        "Negative prompt", "", key="opt-negative", help="What to keep out, e.g. 'blurry, text'."
    )
    if (chars := len(negative.strip())) > PROMPT_CHARS:
        bar.error(
            f"The negative prompt is {chars} characters, over the limit of {PROMPT_CHARS}; shorten it "
            "(it is not used until then)."
        )
        negative = ""
    # A slider left where it starts is no choice: each tool keeps its own default (an editor's
    # steps and guidance are its own: 4 and 1.0 for FLUX.2 klein, not inpainting's 30 and 7.5).
    defaults = {name: value for name, value in defaults.items() if value != _default(name)}
    if negative.strip():
        defaults["negative_prompt"] = negative.strip()
    size = bar.selectbox("Size of new pictures", list(SIZES), key="opt-size", help="For 'a picture of ...'.")
    if SIZES[size]:
        defaults["width"], defaults["height"] = SIZES[size]
    return defaults


def options(settings: Settings) -> session.Options:
    """Planner and generation defaults; per-role model ids."""
    bar = st.sidebar
    bar.subheader("Planner")
    planner = bar.radio(
        "Planner",
        PLANNERS,
        index=PLANNERS.index(settings.planner),
        horizontal=True,
        key="opt-planner",
        label_visibility="collapsed",
        help="auto: the LLM when one is configured, else offline rules.",
    )
    _llm_status(settings)
    if error := st.session_state.get("planner_error"):
        bar.warning(f"{error}; using the offline planner")
    defaults = _generation(bar)
    seed = None
    if not bar.toggle("Random seed", value=True, key="opt-random-seed"):
        seed = int(bar.number_input("Seed", 0, 2**31 - 1, 0, key="opt-seed"))
    models: dict[str, tuple[str, str]] = {}
    if settings.ui.models_box():  # a change holds for the whole server: not for strangers
        with bar.expander("Models"):
            models = {role: _model_choice(settings, role) for role in ROLES}
    return session.Options(planner=planner, seed=seed, defaults=defaults, models=models)


def _model_choice(settings: Settings, role: str) -> tuple[str, str]:
    """One role's backend and model; a newly chosen backend brings its public checkpoint into
    the model field (set before the field is drawn, so no callback races the browser's state)."""
    spec, key, seen = settings.spec(role), f"opt-model-{role}", f"opt-seen-backend-{role}"
    choices = backends(role)
    if spec.backend not in choices:
        choices.insert(0, spec.backend)
    backend = spec.backend
    if len(choices) > 1:
        backend = st.selectbox(
            f"{role} backend", choices, index=choices.index(spec.backend), key=f"opt-backend-{role}"
        )
    if key not in st.session_state or st.session_state.get(seen, spec.backend) != backend:
        st.session_state[key] = (
            spec.model if backend == spec.backend else BACKEND_MODELS.get((role, backend), "")
        )
    st.session_state[seen] = backend
    model = st.text_input(f"{role} model", key=key, help=f"Hub id or folder; backend {backend}.")
    if role == "editor":  # what each editor is and its licence (Kontext's is non-commercial)
        st.caption(ABOUT.get(backend, backend))
    return model, backend


def _llm_status(settings: Settings) -> None:
    from pixelsmith.agent.planner_choice import local_ready, offline_note

    ready = local_ready(settings)
    local = settings.planner_model.model
    st.sidebar.caption(
        f"Local model: `{local}` on this machine; *local* plans with it."
        if ready
        else f"Local model: not downloaded; {offline_note(settings).split('; ', 1)[1]}."
    )
    if not settings.llm_model:
        rules = "the local model plans (auto)" if ready else "offline rules plan"
        st.sidebar.caption(f"LLM: not configured (PIXELSMITH_LLM_MODEL); {rules}.")
        return
    from pixelsmith.agent.pictures import sees

    where = settings.llm_base_url or "OpenAI"
    seeing, why = sees(settings.llm_vision, settings.llm_model)
    line = f"LLM: `{settings.llm_model}` at {where}; {'sees pictures' if seeing else 'text only'} ({why})"
    if settings.llm_base_url and st.sidebar.button("Check the endpoint", key="llm-check"):
        line += f": {resources.llm_reachable(settings.llm_base_url, settings.llm_api_key)}"
    st.sidebar.caption(line)


def concepts(data_dir: Path, owner: str | None = None) -> str | None:
    """The personal concepts taught so far (on a shared UI, this browser's: `owner`); returns
    the name of a stopped training the user asked to continue (its "Continue training"
    button), if any."""
    from pixelsmith.concepts import ConceptStore

    st.sidebar.subheader("Your concepts")
    store, asked = ConceptStore(data_dir, owner=owner), None
    taught = store.list()
    for concept in taught:
        if concept.status == "ready":
            st.sidebar.caption(f"**{concept.name}**: a {concept.class_word} (ready); say 'my {concept.name}'")
            continue
        total, phase = concept.settings.steps, "step"
        step = concept.step
        if "generator" in concept.adapters:  # its second LoRA, for edits
            step, phase = concept.inpaint_step, "edit-LoRA step"
        if store.training_now(concept.name):
            st.sidebar.caption(
                f"**{concept.name}**: a {concept.class_word} (training now, {phase} {step} of {total})"
            )
            continue
        st.sidebar.caption(
            f"**{concept.name}**: a {concept.class_word} (stopped at {phase} {step} of {total})"
        )
        if st.sidebar.button(f"Continue training {concept.name}", key=f"resume-{concept.name}"):
            asked = concept.name
    if not taught:
        st.sidebar.caption(
            "None yet: teach one with the form below (3-20 photos of your pet or "
            "product), or upload the photos and say 'teach pixelsmith my dog rex'."
        )
    return asked


def runtime(models: ModelRegistry) -> None:
    """Device in use and the models loaded now (with how often each was loaded)."""
    loaded = models.loaded()
    text = ", ".join(f"{role} ×{models.load_counts[role]}" for role in loaded) or "none yet"
    st.sidebar.caption(
        f"Device: `{models.device}` ({str(models.dtype).removeprefix('torch.')}) · loaded: {text}"
    )
