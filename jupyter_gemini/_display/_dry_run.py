"""`--dry-run`: exactly what would be sent, what it would cost at most, and nothing sent."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .._context._attachments import Attachments
from .._cost._budget import worst_case
from .._cost._catalog import ModelInfo
from .._cost._money import format_usd
from .._transport._wire import ChatRequest
from ._bundles import Bundle

_THUMBNAIL_SIDE = 160


@dataclasses.dataclass(frozen=True)
class DryRun:
    request: ChatRequest
    attachments: Attachments
    info: ModelInfo | None

    @property
    def prompt_tokens(self) -> int:
        return self.request.estimated_prompt_tokens()

    def summary(self) -> str:
        tokens = f"about {self.prompt_tokens:,} prompt tokens"
        if self.info is None:
            return f"Dry run, nothing sent: {tokens} for {self.request.model} (no prices known for it)."
        worst = worst_case(self.info, self.request.prompt_token_bound(), self.request.max_tokens)
        return (
            f"Dry run, nothing sent: {tokens} + up to {worst.completion_tokens:,} answer tokens on "
            f"{self.request.model}; at most {format_usd(worst.cost)}."
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Bundle:
        return dry_run_bundle(self)


#: How many rows' prompts a `--map --dry-run` shows.
SHOWN_ROWS = 3


@dataclasses.dataclass(frozen=True)
class MapDryRun:
    """`%%gemini --map df --dry-run`: the batch `map` would send, priced at its worst; nothing sent."""

    requests: Sequence[ChatRequest]
    #: The rows the answer cache does not hold: what would be sent.
    to_send: Sequence[ChatRequest]
    info: ModelInfo | None
    model: str

    @property
    def cached(self) -> int:
        """Rows the cache would answer for $0."""
        return len(self.requests) - len(self.to_send)

    @property
    def rows(self) -> int:
        return len(self.requests)

    def worst_cost(self) -> Decimal | None:
        """The most the rows the cache cannot answer could cost (each prompt's bound + the longest answer)."""
        if self.info is None:
            return None
        return sum(
            (worst_case(self.info, r.prompt_token_bound(), r.max_tokens).cost for r in self.to_send),
            Decimal(0),
        )

    def summary(self) -> str:
        to_send = len(self.to_send)
        cached = f", {self.cached:,} answered by the cache for $0" if self.cached else ""
        worst = self.worst_cost()
        price = f"at most {format_usd(worst)}" if worst is not None else "no prices known for it"
        return f"Dry run, nothing sent: {self.rows:,} rows{cached}; {to_send:,} to ask on {self.model}, {price}."

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Bundle:
        shown = self.requests[:SHOWN_ROWS]
        system = shown[0].messages[0]["content"] if shown else ""
        prompts = [str(r.messages[-1]["content"]) for r in shown]
        more = f"\n\n… and {self.rows - len(shown):,} more rows." if self.rows > len(shown) else ""
        options = {k: v for k, v in shown[0].sdk_kwargs().items() if k != "messages"} if shown else {}
        plain = "\n\n".join(f"--- row {i + 1} ---\n{p}" for i, p in enumerate(prompts))
        rich = "".join(f"<h4>row {i + 1}</h4><pre>{html.escape(p)}</pre>" for i, p in enumerate(prompts))
        header = self.summary()
        return (
            {
                "text/plain": f"{header}\n{json.dumps(options)}\n--- system ---\n{system}\n\n{plain}{more}",
                "text/html": f"<p><strong>{html.escape(header)}</strong></p><p><code>"
                f"{html.escape(json.dumps(options))}</code></p><h4>system</h4><pre>{html.escape(system)}</pre>"
                f"{rich}<p>{html.escape(more.strip())}</p>",
            },
            {},
        )


def dry_run_bundle(dry: DryRun) -> Bundle:
    plain_messages, html_messages = [], []
    for message in dry.request.messages:
        role, content = message["role"], message["content"]
        parts = content if isinstance(content, list) else [{"type": "text", "text": content}]
        plain, rich = [], []
        for part in parts:
            if part["type"] == "text":
                plain.append(part["text"])
                rich.append(f"<pre>{html.escape(part['text'])}</pre>")
            elif part["type"] == "image_url":
                plain.append("[image]")
                rich.append(_thumbnail_html(part["image_url"]["url"]))
            else:
                plain.append(f"[file {part.get('file', {}).get('filename', '')}]")
                rich.append(f"<p><em>file {html.escape(part.get('file', {}).get('filename', ''))}</em></p>")
        plain_messages.append(f"--- {role} ---\n" + "\n".join(plain))
        html_messages.append(f"<h4>{html.escape(role)}</h4>" + "".join(rich))
    options = {k: v for k, v in dry.request.sdk_kwargs().items() if k != "messages"}
    extra = "; ".join([dry.attachments.describe(), *dry.attachments.notes()]) if dry.attachments else ""
    header = dry.summary() + (f"\nAttached: {extra}" if extra else "")
    return (
        {
            "text/plain": f"{header}\n{json.dumps(options)}\n\n" + "\n\n".join(plain_messages),
            "text/html": f"<p><strong>{html.escape(header)}</strong></p><p><code>{html.escape(json.dumps(options))}"
            f"</code></p>" + "".join(html_messages),
        },
        {},
    )


def _thumbnail_html(url: str) -> str:
    """A small copy for the notebook: the dry run must not save a megabyte image into it."""
    if not url.startswith("data:"):
        return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'
    import base64
    import io

    from PIL import Image

    payload = url.partition(";base64,")[2]
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    image.thumbnail((_THUMBNAIL_SIDE, _THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=70)
    small = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/jpeg;base64,{small}" alt="image to send ({image.width}x{image.height} preview)">'
