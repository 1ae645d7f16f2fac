"""SPEC §2.6 bad input, through the CLI: exit status 2, the JSON error record of §2.7 (type, span),
the human message on stderr with carets under the offending text, and never a traceback.

Most cases run in-process (typer's CliRunner); a few run the installed `mcalc` script.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcalc.cli import app

MCALC = Path(sys.executable).with_name("mcalc")
runner = CliRunner()


@dataclass(frozen=True)
class Bad:
    id: str
    args: tuple[str, ...]          # after the command name; the expression comes first
    type: str                      # the JSON error type
    under: tuple[str, ...] = ()    # texts of the input that must have carets under them
    says: tuple[str, ...] = ()     # fragments the human message (stderr) must contain
    command: str = "shape"


def bad(id, expr, type, under=(), says=(), extra=(), command="shape"):
    under = (under,) if isinstance(under, str) else tuple(under)
    says = (says,) if isinstance(says, str) else tuple(says)
    return Bad(id, (expr, *extra), type, under, says, command)


CASES = [
    # ---- parse errors: a caret under the column, what was expected in words ------------------
    bad("unbalanced-open-paren", "(x + y", "parse", says="expected ')'"),
    bad("unbalanced-close-paren", "x + y)", "parse", under=")"),
    bad("unbalanced-close-bracket", "x + y]", "parse", under="]"),
    bad("unbalanced-open-bracket", "[x, y", "parse", says="']'"),
    bad("unclosed-norm", "‖**x**", "parse", says="'‖'"),
    bad("unclosed-call", "sin(x", "parse", says="')'"),
    bad("empty-input", "", "parse", says="empty"),
    bad("blank-input", "   ", "parse", says="empty"),
    bad("stray-dollar", "x $ y", "parse", under="$", says="'$'"),
    bad("stray-bang", "x ! y", "parse", under="!"),
    bad("stray-control-character", "x \x07 y", "parse", says="U+0007"),
    bad("python-power", "x ** 2", "parse", under="**", says="x^2"),
    bad("operator-without-operand", "x + * y", "parse", under="*"),
    bad("dangling-operator", "x +", "parse", says="ends too early"),
    bad("dangling-where", "x^2 y where", "parse", says="ends too early"),
    bad("where-twice", "x where x: n where y: m", "parse", under=[("where", 1)], says="comes once"),
    bad("zero-dimension", "x where x: 0", "parse", under="0", says="positive"),
    bad("ragged-matrix-literal", "[[1, 2], [3]]", "parse", under="[3]", says="equal length"),
    bad("wrong-arity", "max(x)", "parse", under="max(x)", says="2 arguments"),
    bad("unknown-function-lists-closest", "sigmoidd(x)", "parse", under="sigmoidd",
        says=("unknown function sigmoidd", "sigmoid(…)")),
    bad("unknown-function-exp", "expp(x) + 1", "parse", under="expp", says="exp(…)"),
    bad("unknown-function-softmax", "sofmax(**x**)", "parse", under="sofmax", says="softmax(…)"),
    bad("letters-before-paren-are-not-a-product", "xy(z)", "parse", under="xy", says="x y (…)"),
    bad("let-missing-size", "x", "parse", extra=("--let", "x: "), says="ends too early"),
    bad("let-missing-colon", "x", "parse", extra=("--let", "x n"), says="':'"),

    # ---- shape errors: operator, operands and their shapes, carets under the operands ------------
    bad("column-times-column", "**x** **y**", "shape", under=("**x**", "**y**"),
        says=("product", "**x** · **y**", "**x** ⊙ **y**", "**x**^T **y**")),
    bad("declared-mismatch", "W **x** where W: m×n, x: k", "shape", under=("W", "**x**"),
        says=("W is m×n", "**x** has length k")),
    bad("matmul-inner-mismatch", "A B where A: 2×3, B: 2×3", "shape", under=("A", "B"), says="2×3"),
    bad("sum-mismatch", "**x** + **y** where x: 2, y: 3", "shape", under=("**x**", "**y**"), says="sum"),
    bad("dot-length-mismatch", "**x**·**y** where x: 2, y: 3", "shape", under=("**x**", "**y**"),
        says="dot product"),
    bad("hadamard-vector-matrix", "**x** ⊙ A", "shape", under=("**x**", "A"), says="element-wise product"),
    bad("broadcast-mismatch", "X + **b** where X: 2×3, b: 2", "shape", under=("X", "**b**"),
        says="every row"),
    bad("inverse-of-non-square-call", "inv(A) where A: m×n", "shape", under="A", says="square"),
    bad("inverse-of-non-square-postfix", "A^-1 where A: 2×3", "shape", under="A", says="square"),
    bad("det-of-non-square", "det(A) where A: 2×3", "shape", under="A", says="square"),
    bad("trace-of-non-square", "tr(**x** **y**^T) where x: 2, y: 3", "shape", under="**x** **y**^T",
        says="square"),
    bad("matrix-power-of-non-square", "A^2 where A: 2×3", "shape", under="A", says="square"),

    # ---- kind errors: the likely fix -------------------------------------------------------------
    bad("dot-with-scalar", "**w**·x", "kind", under=("**w**", "x"), says="did you mean **x**?"),
    bad("contradicting-marks", r"**x** + \mathit{x}", "kind", under=("**x**", r"\mathit{x}"),
        says="bold"),
    bad("det-of-vector", "det(**x**)", "kind", under="**x**", says="square matrix"),
    bad("matrix-power-fractional", "A^0.5", "kind", under=("A", "0.5"), says=("integer", "A.^p")),
    bad("matrix-power-symbolic", "A^x", "kind", under=("A", "x"), says="integer"),
    bad("inverse-of-vector", "**x**^-1", "kind", under="**x**", says="square"),
    bad("vector-exponent", "x^**y**", "kind", under="**y**", says="scalar"),
    bad("vector-in-vector-literal", "[**x**, 1]", "kind", under="**x**", says="scalars"),
    bad("softmax-of-matrix", "softmax(A)", "kind", under="A", says="vector"),
    bad("diag-of-scalar", "diag(x)", "kind", under="x", says="did you mean **x**?"),
    bad("where-and-let-disagree", "W x where W: m×n", "kind", under=[("W", 1)],
        says=("m×n", "n×m"), extra=("--let", "W: n×m")),
    bad("where-declares-twice", "x where x: n, x: m", "kind", says=("x: n", "x: m")),

    # ---- hostile input: a clear limit error, fast ------------------------------------------------
    bad("huge-number", "1e99999", "limit", under="1e99999", says="too large"),
    bad("huge-mantissa", "1" * 500, "limit", says="too large"),
    bad("deep-nesting-10000", "(" * 10_000 + "x" + ")" * 10_000, "limit"),
    bad("deep-nesting-300", "(" * 300 + "x" + ")" * 300, "limit", says="nested"),
    bad("deep-norms", "‖" * 1000 + "x" + "‖" * 1000, "limit"),
    bad("long-power-tower", "x^" * 3000 + "x", "limit"),
    bad("one-megabyte", "x + " * 262_144, "limit"),
    bad("matrix-power-huge", "A^999999999", "limit", under="999999999"),

    # ---- eval: values -------------------------------------------------------------------------------
    bad("eval-missing-value", "**x**^T A **x**", "usage", extra=("--at", "x=[1,2]"),
        says="no value for A", command="eval"),
    bad("eval-mis-shaped-value", "**x**^T A **x**", "usage",
        extra=("--at", "x=[[1,2],[3,4]]", "--at", "A=[[1,2],[3,4]]"), says="x is a vector", command="eval"),
    bad("eval-scalar-given-list", "x + 1", "usage", extra=("--at", "x=[1,2]"), says="x is a scalar",
        command="eval"),
    bad("eval-inconsistent-sizes", "**x**^T A **x**", "usage",
        extra=("--at", "x=[1,2,3]", "--at", "A=[[1,2],[3,4]]"), says=("3", "2"), command="eval"),
    bad("eval-inconsistent-vector-lengths", "**x** + **y**", "usage",
        extra=("--at", "x=[1,2,3]", "--at", "y=[1,2]"), says="size n", command="eval"),
    bad("eval-unknown-name", "x + 1", "usage", extra=("--at", "x=1", "--at", "z=2"),
        says="z does not occur", command="eval"),
    bad("eval-bad-json", "x + 1", "usage", extra=("--at", "x=[1,"), says="not a number", command="eval"),
    bad("eval-at-without-equals", "x + 1", "usage", extra=("--at", "x"), says="NAME=VALUE", command="eval"),
    bad("eval-boolean-value", "x", "usage", extra=("--at", "x=true"), command="eval"),
    bad("eval-string-value", "x", "usage", extra=("--at", 'x="a"'), command="eval"),
    bad("eval-ragged-matrix", "A", "usage", extra=("--at", "A=[[1,2],[3]]"), says="rectangular",
        command="eval"),
    bad("eval-at-file-missing", "x + 1", "usage", extra=("--at-file", "/nonexistent/values.json"),
        says="/nonexistent/values.json", command="eval"),
    bad("eval-undetermined-size", "**1**", "usage", says="--dims", command="eval"),
    bad("eval-dims-zero", "**x**", "usage", extra=("--dims", "n=0", "--at", "x=[1]"), says="positive",
        command="eval"),
    bad("eval-dims-power-notation", "**1**", "usage", extra=("--dims", "m=10^9"), command="eval"),
    bad("eval-dims-too-large", "**1**", "limit", extra=("--dims", "m=1000000000"), command="eval"),
    bad("eval-huge-power", "x^999999999", "limit", extra=("--at", "x=2"), command="eval"),
    bad("eval-singular-inverse", "inv(A)", "usage", extra=("--at", "A=[[1,2],[2,4]]"), says="singular",
        command="eval"),
    bad("eval-parse-error", "x +", "parse", extra=("--at", "x=1"), command="eval"),
    bad("eval-shape-error", "**x** **y**", "shape", extra=("--at", "x=[1]", "--at", "y=[2]"),
        under=("**x**", "**y**"), command="eval"),
]


def invoke(*args: str):
    return runner.invoke(app, list(args))


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    # CliRunner keeps an exception that escaped the command; only a clean exit is allowed
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def caret_columns(stderr: str, source: str) -> set[int]:
    """Columns (in characters of `source`) with a caret under them in the rendered message."""
    lines = stderr.split("\n")
    for line, marks in zip(lines, lines[1:]):
        if line == "  " + source and marks.strip() and set(marks.strip()) <= {"^", " "}:
            return {i - 2 for i, ch in enumerate(marks) if ch == "^"}
    raise AssertionError(f"no caret line under the input in:\n{stderr}")


def columns_of(source: str, text: str | tuple[str, int]) -> set[int]:
    """The columns of `text` in `source`: its first occurrence, or `(text, k)` for the k-th (0-based)."""
    text, k = (text, 0) if isinstance(text, str) else text
    at = -1
    for _ in range(k + 1):
        at = source.find(text, at + 1)
        assert at >= 0, (text, source)
    return set(range(at, at + len(text)))


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_bad_input(c: Bad, tmp_path):
    source = c.args[0]
    started = time.perf_counter()
    result = invoke(c.command, *c.args, "-f", "json")
    elapsed = time.perf_counter() - started
    no_traceback(result)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    record = json.loads(result.stdout)
    assert set(record) == {"input", "error"}
    assert record["input"] == source
    assert set(record["error"]) == {"type", "message", "span"}
    assert record["error"]["type"] == c.type, record
    assert record["error"]["message"]
    span = record["error"]["span"]
    assert span is None or (isinstance(span, list) and len(span) == 2 and 0 <= span[0] <= span[1])
    stderr = result.stderr
    assert stderr.startswith(f"{c.type} error"), stderr
    for fragment in c.says:
        assert fragment in stderr, (fragment, stderr)
    if c.under:
        carets = caret_columns(stderr, source)
        offending = [columns_of(source, text) for text in c.under]
        for text, columns in zip(c.under, offending):      # a caret under every offending text
            assert columns & carets, (text, stderr)
        assert carets <= set().union(*offending), stderr     # and under nothing else
        # and the JSON span is on (one of) the offending texts
        assert span is not None
        assert any(columns_of(source, text) & set(range(*span)) for text in c.under), (span, c.under)
    assert elapsed < 2.0, f"{c.id} took {elapsed:.2f} s"


def test_at_least_45_bad_inputs():
    assert len(CASES) >= 45


# ---- carets for errors whose place is after the last character -------------------------------

@pytest.mark.parametrize("source", ["(x + y", "x +", "[x, y", "sin(x"])
def test_caret_at_the_end_of_input(source):
    result = invoke("shape", source, "-f", "json")
    assert result.exit_code == 2
    assert caret_columns(result.stderr, source) == {len(source)}
    assert json.loads(result.stdout)["error"]["span"] == [len(source), len(source) + 1]


def test_only_the_offending_column_is_marked():
    source = "x + y)"
    result = invoke("shape", source)
    assert caret_columns(result.stderr, source) == {5}


def test_parse_error_spans_are_exact():
    for source, text in [("x $ y", "$"), ("sigmoidd(x)", "sigmoidd"), ("1e99999", "1e99999")]:
        record = json.loads(invoke("shape", source, "-f", "json").stdout)
        start, end = record["error"]["span"]
        assert source[start:end] == text


def test_text_format_error_goes_to_stderr_only():
    result = invoke("shape", "**x** **y**", "-f", "text")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("shape error")
    no_traceback(result)


def test_at_file_with_bad_json(tmp_path):
    bad_file = tmp_path / "values.json"
    bad_file.write_text('{"x": [1, 2', encoding="utf-8")
    result = invoke("eval", "x + 1", "--at-file", str(bad_file), "-f", "json")
    no_traceback(result)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["type"] == "usage"


def test_at_file_with_a_list(tmp_path):
    f = tmp_path / "values.json"
    f.write_text("[1, 2]", encoding="utf-8")
    result = invoke("eval", "x + 1", "--at-file", str(f), "-f", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["type"] == "usage"


def test_unknown_function_message_lists_closest_names_in_order():
    result = invoke("shape", "sigmoidd(x)")
    hint = result.stderr.strip().splitlines()[-1]
    assert hint.index("sigmoid(…)") < hint.index("sign(…)")


@pytest.mark.parametrize("args", [
    ["shape"],                                 # no expression
    ["shape", "x", "-f", "bogus"],            # unknown format
    ["shape", "x", "--bogus"],                # unknown option
    ["bogus", "x"],                           # unknown command
])
def test_usage_errors_exit_2_without_traceback(args):
    result = invoke(*args)
    assert result.exit_code == 2
    no_traceback(result)


# ---- the real console script ------------------------------------------------------------------

def run_mcalc(*args: str, timeout: float = 20):
    return subprocess.run([str(MCALC), *args], capture_output=True, text=True, timeout=timeout,
                          cwd="/tmp", encoding="utf-8")


@pytest.mark.parametrize("expr, type", [
    ("**x** **y**", "shape"),
    ("sigmoidd(x)", "parse"),
    ("**w**·x", "kind"),
    ("(" * 10_000 + "x" + ")" * 10_000, "limit"),
    ("x + " * 20_000 + "x", "limit"),
])
def test_console_script_errors(expr, type):
    started = time.perf_counter()
    proc = run_mcalc("shape", expr, "-f", "json")
    elapsed = time.perf_counter() - started
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["error"]["type"] == type
    assert proc.stderr.startswith(f"{type} error")
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_console_script_caret_under_operands():
    proc = run_mcalc("shape", "W **x** where W: m×n, x: k")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    i = lines.index("  W **x** where W: m×n, x: k")
    assert lines[i + 1] == "  ^ ^^^^^"


def test_console_script_eval_errors():
    proc = run_mcalc("eval", "**x** + **y**", "--at", "x=[1,2,3]", "--at", "y=[1,2]", "-f", "json")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["type"] == "usage"
    assert "Traceback" not in proc.stderr
