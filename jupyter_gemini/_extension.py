"""`%load_ext jupyter_gemini`: register the magics, nothing heavier."""

from __future__ import annotations

from typing import Any


def load_ipython_extension(shell: Any) -> None:
    from ._magics import GeminiMagics

    if _loaded_magics(shell) is not None:
        return  # loading twice does no harm
    shell.register_magics(GeminiMagics(shell=shell))


def unload_ipython_extension(shell: Any) -> None:
    magics = _loaded_magics(shell)
    if magics is None:
        return
    magics.session.use_emulator(False)
    manager = shell.magics_manager
    for kind in ("line", "cell"):
        table = manager.magics[kind]
        if getattr(table.get("gemini"), "__self__", None) is magics:
            del table["gemini"]
    manager.registry.pop(type(magics).__name__, None)
    if magics in shell.configurables:
        shell.configurables.remove(magics)


def _loaded_magics(shell: Any) -> Any:
    return shell.magics_manager.registry.get("GeminiMagics")
