"""Requests said in other voices, as the rules read them: asked as a question ("could this be
a bit brighter?", "what if the cat was on a beach?"), written tersely ("bw", "lamp gone",
"cushion → red"), or in the English of someone who learnt another first ("make more bright
the picture", "the cat color change to orange"); and follow-ups in a word or two, read
against the last edit ("actually a rainbow instead", "more blur", "no, the other one, the
fence"). Each is rewritten into a request the rules know (`rules_talk.plan` tries these
before its own: their shapes are narrower); the fillers of speech are taken out before
(`normalise._spoken`)."""

from __future__ import annotations

import re
from dataclasses import replace

from pixelsmith.agent import rules_photo, whole_image
from pixelsmith.agent.normalise import MAX_REWRITES, Request
from pixelsmith.agent.phrases import COLOUR_PHRASE
from pixelsmith.agent.plan import Plan, Step, shift_refs
from pixelsmith.agent.prompt_words import with_colour
from pixelsmith.agent.rules_shared import (
    THE_PHOTO,
    THING,
    Dispatch,
    Unclear,
    current_image,
    masked_steps,
    params_for,
    recent_labels,
    rerun,
    subject_of,
)
from pixelsmith.agent.vocabulary import alt, pattern
from pixelsmith.views import WorkspaceView

_IT = THE_PHOTO
_WORD = r"(?!(?:it|this|that|me|us|a|an|the|to|i|you)\b)[a-z][\w-]*"
_NOUN = rf"{_WORD}(?: {_WORD})?"  # a thing named bare: "lamp", "cushion", "party hat"
_NOT_A_VERB = (
    rf"(?!(?:{pattern('verbs', 'remove')}|make|turn|put|place|add|crop|rotate|flip|change|print|set|use"
    r"|get|give|show|move|keep|leave|want|need|like|love)\b)"
)
_STILL = r"(?:sitting|standing|lying|sleeping|curled up)"
_ER = r"(?:brighter|darker|warmer|cooler|sharper|bigger|smaller|softer|lighter)"
_MARKS = rf"(?:{pattern('talk', 'marks')})"  # on an old print


def _rule(text: str) -> re.Pattern[str]:
    return re.compile(text)


