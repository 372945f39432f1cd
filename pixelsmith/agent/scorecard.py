"""The planner scorecard: how well a planner understands everyday requests.

A case file (TSV; the shipped set is `pixelsmith/data/planner_cases.tsv`, whose header says
the format) gives each request a category, the tools a good plan calls in order
(alternatives allowed) and optional checks on their arguments. Each case gets a fresh
session holding the photo; the request is planned without running anything
(`agent.rehearsal`), or run for real with `run=True`. Requests before " >> " set the scene
and always run for real, with the offline planner, so every planner is scored on the same
session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pixelsmith.agent.rehearsal import rehearse
from pixelsmith.errors import UserError, shorten

FINDERS = ("detect", "segment_text")  # what "find" stands for in an expected plan
SETUP = " >> "
# a selection, or a reference photo given beside the request: see _select
CANVAS = re.compile(r"\[(?:rectangle(?: [\d.]+){4}|click [\d.]+ [\d.]+|reference)\]")


def shipped_cases() -> Path:
    """The example set that ships with pixelsmith."""
    return Path(str(resources.files("pixelsmith").joinpath("data", "planner_cases.tsv")))


@dataclass(frozen=True)
class Check:
    """`arg=value` (equal, or held by a list) or `arg~text` (contained, any case), on any step."""

    arg: str
    op: str  # "=" or "~"
    value: str

    def holds(self, steps: Iterable[Any]) -> bool:
        return any(self._one(step.args.get(self.arg)) for step in steps)

    def _one(self, got: Any) -> bool:
        values = got if isinstance(got, list) else [got]
        if self.op == "=":
            return any(_equal(v, self.value) for v in values if v is not None)
        return any(self.value.lower() in str(v).lower() for v in values if v is not None)

    def __str__(self) -> str:
        return f"{self.arg}{self.op}{self.value}"


@dataclass(frozen=True)
class Case:
    category: str
    request: str  # the message scored
    expected: tuple[tuple[str, ...], ...]  # alternatives, each the tools in order
    checks: tuple[Check, ...] = ()
    setup: tuple[str, ...] = ()  # messages run first, for real
    line: int = 0

    def matches(self, tools: list[str]) -> bool:
        return any(_same(plan, tools) for plan in self.expected)

    def describe(self) -> str:
        return " | ".join(" ".join(plan) for plan in self.expected)


def _same(expected: tuple[str, ...], tools: list[str]) -> bool:
    return len(expected) == len(tools) and all(
        got in FINDERS if want == "find" else got == want for want, got in zip(expected, tools)
    )


def load_cases(path: Path) -> list[Case]:
    """The cases of a TSV file; a malformed row is a `UserError` naming its line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read the cases file {path}: {err.__class__.__name__}") from None
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or line.startswith("category\t"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < 3 or not all(cells[:3]):
            raise UserError(
                f"{path}:{number}: a case is category, request and expected tools, tab-separated; "
                f"got {shorten(repr(line), 80)}"
            )
        *setup, request = [part.strip() for part in cells[1].split(SETUP.strip())]
        expected = tuple(tuple(alt.split()) for alt in cells[2].split("|") if alt.split())
        checks = tuple(_check(text, path, number) for text in (cells[3] if len(cells) > 3 else "").split(";"))
        cases.append(Case(cells[0], request, expected, tuple(c for c in checks if c), tuple(setup), number))
    if not cases:
        raise UserError(f"{path} holds no cases; see {shipped_cases()} for the format")
    return cases


def _equal(value: Any, said: str) -> bool:
    """An argument equals the checked text: as text, or as a number ("5" is 5.0)."""
    if str(value).lower() == said.lower():
        return True
    try:
        return float(value) == float(said)
    except (TypeError, ValueError):
        return False


def _check(text: str, path: Path, number: int) -> Check | None:
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\w+)\s*([=~])\s*(.+)", text)
    if not match:
        raise UserError(f"{path}:{number}: a check is arg=value or arg~text, got {text!r}")
    return Check(match[1], match[2], match[3].strip())


