"""Footers and mimebundles: exact dollars, escaped for Markdown, provenance attached."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jupyter_gemini._core._response import Response
from jupyter_gemini._cost._catalog import BUILTIN_MODELS
from jupyter_gemini._cost._tally import CostTally
from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._display._bundles import (
    METADATA_KEY,
    RESPONSE_MIME,
    extract_code,
    format_usd,
    models_bundle,
    price_per_million,
    response_bundle,
    tally_bundle,
)


def make_response(**overrides) -> Response:
    fields = dict(
        text="**Hello** world",
        status="complete",
        cost_estimated=False,
        model="google/gemini-3.1-flash-lite",
        usage=Usage(prompt_tokens=1234, completion_tokens=40),
        cost=Decimal("0.0001036"),
        generation_id="gen-1764926649-tF4W3t4FuuPsXb0VBWLB",
        provider="Google AI Studio",
        session_total=Decimal("0.0123456"),
    )
    fields.update(overrides)
    text = fields.pop("text")
    response = Response(**fields)
    response.text = text
    return response


@pytest.mark.parametrize(
    ("amount", "estimated", "text"),
    [
        (Decimal("0.0001036"), False, "$0.0001036"),
        (Decimal("1E-7"), False, "$0.0000001"),
        (Decimal("0.00010360"), False, "$0.0001036"),
        (Decimal(0), False, "$0"),
        (Decimal("12.5"), True, "≈$12.5"),
    ],
)
def test_format_usd_is_exact(amount, estimated, text):
    assert format_usd(amount, estimated=estimated) == text


def test_price_per_million_shows_cents():
    assert price_per_million(Decimal("0.0000015")) == "$1.50"
    assert price_per_million(Decimal("0.000000075")) == "$0.075"
    assert price_per_million(Decimal(0)) == "$0.00"


def test_response_bundle_has_footer_json_and_provenance():
    data, metadata = response_bundle(make_response())
    footer = "google/gemini-3.1-flash-lite · 1,234 in / 40 out tokens · $0.0001036 · session $0.0123456"
    assert data["text/plain"].endswith(f"-- {footer}")
    assert data["text/markdown"].startswith("**Hello** world\n\n---\n<sub>")
    assert footer.replace("$", "\\$") in data["text/markdown"]
    payload = data[RESPONSE_MIME]
    assert payload["cost"] == "0.0001036" and payload["session_total"] == "0.0123456"
    assert payload["usage"] == {
        "prompt_tokens": 1234,
        "completion_tokens": 40,
        "total_tokens": 1274,
        "reasoning_tokens": 0,
        "cached_tokens": 0,
    }
    assert payload["emulator"] is False
    assert metadata[METADATA_KEY]["generation_id"] == "gen-1764926649-tF4W3t4FuuPsXb0VBWLB"
    assert metadata[METADATA_KEY]["cost"] == "0.0001036"


def test_estimates_and_emulator_are_marked():
    data, _ = response_bundle(
        make_response(cost_estimated=True, session_total_estimated=True, provider="jupyter-gemini emulator")
    )
    assert "≈$0.0001036 · session ≈$0.0123456 · local emulator" in data["text/plain"]


def test_partial_answers_say_so():
    data, _ = response_bundle(make_response(status="partial", problem="Incomplete answer: the connection dropped."))
    assert "⚠ Incomplete answer: the connection dropped." in data["text/plain"]
    assert "**⚠ Incomplete answer" in data["text/markdown"]
    assert data[RESPONSE_MIME]["status"] == "partial"


def test_code_and_json_formats():
    data, _ = response_bundle(make_response(text="Here:\n```py\nprint(1)\n```\nDone", format="code"))
    assert data["text/markdown"].startswith("```python\nprint(1)\n```")
    data, _ = response_bundle(make_response(text='{"a": 1}', format="json"))
    assert '```json\n{\n  "a": 1\n}\n```' in data["text/markdown"]
    data, _ = response_bundle(make_response(format="text"))
    assert "text/markdown" not in data


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("```python\nx = 1\n```", "x = 1"),
        ("before\n~~~\ny = {1: 2}\n~~~\nafter", "y = {1: 2}"),
        ("````python\n```nested```\n````", "```nested```"),
        ("bare = True", "bare = True"),
    ],
)
def test_extract_code(text, code):
    assert extract_code(text) == code


def test_tally_table_text_and_markdown_agree():
    tally = CostTally()
    tally.record("a/one", Usage(10, 20), Decimal("0.001"))
    tally.record("b/two", Usage(5, 5), Decimal("0.0002"), estimated=True)
    data, _ = tally_bundle(tally)
    plain = data["text/plain"].splitlines()
    assert plain[0] == "Session cost"
    assert plain[-3].split() == ["total", "2", "15", "25", "≈$0.0012"]
    assert "| **total** | **2** | **15** | **25** | **≈\\$0.0012** |" in data["text/markdown"]
    assert "≈ marks estimates" in data["text/plain"]
    assert data["application/vnd.jupyter-gemini.tally+json"]["total"] == "0.0012"


def test_models_table_escapes_dollars_in_markdown():
    data, _ = models_bundle(BUILTIN_MODELS, "google/gemini-3.1-flash-lite", live=False)
    assert "$" not in data["text/markdown"].replace("\\$", "")
    assert "→ google/gemini-3.1-flash-lite" in data["text/plain"]
    assert "built-in catalog" in data["text/plain"]
