"""Pure functions from answers and tallies to Jupyter mimebundles.

Every bundle carries `text/plain` (terminals, logs), `text/markdown`
(JupyterLab, Notebook 7, VS Code, nbconvert) and, for answers, our own
JSON type for the labextension's rich card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .._cost._catalog import ModelInfo
from .._cost._money import format_out_tokens, format_tokens, format_usd, price_per_million
from .._cost._tally import CostTally
from .._cost._usage import Usage
from .._keys import redact
from .._transport._answer import Answer
from ._shown import ShownAnswer

RESPONSE_MIME = "application/vnd.jupyter-gemini.response+json"
#: Not plain application/json: JupyterLab's JSON viewer would outrank the Markdown table.
TALLY_MIME = "application/vnd.jupyter-gemini.tally+json"
METADATA_KEY = "jupyter_gemini"
BUNDLE_VERSION = 1

Bundle = tuple[dict[str, Any], dict[str, Any]]

_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n`]*\n(?P<body>.*?)^\1[ \t]*$", re.DOTALL | re.MULTILINE)


def footer_parts(response: ShownAnswer) -> dict[str, str]:
    """The footer's pieces, written here once: the text footer joins them, the JupyterLab card lays them out."""
    usage = response.usage
    cost = format_usd(response.cost, estimated=response.cost_estimated)
    if response.cost_estimated and not response.cost and (usage.prompt_tokens or usage.completion_tokens):
        # No reported cost and no price for the model: "≈$0" would claim it was free.
        cost = "≈ cost unknown until %gemini cost --reconcile"
    if response.status == "cached":
        how = "replayed from a recording" if response.source == "recording" else "cached"
        cost = f"{how} · $0 (saved {format_usd(response.saved)})"
    tier = response.service_tier if response.service_tier in ("flex", "priority") else None
    return {
        "model": response.model + (f" ({tier} tier)" if tier else ""),
        "tokens": tokens_text(usage, response.cache_saved),
        "cost": cost,
        "session": "session " + format_usd(response.session_total, estimated=response.session_total_estimated),
        "attachments": f"with {response.attachments}" if response.attachments else "",
        "emulator": "local emulator" if response.from_emulator else "",
    }


def tokens_text(usage: Usage, cache_saved: Decimal = Decimal(0)) -> str:
    """`54 in / 60 out tokens`; thinking (billed as output) and cached input (billed less) shown apart.

    `1,200 in (1,024 cached, saved $0.0002) / 60 out + 310 thinking tokens`.
    """
    thinking = min(usage.reasoning_tokens, usage.completion_tokens)
    cached = ""
    if usage.cached_tokens:
        saved = f", saved {format_usd(cache_saved)}" if cache_saved else ""
        cached = f" ({format_tokens(usage.cached_tokens)} cached{saved})"
    out = f"{format_tokens(usage.prompt_tokens)} in{cached} / {format_tokens(usage.completion_tokens - thinking)} out"
    return f"{out} + {format_tokens(thinking)} thinking tokens" if thinking else f"{out} tokens"


def thinking_summary(answer: Answer | ShownAnswer, *, final: bool) -> str:
    """The thinking section's one line: `Thinking… 1,234 characters`, `Thought for 4.2 s (310 tokens)`; "" if none."""
    thinking, hidden, seconds = answer.thinking, answer.hidden_thinking, answer.thinking_seconds
    if not thinking and not hidden:
        return ""
    if not final:
        size = f"{format_tokens(len(thinking))} characters" if thinking else f"{format_tokens(hidden)} encrypted parts"
        return f"Thinking… {size}"
    tokens = answer.usage.reasoning_tokens
    took = f" for {seconds:.1f} s" if seconds is not None else ""
    return f"Thought{took}" + (f" ({format_tokens(tokens)} tokens)" if tokens else "")


def thinking_markdown(summary: str, thinking: str) -> str:
    """The collapsed section above the answer: what the model thought (redacted), and for how long.

    "" if it did not think. Markdown `<details>`, so Notebook 7, VS Code and nbconvert show it too;
    the JupyterLab card draws its own from `thinking` and `thinking_summary` in the JSON.
    """
    if not summary:
        return ""
    body = thinking or "The model's thinking is encrypted: only its length is known."
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>\n\n"


def footer_text(response: ShownAnswer) -> str:
    return " · ".join(part for part in footer_parts(response).values() if part)


def _markdown_escape_dollars(text: str) -> str:
    # JupyterLab typesets `$...$` as LaTeX; a footer with two prices would be mangled.
    return text.replace("$", r"\$")


