"""The emulator speaks the shapes of the recorded OpenRouter responses in tests/captures.

For each kind of response (a non-streamed answer, a stream chunk, an error body, a `/models`
entry, a `/generation` record, a `/key` record), every field path a capture has, the emulator's
answer has too; and every field the emulator adds appears in some capture of that kind, or is
listed below with the reason it is there. Only field names and nesting are compared: values
differ by nature.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
from conftest import TEST_KEY
from replay import MANIFEST, json_body, sse_events

from jupyter_gemini.emulator import Emulator

#: Fields the emulator sends that no capture of their kind shows, and why.
DOCUMENTED_EXTRAS = {
    # The error chunk says which provider failed and its raw reason, as OpenRouter's HTTP errors do
    # (c10); a Gemini answer's usage has `audio_tokens` (c02), and a stream's usage is the same object.
    "chunk": {"error.metadata.provider_name", "error.metadata.raw", "usage.completion_tokens_details.audio_tokens"},
    # The same provider and raw reason on a non-streamed answer whose choice failed.
    "error-answer": {"choices[].error.metadata.provider_name", "choices[].error.metadata.raw"},
    # d03/d04 are documentation examples without `code`; every recorded error body has one.
    "error": set(),
    # Newer `/models` fields than the April 2025 list (c12): OpenRouter's current reference
    # (shared/openrouter-api.md, "More /models fields" and "Reasoning").
    "model": {
        "canonical_slug",
        "pricing.input_cache_read",
        "supported_parameters",
        "expiration_date",
        "reasoning",
        "reasoning.supported_efforts",
        "reasoning.default_effort",
        "reasoning.default_enabled",
        "reasoning.supports_max_tokens",
        "reasoning.mandatory",
    },
}


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every field path in a JSON value: `choices[].delta.content`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, prefix + "[]")
    return found


def union(values: Iterable[Any]) -> set[str]:
    return set().union(*(paths(v) for v in values))


def captures(kind: str) -> list[Any]:
    """Every recorded value of one kind, read from the capture files alone."""
    names = sorted(MANIFEST)
    if kind == "chunk":
        return [event for n in names if n.endswith(".sse") for event in sse_events(n)]
    bodies = {n: json_body(n) for n in names if n.endswith(".json") and n.startswith(("c", "d"))}
    if kind == "answer":
        return [b for n, b in bodies.items() if MANIFEST[n]["status"] == 200 and "usage" in b and "choices" in b]
    if kind == "error-answer":
        return [b for b in bodies.values() if any("error" in c for c in b.get("choices", []))]
    if kind == "error":
        return [b for n, b in bodies.items() if MANIFEST[n]["status"] >= 400]
    if kind == "model":
        return [m for b in bodies.values() if isinstance(b.get("data"), list) for m in b["data"]]
    if kind in ("generation", "key"):
        return [b for n, b in bodies.items() if ("generation" if kind == "generation" else "_key") in n]
    raise ValueError(kind)


def sse(text: str) -> list[dict[str, Any]]:
    return [
        json.loads(line[len("data: ") :])
        for line in text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


@pytest.fixture
def call(emulator: Emulator):
    headers = {"Authorization": f"Bearer {TEST_KEY}"}

    def chat(directive: str = "tokens=6", *, stream: bool = False, model: str = "google/gemini-2.5-flash-lite"):
        body = {
            "model": model,
            "stream": stream,
            "messages": [{"role": "user", "content": f"[[emulator: {directive}]] hi"}],
        }
        return httpx.post(f"{emulator.base_url}/chat/completions", json=body, headers=headers, timeout=30)

    return chat


def emulated(kind: str, emulator: Emulator, chat: Any) -> list[Any]:
    """The emulator's answers of one kind, covering every shape it can send of that kind."""
    headers = {"Authorization": f"Bearer {TEST_KEY}"}
    if kind == "answer":
        return [chat().json(), chat("tokens=6 reasoning=8").json()]
    if kind == "chunk":
        return sse(chat("tokens=6 reasoning=8", stream=True).text) + sse(
            chat("tokens=20 after=5 fault=midstream", stream=True).text
        )
    if kind == "error-answer":
        return [chat("tokens=20 after=5 fault=midstream").json()]
    if kind == "error":
        unauthenticated = httpx.post(f"{emulator.base_url}/chat/completions", json={}, timeout=30)
        return [
            unauthenticated.json(),
            chat("fault=http:404").json(),
            chat("fault=upstream429").json(),
            chat("", model="google/gemini-3.5-flsh").json(),  # a typo: model_not_found
            chat("", model="google/gemini-flash-1.5").json(),  # retired: model_deprecated
        ]
    if kind == "model":
        return httpx.get(f"{emulator.base_url}/models", timeout=30).json()["data"]
    if kind == "generation":
        generation_id = chat().json()["id"]
        return [httpx.get(f"{emulator.base_url}/generation", params={"id": generation_id}, headers=headers).json()]
    if kind == "key":
        return [httpx.get(f"{emulator.base_url}/key", headers=headers).json()]
    raise ValueError(kind)


