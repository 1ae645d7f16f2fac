"""`mcalc diff`, `hessian` and `check` through the CLI (SPEC §2.1, §2.2, §2.4, §2.5, §2.7).

Most cases go through typer's CliRunner on `mcalc.cli.app`; one runs the installed console
script in a real subprocess. Expected numbers are computed here from closed forms written out by
hand (∂(AXB)_ij/∂X_kl = A_ik B_lj, …), never copied from mcalc's output.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mcalc import api, checking, numeric
from mcalc.cli import app

MCALC = Path("/work/main/.venv/bin/mcalc")
if not MCALC.exists():                                  # another checkout: the venv next to python
    MCALC = Path(sys.executable).with_name("mcalc")

runner = CliRunner()

RECORD_KEYS = {"input", "wrt", "layout", "derivative", "variables", "dims"}
DERIVATIVE_KEYS = {"text", "ascii", "latex", "shape"}
# Keys mcalc adds beyond the SPEC §2.7 example: "form": "vec" and "index" (the index notation of
# SPEC §2.1) on results with more than two axes, "hessian": true on Hessians. Only these.
EXTRA_DERIVATIVE_KEYS = {"form", "index"}
EXTRA_RECORD_KEYS = {"hessian"}


def invoke(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def records(stdout: str) -> list[dict]:
    """Every JSON object in stdout (indented `-f json` or one-per-line `-f jsonl`)."""
    decoder, out, i = json.JSONDecoder(), [], 0
    text = stdout.strip()
    while i < len(text):
        obj, end = decoder.raw_decode(text, i)
        out.append(obj)
        i = end
        while i < len(text) and text[i].isspace():
            i += 1
    return out


def diff_json(expr: str, *args: str) -> dict:
    result = invoke("diff", expr, *args, "-f", "json")
    assert result.exit_code == 0, result.output
    [record] = records(result.stdout)
    return record


_MATH = {k: getattr(math, k) for k in dir(math) if not k.startswith("_")}


def py_eval(source: str, values: dict[str, float]) -> float:
    """What an external script does with an entry's "python" string."""
    ns = {"__builtins__": {}, "abs": abs, "max": max, "min": min, **_MATH,
          "math": types.SimpleNamespace(**_MATH), **values}
    return float(eval(source, ns))  # noqa: S307


def nested_shape(entries) -> list[int]:
    shape = []
    while isinstance(entries, list):
        shape.append(len(entries))
        entries = entries[0]
    return shape


# ---- SPEC §2.7: the JSON record --------------------------------------------------------------------

def test_json_record_keys_exactly_as_spec():
    record = diff_json("**x**^T A **x**", "--wrt", "x")
    assert set(record) == RECORD_KEYS
    assert record["input"] == "**x**^T A **x**"
    assert record["wrt"] == "x"
    assert record["layout"] == "numerator"
    assert set(record["derivative"]) == DERIVATIVE_KEYS
    d = record["derivative"]
    assert all(isinstance(d[k], str) and d[k] for k in ("text", "ascii", "latex"))
    assert d["shape"] == ["1", "n"]
    assert record["variables"] == {"x": {"kind": "vector", "shape": ["n", "1"]},
                                   "A": {"kind": "matrix", "shape": ["n", "n"]}}
    assert record["dims"] == {"n": None}
    # The ascii is mcalc input and means 𝐱ᵀ(A + Aᵀ).
    check = invoke("check", "**x**^T A **x**", "--wrt", "x", "--claim", d["ascii"])
    assert check.exit_code == 0, check.output


def test_json_record_of_a_scalar_result():
    record = diff_json("**w** · **x** + b", "--wrt", "b")
    assert set(record) == RECORD_KEYS
    assert record["derivative"]["shape"] == []
    assert record["variables"]["b"] == {"kind": "scalar", "shape": []}


