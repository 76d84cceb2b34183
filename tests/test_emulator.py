"""The local OpenRouter emulator, over real HTTP against a started server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import httpx
import openai
import pytest

from jupyter_gemini._cost._catalog import BUILTIN_MODELS, Catalog
from jupyter_gemini.emulator import (
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD_TOKENS,
    Emulator,
    EmulatorConfig,
    count_text_tokens,
)

MODEL = "google/gemini-2.5-flash-lite"  # thinks only when asked: these tests count the answer alone
KEY = "sk-or-emulator"
ID_RE = re.compile(r"^gen-\d{10}-[A-Za-z0-9]{20}$")
AUTH = {"Authorization": f"Bearer {KEY}"}
CATALOG = Catalog()


@pytest.fixture
def emu():
    with Emulator(EmulatorConfig(keepalive_interval=0.1)) as emulator:
        yield emulator


@pytest.fixture
def http(emu):
    with httpx.Client(base_url=emu.base_url, headers=AUTH, timeout=10) as client:
        yield client


@pytest.fixture
def sdk(emu):
    client = openai.OpenAI(base_url=emu.base_url, api_key=KEY, max_retries=0, timeout=10)
    yield client
    client.close()


def user(text, **extra):
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}


def parse(response):
    """JSON with exact decimals, as a careful client would read costs."""
    return json.loads(response.text, parse_float=Decimal)


def sse_events(raw: str):
    """Split a raw SSE body into ('comment', text) and ('data', text) items."""
    items = []
    for block in raw.split("\n\n"):
        for line in block.splitlines():
            if line.startswith(":"):
                items.append(("comment", line[1:].strip()))
            elif line.startswith("data: "):
                items.append(("data", line[len("data: ") :]))
    return items


def content_of(items):
    return "".join(
        c["delta"].get("content") or ""
        for kind, data in items
        if kind == "data" and data.startswith("{")
        for c in json.loads(data).get("choices", [])
    )


def collect(stream, parts):
    """Append each chunk's text to `parts` until the stream ends or raises."""
    for chunk in stream:
        parts.append(chunk.choices[0].delta.content)


# -- non-streaming -------------------------------------------------------------------------


def test_non_streaming_body_matches_reference_shape(http):
    r = http.post("/chat/completions", json=user("What is 2+2?"))
    assert r.status_code == 200
    assert r.headers["X-Emulator"] == "jupyter-gemini"
    body = parse(r)
    assert set(body) == {"id", "provider", "model", "object", "created", "system_fingerprint", "choices", "usage"}
    assert ID_RE.match(body["id"])
    assert r.headers["X-Generation-Id"] == body["id"]
    assert body["provider"] == "jupyter-gemini emulator"
    assert body["model"] == MODEL
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert abs(body["created"] - time.time()) < 60
    (choice,) = body["choices"]
    assert set(choice) == {"index", "logprobs", "finish_reason", "native_finish_reason", "message"}
    assert choice["index"] == 0
    assert choice["logprobs"] is None
    assert (choice["finish_reason"], choice["native_finish_reason"]) == ("stop", "STOP")
    assert set(choice["message"]) == {"role", "content", "refusal", "reasoning", "annotations"}
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["refusal"] is None
    assert choice["message"]["reasoning"] is None
    usage = body["usage"]
    assert set(usage) == {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cost",
        "is_byok",
        "prompt_tokens_details",
        "completion_tokens_details",
        "cost_details",
    }
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["is_byok"] is False
    assert usage["prompt_tokens_details"] == {
        "cached_tokens": 0,
        "cache_write_tokens": 0,
        "audio_tokens": 0,
        "video_tokens": 0,
    }
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 0, "image_tokens": 0, "audio_tokens": 0}
    details = usage["cost_details"]
    assert details["upstream_inference_cost"] is None
    assert details["upstream_inference_prompt_cost"] + details["upstream_inference_completions_cost"] == (usage["cost"])


def test_answer_is_labelled_and_quotes_prompt_without_directive(http):
    prompt = "Explain   recursion\nbriefly [[emulator: tokens=80 note=ignored]] please"
    body = http.post("/chat/completions", json=user(prompt)).json()
    content = body["choices"][0]["message"]["content"]
    assert content.startswith("*Answer from the local OpenRouter emulator (jupyter-gemini), not a real model.*")
    assert "Explain recursion briefly please" in content
    assert "emulator:" not in content.split("\n", 1)[1]
    assert "1 message, 0 images, 0 files" in content
    assert body["usage"]["completion_tokens"] == 80


