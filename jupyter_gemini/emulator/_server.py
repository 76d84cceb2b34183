"""The tornado application: routes and the small read-only endpoints."""

from __future__ import annotations

import logging
import time
from typing import Any

from tornado.web import Application, RequestHandler

from ._base import BaseHandler, NotFoundHandler, ServerContext
from ._billing import generation_data, key_data
from ._chat import ChatCompletionsHandler
from ._faults import error

API_PREFIX = "/api/v1"
logger = logging.getLogger("jupyter_gemini.emulator")


class ModelsHandler(BaseHandler):
    """`GET /models`: public, like OpenRouter's; served catalog models only."""

    def get(self) -> None:
        models = self.ctx.get_config().models
        self.send_json(200, {"data": [m.to_openrouter() for m in models if m.available]})


class GenerationHandler(BaseHandler):
    """`GET /generation?id=`: 404 until the record has aged `generation_lookup_delay` seconds."""

    def get(self) -> None:
        if not self.authorized():
            return
        generation_id = self.get_query_argument("id", "")
        record = self.ctx.state.generation(generation_id)
        delay = self.ctx.get_config().generation_lookup_delay
        if record is None or record.ended is None or time.monotonic() < record.ended + delay:
            self.send_http_error(error(404, f"Generation {generation_id} not found"))
            return
        self.send_json(200, {"data": generation_data(record)})


class KeyHandler(BaseHandler):
    """`GET /key` and `/auth/key`: the configured limit and what the ledger has billed."""

    def get(self) -> None:
        if not self.authorized():
            return
        usage = self.ctx.state.billed_total()
        self.send_json(200, {"data": key_data(self.ctx.get_config().limit_usd, usage)})


def _log_request(handler: RequestHandler) -> None:
    # Method, path and status only: never headers, so no key can leak into logs.
    request = handler.request
    logger.info(
        "%s %s %d %.1fms",
        request.method,
        request.path,
        handler.get_status(),
        1000.0 * request.request_time(),
    )


def make_app(ctx: ServerContext) -> Application:
    args: dict[str, Any] = {"ctx": ctx}
    return Application(
        [
            (rf"{API_PREFIX}/chat/completions/?", ChatCompletionsHandler, args),
            (rf"{API_PREFIX}/models/?", ModelsHandler, args),
            (rf"{API_PREFIX}/generation/?", GenerationHandler, args),
            (rf"{API_PREFIX}/(?:auth/)?key/?", KeyHandler, args),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
        log_function=_log_request,
        compress_response=False,
    )
