"""A replay server: real OpenRouter responses (tests/captures), sent back byte for byte.

Every request gets the capture the test chose, with the status and content type
`manifest.json` records for it, then the connection closes. Nothing is parsed or
rebuilt on the way, so the client meets exactly what the live API sent.
Adding a capture is adding a file and a manifest entry; no code changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CAPTURES = Path(__file__).parent / "captures"
MANIFEST: dict[str, dict[str, Any]] = json.loads((CAPTURES / "manifest.json").read_text())


class _Handler(BaseHTTPRequestHandler):
    server: _ReplayServer

    def _replay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append((self.command, self.path, self.rfile.read(length)))
        status, content_type, body = self.server.response
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = _replay

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output clean
        pass


class _ReplayServer(ThreadingHTTPServer):
    daemon_threads = True
    response: tuple[int, str, bytes] = (500, "text/plain", b"no capture chosen")
    requests: list[tuple[str, str, bytes]]


class CaptureServer:
    """`with CaptureServer() as replay: replay.serve("c05_gpt-4o_stream.sse")`; `replay.base_url`."""

    def __init__(self) -> None:
        self._server = _ReplayServer(("127.0.0.1", 0), _Handler)
        self._server.requests = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    @property
    def requests(self) -> list[tuple[str, str, bytes]]:
        return self._server.requests

    def serve(self, name: str, *, body: bytes | None = None) -> None:
        """Answer every request with capture `name` (or `body`, with that capture's status and type)."""
        entry = MANIFEST[name]
        data = (CAPTURES / name).read_bytes() if body is None else body
        self._server.response = (int(entry["status"]), str(entry["content_type"]), data)
        self._server.requests.clear()

    def __enter__(self) -> CaptureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def capture_server() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


def sse_events(name: str) -> list[dict[str, Any]]:
    """The JSON events of an SSE capture, as the capture holds them (numbers as Decimal)."""
    from decimal import Decimal

    events = []
    for block in (CAPTURES / name).read_text().split("\n\n"):
        data = "".join(line[5:].strip() for line in block.splitlines() if line.startswith("data:"))
        if data and data != "[DONE]":
            events.append(json.loads(data, parse_float=Decimal))
    return events


def json_body(name: str) -> dict[str, Any]:
    from decimal import Decimal

    parsed: dict[str, Any] = json.loads((CAPTURES / name).read_text(), parse_float=Decimal)
    return parsed
