"""What the shell's frontend can show: the one terminal check for views, progress and widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["draws_in_place"]


def draws_in_place(shell: InteractiveShell | None) -> bool:
    """Whether an output can be updated in place (kernels, nbclient, `capture_output()`).

    The base `DisplayPublisher` is terminal IPython's: it prints text/plain on every update, so
    there a view prints deltas, progress is a line of text and widgets cannot be drawn. Kernels
    and `capture_output()` use subclasses that forward updates.
    """
    if shell is None:
        return False
    from IPython.core.displaypub import DisplayPublisher

    return type(shell.display_pub) is not DisplayPublisher
