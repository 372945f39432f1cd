"""Tool arguments said inline in a request, taken out before the rules read it: "seed 7",
"guidance 12", "3 candidates", "30 steps", "negative: blurry", "as a quick preview"."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pixelsmith.agent.phrases import NUM, to_int
from pixelsmith.agent.vocabulary import pattern


@dataclass(frozen=True)
class ParamRule:
    """One way of saying a tool argument inline: 'seed 7' -> seed=7."""

    arg: str
    pattern: re.Pattern[str]
    convert: Callable[[str], Any]


_LEAD = r"(?:\b(?:and|with|using|use|set|at|try)\s+(?:a\s+|the\s+)?)?"  # "with seed 7"
_IS = r"\s*(?:=|:|to|of|at|is)?\s*"  # "seed = 7", "guidance to 12"
_CANDIDATES = pattern("nouns", "candidates")
_NEGATIVE = r"(?:negative(?: prompt)?|avoid(?:ing)?)"


def _rule(arg: str, body: str, convert: Callable[[str], Any]) -> ParamRule:
    return ParamRule(arg, re.compile(_LEAD + body), convert)


PARAM_RULES = (
    _rule("seed", rf"\bseed(?: number)?{_IS}#?(?P<value>\d+)\b", int),
    _rule("guidance_scale", rf"\b(?:guidance|cfg)(?: scale)?{_IS}(?P<value>\d+(?:\.\d+)?)", float),
    _rule("num_inference_steps", r"\b(?P<value>\d+) (?:inference |denoising |sampling )?steps\b", int),
    _rule("num_inference_steps", rf"\b(?:inference |denoising )?steps{_IS}(?P<value>\d+)\b", int),
    _rule("strength", rf"\b(?:denoising )?strength{_IS}(?P<value>\d*\.?\d+)", float),
    _rule("num_candidates", rf"\b(?P<value>{NUM}) (?:more |other |new )?{_CANDIDATES}\b(?! of)", to_int),
    _rule(
        "num_candidates",
        rf"\b(?P<value>{NUM}) (?:different )?(?:versions|variations|takes) of (?:it|this)\b",
        to_int,
    ),
    _rule("num_candidates", rf"\b(?:candidates|variations|options){_IS}(?P<value>\d+)\b", int),
    _rule("threshold", rf"\b(?:detection )?(?:threshold|confidence){_IS}(?P<value>\d*\.?\d+)", float),
    _rule("negative_prompt", rf"\b{_NEGATIVE}\s*[:=]?\s*(?P<value>[^,;]+)", str.strip),
    # "as a quick preview", "a rough draft of", "in preview mode", "fast mode": LCM-LoRA, 4 steps
    _rule(
        "preview",
        r"(?:\b(?:as|in|with|for)\s+)?\b(?P<value>(?:(?:a|an)\s+)?(?:(?:quick|fast|rough)\s+)?"
        r"(?:preview|draft)(?:\s+mode)?|fast\s+mode)\b(?:\s+of\b)?",
        lambda _: True,
    ),
    # Concept training: "resolution 256", "rank 8", "no prior preservation" ("N steps" is
    # num_inference_steps above; for train_concept it is its `steps`).
    _rule("resolution", rf"\b(?:training )?resolution{_IS}(?P<value>\d+)(?:\s*px)?", int),
    _rule("rank", rf"\b(?:lora )?rank{_IS}(?P<value>\d+)\b", int),
    _rule(
        "prior_preservation", r"\b(?P<value>no|without|with) prior(?: preservation)?\b", lambda v: v == "with"
    ),
)
