"""Ask Gemini Flash models from Jupyter through OpenRouter, and see what each answer cost.

`%load_ext jupyter_gemini` must stay instant, so this module imports only
the small extension hooks; everything else loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._extension import load_ipython_extension, unload_ipython_extension
from ._version import __version__

if TYPE_CHECKING:
    from ._api import ask, chat, current_session, map, model_picker, tally_widget
    from ._batch import RowError
    from ._errors import GeminiError
    from ._magics import GeminiMagics
    from ._response import Response, Usage

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
    "map",
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
    "RowError": "._batch",
    "GeminiError": "._errors",
    "GeminiMagics": "._magics",
    "Response": "._response",
    "Usage": "._response",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (used by `jupyter labextension develop`)."""
    return [{"src": "labextension", "dest": "jupyter-gemini"}]
