"""Fuzzing (SPEC §2.6; issue 8): whatever text mcalc gets, it answers promptly with a result or
a clear error — exit status 0, 1 or 2, no traceback, a message on stderr for 2 and a report for
1 (a check that did not pass), under 2 s of CPU per input — and batch mode answers every
non-blank line, in order.

Three sources of input, all derandomized so CI sees the same cases every run:

- well-shaped expressions generated from the grammar (the strategies of test_properties, which
  also feed the derivative checks there), through every command;
- mutations of valid expressions (the identity corpus): truncation, insertions and deletions,
  confusable Unicode, control characters, lone surrogates (what a non-UTF-8 argv decodes
  to), very long names and numbers, deep brackets, repeated slices;
- batches of such lines as bytes on stdin, with invalid UTF-8, NULs, CRs and byte order marks.

The default budget is 10,000 inputs per run; `MCALC_FUZZ_EXAMPLES=1000000` runs a longer one,
and `MCALC_FUZZ_SEED=n` other cases.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import time

import pytest
import typer.testing
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mcalc.cli import app
from mcalc.parser import MAX_INPUT_CHARS
from tests.corpus.identities import IDENTITIES
from tests.test_properties import LET, expr_and_wrt

BUDGET = int(os.environ.get("MCALC_FUZZ_EXAMPLES", "10000"))
BATCH_LINES = 8                                  # lines per generated batch
MUTATION_EXAMPLES = max(1, BUDGET * 70 // 100)
GENERATED_EXAMPLES = max(1, BUDGET * 10 // 100)
BATCH_EXAMPLES = max(1, BUDGET * 20 // 100 // BATCH_LINES)
MAX_CPU_SECONDS = 2.0

# MCALC_FUZZ_SEED=n draws other cases than CI's (reproducible with the same n).
SEED = os.environ.get("MCALC_FUZZ_SEED")
FUZZ = dict(deadline=None, derandomize=SEED is None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))

runner = CliRunner()


def seeded(test):
    return seed(int(SEED))(test) if SEED is not None else test



@pytest.fixture(scope="module", autouse=True)
def command_built_once():
    """typer's test runner builds the click command from the app on every invoke, which is
    most of an invoke's time: built once here, the budget goes to mcalc itself."""
    command = typer.testing._get_command(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", lambda _app: command)
        yield


class Hang(BaseException):
    """Raised by the watchdog: a BaseException, so no `except Exception` in mcalc eats it."""


def _watchdog(signum, frame):
    raise Hang(f"no answer within {WATCHDOG_SECONDS} s")


WATCHDOG_SECONDS = 20     # a hang fails the test (with its input) instead of stalling CI


def invoke(args: list[str], input: bytes | None = None):
    """The result and its CPU seconds; an input over the limit runs once more and keeps the
    faster time, as a loaded machine can slow one run (a slow input is slow both times)."""
    result, cpu = _timed_invoke(args, input)
    if cpu >= MAX_CPU_SECONDS:
        cpu = min(cpu, _timed_invoke(args, input)[1])
    return result, cpu


def _timed_invoke(args: list[str], input: bytes | None):
    previous = signal.signal(signal.SIGALRM, _watchdog)
    signal.alarm(WATCHDOG_SECONDS)
    gc.disable()          # the CPU time is this input's: no collection of the whole run's heap
    try:
        started = time.process_time()
        result = runner.invoke(app, args, input=input)
        return result, time.process_time() - started
    except Hang:
        raise AssertionError(f"no answer within {WATCHDOG_SECONDS} s: {args}") from None
    finally:
        gc.enable()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_answered(result, cpu: float, allowed=(0, 1, 2), batch: bool = False) -> None:
    """The property every input must have (`cpu` per input; a batch of blank lines prints
    nothing)."""
    out, err = result.stdout, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in allowed, (result.exit_code, err[-500:])
    assert "Traceback" not in out + err and "internal error" not in err, err[-2000:]
    if result.exit_code == 2:
        assert err.strip(), "an error with no message"
    elif result.exit_code == 1:                  # a check that did not pass: its report
        assert (out + err).strip(), "a failed check with no report"
    elif not batch:
        assert out.strip(), "a success with no output"
    assert cpu < MAX_CPU_SECONDS, f"{cpu:.2f} s of CPU"


# ---- mutations of valid expressions -------------------------------------------------------------

SEEDS = sorted({i.expr for i in IDENTITIES} | {
    "max(0, **w**·**x** + b)", "sum((W **x** + **b** - **y**).^2)", "**x**^T A **x**",
    "u^2 where u = sin(x)", "[x, 2x; 3, x^2]", "‖A **x** - **b**‖^2", "x^3", "softmax(**x**)",
})
WRTS = ("x", "A", "w", "W", "b", "y", "u")

CONFUSABLES = ("а", "е", "о", "х", "А", "Т", "ｘ", "Ａ", "＋", "（", "）", "−", "–", "—", "∗", "•",
               "′", "″", "’", "“", "ℓ", "ⅹ", "𝑥", "𝐱", "𝒙", "ᵀ", "⁻¹", "²", "∂", "∇", "∑", "√",
               "∞", "≤", "≠", "×", "÷", "ǀ", "∣", "ı", "İ", "ß", "Ω", "µ", "ﬁ", "🙂", "中",
               "\u00a0", "\u200b", "\u0301", "\ufeff", "\u202e", "\u2066")
CONTROLS = tuple(chr(c) for c in (*range(0x20), 0x7F, 0x85, 0x9B)) + ("\u2028", "\u2029")
SURROGATES = ("\udcff", "\udc80", "\ud800")
TOKENS = ("**", "^", "^T", "^-1", "'", "⊙", ".*", "./", "⊘", "⊗", "·", "(", ")", "[", "]", ";",
          ",", "=", "where", "‖", "|", "sum(", "tr(", "inv(", "det(", "softmax(", "max(", "diag(",
          "1e999", "1e-999", "0", "0.5", "-", "+", "/", "\\", "\\input{secret.tex}",
          "\\write18{rm -rf /}", "__import__('os').system('x')", "**x**", "x", "A", "I", "π",
          "_", "_{", "}", "{", "x_1", "\"", "`", "$", "%", "&", "#", "@", "!", "?", "~", ":",
          "let", "n×n", " ")
ALPHABET = tuple(chr(c) for c in range(0x20, 0x7F)) + CONFUSABLES + CONTROLS + SURROGATES


@st.composite
def piece(draw) -> str:
    """A fragment to insert: a character, a token, or something very long."""
    kind = draw(st.integers(0, 9))
    if kind <= 3:
        return draw(st.sampled_from(ALPHABET))
    if kind <= 6:
        return draw(st.sampled_from(TOKENS))
    size = draw(st.sampled_from((50, 101, 400, 2_000, 11_000)))
    return draw(st.sampled_from((
        "x" * size, "9" * size, "1e" + "9" * min(size, 30), "0." + "0" * size + "1",
        "x_{" + "1" * size + "}", "**" + "w" * size + "**", "(" * size, ")" * size,
        "x^" * min(size, 400) + "x", "-" * size, "'" * size, "sin(" * min(size, 300),
    )))


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, n))
        op = draw(st.integers(0, 6))
        if op == 0:
            text = text[:i]                                          # truncate
        elif op == 1:
            text = text[:i] + text[j:]                               # delete a slice
        elif op in (2, 3):
            text = text[:i] + draw(piece()) + text[i:]               # insert
        elif op == 4:
            text = text[:i] + draw(piece()) + text[j:]               # replace a slice
        elif op == 5:
            text = text[:j] + text[i:j] * draw(st.integers(1, 50)) + text[j:]   # repeat a slice
        else:
            k = draw(st.integers(1, 300))
            text = "(" * k + text + ")" * k                          # wrap
    return text


