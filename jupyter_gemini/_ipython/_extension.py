"""`%load_ext jupyter_gemini`: register the magics, nothing heavier."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


def load_ipython_extension(shell: InteractiveShell) -> None:
    from ._magics import GeminiMagics

    if _loaded_magics(shell) is not None:
        return  # loading twice does no harm
    magics = GeminiMagics(shell=shell)
    shell.register_magics(magics)
    # Event hooks that remember displayed images and failed cells: no imports, no cost until used.
    magics.images.install(shell)
    magics.errors.install(shell)
    from . import _comm  # the status bar's channel (comm target `jupyter_gemini`); no-op outside a kernel

    _comm.install(shell, lambda: magics.session)


def unload_ipython_extension(shell: InteractiveShell) -> None:
    magics = _loaded_magics(shell)
    if magics is None:
        return
    from . import _comm

    _comm.uninstall()
    if magics._session is not None:
        magics._session.close()
    magics.images.uninstall()
    magics.errors.uninstall()
    manager = shell.magics_manager
    for kind in ("line", "cell"):
        table = manager.magics[kind]
        if getattr(table.get("gemini"), "__self__", None) is magics:
            del table["gemini"]
    manager.registry.pop(type(magics).__name__, None)
    if magics in shell.configurables:
        shell.configurables.remove(magics)


def _loaded_magics(shell: InteractiveShell) -> Any:
    return shell.magics_manager.registry.get("GeminiMagics")