def test_cost_is_catalog_arithmetic_to_the_last_digit(http):
    for model in ("google/gemini-2.5-flash", "google/gemini-3.1-flash-lite", "google/gemini-3.5-flash"):
        r = http.post("/chat/completions", json={**user("price me [[emulator: tokens=37]]"), "model": model})
        usage = parse(r)["usage"]
        info = CATALOG.get(model)
        expected = info.cost(usage["prompt_tokens"], usage["completion_tokens"])
        assert usage["cost"] == expected
        assert usage["cost_details"]["upstream_inference_prompt_cost"] == info.prompt_price * usage["prompt_tokens"]
        # The number's text in the body is the exact decimal, and float repr round-trips it.
        assert re.search(rf'"cost":{re.escape(format(expected.normalize(), "f"))}[,}}]', r.text)
        assert Decimal(repr(float(expected))) == expected
        assert Decimal(repr(r.json()["usage"]["cost"])) == expected


def test_token_counts_follow_documented_rules(http):
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"}}
    pdf_data = base64.b64encode(b"%PDF-1.4 " * 100).decode()
    file_part = {"type": "file", "file": {"filename": "a.pdf", "file_data": f"data:application/pdf;base64,{pdf_data}"}}
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": [{"type": "text", "text": "look at these"}, image, image, file_part]},
    ]
    r = http.post("/chat/completions", json={"model": MODEL, "messages": messages, "max_tokens": 1000})
    body = r.json()
    file_tokens = -(-len(pdf_data) // 32)
    expected = (
        4 * MESSAGE_OVERHEAD_TOKENS
        + sum(count_text_tokens(t) for t in ("Be brief.", "first question", "first answer", "look at these"))
        + 2 * IMAGE_TOKENS
        + file_tokens
    )
    assert body["usage"]["prompt_tokens"] == expected
    content = body["choices"][0]["message"]["content"]
    assert "4 messages, 2 images, 1 file." in content
    assert body["usage"]["completion_tokens"] == 60 == count_text_tokens(content)
    assert count_text_tokens("") == 0
    assert count_text_tokens("abcd") == 1
    assert count_text_tokens("abcde") == 2
    assert emu_generation_counts(http, body["id"]) == (expected, 60)


def emu_generation_counts(http, generation_id):
    data = http.get("/generation", params={"id": generation_id}).json()["data"]
    assert data["num_media_prompt"] == 3
    return data["tokens_prompt"], data["tokens_completion"]


def test_same_request_same_answer(http):
    a = http.post("/chat/completions", json=user("deterministic?")).json()
    b = http.post("/chat/completions", json=user("deterministic?")).json()
    c = http.post("/chat/completions", json=user("something else entirely")).json()
    assert a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"]
    assert a["usage"] == b["usage"]
    assert a["id"] != b["id"]
    assert a["choices"][0]["message"]["content"] != c["choices"][0]["message"]["content"]


def test_max_tokens_cuts_with_length(http):
    body = http.post("/chat/completions", json=user("long [[emulator: tokens=100]]", max_tokens=7)).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["choices"][0]["native_finish_reason"] == "MAX_TOKENS"
    assert body["usage"]["completion_tokens"] == 7
    assert len(body["choices"][0]["message"]["content"]) == 28
    raw = http.post("/chat/completions", json=user("long", max_tokens=5, stream=True)).text
    finishes = [
        c["finish_reason"]
        for kind, data in sse_events(raw)
        if kind == "data" and data.startswith("{")
        for c in json.loads(data)["choices"]
        if c["finish_reason"]
    ]
    assert finishes[-1] == "length"
    assert finishes.count("length") == 1


def test_ignores_openrouter_extras(http):
    extras = {
        "stream_options": {"include_usage": True},
        "usage": {"include": True},
        "provider": {"order": ["google-ai-studio"], "allow_fallbacks": False},
        "reasoning": {"effort": "low"},
        "user": "u1",
        "session_id": "s1",
        "top_k": 3,
        "whatever_new": {"x": 1},
    }
    assert http.post("/chat/completions", json=user("hi", **extras)).status_code == 200


# -- streaming -----------------------------------------------------------------------------


def test_streaming_raw_sequence(http):
    request = user("stream me [[emulator: tokens=12]]", stream=True)
    with http.stream("POST", "/chat/completions", json=request) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        generation_id = r.headers["X-Generation-Id"]
        raw = b"".join(r.iter_raw()).decode()
    assert raw.startswith(": OPENROUTER PROCESSING\n\n")
    items = sse_events(raw)
    assert items[-1] == ("data", "[DONE]")
    chunks = [json.loads(data, parse_float=Decimal) for kind, data in items[:-1] if kind == "data"]
    content_chunks, finish, usage_chunk = chunks[:-2], chunks[-2], chunks[-1]
    assert len(content_chunks) == 12
    for chunk in chunks:
        assert chunk["id"] == generation_id
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["provider"] == "jupyter-gemini emulator"
        assert chunk["model"] == MODEL
    for chunk in content_chunks:
        (choice,) = chunk["choices"]
        assert choice["delta"]["role"] == "assistant"
        assert choice["finish_reason"] is None
        assert choice["native_finish_reason"] is None
        assert choice["logprobs"] is None
    assert content_chunks[0]["choices"][0]["delta"]["content"] == "*Ans"
    assert finish["choices"][0]["finish_reason"] == "stop"
    assert [c for c in chunks if "usage" in c] == [usage_chunk]
    # As every recorded stream ends (tests/captures): an empty delta, no finish_reason, the usage.
    assert [c["delta"] for c in usage_chunk["choices"]] == [{"role": "assistant", "content": ""}]
    assert usage_chunk["choices"][0]["finish_reason"] is None
    usage = usage_chunk["usage"]
    assert usage["completion_tokens"] == 12
    assert usage["cost"] == CATALOG.get(MODEL).cost(usage["prompt_tokens"], 12)
    assert usage["cost_details"]["upstream_inference_completions_cost"] == CATALOG.get(MODEL).completion_price * 12


def test_streaming_through_openai_sdk(emu, sdk, http):
    prompt = "sdk stream [[emulator: tokens=25]]"
    plain = http.post("/chat/completions", json=user(prompt)).json()
    stream = sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}], stream=True)
    parts, usage_chunks = [], []
    for chunk in stream:
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
        if chunk.usage is not None:
            usage_chunks.append(chunk)
    assert "".join(parts) == plain["choices"][0]["message"]["content"]
    (last,) = usage_chunks
    cost = getattr(last.usage, "cost", None) or (last.usage.model_extra or {}).get("cost")
    assert Decimal(repr(cost)) == emu.generations[last.id].cost
    assert emu.generations[last.id].streamed is True


