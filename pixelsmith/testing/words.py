"""Everyday words people put in image requests: the tiny tokenizer learns them as single
tokens, as the real CLIP tokenizer does (its 49,408-token vocabulary holds them), so that
tiny text models meet label lengths like the real ones. The object names double as the
test set for "every everyday label fits the detector's 16 positions"."""

from __future__ import annotations

# COCO's 80 classes (multi-word ones as written), then other common objects and subjects.
OBJECTS = """
person bicycle car motorcycle airplane bus train truck boat traffic light fire hydrant stop sign
parking meter bench bird cat dog horse sheep cow elephant bear zebra giraffe backpack umbrella
handbag tie suitcase frisbee skis snowboard sports ball kite baseball bat glove skateboard
surfboard tennis racket bottle wine glass cup fork knife spoon bowl banana apple sandwich orange
broccoli carrot hot pizza donut cake chair couch potted plant bed dining table toilet tv laptop
mouse remote keyboard cell phone microwave oven toaster sink refrigerator book clock vase
scissors teddy hair drier toothbrush
man woman child boy girl baby people face hand hair eye eyes head hat cap glasses sunglasses
shirt dress jacket coat shoe shoes boots bag wallet watch ring necklace earring helmet mask
tree trees flower flowers grass bush leaf leaves plant sky cloud clouds sun moon star stars
mountain mountains hill river lake sea ocean beach sand wave waves rock rocks stone road street
path bridge building house home wall window door roof fence gate tower castle church city
table desk lamp light sofa pillow blanket carpet rug curtain mirror shelf cabinet drawer box
basket jar pot pan plate glass mug teapot kettle candle picture painting frame poster sign
phone computer screen camera television radio speaker headphones guitar piano drum violin
ball toy doll robot car van taxi tractor scooter wheel tire plane ship sailboat rocket
fish shark whale dolphin duck chicken goose eagle owl parrot pigeon swan frog snake turtle
lizard spider bee butterfly ant rabbit mouse rat squirrel fox wolf deer lion tiger monkey
pig goat donkey camel kangaroo panda koala puppy kitten pony dragon unicorn dinosaur
bread cheese egg eggs meat chicken salad soup rice pasta burger fries cookie cookies cupcake
icecream chocolate coffee tea juice milk water wine beer lemon lime strawberry grape grapes
cherry peach pear watermelon pineapple tomato potato onion pepper corn mushroom
snow rain fog ice fire smoke water shadow logo text word letter number watermark
"""

ATTRIBUTES = """
a an the of in on at with by and or to from into for near under over behind next
photo picture image painting drawing sketch portrait style realistic
red orange yellow green blue purple pink brown black white grey gray gold silver
big small large tiny little old new young tall short long fluffy wooden metal glass
left right top bottom middle front back background foreground first second third
sitting standing lying walking running sleeping flying swimming
"""


def vocabulary() -> list[str]:
    """Every word above, once, in order."""
    return list(dict.fromkeys((OBJECTS + ATTRIBUTES).split()))


def object_labels() -> list[str]:
    """Everyday object names as a person types them ('teddy bear', 'cell phone' included)."""
    multi = ["traffic light", "fire hydrant", "stop sign", "parking meter", "sports ball",
             "baseball bat", "tennis racket", "wine glass", "hot dog", "potted plant",
             "dining table", "cell phone", "teddy bear", "hair drier"]  # fmt: skip
    single = [w for w in OBJECTS.split() if not any(w in m.split() for m in multi)]
    return list(dict.fromkeys(multi + single))
