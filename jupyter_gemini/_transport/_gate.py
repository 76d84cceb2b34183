"""The one outbound gate: every chat request body passes here before it leaves the kernel.

Values interpolated from variables are already redacted when the prompt is
built (`_context._values.value_to_text`), so `{os.environ}` goes out with the key masked.
What can still hold a key is text the user typed or pasted (the cell, `--system`,
a chat message, a map template) or an attachment; this gate refuses such a body
whole, so a key reaches OpenRouter only in the Authorization header.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .._keys import KEY_SHAPED, known_secrets, mask
from ..errors import KeyInPromptError

if TYPE_CHECKING:
    from ._wire import ChatRequest


def outbound_body(request: ChatRequest, auth_key: str | None = None) -> dict[str, Any]:
    """The body to send for `request`; raises KeyInPromptError if it holds any key this process knows.

    `auth_key` is the key the request is sent with (checked too, even if it is not key-shaped).
    """
    body = request.sdk_kwargs()
    check_body(body, auth_key)
    return body


def check_body(body: dict[str, Any], auth_key: str | None = None) -> None:
    """Refuse a body that holds a known key or anything shaped like an OpenRouter key."""
    # One serialisation covers every nesting (messages, parts, system prompt, options); keys are
    # ASCII letters, digits, `-` and `_`, which JSON never escapes, so a substring test is exact.
    text = json.dumps(body, ensure_ascii=False, default=str)
    for secret in known_secrets(auth_key):
        if secret in text:
            raise _refusal(mask(secret))
    shaped = KEY_SHAPED.search(text)
    if shaped is not None:
        raise _refusal(mask(shaped.group(0)))


def _refusal(masked: str) -> KeyInPromptError:
    return KeyInPromptError(
        f"The question contains an OpenRouter API key ({masked}), so nothing was sent.",
        hint="Remove the key from the cell, --system or chat text: jupyter-gemini sends it only in the "
        "Authorization header, and {variables} that hold it are masked for you.",
    )
