"""A session's state and the one code path every question takes.

The magic and `jupyter_gemini.ask` both end in `Session.ask`: settings →
request → client → view, with the tally and conversation updated whatever
happens, so text already received and money already spent are never lost.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from .._context._attachments import Attachments
from .._context._error_history import ErrorHistory
from .._context._image_history import ImageHistory
from .._context._prompt import build_prompt
from .._cost._budget import check_budget, check_max_tokens, worst_case
from .._cost._catalog import Catalog
from .._cost._estimate import DEFAULT_BUDGET_TOKENS
from .._cost._tally import Charge, CostTally, process_tally
from .._display._bundles import extract_code, parse_json_answer
from .._display._dry_run import DryRun
from .._display._view import AnswerView, choose_view
from .._keys import EMULATOR_KEY, KeyStore, redact
from .._store._paid import PaidAnswers, Source
from .._transport._cancel import CancelToken
from .._transport._client import OpenRouterClient
from .._transport._exchange import Exchange
from .._transport._finish import unfinished, unfinished_error
from .._transport._gate import check_body
from .._transport._retry import RetryPolicy
from .._transport._wire import ChatRequest, ClientConfig, to_decimal
from ..errors import APIError, GeminiError, MissingKeyError, OptionError
from ._conversation import Conversation, Turn
from ._options import DEFAULT_OPTIONS, AskOptions, reasoning_field, system_prompt
from ._response import FORMATS, Response
from ._settings import GeminiSettings
from ._settle import close_unanswered, settle

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["FORMATS", "AskOptions", "Session"]


class Session:
    def __init__(
        self,
        settings: GeminiSettings,
        shell: InteractiveShell | None = None,
        *,
        images: ImageHistory | None = None,
        errors: ErrorHistory | None = None,
    ) -> None:
        self.settings = settings
        self.shell = shell
        #: The kernel process's ledger: `%reload_ext` keeps the spend (and so the cap) where it was.
        self.tally: CostTally = process_tally()
        self.conversation = Conversation()
        self.keys = KeyStore()
        self.last_response: Response | None = None
        #: The last failure, traceback included, for `%gemini debug`.
        self.last_error: BaseException | None = None
        self._catalog = Catalog()
        self._catalog_refreshed = False
        self._catalog_lock = threading.Lock()
        self._client: OpenRouterClient | None = None
        #: Images the kernel displayed (`--image last`) and cells that failed (`%gemini fix`, `{Err}`);
        #: `%load_ext` installs their hooks on the shell.
        self.images = images if images is not None else ImageHistory()  # an empty history is falsy
        self.errors = errors if errors is not None else ErrorHistory()
        #: A local OpenRouter emulator this session talks to instead (`%gemini emulator`).
        self.emulator: Any = None
        #: The answer cache and recordings. The emulator's port changes every run; its answers do not.
        self.paid = PaidAnswers(lambda: "emulator" if self.emulator is not None else self.settings.base_url)

    @property
    def budget(self) -> Decimal | None:
        """The spending cap in USD (the `budget` setting); None means no cap."""
        value = self.settings.budget
        return None if value is None else Decimal(str(value))

    # -- models ---------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The best catalog known so far; never touches the network."""
        return self._catalog

    def refresh_catalog(self) -> Catalog:
        """Fold in the live `GET /models` once per session; keep the built-in one if unreachable."""
        with self._catalog_lock:  # the model picker refreshes from a thread; a second caller waits
            if not self._catalog_refreshed and (self.keys.get() or self.emulator is not None):
                self._catalog_refreshed = True
                with contextlib.suppress(GeminiError):  # unreachable: the built-in catalog stands
                    self._catalog = self._catalog.merge_live(self.client().get_json("/models"))
            return self._catalog

    def current_flash_ids(self) -> list[str]:
        return [m.id for m in self.catalog().current_flash()]

    # -- transport ------------------------------------------------------------

    def client(self) -> OpenRouterClient:
        s = self.settings
        if self.emulator is not None:
            base_url, key = self.emulator.base_url, EMULATOR_KEY
        else:
            base_url, key = s.base_url, self.keys.get() or ""
        if not key:
            raise MissingKeyError()
        config = ClientConfig(base_url, key, s.app_url, s.app_title, s.timeout, s.stall_timeout)
        if self._client is None or self._client.config != config:
            self._client = OpenRouterClient(config, self.current_flash_ids)
        return self._client

    def close(self) -> None:
        """Let go of what the session holds open (`%unload_ext`, `%reload_ext`): emulator, sockets, cache file."""
        self.use_emulator(False)
        if self._client is not None:
            self._client.close()
            self._client = None
        self.paid.close()

    def use_emulator(self, on: bool) -> str | None:
        """Start (or stop) a local emulator for this session; returns its base URL when on.

        The user's key and settings are left alone, so turning it off goes
        straight back to OpenRouter.
        """
        if on and self.emulator is None:
            from ..emulator import Emulator

            self.emulator = Emulator().start()
            self._catalog_refreshed = False
        elif not on and self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
            self._catalog, self._catalog_refreshed = Catalog(), False
        return self.emulator.base_url if self.emulator is not None else None

    # -- money --------------------------------------------------------------

    def reconcile(self, *, time_limit: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> tuple[int, int]:
        """Replace estimates with what OpenRouter billed (`GET /generation`); returns (settled, still pending).

        OpenRouter answers 404 for a while after a generation, so lookups are
        retried with backoff until `time_limit`.
        """
        client = self.client()
        deadline = time.monotonic() + time_limit
        pending, settled, delay = list(self.tally.pending), 0, 0.5
        while pending:
            waiting = []
            for generation_id in pending:
                try:
                    record = client.get_json("/generation", id=generation_id)
                except APIError as error:
                    if error.status != 404:
                        raise
                    waiting.append(generation_id)
                    continue
                data = (record or {}).get("data") or {}
                billed = to_decimal(data.get("total_cost"))
                if billed is None or data.get("id", generation_id) != generation_id:
                    waiting.append(generation_id)
                    continue
                self.tally.settle(generation_id, billed)
                settled += 1
            pending = waiting
            if not pending or time.monotonic() + delay > deadline:
                break
            sleep(delay)
            delay = min(delay * 2, 8.0)
        return settled, len(pending)

    # -- asking ---------------------------------------------------------------

    def namespace(self) -> Mapping[str, Any]:
        """What `{name}` can name: the notebook's variables, plus `Err` (the last error) unless defined."""
        user_ns: Mapping[str, Any] = self.shell.user_ns if self.shell is not None else {}
        return ChainMap(cast("MutableMapping[str, Any]", user_ns), {"Err": self.errors})

    def prompt(self, text: str, *, budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> str:
        """`text` with its `{name}` references filled in: the one way every path builds a prompt."""
        return build_prompt(text, self.namespace(), budget_tokens=budget_tokens)

    def ask(
        self,
        prompt: str,
        options: AskOptions = DEFAULT_OPTIONS,
        *,
        live: bool = True,
        view: AnswerView | None = None,
        cancel: CancelToken | None = None,
    ) -> Response:
        """Send one question; `view` overrides where it streams, `cancel` lets another thread stop it."""
        if not prompt.strip():
            raise OptionError("The prompt is empty, so nothing was sent.", hint="Write your question below %%gemini.")
        if options.new:
            self.conversation.clear()
        try:
            attachments = self._attachments(options)
            request = self._request(prompt, options, attachments)
            check_body(request.sdk_kwargs(), self.keys.get())  # before the cache, so no path skips it
            check_max_tokens(request.model, self.catalog().get(request.model), request.max_tokens)
            view = view or choose_view(self.shell, live=live)
            stored = self.paid.find(request, prompt, Response, use_cache=options.uses_cache and not options.refresh)
            if stored is not None:
                return self._serve_stored(*stored, request, prompt, options, view)
            client = self.client()
            check_budget(
                budget=self.budget,
                spent=self.tally.upper_bound,
                model=request.model,
                info=self.catalog().get(request.model),
                prompt_tokens=request.prompt_token_bound(),
                max_tokens=request.max_tokens,
            )
            return self._run(client, request, prompt, options, view, cancel, attachments)
        except GeminiError as exc:
            exc.message = redact(exc.message, self.keys.get())
            self.last_error = exc
            raise

    def dry_run(self, prompt: str, options: AskOptions = DEFAULT_OPTIONS) -> DryRun:
        """Exactly what `ask` would send, with the most it could cost; nothing is sent."""
        attachments = self._attachments(options)
        # --new: what the question would send after the conversation is cleared (which a dry run does not do).
        request = self._request(prompt, options, attachments, history=not options.new)
        check_body(request.sdk_kwargs(), self.keys.get())  # a dry run shows the body: the same refusal
        return DryRun(request, attachments, self.catalog().get(request.model))

    def _attachments(self, options: AskOptions) -> Attachments:
        if not (options.images or options.files):
            return Attachments()
        from .._context._attachments import load_attachments

        return load_attachments(
            images=options.images,
            files=options.files,
            namespace=self.shell.user_ns if self.shell is not None else {},
            history=self.images,
            detail=options.image_detail,
            budget_tokens=options.budget_tokens,
        )

    def _request(
        self, prompt: str, options: AskOptions, attachments: Attachments, *, history: bool = True
    ) -> ChatRequest:
        messages = [
            {"role": "system", "content": system_prompt(options)},
            *(self.conversation.messages(self.settings.max_history) if history else []),
            {"role": "user", "content": attachments.content(prompt)},
        ]
        model = options.model or self.settings.model
        return ChatRequest(
            model=model,
            messages=messages,
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            response_format=self._response_format(model, options),
            reasoning=reasoning_field(
                self.catalog().get(model), model, options.reasoning, options.reasoning_tokens, self.settings.reasoning
            ),
            service_tier=options.tier or self.settings.tier,
            attachment_tokens=attachments.tokens,
        )

    def _run(
        self,
        client: OpenRouterClient,
        request: ChatRequest,
        prompt: str,
        options: AskOptions,
        view: AnswerView,
        cancel: CancelToken | None,
        attachments: Attachments,
    ) -> Response:
        stream = self.settings.stream if options.stream is None else options.stream
        policy = RetryPolicy(self.settings.max_retries, self.settings.retry_limit)
        charge = self.open_charge(request, prompt)
        response = Response(model=request.model, format=options.format)
        try:
            Exchange(client, request, view, policy, cancel).run(response, stream=stream)
        except GeminiError as error:
            close_unanswered(charge, error)
            raise
        # An answer is whole only when the server said it finished (see _finish).
        response.failure = response.failure or unfinished_error(response.finish_reason, response.error)
        settle(charge, response, request, self.catalog())
        self._judge(response, options.schema)
        if attachments:
            response.attachments = attachments.describe(response.usage.prompt_tokens)
        if response.status == "complete":
            self.paid.keep(request, prompt, response, cache=options.uses_cache)
        return self._deliver(response, prompt, options, view)

    def _response_format(self, model: str, options: AskOptions) -> dict[str, Any] | None:
        """`json_schema` for a schema (on a model that takes one), `json_object` for -f json, else None."""
        if options.schema is None:
            return {"type": "json_object"} if options.format == "json" else None
        info = self.catalog().get(model)
        if info is not None and info.supported_parameters and "structured_outputs" not in info.supported_parameters:
            raise OptionError(
                f"{model} does not take structured output (no structured_outputs in OpenRouter's list), "
                "so nothing was sent.",
                hint="Pick another model, or ask for -f json and check the JSON yourself.",
            )
        return dict(options.schema.response_format())

    def _judge(self, response: Response, schema: Any = None) -> None:
        """Whether the settled answer is whole (and fits its schema), the line that says why not; the session total."""
        problem, text = response.failure, response.text
        cut = unfinished(response.finish_reason, response.error) if problem is None else None
        note = ""
        if problem is not None:
            # The error itself is raised once, as the cell's error; the card only says the text is not whole.
            note = "Incomplete answer: this is the text that arrived before the error." if text else str(problem)
        elif cut is not None:
            note = cut  # cut off or filtered: shown, marked, never cached as whole
        elif response.format == "json":
            try:
                parse_json_answer(text)
            except ValueError:
                note = "The answer is not valid JSON; it is shown as it came."
        if schema is not None and problem is None and cut is None:
            try:
                response.parsed = schema.validate(text)
            except ValueError as error:
                note = f"The answer does not fit the schema ({error}); it is shown as it came."
        response.text = redact(text)  # an answer that echoes a key is shown and kept masked
        response.status = "complete" if problem is None and cut is None else ("partial" if text else "error")
        response.problem = redact(note, self.keys.get())
        response.session_total, response.session_total_estimated = self.tally.total, self.tally.estimated

    def _deliver(self, response: Response, prompt: str, options: AskOptions, view: AnswerView) -> Response:
        """The same ending for every answer, live or stored: conversation, display, next cell."""
        problem = response.failure
        if problem is None or response.text:
            self.conversation.add(Turn(prompt, response.text, response.model, partial=problem is not None))
        self.last_response = response
        view.finish(response)
        if problem is not None:
            raise problem
        offer_code = options.format == "code" or (options.code_to_next_cell and "```" in response.text)
        if offer_code and self.shell is not None and response.text:
            self.shell.set_next_input(extract_code(response.text), replace=False)
        return response

    # -- paying once ------------------------------------------------------------

    def _serve_stored(
        self,
        stored: Response,
        source: Source,
        request: ChatRequest,
        prompt: str,
        options: AskOptions,
        view: AnswerView,
    ) -> Response:
        """An answer already paid for: shown like a live one, for $0, with what it saved."""
        self.paid.record(request, prompt, stored)  # as it was paid for, before it shows $0
        self.tally.record_saved(stored.cost)
        stored.saved, stored.cost, stored.cost_estimated = stored.cost, Decimal(0), False
        stored.format, stored.status, stored.source = options.format, "cached", source
        if options.schema is not None:
            with contextlib.suppress(ValueError):  # a cached answer was whole; a schema changed since may not fit
                stored.parsed = options.schema.validate(stored.text)
        stored.session_total, stored.session_total_estimated = self.tally.total, self.tally.estimated
        view.start(stored)
        return self._deliver(stored, prompt, options, view)

    def open_charge(self, request: ChatRequest, prompt: str) -> Charge:
        """Enter `request` in the ledger as it is sent: its prompt at list price (≈), bounded by its worst case."""
        info = self.catalog().get(request.model)
        estimate = info.cost(request.estimated_prompt_tokens(), 0) if info else Decimal(0)
        bound = worst_case(info, request.prompt_token_bound(), request.max_tokens).cost if info else None
        return self.tally.open(
            request.model,
            prompt=prompt,
            estimate=estimate,
            bound=bound,
            prompt_tokens=request.estimated_prompt_tokens(),
        )