@dataclass
class Outcome:
    """One case: what the planner did with it and whether that was right."""

    case: Case
    tools: list[str] = field(default_factory=list)
    right: bool = False
    why: str = ""  # what was wrong (a miss), or why it was not scored
    scored: bool = True  # False: the scene could not be set (a model missing, ...)
    reply: str = ""


@dataclass
class Scorecard:
    planner: str
    ran: bool  # the requests were run, not only planned
    outcomes: list[Outcome]

    def categories(self) -> dict[str, tuple[int, int]]:
        """category -> (right, scored), in the order the cases first name them."""
        table: dict[str, tuple[int, int]] = {}
        for o in self.outcomes:
            right, scored = table.get(o.case.category, (0, 0))
            table[o.case.category] = (right + (o.right and o.scored), scored + o.scored)
        return table

    def overall(self) -> tuple[int, int]:
        scored = [o for o in self.outcomes if o.scored]
        return sum(o.right for o in scored), len(scored)

    def report(self) -> str:
        """The table per category, the overall score, then each miss."""
        how = "run" if self.ran else "planned, not run"
        lines = [f"planner {self.planner}: {len(self.outcomes)} cases ({how})", ""]
        lines.append(f"{'category':<14} {'right':>5} / {'cases':<5} score")
        for name, (right, scored) in [*self.categories().items(), ("overall", self.overall())]:
            share = f"{100 * right / scored:.0f}%" if scored else "-"
            lines.append(f"{name:<14} {right:>5} / {scored:<5} {share}")
        skipped = [o for o in self.outcomes if not o.scored]
        misses = [o for o in self.outcomes if o.scored and not o.right]
        if misses:
            lines += ["", "misses:"]
            for o in misses:
                lines.append(f"  [{o.case.category}] {shorten(o.case.request, 100)}")
                lines.append(f"      expected {o.case.describe()}; {o.why}")
        if skipped:
            lines += ["", "not scored (the scene could not be set):"]
            lines += [f"  [{o.case.category}] {o.case.request}: {o.why}" for o in skipped]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        right, scored = self.overall()
        return {
            "planner": self.planner,
            "ran": self.ran,
            "overall": {"right": right, "cases": scored},
            "categories": {k: {"right": r, "cases": n} for k, (r, n) in self.categories().items()},
            "cases": [
                {
                    "line": o.case.line,
                    "category": o.case.category,
                    "request": o.case.request,
                    "setup": list(o.case.setup),
                    "expected": o.case.describe(),
                    "tools": o.tools,
                    "right": o.right,
                    "scored": o.scored,
                    "why": o.why,
                    "reply": o.reply,
                }
                for o in self.outcomes
            ],
        }


def judge(case: Case, steps: list[Any], reply: str) -> Outcome:
    """Right when the tools match an expected plan and every check holds."""
    tools = [s.tool for s in steps]
    outcome = Outcome(case, tools, reply=reply)
    if not case.matches(tools):
        said = f"; it said: {shorten(reply.splitlines()[0], 120)}" if reply and not tools else ""
        outcome.why = f"planned {' '.join(tools) or 'nothing'}{said}"
    elif failed := [str(c) for c in case.checks if not c.holds(steps)]:
        outcome.why = f"planned {' '.join(tools)}, but not {', '.join(failed)}"
    else:
        outcome.right = True
    return outcome


def score(
    cases: list[Case],
    session: Callable[[], Any],
    *,
    run: bool = False,
    progress: Callable[[int, Case], None] | None = None,
) -> Scorecard:
    """Score every case, each in a fresh `Trial` from `session()`."""
    outcomes, planner = [], ""
    for index, case in enumerate(cases, start=1):
        if progress is not None:
            progress(index, case)
        with session() as trial:
            planner = trial.planner_name
            outcomes.append(trial.score(case, run=run))
    return Scorecard(planner, run, outcomes)