# what the words say -> the request the rules read ({name}: a group of the match)
REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # questions
    (_rule(rf"(?:could|can|would|should) (?P<thing>{THING}|{_IT}) be wearing (?P<what>.+)"),
     "put {what} on {thing}"),
    (_rule(rf"(?:could|can|would|should) (?P<thing>{THING}) be (?P<new>(?:an?|some) .+?)(?: instead)?"),
     "replace {thing} with {new}"),
    (_rule(rf"i wonder if (?P<thing>{THING}) (?:could|can|would|might) be (?P<new>(?:an?|some) .+?)"
           r"(?: instead)?"),
     "replace {thing} with {new}"),
    (_rule(rf"(?:could|can|would|should) (?P<it>{_IT}) be (?P<how>.+)"), "make it {how}"),
    (_rule(rf"(?:could|can|would) there be (?P<what>(?:an?|some) .+?) (?P<rel>on|next to|beside|by|under|in) "
           rf"(?P<anchor>{THING})"), "put {what} {rel} {anchor}"),
    (_rule(rf"(?:how|what) would (?:{_IT}) look (?:like )?(?:as|in) (?P<what>.+)"),
     "make it look like {what}"),
    (_rule(rf"what if (?P<thing>{THING}) (?:was|were|is) {_STILL} (?P<rel>on|in|at|by) (?P<where>.+?)"
           r"(?: instead)?"),
     "put {thing} {rel} {where}"),
    (_rule(rf"what if (?:{_IT}) (?:was|were|is|looked) (?P<how>.+?)(?: instead)?"), "make it {how}"),
    (_rule(rf"(?:can|could) i see (?:how |what )?(?:{_IT}) (?:looks?|would look) (?:like )?(?:with|in|as) "
           rf"(?:the whole (?:photo|picture|thing) (?:in|as) )?(?P<how>.+)"), "make it {how}"),
    (_rule(rf"(?:wouldn't|would|won't) (?:{_IT}) look (?:nicer|better) (?:with|if) (?P<what>.+)"),
     "make {what}"),
    (_rule(rf"(?:see|show me|get|have) (?:just|only) (?P<object>{THING}) (?:without anything (?:around|else)"
           r"(?: (?:it|him|her|them))?|on (?:its|his|her) own|alone|by itself)"), "cut out {object}"),
    (_rule(r"i (?:want|need|'d like|would like) (?:it|this|the photo|the picture) (?:in|to be|as)"
           r" (?P<how>.+)"),
     "make it {how}"),
    (_rule(rf"make (?P<thing>{THING}) (?:look like (?:he|she|it|they)(?:'?s| is| are) )?wear(?:ing)?"
           r" (?P<what>.+)"),
     "put {what} on {thing}"),
    (_rule(r"(?:give me|make|show me) (?P<how>as an? .+)"), "{how}"),  # "give me (4 versions of it) as a ..."
    (_rule(rf"(?:it )?if (?P<thing>{THING}) (?:just )?(?:wasn't|weren't|was not|were not|isn't) there"
           r"(?: anymore)?"),
     "remove {thing}"),  # "I'd love it if the lamp just wasn't there"
    (_rule(rf"(?:{_IT}) (?:might|would|could|will) look (?:\w+ )?(?:as|like) (?P<what>an? .+)"),
     "make it look like {what}"),  # "it might look amazing as an oil painting"
    # terse
    (_rule(r"bw|mono"), "black and white"),
    (_rule(rf"(?:the )?(?P<thing>{_NOT_A_VERB}{_NOUN}) (?:gone|removed|deleted|begone)"),
     "remove the {thing}"),
    (_rule(rf"(?:the )?(?P<thing>{_NOUN}) becomes (?P<new>.+)"), "change the {thing} to {new}"),
    (_rule(rf"(?:can|could) (?P<thing>{THING}) (?:go|go away|disappear|vanish)"), "remove {thing}"),
    (_rule(r"(?P<ratio>\d+ \d+|square) crop"), "crop it to {ratio}"),
    (_rule(r"(?:make it )?(?P<n>\d+) ?(?:px|pixels?) (?P<side>wide|across|tall|high)"),
     "resize it to {n} px {side}"),
    (_rule(rf"(?P<what>{_NOT_A_VERB}{_NOUN}) (?P<rel>on|next to|beside) (?P<anchor>{_NOUN})"),
     "put a {what} {rel} the {anchor}"),  # "hat on cat"
    # a child's words, emoji, a goodbye: "make a shark in the sea", "make granny have sunglasses"
    (_rule(rf"(?:{pattern('talk', 'goodbyes')}) (?:to )?(?:the |that |this |mr |mrs )?"
           rf"(?!(?:{pattern('talk', 'not waved off')})\b)(?P<thing>{_NOUN})"), "remove the {thing}"),
    (_rule(r"make (?P<what>(?:an?|some|one|two|three) "
           r"(?!(?:new |brand new )?(?:image|picture|photo|drawing|painting|illustration|version|copy)\b)"
           r"(?![\w' -]*\b(?:crop|mask|selection|change|edit|style|watercolou?r|sketch|cartoon|poster)\b)"
           r"[\w' -]+?) (?P<rel>in|on|at|next to|beside) "
           rf"(?P<anchor>{THING})"), "add {what} {rel} {anchor}"),
    (_rule(rf"make (?P<thing>{THING}|[\w-]+) (?:have|wear|get) "
           r"(?P<what>(?![\w' -]*\b(?:look|finish|tint|glow|tone|feel|style|vibe|colou?r|effect)$).+)"),
     "put {what} on {thing}"),
    (_rule(rf"make {_IT} (?:(?:{pattern('talk', 'intensifiers')}) ?)+"
           r"(?:big|large|huge|giant|massive)(?:ger|r)?"),
     "upscale it"),  # "make it super super big so i can print it"
    (_rule(r"(?P<look>sepia|black and white|vintage|retro) (?:vibes?|aesthetic|feel|mood)"),
     "make it {look}"),
    # a meme's words
    (_rule(rf"deep[ -]?fr(?:y|ied)(?: {_IT})?(?: (?:please|pls))?"),
     "make it a lot more saturated; make it a lot punchier; sharpen it a lot"),  # one adjust (`_both`)
    (_rule(rf"make (?P<thing>{THING}) (?:(?:{pattern('talk', 'intensifiers')}|absolutely|totally) ?)*"
           r"(?P<size>massive|huge|giant|gigantic|enormous|tiny)(?: like .+| towering .+)?"),
     "make {thing} {size}"),
    (_rule(r"make it rain (?P<what>(?:[\w'-]+ )?(?!(?:less|lots|loads|tons|pieces)\b)[\w'-]+s)"
           r"(?: (?:from|out of|down from) the sky)?"),
     "make it rainy with {what} falling from the sky"),  # "make it rain pizzas from the sky"
    (_rule(rf"(?P<style>{pattern('scene', 'adjective styles')}) (?:it|this|{_IT})(?:,? .+)?"),
     "make it {style} style"),  # "cyberpunk it. neon signs, purple lights, the works"
    # an old photo's marks: "there are little white scratches and dust spots all over it, please fix"
    (_rule(rf"there(?:'s| is| are) (?:(?:loads|lots|a lot|plenty) of |some |a few |little |tiny |small "
           rf"|white |black |annoying )*{_MARKS}(?: and (?:little |tiny |white |black )*{_MARKS})*"
           r"(?: all over (?:it|the (?:photo|picture|scan|print))| on it| everywhere)?"
           r"(?:,? (?:please |can you |could you )?(?:fix|remove|clean|sort)(?: (?:it|them|that|those))?"
           r"(?: up| out)?(?: please)?)?"), "remove the scratches"),
    # the last edit again, on another thing
    (_rule(rf"(?:do )?(?:the )?same(?: thing)?(?: again)?,? (?:but |only )?(?:for|to|on|with) "
           rf"(?!the (?:left|right|top|bottom|whole|entire|rest)\b)(?P<thing>{THING})"),
     "do the same to {thing}"),
    (_rule(rf"make (?:it|everything) (?P<how>{pattern('talk', 'moods')})"),
     "make it look {how}"),
    # wishes and constraints said around the request
    (_rule(rf"give (?:it|us|me|{_IT}|the sky) (?P<what>(?:an? |some )[\w -]*?sky)"),
     "replace the sky with {what}"),  # "the sky's a bit grey, give us a proper blue summer sky"
    (_rule(r"(?:i )?(?:don't|do not) want (?:any |a )?background(?: at all)?,? (?:just|only) (?P<thing>.+)"),
     "cut out {thing}"),  # "I don't want any background at all, just the man and his dog"
    (_rule(rf"(?:i |we )?(?:need|want) (?P<what>(?:an? |some )[\w -]+ (?:background|backdrop)) "
           rf"(?:behind|for|around) (?P<thing>{THING})"), "{what} behind {thing}"),
    (_rule(rf"(?P<tone>black and white|sepia|grayscale|greyscale) everything "
           rf"(?:but|except|apart from|other than) (?P<thing>{THING})"),
     "make everything {tone} except {thing}"),
    (_rule(rf"make (?P<thing>(?!(?:the |my |this )?(?:photo|image|picture|pic|whole thing|colou?rs|tones)\b)"
           rf"{THING}) pop(?: more| out)?"), "make {thing} more vivid"),
    (_rule(r"(?:stick|put|plonk|pop|move|place) (?P<who>(?:him|her|them|me|us|the|my)\b[\w' ]*?) somewhere "
           r"(?:a bit |a little |much )?(?:more )?(?:exciting|interesting|nicer|better|else|different|fun)"
           r",? (?:like |maybe |perhaps |say |how about )?(?P<where>[\w' ]+?)(?:,? maybe|,? perhaps)?"),
     "put {who} in front of a view of {where}"),  # "stick him somewhere nicer, Trafalgar Square maybe"
    (_rule(rf"only (?P<thing>{THING}) should (?:change|be changed|be touched|be edited),? "
           r"make it (?P<how>.+)"),
     "make {thing} {how}"),  # "only the sky should change - make it a sunset"
    # another first language
    (_rule(rf"(?P<thing>{THING}) colou?r (?:change|changes|make|to be) (?:to |into )?(?P<new>.+)"),
     "change the colour of {thing} to {new}"),
    (_rule(rf"(?:make|do|doing) (?P<how>{_ER}(?: .+)?) (?P<it>{_IT})"), "make {it} {how}"),
    (_rule(rf"(?:make|do|doing) (?P<it>{_IT}) (?P<how>{_ER}(?: .+)?)"), "make {it} {how}"),
    (_rule(rf"make (?P<thing>{THING}) like (?:an? )?(?P<what>(?:painting|drawing|sketch|cartoon|photo) .+)"),
     "make {thing} look like a {what}"),
)  # fmt: skip