def test_json_record_with_more_axes_has_only_known_extra_keys():
    record = diff_json("A X B", "--wrt", "X")
    assert RECORD_KEYS <= set(record) <= RECORD_KEYS | EXTRA_RECORD_KEYS
    assert DERIVATIVE_KEYS <= set(record["derivative"]) <= DERIVATIVE_KEYS | EXTRA_DERIVATIVE_KEYS
    assert len(record["derivative"]["shape"]) == 4


def test_hessian_json_record_keys():
    result = invoke("hessian", "**x**^T A **x**", "--wrt", "x", "-f", "json")
    assert result.exit_code == 0
    [record] = records(result.stdout)
    assert RECORD_KEYS <= set(record) <= RECORD_KEYS | EXTRA_RECORD_KEYS
    assert set(record["derivative"]) == DERIVATIVE_KEYS
    assert record["derivative"]["shape"] == ["n", "n"]


def test_json_through_a_real_subprocess():
    proc = subprocess.run([str(MCALC), "diff", "**x**^T A **x**", "--wrt", "x", "-f", "json"],
                          capture_output=True, text=True, encoding="utf-8", timeout=60, cwd="/tmp")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    record = json.loads(proc.stdout)
    assert set(record) == RECORD_KEYS
    assert set(record["derivative"]) == DERIVATIVE_KEYS
    assert record["derivative"]["shape"] == ["1", "n"]
    assert record["variables"]["x"] == {"kind": "vector", "shape": ["n", "1"]}


# ---- SPEC §2.1: shapes for every kind pair, both layouts ------------------------------------------

KIND_PAIRS = [
    # id, expression (sizes declared so that the names are unambiguous), wrt, numerator shape
    ("scalar by scalar", "x^2 y", "x", []),
    ("vector by scalar", "x **a** where a: m", "x", ["m", "1"]),
    ("scalar by vector", "**a**^T **x** where x: n", "x", ["1", "n"]),
    ("vector by vector", "W **x** where W: m×n", "x", ["m", "n"]),
    ("matrix by scalar", "t A where A: m×n", "t", ["m", "n"]),
    ("scalar by matrix", "**a**^T X **b** where X: p×q", "X", ["q", "p"]),
    # §1.2 names when nothing is declared: the variable has length n, the output m.
    ("vector by vector, inferred names", "W **x** + **b**", "x", ["m", "n"]),
    ("scalar by vector, inferred names", "**w** · **x** + b", "w", ["1", "n"]),
]


@pytest.mark.parametrize("expr, wrt, shape", [pytest.param(e, w, s, id=i) for i, e, w, s in KIND_PAIRS])
def test_shape_numerator(expr, wrt, shape):
    record = diff_json(expr, "--wrt", wrt)
    assert record["derivative"]["shape"] == shape
    assert record["layout"] == "numerator"


@pytest.mark.parametrize("expr, wrt, shape", [pytest.param(e, w, s, id=i) for i, e, w, s in KIND_PAIRS])
def test_shape_denominator_is_the_transpose(expr, wrt, shape):
    record = diff_json(expr, "--wrt", wrt, "--layout", "denominator")
    assert record["derivative"]["shape"] == shape[::-1]
    assert record["layout"] == "denominator"


@pytest.mark.parametrize("expr, wrt, shape", [pytest.param(e, w, s, id=i) for i, e, w, s in KIND_PAIRS])
def test_both_layouts_numerically_right(expr, wrt, shape):
    for layout in ("numerator", "denominator"):
        result = api.diff(expr, wrt, layout=layout)
        cmp = checking.compare(result, seed=5)
        assert cmp.ok, (expr, layout, result.text, cmp.error, cmp.note)


MORE_AXES = [
    # id, expression, wrt, numerator shape, denominator shape, hessian
    ("matrix by matrix: A X B", "A X B where A: m×p, X: p×q, B: q×n", "X",
     ["m", "n", "p", "q"], ["p", "q", "m", "n"], False),
    ("vector by matrix: X a", "X **a** where X: p×q", "X", ["p", "p", "q"], ["p", "q", "p"], False),
    ("vector by matrix: W x", "W **x** where W: m×n", "W", ["m", "m", "n"], ["m", "n", "m"], False),
    ("matrix by vector: x aᵀ", "**x** **a**^T where x: n, a: m", "x", ["n", "m", "n"],
     ["n", "n", "m"], False),
    ("Hessian of scalar by matrix", "tr(X^T A X) where X: p×q", "X", ["p", "q", "p", "q"],
     ["p", "q", "p", "q"], True),
]


