"""How the whole photo should feel, read as the request the rules know (`normalise`): the
tones that give a mood ("can it feel calmer somehow", "less gloomy please", "crisp and
fresh": `adjust`), or a look the editor gives it ("dreamy + soft", "make it creepy": an
instruction); a condition said as a likeness ("like an early summer morning"), a glow given
("that warm golden hour glow") and a thing named by how it should change ("moodier sky").
The words are in `data/words/scene.txt` [mood tones] and `talk.txt` [moods]."""

from __future__ import annotations

import re
from functools import cache

from pixelsmith.agent.vocabulary import alt, entries, pairs, pattern

_WHOLE = r"(?:it|everything|the (?:photo|picture|image|pic|whole thing|whole photo|scene|shot))"
_HOW_MUCH = r"(?:(?:a bit|a little|a touch|a lot|much|way|more|even|somehow|slightly|really|so) )*"
_COMPARED = re.compile(r"\b(?:more|less|\w+er)\b|,| and | plus | but ")  # "less gloomy", "calmer", "a and b"
_ER = r"(?:moodier|brighter|darker|bluer|greener|warmer|cooler|stormier|cloudier|more dramatic|more vivid)"
# "moodier sky": a thing named by how it should change
_BARE_THING = re.compile(
    rf"(?:(?:an? )?(?P<how>{_ER}) (?P<thing>(?!(?:it|tones?|colou?rs|light|lighting|shadows|highlights"
    r"|feel|vibe|look|mood|overall)\b)[a-z]+)"
    rf"|the (?P<thing2>(?!(?:photo|picture|image|pic|whole)\b)[a-z]+(?: [a-z]+)?)"
    rf" (?P<how2>(?:a (?:bit|little|touch|lot) |much |way |slightly )?{_ER}))(?: please| pls)?"
)


@cache
def _felt() -> re.Pattern[str]:
    mood = alt(re.escape(m) for m in (*pairs("scene", "mood tones"), *entries("talk", "moods")))
    said = rf"(?:{mood}|[a-z]+)"
    return re.compile(
        rf"(?P<asked>(?:make|get|have) {_WHOLE} |(?:can|could) (?:it|you make it|we make it|{_WHOLE}) "
        rf"|i (?:want|would like|'d like) (?:it|{_WHOLE}) to |{_WHOLE} should |let's make it )?"
        r"(?:(?:feel|look|seem|be) )?(?:a bit |a little |more of )?"
        rf"(?P<moods>{_HOW_MUCH}{said}(?:(?:,|,? and|,? but| plus) {_HOW_MUCH}{said}){{0,3}})"
        r"(?: somehow| overall| please| pls| vibe| feel| feeling| mood)*"
    )


@cache
def _likeness() -> re.Pattern[str]:
    conditions = pattern("scene", "conditions")
    return re.compile(
        rf"(?:^|(?<=, ))(?:(?:like|as if it (?:was|were|is)|as though it (?:was|were|is)) )"
        rf"(?P<what>(?:an? |the )?(?:[\w-]+ )?{conditions})(?=,|$)"
        rf"|(?:^|(?<=, ))give (?:it|{_WHOLE}) (?:that|a|an|some|the) (?P<glow>(?:[\w-]+ )?{conditions})"
        r" (?:glow|look|feel|vibe|mood|atmosphere|light|tone)\b"
    )


_SHADES = {"darker": "dark", "lighter": "light", "deeper": "deep", "paler": "pale", "brighter": "bright"}
# "hmm, darker green": a shade of a colour, after a recolour
_SHADE = re.compile(
    rf"(?:a (?:bit|little|touch) )?(?P<shade>{'|'.join(_SHADES)}) (?P<colour>{pattern('colours', 'colours')})"
    r"(?: instead| please| pls)?"
)


def felt(text: str) -> str:
    """`text` (a tidied clause) as the request for the mood it asks for; itself when it asks none."""
    if match := _SHADE.fullmatch(text):
        return f"make it {_SHADES[match['shade']]} {match['colour']}"
    if match := _BARE_THING.fullmatch(text):
        return f"make the {match['thing'] or match['thing2']} {match['how'] or match['how2']}"
    text = _likeness().sub(lambda m: f"make it {m['what'] or m['glow']}", text)
    match = _felt().fullmatch(text)
    if not match or (not match["asked"] and not _COMPARED.search(match["moods"])):
        return text  # "sad" alone is a remark ("flat and sad"); "less gloomy", "dreamy + soft" ask
    words = [w for w in re.split(r",? and |, |,? but | plus ", match["moods"]) if w]
    words = [re.sub(rf"^{_HOW_MUCH}", "", w) for w in words]
    tones, looks = pairs("scene", "mood tones"), entries("talk", "moods")
    if not any(w in tones or w in looks for w in words):
        return text
    if all(w in tones for w in words):  # "calmer and less busy": tones, each once
        return " and ".join(dict.fromkeys(" and ".join(tones[w] for w in words).split(" and ")))
    if any(w in looks for w in words) and all(re.fullmatch(r"[a-z]+", w) or w in tones for w in words):
        return f"make it look {' and '.join(words)}"  # "dreamy + soft": the editor's look
    return text


def felt_in(text: str) -> str:
    """`text` with the mood it asks for said as a request: the whole of it ("lonelier, more
    melancholy, quiet"), else each clause ("less gloomy please, it's my grandad")."""
    if (whole := felt(text)) != text:
        return whole
    return ", ".join(felt(clause) for clause in text.split(", "))