# follow-ups said in a word or two, read against the last edit ({name}: a group of the match)
_NOT_A_SIZE = r"(?!(?:a )?(?:bit|little|lot|touch|tad|few)\b)"
_INSTEAD = rf"(?:(?:try|use|what about|how about|go with|maybe) )?(?P<new>(?:an?|some) {_NOT_A_SIZE}[\w' -]+)"
_MORE_COLOUR = rf"(?:a (?:bit|little|touch) |even |much )?more (?:of )?(?:an? )?(?P<new>{COLOUR_PHRASE})"
# after an edit with a prompt: "actually a rainbow instead", "hmm, more orange" (inside its mask:
# the masked area repainted; else the instruction or the picture made again)
IN_THE_MASK = ((_rule(_INSTEAD), "replace it with {new}"), (_rule(_MORE_COLOUR), "make it {new}"))
ON_THE_WHOLE = ((_rule(_INSTEAD), "make it {new}"), (_rule(_MORE_COLOUR), "make it {new}"))
# "more blur" after a blur: the same tone again, further (the adjust argument each word names)
_TONES = {"blur": "blur", "blurring": "blur", "bokeh": "blur", "contrast": "contrast", "warmth": "warmth",
          "saturation": "saturation", "colour": "saturation", "color": "saturation",
          "colours": "saturation", "colors": "saturation", "brightness": "brightness", "light": "brightness",
          "sharpness": "sharpness"}  # fmt: skip