@pytest.mark.parametrize("expr, wrt, num, den, hessian",
                         [pytest.param(*c[1:], id=c[0]) for c in MORE_AXES])
def test_more_axes_shapes(expr, wrt, num, den, hessian):
    command = "hessian" if hessian else "diff"
    for layout, shape in (("numerator", num), ("denominator", den)):
        result = invoke(command, expr, "--wrt", wrt, "-f", "json", "--layout", layout)
        assert result.exit_code == 0, result.output
        [record] = records(result.stdout)
        assert record["derivative"]["shape"] == shape, (layout, record["derivative"])
        # The text carries the vec/Kronecker form; it is numerically right.
        r = api.diff(expr, wrt, layout=layout, hessian=hessian)
        cmp = checking.compare(r, seed=2)
        assert cmp.ok, (expr, layout, r.text, cmp.error)


def test_hessian_of_vector_variable_is_square():
    record = diff_json("**x**^T A **x** + **b**^T **x**", "--wrt", "x")
    assert record["derivative"]["shape"] == ["1", "n"]
    result = invoke("hessian", "**x**^T A **x** + **b**^T **x**", "--wrt", "x", "-f", "json")
    [record] = records(result.stdout)
    assert record["derivative"]["shape"] == ["n", "n"]


# ---- SPEC §2.4: concrete Jacobians with --dims ---------------------------------------------------

def _matrix(name: str, rows: int, cols: int, rng) -> tuple[np.ndarray, dict[str, float]]:
    """Random values and their component names (A_1_2, SPEC §2.7)."""
    a = rng.normal(size=(rows, cols))
    return a, {f"{name}_{i + 1}_{j + 1}": a[i, j] for i in range(rows) for j in range(cols)}


def test_dims_entries_four_axes_axb():
    m, p, q, n = 2, 3, 4, 2
    record = diff_json("A X B where A: m×p, X: p×q, B: q×n", "--wrt", "X",
                       "--dims", f"m={m},p={p},q={q},n={n}")
    d = record["derivative"]
    assert d["shape"] == [str(m), str(n), str(p), str(q)]
    assert nested_shape(d["entries"]) == [m, n, p, q]
    assert record["dims"] == {"m": m, "n": n, "p": p, "q": q}
    rng = np.random.default_rng(0)
    A, va = _matrix("A", m, p, rng)
    B, vb = _matrix("B", q, n, rng)
    X, vx = _matrix("X", p, q, rng)
    values = {**va, **vb, **vx}
    for i in range(m):
        for j in range(n):
            for k in range(p):
                for l in range(q):
                    entry = d["entries"][i][j][k][l]
                    assert set(entry) == {"text", "python"}
                    want = A[i, k] * B[l, j]                   # ∂(AXB)_ij/∂X_kl
                    assert math.isclose(py_eval(entry["python"], values), want, abs_tol=1e-12)


def test_dims_entries_three_axes_xa():
    p, q = 3, 2
    record = diff_json("X **a** where X: p×q", "--wrt", "X", "--dims", f"p={p},q={q}")
    d = record["derivative"]
    assert d["shape"] == [str(p), str(p), str(q)]
    assert nested_shape(d["entries"]) == [p, p, q]
    rng = np.random.default_rng(1)
    a = rng.normal(size=q)
    values = {f"a_{l + 1}": a[l] for l in range(q)}
    values.update({f"X_{i + 1}_{j + 1}": rng.normal() for i in range(p) for j in range(q)})
    for i in range(p):
        for k in range(p):
            for l in range(q):
                want = a[l] if i == k else 0.0                 # ∂(Xa)_i/∂X_kl = δ_ik a_l
                got = py_eval(d["entries"][i][k][l]["python"], values)
                assert math.isclose(got, want, abs_tol=1e-12)


