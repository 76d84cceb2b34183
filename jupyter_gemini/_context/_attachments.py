"""Images and files that go with a question: loaded, shrunk, and described for the footer.

Everything is prepared before the request is built, so a missing file or a
corrupt image stops the question with nothing sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ._files import PreparedFile, prepare_file
from ._image_history import ImageHistory
from ._images import PreparedImage, describe_images, load_image


@dataclasses.dataclass(frozen=True)
class Attachments:
    images: tuple[PreparedImage, ...] = ()
    files: tuple[PreparedFile, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.images or self.files)

    def content(self, prompt: str) -> str | list[dict[str, Any]]:
        """The user message's content: the text first, then files, then images (OpenRouter's order)."""
        if not self:
            return prompt
        return [
            {"type": "text", "text": prompt},
            *(f.part for f in self.files),
            *(image.content_part() for image in self.images),
        ]

    @property
    def image_tokens(self) -> int:
        return sum(image.tokens for image in self.images)

    @property
    def tokens(self) -> int:
        """Prompt tokens the attachments add, estimated (Gemini bills images by 768 px tile)."""
        return self.image_tokens + sum(f.tokens or 0 for f in self.files)

    def describe(self, prompt_tokens: int = 0) -> str:
        """For the footer: what was attached, and the images' share of the prompt when it is known."""
        parts = []
        if self.images:
            share = ""
            if prompt_tokens and self.image_tokens:
                share = f", ≈{min(100, round(100 * self.image_tokens / prompt_tokens))}% of the prompt"
            parts.append(describe_images(self.images) + share)
        parts += [f.describe() for f in self.files]
        return "; ".join(parts)

    def notes(self) -> list[str]:
        return [f.note for f in self.files if f.note]


def load_attachments(
    *,
    images: Sequence[str],
    files: Sequence[str],
    namespace: Mapping[str, Any],
    history: ImageHistory | None,
    detail: str,
    budget_tokens: int,
) -> Attachments:
    return Attachments(
        images=tuple(load_image(source, namespace, history, detail=detail) for source in images),
        files=tuple(prepare_file(path, budget_tokens=budget_tokens) for path in files),
    )