_MORE = r"(?:a (?:bit|little) |even |much |way )?(?:more|stronger|heavier)"
_OTHER_WAY = re.compile(
    r"(?:wrong way,? )?(?:(?:rotate|turn|spin) it )?(?:the |in the )?(?:other|opposite) (?:way|direction)"
    r"(?: round| around)?(?: instead)?|wrong way"
)
# "no, the other one, the fence": not the object just edited but another (the edit undone)
_MEANT = _rule(
    rf"(?:(?:not (?:that|this)(?: one)?|the other one|wrong one|i meant|i mean),? )+(?P<thing>{THING})"
)
_INSTEAD_SAID = re.compile(r"^\W*(?:(?:no|hmm|oh|ok|okay|nah)\W+)*actually\b|\binstead\W*$")
_MEANT_RATIO = _rule(
    r"(?:i meant|i mean|i wanted|i said)(?: (?:portrait|landscape))?,? (?P<ratio>\d+ \d+)"
    r"|(?:make it|crop it(?: to)?|crop to|do) (?:an? )?(?P<ratio2>square|\d+ \d+)"  # "... instead"
)


# a thing said to be there, then what to do with it: "theres a bloke with an umbrella walking past
# behind the car, can you take him out of it" (with a selection, "it" is the selection; "something"
# is no name to look for)
_WHERE = rf"(?:{pattern('talk', 'where it is')})"
_NO_NAME = (
    r"(?:too|so|a bit|no|something|anything|stuff|(?:a )?lot|(?:a )?bit|loads|empty|noise|borders?|tint|cast)"
)
THERE_IS = (
    _rule(
        rf"there(?:'s|s| is) (?:an? |some )?(?P<thing>(?!{_NO_NAME}\b)[\w'-]+(?: (?!{_WHERE}\b)[\w'-]+)*)"
        rf"(?: {_WHERE}\b[^,]*)?(?:,[\w' ]+?)*?,? (?:can you |could you |please |just |pls )*"
        r"(?:take|get|remove|erase|rub|delete|clone) (?:him|her|it|them|that|the person)"
        r"(?: out| off| away)?(?: of (?:it|the (?:photo|picture|shot|image)))?"
    ),
    "remove the {thing}",
)


def rewrites(view: WorkspaceView) -> tuple[tuple[re.Pattern[str], str], ...]:
    """`REWRITES`, and after an edit the follow-ups it makes sense of; with no photo, none that
    adds to one ("make a cat in the garden" describes a new picture)."""
    edit = view.last_edit
    if view.current_image is None:
        return tuple(rule for rule in REWRITES if not rule[1].startswith("add "))
    said = REWRITES if view.selection else (THERE_IS, *REWRITES)
    if edit is None:
        return said
    changed = [word for word in _TONES if edit.tool == "adjust" and _changed(edit.args, word)]
    more = ((_rule(rf"{_MORE} {alt(changed)}"), "a bit more"),) if changed else ()
    prompted = (IN_THE_MASK if "mask" in edit.args else ON_THE_WHOLE) if "prompt" in edit.args else ()
    return (*more, *prompted, *said)


