"""The handler base every endpoint shares: request recording, auth, JSON errors."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import Callable
from typing import Any

from tornado.web import RequestHandler

from ._config import EmulatorConfig
from ._faults import HttpError, error
from ._json import dumps
from ._state import EmulatorState, RecordedRequest, redact_headers

INVALID_KEY = "sk-or-invalid"
"""The one API key the emulator refuses (401 "User not found."), to test bad-key handling."""


@dataclasses.dataclass
class ServerContext:
    """What handlers share; `active` is touched only on the server thread."""

    get_config: Callable[[], EmulatorConfig]
    state: EmulatorState
    active: set[BaseHandler] = dataclasses.field(default_factory=set)


class BaseHandler(RequestHandler):
    """Records each request and speaks OpenRouter's error format."""

    ctx: ServerContext
    record: RecordedRequest
    json_body: Any
    client_gone: bool
    _wake: asyncio.Future[None] | None

    def initialize(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.client_gone = False
        self._wake = None

    def set_default_headers(self) -> None:
        self.set_header("Server", "jupyter-gemini-emulator")
        self.set_header("X-Emulator", "jupyter-gemini")

    def prepare(self) -> None:
        try:
            self.json_body = json.loads(self.request.body) if self.request.body else None
        except (ValueError, UnicodeDecodeError):
            self.json_body = None
        self.record = RecordedRequest(
            method=self.request.method or "",
            path=self.request.path,
            headers=redact_headers(self.request.headers),
            json=self.json_body,
            query=self.request.query,
        )
        self.ctx.state.record_request(self.record)

    def on_connection_close(self) -> None:
        self.client_gone = True
        if self._wake is not None:
            _wake_up(self._wake)

    def peer_closed(self) -> bool:
        """Has the client hung up? Tornado only notices while reading or writing, so peek."""
        if self.client_gone:
            return True
        sock: socket.socket | None = getattr(getattr(self.request.connection, "stream", None), "socket", None)
        if sock is None:
            return True
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep that ends early when the client goes away or the server stops."""
        if seconds <= 0 or self.client_gone:
            return
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        self._wake = wake
        timer = loop.call_later(seconds, _wake_up, wake)
        try:
            await wake
        finally:
            timer.cancel()
            self._wake = None

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.set_header(name, value)
        self.finish(dumps(body))

    def send_http_error(self, problem: HttpError) -> None:
        self.send_json(problem.status, problem.body, dict(problem.headers))

    def authorized(self) -> bool:
        """Check the bearer key; on failure the 401 has already been sent."""
        header = self.request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        if key == INVALID_KEY:
            self.send_http_error(error(401, "User not found."))
            return False
        if not key and self.ctx.get_config().require_auth:
            self.send_http_error(error(401, "No auth credentials found"))
            return False
        return True

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        message = self._reason if status_code != 500 else "Internal error in the jupyter-gemini emulator"
        self.set_header("Content-Type", "application/json")
        self.finish(dumps(error(status_code, message).body))


def _wake_up(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class NotFoundHandler(BaseHandler):
    """Unknown paths get OpenRouter-style JSON 404s instead of tornado's HTML page."""

    def prepare(self) -> None:
        super().prepare()
        self.send_http_error(error(404, f"Not found: {self.request.path}"))
