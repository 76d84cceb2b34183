"""`Emulator`: runs the tornado server on its own event loop in a daemon thread.

A thread of its own lets notebooks, tests and the synchronous openai client
talk to it without sharing (or blocking) their event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import threading
from decimal import Decimal
from types import TracebackType
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from ._base import ServerContext
from ._config import EmulatorConfig
from ._server import API_PREFIX, make_app
from ._state import EmulatorState, GenerationRecord, RecordedRequest

_MAX_BODY = 64 * 1024 * 1024
_STOP_TIMEOUT = 5.0


class Emulator:
    """A local OpenRouter look-alike; see docs/emulator.md.

    `Emulator(EmulatorConfig(...))` or `Emulator(ttft=0.2, ...)`; `start()` it
    (or use `with`) and point a client at `base_url`.
    """

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Any) -> None:
        if config is None:
            config = EmulatorConfig(**overrides)
        elif overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self._state = EmulatorState()
        self._ctx = ServerContext(get_config=lambda: self.config, state=self._state)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: HTTPServer | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind (port 0 = any free port) and serve in a daemon thread; returns self."""
        if self._thread is not None:
            return self
        self.config.validate()
        sockets = bind_sockets(self.config.port, self.config.host, family=socket.AF_UNSPEC)
        self._port = int(sockets[0].getsockname()[1])
        ready = threading.Event()
        failure: list[BaseException] = []
        thread = threading.Thread(
            target=self._run, args=(sockets, ready, failure), name="jupyter-gemini-emulator", daemon=True
        )
        thread.start()
        ready.wait()
        if failure:
            thread.join(_STOP_TIMEOUT)
            for sock in sockets:
                sock.close()
            self._port = None
            raise RuntimeError("the jupyter-gemini emulator failed to start") from failure[0]
        self._thread = thread
        return self

    def _run(self, sockets: list[socket.socket], ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def serve() -> None:
            # HTTPServer must be built on this thread's loop, hence inside a coroutine.
            server = HTTPServer(make_app(self._ctx), max_body_size=_MAX_BODY, max_buffer_size=_MAX_BODY)
            server.add_sockets(sockets)
            self._server = server

        try:
            loop.run_until_complete(serve())
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _shutdown(self) -> None:
        """Stop listening, close every connection (streaming or idle), let handlers unwind."""
        server = self._server
        if server is None:
            return
        server.stop()
        for handler in list(self._ctx.active):
            handler.on_connection_close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.close_all_connections(), timeout=2.0)
        for _ in range(100):
            if not self._ctx.active:
                break
            await asyncio.sleep(0.01)
        current = asyncio.current_task()
        leftovers = [task for task in asyncio.all_tasks() if task is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)

    def stop(self) -> None:
        """Stop serving and join the thread; open client connections are cut, not awaited."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            with contextlib.suppress(Exception):
                future.result(_STOP_TIMEOUT)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(_STOP_TIMEOUT)
        self._thread = self._loop = self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests and users look at ----------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/api/v1`: what `openai.OpenAI(base_url=...)` needs."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}{API_PREFIX}"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.requests()

    @property
    def generations(self) -> dict[str, GenerationRecord]:
        return self._state.generations()

    @property
    def billed_total(self) -> Decimal:
        """Exact sum of every generation's cost, as the emulator billed it."""
        return self._state.billed_total()

    def reset(self) -> None:
        """Forget requests, generations and billing; the fault dice start over from the seed."""
        self._state.reset()

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not started"
        return f"<Emulator {where}>"