COMMANDS = (
    ["diff", "--wrt", "{wrt}", "-f", "text"],
    ["diff", "--wrt", "{wrt}", "-f", "json"],
    ["diff", "--wrt", "{wrt}", "-f", "latex"],
    ["diff", "--wrt", "{wrt}", "--ascii"],
    ["diff", "--wrt", "{wrt}", "-f", "rich"],
    ["explain", "--wrt", "{wrt}", "-f", "rich"],
    ["hessian", "--wrt", "{wrt}", "-f", "latex", "--standalone"],
    ["diff", "--wrt", "{wrt}", "--layout", "denominator", "-f", "json"],
    ["diff", "--wrt", "{wrt}", "--dims", "n=2,m=3", "-f", "json"],
    ["hessian", "--wrt", "{wrt}", "-f", "json"],
    ["shape", "-f", "json"],
    ["shape", "-f", "text"],
    ["explain", "--wrt", "{wrt}", "-f", "text"],
    ["check", "--wrt", "{wrt}", "-f", "json"],
    ["eval", "--at", "x=0.5", "--at", "A=[[1,2],[3,4]]", "-f", "json"],
)


def command_line(command: list[str], expr: str, wrt: str) -> list[str]:
    # The expression after `--`, as a script passing user text safely would.
    return [a.replace("{wrt}", wrt) for a in command] + ["--", expr]