def test_chunk_tokens_groups_tokens(emu, http):
    emu.config.chunk_tokens = 5
    raw = http.post("/chat/completions", json=user("chunky [[emulator: tokens=12]]", stream=True)).text
    sizes = [
        len(json.loads(d)["choices"][0]["delta"]["content"])
        for k, d in sse_events(raw)
        if k == "data" and d.startswith("{") and json.loads(d)["choices"]
    ]
    assert sizes[:3] == [20, 20, 8]


def test_ttft_and_keepalives(emu, http):
    emu.config.ttft = 0.3
    started = time.monotonic()
    first_token = None
    comments = 0
    with http.stream("POST", "/chat/completions", json=user("wait", stream=True)) as r:
        for line in r.iter_lines():
            if line.startswith(":"):
                comments += 1
            elif line.startswith("data: {") and first_token is None:
                first_token = time.monotonic() - started
    assert first_token >= 0.25
    assert comments >= 2


def test_tokens_per_second_paces_stream(emu, http):
    started = time.monotonic()
    http.post("/chat/completions", json=user("pace [[emulator: tokens=11 tps=50]]", stream=True))
    assert time.monotonic() - started >= 0.18


# -- auth and models -----------------------------------------------------------------------


def test_auth_required_and_redacted(emu):
    r = httpx.post(f"{emu.base_url}/chat/completions", json=user("hi"))
    assert r.status_code == 401
    assert r.json() == {"error": {"code": 401, "message": "No auth credentials found"}}  # tests/captures/c13
    r = httpx.post(
        f"{emu.base_url}/chat/completions", json=user("hi"), headers={"Authorization": "Bearer sk-or-invalid"}
    )
    assert (r.status_code, r.json()["error"]["message"]) == (401, "User not found.")
    httpx.post(f"{emu.base_url}/chat/completions", json=user("hi"), headers={"Authorization": "Bearer sk-secret-1"})
    recorded = emu.requests
    assert recorded[-1].headers["Authorization"] == "REDACTED"
    assert "sk-secret-1" not in repr(recorded)
    assert recorded[-1].method == "POST"
    assert recorded[-1].path == "/api/v1/chat/completions"
    assert recorded[-1].json == user("hi")
    assert recorded[-1].generation_id in emu.generations
    assert recorded[0].generation_id is None
    emu.config.require_auth = False
    assert httpx.post(f"{emu.base_url}/chat/completions", json=user("hi")).status_code == 200


