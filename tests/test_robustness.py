"""Hostile input, numeric edge cases, pipes and signals (SPEC §2.6, §2.7; issue 8).

- every limit gives a `limit` error (exit status 2) at once, and `--help` names it;
- the deepest input each operator may build runs through every command without a
  RecursionError, promptly (in-process, and in one real process to rule out a C stack overflow);
- NaN and infinity follow the documented policy (text nan/inf, JSON null), singular matrices
  give a clear message, and `check` resamples near kinks instead of reporting a false mismatch;
- `mcalc … | head -1` ends quietly with status 0, Ctrl-C exits 130 without a traceback, and
  batch mode gives one record per non-blank line, in order, whatever the line holds.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mcalc import api, checking, parser
from mcalc.cli import app
from mcalc.errors import LimitError, MCalcError

MCALC = Path(sys.executable).with_name("mcalc")
runner = CliRunner()


def invoke(*args: str, input: bytes | str | None = None, env: dict | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


class Hang(BaseException):
    """The watchdog's: a BaseException, so no `except Exception` in mcalc eats it."""


def _watchdog(signum, frame):
    raise Hang("no answer within 60 s")


def cpu_seconds(run):
    """CPU time of `run()` in this process: other people's jobs on the machine do not count,
    nor does collecting other tests' garbage. A hang fails the test instead of stalling CI."""
    gc.collect()
    previous = signal.signal(signal.SIGALRM, _watchdog)
    signal.alarm(60)
    try:
        started = time.process_time()
        out = run()
        return out, time.process_time() - started
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---- limits ------------------------------------------------------------------------------------

