"""The Python API: the same session, and the same code path, as the magics."""

from __future__ import annotations

from typing import Any

from ._core._options import AskOptions
from ._core._response import Format, Response
from ._core._session import Session
from ._core._settings import GeminiSettings

_standalone: Session | None = None


def current_session() -> Session:
    """The IPython shell's session (loading the extension if needed), else a process-wide one."""
    global _standalone
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        from ._ipython._extension import load_ipython_extension

        load_ipython_extension(shell)
        session: Session = shell.magics_manager.registry["GeminiMagics"].session
        return session
    if _standalone is None:
        _standalone = Session(GeminiSettings())
    return _standalone


def ask(
    prompt: str,
    *,
    model: str | None = None,
    format: Format = "markdown",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    new: bool = False,
    stream: bool | None = None,
    display: bool = False,
    interpolate: bool = True,
    reasoning: str | None = None,
    reasoning_tokens: int | None = None,
    tier: str | None = None,
    schema: Any = None,
) -> Response:
    """Ask a question and get the Response back.

    In IPython, `{name}` inserts a notebook variable as `%%gemini` does (`{{name}}` sends the
    braces; `interpolate=False` sends the prompt exactly as given). The Response renders itself
    as a cell result; pass `display=True` to watch it stream in as `%%gemini` does (then end the
    line with `;`). `reasoning` (none, minimal, low, medium, high) or `reasoning_tokens` sets how
    long a thinking model thinks; thinking is billed as output and shown apart from the answer.
    `schema` (a pydantic model, dataclass, TypedDict, `{name: type}` dict or JSON Schema dict)
    asks for structured output: the Response's `.parsed` is the validated value.
    """
    from ._core._schema import schema_of

    session = current_session()
    if interpolate and session.shell is not None:
        prompt = session.prompt(prompt)
    options = AskOptions(
        model=model,
        format="json" if schema is not None else format,
        system=system,
        temperature=temperature,
        max_tokens=max_tokens,
        new=new,
        stream=stream,
        reasoning=reasoning,
        reasoning_tokens=reasoning_tokens,
        tier=tier,
        schema=None if schema is None else schema_of(schema),
    )
    return session.ask(prompt, options, live=display)


def map(
    template: str | None,
    data: Any,
    *,
    model: str | None = None,
    concurrency: int = 8,
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    cache: bool = True,
    confirm: bool | None = None,
    format: Format | None = None,
    budget_tokens: int | None = None,
    refresh: bool = False,
    dry_run: bool = False,
    reasoning: str | None = None,
    reasoning_tokens: int | None = None,
    tier: str | None = None,
) -> Any:
    """Ask one question per row; returns a pandas Series aligned with `data` (a list for a list).

    `template` names columns as `{column}` (for a Series or a list: `{value}`
    and `{index}`); with `template=None`, each item of `data` is a prompt.
    Answers are cached per row, so running it again costs only the rows that
    failed; a failed row holds a `RowError` marker. Batches estimated above
    $1 ask first (`confirm=True` skips the question). A Dask DataFrame is
    mapped partition by partition and gives a Dask Series.

    The options are checked like a single question's; `format` asks each row for
    text, markdown, code or a JSON object; `refresh=True` asks every row again;
    `dry_run=True` shows the first rows' prompts and the batch's worst case, and
    sends nothing.
    """
    from ._batch._map import MapOptions, map_dry_run, map_rows
    from ._cost._estimate import DEFAULT_BUDGET_TOKENS

    session = current_session()
    namespace = session.namespace()
    options = MapOptions(
        model=model,
        concurrency=concurrency,
        system=system,
        temperature=temperature,
        max_tokens=max_tokens,
        cache=cache,
        confirm=confirm,
        format=format,
        budget_tokens=DEFAULT_BUDGET_TOKENS if budget_tokens is None else budget_tokens,
        refresh=refresh,
        reasoning=reasoning,
        reasoning_tokens=reasoning_tokens,
        tier=tier,
    )
    if dry_run:
        return map_dry_run(session, template, data, options, namespace)
    return map_rows(session, template, data, options, namespace)


def tally_widget() -> Any:
    """A live cost tally for this session: total, requests, tokens, budget and credit left."""
    from ._widgets import tally_widget as make

    return make(current_session())


def model_picker() -> Any:
    """A dropdown of Flash models with their prices; picking one sets the session's model."""
    from ._widgets import model_picker as make

    return make(current_session())


def chat() -> Any:
    """A chat panel sharing this session's conversation, tally and budget."""
    from ._widgets import chat_panel

    return chat_panel(current_session())
