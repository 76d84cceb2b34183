"""`python -m jupyter_gemini.emulator`: serve the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from types import FrameType

from ._config import EmulatorConfig
from ._emulator import Emulator
from ._faults import DEFAULT_FAULT_POOL, FAULTS
from ._tokens import TOKENIZERS

_PROG = "python -m jupyter_gemini.emulator"


def _credit(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Local OpenRouter emulator for jupyter-gemini: labelled, deterministic answers, "
        "exact billing and injectable faults, with no network and no credits spent.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    add("--port", type=int, default=0, help="port (default 0: any free port)")
    add("--allow-remote", action="store_true", help="allow a non-loopback --host")
    add("--ttft", type=float, default=0.0, help="seconds before the first token (default 0)")
    add("--tps", type=float, default=None, help="tokens per second when streaming (default: no limit)")
    add("--chunk-tokens", type=int, default=1, help="tokens per stream chunk (default 1)")
    add("--tokens", type=int, default=60, help="answer length in tokens when a request doesn't say (60)")
    add(
        "--tokenizer",
        choices=TOKENIZERS,
        default="chars",
        help="chars: 4 characters a token (default); dense: a token per CJK character, symbol or emoji",
    )
    add("--keepalive", type=float, default=0.5, help="seconds between keep-alive comments (0.5)")
    add("--fault-rate", type=float, default=0.0, help="probability of a random fault per request (0)")
    add("--seed", type=int, default=None, help="seed for random faults (reproducible runs)")
    add(
        "--faults",
        default=",".join(DEFAULT_FAULT_POOL),
        help=f"comma-separated faults to draw from (default {','.join(DEFAULT_FAULT_POOL)}); "
        f"known: {', '.join(FAULTS)}",
    )
    add("--credit-limit", type=_credit, default=None, help="credit limit in USD (default: none)")
    add("--generation-delay", type=float, default=0.0, help="seconds GET /generation answers 404 (0)")
    add("--no-auth", action="store_true", help="accept requests without an API key")
    add("--quiet", action="store_true", help="don't log each request to stderr")
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fail(message: str) -> int:
    print(f"{_PROG}: error: {message}", file=sys.stderr, flush=True)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m jupyter_gemini.emulator`: serve until Ctrl-C; the exit status for the shell."""
    args = _parser().parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_remote:
        return _fail(f"refusing to listen on non-loopback host {args.host!r}; add --allow-remote to allow it")
    try:
        config = EmulatorConfig(
            host=args.host,
            port=args.port,
            ttft=args.ttft,
            tokens_per_second=args.tps,
            chunk_tokens=args.chunk_tokens,
            keepalive_interval=args.keepalive,
            default_tokens=args.tokens,
            tokenizer=args.tokenizer,
            fault_rate=args.fault_rate,
            seed=args.seed,
            fault_pool=tuple(name.strip() for name in args.faults.split(",") if name.strip()),
            credit_limit=args.credit_limit,
            generation_lookup_delay=args.generation_delay,
            require_auth=not args.no_auth,
        )
        emulator = Emulator(config).start()
    except (ValueError, OSError, RuntimeError) as exc:
        return _fail(str(exc))
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
        logging.getLogger("tornado").setLevel(logging.ERROR)
    url = emulator.base_url
    print(f"jupyter-gemini emulator: {url}", flush=True)
    print(f"  export OPENROUTER_BASE_URL={url} OPENROUTER_API_KEY=sk-or-emulator", flush=True)
    print("  Answers are labelled as emulated; Ctrl-C stops the server.", flush=True)

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
