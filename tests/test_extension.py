"""`%load_ext`: light, idempotent, and reversible. Fresh interpreters keep import checks honest."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("openai", "pandas", "PIL", "ipywidgets", "matplotlib", "httpx", "tornado", "numpy")

PROBE = """
import json, sys
from IPython.testing.globalipapp import start_ipython
ip = start_ipython()
before = set(sys.modules)
ip.run_line_magic("load_ext", "jupyter_gemini")
loaded = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in {heavy!r})
deferred = sorted(m for m in ("jupyter_gemini._core._session", "jupyter_gemini._ipython._commands",
                              "jupyter_gemini._transport._client") if m in sys.modules)
ip.run_line_magic("load_ext", "jupyter_gemini")          # twice: no harm
ip.run_line_magic("reload_ext", "jupyter_gemini")
after_reload = ("gemini" in ip.magics_manager.magics["cell"], "gemini" in ip.magics_manager.magics["line"])
ip.run_line_magic("unload_ext", "jupyter_gemini")
after_unload = ("gemini" in ip.magics_manager.magics["cell"], "gemini" in ip.magics_manager.magics["line"])
configurables = [type(c).__name__ for c in ip.configurables].count("GeminiMagics")
ip.run_line_magic("load_ext", "jupyter_gemini")
print(json.dumps(dict(loaded=loaded, deferred=deferred, after_reload=after_reload, after_unload=after_unload,
                      configurables=configurables, registered=len([c for c in ip.configurables
                                                                   if type(c).__name__ == "GeminiMagics"]))))
"""


def probe() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY))], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_load_imports_nothing_heavy_and_is_reversible():
    result = probe()
    assert result["loaded"] == []
    assert result["deferred"] == []  # the session, commands and client are built on first use
    assert result["after_reload"] == [True, True]
    assert result["after_unload"] == [False, False]
    assert result["configurables"] == 0  # unload leaves nothing behind for %config
    assert result["registered"] == 1  # loading again registers exactly one


def test_import_of_the_package_is_light():
    code = f"import sys, jupyter_gemini; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_api():
    import jupyter_gemini

    assert set(jupyter_gemini.__all__) >= {"ask", "GeminiMagics", "Response", "load_ipython_extension"}
    for name in jupyter_gemini.__all__:
        assert getattr(jupyter_gemini, name) is not None
