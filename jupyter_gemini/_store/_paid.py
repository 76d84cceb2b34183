"""Paying once: answers already paid for, found before a request is sent and kept after it is answered.

The answer cache and a recording being made or replayed, behind one door, so the
session and batches look up and keep answers the same way (and the session's path
reads ask, send, settle, show without them).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Literal, TypeVar

from .._transport._answer import Answer
from .._transport._wire import ChatRequest
from ._cache import ResponseCache, request_key
from ._recording import Recorder, RecordingError, Replayer

__all__ = ["PaidAnswers", "Source"]

A = TypeVar("A", bound=Answer)
#: Where an answer came from: the network, the local cache, or a recording being replayed.
Source = Literal["live", "cache", "recording"]


class PaidAnswers:
    """The cache (opened on first use: `%load_ext` touches no file), the recorder and the replayer."""

    def __init__(self, server: Callable[[], str]) -> None:
        #: The server the answers come from: part of the cache key (a recording leaves it out).
        self._server = server
        self._cache: ResponseCache | None = None
        self.recorder: Recorder | None = None
        self.replayer: Replayer | None = None

    @property
    def cache(self) -> ResponseCache:
        if self._cache is None:
            self._cache = ResponseCache()
        return self._cache

    def close(self) -> None:
        """Close the cache file if it was opened; it reopens on next use."""
        if self._cache is not None:
            self._cache.close()

    def key(self, request: ChatRequest) -> str:
        """The answer cache's key for `request`."""
        return request_key(request, base_url=self._server())

    def find(self, request: ChatRequest, prompt: str, kind: type[A], *, use_cache: bool) -> tuple[A, Source] | None:
        """An answer already paid for, and where it came from ("recording" or "cache").

        Raises when a recording is replayed without --fall-through and does not hold it.
        """
        if self.replayer is not None:
            replayed = self.replayer.get(request_key(request, base_url=None), kind)
            if replayed is not None:
                return replayed, "recording"
            if not self.replayer.fall_through:
                raise self.replayer.missing(prompt)
        cached = self.cache.get(self.key(request), kind) if use_cache else None
        return (cached, "cache") if cached is not None else None

    def keep(self, request: ChatRequest, prompt: str, answer: Answer, *, cache: bool) -> None:
        """Keep a whole answer just paid for: in the cache (when asked) and in the recording."""
        if cache:
            self.cache.put(self.key(request), answer)
        self.record(request, prompt, answer)

    def record(self, request: ChatRequest, prompt: str, answer: Answer) -> None:
        """Add the answer to the recording; a failed write stops recording, with one line, not the answer."""
        if self.recorder is None:
            return
        try:
            self.recorder.add(request_key(request, base_url=None), prompt, answer)
        except RecordingError as error:
            self.recorder = None
            print(f"jupyter-gemini: {error}", file=sys.stderr)