def test_sdk_maps_auth_error(emu):
    client = openai.OpenAI(base_url=emu.base_url, api_key="sk-or-invalid", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])


def test_removed_and_unknown_models(http):
    # As OpenRouter documents them (tests/captures/d03, d04): the reason is at error.availability.
    r = http.post("/chat/completions", json={**user("hi"), "model": "google/gemini-flash-1.5"})
    assert r.status_code == 404
    availability = r.json()["error"]["availability"]
    assert availability["code"] == "model_deprecated" and availability["requested_models"] == [
        "google/gemini-flash-1.5"
    ]
    assert "google/gemini-flash-1.5" not in availability["fallback_models"] and availability["fallback_models"]
    r = http.post("/chat/completions", json={**user("hi"), "model": "google/gemini-flash-1.5-8b-exp"})
    assert r.status_code == 404
    assert r.json()["error"]["availability"]["code"] == "free_variant_ended"
    r = http.post("/chat/completions", json={**user("hi"), "model": "acme/fake-1.0"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "acme/fake-1.0 is not a valid model ID"
    assert r.json()["error"]["availability"]["code"] == "model_not_found"
    r = http.post("/chat/completions", json={**user("hi"), "model": f"{MODEL}:free"})
    assert r.status_code == 400


def test_models_fallback_bills_the_model_that_answered(emu, http):
    request = {**user("fallback"), "model": "google/gemini-2.0-flash-001"}
    request["models"] = ["google/gemini-flash-1.5", "google/gemini-3.1-flash-lite", MODEL]
    body = parse(http.post("/chat/completions", json=request))
    assert body["model"] == "google/gemini-3.1-flash-lite"
    usage = body["usage"]
    assert usage["cost"] == CATALOG.get("google/gemini-3.1-flash-lite").cost(
        usage["prompt_tokens"], usage["completion_tokens"]
    )
    assert emu.generations[body["id"]].model == "google/gemini-3.1-flash-lite"


def test_models_endpoint_lists_served_catalog(http):
    data = http.get("/models").json()["data"]
    assert [m["id"] for m in data] == [m.id for m in BUILTIN_MODELS if m.available]
    assert data[0] == BUILTIN_MODELS[0].to_openrouter()
    assert "google/gemini-flash-1.5" not in {m["id"] for m in data}


def test_generation_lookup_with_delay(emu, http):
    emu.config.generation_lookup_delay = 0.3
    posted = time.monotonic()  # the generation ends after this, so it cannot be found before posted + 0.3
    body = http.post("/chat/completions", json=user("look me up")).json()
    r = http.get("/generation", params={"id": body["id"]})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == 404
    while r.status_code == 404:  # until the record appears, as a real client polls
        assert time.monotonic() - posted < 30, "the generation never appeared"
        time.sleep(0.01)
        r = http.get("/generation", params={"id": body["id"]})
    assert r.status_code == 200
    assert time.monotonic() - posted >= 0.3  # never before the configured delay, however fast the machine
    data = json.loads(r.text, parse_float=Decimal)["data"]
    assert data["id"] == body["id"]
    assert data["model"] == MODEL
    assert data["total_cost"] == emu.generations[body["id"]].cost == emu.billed_total
    assert data["tokens_prompt"] == data["native_tokens_prompt"] == body["usage"]["prompt_tokens"]
    assert data["tokens_completion"] == data["native_tokens_completion"] == body["usage"]["completion_tokens"]
    assert (data["streamed"], data["cancelled"], data["finish_reason"]) == (False, False, "stop")
    assert data["provider_name"] == "jupyter-gemini emulator"
    for field in ("created_at", "latency", "generation_time", "native_finish_reason", "native_tokens_reasoning"):
        assert field in data
    assert http.get("/generation", params={"id": "gen-0-nope"}).status_code == 404


def test_key_endpoint_reports_limit_and_usage(emu, http):
    emu.config.credit_limit = 0.5  # a float is accepted and read as Decimal("0.5")
    body = http.post("/chat/completions", json=user("spend", max_tokens=100)).json()
    for path in ("/key", "/auth/key"):
        data = json.loads(http.get(path).text, parse_float=Decimal)["data"]
        assert data["label"] == "jupyter-gemini emulator"
        assert data["usage"] == emu.billed_total == Decimal(str(body["usage"]["cost"]))
        assert data["limit"] == Decimal("0.5")
        assert data["limit_remaining"] == Decimal("0.5") - emu.billed_total
        assert data["is_free_tier"] is False
        assert data["expires_at"] is None
        for field in ("usage_daily", "usage_weekly", "usage_monthly"):
            assert data[field] == data["usage"]


def test_credit_limit_refuses_unaffordable_worst_case(emu, http):
    emu.config.credit_limit = Decimal("0.001")
    # 2.5 Flash: $2.50 per million output tokens, so $0.001 affords 399 of them after the prompt.
    r = http.post("/chat/completions", json=user("too much", model="google/gemini-2.5-flash"))  # no max_tokens
    assert r.status_code == 402
    message = r.json()["error"]["message"]
    assert message.startswith("This request requires more credits, or fewer max_tokens.")
    assert "You requested up to 65535 tokens, but can only afford 399." in message
    assert emu.billed_total == 0
    assert http.post("/chat/completions", json=user("ok", max_tokens=100)).status_code == 200


# -- faults ---------------------------------------------------------------------------------

HTTP_FAULTS = {
    400: "is not a valid model ID",
    401: "No auth credentials found",
    402: "This request requires more credits, or fewer max_tokens. You requested up to 200 tokens",
    403: "flagged",
    404: "No endpoints found",
    408: "Operation timed out. Please try again later.",
    413: "Downloaded image content cannot exceed 30MB",
    429: "Rate limit exceeded",
    502: "Provider returned error",
    503: "No allowed providers are available for the selected model.",
}


@pytest.mark.parametrize("status", sorted(HTTP_FAULTS))
@pytest.mark.parametrize("via", ["message", "header"])
def test_http_faults(emu, http, status, via):
    if via == "message":
        r = http.post("/chat/completions", json=user(f"oops [[emulator: fault=http:{status}]]", max_tokens=200))
    else:
        headers = {"X-Emulator-Directive": f"fault=http:{status}"}
        r = http.post("/chat/completions", json=user("oops", max_tokens=200, stream=True), headers=headers)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    model_errors = status in (400, 404)  # these say why at error.availability, as OpenRouter documents
    documented = ["availability", "error_type", "http_status"] if model_errors else []
    with_metadata = ["metadata"] if status in (403, 429, 502) else []
    assert set(error) == {"code", "message", *with_metadata, *documented}
    assert error["code"] == status
    assert HTTP_FAULTS[status] in error["message"]
    assert ("user_id" in r.json()) == (status != 401)  # the key was read, so OpenRouter says whose it is
    meta = error.get("metadata", {})
    if status == 403:
        assert meta["reasons"] == ["harassment"]
        assert meta["flagged_input"] == "oops"
    if model_errors:
        assert error["availability"]["code"] in ("model_not_found", "no_endpoints")
    if status == 502:
        assert meta["provider_name"] == "jupyter-gemini emulator"
        assert json.loads(meta["raw"])["error"]["code"] == 503
    if status == 429:
        assert r.headers["Retry-After"] == "1"
        assert int(r.headers["X-RateLimit-Limit"]) > 0
        assert r.headers["X-RateLimit-Remaining"] == "0"
        assert int(r.headers["X-RateLimit-Reset"]) > time.time() * 1000
    assert emu.billed_total == 0
    assert emu.generations == {}


def test_rate_limit_retry_after_and_sdk_mapping(sdk):
    with pytest.raises(openai.RateLimitError) as info:
        sdk.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x [[emulator: fault=http:429 retry_after=2]]"}]
        )
    assert info.value.response.headers["Retry-After"] == "2"
    assert info.value.body["code"] == 429
    with pytest.raises(openai.InternalServerError):
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "[[emulator: fault=http:502]]"}])


