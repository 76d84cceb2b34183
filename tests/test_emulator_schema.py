"""The emulator answers `response_format: json_schema` with JSON that fits the schema, over real HTTP.

The schemas are pydantic's own (`model_json_schema`), and pydantic validates each answer: the
emulator's JSON is judged by the library users will validate with, not by our own reading.
"""

from __future__ import annotations

import datetime
import enum
import json
from typing import Literal

import httpx
import pydantic
import pytest
from conftest import TEST_KEY

from jupyter_gemini.emulator import Emulator


class Mood(str, enum.Enum):
    happy = "happy"
    sad = "sad"


class Line(pydantic.BaseModel):
    item: str
    amount: float = pydantic.Field(gt=0, lt=1000)


class Review(pydantic.BaseModel):
    sentiment: Literal["positive", "negative", "mixed"]
    stars: int = pydantic.Field(ge=1, le=5)
    mood: Mood
    when: datetime.date
    seen: datetime.datetime
    tags: list[str] = pydantic.Field(min_length=3)
    lines: list[Line]
    urgent: bool
    note: str | None = None
    code: str = pydantic.Field(min_length=30, max_length=40)


class Tree(pydantic.BaseModel):
    name: str
    children: list[Tree] = []


def ask(emulator: Emulator, model: type[pydantic.BaseModel], question: str, **extra) -> httpx.Response:
    body = {
        "model": "google/gemini-2.5-flash-lite",
        "messages": [{"role": "user", "content": question}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": model.__name__, "strict": True, "schema": model.model_json_schema()},
        },
        **extra,
    }
    auth = {"Authorization": f"Bearer {TEST_KEY}"}
    return httpx.post(f"{emulator.base_url}/chat/completions", json=body, headers=auth, timeout=30)


@pytest.mark.parametrize("model", [Review, Tree])
def test_every_answer_fits_the_schema_and_rows_differ(emulator: Emulator, model):
    answers = []
    for question in ("Review: great value", "Review: broke in a week", "Review: fine I guess"):
        reply = ask(emulator, model, question).json()
        text = reply["choices"][0]["message"]["content"]
        answers.append(model.model_validate_json(text))  # raises if it does not fit
        assert reply["provider"] == "jupyter-gemini emulator"
    assert answers[0] == model.model_validate_json(
        ask(emulator, model, "Review: great value").json()["choices"][0]["message"]["content"]
    )  # deterministic
    if model is Review:
        assert len({(a.sentiment, a.stars, a.mood) for a in answers}) > 1  # different rows, different answers
        assert all(a.code.startswith("emulator") for a in answers)  # free text says where it came from


def test_a_directive_makes_the_answer_invalid(emulator: Emulator):
    reply = ask(emulator, Review, "[[emulator: invalid=1]] Review: ok").json()
    text = reply["choices"][0]["message"]["content"]
    json.loads(text)  # still JSON
    with pytest.raises(pydantic.ValidationError):
        Review.model_validate_json(text)


def test_the_schema_answer_streams_too(emulator: Emulator):
    body = []
    with httpx.stream(
        "POST",
        f"{emulator.base_url}/chat/completions",
        json={
            "model": "google/gemini-2.5-flash-lite",
            "messages": [{"role": "user", "content": "Review: streamed"}],
            "stream": True,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "R", "schema": Review.model_json_schema()},
            },
        },
        headers={"Authorization": f"Bearer {TEST_KEY}"},
        timeout=30,
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                for choice in json.loads(line[6:]).get("choices") or ():
                    body.append((choice.get("delta") or {}).get("content") or "")
    Review.model_validate_json("".join(body))