class Trial:
    """One case's own session: a fresh workspace holding the photo, the planner scored, and
    the offline rules to set the scene. Leaves nothing behind (`with Trial(...) as t:`)."""

    def __init__(self, root: Path, photo: Any, models: Any, planner: Any, executor: Any) -> None:
        from pixelsmith.workspace import Workspace

        self.models, self.planner, self.executor = models, planner, executor
        self.workspace = Workspace.create(root)
        with self.workspace.transaction():
            self.workspace.set_current(self.workspace.add_image(photo, tool="upload", note="the photo"))

    @property
    def planner_name(self) -> str:
        return self.planner.name

    def __enter__(self) -> Trial:
        return self

    def __exit__(self, *exc: object) -> None:
        self.workspace.delete()

    def _agent(self, planner: Any) -> Any:
        from pixelsmith.agent.agent import Agent

        return Agent(self.workspace, self.models, planner=planner, executor=self.executor)

    def score(self, case: Case, *, run: bool) -> Outcome:
        from pixelsmith.agent.planner_choice import make_planner
        from pixelsmith.agent.planner_protocol import PlannerUnavailable

        rules = self._agent(make_planner(self.models.settings, "offline"))
        for message in case.setup:
            ok, said = _select(rules, message) if CANVAS.fullmatch(message) else _send(rules, message)
            if not ok:
                return Outcome(case, scored=False, why=f"“{message}” did not work: {said}")
        agent = self._agent(self.planner)
        if not run:
            try:
                planned = rehearse(agent, case.request)
            except PlannerUnavailable as err:
                return Outcome(case, why=str(err))
            return judge(case, planned.steps, planned.reply)
        ok, said = _send(agent, case.request)
        turn = agent.steps.turn
        standins = {p.get("planner") for p in self.workspace.record.plans if p.get("turn") == turn}
        if standins - {self.planner.name, None}:
            return Outcome(case, why=f"{self.planner.name} did not answer; another planner stood in: {said}")
        return judge(case, [s for s in self.workspace.record.steps if s.turn == turn], said)


def _select(agent: Any, said: str) -> tuple[bool, str]:
    """A selection made on the canvas, written "[rectangle x0 y0 x1 y1]" or "[click x y]" in
    fractions of the photo's width and height, or "[reference]", a reference photo given (the
    photo mirrored): whether it was made, and why not."""
    from PIL import ImageOps

    from pixelsmith.agent.selection import box_layer

    how, *numbers = said.strip("[]").split()
    photo = agent.workspace.image(agent.workspace.record.current_image)
    if how == "reference":
        with agent.workspace.transaction():
            agent.workspace.add_image(ImageOps.mirror(photo), tool="reference", note="a reference photo")
        return True, ""
    size = photo.size
    scaled = [float(v) * size[i % 2] for i, v in enumerate(numbers)]
    try:
        if how == "rectangle":
            agent.selection.shape(box_layer(size, scaled), "rectangle")
            return True, ""
        for _ in agent.selection.click([{"x": scaled[0], "y": scaled[1], "positive": True}]):
            pass
    except UserError as err:
        return False, str(err)
    return agent.selection.current() is not None, "the click selected nothing"


def _send(agent: Any, message: str) -> tuple[bool, str]:
    """Run one message for real: whether it was carried out, and the last thing said."""
    from pixelsmith.agent import events as ev

    said, ok = "", False
    try:
        for event in agent.send(message):
            if isinstance(event, ev.AssistantMessage | ev.ErrorEvent):
                said = event.text
            elif isinstance(event, ev.Done):
                ok = event.ok
    except UserError as err:
        return False, str(err)
    return ok, said


def trials(settings: Any, planner: str, photo: Any, root: Path) -> Callable[[], Trial]:
    """A maker of fresh trials under `root`, sharing one model registry, executor and planner."""
    from pixelsmith.agent.planner_choice import make_planner
    from pixelsmith.execution.choose import make_executor
    from pixelsmith.models import ModelRegistry
    from pixelsmith.tools import default_tools

    models = ModelRegistry(settings)
    chosen = make_planner(settings, planner, models=models)
    executor = make_executor(settings, models, default_tools())
    return lambda: Trial(root, photo, models, chosen, executor)
