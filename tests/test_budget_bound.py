"""The budget cap is an upper bound: property tests that try to bill past it.

The emulator runs its dense tokenizer (a token per CJK character, symbol,
punctuation mark and emoji code point), far denser than the 4 characters a
token the ≈ estimate assumes. Prompts mix code, symbols, CJK, emoji and ASCII;
budgets and --max-tokens are random. Questions go through the real paths
(`%%gemini`, `jupyter_gemini.ask` in the shell, `jupyter_gemini.map`) until
one is refused, and the emulator's billed total must never pass the cap.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import magics, run_cell
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import jupyter_gemini
from jupyter_gemini._cost._catalog import Catalog
from jupyter_gemini._cost._estimate import prompt_token_bound
from jupyter_gemini._transport._wire import ChatRequest
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.emulator._tokens import IMAGE_TOKENS, count_text_tokens, prompt_stats
from jupyter_gemini.errors import BudgetError

MODEL = Catalog().get("google/gemini-3.1-flash-lite")
assert MODEL is not None

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
SYMBOLS = st.sampled_from(list("{}[]()<>=+-*/%&|^~!?@#$;:,.'\"\\`→≠≤≥∑∫√∞©®™…—·•€£¥§¶°±×÷"))
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
#: Anything UTF-8 can carry (lone surrogates cannot be sent as JSON text at all).
ANYTHING = st.characters(blacklist_categories=("Cs",))
CODE = st.sampled_from(
    [
        "def f(x):\n    return {k: v**2 for k, v in x.items() if v}\n",
        "for(i=0;i<n;++i){a[i]^=b[i]>>1;}",
        'SELECT a, COUNT(*) FROM t WHERE b <> "x" GROUP BY a;',
        "x = np.where(m > 0, m, -m) @ w.T  # λ → ∞",
        "$ ls -la | grep -E '^d' && echo \"${HOME}\"",
        '<div class="a">&nbsp;</div>',
        "ﷺ ﬀ ㎏ ①",  # characters whose NFKC form is longer
        "👨‍👩‍👧‍👦🏳️‍🌈",  # emoji joined by zero-width joiners
    ]
)
CHUNK = st.one_of(
    st.text(CJK, min_size=1, max_size=60),
    st.text(EMOJI, min_size=1, max_size=30),
    st.text(SYMBOLS, min_size=1, max_size=60),
    st.text(ASCII, min_size=1, max_size=60),
    st.text(ANYTHING, min_size=1, max_size=30),
    CODE,
)
TEXT = st.lists(CHUNK, min_size=1, max_size=24).map("".join)

SHELL_EXAMPLES = 80
MAP_EXAMPLES = 50
#: Questions per example at most: enough to reach the cap, few enough to keep the test quick.
MAX_ASKS = 8

FIXTURES_ACROSS_EXAMPLES = settings(
    deadline=None,
    # The shell and emulator are shared by the examples on purpose: each example measures
    # its own spend from where the last one stopped.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- the bound itself ------------------------------------------------------------


@st.composite
def messages(draw: Any) -> list[dict[str, Any]]:
    result = []
    for _ in range(draw(st.integers(1, 6))):
        role = draw(st.sampled_from(["system", "user", "assistant"]))
        if draw(st.booleans()):
            content: Any = draw(st.text(ANYTHING, max_size=80) | TEXT)
        else:
            content = [{"type": "text", "text": draw(TEXT | st.text(ANYTHING, max_size=40))} for _ in range(3)]
        result.append({"role": role, "content": content})
    return result


@settings(max_examples=1000, deadline=None)
@given(messages=messages(), images=st.integers(0, 3))
def test_bound_is_never_below_the_dense_count(messages: list[dict[str, Any]], images: int) -> None:
    """For any conversation, the bound covers the dense tokenizer's count (and the default one's)."""
    last = messages[-1]
    if images:
        text = last["content"] if isinstance(last["content"], str) else ""
        parts = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}] * images
        last["content"] = [{"type": "text", "text": text}, *parts]
    request = ChatRequest(model=MODEL.id, messages=messages, attachment_tokens=images * IMAGE_TOKENS)
    bound = request.prompt_token_bound()
    assert bound == prompt_token_bound(messages, images * IMAGE_TOKENS)
    assert bound >= prompt_stats(messages, "dense").tokens
    assert bound >= prompt_stats(messages, "chars").tokens
    assert bound >= request.estimated_prompt_tokens()


@settings(max_examples=500, deadline=None)
@given(text=st.text(ANYTHING) | TEXT)
def test_every_dense_token_covers_a_byte(text: str) -> None:
    """What makes the bound hold against the dense tokenizer, checked on its own."""
    assert count_text_tokens(text, "dense") <= len(text.encode())


# -- asking until refused ---------------------------------------------------------


def chat_count(emulator: Emulator) -> int:
    return sum(r.path.endswith("/chat/completions") for r in emulator.requests)


def one_line_refusal(error: BaseException | None) -> str:
    assert isinstance(error, BudgetError), repr(error)
    (line,) = error._render_traceback_()
    assert "\n" not in line and "nothing was sent" in line
    return line


def worst_unit(prompt: str, max_tokens: int | None) -> Decimal:
    """About what one question could be billed (the emulator's own count), to put random caps near the edge."""
    answer = max_tokens if max_tokens is not None else MODEL.max_completion_tokens
    return MODEL.cost(count_text_tokens(prompt, "dense") + 60, answer)


@settings(FIXTURES_ACROSS_EXAMPLES, max_examples=SHELL_EXAMPLES)
@given(
    prompts=st.lists(TEXT, min_size=1, max_size=MAX_ASKS),
    max_tokens=st.none() | st.integers(1, 300),
    caps=st.floats(0, 3) | st.floats(3, 30),  # near the edge, or room for several questions
    via=st.sampled_from(["magic", "magic --no-stream", "ask"]),
)
def test_asking_until_refused_never_bills_past_the_cap(
    ip: Any, emulator: Emulator, prompts: list[str], max_tokens: int | None, caps: float, via: str
) -> None:
    emulator.config.tokenizer = "dense"
    session = magics(ip).session
    billed_before = emulator.billed_total
    cap = (Decimal(repr(caps)) * worst_unit(prompts[0], max_tokens)).quantize(Decimal("0.000001"))
    # The cap counts from what this session already spent in earlier examples.
    run_cell(ip, f"%gemini budget {session.tally.total + cap}")
    flag = f" --max-tokens {max_tokens}" if max_tokens is not None else ""
    refused, first_sent = False, chat_count(emulator)
    for number, text in enumerate(prompts):
        # Answers as long as allowed, so the answers use up the cap as well as the prompts.
        prompt = f"[[emulator: tokens={max_tokens or 200}]] {number} {text}"
        sent_before = chat_count(emulator)
        if via == "ask":
            ip.user_ns.update(bound_prompt=prompt, bound_max=max_tokens)
            result, _ = run_cell(ip, "import jupyter_gemini\njupyter_gemini.ask(bound_prompt, max_tokens=bound_max)")
        else:
            # `{` starts a {variable} reference in a cell; ask() covers prompts with braces.
            result, _ = run_cell(ip, f"%%gemini{flag}{via.removeprefix('magic')}\n" + prompt.replace("{", "("))
        if not result.success:
            one_line_refusal(result.error_in_exec)
            assert chat_count(emulator) == sent_before  # nothing sent
            refused = True
        billed = emulator.billed_total - billed_before
        assert billed <= cap, f"billed {billed} > cap {cap} after question {number + 1}"
        if refused:
            break
    event(f"{via}: {'refused' if refused else 'never refused'}")
    event(f"questions answered: {chat_count(emulator) - first_sent}")
    assert emulator.billed_total - billed_before <= cap
    assert session.tally.total == emulator.billed_total or session.tally.estimated


@settings(FIXTURES_ACROSS_EXAMPLES, max_examples=MAP_EXAMPLES)
@given(
    rows=st.lists(TEXT, min_size=1, max_size=12),
    max_tokens=st.none() | st.integers(1, 300),
    caps=st.floats(0, 3),
)
def test_map_never_bills_past_the_cap(
    ip: Any, emulator: Emulator, rows: list[str], max_tokens: int | None, caps: float
) -> None:
    emulator.config.tokenizer = "dense"
    session = magics(ip).session
    answer = max_tokens or 200
    prompts = [f"[[emulator: tokens={answer}]] {text}" for text in rows]
    assume(len(set(prompts)) == len(prompts))
    unit = sum((worst_unit(p, max_tokens) for p in prompts), Decimal(0))
    cap = (Decimal(repr(caps)) * unit).quantize(Decimal("0.000001"))
    billed_before, sent_before = emulator.billed_total, chat_count(emulator)
    first_sent = sent_before
    run_cell(ip, f"%gemini budget {session.tally.total + cap}")
    for _ in range(3):  # map again until refused: each run costs what is left
        try:
            jupyter_gemini.map(None, prompts, max_tokens=max_tokens, cache=False, confirm=True)
        except BudgetError as error:
            one_line_refusal(error)
            event(f"map refused after {chat_count(emulator) - first_sent} rows")
            break
        finally:
            assert emulator.billed_total - billed_before <= cap
        sent_before = chat_count(emulator)
    assert chat_count(emulator) == sent_before  # the refused run sent nothing
