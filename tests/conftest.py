"""Shared fixtures: a real emulator on loopback, a real IPython shell, a test key.

Every test that talks to "OpenRouter" talks to the local emulator over real
HTTP through the real openai SDK; nothing below the layer under test is mocked.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.utils.capture import CapturedIO, capture_output

from jupyter_gemini.emulator import Emulator, EmulatorConfig

#: Distinctive, so a leak anywhere is easy to find.
TEST_KEY = "sk-or-v1-testkey-" + "c0ffee42" * 6


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test (or kernel a test starts) reads or writes the user's real answer cache."""
    os.environ["JUPYTER_GEMINI_CACHE_DIR"] = str(tmp_path_factory.mktemp("answer-cache"))
    yield
    os.environ.pop("JUPYTER_GEMINI_CACHE_DIR", None)


@pytest.fixture(autouse=True)
def fresh_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty answer cache (sessions open it on first use)."""
    monkeypatch.setenv("JUPYTER_GEMINI_CACHE_DIR", str(tmp_path / "answer-cache"))


@pytest.fixture(autouse=True)
def fresh_ledger() -> None:
    """The spend belongs to the process; each test starts it from $0 (as a new kernel would)."""
    from jupyter_gemini._cost._tally import process_tally

    process_tally().reset()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with Emulator(ttft=0.0) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The shared emulator, emptied, with this process pointed at it."""
    defaults = EmulatorConfig()
    for field in dataclasses.fields(EmulatorConfig):
        if field.name not in ("host", "port"):  # every setting a test may have changed, back to default
            setattr(emulator_server.config, field.name, getattr(defaults, field.name))
    emulator_server.reset()
    monkeypatch.setenv("OPENROUTER_BASE_URL", emulator_server.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", TEST_KEY)
    return emulator_server


@pytest.fixture
def shell() -> Any:
    """IPython's test shell (one per process), for code that displays."""
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    started = start_ipython() or get_ipython()  # None once already started
    assert started is not None
    return started


@pytest.fixture
def ip(shell: Any, emulator: Emulator) -> Iterator[Any]:
    """The test IPython shell with a freshly loaded extension (a new session per test)."""
    if "jupyter_gemini" in shell.extension_manager.loaded:
        shell.run_line_magic("unload_ext", "jupyter_gemini")
    shell.run_line_magic("load_ext", "jupyter_gemini")
    yield shell
    shell.run_line_magic("unload_ext", "jupyter_gemini")
    shell.config.pop("GeminiMagics", None)


def magics(shell: Any) -> Any:
    return shell.magics_manager.registry["GeminiMagics"]


def run_cell(shell: Any, source: str) -> tuple[Any, CapturedIO]:
    """Run a cell as a frontend would, capturing every display and update."""
    with capture_output() as captured:
        result = shell.run_cell(source, store_history=True)
    return result, captured


def last_bundle(captured: CapturedIO) -> dict[str, Any]:
    return captured.outputs[-1].data


def all_text(captured: CapturedIO, result: Any = None) -> str:
    """Everything a user could see or save from a cell."""
    parts = [captured.stdout, captured.stderr]
    for output in captured.outputs:
        parts.append(repr(output.data))
        parts.append(repr(output.metadata))
    if result is not None and result.error_in_exec is not None:
        parts.append(str(result.error_in_exec))
        parts.extend(getattr(result.error_in_exec, "_render_traceback_", list)())
    return "\n".join(parts)


@pytest.fixture
def no_key(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Kernel tests start real kernels; run them last so fast failures show first.
    items.sort(key=lambda item: "kernel" in item.keywords)


os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
