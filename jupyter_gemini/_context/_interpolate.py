"""`{name}` references in prompts, resolved against the user namespace.

Written by hand rather than with `str.format`: pasted code is full of
braces (dicts, sets, f-strings, JSON), and `str.format` treats every one
as a field. Here only a brace pair around a plain reference is a field;
every other brace passes through untouched.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InterpolationError

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_STEP = rf"(?:\.{_IDENT}|\[\s*-?\d+\s*\]|\[\s*'[^'\]]*'\s*\]|\[\s*\"[^\"\]]*\"\s*\])"
_REFERENCE = rf"{_IDENT}{_STEP}*"
# `{{ref}}` is a literal `{ref}`; a lone `{{` is a literal `{`; `{ref}` is a field,
# except right after a word character, `\`, `^`, `$` or `}`: LaTeX (`\begin{align}`,
# `a_{i}`, `\frac{a}{b}`), shell and JavaScript (`${HOME}`) keep their braces.
_TOKEN = re.compile(rf"\{{\{{(?P<escaped>{_REFERENCE})\}}\}}|\{{\{{|(?<![\w\\^$}}])\{{(?P<ref>{_REFERENCE})\}}")
# An f-string or str.format field whose spec is still open on this line: `{x!r:>` in `f"{x!r:>{width}}"`.
# A brace inside it is a nested format field of the pasted code, not a reference.
_OPEN_FORMAT_SPEC = re.compile(r"\{(?:[A-Za-z_][\w.\[\]'\"]*|\d*)(?:![rsa])?:(?:[^{}\n]|\{[^{}\n]*\})*$")
_STEPS = re.compile(rf"\.(?P<attr>{_IDENT})|\[\s*(?P<key>[^\]]+?)\s*\]")

Renderer = Callable[[str, Any], str]


def find_references(template: str) -> list[str]:
    """The references a prompt would interpolate, in order (for dry runs and context builders)."""
    return [m.group("ref") for m in _TOKEN.finditer(template) if m.group("ref") and not _in_format_spec(template, m)]


def _in_format_spec(template: str, match: re.Match[str]) -> bool:
    """True for `{width}` in `{x:>{width}}`: a nested field of pasted code, not a reference."""
    line_start = template.rfind("\n", 0, match.start()) + 1
    return _OPEN_FORMAT_SPEC.search(template, line_start, match.start()) is not None


def interpolate(template: str, namespace: Mapping[str, Any], render: Renderer) -> str:
    """Replace each `{ref}` once; inserted text is never scanned again.

    Raises InterpolationError naming the first reference that does not resolve.
    """

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped") is not None:
            return "{" + match.group("escaped") + "}"
        reference = match.group("ref")
        if reference is None:
            return "{"
        if _in_format_spec(template, match):
            return match.group(0)  # `{width}` in `{x:>{width}}`: part of the pasted code
        return render(reference, resolve(reference, namespace))

    return _TOKEN.sub(replace, template)


def resolve(reference: str, namespace: Mapping[str, Any]) -> Any:
    head = re.match(_IDENT, reference)
    assert head is not None  # guaranteed by _REFERENCE
    name = head.group(0)
    if name not in namespace:
        raise InterpolationError(
            f"{{{reference}}} names {name!r}, which is not defined, so nothing was sent.",
            hint=f"Define it in a cell above, or write {{{{{reference}}}}} to send the braces literally.",
        )
    value = namespace[name]
    walked = name
    for step in _STEPS.finditer(reference, head.end()):
        value = _step(value, step, walked, reference)
        walked += step.group(0)
    return value


def _step(value: Any, step: re.Match[str], walked: str, reference: str) -> Any:
    attr = step.group("attr")
    try:
        if attr is not None:
            return getattr(value, attr)
        return value[ast.literal_eval(step.group("key"))]
    except (AttributeError, LookupError, TypeError, ValueError) as exc:
        what = f"{walked}{step.group(0)}"
        detail = _missing_output_hint(walked, step) or f"{type(exc).__name__}: {exc}"
        raise InterpolationError(
            f"{{{reference}}} could not be resolved: {what} does not exist ({detail}), so nothing was sent.",
            hint=f"Write {{{{{reference}}}}} to send the braces literally.",
        ) from None


def _missing_output_hint(walked: str, step: re.Match[str]) -> str:
    if walked == "Out" and step.group("key"):
        return f"cell {step.group('key')} has no output"
    if walked == "In" and step.group("key"):
        return f"there is no input cell {step.group('key')}"
    return ""