def _body_markdown(response: ShownAnswer) -> str:
    if response.format == "code":
        code = extract_code(response.text)
        return f"```python\n{code}\n```" if code else ""
    if response.format == "json":
        return f"```json\n{_pretty_json(response.text)}\n```"
    return response.text


def response_bundle(response: ShownAnswer) -> Bundle:
    footer = footer_text(response)
    warning = f"⚠ {response.problem}" if response.problem else ""
    thinking = thinking_markdown(thinking_summary(response, final=True), redact(response.thinking))
    markdown_parts = [thinking + _body_markdown(response)]
    plain_parts = [response.text]
    if warning:
        markdown_parts.append(f"**{_markdown_escape_dollars(warning)}**")
        plain_parts.append(warning)
    markdown = "\n\n".join(p for p in markdown_parts if p)
    data: dict[str, Any] = {
        "text/plain": "\n\n".join(p for p in plain_parts if p) + f"\n\n-- {footer}",
        "text/markdown": f"{markdown}\n\n---\n<sub>{_markdown_escape_dollars(footer)}</sub>\n",
        RESPONSE_MIME: response_json(response),
    }
    if response.format == "text":
        del data["text/markdown"]
    return data, provenance_metadata(response)


def streaming_bundle(answer: Answer) -> Bundle:
    """What a cell shows while tokens arrive: the thinking and the text so far, and who is writing it."""
    model = answer.model
    status = f"<sub>streaming from {model}…</sub>"
    text = redact(answer.text)
    # Once per redraw each: the thinking can be as long as the answer.
    thought, summary = redact(answer.thinking), thinking_summary(answer, final=False)
    thinking = thinking_markdown(summary, thought)
    return (
        {
            # Not the text again: every redraw resends the bundle, so one copy less is
            # a third less traffic. The final bundle carries the full plain text.
            "text/plain": f"[streaming from {model}: {len(text):,} characters so far]",
            "text/markdown": f"{thinking}{text}\n\n{status}\n" if text or thinking else f"{status}\n",
            RESPONSE_MIME: {
                "version": BUNDLE_VERSION,
                "status": "streaming",
                "text": text,
                "model": model,
                "thinking": thought,
                "thinking_summary": summary,
            },
        },
        {METADATA_KEY: {"model": model, "status": "streaming"}},
    )


def status_bundle(text: str) -> Bundle:
    """A wait before the answer, e.g. a retry countdown; replaced by the answer in place."""
    return (
        {
            "text/plain": text,
            "text/markdown": f"<sub>{_markdown_escape_dollars(text)}</sub>\n",
            RESPONSE_MIME: {"version": BUNDLE_VERSION, "status": "waiting", "text": "", "notice": text},
        },
        {METADATA_KEY: {"status": "waiting"}},
    )


def response_json(response: ShownAnswer) -> dict[str, Any]:
    return {
        "version": BUNDLE_VERSION,
        "status": response.status,
        "format": response.format,
        "text": response.text,
        "model": response.model,
        "provider": response.provider,
        "emulator": response.from_emulator,
        "generation_id": response.generation_id,
        "finish_reason": response.finish_reason,
        "usage": response.usage.to_json(),
        "cost": str(response.cost),
        "cost_estimated": response.cost_estimated,
        "session_total": str(response.session_total),
        "session_total_estimated": response.session_total_estimated,
        "problem": response.problem,
        "source": response.source,
        "attachments": response.attachments,
        "saved": str(response.saved),
        "footer": footer_text(response),
        # Written by the kernel, so the card never formats a decimal or extracts code of its own.
        "markdown": _body_markdown(response),
        "footer_parts": footer_parts(response),
        # Kept apart from the text: never in the answer, the conversation, the cache or -f code.
        "thinking": redact(response.thinking),
        "thinking_summary": thinking_summary(response, final=True),
        "session_total_text": format_usd(response.session_total, estimated=response.session_total_estimated),
    }


def provenance_metadata(response: ShownAnswer) -> dict[str, Any]:
    """Display metadata: where an output came from and what it cost (jupyter-ai's good idea)."""
    return {
        METADATA_KEY: {
            "model": response.model,
            "generation_id": response.generation_id,
            "provider": response.provider,
            "emulator": response.from_emulator,
            "cost": str(response.cost),
            "cost_estimated": response.cost_estimated,
            "status": response.status,
        }
    }


def extract_code(text: str) -> str:
    """The first fenced block's body, or the whole text when the model sent bare code."""
    match = _FENCE.search(text)
    return (match.group("body") if match else text).strip("\n")