def test_dims_entries_hessian_of_scalar_by_matrix():
    p, q = 2, 3
    result = invoke("hessian", "tr(X^T A X) where X: p×q", "--wrt", "X", "-f", "json",
                    "--dims", f"p={p},q={q}")
    assert result.exit_code == 0, result.output
    [record] = records(result.stdout)
    d = record["derivative"]
    assert d["shape"] == [str(p), str(q), str(p), str(q)]
    assert nested_shape(d["entries"]) == [p, q, p, q]
    rng = np.random.default_rng(2)
    A = rng.normal(size=(p, p))
    values = {f"A_{i + 1}_{j + 1}": A[i, j] for i in range(p) for j in range(p)}
    values.update({f"X_{i + 1}_{j + 1}": rng.normal() for i in range(p) for j in range(q)})
    S = A + A.T
    for i in range(p):
        for j in range(q):
            for k in range(p):
                for l in range(q):
                    want = S[i, k] if j == l else 0.0          # ∂²tr(XᵀAX)/∂X_ij∂X_kl
                    got = py_eval(d["entries"][i][j][k][l]["python"], values)
                    assert math.isclose(got, want, abs_tol=1e-12)


def test_dims_entries_two_axes_and_text():
    record = diff_json("**x**^T A **x**", "--wrt", "x", "--dims", "n=3")
    d = record["derivative"]
    assert d["shape"] == ["1", "3"]
    assert nested_shape(d["entries"]) == [1, 3]
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    values = {f"A_{i + 1}_{j + 1}": A[i, j] for i in range(3) for j in range(3)}
    values.update({f"x_{i + 1}": x[i] for i in range(3)})
    want = x @ (A + A.T)
    for j in range(3):
        entry = d["entries"][0][j]
        assert "x₁" in entry["text"] or "x₂" in entry["text"] or "x₃" in entry["text"]
        assert math.isclose(py_eval(entry["python"], values), want[j], rel_tol=1e-12)


def test_dims_refuses_more_than_10000_entries():
    result = invoke("diff", "A X B where A: m×p, X: p×q, B: q×n", "--wrt", "X", "-f", "json",
                    "--dims", "m=10,p=10,q=10,n=11")
    assert result.exit_code == 2
    [record] = records(result.stdout)
    assert record["error"]["type"] == "limit"
    assert "10,000" in record["error"]["message"] or "10000" in record["error"]["message"]
    assert "limit" in result.stderr


def test_dims_accepts_exactly_10000_entries():
    refused = invoke("diff", "**x**", "--wrt", "x", "-f", "json", "--dims", "n=101")
    assert refused.exit_code == 2
    assert records(refused.stdout)[0]["error"]["type"] == "limit"
    accepted = invoke("diff", "**x**", "--wrt", "x", "-f", "json", "--dims", "n=100")
    assert accepted.exit_code == 0
    [record] = records(accepted.stdout)
    entries = record["derivative"]["entries"]
    assert nested_shape(entries) == [100, 100]
    assert all(py_eval(entries[i][j]["python"], {}) == (1.0 if i == j else 0.0)
               for i in (0, 37, 99) for j in (0, 37, 99))


# ---- stacked scalars and repeated --wrt -------------------------------------------------------------