BIG_LITERAL = "[" + ", ".join("[" + ", ".join(["1"] * 45) + "]" for _ in range(45)) + "]"
LIMITS = [
    ("input-length", ["shape", "x+" * 5_000 + "x"]),
    ("ten-thousand-parentheses", ["diff", "(" * 10_000 + "x" + ")" * 10_000, "--wrt", "x"]),
    ("nested-parentheses", ["diff", "(" * 4_999 + "x" + ")" * 4_999, "--wrt", "x"]),
    ("nested-calls", ["diff", "sin(" * 1_500 + "x" + ")" * 1_500, "--wrt", "x"]),
    ("nested-norms", ["shape", "‖" * 1_000 + "**x**" + "‖" * 1_000]),
    ("sum-of-3000-terms", ["diff", "+".join(["x"] * 3_000), "--wrt", "x"]),
    ("product-of-3000-factors", ["diff", "x" * 3_000, "--wrt", "x"]),
    ("power-tower-3000", ["diff", "^".join(["x"] * 3_000), "--wrt", "x"]),
    ("power-tower-just-over", ["diff", "^".join(["x"] * (parser.MAX_TREE_DEPTH + 2)), "--wrt", "x"]),
    ("signs-3000", ["diff", "x+" + "-" * 3_000 + "x", "--wrt", "x"]),
    ("transposes-3000", ["shape", "A" + "ᵀ" * 3_000]),
    ("hessian-deep", ["hessian", "+".join(["x"] * 3_000), "--wrt", "x"]),
    ("explain-deep", ["explain", "+".join(["x"] * 3_000), "--wrt", "x"]),
    ("check-deep", ["check", "+".join(["x"] * 3_000), "--wrt", "x"]),
    ("eval-deep", ["eval", "+".join(["x"] * 3_000), "--at", "x=1"]),
    ("long-number", ["shape", "1" * (parser.MAX_NUMBER_DIGITS + 1) + " x"]),
    ("huge-exponent-literal", ["shape", f"1e{parser.MAX_NUMBER_EXPONENT + 1} x"]),
    ("superscript-digits", ["shape", "x" + "²" * (parser.MAX_NUMBER_DIGITS + 1)]),
    ("long-subscript", ["shape", "x_{" + "a" * 20_000 + "}"]),
    ("long-let", ["shape", "x", "--let", "x: n, " * 3_000 + "y: n"]),
    ("huge-matrix-literal", ["eval", "[" + ",".join(["[" + ",".join(["1"] * 80) + "]"] * 80) + "]"]),
    ("eval-exponent", ["eval", "x^2000000", "--at", "x=2"]),
    ("eval-matrix-power", ["eval", "A^999999999", "--at", "A=[[1,2],[3,4]]"]),
    ("dims-size", ["diff", "**x**^T A **x**", "--wrt", "x", "--dims", "n=1000000000"]),
    ("dims-size-just-over", ["diff", "**x**^T **x**", "--wrt", "x", "--dims", f"n={api.MAX_DIM_SIZE + 1}"]),
    ("dims-variable-entries", ["diff", "**x**^T A **x**", "--wrt", "x", "--dims", "n=101"]),
    ("dims-result-entries", ["hessian", "**x**^T **x**", "--wrt", "x", "--dims", "n=101"]),
    ("dims-jacobian-entries", ["diff", "**x** **x**^T", "--wrt", "x", "--dims", "n=25"]),
    ("explain-steps", ["explain", "+".join(f"sin({'x' * k})" for k in range(1, 60)), "--wrt", "x"]),
    ("at-file-endless", ["eval", "x", "--at-file", "/dev/zero"]),
]


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Imports (SymPy for --dims) and the parser are built before anything is timed."""
    invoke("diff", "**x**^T **x**", "--wrt", "x", "--dims", "n=2", "-f", "json")
    invoke("eval", "x", "--at", "x=1")


@pytest.mark.parametrize("args", [a for _, a in LIMITS], ids=[i for i, _ in LIMITS])
def test_limit_errors_are_clear_and_immediate(args):
    result, cpu = cpu_seconds(lambda: invoke(*args, "-f", "json"))
    no_traceback(result)
    assert result.exit_code == 2, (result.stdout[-500:], result.stderr[-500:])
    record = json.loads(result.stdout.splitlines()[-1])
    assert record["error"]["type"] == "limit", record
    assert result.stderr.startswith("limit error: "), result.stderr[:300]
    assert cpu < 1.0, f"{cpu:.2f} s"


def test_a_long_wrt_is_a_usage_error():
    result, cpu = cpu_seconds(lambda: invoke("diff", "x", "--wrt", "x" * 20_000, "-f", "json"))
    no_traceback(result)
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["type"] == "usage"
    assert cpu < 1.0


def test_a_matrix_literal_within_the_limit_is_evaluated():
    result, cpu = cpu_seconds(lambda: invoke("eval", BIG_LITERAL + " **x**", "--at", f"x={[1] * 45}",
                                             "-f", "json"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["value"] == [[45.0]] * 45
    assert cpu < 2.0


def test_limits_are_in_the_help():
    env = {"COLUMNS": "300", "NO_COLOR": "1"}
    for command in ("shape", "diff", "hessian", "eval", "check", "explain"):
        text = " ".join(invoke(command, "--help", env=env).stdout.split())
        assert f"{parser.MAX_INPUT_CHARS:,} characters" in text, command
        assert f"brackets nested {parser.MAX_NESTING} deep" in text, command
        assert f"operators nested {parser.MAX_TREE_DEPTH:,} deep" in text, command
        assert f"numbers of {parser.MAX_NUMBER_DIGITS} digits" in text, command
    for command in ("diff", "hessian", "eval", "check"):
        text = " ".join(invoke(command, "--help", env=env).stdout.split())
        assert f"each at most {api.MAX_DIM_SIZE:,}" in text, command
    from mcalc.components import MAX_ENTRIES
    from mcalc.numeric import MAX_NUMERIC_ENTRIES, MAX_POWER_EXPONENT
    assert MAX_ENTRIES == api.MAX_DIM_SIZE            # the help says both are 10,000
    text = " ".join(invoke("eval", "--help", env=env).stdout.split())
    assert "nan, inf, -inf (null in JSON)" in text
    assert MAX_POWER_EXPONENT == 1e6 and "over 1e6" in text and f"{MAX_NUMERIC_ENTRIES:,} entries" in text
    text = " ".join(invoke("diff", "--help", env=env).stdout.split())
    assert "blank lines are skipped" in text and "not UTF-8" in text


# ---- the deepest accepted input of every operator ------------------------------------------------

FAMILIES = {     # name: (builder of an input n deep, variable)
    "sum": (lambda n: "+".join(["x"] * n), "x"),
    "difference": (lambda n: "-".join(["x"] * n), "x"),
    "juxtaposition": (lambda n: "x" * n, "x"),
    "quotient": (lambda n: "/".join(["x"] * n), "x"),
    "hadamard": (lambda n: "⊙".join(["**x**"] * n), "x"),
    "matmul": (lambda n: " ".join(["A"] * n) + " **x**", "x"),
    "signs": (lambda n: "-" * n + "x", "x"),
    "transposes": (lambda n: "A" + "'" * n + " **x**", "x"),
    "inverses": (lambda n: "A" + "^-1" * n, "A"),
    "power-tower": (lambda n: "x^" * n + "x", "x"),
    "calls": (lambda n: "sin(" * n + "x" + ")" * n, "x"),
    "parentheses": (lambda n: "(" * n + "x" + ")" * n, "x"),
    "norms": (lambda n: "‖" * n + "**x**" + "‖" * n, "x"),
    "squares": (lambda n: "(" * n + "x" + ")^2" * n, "x"),
    "softmax": (lambda n: "sum(" + "softmax(" * n + "**x**" + ")" * n + ")", "x"),
    "max": (lambda n: "max(" * n + "x" + ", 1)" * n, "x"),
    "kron": (lambda n: "⊗".join(["A"] * n), "A"),
    "definitions": (lambda n: "u_1 where " + ", ".join(f"u_{{{i}}} = x u_{{{i + 1}}}" for i in range(1, n))
                    + f", u_{{{n}}} = x", "x"),
    "vector-literal": (lambda n: "[" + ",".join(["x"] * n) + "]", "x"),
    "matrix-literal": (lambda n: "[" + ",".join(["[" + ",".join(["x"] * n) + "]"] * n) + "]", "x"),
}


def deepest(build) -> int:
    """The largest n whose input the parser accepts (limits only; other errors count as accepted)."""
    def accepted(n: int) -> bool:
        try:
            parser.parse(build(n))
        except LimitError:
            return False
        except MCalcError:
            pass
        return True
    lo, hi = 1, 5_000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if accepted(mid) else (lo, mid - 1)
    return lo


@pytest.fixture(scope="module")
def deepest_inputs():
    return {name: (build(deepest(build)), wrt) for name, (build, wrt) in FAMILIES.items()}


def through_the_library(text: str, wrt: str, command: str) -> None:
    """What the CLI does for `command`, printing every format; only MCalcError may escape."""
    from mcalc.explanation import explain
    api._derivatives.cache_clear()
    try:
        if command == "shape":
            r = api.shape(text)
            r.text, r.ascii, r.latex, json.dumps(r.to_json())
        elif command in ("diff", "hessian", "denominator"):
            for r in api.derivatives(text, wrt, hessian=command == "hessian",
                                     layout="denominator" if command == "denominator" else "numerator"):
                r.text, r.ascii, r.latex, json.dumps(r.to_json())
        elif command == "eval":
            checked = api.shape(text).checked
            sizes = {d: 2 for d in checked.dims}
            values = checking.random_values(checked, sizes, np.random.default_rng(0))
            r = api.evaluate(text, values, dims=sizes)
            r.text, json.dumps(r.to_json())
        elif command == "check":
            api.check(text, wrt, seed=0).to_json()
        elif command == "explain":
            e = explain(text, wrt)
            e.text(), e.latex(), json.dumps(e.to_json())
    except MCalcError as err:
        assert err.render()


# The deepest input of each operator is the slowest input there is; seconds, not a hang.
DEEPEST_CPU_SECONDS = 3.0


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_deepest_input_through_shape_and_diff(deepest_inputs, family):
    text, wrt = deepest_inputs[family]
    for command in ("shape", "diff"):
        _, cpu = cpu_seconds(lambda: through_the_library(text, wrt, command))
        assert cpu < DEEPEST_CPU_SECONDS, f"{family} {command}: {cpu:.2f} s"


HEAVY = ["sum", "juxtaposition", "hadamard", "power-tower", "inverses", "calls", "definitions"]


@pytest.mark.parametrize("command", ["hessian", "denominator", "eval", "check", "explain"])
@pytest.mark.parametrize("family", HEAVY)
def test_deepest_input_through_every_command(deepest_inputs, family, command):
    text, wrt = deepest_inputs[family]
    _, cpu = cpu_seconds(lambda: through_the_library(text, wrt, command))
    assert cpu < DEEPEST_CPU_SECONDS, f"{family} {command}: {cpu:.2f} s"


def test_deepest_inputs_in_a_real_process(deepest_inputs, tmp_path):
    """The console script's own stack (no RecursionError, no segmentation fault) for the deepest
    input of every operator, in batch mode: one process, every line answered."""
    lines = [text for text, wrt in deepest_inputs.values() if wrt == "x"]
    for command in ("diff", "hessian"):
        proc = subprocess.run([str(MCALC), command, "-", "--wrt", "x", "-f", "jsonl"],
                              input="\n".join(lines) + "\n", capture_output=True, text=True,
                              encoding="utf-8", timeout=120, cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        assert [r["input"] for r in records] == lines


def test_equal_shared_trees_compare_in_linear_time():
    """Two equal but distinct trees that share subtrees (2⁸⁰ paths each): equality, hashing
    and memo lookups walk each shared pair once."""
    from mcalc.nodes import BinOp, Binary, Var

    def doubling(depth):
        e = Var("x")
        for _ in range(depth):
            e = Binary(BinOp.ADD, e, e)
        return e

    a, b = doubling(80), doubling(80)
    (equal, different), cpu = cpu_seconds(lambda: (a == b, a == Binary(BinOp.ADD, b, Var("y"))))
    assert equal and not different
    assert {a: 1}[b] == 1
    assert cpu < 1.0, f"{cpu:.2f} s"


def test_importing_mcalc_raises_a_low_recursion_limit():
    code = ("import sys; sys.setrecursionlimit(500); import mcalc; "
            "r = mcalc.diff('sin(' * 80 + 'x' + ')' * 80, wrt='x'); r.text; r.latex; "
            "print(sys.getrecursionlimit())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-1000:]
    assert int(out.stdout) >= parser.RECURSION_LIMIT


# ---- hostile text that must stay text ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "10^(10^100) x", "x^(10^100)", "(2^1000)^1000 x", "9^9^9^9 x", "x * 1e400 ^ 1e400",
    "x^99999999999999999999", "2^-99999999 x", "(1/3)^100000 x",
])
def test_huge_constants_are_not_computed_exactly(text):
    result, cpu = cpu_seconds(lambda: invoke("diff", text, "--wrt", "x", "-f", "json"))
    no_traceback(result)
    assert result.exit_code in (0, 2)
    assert cpu < 1.0, f"{cpu:.2f} s"


@pytest.mark.parametrize("args", [
    ["diff", "(" * 60 + "x+1" + ")^2" * 60, "--wrt", "x", "--dims", "n=2"],     # (x+1)^(2^60)
    ["diff", "sum(logdet(A + B))", "--wrt", "A", "--dims", "n=4"],
    ["diff", "det(" + " ".join(["inv(A + B)"] * 60) + " **x** **x**^T)", "--wrt", "A", "--dims", "n=4"],
    ["diff", "sum(det(A + B) inv(A + B))", "--wrt", "B", "--dims", "n=4"],
    ["diff", "inv([[1, 2], [2, 4]]) **x**", "--wrt", "x", "--dims", "n=2"],        # singular
    ["diff", "sum((W **x** + **b** - **y**).^2)" * 12, "--wrt", "y", "--dims", "n=2,m=3"],
    ["diff", "".join(f"(x + y + z + {k})" for k in range(12)), "--wrt", "x", "--dims", "n=1"],
], ids=["tower-of-squares", "logdet-of-a-sum", "sixty-inverses", "det-times-inverse", "singular",
        "power-of-a-sum-of-squares", "product-of-sums"])
def test_written_out_entries_are_bounded_work(args):
    """--dims hands entries to SymPy: what would multiply out into thousands of terms is left
    as it is, determinants and inverses are cofactor formulas, and past a budget the answer is
    a limit error."""
    result, cpu = cpu_seconds(lambda: invoke(*args, "-f", "json"))
    no_traceback(result)
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 2:
        assert json.loads(result.stdout)["error"]["type"] in ("limit", "usage"), result.stdout
    assert cpu < 3.0, f"{cpu:.2f} s"


# ---- numeric edge cases --------------------------------------------------------------------------

def eval_json(expr: str, *at: str):
    result = invoke("eval", expr, *(a for v in at for a in ("--at", v)), "-f", "json")
    no_traceback(result)
    return result


@pytest.mark.parametrize("expr, at, value", [
    ("log(x)", ["x=-1"], None),
    ("log(x)", ["x=0"], None),               # -inf
    ("sqrt(x)", ["x=-4"], None),
    ("arcsin(x)", ["x=2"], None),
    ("x^0.5", ["x=-1"], None),
    ("exp(x)", ["x=1000"], None),
    ("x^2", ["x=1e308"], None),
    ("1/x", ["x=0"], None),
    ("x/x", ["x=0"], None),
    ("1e400 x", ["x=1"], None),
    ("x + 1", ["x=NaN"], None),
    ("x - x", ["x=Infinity"], None),
    ("logdet(A)", ["A=[[1,2],[2,4]]"], None),
    ("det(A)", ["A=[[1,2],[2,4]]"], 0.0),
    ("logsumexp(**x**)", ["x=[-Infinity, -Infinity]"], None),
    ("softmax(**x**)", ["x=[1000, 1000]"], [[0.5], [0.5]]),
    ("softmax(**x**)", ["x=[Infinity, 1]"], [[None], [None]]),
    ("A^64", ["A=[[1e10, 1e10], [1e10, 1e10]]"], [[None, None], [None, None]]),
    ("sum(log(**x**))", ["x=[1, -1]"], None),
    ("x^-1", ["x=0"], None),
])
def test_non_finite_values_are_null_in_json_and_nan_or_inf_in_text(expr, at, value):
    result = eval_json(expr, *at)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["value"] == value
    text = invoke("eval", expr, *(a for v in at for a in ("--at", v)), "-f", "text")
    assert text.exit_code == 0
    if value is None:
        assert text.stdout.strip() in ("nan", "inf", "-inf"), text.stdout


@pytest.mark.parametrize("expr, at", [
    ("inv(A)", "A=[[1,2],[2,4]]"),
    ("A^-1 **x**", "A=[[0,0],[0,0]]"),
    ("A^-3", "A=[[1,2],[2,4]]"),
    ("tr(inv(A) B)", "A=[[1,1],[1,1]]"),
])
def test_singular_matrices_give_a_clear_message(expr, at):
    extra = {"**x**": "x=[1,2]", "B": "B=[[1,0],[0,1]]"}
    values = [at] + [v for k, v in extra.items() if k in expr]
    result = eval_json(expr, *values)
    assert result.exit_code == 2
    assert "singular" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("expr, wrt", [
    ("log(x - 5)", "x"), ("sqrt(-x^2 - 1)", "x"), ("inv(A - A)", "A"), ("1/(x - x)", "x"),
    ("logdet(A A^T - A A^T)", "A"), ("exp(exp(exp(x)))^1000", "x"),
])
def test_check_outside_the_domain_says_so(expr, wrt):
    result = invoke("check", expr, "--wrt", wrt, "-f", "json")
    no_traceback(result)
    assert result.exit_code in (0, 1, 2), result.stderr
    if result.exit_code != 2:
        record = json.loads(result.stdout)
        assert record["ok"] is False or record.get("note") or record["max_relative_error"] is not None


KINKED = [
    ("relu(x)", "x"), ("abs(x)", "x"), ("max(x, y)", "x"), ("min(x, y)", "y"), ("sign(x) x^2", "x"),
    ("step(x) x", "x"), ("sum(relu(**x**))", "x"), ("sum(abs(A **x**))", "x"), ("norm1(**x**)", "x"),
    ("sum(relu(W **x** + **b**))", "W"), ("abs(abs(x) - 0.5)", "x"), ("‖relu(A **x**)‖^2", "x"),
    ("sum(max(**x**, **y**))", "y"), ("relu(sin(x)) + abs(x)", "x"), ("sum(step(**x**) ⊙ **x**)", "x"),
]


@pytest.mark.parametrize("expr, wrt", KINKED)
def test_check_has_no_false_mismatch_at_kinks(expr, wrt):
    for seed in range(40):
        report = api.check(expr, wrt, seed=seed)
        assert report.ok, (expr, seed, report.error, report.values)


@pytest.mark.parametrize("expr, wrt", [("log(x - 5)", "x"), ("sqrt(x - 20)", "x"),
                                       ("logdet(A - 3 I)", "A"), ("sum(log(**x** - 4))", "x")])
def test_check_widens_its_draws_to_reach_the_domain(expr, wrt):
    report = api.check(expr, wrt)
    assert report.ok, report.to_json()


@pytest.mark.parametrize("expr", ["sqrt(-x^2 - 1)", "log(-exp(x))", "arcsin(x^2 + 2)"])
def test_check_with_no_point_in_the_domain_is_unchecked_not_ok(expr):
    result = invoke("check", expr, "--wrt", "x")
    assert result.exit_code == 1
    assert result.stdout.startswith("unchecked:") and "nothing was compared" in result.stdout
    record = json.loads(invoke("check", expr, "--wrt", "x", "-f", "json").stdout)
    assert record["ok"] is False and record["max_relative_error"] is None and "witness" not in record


@pytest.mark.parametrize("expr, kink", [
    ("relu(x)", 0.0), ("abs(x)", 0.0), ("max(x, 0.3)", 0.3), ("sign(x) x^2 + abs(x)", 0.0),
    ("step(x - 0.25) x", 0.25), ("abs(x - 0.7) + relu(x - 0.7)", 0.7),
])
def test_check_resamples_a_draw_next_to_a_kink(monkeypatch, expr, kink):
    """The first draw lands within the finite-difference step of the kink (a false mismatch if
    used); check must notice and draw again."""
    real = checking.random_values
    calls = []

    def near_kink_first(checked, sizes, rng, spread=1.0):
        values = real(checked, sizes, rng, spread)
        if not calls:
            values["x"] = kink + 3e-7
        calls.append(1)
        return values

    monkeypatch.setattr(checking, "random_values", near_kink_first)
    result = api.derivatives(expr, "x")[0]
    cmp = checking.compare(result, seed=0)
    assert cmp.ok, (cmp.error, cmp.values)
    assert cmp.draws > 3 and len(calls) > 3          # the first draw was thrown away


# ---- batch mode: lines in, records out ---------------------------------------------------------

BATCH = [
    b"x^2",
    b"",                                  # blank: skipped
    b"**x** **y**",                       # shape error
    b"   ",                               # blank: skipped
    b"sin(x",                             # parse error
    b"x\xff\xfe + 1",                     # not UTF-8
    b"x^3\r",                             # CRLF
    b"x" * 60_000,                        # over the line limit
    "а + x".encode(),                     # Cyrillic а
    b"x\x00 + 1",                         # NUL
    "x\u2028+ 1".encode(),                # a Unicode line separator is not a line break here
    b"exp(x)\t",
    "ｘ^2".encode(),                      # fullwidth
    b"x^x",                               # last line, no newline at the end
]


def batch_input() -> bytes:
    return b"\xef\xbb\xbf" + b"\n".join(BATCH)       # with a byte order mark


def expected_inputs() -> list[str]:
    out = []
    for i, line in enumerate(BATCH):
        text = line.decode("utf-8", "replace").rstrip("\r")
        if not text.strip():
            continue
        out.append(text[:60] + "…" if len(line) > 40_000 else text)
    return out


def check_batch_records(stdout: str) -> list[dict]:
    records = [json.loads(line) for line in stdout.splitlines()]
    assert [r["input"] for r in records] == expected_inputs()
    ok = [r for r in records if "derivative" in r]
    assert [r["input"] for r in ok] == ["x^2", "x^3", "exp(x)\t", "x^x"]
    errors = {r["input"][:12]: r["error"]["type"] for r in records if "error" in r}
    assert errors["x" * 12] == "limit"
    assert errors["x\ufffd\ufffd + 1"] == "parse"
    assert all(t in ("parse", "shape") for k, t in errors.items() if k != "x" * 12)
    return records


def test_batch_in_process_one_record_per_line_in_order():
    result = invoke("diff", "-", "--wrt", "x", "-f", "jsonl", input=batch_input())
    no_traceback(result)
    assert result.exit_code == 1
    check_batch_records(result.stdout)
    assert "not valid UTF-8" in result.stderr and "limit error" in result.stderr


def test_batch_console_script_one_record_per_line_in_order(tmp_path):
    proc = subprocess.run([str(MCALC), "diff", "-", "--wrt", "x", "-f", "jsonl"], input=batch_input(),
                          capture_output=True, timeout=60, cwd=tmp_path)
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")   # valid UTF-8
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    check_batch_records(stdout)


def test_batch_text_mode_keeps_going_after_bad_lines():
    result = invoke("diff", "-", "--wrt", "x", "-f", "text", input=b"x +\nx^2\n\xff\n2x\n")
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["∂/∂x (x²) = 2x   [scalar]", "∂/∂x (2x) = 2   [scalar]"]


def test_batch_of_only_good_lines_exits_0():
    result = invoke("hessian", "-", "--wrt", "x", "-f", "jsonl", input="x^3\n\n  \nsin(x)\n")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(r)["input"] for r in result.stdout.splitlines()] == ["x^3", "sin(x)"]


def test_argument_that_is_not_utf8(tmp_path):
    proc = subprocess.run([os.fsencode(MCALC), b"shape", b"x\xff + 1", b"-f", b"json"],
                          capture_output=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    record = json.loads(proc.stdout.decode("utf-8"))                  # valid UTF-8 out
    assert record["error"]["type"] == "parse"
    assert "not UTF-8" in proc.stderr.decode("utf-8")


# ---- pipes and signals ---------------------------------------------------------------------------

def many_lines(n: int = 20_000) -> bytes:
    return "".join(f"x^{i % 7 + 2} + sin(x)\n" for i in range(n)).encode()


def test_batch_into_a_closed_pipe_ends_quietly(tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(many_lines())
    with open(source, "rb") as stdin:
        proc = subprocess.Popen([str(MCALC), "diff", "-", "--wrt", "x", "-f", "jsonl"], stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        first = proc.stdout.readline()
        proc.stdout.close()                          # `| head -1`
        rc = proc.wait(timeout=60)
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
    assert json.loads(first)["input"] == "x^2 + sin(x)"
    assert rc == 0, stderr
    assert stderr == ""


@pytest.mark.parametrize("args", [
    ["shape", "+".join(["A"] * 200), "-f", "json"],                  # one large output
    ["diff", "-", "--wrt", "x"],                                    # batch, text
])
def test_head_in_a_shell_pipeline(tmp_path, args):
    source = tmp_path / "in.txt"
    source.write_bytes(many_lines())
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
    script = f"set -o pipefail; '{MCALC}' {quoted} < '{source}' 2> '{tmp_path}/err' | head -1 > /dev/null"
    proc = subprocess.run(["bash", "-c", script], timeout=60, cwd=tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "err").read_text() == ""


def test_ctrl_c_while_reading_stdin_exits_130(tmp_path):
    proc = subprocess.Popen([str(MCALC), "diff", "-", "--wrt", "x", "-f", "jsonl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdin.write(b"x^2\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["input"] == "x^2"       # it is in the loop, waiting
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=30)
    stderr = proc.stderr.read().decode()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()
    assert rc == 130
    assert "Traceback" not in stderr and "Aborted" not in stderr and "KeyboardInterrupt" not in stderr


def test_ctrl_c_while_computing_exits_130(tmp_path):
    proc = subprocess.Popen([str(MCALC), "diff", "-", "--wrt", "x", "-f", "jsonl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    def feed():
        try:
            proc.stdin.write(many_lines(200_000))
            proc.stdin.close()
        except OSError:              # it stopped reading: that is the point
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=30)
    stderr = proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    assert rc == 130
    assert "Traceback" not in stderr
