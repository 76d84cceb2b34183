"""Where the API key comes from, and how it is kept out of everything shown.

The key lives only in the environment or in this process's memory. Any
text that may reach a user or a file (prompts built from variables, answers,
errors, histories, caches, recordings, widget state) passes through `redact`,
and every request body through `_transport._gate.outbound_body`; both know the same
secrets, from `known_secrets`.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

ENV_VAR = "OPENROUTER_API_KEY"
#: What the local emulator is sent as a key: not a secret, and never a real key.
EMULATOR_KEY = "sk-or-emulator-local"
KEYRING_SERVICE = "jupyter-gemini"
KEYRING_USER = "openrouter"

# OpenRouter keys look like sk-or-v1-<64 hex>; redact anything key-shaped too.
KEY_SHAPED = re.compile(r"sk-or-[A-Za-z0-9_-]{8,}")

#: Keys typed with `%gemini key` in any session of this process (memory only): a key typed in one
#: session and cleared is still a secret if it shows up later, so they are kept until exit.
_typed_keys: set[str] = set()


class KeyStore:
    """The key for this session.

    A key typed with `%gemini key` wins (the user just asked for it), then
    the environment, then the system keyring when the optional `keyring`
    package is installed.
    """

    def __init__(self) -> None:
        self._typed: str | None = None

    def set(self, key: str) -> None:
        self._typed = key.strip() or None
        if self._typed:
            _typed_keys.add(self._typed)

    def clear(self) -> None:
        self._typed = None

    def get(self) -> str | None:
        return self._typed or os.environ.get(ENV_VAR) or _from_keyring()

    @property
    def source(self) -> str:
        if self._typed:
            return "typed in this session (memory only)"
        if os.environ.get(ENV_VAR):
            return f"environment variable {ENV_VAR}"
        return "system keyring" if _from_keyring() else "not set"

    def save_to_keyring(self) -> bool:
        """Store the typed key in the system keyring; False when keyring is not installed."""
        keyring = _keyring()
        if keyring is None or not self._typed:
            return False
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, self._typed)
        return True

    def __repr__(self) -> str:
        key = self.get()
        return f"KeyStore({mask(key) if key else 'no key'})"


def mask(key: str) -> str:
    """`sk-or-…abcd`: enough to tell keys apart, useless to anyone else."""
    return f"{key[:6]}…{key[-4:]}" if len(key) > 12 else "…"


#: Shorter strings are not secrets worth masking, and masking them would mangle text.
_MIN_KEY_LENGTH = 12


def known_secrets(extra: str | None = None) -> list[str]:
    """Every key this process knows of: typed ones, the environment's, the keyring's, and `extra`.

    The emulator's key is not a secret (it is in this source file), so it is left out.
    """
    found = {*_typed_keys, os.environ.get(ENV_VAR) or "", _from_keyring() or "", extra or ""}
    return sorted((key for key in found if len(key) >= _MIN_KEY_LENGTH and key != EMULATOR_KEY), key=len, reverse=True)


def redact(text: str, key: str | None = None) -> str:
    """`text` with every known key, and anything key-shaped, masked (`sk-or-…abcd`)."""
    for secret in known_secrets(key):
        if secret in text:
            text = text.replace(secret, mask(secret))
    return KEY_SHAPED.sub(lambda m: mask(m.group(0)), text)


@functools.cache
def _keyring() -> Any:
    """The optional keyring module (looked for once: `redact` asks often)."""
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def _from_keyring() -> str | None:
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER) or None
    except Exception:  # no usable backend (headless Linux): as if not installed
        return None
