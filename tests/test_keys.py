"""Keys: where they come from, and that shown text never carries one."""

from __future__ import annotations

from jupyter_gemini._keys import KeyStore, mask, redact


def test_redaction_masks_keys_and_leaves_short_strings_alone():
    key = "sk-or-v1-" + "ab12" * 16
    assert redact(f"bad key {key} here", key) == "bad key sk-or-…ab12 here"
    assert redact("an unknown sk-or-v1-0123456789abcdef leaked") == "an unknown sk-or-…cdef leaked"
    assert redact("the text received so far is kept", "k") == "the text received so far is kept"


def test_typed_key_wins_and_reprs_are_masked(monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-from-the-environment-0000")
    store = KeyStore()
    assert store.get() == "sk-or-v1-from-the-environment-0000"
    assert "environment" in store.source
    store.set("  sk-or-v1-typed-in-memory-1111  ")
    assert store.get() == "sk-or-v1-typed-in-memory-1111"
    assert "memory" in store.source
    assert repr(store) == f"KeyStore({mask('sk-or-v1-typed-in-memory-1111')})"
    assert "typed-in-memory" not in repr(store)
    store.clear()
    monkeypatch.delenv("OPENROUTER_API_KEY")
    assert store.get() is None and store.source == "not set"