def test_stacked_scalars_parr_jacobian():
    """Parr §4: ∂[3x²y, 2x + y⁸]/∂(x, y) = [[6xy, 3x²], [2, 8y⁷]], checked at numbers."""
    record = diff_json("[3x^2y, 2x + y^8]", "--wrt", "x,y")
    assert record["wrt"] == "x,y"
    assert record["derivative"]["shape"] == ["2", "2"]
    for x, y in ((1.5, -0.5), (0.3, 1.1), (-2.0, 0.7)):
        want = [[6 * x * y, 3 * x * x], [2.0, 8 * y ** 7]]
        ev = invoke("eval", record["derivative"]["ascii"], "--at", f"x={x}", "--at", f"y={y}",
                    "-f", "json")
        assert ev.exit_code == 0, ev.output
        got = json.loads(ev.stdout)["value"]
        assert np.allclose(got, want, rtol=1e-12), (got, want)
    # And the --dims entries, read by a script.
    record = diff_json("[3x^2y, 2x + y^8]", "--wrt", "x,y", "--dims", "n=1")
    entries = record["derivative"]["entries"]
    assert nested_shape(entries) == [2, 2]
    x, y = 0.8, -1.3
    want = [[6 * x * y, 3 * x * x], [2.0, 8 * y ** 7]]
    for i in range(2):
        for j in range(2):
            assert math.isclose(py_eval(entries[i][j]["python"], {"x": x, "y": y}), want[i][j],
                                rel_tol=1e-12)


def test_stacked_scalars_gradient_is_a_row():
    record = diff_json("3x^2y", "--wrt", "x,y")
    assert record["derivative"]["shape"] == ["1", "2"]
    record = diff_json("3x^2y", "--wrt", "x,y", "--layout", "denominator")
    assert record["derivative"]["shape"] == ["2", "1"]


