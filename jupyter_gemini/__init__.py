"""Ask Gemini Flash models from Jupyter through OpenRouter, and see what each answer cost.

`%load_ext jupyter_gemini` must stay instant, so this module imports only
the small extension hooks; everything else loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._ipython._extension import load_ipython_extension, unload_ipython_extension
from ._version import __version__

if TYPE_CHECKING:
    from ._api import ask, chat, current_session, model_picker, tally_widget
    from ._api import map as map  # public, but not in __all__
    from ._batch._result import RowError
    from ._core._response import Response
    from ._cost._usage import Usage
    from ._ipython._magics import GeminiMagics
    from .errors import GeminiError

# `map` is public (`jupyter_gemini.map`) but left out of `__all__`: a star import would shadow the builtin.
__all__ = [
    "GeminiError",
    "GeminiMagics",
    "Response",
    "RowError",
    "Usage",
    "__version__",
    "ask",
    "chat",
    "current_session",
    "load_ipython_extension",
    "model_picker",
    "tally_widget",
    "unload_ipython_extension",
]

_LAZY = {
    "ask": "._api",
    "current_session": "._api",
    "map": "._api",
    "chat": "._api",
    "model_picker": "._api",
    "tally_widget": "._api",
    "RowError": "._batch._result",
    "GeminiError": ".errors",
    "GeminiMagics": "._ipython._magics",
    "Response": "._core._response",
    "Usage": "._core._response",
}


def __dir__() -> list[str]:
    """What the lazy attributes are, for tab completion and `dir()`, before any is loaded."""
    return sorted({*globals(), *__all__, *_LAZY})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (used by `jupyter labextension develop`)."""
    return [{"src": "labextension", "dest": "jupyter-gemini"}]
