"""Shared plumbing for the benchmarks: statistics, the results table, subprocess env, emulator, kernel.

Our machines are small (2 cores) and noisy, so every benchmark reports a ratio
against a baseline measured in the same run, from medians over repeats.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"
#: Bytecode cache for every benchmark subprocess. This environment may set
#: PYTHONDONTWRITEBYTECODE, which would make our editable install recompile
#: from source on each import while site-packages baselines use pip's .pyc
#: files. A shared prefix puts both on the same footing after one warm-up run.
PYCACHE_DIR = RESULTS_DIR / "pycache"

API_KEY = "sk-or-bench"
MODEL_DIRECTIVE = "[[emulator: tokens={tokens}]]"

PASS, MISS, INFO, SKIP = "PASS", "MISS", "INFO", "SKIP"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- statistics ------------------------------------------------------------------


def summarize(values: Sequence[float]) -> dict[str, float]:
    """Median with quartiles: the median is what we compare; the spread says how noisy the run was."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "median": float("nan"), "p25": float("nan"), "p75": float("nan"), "min": float("nan")}
    if len(ordered) >= 2:
        q = statistics.quantiles(ordered, n=4, method="inclusive")
        p25, p75 = q[0], q[2]
    else:
        p25 = p75 = ordered[0]
    return {"n": len(ordered), "median": statistics.median(ordered), "p25": p25, "p75": p75, "min": ordered[0]}


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


# -- results ---------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """One line of the combined table; every cell is already text so the table stays dumb."""

    benchmark: str
    measured: str
    baseline: str
    ratio: str
    target: str
    verdict: str
    note: str = ""


@dataclasses.dataclass
class BenchResult:
    name: str
    rows: list[Row]
    details: dict[str, Any]
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 2),
            "rows": [dataclasses.asdict(r) for r in self.rows],
            "details": self.details,
        }


def verdict(ok: bool) -> str:
    return PASS if ok else MISS


def print_table(rows: Sequence[Row], file: Any = None) -> None:
    """A plain aligned table (readable in CI logs), notes listed underneath."""
    out = file or sys.stdout
    headers = ["benchmark", "measured", "baseline", "ratio", "target", "result"]
    cells = [[r.benchmark, r.measured, r.baseline, r.ratio, r.target, r.verdict] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line, file=out)
    print("-+-".join("-" * w for w in widths), file=out)
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip(), file=out)
    notes = [(r.benchmark, r.note) for r in rows if r.note]
    if notes:
        print(file=out)
        for name, note in notes:
            print(f"  * {name}: {note}", file=out)
    out.flush()


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays the table."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- subprocesses ----------------------------------------------------------------

_IPYTHONDIR: str | None = None