def test_repeated_wrt_gives_one_record_each():
    result = invoke("diff", "**x**^T A **x** + c", "--wrt", "x", "--wrt", "A", "--wrt", "c",
                    "-f", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 3
    recs = [json.loads(line) for line in lines]
    assert [r["wrt"] for r in recs] == ["x", "A", "c"]
    assert [r["derivative"]["shape"] for r in recs] == [["1", "n"], ["n", "n"], []]
    assert all(r["input"] == "**x**^T A **x** + c" for r in recs)
    # -f json too: one (indented) object per --wrt.
    result = invoke("diff", "x^2 y", "--wrt", "x", "--wrt", "y", "-f", "json")
    assert [r["wrt"] for r in records(result.stdout)] == ["x", "y"]
    # and text: one line each
    result = invoke("diff", "x^2 y", "--wrt", "x", "--wrt", "y", "-f", "text")
    assert len([l for l in result.stdout.splitlines() if l.strip()]) == 2


# ---- batch ---------------------------------------------------------------------------------------

def test_batch_with_a_bad_line_in_the_middle():
    lines = ["**x**^T A **x**", "sum(**x**)", "W **x** +", "**w** · **x** + b", "norm(**x**)^2"]
    result = invoke("diff", "-", "--wrt", "x", "-f", "jsonl", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(out) == len(lines)
    assert [r["input"] for r in out] == lines
    assert "error" in out[2] and "derivative" not in out[2]
    assert out[2]["error"]["type"] == "parse"
    assert isinstance(out[2]["error"]["message"], str) and out[2]["error"]["message"]
    for k in (0, 1, 3, 4):
        assert "error" not in out[k]
        assert set(out[k]) == RECORD_KEYS
    assert [out[k]["derivative"]["shape"] for k in (0, 1, 3, 4)] == [["1", "n"]] * 4
    assert "parse error" in result.stderr


def test_batch_json_is_one_record_per_line_and_text_one_line_each():
    lines = ["sum(**x**)", "**x** **x**", "‖**x**‖"]
    result = invoke("diff", "-", "--wrt", "x", "-f", "json", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(out) == 3
    assert out[1]["error"]["type"] == "shape"
    text = invoke("diff", "-", "--wrt", "x", "-f", "text", input="\n".join(lines) + "\n")
    assert text.exit_code == 1
    assert len([l for l in text.stdout.splitlines() if l.strip()]) == 2   # errors go to stderr


def test_batch_all_good_exits_0():
    result = invoke("diff", "-", "--wrt", "x", "-f", "jsonl", input="x^2\nsin(x)\n")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


# ---- check ---------------------------------------------------------------------------------------

def test_check_own_result_exits_0():
    result = invoke("check", "**x**^T A **x**", "--wrt", "x")
    assert result.exit_code == 0, result.output
    result = invoke("check", "**x**^T A **x**", "--wrt", "x", "-f", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["max_relative_error"] < 1e-6


def test_check_wrong_claim_exits_1_with_a_witness():
    result = invoke("check", "**x**^T A **x**", "--wrt", "x", "--claim", "2 **x**^T A", "-f", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    witness = report["witness"]
    x = np.array(witness["values"]["x"], dtype=float).reshape(-1)
    A = np.array(witness["values"]["A"], dtype=float)
    assert not np.allclose(A, A.T)                     # the claim is only right for symmetric A
    true = x @ (A + A.T)
    claimed = 2 * x @ A
    assert np.allclose(np.array(witness["finite_differences"], dtype=float).reshape(-1), true, atol=1e-5)
    assert np.allclose(np.array(witness["claimed"], dtype=float).reshape(-1), claimed, atol=1e-9)
    # Text mode says so, shows the values and mcalc's correct result.
    text = invoke("check", "**x**^T A **x**", "--wrt", "x", "--claim", "2 **x**^T A", "-f", "text")
    assert text.exit_code == 1
    assert "x =" in text.stdout and "A =" in text.stdout
    assert "mcalc" in text.stdout


def test_check_right_claim_exits_0():
    result = invoke("check", "**x**^T A **x**", "--wrt", "x", "--claim", "**x**^T (A + A^T)")
    assert result.exit_code == 0, result.output


def test_check_claim_of_the_wrong_shape_is_bad_input():
    result = invoke("check", "**x**^T A **x**", "--wrt", "x", "--claim", "(A + A^T) **x**",
                    "-f", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["type"] == "shape"


# ---- usage errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["diff", "hessian", "check"])
@pytest.mark.parametrize("wrt", ["3", "2.5"])
def test_wrt_a_number_is_a_usage_error(command, wrt):
    result = invoke(command, "x^2", "--wrt", wrt, "-f", "json")
    assert result.exit_code == 2
    [record] = records(result.stdout)
    assert record["error"]["type"] == "usage"
    assert "number" in record["error"]["message"]


def test_wrt_absent_variable_gives_zero_of_the_right_shape():
    record = diff_json("sum(**x**)", "--wrt", "y", "--let", "y: m")
    assert record["derivative"]["shape"] == ["1", "m"]
    r = api.diff("sum(**x**)", "y", let="y: m")
    value = numeric.evaluate(r.expr, {"x": np.ones((3, 1)), "y": np.ones((4, 1))}, {"n": 3, "m": 4})
    assert np.shape(value) == (1, 4) and np.all(np.asarray(value) == 0)


# ---- SPEC §2.2: the table rows are numerically right ----------------------------------------------

SPEC_TABLE = [
    ("**w**·**x** + b", "w", ["1", "n"]),
    ("**w**·**x** + b", "b", []),
    ("sum(**x**)", "x", ["1", "n"]),
    ("**w** ⊙ **x**", "w", ["n", "n"]),
    ("**x**ᵀ A **x**", "x", ["1", "n"]),
    ("W **x** + **b**", "x", ["m", "n"]),
    ("max(0, **w**·**x** + b)", "w", ["1", "n"]),
    ("[3x^2y, 2x + y^8]", "x,y", ["2", "2"]),
]


@pytest.mark.parametrize("expr, wrt, shape", SPEC_TABLE)
def test_spec_table_rows(expr, wrt, shape):
    record = diff_json(expr, "--wrt", wrt)
    assert record["derivative"]["shape"] == shape
    result = api.diff(expr, wrt)
    for seed in (0, 1, 2):
        cmp = checking.compare(result, seed=seed)
        assert cmp.ok, (expr, wrt, result.text, cmp.error, cmp.note)
    check = invoke("check", expr, "--wrt", wrt)
    assert check.exit_code == 0, check.output
