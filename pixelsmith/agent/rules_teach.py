"""The offline planner's words for teaching pixelsmith a concept: "teach pixelsmith my dog rex"
trains on every photo uploaded in the session; "continue training rex" resumes a stopped one;
"my rex on the beach" names a taught one to paint (`concept_named`)."""

from __future__ import annotations

import re

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import Unclear, params_for, unclear
from pixelsmith.views import WorkspaceView


def teach(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    """Train a concept on every photo the user uploaded in this session."""
    photos = [a.id for a in view.of_kind("image") if a.tool == "upload"]
    if len(photos) < 3:
        raise unclear(
            f"To learn your {match['klass']} I need at least 3 photos of it; "
            f"upload {3 - len(photos)} more, then ask again."
        )
    name = match["name"] or match["klass"]
    args = {
        "name": name,
        "class_word": match["klass"],
        "images": photos,
        **params_for("train_concept", request),
    }
    return Plan(steps=[Step(tool="train_concept", args=args, why=f"learn {name} from {len(photos)} photos")])


def resume_teach(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    """Continue a concept's stopped training: the one named (or its class word), or the only one."""
    stopped, said = view.stopped_concepts, set((match["who"] or "").split())
    chosen = [c for c in stopped if c.name in said] or [c for c in stopped if c.class_word in said]
    if not stopped:
        raise unclear("No training is waiting to be continued; teach a concept with 3-20 photos first.")
    if not chosen and not said and len(stopped) == 1:
        chosen = stopped
    if len(chosen) != 1:
        names = ", ".join(c.name for c in stopped)
        raise unclear(
            f"Which training should I continue? Stopped: {names}; say e.g. 'continue training "
            f"{stopped[0].name}'."
        )
    name = chosen[0].name
    args = {"name": name, "resume": True, **params_for("train_concept", request)}
    return Plan(steps=[Step(tool="train_concept", args=args, why=f"continue learning {name}")])


def concept_named(text: str, view: WorkspaceView) -> dict[str, str]:
    """{"concept": name} when `text` names a taught concept: 'my rex', 'rex', 'sks dog',
    or 'my dog' when exactly one concept is a dog; else {}."""
    words = f" {re.sub(r'[^a-z0-9_-]+', ' ', text.lower())} "
    for c in view.concepts:
        if f" {c.name} " in words or f" {c.token} " in words:
            return {"concept": c.name}
    for c in view.stopped_concepts:  # named, but not trained to the end: say so, paint nothing
        if f" my {c.name} " in words or f" {c.token} " in words:
            raise Unclear(
                f"{c.name} is not trained yet: its training stopped part-way. Say 'continue "
                f"training {c.name}' first, then ask again."
            )
    mine = [c for c in view.concepts if f" my {c.class_word.lower()} " in words]
    return {"concept": mine[0].name} if len(mine) == 1 else {}
