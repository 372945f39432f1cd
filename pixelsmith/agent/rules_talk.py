"""How people ask for a photo operation without naming it, for the offline planner.

- A complaint: "it's too dark", "the sky looks a bit dull", "it's blurry" (`words/talk.txt`
  [complaints]: the request each stands for).
- A wish in other words: "make it pop", "cartoonify it", "make it look like it was shot on
  film", "make it high resolution", "enlarge it to 4k", "a png of just the cat", "isolate the
  dog", "put a lion where the cat is", "remove background".
- An exception: "black and white except the cat", "desaturate everything but keep the dog in
  colour", "blur everything behind the cat": the tone change outside the object's mask
  (`rules_except`, with a tone on the background).
- A side: "crop off the left side", "keep only the top two thirds" (`rules_frame`), and
  "straighten the horizon", which is asked back (the rules cannot see how far it leans).

Most are rewritten into the request the rules already read ("it's too dark" is "make it
brighter") and planned through them again, so a tone inside a selection, parameters such as
"seed 7" and every check stay as they are. Tried before the other rules (after a reference
photo's, `rules_reference`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from pixelsmith.agent import (
    rules_except,
    rules_frame,
    rules_photo,
    rules_place,
    rules_text,
    rules_tones,
    rules_voices,
)
from pixelsmith.agent.normalise import MAX_REWRITES, Request
from pixelsmith.agent.phrases import COLOUR_PHRASE
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import (
    PHOTO,
    THE_PHOTO,
    THING,
    Dispatch,
    Unclear,
    current_image,
    main_subject,
)
from pixelsmith.agent.vocabulary import alt, entries, pairs, pattern
from pixelsmith.views import WorkspaceView

COMPLAINTS = pairs("talk", "complaints")
TOO_MUCH, NOT_ENOUGH = pairs("talk", "too much"), pairs("talk", "not enough")
STYLE_VERBS = pairs("talk", "style verbs")
RESOLUTIONS = {name: int(side) for name, side in pairs("talk", "resolutions").items()}
_IT = THE_PHOTO
_LITTLE, _LOT = pattern("talk", "a little"), pattern("talk", "a lot")
_MUCH = rf"(?:(?P<much>{_LITTLE}|{_LOT}) )?"
_WHAT = alt(map(re.escape, COMPLAINTS))
_SAYS = r"(?:'s| is| are| looks?| seems?| feels?| ha(?:ve|s)(?: all)?(?: gone)?)"  # "the colours have faded"
_MUCH_OF = alt(map(re.escape, {*TOO_MUCH, *NOT_ENOUGH}))
_PURPOSE, _RETRO = pattern("talk", "purposes"), pattern("talk", "retro")
_STYLE = pattern("scene", "styles")
_POSE = r"(?:sitting|standing|lying|sleeping)"
_ADJ = (
    r"(?:old|vintage|nice|subtle|classic|warm|creamy|soft|dreamy|cool|retro|proper|real|strong|slight|faded"
    r"|grainy|moody|old-school|(?:19)?\d0s)"
)
_GIVE = rf"give {_IT} (?:an? |that |the |some )?(?:{_ADJ} )*?"
_A_LOOK = r"(?:look|style|feel|vibe|effect|treatment|filter|aesthetic)"

# "what's left", "the result": what the last edit made, which is the current image
_LEFT = re.compile(r"\b(?:what'?s left|what remains|what is left|the result)\b")
_RATIO = r"(?P<ratio>\d+ \d+|square|widescreen|portrait|landscape|vertical|panorama|panoramic)"
# what the colours, the light or the tones "look" is always a complaint: "the colours look dull"
_LOOK = r"the (?:colou?rs|lighting|light|exposure|tones)"
_BOTH_WAYS = (
    r"(?:above and below|at the top and bottom|top and bottom|up and down|on both sides|left and right"
    r"|at the sides|on the sides|sideways|vertically|horizontally)"
)
_VERBS = r"replace|change|swap|make|put|turn|give|set|use|add|with"  # not what a backdrop looks like


def _rule(text: str) -> re.Pattern[str]:
    return re.compile(text)


# what the words say -> the request the rules read ({name}: a group of the match)
REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # complaints: with something named ("it's too dark", "the sky is a bit dull"), or "too" alone
    (_rule(rf"(?P<it>{_IT}|the [\w' -]+?){_SAYS} {_MUCH}(?P<too>too )?(?P<what>{_WHAT})(?: now| please)?"
           r"(?: like (?:an? )?(?:old|faded|cheap|bad) [\w ]+)?"),  # "faded like an old print"
     "{complaint}"),
    (_rule(rf"(?P<it>{_IT}|{_LOOK}){_SAYS} {_MUCH}(?P<too>too )?(?P<what>{_WHAT}) and "
           rf"(?:a bit |a little |kind of |so |really |very )?(?P<what2>{_WHAT})(?: now| please)?"),
     "{complaint}"),  # of the whole photo: "looks washed out and flat"
    (_rule(rf"(?:(?:it )?(?:looks?|seems?|feels?) )?{_MUCH}(?P<too>too )(?P<what>{_WHAT})"), "{complaint}"),
    (_rule(rf"(?:(?:there is|there's|it has|it's got) )?{_MUCH}(?P<kind>too much|not enough|too little) "
           rf"(?P<what>{_MUCH_OF})(?: in (?P<it>{_IT}))?"), "{complaint}"),
    # a purpose changes nothing: "make it smaller for email"
    (_rule(rf"(?P<body>.+?) (?:for|to send by|to put on|to post on) (?:{_PURPOSE})"), "{body}"),
    # shapes and sizes in other words
    (_rule(rf"(?:make|give me|create|do) (?:me )?(?:an? )?{_RATIO} (?:version|copy|crop|one)(?: of {_IT})?"),
     "crop it to {ratio}"),
    (_rule(rf"(?:make|turn) {_IT} (?:an? )?{_RATIO} by (?P<how>extending|expanding|outpainting|cropping"
           r"|cutting)(?: it| the (?:edges|sides|canvas))?"), "{by_ratio}"),
    (_rule(rf"widen {_IT}|widen the (?:frame|canvas|view)"), "make it wider"),
    (_rule(rf"(?:widen|extend|expand|stretch|make|turn) {_IT}(?: {_BOTH_WAYS})? (?:to|into|to make it)"
           r" (?:an? )?(?P<ratio>\d+ \d+)"
           r"(?: (?:by|with) (?:filling|extending|adding|outpainting|painting) .+)?"),
     "extend it to {ratio}"),
    (_rule(r"(?:pull|step|zoom|back) (?:back|out)(?: (?P<much>.+))?"), "zoom out {much}"),
    (_rule(r"(?:add|leave|give (?:me|it)|make|put|i need|create) "
           r"(?:some |more |a bit of |a little |a lot of )?"
           r"(?:empty |blank |extra |free |negative |more )?(?:space|room|headroom|canvas) "
           r"(?P<where>above|over|on top|at the top|below|under|underneath|at the bottom"
           r"|to the left|on the left|to the right|on the right"
           r"|around|on both sides|at the sides|on the sides|on all sides)"
           rf"(?: (?:of )?(?:{THING}|{_IT}))?"), "{room}"),
    # "i need this as a 9:16 story, crop it down": the ratio named with what it is for
    (_rule(rf"(?:i need |i want |i'd like |make )?{_IT} (?:as|for|into) (?:an? )?"
           rf"(?P<ratio>\d{{1,2}} \d{{1,2}})(?: [\w-]+){{0,3}},? (?:so )?(?:crop|cut|trim) (?:{_IT} )?"
           r"(?:down|to fit|to that|to size)?"),
     "crop it to {ratio}"),
    (_rule(rf"(?:shrink|scale|resize|make) {_IT} (?:down )?(?:to |by )?(?:a )?half"
           r"(?: size| the size| its size)?"),
     "make it half the size"),
    (_rule(rf"(?:rotate|turn|tilt) (?:{_IT} )?(?:slightly|a (?:little|bit|touch|tad)(?: bit)?)"
           r"(?: (?:to the )?(?P<dir>left|right|clockwise|counter-?clockwise|anti-?clockwise))?"),
     "{slightly}"),
    (_rule(rf"make {_IT} (?:look |feel )?(?:{_RETRO})(?: looking)?"), "turn it into a vintage photo"),
    # styles named by a verb, and a film look
    (_rule(rf"(?P<verb>{alt(map(re.escape, STYLE_VERBS))})(?: {_IT})?(?: please)?"), "turn it into {style}"),
    (_rule(rf"make {_IT} look like (?:it was|it's been|it had been) (?:shot|taken) on "
           r"(?:35mm |analog |analogue )?film(?: camera)?"), "turn it into a film photo"),
    (_rule(rf"give {_IT} (?:an? )?(?:film|analog|analogue|35mm) (?:look|feel|effect|filter|style)"),
     "turn it into a film photo"),
    # a higher resolution, or a named one
    (_rule(rf"(?:make|turn|convert|give me|upscale|enlarge)(?: {_IT})? (?:to |in(?:to)? )?(?:a )?"
           rf"(?:{pattern('talk', 'high resolution')})(?: version| copy| image| please)?"), "upscale it"),
    # a cut-out named another way
    (_rule(r"(?:give me |make |export |save |i want |i'd like |can i (?:have|get) )?(?:an? |me an? )?"
           r"(?:transparent )?(?:png|cut-?out|sticker)(?: image| file| version)? of (?:just |only )?"
           r"(?P<object>.+?)(?: (?:on|with) (?:a )?transparent background| alone| only)?"),
     "cut out {object}"),
    (_rule(rf"(?:isolate|extract) (?P<object>{THING})(?: from (?:the )?(?:background|rest|{PHOTO}))?"),
     "cut out {object}"),
    (_rule(rf"(?:i (?:need|want|'d like|would like) )?(?:just |only )?(?P<object>{THING})"
           r" (?:on|with) (?:a |an )?"
           r"(?:transparent|see-through|see through|clear|empty|invisible) (?:background|bg)"),
     "cut out {object}"),
    (_rule(r"(?:remove|delete|erase|drop|get rid of|take out|take away) (?:the )?(?:bg|background)"),
     "remove the background"),
    (_rule(rf"(?:remove|delete|erase|get rid of) everything (?:except|but|apart from|other than) "
           rf"(?P<object>{THING})"), "cut out {object}"),
    (_rule(r"(?:a |with a |give it a )?transparent (?:background|bg)"), "make the background transparent"),
    # an object in place of another
    (_rule(r"(?:put|place|draw|paint|add|show) (?P<what>(?:an?|some|one) .+?) "
           rf"(?:where|in place of|instead of) (?P<object>{THING})"
           rf"(?: (?:is|are|was|were)(?: {_POSE})?| sits| stands| lies| sat| stood)?"),
     "replace {object} with {what}"),
    (_rule(rf"instead of (?P<object>{THING}),? (?:put|place|add|draw|paint|show|have|use|i want) "
           r"(?P<what>.+)"),
     "replace {object} with {what}"),
    # a look given: "give it a comic book look", "an old sepia look", "that creamy bokeh look"
    (_rule(rf"{_GIVE}(?P<style>{_STYLE}) {_A_LOOK}"), "{style} style"),
    (_rule(rf"give (?P<object>{THING}) (?:an? |that |the |some )?(?:{_ADJ} )*?(?P<style>{_STYLE}) {_A_LOOK}"),
     "make {object} look like {style}"),
    (_rule(rf"(?:make |turn |put )?(?:just |only )(?P<object>{THING}) (?:in|into|as) (?:an? )?"
           rf"(?P<style>{_STYLE})(?: style)?"), "make {object} look like {style}"),
    (_rule(rf"(?:an? )?(?P<style>{_STYLE})(?: style| version| look)?"), "{style} style"),  # a style alone
    # a tone added: "add a bit more contrast"
    (_rule(r"(?:add|put|give it|use) (?P<tone>(?:a bit |a little |a touch |some |a lot |way |much )?"
           r"(?:more|less) [a-z]+)(?: to (?:it|this|the (?:photo|picture|image)))?"), "{tone}"),
    (_rule(rf"{_GIVE}sepia(?: {_A_LOOK}| tone)"), "make it sepia"),
    (_rule(rf"{_GIVE}(?:bokeh|blurry background|blurred background|portrait mode)(?: background)?"
           rf"(?: {_A_LOOK})?"), "blur the background"),
    # a plain backdrop: "make the background plain white, like a product shot"
    (_rule(r"make the (?:background|backdrop|bg) (?:plain |pure |solid |all |completely )?"
           r"(?P<colour>white|black|grey|gray)"
           r"(?:,? like (?:a |in a )?(?:product shot|product photo|studio photo|passport photo))?"),
     "replace the background with a plain {colour} background"),
    (_rule(rf"(?:an? |some )?(?P<what>(?:(?!(?:{_VERBS}|the|its|blur|soften)\b)[\w-]+ ){{1,3}}?)"
           r"(?:background|backdrop|bg) "
           r"(?:behind|for|around) (?P<object>(?:the|my|our|his|her|their) [\w' -]+?)"),
     "replace the background behind {object} with a {what}background"),
    # something pointed at, then "it": "there's a cable on the floor, can you erase it"
    (_rule(r"(?:(?:ugh|hmm|oh|so|ok|okay|oops) )?(?:there'?s |there is |there are |i see )?"
           r"(?:an? |the |my |our |some |this |that )(?P<object>[\w' -]+?)(?: (?:is|are) [\w' -]+?"
           r"|(?: (?:that's |thats |which is )?\w+ing)? (?:on|in|at|by|near|behind|under|over|across) "
           r"(?:the|a|my|our) [\w -]+?)?,? (?:(?:can|could|would) (?:you|u) |pls |please )?"
           rf"(?P<verb>{pattern('verbs', 'remove')}|cut out|blur|take(?= \w+ (?:out|away)$)) (?:it|them|that)"
           r"(?: out| away)?"),
     "{verb} the {object}"),
    # bigger by a factor, a png of one thing, a style's vibe
    (_rule(rf"(?:make {_IT} )?(?P<n>[234]) ?(?:x|times) (?:bigger|larger)(?: without .+)?"
           r"(?:,? (?:use|using|with|via) the upscaler)?"), "upscale it {n}x"),
    (_rule(rf"make {_IT} (?P<n>twice|two times|three times|four times) as (?:big|large)"), "{times}"),
    (_rule(rf"(?:i need |i want |give me |make )?(?:just |only )?(?P<object>{THING}) as an? (?:png|sticker"
           r"|png sticker|cut-?out|transparent png)(?:,? (?:no|without a?|with no) background)?"),
     "cut out {object}"),
    (_rule(rf"(?P<style>{_STYLE}) (?:vibes?|aesthetic|feel)"), "{style} style"),
    (_rule(rf"cut (?P<object>this|it|that|{THING}) out as an? (?:png|sticker|cut-?out|transparent png)"
           r"(?:,? (?:with )?no background|,? without (?:a |the |any )?background)?"), "cut out {object}"),
    (_rule(rf"keep (?P<object>this|it|that|{THING}) (?:sharp|in focus|crisp|clear|as it is) and blur "
           r"(?:everything else|the rest|all the rest|the background|what's around it)"),
     "blur everything except {object}"),
    (_rule(rf"(?:an? )?(?P<free>(?:[\w-]+ ){{0,3}}?(?:{_STYLE})(?: [\w-]+){{0,3}}?)"
           rf" (?:version|rendition|take|copy)(?: of {_IT})?"), "restyle it as {free}"),
    (_rule(rf"(?P<cond>{pattern('scene', 'conditions')}) (?:lighting|light|look|feel|vibe|mood|atmosphere)"),
     "make it {cond}"),
    (_rule(rf"(?:(?:i'?d love|i want|i'd like|can i (?:have|get)) )?{_IT} as an? (?P<style>{_STYLE})"
           r"(?: [\w ]+)?"),
     "{style} style"),
    # "it'd work better as a square with the cat in the middle"
    (_rule(r"(?:it'?d|it would|it might|this would|that would|it'?ll|it will) (?:work|look) "
           rf"(?:better|best|nicer) (?:as|in) (?:an? )?{_RATIO}"
           r"(?P<rest>(?: (?:crop|format|shape))?(?: with .+)?)"),
     "crop it to {ratio}{rest}"),
    # a thing and its new colour, no verb: "sofa in burgundy velvet please"
    (_rule(r"(?!(?:make|turn|paint|put|add|show|do|render|give|it|this|that|everything)\b)(?:the |my |our )?"
           rf"(?P<object>[\w'-]+(?: [\w'-]+){{0,2}}) in (?P<colour>{COLOUR_PHRASE})(?P<rest>(?: [\w-]+)?)"),
     "make the {object} {colour}{rest}"),
    # everything behind something is everything but it
    (_rule(rf"(?P<verb>blur|soften|defocus) (?:everything|all|what'?s|whatever is|the stuff|the things) "
           rf"(?:behind|around) (?P<object>{THING})"), "{verb} everything except {object}"),
    # a look no rule above names: "give it a moody teal-and-orange cinematic grade"
    (_rule(rf"give {_IT} (?:an? |some )(?P<how>[\w -]+?) (?:look|grade|colou?r grade|grading|feel|vibe|mood"
           r"|treatment)"), "make it look {how}"),
)  # fmt: skip

POP = _rule(
    rf"(?:make (?:{_IT} |the colou?rs )?pop|(?:add|give it) (?:some |more |a bit of )?(?:pop|punch)|more pop"
    rf"|punch (?:{_IT}|them|the colou?rs) up)"
    rf"(?: (?P<much>more|{_LITTLE}|{_LOT}))?(?: please)?"
)
NAMED_SIZE = _rule(
    rf"(?:upscale|enlarge|make|resize|scale|blow up|convert|bring)(?: {_IT})?(?: up)? "
    r"(?:to |in(?:to)? |as )?(?:a )?"
    rf"(?P<name>{alt(map(re.escape, RESOLUTIONS))})(?: resolution| quality| size| version| please)?"
)
STRAIGHTEN = _rule(
    rf"(?:(?:straighten|level)(?: out| up)? (?:the horizon|{_IT})(?: out| up)?(?: a (?:little|bit|touch))?"
    r"|(?:fix|sort out|sort|correct) the (?:wonky |crooked |tilted |slanted |sloping )?(?:horizon|tilt)"
    rf"|(?:the horizon|{_IT}){_SAYS} (?:a (?:bit|little) )?(?:crooked|tilted|wonky|not straight|slanted))"
    r"(?:,? and crop (?:away |off |out )?the (?:empty|blank|black|white) (?:corners|edges|bits))?"
)
_ROOM = {"above": "extend the top", "over": "extend the top", "top": "extend the top",
         "below": "extend the bottom", "under": "extend the bottom", "underneath": "extend the bottom",
         "bottom": "extend the bottom",
         "left": "extend the left", "right": "extend the right", "around": "extend it on all sides",
         "sides": "extend the sides"}  # fmt: skip
_TIMES = {"twice": 2, "two times": 2, "three times": 3, "four times": 4}
# "brighten just this bit", "get rid of whatever this is": the selection, when there is one
_THIS = re.compile(
    r"\b(?:the selection|my selection|what i (?:selected|marked|drew)"
    r"|the (?:selected|marked) (?:bit|part|area)|whatever this is"
    r"|(?:just |only )?this (?:bit|part|area|region|spot|strip|patch|thing|corner|piece|section)"
    r"(?: (?:here|along|at|in|on) [\w ]+)?|just this|this here)\b"
)
# "put a ball of yarn next to her": the photo's main subject
_PLACE_BY = _rule(  # "on her" is worn ("put some lipstick on her"): an instruction, not a placing
    r"(?:add|put|place|pop|stick|set|draw|paint) (?P<what>(?:an?|some|one|two|three) .+?) "
    r"(?:(?P<rel>next to|beside|in front of|behind|above|just above|under|near|by) "
    r"(?:him|her|them|it|(?:his|her|its|their) head)|(?P<rel2>on top of|on) it)"
)
_AMOUNT_WORDS = {"little": "a little ", "lot": "a lot "}
# complaints that need no "too" ("it's blurry" asks, "the cat is blue" does not); more said second
_ALWAYS_WRONG = frozenset(entries("talk", "needs no too"))
_SECOND = _ALWAYS_WRONG | frozenset(entries("talk", "said second"))  # "washed out and flat"


def plan(request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """The plan for a request said in other words, or None when these rules do not read it."""
    text = request.text
    if (written := rules_text.plan(request, view)) is not None:  # 'write "happy birthday" across the top'
        return written
    if (toned := rules_tones.plan(request, view, dispatch)) is not None:  # "brighter, more contrast"
        return toned
    if (plain := _LEFT.sub("it", text)) != text:  # "turn what's left into a watercolour"
        return _again(plain, request, view, dispatch)
    if view.selection and (plain := _THIS.sub("it", text)) != text:  # "brighten just this bit"
        if re.fullmatch(r"crop (?:down )?(?:to|around) it", plain):  # "crop to just this part"
            call = {"image": current_image(view), "around": view.selection}
            return Plan(steps=[Step(tool="crop", args=call, why=f"crop to {view.selection}")])
        return _again(plain, request, view, dispatch)
    if match := _PLACE_BY.fullmatch(text):
        relation = rules_place.RELATIONS.get(match["rel"] or match["rel2"], "next to")
        return rules_place.place_plan(main_subject(view), match["what"], relation, request, view)
    if STRAIGHTEN.fullmatch(text):
        if (level := rules_frame.straightened(request, view)) is not None:
            return level
        raise Unclear(
            "I cannot tell how far the photo leans: say by how many degrees and which way, "
            "e.g. 'rotate it 2 degrees counter-clockwise'."
        )
    if (turned := rules_voices.plan(request, view, dispatch)) is not None:  # "no, the other way"
        return turned
    for rule, template in (*rules_voices.rewrites(view), *REWRITES):  # the first rewrite the rules read
        said = _rewritten(match, template) if (match := rule.fullmatch(text)) else text
        if said != text and (plan := _both(said.split("; "), request, view, dispatch)) is not None:
            return plan
    if match := POP.fullmatch(text):
        return _pop(match, request, view)
    if match := NAMED_SIZE.fullmatch(text):
        return rules_frame.named_size(match["name"], RESOLUTIONS[match["name"]], view)
    if (cropped := rules_frame.plan(text, view)) is not None:
        return cropped
    return rules_except.plan(request, view, dispatch)


def _again(said: str, request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """The plan for the request `said` stands for; None when the rules do not read that either
    (the other rules then try the words as written)."""
    if request.rewrites >= MAX_REWRITES:
        return None
    try:
        return dispatch(replace(request, text=said, rewrites=request.rewrites + 1), view)
    except Unclear as why:
        if not why.helps:  # understood, and answered: "there is no image yet"
            raise
        return None


def _both(said: list[str], request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """The plan for one request, or for two tone changes as one adjust ("it looks washed out
    and flat": more colour and more contrast); None when the rules do not read them so."""
    plans = [_again(one, request, view, dispatch) for one in said]
    if len(plans) == 1 or None in plans:
        return plans[0] if len(plans) == 1 else None
    found = [plan.steps[:-1] for plan in plans]  # the same part found for each, if any
    adjusts = all(plan.steps and plan.steps[-1].tool == "adjust" for plan in plans)
    if not adjusts or found.count(found[0]) != len(found):
        return None
    steps = [plan.steps[-1] for plan in plans]
    args = {key: value for step in steps for key, value in step.args.items()}
    return Plan(steps=[*found[0], Step(tool="adjust", args=args, why="; ".join(step.why for step in steps))])


def reads(text: str) -> bool:
    """Whether these rules have a shape for `text` (a part of a longer message, `rules_parts`)."""
    shapes = (*(rule for rule, _ in REWRITES), POP, NAMED_SIZE, *rules_frame.SHAPES, STRAIGHTEN)
    return any(shape.fullmatch(text) for shape in shapes) or rules_except.reads(text)


def _rewritten(match: re.Match[str], template: str) -> str:
    said = {k: v for k, v in match.groupdict().items() if v is not None}
    if said.get("verb") == "take":  # "take it out"
        said["verb"] = "take out"
    if template == "{times}":  # "make it twice as big"
        return f"upscale it {_TIMES[said['n']]}x"
    if template == "{room}":  # "add some space above the cat": the photo's top
        return _ROOM[next(k for k in _ROOM if said["where"].endswith(k))]
    if template == "zoom out {much}":
        return "zoom out" + (f" {said['much']}" if "much" in said else "")
    if template == "{slightly}":  # "rotate it slightly to the left": 5 degrees
        return f"rotate it 5 degrees {said.get('dir', 'clockwise')}"
    if template == "{by_ratio}":
        ratio = said["ratio"].replace(" ", ":")
        return f"crop it to {ratio}" if said["how"] in ("cropping", "cutting") else f"extend it to {ratio}"
    if "kind" in said:  # "too much contrast", "not enough colour"
        table = NOT_ENOUGH if said["kind"] == "not enough" else TOO_MUCH
        if said["what"] not in table:
            return match.string
        return table[said["what"]].format(it=said.get("it", "it"), amount=_amount(said))
    if template == "{complaint}":
        looks = re.fullmatch(_LOOK, said.get("it", ""))
        hedged = said.get("much") and re.fullmatch(_IT, said.get("it", "it"))  # "it's a bit dark"
        if "too" not in said and said["what"] not in _ALWAYS_WRONG and not looks and not hedged:
            return match.string  # "the cat is blue" describes; it does not ask
        it = said.get("it", "it")
        it = "it" if it in ("this", "that") else it
        asked = COMPLAINTS[said["what"]].format(it=it, amount=_amount(said))
        also = said.get("what2") if "too" in said or said.get("what2") in _SECOND else None
        if also and (second := COMPLAINTS[also].format(it=it, amount="")) != asked:
            return f"{asked}; {second}"  # "washed out and flat": more vivid, and punchier (`_both`)
        return asked
    if "verb" in said and said["verb"] in STYLE_VERBS:
        return template.format(style=STYLE_VERBS[said["verb"]])
    return template.format(**said)


def _amount(said: dict[str, str]) -> str:
    """ "a little " or "a lot " as the words said it ("a bit too dark", "way too dark"), or ""."""
    return next((words for key, words in _AMOUNT_WORDS.items() if _is(said.get("much"), key)), "")


def _is(words: str | None, amount: str) -> bool:
    if not words:
        return False
    return bool(re.fullmatch(_LITTLE if amount == "little" else _LOT, words))


def _pop(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    """More contrast and colour at once: "make it pop"."""
    much = match["much"] or ""
    contrast, saturation = (
        (1.08, 1.1) if _is(much, "little") else (1.3, 1.4) if _is(much, "lot") else (1.15, 1.2)
    )
    why = f"more contrast ({contrast}) and colour ({saturation})"
    return rules_photo.adjust_plan(request, view, why, contrast=contrast, saturation=saturation)
