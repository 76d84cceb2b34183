"""`{name}` interpolation: only plain references are fields; every other brace survives."""

from __future__ import annotations

import types

import pytest

from jupyter_gemini._context._interpolate import find_references, interpolate
from jupyter_gemini._context._values import MAX_VALUE_CHARS, value_to_text
from jupyter_gemini.errors import InterpolationError

NS = {
    "name": "Ada",
    "n": 3,
    "obj": types.SimpleNamespace(attr="A", inner=types.SimpleNamespace(deep=42)),
    "rows": [10, 20, 30],
    "d": {"k": "v", "braces": "{not_a_field}"},
    "In": ["", "x = 1", "print(x)"],
    "Out": {2: "two"},
}


def render(text: str) -> str:
    return interpolate(text, NS, value_to_text)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello {name}", "Hello Ada"),
        ("{n} items", "3 items"),
        ("{obj.attr}/{obj.inner.deep}", "A/42"),
        ("{rows[0]} {rows[-1]}", "10 30"),
        ("{d['k']} {d[\"k\"]}", "v v"),
        ("cell: {In[1]} -> {Out[2]}", "cell: x = 1 -> two"),
        ("literal {{name}}", "literal {name}"),
        ("lone {{ brace", "lone { brace"),
    ],
)
def test_references(template: str, expected: str) -> None:
    assert render(template) == expected


BRACE_HEAVY = [
    'config = {"a": {"b": [1, 2, {"c": 3}]}}',
    "f'{x!r:>10}' and f\"{value:.2f}\"",
    "def f():\n    return {k: v for k, v in items}",
    "s = {1, 2, 3}; e = {}; t = { }",
    '{"json": true, "list": [{}, {"x": null}]}',
    "\\begin{align} x^{2} \\end{align}",
    "$\\frac{a}{b} + x_{i}$",
    'echo "${HOME}" && `${name}`',
    "template = '{0} {1}'.format(a, b)",
    "{ name } with spaces is not a field",
    "}} closing braces {",
]


@pytest.mark.parametrize("code", BRACE_HEAVY)
def test_every_other_brace_is_untouched(code: str) -> None:
    assert render(code) == code


def test_interpolates_exactly_once() -> None:
    # The value contains something that looks like a field; it must not be expanded.
    assert render("{d['braces']} {name}") == "{not_a_field} Ada"
    assert render("{In[1]}") == "x = 1"


def test_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(InterpolationError) as info:
        render("What is {missing_var} and {name}?")
    message = str(info.value)
    assert "missing_var" in message
    assert "not defined" in message
    assert "{{missing_var}}" in message  # tells how to send it literally


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{obj.nope}", "obj.nope"),
        ("{rows[9]}", "rows[9]"),
        ("{Out[7]}", "cell 7 has no output"),
        ("{In[99]}", "no input cell 99"),
        ("{d['zz']}", "d['zz']"),
    ],
)
def test_unresolvable_reference_names_it(template: str, fragment: str) -> None:
    with pytest.raises(InterpolationError, match="nothing was sent") as info:
        render(template)
    assert fragment in str(info.value)


def test_find_references() -> None:
    assert find_references("{a} {{b}} {c.d} {'x': 1}") == ["a", "c.d"]


def test_large_values_are_capped_with_a_note() -> None:
    huge = "x" * (MAX_VALUE_CHARS * 3)
    text = value_to_text("huge", huge)
    assert len(text) <= MAX_VALUE_CHARS  # the note counts against the budget too
    kept = text.index("\n[… huge:")
    assert f"{len(huge) - kept:,} more characters not sent" in text
    big_list = list(range(100_000))
    assert len(value_to_text("big", big_list)) < 2_000


def test_broken_repr_does_not_stop_the_question() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    assert "repr failed" in value_to_text("b", Broken())


@pytest.mark.parametrize(
    "code",
    [
        'print(f"{x!r:>{width}}")',
        'print("{:>{width}}".format(x))',
        'f"{x:{width}.{precision}f}"',
        "f'{name:^{width}}'",
    ],
)
def test_nested_fields_in_a_format_spec_are_pasted_code_not_references(code):
    """`{width}` inside `{x:>{width}}` belongs to the pasted f-string: sent as it is, nothing resolved."""
    assert interpolate(f"Why does this fail? {code}", {}, lambda name, value: "!") == f"Why does this fail? {code}"
    assert find_references(code) == []


def test_references_next_to_a_format_spec_still_resolve():
    namespace = {"x": 1, "width": 5}
    assert interpolate("time {x}: {width}", namespace, lambda name, value: f"<{value}>") == "time <1>: <5>"