def parse_json_answer(text: str) -> Any:
    body = extract_code(text) if _FENCE.search(text) else text
    return json.loads(body)


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(parse_json_answer(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text.strip()


def _table(headers: list[str], rows: Iterable[list[str]], *, bold_last: bool = False) -> tuple[str, str]:
    """A Markdown table and an aligned plain-text one from the same cells."""
    rows = list(rows)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    plain = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    plain.append("  ".join("-" * w for w in widths))
    plain += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    md = [
        "| " + " | ".join(map(_markdown_escape_dollars, headers)) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    md += ["| " + " | ".join(_markdown_escape_dollars(c) for c in r) + " |" for r in rows]
    if bold_last and rows:
        md[-1] = "| " + " | ".join(f"**{_markdown_escape_dollars(c)}**" for c in rows[-1]) + " |"
    return "\n".join(md), "\n".join(line.rstrip() for line in plain)


def model_rows(tally: CostTally) -> list[list[str]]:
    """One table row per model: model, requests, tokens in, tokens out, cost (the widget shows them too)."""
    return [
        [
            row.model,
            str(row.requests),
            format_tokens(row.prompt_tokens),
            format_out_tokens(row.completion_tokens, row.reasoning_tokens),
            format_usd(row.cost, estimated=row.estimated),
        ]
        for row in tally.rows.values()
    ]


def tally_bundle(tally: CostTally) -> Bundle:
    rows = model_rows(tally)
    rows.append(
        [
            "total",
            str(tally.requests),
            format_tokens(tally.prompt_tokens),
            format_out_tokens(tally.completion_tokens, tally.reasoning_tokens),
            format_usd(tally.total, estimated=tally.estimated),
        ]
    )
    md, plain = _table(["model", "requests", "tokens in", "tokens out", "cost"], rows, bold_last=True)
    note = (
        "\n\n≈ marks estimates: some answers were stopped, dropped or unpriced before OpenRouter reported "
        "their cost (%gemini cost --reconcile settles those it can name)."
        if tally.estimated
        else ""
    )
    if tally.cached_requests:
        note += (
            f"\n\nThe cache answered {tally.cached_requests} question(s) for $0, "
            f"saving {format_usd(tally.saved)} (not included above)."
        )
    heading = "Session cost"
    return (
        {
            "text/plain": f"{heading}\n{plain}{note}",
            "text/markdown": f"**{heading}**\n\n{md}{note}\n",
            TALLY_MIME: tally.to_json(),
        },
        {},
    )


def models_bundle(models: Iterable[ModelInfo], current: str, *, live: bool) -> Bundle:
    rows = []
    for m in models:
        status: str = m.status if m.status != "listed" else ""
        if m.free:
            status = ", ".join(filter(None, [status, "free"]))
        if m.experimental:
            status = ", ".join(filter(None, [status, "experimental"]))
        rows.append(
            [
                ("→ " if m.id == current else "") + m.id,
                price_per_million(m.prompt_price),
                price_per_million(m.completion_price),
                f"{m.context_length:,}",
                "yes" if m.takes_images else "no",
                thinking_text(m),
                "; ".join(filter(None, [status, m.note, _retires(m)])),
            ]
        )
    md, plain = _table(["model", "input $/M", "output $/M", "context", "images", "thinking", "status"], rows)
    source = "live from OpenRouter" if live else "built-in catalog (OpenRouter not reached)"
    footer = f"Prices in USD per million tokens, {source}. Set one with %gemini model ID."
    return (
        {"text/plain": f"{plain}\n\n{footer}", "text/markdown": f"{md}\n\n{footer}\n"},
        {},
    )


def _retires(model: ModelInfo) -> str:
    date = model.expiration_date
    return f"retires {date}" if date and date not in model.note else ""


def thinking_text(model: ModelInfo) -> str:
    """How a model thinks, for the models table: `always: low, medium, high`, `minimal…high (default none)`."""
    thinking = model.reasoning
    if thinking is None:
        return "no"
    efforts = [e for e in thinking.efforts if e != "none"]
    span = ", ".join(efforts) if len(efforts) <= 3 else f"{efforts[0]}…{efforts[-1]}"
    if thinking.mandatory:
        return f"always: {span}"
    return f"{span} (default {thinking.default_effort or 'none'})"


def history_bundle(turns: Iterable[tuple[str, str, str]]) -> Bundle:
    """Turns are (model, question, answer)."""
    md_parts, plain_parts = [], []
    for n, (model, question, answer) in enumerate(turns, 1):
        md_parts.append(f"**{n}. You:** {question}\n\n**{model}:** {answer}")
        plain_parts.append(f"{n}. You: {question}\n   {model}: {answer}")
    if not md_parts:
        empty = "The conversation is empty. The next %%gemini cell starts it."
        return {"text/plain": empty, "text/markdown": empty}, {}
    return {"text/plain": "\n\n".join(plain_parts), "text/markdown": "\n\n---\n\n".join(md_parts)}, {}
