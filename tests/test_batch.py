"""`jupyter_gemini.map`: rows in, an aligned Series out, every failure kept per row."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time

import pandas as pd
import pytest
from conftest import magics, run_cell

import jupyter_gemini
from jupyter_gemini import RowError
from jupyter_gemini._batch._limiter import AdaptiveLimiter
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.errors import BudgetError


def chat_requests(emulator: Emulator) -> list:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


@pytest.fixture
def reviews() -> pd.DataFrame:
    texts = [f"review number {i}: {'great' if i % 2 else 'poor'} product" for i in range(24)]
    return pd.DataFrame({"review": texts, "stars": [i % 5 for i in range(24)]}, index=[f"r{i}" for i in range(24)])


def test_map_over_a_dataframe_gives_an_aligned_series(ip, emulator: Emulator, reviews):
    answers = jupyter_gemini.map("Classify: {review} ({stars} stars)", reviews, concurrency=4)
    assert isinstance(answers, pd.Series)
    assert list(answers.index) == list(reviews.index)
    assert all(isinstance(a, str) and not isinstance(a, RowError) for a in answers)
    assert "Classify: review number 7: great product (2 stars)" in answers["r7"]  # the emulator quotes the prompt
    prompts = sorted(r.json["messages"][-1]["content"] for r in chat_requests(emulator))
    assert prompts == sorted(f"Classify: {t} ({s} stars)" for t, s in zip(reviews.review, reviews.stars, strict=True))
    tally = magics(ip).session.tally
    assert tally.requests == 24 and tally.total == emulator.billed_total


def test_map_over_plain_prompts_and_a_series(ip, emulator: Emulator):
    answers = jupyter_gemini.map(None, ["first prompt", "second prompt"])
    assert isinstance(answers, list) and len(answers) == 2
    series = pd.Series(["a", "b"], index=[10, 20])
    mapped = jupyter_gemini.map("Say {value} at {index}", series)
    assert list(mapped.index) == [10, 20] and "Say b at 20" in mapped[20]


def test_failed_rows_are_marked_and_a_rerun_retries_only_them(ip, emulator: Emulator, reviews):
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    emulator.config.fault_rate = 0.3
    emulator.config.seed = 11
    emulator.config.fault_pool = ("http:502", "error200", "http:429")
    first = jupyter_gemini.map("Classify: {review}", reviews, concurrency=4)
    failed = [i for i, a in first.items() if isinstance(a, RowError)]
    assert 0 < len(failed) < len(reviews)
    assert all(first[i].startswith("[jupyter-gemini error: ") and first[i].error is not None for i in failed)
    assert magics(ip).session.tally.total == emulator.billed_total  # failures cost nothing, and the tally knows

    emulator.config.fault_rate = 0.0
    before = len(chat_requests(emulator))
    second = jupyter_gemini.map("Classify: {review}", reviews, concurrency=4)
    assert len(chat_requests(emulator)) - before == len(failed)  # only the failures were asked again
    assert not any(isinstance(a, RowError) for a in second)
    kept = [i for i in reviews.index if i not in failed]
    assert all(second[i] == first[i] for i in kept)  # finished rows came back from the cache, unchanged


def test_rate_limits_are_retried_with_the_window_halved(ip, emulator: Emulator, reviews):
    emulator.config.fault_rate = 0.2
    emulator.config.seed = 3
    emulator.config.fault_pool = ("http:429",)
    answers = jupyter_gemini.map("Classify: {review}", reviews.head(12), concurrency=6)
    assert not any(isinstance(a, RowError) for a in answers)
    assert len(chat_requests(emulator)) > 12  # some were refused and sent again


def test_interrupt_stops_promptly_and_keeps_finished_rows(ip, emulator: Emulator, reviews):
    emulator.config.ttft = 0.15

    def interrupt_after_two_rows() -> None:
        deadline = time.monotonic() + 60
        while sum(1 for g in emulator.generations.values() if g.ended is not None) < 2:
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        _thread.interrupt_main()  # as the kernel's stop button does (SIGINT, which the batch handles)

    threading.Thread(target=interrupt_after_two_rows, daemon=True).start()
    answers = jupyter_gemini.map("Classify: {review}", reviews, concurrency=2)
    done = [a for a in answers if not isinstance(a, RowError)]
    not_run = [a for a in answers if isinstance(a, RowError)]
    assert 0 < len(done) < len(reviews)
    assert all("not run: interrupted" in a for a in not_run)
    asked = len(chat_requests(emulator))
    # The worker closed its client before map returned; once its thread has ended, nothing more was sent.
    for worker in [t for t in threading.enumerate() if t.name == "jupyter-gemini-map"]:
        worker.join(timeout=30)
        assert not worker.is_alive()
    assert len(chat_requests(emulator)) == asked
    emulator.config.ttft = 0.0
    rest = jupyter_gemini.map("Classify: {review}", reviews, concurrency=4)
    assert not any(isinstance(a, RowError) for a in rest)


def test_budget_refuses_a_batch_before_sending(ip, emulator: Emulator, reviews):
    run_cell(ip, "%gemini budget 0.0001")
    with pytest.raises(BudgetError, match="Mapping 24 rows could cost up to"):
        jupyter_gemini.map("Classify: {review}", reviews)
    assert chat_requests(emulator) == []


def test_expensive_batches_ask_first(ip, emulator: Emulator):
    rows = ["one", "two"]
    # 2 rows x 65,535 answer tokens at $9/M is about $1.18: over the $1 that needs a yes.
    with pytest.raises(BudgetError, match="needs a yes"):
        jupyter_gemini.map(None, rows, model="google/gemini-3.5-flash", max_tokens=65_535)
    assert chat_requests(emulator) == []
    answers = jupyter_gemini.map(None, rows, model="google/gemini-3.5-flash", max_tokens=65_535, confirm=True)
    assert len(answers) == 2 and len(chat_requests(emulator)) == 2


def test_map_magic_writes_a_column(ip, emulator: Emulator, reviews):
    ip.user_ns["reviews"] = reviews
    result, captured = run_cell(ip, "%%gemini --map reviews --out sentiment --concurrency 4\nSentiment of: {review}")
    assert result.success, result.error_in_exec
    assert "Wrote 24 answers to reviews['sentiment']" in captured.stdout
    assert reviews["sentiment"].str.contains("Sentiment of: review number").all()
    bad, _ = run_cell(ip, "%%gemini --map nothing_here\n{x}")
    assert "no variable 'nothing_here'" in str(bad.error_in_exec)


def test_limiter_caps_free_models_per_minute():
    async def scenario() -> bool:
        limiter = AdaptiveLimiter(8, per_minute=3)
        for _ in range(3):
            await limiter.acquire()
            await limiter.release(ok=True)
        try:
            await asyncio.wait_for(limiter.acquire(), timeout=0.2)
        except asyncio.TimeoutError:  # not the builtin TimeoutError on Python 3.10
            return True
        return False

    assert asyncio.run(scenario())


def test_limiter_halves_and_pauses_on_429():
    async def scenario() -> tuple[float, float]:
        limiter = AdaptiveLimiter(8)
        await limiter.rate_limited(0.3)
        started = time.monotonic()
        await limiter.acquire()
        return limiter.window, time.monotonic() - started

    window, waited = asyncio.run(scenario())
    assert window == 4.0 and waited >= 0.25


def test_dask_dataframes_map_partition_by_partition(ip, emulator: Emulator, reviews):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    lazy = jupyter_gemini.map("Classify: {review}", dd.from_pandas(reviews, npartitions=3))
    assert type(lazy).__module__.startswith("dask")
    assert chat_requests(emulator) == []  # nothing runs until computed
    with dask.config.set(scheduler="threads"):
        computed = lazy.compute()
    assert sorted(computed.index) == sorted(reviews.index)  # Dask sorts the index; alignment is by label
    assert all(reviews.loc[label, "review"] in computed[label] for label in reviews.index)
    assert len(chat_requests(emulator)) == len(reviews)
    assert magics(ip).session.tally.total == emulator.billed_total


def test_stop_is_a_request_between_rows_never_an_exception_mid_bookkeeping():
    """SIGINT while a batch runs: 1st press stops sending, 2nd stops waiting, 3rd raises as usual."""
    import signal

    from jupyter_gemini._batch._stop import StopButton

    calls: list[str] = []
    before = signal.getsignal(signal.SIGINT)
    with StopButton(lambda: calls.append("stop"), lambda: calls.append("abort")) as stop:
        signal.raise_signal(signal.SIGINT)  # as the kernel's interrupt does
        signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert calls == ["stop", "abort"] and stop.presses == 3
    assert signal.getsignal(signal.SIGINT) is before  # restored
