"""The built-in Flash catalog, and what a live `GET /models` changes."""

from __future__ import annotations

from decimal import Decimal

from jupyter_gemini._cost._catalog import BUILTIN_MODELS, DEFAULT_MODEL, Catalog, model_from_openrouter

M = Decimal(1_000_000)


def test_models_users_asked_for_by_name():
    catalog = Catalog()
    flash15 = catalog.get("google/gemini-flash-1.5")
    assert flash15 is not None
    assert flash15.prompt_price * M == Decimal("0.075")
    assert flash15.completion_price * M == Decimal("0.30")
    assert flash15.image_price * 1000 == Decimal("0.04")
    assert flash15.context_length >= 1_000_000
    assert flash15.cost(1_000_000, 0, images=1000) == Decimal("0.115")

    exp = catalog.get("google/gemini-flash-1.5-8b-exp")
    assert exp is not None and exp.free and exp.experimental
    assert "rate-limited" in exp.note


def test_current_flash_models_from_the_reference():
    catalog = Catalog()
    prices = {
        "google/gemini-2.5-flash": ("0.30", "2.50"),
        "google/gemini-2.5-flash-lite": ("0.10", "0.40"),
        "google/gemini-3-flash-preview": ("0.50", "3.00"),
        "google/gemini-3.1-flash-lite": ("0.25", "1.50"),
        "google/gemini-3.5-flash": ("1.50", "9.00"),
    }
    for model_id, (prompt, completion) in prices.items():
        info = catalog.get(model_id)
        assert info is not None and info.available, model_id
        assert (info.prompt_price * M, info.completion_price * M) == (Decimal(prompt), Decimal(completion))


def test_default_model_is_listed_today():
    info = Catalog().get(DEFAULT_MODEL)
    assert info is not None and info.status == "listed"
    assert DEFAULT_MODEL in [m.id for m in Catalog().current_flash()]


def test_removed_models_are_never_recommended():
    current = [m.id for m in Catalog().current_flash()]
    assert "google/gemini-flash-1.5" not in current
    assert "google/gemini-2.0-flash-001" not in current
    assert "google/gemini-2.5-flash" not in current  # retirement announced


def test_reference_example_cost():
    # shared/openrouter-api.md: 12 prompt + 40 completion tokens on 2.5 Flash cost 0.0001036.
    assert Catalog().get("google/gemini-2.5-flash").cost(12, 40) == Decimal("0.0001036")


def test_merge_live_marks_missing_models_removed_and_takes_live_prices():
    live = {
        "data": [
            {**m.to_openrouter(), "pricing": {**m.to_openrouter()["pricing"], "prompt": "0.0000009"}}
            for m in BUILTIN_MODELS
            if m.id == DEFAULT_MODEL
        ]
        + [{"id": "google/gemini-9-flash", "name": "New", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}]
    }
    merged = Catalog().merge_live(live)
    assert merged.live
    assert merged.get(DEFAULT_MODEL).prompt_price == Decimal("0.0000009")
    assert merged.get("google/gemini-9-flash").available
    assert merged.get("google/gemini-3.5-flash").status == "removed"  # not in this live list


def test_malformed_live_entries_are_skipped():
    assert model_from_openrouter({"name": "no id"}) is None
    assert model_from_openrouter({"id": "x", "pricing": {"prompt": "abc"}}) is None


def test_free_suffix_resolves_to_the_base_model():
    assert Catalog().get("google/gemini-flash-1.5-8b-exp:free").id == "google/gemini-flash-1.5-8b-exp"


def test_the_real_models_list_yields_only_googles_flash_models():
    """OpenRouter's recorded `GET /models` (tests/captures/c12) has other vendors' "flash" models."""
    import json
    from pathlib import Path

    payload = json.loads((Path(__file__).parent / "captures" / "c12_models_2025-04.json").read_text())
    assert any("flash" in m["id"] and not m["id"].startswith("google/") for m in payload["data"])
    merged = Catalog().merge_live(payload)
    flash = [m.id for m in merged.flash()]
    assert flash and all(m.startswith("google/") for m in flash)
    assert "rekaai/reka-flash-3:free" not in flash
    # Back in the live list: no stale "since 2026-06" from the built-in "removed" entry.
    back = merged.get("google/gemini-2.0-flash-001")
    assert back is not None and back.available and back.note == ""
    # Listed in the built-ins, missing from the live list: removed, without a note written for "deprecated".
    gone = merged.get("google/gemini-2.5-flash")
    assert gone is not None and gone.status == "removed" and "announced" not in gone.note


def test_a_live_entry_brings_every_price_how_it_thinks_and_when_it_retires():
    item = {
        "id": "google/gemini-3.9-flash",
        "name": "Google: Gemini 3.9 Flash",
        "context_length": 1_048_576,
        "expiration_date": "2027-06-30",
        "supported_parameters": ["max_tokens", "reasoning", "response_format", "structured_outputs"],
        "reasoning": {"supported_efforts": ["high", "low", "medium"], "default_effort": "medium", "mandatory": True},
        "pricing": {
            "prompt": "0.00000075",
            "completion": "0.00000375",
            "internal_reasoning": "0.000005",
            "input_cache_read": "0.000000075",
            "web_search": "0.01",
            "discount": "not a number",
        },
    }
    live = Catalog().merge_live({"data": [item, {"id": "openai/gpt-5", "pricing": {"prompt": "1"}}]})
    assert live.get("openai/gpt-5") is None  # Google's namespace only
    info = live.get("google/gemini-3.9-flash")
    assert info is not None and info.expiration_date == "2027-06-30"
    assert info.reasoning.efforts == ("low", "medium", "high") and info.reasoning.mandatory
    assert dict(info.prices)["web_search"] == Decimal("0.01") and "discount" not in dict(info.prices)
    assert info.cache_price == Decimal("0.000000075")
    # Thinking at its own (dearer) price, and every output token at that price in a worst case.
    assert info.cost(0, 100, reasoning_tokens=40) == Decimal("0.00000375") * 60 + Decimal("0.000005") * 40
    from jupyter_gemini._cost._budget import worst_case

    assert worst_case(info, 0, 1000).cost == Decimal("0.000005") * 1000