def plan(request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """A plan these words give without a rewrite: "no, the other way" after a rotation turns
    the photo it was made from as far the other way; "no, the other one, the fence" undoes the
    edit and makes it on the fence; "i meant 9:16" after a crop crops the photo again. None
    otherwise."""
    edit, text = view.last_edit, request.text
    if edit is None:
        return _found_and_changed(request, view)
    if edit.tool == "rotate" and _OTHER_WAY.fullmatch(text):
        degrees = -float(edit.args.get("degrees", 90))
        return Plan(
            steps=[rerun(view, request, f"rotate {abs(degrees):g} degrees the other way", degrees=degrees)]
        )
    instead = None
    if "mask" in edit.args and (meant := _MEANT.fullmatch(text)):
        instead = f"do the same to {meant['thing']}"
    elif (
        edit.tool == "crop"
        and (meant := _MEANT_RATIO.fullmatch(text))
        and (meant["ratio"] or (not request.rewrites and _INSTEAD_SAID.search(request.message.lower())))
    ):
        instead = f"crop it to {meant['ratio'] or meant['ratio2']}"
    if instead is None or request.rewrites >= MAX_REWRITES:
        return None
    before = replace(view, current_image=edit.input_image)  # planned on what the edit was made from
    try:
        redone = dispatch(replace(request, text=instead, rewrites=request.rewrites + 1), before)
    except Unclear:
        return None
    undo = Step(tool="undo", why=f"not the {edit.tool} just made")
    return Plan(steps=[undo, *shift_refs(redone, 1).steps]) if redone.steps else None


# "find the kettle", then "make it green": "it" is what was found (no edit to change yet)
# (a colour only: "make it a square", "make it black and white" are other requests)
_NOT_BW = rf"(?!(?:{pattern('photo', 'black and white')})$)"
_MAKE_IT = _rule(rf"(?:make|turn|paint|colou?r) (?:it|them) (?P<new>{_NOT_BW}{COLOUR_PHRASE})")
# "find the seagull", then "make it a parrot": the thing found, replaced (not a shape or a style:
# "make it a square", "make it a watercolour" are whole-image requests)
_NOT_A_SIZE_WORD = (
    r"(?!(?:(?:tiny|wee|little|small|fair) )?(?:bit|little|lot|touch|tad|few|smidge|couple|shade)\b)"
    r"(?![\w' -]*\b(?:photo|picture|image|png|jpe?g|poster|wallpaper|sticker|version|copy)\b)"
)
_INTO = _rule(
    rf"(?:make|turn) (?:it|them) (?:into )?(?P<new>(?:an?|some) {_NOT_A_SIZE_WORD}[\w' -]+)"
    r"|replace (?:it|them) with (?P<new2>.+)"
)


def _found_and_changed(request: Request, view: WorkspaceView) -> Plan | None:
    """Before any edit, "make it green" after a find or a cut: that thing painted green;
    "make it a parrot": that thing replaced."""
    labels, text = recent_labels(view), request.text
    if not labels or view.selection:
        return None
    if said := _MAKE_IT.fullmatch(text):
        prompt = with_colour(f"a {labels[0]}", said["new"])
    elif (into := _INTO.fullmatch(text)) and not any(
        i.pattern.fullmatch(text) for i in (*whole_image.INTENTS, *rules_photo.INTENTS)
    ):
        prompt = into["new"] or into["new2"]
    else:
        return None
    steps, mask = masked_steps(subject_of("it", view, pronoun_ok=True), request, view)
    call = {"image": current_image(view), "mask": mask, "prompt": prompt, **params_for("inpaint", request)}
    return Plan(steps=[*steps, Step(tool="inpaint", args=call, why=f"paint {prompt}")])


def _changed(args: dict, word: str) -> bool:
    """Whether an adjust with `args` changed the tone `word` names ("blur", "colours")."""
    name = _TONES[word]
    return name in args and args[name] != (0.0 if name in ("blur", "warmth") else 1.0)
