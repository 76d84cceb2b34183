"""`%gemini fix`: a failed cell, turned into a question about how to fix it."""

from __future__ import annotations

from ..errors import OptionError
from ._error_history import CellError

ASK = "Why did this cell fail, and what is the fix?"
#: The format instruction, in the system prompt where formats put theirs.
SYSTEM = (
    "You are a helpful assistant inside a Jupyter notebook, helping fix a failed cell. Explain the cause in one "
    "or two sentences, then give the whole corrected cell as a single fenced code block of Python."
)


def fix_prompt(error: CellError | None, question: str = "") -> str:
    if error is None:
        raise OptionError(
            "There is no error to fix yet, so nothing was sent.", hint="Run the failing cell first, then %gemini fix."
        )
    source = f"This cell failed:\n\n```python\n{error.source.rstrip()}\n```\n\n" if error.source.strip() else ""
    return f"{source}The error:\n\n```\n{error.text()}\n```\n\n{question.strip() or ASK}"
