"""Typed errors whose message is one sentence a notebook user can act on.

Public: `except jupyter_gemini.errors.BudgetError:` catches what the cap refused.

IPython calls `_render_traceback_` instead of printing a traceback, so a
failed request shows one clear line and still marks the cell as failed
(which stops "Run All"), without a global `set_custom_exc`.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "APIError",
    "AuthenticationError",
    "BudgetError",
    "ConnectionFailedError",
    "ContextError",
    "GeminiError",
    "InsufficientCreditsError",
    "InterpolationError",
    "InterruptedByUserError",
    "KeyInPromptError",
    "MissingKeyError",
    "ModelUnavailableError",
    "ModerationError",
    "OptionError",
    "PayloadTooLargeError",
    "ProviderError",
    "RateLimitError",
    "ResponseFormatError",
    "SettingError",
    "StreamError",
]

_RED = "\x1b[31m"
_RESET = "\x1b[0m"


class GeminiError(Exception):
    """Base class: `str(error)` is the user-facing message."""

    #: Short label shown before the message, e.g. "Rate limited".
    title = "jupyter-gemini"
    #: False when the request was certainly not billed (the server refused it before generating, or it
    #: never reached the server); None when it may have been, so its ledger entry stays an estimate.
    billed: bool | None = None
    #: OpenRouter's id for the request, when known: how `--reconcile` settles what it cost.
    generation_id: str | None = None

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def _render_traceback_(self) -> list[str]:
        return [f"{_RED}{self.title}:{_RESET} {self}"]


class MissingKeyError(GeminiError):
    """No OpenRouter key in the environment or the session: nothing was sent."""

    title = "No API key"

    def __init__(self) -> None:
        super().__init__(
            "OPENROUTER_API_KEY is not set, so nothing was sent.",
            hint=(
                "Set it in the shell that starts Jupyter (export OPENROUTER_API_KEY=sk-or-...) "
                "or run %gemini key to type it in without saving it in the notebook."
            ),
        )


class KeyInPromptError(GeminiError):
    """A request body held an API key: refused before it left the kernel."""

    title = "Key in prompt"


class InterpolationError(GeminiError):
    """A `{name}` in the prompt could not be resolved; nothing was sent."""

    title = "Prompt error"


class OptionError(GeminiError):
    """An option or argument that cannot be honoured: refused before anything is sent."""

    title = "Invalid option"


class SettingError(GeminiError):
    """A setting (`%config GeminiMagics.x`, `%gemini budget`, an environment variable) is out of range."""

    title = "Invalid setting"


class APIError(GeminiError):
    """OpenRouter answered with an error; `status` is its HTTP (or in-body) code."""

    title = "OpenRouter error"

    def __init__(self, message: str, *, status: int | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status
        if status is not None:  # an error answer: OpenRouter bills only what it generated
            self.billed = False


class ModelUnavailableError(APIError):
    """OpenRouter cannot serve the model asked for; `alternatives` never holds that model."""

    title = "Model unavailable"

    def __init__(
        self, message: str, *, model: str, alternatives: Sequence[str] = (), hint: str = "", status: int | None = None
    ) -> None:
        super().__init__(message, status=status, hint=hint)
        self.model = model
        self.alternatives = [m for m in alternatives if m != model]


class AuthenticationError(APIError):
    """OpenRouter refused the key (401)."""

    title = "Key rejected"


class InsufficientCreditsError(APIError):
    """The account cannot pay for the request as asked (402)."""

    title = "Not enough credits"


class ModerationError(APIError):
    """The provider's moderation flagged the input (403)."""

    title = "Blocked by moderation"


class RateLimitError(APIError):
    """Too many requests: OpenRouter's limit on the key, or the provider's upstream (429)."""

    title = "Rate limited"

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str = "") -> None:
        super().__init__(message, status=429, hint=hint)
        self.retry_after = retry_after


class PayloadTooLargeError(APIError):
    """The request body is over OpenRouter's size limit (413)."""

    title = "Request too large"


class ProviderError(APIError):
    """5xx, 408, or an error reported inside an HTTP 200."""

    title = "Provider error"


class ConnectionFailedError(APIError):
    """The base URL could not be reached or did not answer in time."""

    title = "Cannot reach OpenRouter"


class StreamError(APIError):
    """The stream broke after it started; the text received so far is kept."""

    title = "Answer interrupted"


class InterruptedByUserError(GeminiError):
    """Stopped by the user (the kernel's interrupt, or Stop in the chat panel)."""

    title = "Interrupted"


class ResponseFormatError(GeminiError):
    """The answer is not in the format asked for (`-f json`)."""

    title = "Unexpected answer"


class ContextError(GeminiError):
    """A DataFrame, image or file could not be prepared for the model; nothing was sent."""

    title = "Context error"


class BudgetError(GeminiError):
    """The request could take the session over its spending cap; nothing was sent."""

    title = "Over budget"
