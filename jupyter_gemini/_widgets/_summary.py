"""Session state as short strings and tables, for the widgets and their text fallbacks.

Pure functions of the session, so the widget, its saved HTML fallback and
`%gemini cost` cannot disagree: every dollar figure goes through
`format_usd` on the tally's own Decimals.
"""

from __future__ import annotations

import dataclasses
import html
import time
from typing import TYPE_CHECKING, Any

from .._cost._catalog import ModelInfo
from .._cost._money import format_out_tokens, format_tokens, format_usd, price_per_million
from .._cost._tally import CostTally, Entry
from .._display._bundles import (
    Bundle,
    model_rows,
    models_bundle,
    tally_bundle,
)
from .._keys import redact
from ._base import html_table
from ._credit import Credit

if TYPE_CHECKING:
    from .._core._session import Session

#: How many recent requests the expanded tally lists.
RECENT_ROWS = 10
_PREVIEW_CHARS = 40

MODEL_HEADERS = ("model", "requests", "tokens in", "tokens out", "cost")
RECENT_HEADERS = ("time", "model", "tokens in / out", "cost", "prompt")


@dataclasses.dataclass(frozen=True)
class TallySummary:
    total: str
    requests: str
    tokens: str
    model: str
    #: "" when the session has no budget.
    budget: str
    credit: str
    credit_problem: str = ""


def summarize(session: Session, credit: Credit | None, *, checking: bool = True) -> TallySummary:
    """`checking`: a fetch of the credit is under way (a widget), so "checking…" rather than nothing."""
    tally: CostTally = session.tally
    total, estimated = tally.total, tally.estimated
    count = tally.requests
    return TallySummary(
        total=format_usd(total, estimated=estimated),
        requests=f"{count:,} request{'' if count == 1 else 's'}",
        tokens=f"{format_tokens(tally.prompt_tokens)} in · {format_tokens(tally.completion_tokens)} out tokens",
        model=str(session.settings.model),
        budget=_budget_text(session.budget, tally),
        credit=_credit_text(credit) if credit is not None or checking else "",
        credit_problem=credit.problem if credit is not None else "",
    )


def _budget_text(budget: Any, tally: CostTally) -> str:
    if budget is None:
        return ""
    left = budget - tally.upper_bound  # what the cap checks: unsettled requests at their worst
    if left >= 0:
        return f"budget left {format_usd(left, estimated=tally.estimated)} of {format_usd(budget)}"
    return f"over budget by {format_usd(-left, estimated=tally.estimated)} (cap {format_usd(budget)})"


def _credit_text(credit: Credit | None) -> str:
    if credit is None:
        return "credit: checking…"
    if credit.problem:
        return "credit: unknown"
    if credit.remaining is not None:
        limit = f" of {format_usd(credit.limit)}" if credit.limit is not None else ""
        return f"credit left {format_usd(credit.remaining)}{limit}"
    if credit.usage is not None:
        return f"key used {format_usd(credit.usage)}, no limit set"
    return "credit: no limit set"


def recent_rows(tally: CostTally, count: int = RECENT_ROWS) -> list[list[str]]:
    """The last `count` requests, newest first."""
    entries: list[Entry] = list(tally.recent)[-count:][::-1]
    return [
        [
            time.strftime("%H:%M:%S", time.localtime(e.at)),
            e.model,
            f"{format_tokens(e.usage.prompt_tokens)} / {format_tokens(e.usage.completion_tokens)}",
            format_usd(e.cost, estimated=e.estimated),
            first_words(redact(e.prompt)),
        ]
        for e in entries
    ]


def first_words(text: str, limit: int = _PREVIEW_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" …") + "…"


def details_html(tally: CostTally) -> str:
    """The expanded tally: per-model totals, then the last requests."""
    if not tally.rows:
        return "<i>No requests yet in this session.</i>"
    return (
        "<b>Per model</b>"
        + html_table(MODEL_HEADERS, model_rows(tally), css_class="jupyter-gemini-model-rows")
        + f"<b>Last {min(RECENT_ROWS, len(tally.recent))} requests</b>"
        + html_table(RECENT_HEADERS, recent_rows(tally), css_class="jupyter-gemini-recent-rows")
    )


def summary_line(summary: TallySummary) -> str:
    parts = [summary.total, summary.requests, summary.tokens, f"model {summary.model}", summary.budget, summary.credit]
    return " · ".join(p for p in parts if p)


def tally_fallback(session: Session, credit: Credit | None) -> Bundle:
    """What a frontend without widgets (nbconvert, terminal) shows instead of the tally."""
    summary = summarize(session, credit, checking=False)
    data, _ = tally_bundle(session.tally)
    line = summary_line(summary)
    totals = html_table(MODEL_HEADERS, [*model_rows(session.tally), _total_row(session.tally, summary)])
    body = f"<b>Session cost</b>{totals}<p>{html.escape(line)}</p>"
    return (
        {
            "text/plain": f"{data['text/plain']}\n{line}",
            "text/html": f"<div class='jupyter-gemini-tally'>{body}</div>",
        },
        {},
    )


def _total_row(tally: CostTally, summary: TallySummary) -> list[str]:
    return [
        "total",
        str(tally.requests),
        format_tokens(tally.prompt_tokens),
        format_out_tokens(tally.completion_tokens, tally.reasoning_tokens),
        summary.total,
    ]


def models_fallback(models: list[ModelInfo], current: str, *, live: bool) -> Bundle:
    data, _ = models_bundle(models, current, live=live)
    rows = [
        [
            ("→ " if m.id == current else "") + m.id,
            price_per_million(m.prompt_price),
            price_per_million(m.completion_price),
            f"{m.context_length:,}",
            "yes" if m.takes_images else "no",
            "; ".join(markers(m)),
        ]
        for m in models
    ]
    table = html_table(("model", "input $/M", "output $/M", "context", "images", "status"), rows)
    note = "Pick a model with %gemini model ID (the picker needs a notebook frontend with widgets)."
    return (
        {
            "text/plain": f"{data['text/plain']}\n{note}",
            "text/html": f"<div class='jupyter-gemini-picker'>{table}<p>{html.escape(note)}</p></div>",
        },
        {},
    )


def markers(info: ModelInfo) -> list[str]:
    """Status words for a model: removed, deprecated, preview, free, experimental, and its note."""
    words: list[str] = [info.status] if info.status != "listed" else []
    if info.free:
        words.append("free")
    if info.experimental:
        words.append("experimental")
    if info.note:
        words.append(info.note)
    return words


CHAT_FALLBACK_TEXT = (
    "The Gemini chat panel needs a notebook frontend with widgets (JupyterLab, Notebook 7 or VS Code). "
    "Here, ask with a %%gemini cell instead; %gemini cost shows the session's cost."
)


def chat_fallback() -> Bundle:
    return {"text/plain": CHAT_FALLBACK_TEXT, "text/html": f"<p>{html.escape(CHAT_FALLBACK_TEXT)}</p>"}, {}
