"""Pay once: answers kept in a SQLite file, keyed on everything that shapes them.

SQLite (standard library) gives atomic writes and a file that survives a
kernel crash; WAL mode lets several kernels share it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from .._transport._answer import Answer
from .._transport._wire import ChatRequest

A = TypeVar("A", bound=Answer)

CACHE_ENV = "JUPYTER_GEMINI_CACHE_DIR"
_SCHEMA = """
create table if not exists answers (
    key text primary key,
    model text not null,
    answer text not null,
    created real not null
)
"""


def default_cache_dir() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("jupyter-gemini", appauthor=False))


def request_key(request: ChatRequest, *, base_url: str | None) -> str:
    """A digest of what shapes the answer. Images and files count by content hash, not bytes.

    `base_url=None` leaves the server out: a recording made against OpenRouter
    replays against any server, or none.
    """
    canonical = {
        "base_url": base_url,
        "model": request.model,
        "messages": [_hashed(message) for message in request.messages],
        # 0 and 0.0 ask for the same answer.
        "temperature": None if request.temperature is None else float(request.temperature),
        "max_tokens": request.max_tokens,
        "response_format": request.response_format,
    }
    if request.reasoning is not None:  # only then: every answer cached before thinking could be asked for keeps its key
        canonical["reasoning"] = request.reasoning
    if request.service_tier is not None:
        canonical["service_tier"] = request.service_tier
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _hashed(value: Any) -> Any:
    """The message with every data URL (image, PDF) replaced by a digest of its bytes."""
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value:
        header, _, payload = value.partition(";base64,")
        return f"{header};sha256,{hashlib.sha256(base64.b64decode(payload)).hexdigest()}"
    if isinstance(value, Mapping):
        return {k: _hashed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hashed(v) for v in value]
    return value


class ResponseCache:
    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or default_cache_dir()) / "answers.sqlite3"
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # the chat panel asks from a worker thread

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.execute("pragma journal_mode=wal")
            connection.execute(_SCHEMA)
            self._connection = connection
        return self._connection

    def get(self, key: str, kind: type[A]) -> A | None:
        """The answer kept under `key`, read as a `kind` (the session reads Responses)."""
        with self._lock:
            row = self._db().execute("select answer from answers where key = ?", (key,)).fetchone()
        return kind.from_json(json.loads(row[0])) if row else None

    def put(self, key: str, answer: Answer) -> None:
        with self._lock:
            self._db().execute(  # one statement: atomic, whatever happens to the kernel
                "insert or replace into answers (key, model, answer, created) values (?, ?, ?, ?)",
                (key, answer.model, json.dumps(answer.to_json()), time.time()),
            )

    def clear(self) -> int:
        with self._lock:
            return self._db().execute("delete from answers").rowcount

    def __len__(self) -> int:
        with self._lock:
            return int(self._db().execute("select count(*) from answers").fetchone()[0])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