@seeded
@settings(max_examples=MUTATION_EXAMPLES, **FUZZ)
@given(mutated(), st.sampled_from(WRTS), st.sampled_from(COMMANDS))
def test_mutated_input_is_answered(expr, wrt, command):
    # `-` alone reads expressions from stdin, here empty: nothing to print.
    assert_answered(*invoke(command_line(command, expr, wrt)), batch=expr == "-")


# ---- well-shaped expressions from the grammar ---------------------------------------------------

DECLARATIONS = [a for decl in LET for a in ("--let", decl)]


@seeded
@settings(max_examples=GENERATED_EXAMPLES, **FUZZ)
@given(expr_and_wrt(depth=3), st.sampled_from([c for c in COMMANDS if c[0] not in ("check", "eval")]))
def test_generated_expression_is_answered(case, command):
    expr, wrt = case
    result, cpu = invoke(command_line(command, expr, wrt)[:-2] + DECLARATIONS + ["--", expr])
    # Well-shaped, so only a Hessian of a non-scalar or an explanation through a matrix may be
    # refused, and then as `unsupported`.
    assert_answered(result, cpu)
    if result.exit_code != 0:
        assert command[0] in ("hessian", "explain") and "unsupported" in result.stderr, result.stderr


# ---- batches of bytes on stdin ------------------------------------------------------------------

BAD_BYTES = (b"\xff", b"\xfe", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
             b"\xe2\x82", b"\x00", b"\r", b"\x1b[2J", b"\xef\xbb\xbf")


@st.composite
def batch_line(draw) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.sampled_from((b"", b"   ", b"\t", b"\r")))          # blank lines
    text = draw(mutated()) if kind <= 3 else draw(st.sampled_from(SEEDS))
    # Lone surrogates become the invalid UTF-8 a broken file would hold.
    raw = text.replace("\n", " ").encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + draw(st.sampled_from(BAD_BYTES)) + raw[i:]
    return raw


LINE_LIMIT = 4 * MAX_INPUT_CHARS + 2                   # bytes: the characters' limit in UTF-8


def records_expected(lines: list[bytes]) -> list[str]:
    """The input each record must carry: one per non-blank line, in order (a CR before the
    newline is part of the line break; undecodable bytes read as U+FFFD; a line over the
    limit is cut to its first 60 bytes and …)."""
    out = []
    for i, raw in enumerate(lines):
        if i == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > LINE_LIMIT:                          # a limit error, its text cut
            out.append(raw[:60].decode("utf-8", "replace") + "…")
            continue
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        text = raw.decode("utf-8", "replace")
        if text.strip():
            out.append(text)
    return out


@seeded
@settings(max_examples=BATCH_EXAMPLES, **FUZZ)
@given(st.lists(batch_line(), min_size=1, max_size=2 * BATCH_LINES - 1),
       st.sampled_from(("diff", "hessian")), st.booleans())
def test_batch_answers_every_line_in_order(lines, command, final_newline):
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    result, cpu = invoke([command, "-", "--wrt", "x", "-f", "jsonl"], input=data)
    assert_answered(result, cpu / len(lines), allowed=(0, 1), batch=True)
    records = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert [r["input"] for r in records] == records_expected(lines)
    failed = [r for r in records if "error" in r]
    assert (result.exit_code == 1) == bool(failed)
    assert all(r["error"]["type"] in ("parse", "shape", "kind", "limit", "unsupported", "usage")
               for r in failed)
