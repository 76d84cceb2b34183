"""A local OpenRouter emulator, so notebooks using jupyter-gemini can be tested offline.

    from jupyter_gemini.emulator import Emulator
    with Emulator() as emu:
        client = openai.OpenAI(base_url=emu.base_url, api_key="sk-or-emulator")

Every answer is labelled as coming from the emulator; see docs/emulator.md.
"""

from ._base import INVALID_KEY
from ._config import EmulatorConfig
from ._emulator import Emulator
from ._faults import DEFAULT_FAULT_POOL, DIRECTIVE_HEADER, FAULTS, PROVIDER_NAME
from ._state import GenerationRecord, RecordedRequest
from ._tokens import IMAGE_TOKENS, MESSAGE_OVERHEAD_TOKENS, count_text_tokens

__all__ = [
    "DEFAULT_FAULT_POOL",
    "DIRECTIVE_HEADER",
    "FAULTS",
    "IMAGE_TOKENS",
    "INVALID_KEY",
    "MESSAGE_OVERHEAD_TOKENS",
    "PROVIDER_NAME",
    "Emulator",
    "EmulatorConfig",
    "GenerationRecord",
    "RecordedRequest",
    "count_text_tokens",
]
