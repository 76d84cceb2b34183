"""A magic's options line as words: one splitter for `%%gemini` and `%gemini`."""

from __future__ import annotations

import sys

__all__ = ["split_line"]


def split_line(line: str) -> list[str]:
    r"""The options line as words, as IPython splits them.

    Shell quoting on POSIX; on Windows backslashes are kept (`--file C:\Users\me\data.csv`),
    which `shlex.split` would eat.
    """
    from IPython.utils.process import arg_split  # type: ignore[attr-defined]  # re-exported per platform

    return list(arg_split(line, posix=not sys.platform.startswith("win")))
