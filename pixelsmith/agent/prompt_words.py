"""The prompts the offline rules write for a replaced or recoloured object: "blue" for "the
shirt" is "a blue shirt", "a cartoon" for "the cat" is "a cartoon cat", and "now make it red"
swaps the last prompt's colour."""

from __future__ import annotations

import re

from pixelsmith.agent.phrases import COLOUR_RUN, COLOUR_WORD, Subject
from pixelsmith.agent.vocabulary import pattern


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


_STYLES = pattern("scene", "styles")


def replacement_prompt(subject: Subject, target: str | None, adjective: str | None) -> str:
    """'a realistic green dragon' stays; 'blue' for 'the shirt' becomes 'a blue shirt', 'a
    cartoon' for 'the cat' 'a cartoon cat' (a style keeps the thing), 'a more dramatic one' for
    'the sky' 'a more dramatic sky'."""
    if target and (one := re.fullmatch(r"(?P<lead>(?:an?|some) .+ )ones?", target)) and subject.words:
        return f"{one['lead']}{subject.words.split()[-1]}"
    styled = re.fullmatch(rf"(?:an? )?(?P<style>{_STYLES})(?: style| version)?", target or "")
    if adjective is None and styled:
        adjective = styled["style"]
    elif adjective is None and target and not COLOUR_RUN.fullmatch(target):
        return target
    adjective = adjective or target or ""
    *before, last = subject.words.split() or [""]  # its colours go; its noun stays ("the sky": not a shade)
    noun = " ".join([*(w for w in before if not COLOUR_WORD.fullmatch(w)), last]).strip()
    if subject.plural or not noun:
        return f"{adjective} {noun}".strip()
    return f"{article(adjective)} {adjective} {noun}"


def with_colour(prompt: str, colour: str) -> str:
    """Swap the prompt's colour for `colour`, or add it after a leading article."""
    if COLOUR_RUN.search(prompt):
        prompt = COLOUR_RUN.sub(colour, prompt)
    else:
        lead = re.match(r"(?:(?:an?|the|some) )?", prompt).end()
        prompt = f"{prompt[:lead]}{colour} {prompt[lead:]}"
    return re.sub(r"^an? (\w)", lambda m: f"{article(m[1])} {m[1]}", prompt)