def bench_env(base_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for every benchmark subprocess and kernel.

    Same bytecode cache for everyone, a throwaway IPYTHONDIR (no profile,
    no history file of the user's is touched), and the emulator's URL.
    """
    global _IPYTHONDIR
    if _IPYTHONDIR is None:
        _IPYTHONDIR = tempfile.mkdtemp(prefix="jg-bench-ipython-")
    PYCACHE_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE_DIR)
    env["IPYTHONDIR"] = _IPYTHONDIR
    env["PYTHONWARNINGS"] = "ignore"
    env.pop("OPENROUTER_BASE_URL", None)
    env["OPENROUTER_API_KEY"] = API_KEY
    if base_url is not None:
        env["OPENROUTER_BASE_URL"] = base_url
    env.update(extra)
    return env


def run_json_worker(
    script: str, args: Sequence[str], env: Mapping[str, str], *, python_flags: Sequence[str] = (), timeout: float = 300
) -> tuple[dict[str, Any], str]:
    """Run `benchmarks/<script>` in a fresh interpreter; its last stdout line is JSON.

    Returns that JSON and the worker's stderr (for `-X importtime`).
    """
    cmd = [sys.executable, *python_flags, str(HERE / script), *args]
    proc = subprocess.run(cmd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        what = f"{script} {args[0] if args else ''}".strip()
        log(f"{what} failed; its output follows\n{proc.stdout[-2000:]}\n{proc.stderr[-6000:]}")
        last = [line for line in proc.stderr.splitlines() if line.strip()] or ["(no error output)"]
        raise RuntimeError(f"{what} exited {proc.returncode}: {last[-1]}")
    return json.loads(lines[-1]), proc.stderr


# -- the emulator ----------------------------------------------------------------


def import_emulator() -> Any:
    """The emulator class, or a clear error if this checkout does not ship it yet."""
    try:
        from jupyter_gemini.emulator import Emulator
    except ImportError as exc:  # pragma: no cover - only before the emulator lands
        raise RuntimeError(f"jupyter_gemini.emulator is not importable ({exc}); these benchmarks need it") from exc
    return Emulator


@contextlib.contextmanager
def running_emulator() -> Iterator[Any]:
    """A zero-latency, unthrottled emulator in a thread of *this* (the driver) process.

    The code under test runs in a subprocess or kernel, so the emulator gets a
    core of its own instead of sharing a GIL with what is being measured.
    """
    emulator_cls = import_emulator()
    with emulator_cls(ttft=0.0, tokens_per_second=None) as emu:
        yield emu


def chat_bodies(emu: Any) -> list[dict[str, Any]]:
    """JSON bodies of the chat-completion requests the emulator has seen, oldest first."""
    return [r.json for r in emu.requests if r.method == "POST" and r.path.endswith("/chat/completions")]


def probe_bodies(emu: Any, prompts: Sequence[str]) -> list[dict[str, Any]]:
    """The exact request bodies `%%gemini --new` sends for these prompts.

    Captured from the emulator after a fresh subprocess asks them, so the bare
    SDK baseline sends byte-for-byte the same request (model, messages, stream
    options) without reaching into the package's private API.
    """
    emu.reset()
    run_json_worker("_worker_shell.py", ["probe", json.dumps(list(prompts))], bench_env(emu.base_url))
    bodies = chat_bodies(emu)
    if len(bodies) != len(prompts):
        raise RuntimeError(f"expected {len(prompts)} chat requests from the probe, the emulator saw {len(bodies)}")
    emu.reset()
    return bodies


def distinct_bodies(emu: Any) -> int:
    """How many different chat request bodies were sent (1 means both sides asked the same thing)."""
    return len({json.dumps(b, sort_keys=True) for b in chat_bodies(emu)})


# -- a real kernel -----------------------------------------------------------------

#: The baseline, run as a cell in the same shell or kernel as `%%gemini`: the
#: plainest streaming call through the official SDK, collecting the text.
#: Reads the same environment variables the extension does.
BARE_SETUP = """
import os as _jg_os
import openai as _jg_openai

_jg_client = _jg_openai.OpenAI(
    base_url=_jg_os.environ["OPENROUTER_BASE_URL"],
    api_key=_jg_os.environ["OPENROUTER_API_KEY"],
    timeout=120.0,
    max_retries=2,
)

def _jg_bare(body):
    known = {"model", "messages", "stream", "stream_options", "temperature", "max_tokens", "response_format"}
    kwargs = {k: v for k, v in body.items() if k in known}
    extra = {k: v for k, v in body.items() if k not in known}
    stream = _jg_client.chat.completions.create(**kwargs, extra_body=extra or None)
    parts = []
    for chunk in stream:
        for choice in chunk.choices or ():
            if choice.delta is not None and choice.delta.content:
                parts.append(choice.delta.content)
    return "".join(parts)
"""


@dataclasses.dataclass
class Execution:
    """One execute request, seen from outside the kernel."""

    wall: float
    cpu: float
    counts: dict[str, int]
    update_bytes: int
    status: str
    error: str = ""


class Kernel:
    """An ipykernel started with jupyter_client, as a notebook frontend would start it.

    Timing is execute_request → `idle` on iopub (what a user waits for); CPU is
    the kernel process's own user+system time from outside, so measuring it
    costs the kernel nothing.
    """

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        from jupyter_client.manager import start_new_kernel

        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("w")
        self.km, self.kc = start_new_kernel(
            kernel_name="python3", env=dict(env), stdout=self._log, stderr=self._log, startup_timeout=120
        )
        self.pid = int(self.km.provisioner.process.pid)
        self.cpu_source, self._cpu = _cpu_reader(self.pid)

    def execute(self, code: str, *, timeout: float = 120.0, count_bytes: bool = False) -> Execution:
        kc = self.kc
        cpu0 = self._cpu()
        t0 = time.perf_counter()
        msg_id = kc.execute(code, store_history=True)
        counts: dict[str, int] = {}
        update_bytes = 0
        error = ""
        deadline = t0 + timeout
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.perf_counter()))
            except queue.Empty:
                raise RuntimeError(f"the kernel did not go idle within {timeout:.0f} s running {code[:60]!r}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            counts[kind] = counts.get(kind, 0) + 1
            if count_bytes and kind == "update_display_data":
                update_bytes += len(json.dumps(msg["content"]))
            if kind == "error":
                content = msg["content"]
                error = f"{content.get('ename')}: {content.get('evalue')}"
                traceback = _ANSI.sub("", "\n".join(content.get("traceback", [])))
                log(f"kernel error running {code[:60]!r}:\n{traceback[-6000:]}")
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        wall = time.perf_counter() - t0
        cpu = self._cpu() - cpu0
        reply = kc.get_shell_msg(timeout=timeout)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=timeout)
        status = reply["content"]["status"]
        if status != "ok" and not error:
            error = str(reply["content"].get("evalue", status))
        return Execution(wall=wall, cpu=cpu, counts=counts, update_bytes=update_bytes, status=status, error=error)

    def run(self, code: str, *, timeout: float = 120.0) -> Execution:
        """Execute and insist it worked (setup code, not measurements)."""
        result = self.execute(code, timeout=timeout)
        if result.status != "ok":
            raise RuntimeError(f"kernel setup failed:\n{code}\n{result.error}")
        return result

    def executable(self) -> str:
        try:
            import psutil

            return str(psutil.Process(self.pid).exe())
        except Exception:
            return os.path.realpath(f"/proc/{self.pid}/exe") if os.path.exists(f"/proc/{self.pid}/exe") else "?"

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self.km.shutdown_kernel(now=True)
        self._log.close()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _cpu_reader(pid: int) -> tuple[str, Any]:
    """user+system CPU seconds of another process, all threads (exited ones too).

    Linux exposes a process's CPU clock with nanosecond resolution as a
    clockid derived from its pid (what clock_getcpuclockid(3) returns); /proc
    and psutil only count 10 ms ticks, too coarse for one short cell.
    """
    clock_id = ((~pid) << 3) | 2  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
    try:
        time.clock_gettime(clock_id)

        def read_clock() -> float:
            return time.clock_gettime(clock_id)

        return "process CPU clock (ns)", read_clock
    except (OSError, AttributeError, OverflowError):
        pass
    try:
        import psutil

        proc = psutil.Process(pid)

        def read_psutil() -> float:
            t = proc.cpu_times()
            return float(t.user + t.system)

        return "psutil (10 ms ticks)", read_psutil
    except ImportError:
        ticks = os.sysconf("SC_CLK_TCK")

        def read_proc() -> float:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / ticks

        return "/proc/PID/stat (10 ms ticks)", read_proc


def package_versions(names: Sequence[str]) -> dict[str, str | None]:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
