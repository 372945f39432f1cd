"""The offline planner's words, read once from the files in `pixelsmith/data/words/`.

A file is made of sections: a `[name]` line, then its entries, separated by commas or new
lines (`#` starts a comment). An entry is a phrase matched as written ("get rid of"); in a
section of pairs every line is `phrase = meaning`. The rules in `phrases` and `whole_image`
are sentence shapes; the words they accept come from here.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

FOLDER = ("data", "words")


@cache
def _sections(file: str) -> dict[str, list[str]]:
    """Section name -> its lines (comments and blank lines dropped)."""
    text = resources.files("pixelsmith").joinpath(*FOLDER, f"{file}.txt").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif current is None:
            raise ValueError(f"words/{file}.txt: {line!r} comes before any [section]")
        else:
            current.append(line)
    return sections


def _lines(file: str, section: str) -> list[str]:
    try:
        return _sections(file)[section]
    except KeyError:
        raise KeyError(f"words/{file}.txt has no section [{section}]") from None


@cache
def entries(file: str, section: str) -> tuple[str, ...]:
    """The phrases of one section, in file order."""
    found = (entry.strip() for line in _lines(file, section) for entry in line.split(","))
    return tuple(dict.fromkeys(e for e in found if e))


@cache
def pairs(file: str, section: str) -> dict[str, str]:
    """A section of `phrase = meaning` lines as a dict."""
    table = {}
    for line in _lines(file, section):
        left, sep, right = line.partition(" = ")
        if not sep:
            raise ValueError(f"words/{file}.txt [{section}]: {line!r} is not 'phrase = meaning'")
        table[left.strip()] = right.strip()
    return table


def alt(options) -> str:
    """A non-capturing alternation of regex pieces, longest first ('get rid of' before 'get')."""
    return "(?:" + "|".join(sorted(options, key=len, reverse=True)) + ")"


@cache
def pattern(file: str, *sections: str) -> str:
    """A regex alternation of the phrases of `sections` (escaped: they match as written)."""
    return alt({re.escape(e) for s in sections for e in entries(file, s)})


@cache
def known_words() -> frozenset[str]:
    """Every word of every file: what the rules have a use for."""
    folder = resources.files("pixelsmith").joinpath(*FOLDER)
    words: set[str] = set()
    for item in folder.iterdir():
        if item.name.endswith(".txt") and item.name != "README.txt":
            for lines in _sections(item.name[:-4]).values():
                for line in lines:
                    words.update(re.findall(r"[a-z][a-z'-]*", line.lower()))
    return frozenset(words)