def test_header_directive_wins_over_message(http):
    r = http.post(
        "/chat/completions",
        json=user("[[emulator: fault=http:503 tokens=5]]"),
        headers={"X-Emulator-Directive": "fault=none tokens=9"},
    )
    assert r.status_code == 200
    assert r.json()["usage"]["completion_tokens"] == 9


def test_bad_directive_is_a_clear_400(http):
    r = http.post("/chat/completions", json=user("[[emulator: fault=explode]]"))
    assert r.status_code == 400
    assert "jupyter-gemini emulator: bad directive" in r.json()["error"]["message"]
    r = http.post("/chat/completions", json=user("[[emulator: tokens=many]]"))
    assert r.status_code == 400


def test_error200_non_streaming_and_streaming(emu, sdk, http):
    completion = sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "[[emulator: fault=error200]]"}]
    )
    assert completion.choices is None
    assert completion.model_extra["error"] == {
        "message": "Upstream error from Google AI Studio: Service temporarily overloaded",
        "code": 502,
    }
    assert ID_RE.match(completion.id)
    raw = http.post("/chat/completions", json=user("[[emulator: fault=error200]]", stream=True)).text
    items = sse_events(raw)
    assert items[0] == ("comment", "OPENROUTER PROCESSING")
    (data,) = [json.loads(d) for k, d in items if k == "data"]
    assert "choices" not in data
    assert data["error"]["code"] == 502
    assert emu.billed_total == 0


