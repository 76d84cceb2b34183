"""The package's shape: its layers are folders, imports run downward only, and nothing imports in a circle.

`lint-imports` (scripts/test.sh) checks the layer contract in pyproject.toml; this test adds what a
layer contract cannot see: cycles inside one layer, deferred (function-level) imports included.
"""

from __future__ import annotations

import graphlib
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).parents[1] / "jupyter_gemini"
LAYERS = ["_ipython", "_widgets", "_batch", "_core", "_display", "_store", "_context", "_transport", "_cost"]


def import_graph() -> dict[str, set[str]]:
    """Every import, from inside functions and under TYPE_CHECKING too (no cache: always today's files)."""
    graph = grimp.build_graph("jupyter_gemini", exclude_type_checking_imports=False, cache_dir=None)
    return {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle in `graph` (the standard library's topological sort finds it), or []."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def test_no_module_imports_in_a_circle_not_even_from_inside_a_function_or_for_types():
    graph = import_graph()
    assert len(graph) > 50  # the whole package was read
    assert cycle(graph) == []


def test_the_cycle_check_finds_a_cycle():
    found = cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert found[0] == found[-1] and set(found) == {"a", "b", "c"}
    assert cycle({"a": {"a"}}) == ["a", "a"]  # a module importing itself


def test_every_layer_is_a_folder_and_the_root_holds_only_the_public_surface():
    assert all((PACKAGE / layer / "__init__.py").is_file() for layer in LAYERS)
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert root == ["__init__.py", "_api.py", "_keys.py", "_units.py", "_version.py", "errors.py", "run.py"]


def test_no_module_over_400_lines_without_a_reason_at_its_top():
    long = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text().splitlines()
        if len(lines) > 400 and "Over 400 lines:" not in "\n".join(lines[:30]):
            long.append(f"{path.relative_to(PACKAGE)} ({len(lines)} lines)")
    assert long == []


def test_the_public_surface():
    import jupyter_gemini
    import jupyter_gemini.errors

    assert "map" not in jupyter_gemini.__all__  # `from jupyter_gemini import *` keeps the builtin map
    assert callable(jupyter_gemini.map) and "map" in dir(jupyter_gemini)
    assert set(jupyter_gemini.__all__) <= set(dir(jupyter_gemini))
    assert issubclass(jupyter_gemini.errors.BudgetError, jupyter_gemini.GeminiError)
    assert all(hasattr(jupyter_gemini.errors, name) for name in jupyter_gemini.errors.__all__)
    assert (PACKAGE / "py.typed").is_file() and (PACKAGE.parent / "LICENSE").is_file()


def test_the_settings_are_defined_once():
    from jupyter_gemini._core._settings import RULES, GeminiSettings
    from jupyter_gemini._ipython._magics import GeminiMagics
    from jupyter_gemini.errors import SettingError

    names = set(GeminiSettings.class_traits(config=True))
    assert names == set(RULES)  # every setting has its check, and every check a setting
    assert set(GeminiMagics.class_traits(config=True)) == names  # the magics add none of their own
    standalone = GeminiSettings(max_retries=0)
    assert standalone.max_retries == 0
    with pytest.raises(SettingError, match=r"GeminiSettings\.budget must be"):
        standalone.budget = -1
