"""`value_to_text`: every interpolated value fits its token budget and says what it left out."""

from __future__ import annotations

import collections
import functools
import subprocess
import sys

import pytest

from jupyter_gemini._context import _values
from jupyter_gemini._context._interpolate import interpolate
from jupyter_gemini._context._values import DEFAULT_BUDGET_TOKENS, MAX_VALUE_CHARS, value_to_text
from jupyter_gemini._cost._estimate import text_tokens


def text_of(value: object, budget: int = DEFAULT_BUDGET_TOKENS, reference: str = "v") -> str:
    text = value_to_text(reference, value, budget)
    assert text_tokens(text) <= budget, f"{text_tokens(text)} tokens > {budget}:\n{text}"
    return text


def test_importing_values_imports_no_dataframe_library() -> None:
    code = (
        "import sys, jupyter_gemini._context._values as v\n"
        "v.value_to_text('x', [1, {'a': 2}])\n"
        "print([m for m in ('pandas', 'polars', 'numpy', 'pyarrow') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_defaults() -> None:
    assert DEFAULT_BUDGET_TOKENS == 2000
    assert MAX_VALUE_CHARS == 8000


# -- strings -----------------------------------------------------------------------------


def test_strings_go_in_as_they_are() -> None:
    assert text_of("Hello {not a field}\n  with spaces ") == "Hello {not a field}\n  with spaces "
    assert text_of("x" * MAX_VALUE_CHARS) == "x" * MAX_VALUE_CHARS  # exactly the budget


@pytest.mark.parametrize("budget", [2000, 100, 20])
def test_long_strings_are_cut_with_a_note_inside_the_budget(budget: int) -> None:
    text = text_of("y" * 100_000, budget, reference="essay")
    kept = text.index("\n[… essay:")
    assert set(text[:kept]) == {"y"}
    assert f"[… essay: {100_000 - kept:,} more characters not sent]" in text


def test_no_budget_no_text() -> None:
    assert value_to_text("v", "abc", 0) == ""
    assert value_to_text("v", [1, 2], 0) == ""


def test_tiny_budget_still_never_exceeded() -> None:
    assert text_of("z" * 100, 2) == "z" * 7 + "…"


# -- containers and other objects ---------------------------------------------------------


def test_small_containers_are_their_repr() -> None:
    assert text_of([10, 20, 30]) == "[10, 20, 30]"
    assert text_of({"k": "v", "n": None}) == "{'k': 'v', 'n': None}"
    assert text_of((1,)) == "(1,)"


def test_large_list_says_how_many_items_were_shown() -> None:
    text = text_of(list(range(10_000)), reference="ids")
    assert text.startswith("[0, 1, 2,")
    assert "[ids: showing 100 of 10,000 items]" in text
    assert len(text) < 2_000


def test_list_of_records_shrinks_to_fit() -> None:
    records = [{"id": i, "name": "n" * 300, "tags": list(range(50))} for i in range(5_000)]
    text = text_of(records, 300, reference="rows")
    assert "showing" in text and "of 5,000 items" in text
    assert "shortened with ..." in text


def test_container_subclasses_are_shortened_too() -> None:
    counts = collections.Counter({f"word{i}": i for i in range(100_000)})
    text = text_of(counts, reference="c")
    assert text.startswith("Counter({") and "[c: showing 100 of 100,000 items]" in text
    point = collections.namedtuple("Point", "x y")(1, "y" * 10_000)
    assert text_of(point, 50).startswith("Point(x=1, y='yyy")
    assert text_of(collections.deque(range(1_000))).startswith("deque([0, 1, 2")


def test_sets_are_deterministic() -> None:
    words = {f"word{i}" for i in range(500)}
    assert text_of(words) == text_of(set(sorted(words, reverse=True)))


def test_bytes_are_sliced_before_repr() -> None:
    text = text_of(bytes(range(256)) * 10_000, 100, reference="blob")
    assert text.startswith("b'\\x00\\x01")
    assert "of 2,560,000 bytes" in text


def test_numpy_scalar_reads_as_a_number() -> None:
    np = pytest.importorskip("numpy")
    assert text_of(np.float64(3.5)) == "3.5"
    assert text_of(np.int32(7)) == "7"


def test_huge_repr_is_cut() -> None:
    class Chatty:
        def __repr__(self) -> str:
            return "blah " * 50_000

    text = text_of(Chatty(), 500, reference="c")
    assert "more characters not sent]" in text


def test_broken_repr_does_not_stop_the_question() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    assert "repr failed with RuntimeError" in text_of(Broken())
    assert text_of([Broken(), 1]).startswith("[")  # inside a container too


# -- tabular values ----------------------------------------------------------------------


def test_dataframe_becomes_a_summary_with_a_header() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": range(1000), "b": ["x"] * 1000})
    text = text_of(frame, reference="df")
    assert text.startswith("DataFrame {df}: 1,000 rows × 2 columns (showing 15 of 1,000 rows)")
    assert len(text) < len(frame.to_string())


@pytest.mark.parametrize("budget", [2000, 300, 100, 25, 3])
def test_dataframe_budgets(budget: int) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({f"col_{i}": range(5000) for i in range(40)})
    text_of(frame, budget, reference="df")


def test_a_failing_summary_falls_back_to_the_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")

    def explode(*args: object, **kwargs: object) -> str:
        raise ValueError("bug")

    monkeypatch.setattr(_values, "summarize_tabular", explode)
    text = text_of(pd.DataFrame({"a": [1, 2]}), reference="df")
    assert text.startswith("[df: no summary (ValueError); its repr follows]\n")
    assert "a" in text


def test_interpolate_with_a_dataframe_in_the_namespace() -> None:
    pd = pytest.importorskip("pandas")
    namespace = {"df": pd.DataFrame({"city": ["Paris", "Rome"], "sales": [3.5, None]}), "n": 2}
    prompt = interpolate("Which of the {n} cities sold more?\n{df}\nAnswer briefly.", namespace, value_to_text)
    assert prompt.startswith("Which of the 2 cities sold more?\nDataFrame {df}: 2 rows × 2 columns (all shown)\n")
    assert "sales: float64, 1 null (50.0%)" in prompt
    assert "0|Paris|3.5\n1|Rome|NaN" in prompt
    assert prompt.endswith("\nAnswer briefly.")


def test_interpolate_with_a_budget_option() -> None:
    pd = pytest.importorskip("pandas")
    namespace = {"df": pd.DataFrame({f"c{i}": range(10_000) for i in range(50)})}
    render = functools.partial(value_to_text, budget_tokens=150)
    prompt = interpolate("{df}", namespace, render)
    assert text_tokens(prompt) <= 150
    assert prompt.startswith("DataFrame {df}: 10,000 rows × 50 columns (showing")
