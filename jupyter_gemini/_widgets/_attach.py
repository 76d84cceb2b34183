"""What the chat panel can attach: DataFrames and images from the user namespace, recent image outputs.

Types are recognised by `type(obj).__module__`, never by importing pandas,
polars, PIL or matplotlib: a panel must not load a library the user has not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._core._options import AskOptions

if TYPE_CHECKING:
    from .._core._session import Session

#: How many of the most recent image outputs the panel offers.
RECENT_IMAGE_OUTPUTS = 20


@dataclasses.dataclass(frozen=True)
class Attachment:
    """One selectable item: `key` is the option value (a string, so ipywidgets can compare it)."""

    key: str
    label: str
    #: The DataFrame's name, or the image source for `AskOptions(images=...)`: a variable name
    #: or `Out[n]`, the same words `%%gemini --image SOURCE` takes.
    source: str


def is_dataframe(obj: Any) -> bool:
    kind = type(obj)
    return kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] in ("pandas", "polars")


def is_image(obj: Any) -> bool:
    """A PIL image, a matplotlib figure or an `IPython.display.Image`."""
    kind = type(obj)
    if kind.__module__.split(".")[0] == "PIL":
        return hasattr(obj, "size") and hasattr(obj, "mode") and callable(getattr(obj, "save", None))
    if kind.__module__ == "IPython.core.display":
        return kind.__name__ == "Image"
    return kind.__module__ == "matplotlib.figure" and callable(getattr(obj, "savefig", None))


def user_variables(namespace: Mapping[str, Any], hidden: Iterable[str] = ()) -> list[tuple[str, Any]]:
    """The user's own names: no `_`-prefixed output aliases, none of IPython's start-up names."""
    skip = set(hidden)
    found = [(name, value) for name, value in list(namespace.items()) if not name.startswith("_") and name not in skip]
    return sorted(found, key=lambda item: item[0])


def _shape(obj: Any) -> str:
    try:
        rows, columns = obj.shape
        return f" ({rows:,} rows x {columns:,} columns)"
    except Exception:  # an exotic frame without a plain shape: the name alone will do
        return ""


def dataframes(variables: Sequence[tuple[str, Any]]) -> list[Attachment]:
    return [Attachment(name, f"{name}{_shape(value)}", name) for name, value in variables if is_dataframe(value)]


def namespace_images(variables: Sequence[tuple[str, Any]]) -> list[Attachment]:
    found = []
    for name, value in variables:
        if not is_image(value):
            continue
        if type(value).__module__ == "matplotlib.figure":
            kind = "matplotlib figure"
        elif type(value).__module__ == "IPython.core.display":
            kind = "IPython image"
        else:
            width, height = getattr(value, "size", ("?", "?"))
            kind = f"image {width}x{height}"
        found.append(Attachment(f"var:{name}", f"{name} ({kind})", name))
    return found


def history_images(session: Session) -> list[Attachment]:
    """Recent image outputs, newest first, when the session keeps an image history.

    `session.images.cells()` lists the numbers of cells that displayed an
    image; each is offered as the source `Out[n]`.
    """
    cells = getattr(getattr(session, "images", None), "cells", None)
    if not callable(cells):
        return []
    try:
        items = list(cells())[-RECENT_IMAGE_OUTPUTS:]
    except Exception:  # a history that cannot be read offers nothing, it does not break the panel
        return []
    found = []
    for item in reversed(items):
        source = f"Out[{item}]" if isinstance(item, int) else str(item)
        found.append(Attachment(f"out:{source}", f"{source} (image output)", source))
    return found


def scan(session: Session) -> tuple[list[Attachment], list[Attachment]]:
    """The DataFrames, and the images, the panel can offer now."""
    shell = session.shell
    variables = user_variables(getattr(shell, "user_ns", {}), getattr(shell, "user_ns_hidden", {}))
    return dataframes(variables), namespace_images(variables) + history_images(session)


def set_options(select: Any, items: list[Attachment]) -> None:
    """Replace a selector's options (values are the string keys), keeping what is still selected."""
    options = tuple((a.label, a.key) for a in items)
    if tuple(select.options) == options:
        return
    keep = tuple(key for key in select.value if any(a.key == key for a in items))
    select.options = options
    select.value = keep


def prompt_with_frames(text: str, names: Sequence[str]) -> str:
    """Add each attached DataFrame as a `{name}` reference, interpolated like a `%%gemini` cell's."""
    return "\n\n".join([text, *(f"{{{name}}}" for name in names)])


def ask_options(images: list[str], reasoning: str | None = None) -> AskOptions:
    """Options for one chat question: the attached image sources (resolved like `--image`) and how long to think."""
    return AskOptions(images=tuple(images), reasoning=reasoning)