def test_midstream_error_keeps_real_text_and_bills_sent_tokens(emu, sdk):
    stream = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "[[emulator: fault=midstream after=10 tokens=40]]"}],
        stream=True,
    )
    parts = []
    with pytest.raises(openai.APIError) as info:
        collect(stream, parts)
    assert info.value.body["code"] == 502
    assert "".join(parts).startswith("*Answer from the local")
    assert len(parts) == 10
    (record,) = emu.generations.values()
    assert (record.completion_tokens, record.finish_reason, record.cancelled) == (10, "error", False)
    assert record.cost == CATALOG.get(MODEL).cost(record.prompt_tokens, 10)


def test_midstream_raw_error_chunk(http):
    raw = http.post("/chat/completions", json=user("[[emulator: fault=midstream]]", stream=True)).text
    items = sse_events(raw)
    assert items[-1] == ("data", "[DONE]")  # after the error chunk, as in tests/captures/c08
    last = json.loads(items[-2][1])
    assert last["error"]["code"] == 502
    assert set(last["error"]) == {"code", "message", "metadata"}
    assert last["choices"][0]["finish_reason"] == "error"
    # The usage of what was generated rides on the error chunk, so the tally can count it.
    assert last["usage"]["completion_tokens"] == 30 and last["usage"]["cost"] > 0
    assert len(content_of(items)) == 30 * 4  # half of the default 60 tokens


def test_drop_cuts_connection_after_real_text(emu, sdk, http):
    stream = sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "[[emulator: fault=drop after=6]]"}], stream=True
    )
    parts = []
    with pytest.raises(openai.APIConnectionError):
        collect(stream, parts)
    assert "".join(parts) == "*Answer from the local O"
    with pytest.raises(openai.APIConnectionError):
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "[[emulator: fault=drop]]"}])
    (record,) = emu.generations.values()  # the non-streaming drop billed nothing
    assert record.completion_tokens == 6
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/chat/completions", json=user("[[emulator: fault=drop after=3]]", stream=True))


def test_malformed_event(sdk, http):
    raw = http.post("/chat/completions", json=user("[[emulator: fault=malformed after=4]]", stream=True)).text
    assert "data: {not json\n\n" in raw
    assert len(content_of([i for i in sse_events(raw) if i[1] != "{not json"])) == 16
    stream = sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "[[emulator: fault=malformed]]"}], stream=True
    )
    with pytest.raises(ValueError, match="Expecting property name"):
        list(stream)


@pytest.mark.parametrize("silent", [False, True])
def test_stall_then_finish(emu, http, silent):
    directive = f"[[emulator: fault=stall after=5 stall=0.3 tokens=10 stall_silent={int(silent)}]]"
    started = time.monotonic()
    raw = http.post("/chat/completions", json=user(directive, stream=True)).text
    assert time.monotonic() - started >= 0.25
    items = sse_events(raw)
    assert items[-1] == ("data", "[DONE]")
    data_positions = [i for i, (k, _) in enumerate(items) if k == "data"]
    between = items[data_positions[4] + 1 : data_positions[5]]
    assert bool(between) is not silent
    assert all(kind == "comment" for kind, _ in between)
    (record,) = emu.generations.values()
    assert (record.completion_tokens, record.finish_reason) == (10, "stop")


def test_slow_keepalive(emu, http):
    started = time.monotonic()
    with http.stream(
        "POST", "/chat/completions", json=user("[[emulator: fault=slow_keepalive ttft=0.3]]", stream=True)
    ) as r:
        lines = []
        for line in r.iter_lines():
            if line.startswith("data: {"):
                first = time.monotonic() - started
                break
            if line:
                lines.append(line)
    assert first >= 0.25
    assert lines.count(": OPENROUTER PROCESSING") >= 3


