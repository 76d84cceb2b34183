"""Structured output for a single question: ask(schema=) and %%gemini --schema, through the emulator.

The emulator answers json_schema requests with JSON that fits (tests/test_emulator_schema.py);
here the kernel side sends the schema, validates the answer into the user's own type, and says
so in one sentence when it cannot.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Literal, TypedDict

import pydantic
import pytest
from conftest import magics, run_cell

import jupyter_gemini
from jupyter_gemini._cost._catalog import Catalog
from jupyter_gemini._cost._model_info import ModelInfo
from jupyter_gemini.emulator import Emulator


class Review(pydantic.BaseModel):
    sentiment: Literal["positive", "negative", "mixed"]
    stars: int = pydantic.Field(ge=1, le=5)
    summary: str


@dataclasses.dataclass
class Invoice:
    amount: float
    paid: bool


class Point(TypedDict):
    x: int
    y: int


def bodies(emulator: Emulator) -> list[dict]:
    return [r.json for r in emulator.requests if r.path.endswith("/chat/completions")]


@pytest.mark.parametrize("schema", [Review, Invoice, Point, {"name": str, "count": int}])
def test_ask_returns_the_answer_validated_into_the_users_type(ip, emulator: Emulator, schema):
    response = jupyter_gemini.ask("Classify: the blender broke in a week.", schema=schema)
    sent = bodies(emulator)[-1]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    assert sent["json_schema"]["schema"]["additionalProperties"] is False
    if (isinstance(schema, type) and issubclass(schema, pydantic.BaseModel)) or dataclasses.is_dataclass(schema):
        assert isinstance(response.parsed, schema)
    else:  # a TypedDict or a {name: type} dict: a dict back
        assert isinstance(response.parsed, dict) and set(response.parsed) == set(
            typing.get_type_hints(schema) if isinstance(schema, type) else schema
        )
    assert response.status == "complete" and not response.problem


def test_the_magic_puts_the_validated_value_in_underscore(ip, emulator: Emulator):
    ip.user_ns["Review"] = Review
    result, _ = run_cell(ip, "%%gemini --schema Review\nClassify: great value, would buy again.")
    assert isinstance(result.result, Review) and isinstance(ip.user_ns["_"], Review)


def test_an_answer_that_does_not_fit_is_shown_and_said_so(ip, emulator: Emulator):
    response = jupyter_gemini.ask("[[emulator: invalid=1]] Classify this.", schema=Review)
    assert response.parsed is None and "does not fit the schema" in response.problem
    assert "invalid=1" in response.text  # shown as it came


def test_what_cannot_be_a_schema_or_a_model_without_structured_output_is_one_sentence(ip, emulator: Emulator):
    with pytest.raises(jupyter_gemini.errors.OptionError, match=r"cannot turn int into a JSON Schema"):
        jupyter_gemini.ask("hi", schema=int)
    session = magics(ip).session
    plain = ModelInfo("google/plain-flash", "Plain", 0, 0, 1000, supported_parameters=("max_tokens",))  # type: ignore[arg-type]
    session._catalog = Catalog([*Catalog(), plain])
    with pytest.raises(jupyter_gemini.errors.OptionError, match="does not take structured output"):
        jupyter_gemini.ask("hi", schema=Review, model="google/plain-flash")
    result, _ = run_cell(ip, "%%gemini --schema Nope\nhi")
    assert "no variable 'Nope'" in str(result.error_in_exec)
    assert bodies(emulator) == []


def test_the_preflight_and_dry_run_count_the_schema(ip, emulator: Emulator):
    from jupyter_gemini._core._options import AskOptions
    from jupyter_gemini._core._schema import schema_of

    session = magics(ip).session
    plain = session.dry_run("Classify: fine.", AskOptions(format="json"))
    typed = session.dry_run("Classify: fine.", AskOptions(format="json", schema=schema_of(Review)))
    assert typed.request.prompt_token_bound() > plain.request.prompt_token_bound()
    assert typed.request.estimated_prompt_tokens() > plain.request.estimated_prompt_tokens()
    assert bodies(emulator) == []
