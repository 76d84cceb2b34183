"""Jupyter widgets for the session: a live cost tally, a model picker and a chat panel.

Importing this package imports no ipywidgets: each function returns a
handle that builds its widgets the first time it is shown (or `.widget` is
read), and falls back to a text/HTML table where widgets cannot be drawn.
"""

from __future__ import annotations

from ._chat import ChatPanel, chat_panel
from ._picker import ModelPicker, model_picker
from ._tally import TallyWidget, tally_widget

__all__ = ["ChatPanel", "ModelPicker", "TallyWidget", "chat_panel", "model_picker", "tally_widget"]