def test_client_abort_is_billed_in_full_and_cancelled(emu, http):
    request = user("[[emulator: tokens=60 tps=100]]", stream=True)
    with http.stream("POST", "/chat/completions", json=request) as r:
        generation_id = r.headers["X-Generation-Id"]
        for line in r.iter_lines():
            if line.startswith("data: {"):
                break
    deadline = time.monotonic() + 3
    while not emu.generations[generation_id].cancelled and time.monotonic() < deadline:
        time.sleep(0.02)
    record = emu.generations[generation_id]
    assert record.cancelled is True
    assert record.completion_tokens == 60
    assert record.cost == CATALOG.get(MODEL).cost(record.prompt_tokens, 60)
    assert emu.billed_total == record.cost


def test_non_streaming_client_timeout_is_billed_in_full(emu):
    emu.config.ttft = 0.3
    client = openai.OpenAI(base_url=emu.base_url, api_key=KEY, max_retries=0, timeout=0.1)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "slow"}])
    deadline = time.monotonic() + 3
    while not emu.generations and time.monotonic() < deadline:
        time.sleep(0.02)
    (record,) = emu.generations.values()
    assert (record.cancelled, record.completion_tokens, record.streamed) == (True, 60, False)
    assert emu.billed_total == record.cost > 0


def test_random_faults_are_deterministic_with_seed():
    def outcome(r):
        return "error200" if r.status_code == 200 and "error" in r.json() else r.status_code

    def run():
        config = EmulatorConfig(fault_rate=0.5, seed=7, fault_pool=("http:429", "http:503", "error200"))
        with Emulator(config) as emulator, httpx.Client(headers=AUTH) as client:
            url = f"{emulator.base_url}/chat/completions"
            first = [outcome(client.post(url, json=user("x"))) for _ in range(30)]
            emulator.reset()
            again = [outcome(client.post(url, json=user("x"))) for _ in range(30)]
            return first, again

    a, a_again = run()
    b, _ = run()
    assert a == a_again == b
    assert set(a) == {200, 429, 503, "error200"}


# -- special answers ------------------------------------------------------------------------


def test_code_block_answer_runs(http):
    system = "You write Python for Jupyter. Reply with a single fenced code block."
    request = {
        "model": MODEL,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": "plot a sine wave"}],
    }
    content = http.post("/chat/completions", json=request).json()["choices"][0]["message"]["content"]
    assert content.startswith("```python\n")
    assert content.endswith("```")
    assert content.count("```") == 2
    code = content[len("```python\n") : -3]
    assert code.splitlines()[0].startswith("# Answer from the local OpenRouter emulator")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<emulator>", "exec"), {})
    assert "plot a sine wave" in out.getvalue()
    long = http.post(
        "/chat/completions",
        json={
            **request,
            "messages": [request["messages"][0], {"role": "user", "content": "x [[emulator: tokens=200]]"}],
        },
    ).json()
    assert long["usage"]["completion_tokens"] == 200
    exec(compile(long["choices"][0]["message"]["content"][10:-3], "<emulator>", "exec"), {"print": lambda *a: None})


def test_json_mode_answer_is_valid_json(http):
    body = http.post(
        "/chat/completions", json=user('say "hi" [[emulator: tokens=90]]', response_format={"type": "json_object"})
    ).json()
    answer = json.loads(body["choices"][0]["message"]["content"])
    assert answer["emulator"] == "jupyter-gemini"
    assert answer["prompt"] == 'say "hi"'
    assert body["usage"]["completion_tokens"] == 90


# -- lifecycle, concurrency, CLI, imports --------------------------------------------------------


def test_stop_does_not_hang_with_open_stream():
    emulator = Emulator(ttft=30.0).start()
    opened = threading.Event()

    def client():
        with (
            contextlib.suppress(httpx.HTTPError),
            httpx.stream(
                "POST", f"{emulator.base_url}/chat/completions", json=user("hang", stream=True), headers=AUTH
            ) as r,
        ):
            opened.set()
            for _ in r.iter_raw():
                pass

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    assert opened.wait(5)
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 3
    thread.join(5)
    assert not thread.is_alive()


def test_many_concurrent_streams(emu):
    emu.config.ttft = 0.1

    async def main():
        client = openai.AsyncOpenAI(base_url=emu.base_url, api_key=KEY, max_retries=0)

        async def one(i):
            stream = await client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": f"q{i}"}], stream=True
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

        try:
            return await asyncio.gather(*(one(i) for i in range(64)))
        finally:
            await client.close()

    answers = asyncio.run(main())
    assert all(a.startswith("*Answer from the local") for a in answers)
    assert len(emu.generations) == 64
    assert emu.billed_total == sum(g.cost for g in emu.generations.values())


