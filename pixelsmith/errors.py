"""The two kinds of error (STYLE.md 5).

`UserError` and its subclasses are problems a user or a planner can fix: the message is
one sentence naming the bad value and what to do. Everything else is a programming error
and is allowed to raise with a traceback.
"""

from __future__ import annotations

MAX_VALUE_CHARS = 200  # a bad value quoted in a message is cut to this
MAX_ERROR_CHARS = 600  # and a whole error line to this


def shorten(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 30]}… ({len(text) - limit + 30} more characters)"


class UserError(Exception):
    """A problem with the input that the user can fix; `str(err)` is shown as is."""


class ImageError(UserError):
    """An image or mask file that cannot be used."""


class ModelMissingError(UserError):
    """A model that is neither in a local folder nor in the Hugging Face cache."""


class ToolInputError(UserError):
    """Arguments to a tool that fail validation or refer to unknown artifacts."""


class OutOfMemoryError(UserError):
    """The device ran out of memory while running a tool."""


class InterruptedError_(UserError):
    """The user stopped a running job."""
