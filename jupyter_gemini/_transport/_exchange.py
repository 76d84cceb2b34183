"""One question and its answer on the wire: send, retry what is safe, stream, stop.

Whatever goes wrong after the first token, the text received stays in the
answer with its `failure`, never dropped: the session shows it, counts it
and keeps it in the conversation.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import TypeVar

from ..errors import GeminiError, InterruptedByUserError
from ._answer import Answer
from ._answer_view import AnswerView
from ._cancel import CancelToken
from ._client import OpenRouterClient
from ._retry import RetryPolicy
from ._stream import ChatStream
from ._wire import ChatRequest

T = TypeVar("T")
A = TypeVar("A", bound=Answer)


def stopped_by_user() -> InterruptedByUserError:
    return InterruptedByUserError(
        "Stopped by you; the text received so far is kept.",
        hint="Google bills an interrupted answer in full, so its cost is an estimate (≈) until %gemini cost "
        "--reconcile.",
    )


@dataclasses.dataclass
class Exchange:
    client: OpenRouterClient
    request: ChatRequest
    view: AnswerView
    policy: RetryPolicy
    cancel: CancelToken | None = None
    sleep: Callable[[float], None] = time.sleep

    def run(self, answer: A, *, stream: bool) -> A:
        """Fill `answer`. Errors before the first token raise (after retries); later ones end up in its `failure`."""
        arrived = False  # the whole answer came back: an interrupt after that keeps it
        chat: ChatStream | None = None
        try:
            if not stream:
                self._send(lambda: self.client.complete(self.request, answer))
                arrived = True
                self.view.start(answer)
                return answer
            chat = self._send(lambda: self.client.stream(self.request, answer))
            return self._stream(chat, answer)
        except KeyboardInterrupt:
            if chat is not None:  # between the stream's headers and its first read
                chat.close()
                answer.end_thinking()
                answer.failure = stopped_by_user()
                return answer
            if arrived:  # only its display was interrupted
                return answer
            self.view.clear()
            raise InterruptedByUserError(
                "Stopped by you before the answer started.",
                hint="If OpenRouter had already started it, it may still be billed.",
            ) from None
        except GeminiError:
            self.view.clear()
            raise

    def _send(self, attempt: Callable[[], T]) -> T:
        while True:
            if self._cancelled():
                raise stopped_by_user()
            try:
                return attempt()
            except GeminiError as error:
                delay = self.policy.next_delay(error)
                if delay is None:
                    if self.policy.attempts:
                        error.message += f" (after {self.policy.attempts + 1} attempts)"
                    raise
                self._count_down(error, delay)

    def _count_down(self, error: GeminiError, delay: float) -> None:
        """Wait, showing the seconds left; Stop or an interrupt ends the wait."""
        end = time.monotonic() + delay
        while (left := end - time.monotonic()) > 0:
            if self._cancelled():
                raise stopped_by_user()
            self.view.status(
                f"{error.title}: trying again in {math.ceil(left)} s "
                f"(attempt {self.policy.attempts + 1} of {self.policy.max_retries + 1})…"
            )
            self.sleep(min(left, 1.0, 0.1 if self.cancel is not None else 1.0))

    def _stream(self, chat: ChatStream, answer: A) -> A:
        problem: GeminiError | None = None
        try:
            if self.cancel is not None:
                self.cancel.attach(chat)
            self.view.start(answer)  # inside: an interrupt while it shows keeps the id
            for delta in chat:
                if self._cancelled():
                    break
                answer.append(delta)
                self.view.tick()
        except GeminiError as error:
            problem = error
        except KeyboardInterrupt:
            problem = stopped_by_user()
        finally:
            if self.cancel is not None:
                self.cancel.detach()
        if self._cancelled():
            problem = stopped_by_user()  # whatever the closed stream raised, the user stopped it
        if isinstance(problem, InterruptedByUserError):
            chat.close()
        answer.end_thinking()
        answer.failure = problem
        return answer

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.cancelled
