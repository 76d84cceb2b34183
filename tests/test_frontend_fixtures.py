"""The JSON the labextension's jest tests read is the kernel's own output, not a copy by hand.

`labextension/src/__tests__/kernel-fixtures.json` holds answers and a tally as the kernel
sends them (`response_json`, the comm's state), built here through the real code. This test
fails when the kernel's output changes and the file was not regenerated, so the card and the
status bar are always tested against what a kernel really sends. Regenerate with
`JUPYTER_GEMINI_WRITE_FIXTURES=1 .venv/bin/python -m pytest tests/test_frontend_fixtures.py`.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from jupyter_gemini._core._response import Response
from jupyter_gemini._core._session import Session
from jupyter_gemini._core._settings import GeminiSettings
from jupyter_gemini._cost._tally import CostTally
from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._display._bundles import response_json
from jupyter_gemini._ipython._comm import TallyChannel
from jupyter_gemini.emulator import Emulator

FIXTURES = Path(__file__).parent.parent / "labextension" / "src" / "__tests__" / "kernel-fixtures.json"
MODEL = "google/gemini-3.1-flash-lite"
TEXT = "*Answer from the local OpenRouter emulator (jupyter-gemini), not a real model.*\n\nA **DataFrame** is a table."


def answer(text: str = TEXT, thinking: str = "", **fields: Any) -> dict[str, Any]:
    response = Response(
        **{
            "model": MODEL,
            "usage": Usage(prompt_tokens=54, completion_tokens=60),
            "usage_reported": True,
            "cost": Decimal("0.0001035"),
            "cost_estimated": False,
            "generation_id": "gen-1764926649-abcdefghijklmnopqrst",
            "provider": "Google AI Studio",
            "finish_reason": "stop",
            "status": "complete",
            "session_total": Decimal("0.0002070"),
            **fields,
        }
    )
    response.text = text
    response.thinking = thinking
    return response_json(response)


def tally(budget: str | None) -> dict[str, Any]:
    session = Session(GeminiSettings(model=MODEL, budget=None if budget is None else float(budget)))
    session.tally = CostTally()
    session.emulator = Emulator()  # not started: the state only says the answers come from one
    for model, cost, estimated in [
        (MODEL, Decimal("0.0001035"), False),
        (MODEL, Decimal("0.0001035"), False),
        ("google/gemini-2.5-flash", Decimal("1.035E-7"), True),
    ]:
        charge = session.tally.open(model, prompt="q", estimate=Decimal(0), bound=Decimal("0.01"))
        charge.settle(model, Usage(54, 60), cost, estimated=estimated, generation_id=f"gen-{model}")
    session.tally.record_saved(Decimal("0.0002"))
    return TallyChannel(lambda: session).state()


def fixtures() -> dict[str, Any]:
    return {
        "complete": answer(),
        "emulator": answer(provider="jupyter-gemini emulator"),
        "unpriced": answer(cost=Decimal(0), cost_estimated=True),
        "partial": answer(status="partial", cost_estimated=True, problem="Incomplete answer: the connection dropped."),
        "exponent": answer(cost=Decimal("1.035E-7"), session_total=Decimal("0E-7")),
        "cached": answer(status="cached", source="cache", cost=Decimal(0), saved=Decimal("0.0001035")),
        "attachments": answer(attachments="1 image (539×352 PNG, 13 KB), ≈24% of the prompt"),
        "code_blocks": answer(
            "Try this:\n\n```python\nimport pandas as pd\nprint(pd.__version__)\n```\n\nand\n\n```\nplain\n```"
        ),
        "one_block": answer("```python\nx = 1\n```"),
        "failed": answer("", status="error", cost=Decimal(0), problem="Rate limited: try again in 20 s."),
        "unsafe": answer('Hi <img src="x" onerror="alert(1)"><script>alert(2)</script>'),
        "plain_text": answer("no *markdown* here", format="text"),
        "code_format": answer("Sure:\n```py\nprint(1)\n```\nDone.", format="code"),
        "json_format": answer('{"a":1}', format="json"),
        "json_invalid": answer("not json", format="json"),
        "thinking": answer(
            thinking="The user asks what a DataFrame is. A short, plain definition will do.",
            usage=Usage(prompt_tokens=54, completion_tokens=370, reasoning_tokens=310),
            thinking_started=100.0,
            thinking_ended=104.2,
        ),
        "tally": tally(budget=None),
        "tally_with_budget": tally(budget="0.5"),
        "empty_tally": TallyChannel(lambda: _empty_session()).state(),
    }


def _empty_session() -> Session:
    session = Session(GeminiSettings(model=MODEL))
    session.tally = CostTally()
    return session


def test_the_jest_fixtures_are_what_the_kernel_sends():
    text = json.dumps(fixtures(), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("JUPYTER_GEMINI_WRITE_FIXTURES"):
        FIXTURES.write_text(text, encoding="utf-8")
    assert FIXTURES.read_text(encoding="utf-8") == text, (
        "The kernel's JSON changed: regenerate the jest fixtures (see this module's docstring)."
    )