def test_reset_clears_everything(emu, http):
    http.post("/chat/completions", json=user("x"))
    emu.reset()
    assert (emu.requests, emu.generations, emu.billed_total) == ([], {}, 0)


def test_cli_serves_and_exits_on_sigint():
    command = [sys.executable, "-m", "jupyter_gemini.emulator", "--port", "0", "--tokens", "10"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            first = proc.stdout.readline()
            match = re.fullmatch(r"jupyter-gemini emulator: (http://127\.0\.0\.1:(\d+)/api/v1)\n", first)
            assert match, first
            assert "OPENROUTER_BASE_URL" in proc.stdout.readline()
            r = httpx.post(f"{match.group(1)}/chat/completions", json=user("cli"), headers=AUTH)
            assert r.json()["usage"]["completion_tokens"] == 10
            proc.send_signal(signal.SIGINT)
            assert proc.wait(10) == 0
            stderr = proc.stderr.read()
            assert "Traceback" not in stderr
            assert "POST /api/v1/chat/completions 200" in stderr
        finally:
            proc.kill()


def test_cli_refuses_remote_host():
    result = subprocess.run(
        [sys.executable, "-m", "jupyter_gemini.emulator", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--allow-remote" in result.stderr


def test_imports_stay_light():
    code = (
        "import sys, jupyter_gemini; assert 'jupyter_gemini.emulator' not in sys.modules;"
        "import jupyter_gemini.emulator;"
        "bad = [m for m in ('openai', 'pandas', 'IPython') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


# -- shapes recorded from the live API (tests/captures) -----------------------------------------


def test_quiet_close_ends_the_response_without_a_reason(http):
    """A proxy closing the stream cleanly: the text so far, then nothing, not even [DONE]."""
    raw = http.post("/chat/completions", json=user("[[emulator: fault=quiet after=6]]", stream=True)).text
    items = sse_events(raw)
    assert ("data", "[DONE]") not in items
    chunks = [json.loads(data) for kind, data in items if kind == "data"]
    assert all(c["choices"][0]["finish_reason"] is None and "usage" not in c for c in chunks)
    assert content_of(items) == "*Answer from the local O"


def test_upstream_rate_limit_is_googles(http, emu):
    r = http.post("/chat/completions", json=user("[[emulator: fault=upstream429]]"))
    assert r.status_code == 429
    error = r.json()["error"]
    assert error["message"] == "Provider returned error"
    assert error["metadata"]["provider_name"] == "Google"
    assert "temporarily rate-limited upstream" in error["metadata"]["raw"]
    assert emu.billed_total == 0


def test_non_streamed_choice_error_keeps_the_partial_text_and_bills_it(http, emu):
    body = parse(http.post("/chat/completions", json=user("[[emulator: fault=midstream after=6 tokens=20]]")))
    (choice,) = body["choices"]
    assert choice["finish_reason"] == "error" and choice["error"]["code"] == 502
    assert choice["message"]["content"] == "*Answer from the local O"
    (record,) = emu.generations.values()
    assert body["usage"]["completion_tokens"] == record.completion_tokens == 6
    assert body["usage"]["cost"] == record.cost > 0


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_is_sent_apart_from_the_answer_and_billed_as_output(http, emu, stream):
    r = http.post("/chat/completions", json=user("[[emulator: reasoning=12 tokens=6]] think", stream=stream))
    if stream:
        items = sse_events(r.text)
        chunks = [json.loads(data, parse_float=Decimal) for kind, data in items if kind == "data" and data[0] == "{"]
        thinking = "".join(c["choices"][0]["delta"].get("reasoning") or "" for c in chunks if c["choices"])
        details = [d for c in chunks if c["choices"] for d in c["choices"][0]["delta"].get("reasoning_details") or []]
        assert details and all(d["type"] == "reasoning.text" for d in details)
        answer, usage = content_of(items), chunks[-1]["usage"]
    else:
        body = parse(r)
        thinking, answer, usage = body["choices"][0]["message"]["reasoning"], None, body["usage"]
        answer = body["choices"][0]["message"]["content"]
    assert thinking.startswith("(Emulated thinking") and len(thinking) == 12 * 4
    assert thinking not in answer and len(answer) == 6 * 4
    assert usage["completion_tokens"] == 18 and usage["completion_tokens_details"]["reasoning_tokens"] == 12
    (record,) = emu.generations.values()
    assert usage["cost"] == record.cost == CATALOG.get(MODEL).cost(usage["prompt_tokens"], 18)
