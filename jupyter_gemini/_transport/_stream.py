"""A streamed answer read event by event, with a watchdog for a stream that goes silent.

The events are read here, not by the openai SDK, which raises on an `error` field before it sees
the usage that OpenRouter sends with it (tests/captures/c08).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import GeminiError, StreamError
from ._answer import Answer
from ._wire import error_text, read_event, read_thinking, sse_events


class ChatStream:
    """Iterate for text deltas; the rest of `answer` fills in as chunks arrive."""

    def __init__(
        self,
        sdk_stream: Any,
        answer: Answer,
        on_error: Callable[[BaseException], Exception],
        stall_timeout: float,
    ) -> None:
        self._sdk_stream = sdk_stream
        self.answer = answer
        self._on_error = on_error
        self._stall_timeout = stall_timeout
        self._closed = False
        self._stalled = False
        #: A chunk arrived: the model is generating, so an error from here on may still be billed.
        self._generating = False
        self._last_chunk = time.monotonic()

    def __iter__(self) -> Iterator[str]:
        # The SSE events are read here, not through the SDK's Stream: it raises on an error chunk
        # before its `usage` is seen, and OpenRouter bills what was generated before the error.
        watchdog = _Watchdog(self)
        try:
            for event in sse_events(self._sdk_stream.response.iter_lines()):
                self._last_chunk = time.monotonic()
                self._generating = self._generating or bool(event.get("choices"))
                read_event(self.answer, event)
                yield from self._deltas(event)
                if event.get("error"):
                    raise self._chunk_error(event["error"])
        except StreamError:
            raise
        except Exception as exc:
            if self._stalled:
                raise StreamError(
                    f"OpenRouter sent nothing for {self._stall_timeout:g} s, so the answer was stopped.",
                    hint="Run the cell again; raise GeminiMagics.stall_timeout for slow models.",
                ) from exc
            if self._closed:
                return  # we closed it (Stop, interrupt): the end of the stream, not a failure
            failure = self._on_error(exc)
            if self._generating and isinstance(failure, GeminiError):
                failure.billed = None  # it broke after the generation began: Google may bill it in full
            raise failure from exc
        finally:
            watchdog.stop()

    def _deltas(self, event: dict[str, Any]) -> Iterator[str]:
        """The answer's text deltas in one event; thinking goes into the answer and yields "" (a redraw)."""
        for choice in event.get("choices") or ():
            delta = (choice.get("delta") or {}) if isinstance(choice, dict) else {}
            if read_thinking(self.answer, delta):
                yield ""
            content = delta.get("content")
            if content:
                yield content

    def _chunk_error(self, error: Any) -> StreamError:
        self.answer.error = error_text(error)
        code = error.get("code") if isinstance(error, dict) else None
        chunk_error = StreamError(
            f"OpenRouter reported an error during the answer: {self.answer.error}.",
            status=code if isinstance(code, int) else None,
            hint="The text received is kept; run the cell again.",
        )
        # After a generation began, what it made is billed (its usage is counted); an error
        # instead of any answer (a JSON error body where events were due) is not.
        chunk_error.billed = None if self._generating else False
        return chunk_error

    def close(self) -> None:
        """Drop the connection at once, even from another thread: stops the bytes, not Google's billing."""
        self._closed = True
        # Closing a socket does not wake a thread blocked reading it; shutting it down does.
        network_stream = getattr(self._sdk_stream.response, "extensions", {}).get("network_stream")
        sock = network_stream.get_extra_info("socket") if network_stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self._sdk_stream.close()

    def _check_stall(self) -> bool:
        if time.monotonic() - self._last_chunk < self._stall_timeout:
            return False
        self._stalled = True
        self.close()
        return True


class _Watchdog:
    """Closes a stream that stopped sending chunks; keep-alive comments don't count."""

    def __init__(self, stream: ChatStream) -> None:
        self._stream = stream
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jupyter-gemini-stall-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = min(1.0, self._stream._stall_timeout / 4)
        while not self._done.wait(interval):
            if self._stream._check_stall():
                return

    def stop(self) -> None:
        self._done.set()