KINDS = ["answer", "chunk", "error-answer", "error", "model", "generation", "key"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_emulator_sends_every_field_the_captures_have(emulator: Emulator, call: Any, kind: str):
    recorded = captures(kind)
    assert recorded, f"no capture of kind {kind!r}"
    ours = union(emulated(kind, emulator, call))
    # Each field the real API sent in *every* recording of this kind is one a client may rely on.
    always = set.intersection(*(paths(v) for v in recorded))
    assert always - ours == set(), f"the emulator never sends: {sorted(always - ours)}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_emulator_invents_no_fields(emulator: Emulator, call: Any, kind: str):
    ours = union(emulated(kind, emulator, call))
    seen = union(captures(kind)) | union(captures("answer") if kind == "error-answer" else [])
    invented = ours - seen - DOCUMENTED_EXTRAS.get(kind, set())
    assert invented == set(), f"fields in no capture of kind {kind!r}: {sorted(invented)}"


def first(events: list[dict[str, Any]], test: Any) -> dict[str, Any]:
    return next(e for e in events if test(e))


def is_content(e: dict[str, Any]) -> bool:
    return bool(e.get("choices")) and bool(e["choices"][0]["delta"].get("content"))


def is_reasoning(e: dict[str, Any]) -> bool:
    return bool(e.get("choices")) and bool(e["choices"][0]["delta"].get("reasoning"))


def test_each_stream_event_has_the_fields_of_its_recorded_counterpart(call: Any):
    """One to one: a content chunk, a reasoning chunk, the usage chunk, an error chunk with usage."""
    ours = sse(call("tokens=6 reasoning=8", stream=True).text)
    broken = sse(call("tokens=20 after=5 fault=midstream", stream=True).text)
    gpt4o, thinking = sse_events("c05_gpt-4o_stream.sse"), sse_events("c06_claude-sonnet-4.5_stream_reasoning.sse")
    pairs = [
        (first(ours, is_content), first(gpt4o, is_content)),
        (first(ours, is_reasoning), first(thinking, is_reasoning)),
        (ours[-1], gpt4o[-1]),  # the usage chunk: an empty delta and the usage
        (broken[-1], sse_events("c08_minimax-m2-free_stream_midstream_error.sse")[-1]),  # error and usage
    ]
    for emulator_event, recorded in pairs:
        assert paths(recorded) - paths(emulator_event) == set()


@pytest.mark.parametrize(
    ("directive", "model", "capture"),
    [
        ("fault=http:404", "google/gemini-2.5-flash-lite", "c09_404_no_endpoints_gemini-2.5-flash-free.json"),
        (
            "fault=upstream429",
            "google/gemini-2.5-flash-lite",
            "c10_429_gemini-2.0-flash-exp-free_upstream_ratelimit.json",
        ),
        ("", "google/gemini-3.5-flsh", "d03_doc_400_model_not_found_availability.json"),
        ("", "google/gemini-flash-1.5", "d04_doc_404_model_deprecated_availability.json"),
        ("tokens=20 after=5 fault=midstream", "google/gemini-2.5-flash-lite", "d02_doc_nonstream_choice_error.json"),
    ],
)
def test_each_error_has_the_fields_of_its_recorded_counterpart(call: Any, directive: str, model: str, capture: str):
    response = call(directive, model=model)
    assert response.status_code == MANIFEST[capture]["status"]
    assert paths(json_body(capture)) - paths(response.json()) == set()
