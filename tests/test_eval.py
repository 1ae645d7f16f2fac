"""`mcalc.evaluate` against direct NumPy, for every operator and function of SPEC §1.4–§1.5, at
random values; and the JSON of `mcalc eval -f json` (SPEC §2.7).

Values are NumPy arrays in mcalc's convention: vectors are columns (n, 1), scalars floats.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import mcalc
from mcalc.cli import app

N, M, K = 4, 3, 5        # vector length, rows of W, rows of X


def values(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(N, N))
    return {
        "a": float(rng.normal()), "c": float(rng.uniform(0.5, 2.0)),
        "x": rng.normal(size=(N, 1)), "y": rng.normal(size=(N, 1)), "w": rng.normal(size=(N, 1)),
        "p": rng.uniform(0.1, 3.0, size=(N, 1)),            # positive: log, sqrt
        "u": rng.uniform(-0.9, 0.9, size=(N, 1)),           # in (-1, 1): arcsin, arccos
        "A": G @ G.T + N * np.eye(N),                        # symmetric positive definite
        "B": rng.normal(size=(N, N)),
        "W": rng.normal(size=(M, N)), "b": rng.normal(size=(M, 1)),
        "X": rng.normal(size=(K, N)), "y_1": rng.normal(size=(K, 1)),
        "s": float(rng.normal()), "t": float(rng.normal()),
        "λ": float(rng.uniform(0.1, 1.0)),
    }


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


# (expression, NumPy oracle on the values dict). Only names the expression uses are passed.
CASES = [
    # products by shape
    ("**x**^T A **x**", lambda v: v["x"].T @ v["A"] @ v["x"]),
    ("𝐱ᵀA𝐱", lambda v: v["x"].T @ v["A"] @ v["x"]),
    ("W **x** + **b**", lambda v: v["W"] @ v["x"] + v["b"]),
    ("A B", lambda v: v["A"] @ v["B"]),
    ("A @ B", lambda v: v["A"] @ v["B"]),
    ("A * B", lambda v: v["A"] @ v["B"]),
    ("a A", lambda v: v["a"] * v["A"]),
    ("**x** a", lambda v: v["a"] * v["x"]),
    ("**x** **y**^T", lambda v: v["x"] @ v["y"].T),
    ("**x**^T **y** B", lambda v: (v["x"].T @ v["y"]).item() * v["B"]),
    ("**x**·**y**", lambda v: (v["x"] * v["y"]).sum()),
    ("dot(**x**, **y**)", lambda v: (v["x"] * v["y"]).sum()),
    # element-wise products and divisions
    ("**x** ⊙ **y**", lambda v: v["x"] * v["y"]),
    ("**x** ∘ **y**", lambda v: v["x"] * v["y"]),
    ("**x** .* **y**", lambda v: v["x"] * v["y"]),
    ("**x** ⊗ **y**", lambda v: v["x"] * v["y"]),
    ("A ⊙ B", lambda v: v["A"] * v["B"]),
    ("**x** ⊘ **p**", lambda v: v["x"] / v["p"]),
    ("**x** ./ **p**", lambda v: v["x"] / v["p"]),
    ("**x** / **p**", lambda v: v["x"] / v["p"]),
    ("**x** / c", lambda v: v["x"] / v["c"]),
    ("c / **p**", lambda v: v["c"] / v["p"]),
    ("s / c", lambda v: v["s"] / v["c"]),
    # transposes, inverses, powers
    ("A^T", lambda v: v["A"].T),
    ("B'", lambda v: v["B"].T),
    ("Bᵀ", lambda v: v["B"].T),
    ("**x**^T", lambda v: v["x"].T),
    ("A^-1", lambda v: np.linalg.inv(v["A"])),
    ("A^{-1}", lambda v: np.linalg.inv(v["A"])),
    ("A⁻¹ **x**", lambda v: np.linalg.solve(v["A"], v["x"])),
    ("inv(A)", lambda v: np.linalg.inv(v["A"])),
    ("**x**^T A^-1 **x**", lambda v: v["x"].T @ np.linalg.solve(v["A"], v["x"])),
    ("B^3", lambda v: v["B"] @ v["B"] @ v["B"]),
    ("A^(-2)", lambda v: np.linalg.inv(v["A"] @ v["A"])),
    ("B²", lambda v: v["B"] @ v["B"]),
    ("B.^2", lambda v: v["B"] ** 2),
    ("**x**^2", lambda v: v["x"] ** 2),
    ("**x**.^3", lambda v: v["x"] ** 3),
    ("**x**²", lambda v: v["x"] ** 2),
    ("s^2 + t³", lambda v: v["s"] ** 2 + v["t"] ** 3),
    ("c^-1", lambda v: 1 / v["c"]),
    ("c^0.5", lambda v: math.sqrt(v["c"])),
    ("2^s", lambda v: 2 ** v["s"]),
    ("s^2^c", lambda v: v["s"] ** (2 ** v["c"])),
    # signs, sums, scalar expansion, broadcasting
    ("-A", lambda v: -v["A"]),
    ("-**x** + **y**", lambda v: -v["x"] + v["y"]),
    ("s − t", lambda v: v["s"] - v["t"]),
    ("-s^2", lambda v: -(v["s"] ** 2)),
    ("**x** + 1", lambda v: v["x"] + 1),
    ("1 - **x**", lambda v: 1 - v["x"]),
    ("A + s", lambda v: v["A"] + v["s"]),
    ("X W^T + **b**", lambda v: v["X"] @ v["W"].T + v["b"].T),
    ("**b**^T + X W^T", lambda v: v["b"].T + v["X"] @ v["W"].T),
    # element-wise functions
    ("exp(**x**)", lambda v: np.exp(v["x"])),
    ("log(**p**)", lambda v: np.log(v["p"])),
    ("ln(**p**)", lambda v: np.log(v["p"])),
    ("sqrt(**p**)", lambda v: np.sqrt(v["p"])),
    ("sin(**x**)", lambda v: np.sin(v["x"])),
    ("cos(A)", lambda v: np.cos(v["A"])),
    ("tan(**u**)", lambda v: np.tan(v["u"])),
    ("tanh(**x**)", lambda v: np.tanh(v["x"])),
    ("sinh(**x**)", lambda v: np.sinh(v["x"])),
    ("cosh(**x**)", lambda v: np.cosh(v["x"])),
    ("arcsin(**u**)", lambda v: np.arcsin(v["u"])),
    ("arccos(**u**)", lambda v: np.arccos(v["u"])),
    ("arctan(**x**)", lambda v: np.arctan(v["x"])),
    ("sigmoid(W **x** + **b**)", lambda v: sigmoid(v["W"] @ v["x"] + v["b"])),
    ("σ(s)", lambda v: sigmoid(v["s"])),
    ("relu(**x**)", lambda v: np.maximum(v["x"], 0)),
    ("softplus(**x**)", lambda v: np.log1p(np.exp(v["x"]))),
    ("abs(**x**)", lambda v: np.abs(v["x"])),
    ("sign(**x**)", lambda v: np.sign(v["x"])),
    ("step(**x**)", lambda v: (v["x"] > 0).astype(float)),
    ("max(0, **x**)", lambda v: np.maximum(0, v["x"])),
    ("max(**x**, 0)", lambda v: np.maximum(v["x"], 0)),
    ("min(**x**, **y**)", lambda v: np.minimum(v["x"], v["y"])),
    ("max(s, t)", lambda v: max(v["s"], v["t"])),
    ("max(0, **w**·**x** + s)", lambda v: max(0.0, (v["w"] * v["x"]).sum() + v["s"])),
    # reductions
    ("sum(**x**)", lambda v: v["x"].sum()),
    ("sum(A)", lambda v: v["A"].sum()),
    ("mean(**x**)", lambda v: v["x"].mean()),
    ("mean(W)", lambda v: v["W"].mean()),
    ("norm(**x**)", lambda v: np.linalg.norm(v["x"])),
    ("‖**x**‖", lambda v: np.linalg.norm(v["x"])),
    ("‖**x**‖^2", lambda v: np.linalg.norm(v["x"]) ** 2),
    ("‖W‖_F", lambda v: np.linalg.norm(v["W"], "fro")),
    ("norm(W)", lambda v: np.linalg.norm(v["W"], "fro")),
    ("norm1(**x**)", lambda v: np.abs(v["x"]).sum()),
    ("‖**x**‖_1", lambda v: np.abs(v["x"]).sum()),
    ("‖**x**‖₁", lambda v: np.abs(v["x"]).sum()),
    ("tr(B)", lambda v: np.trace(v["B"])),
    ("trace(A B)", lambda v: np.trace(v["A"] @ v["B"])),
    ("det(B)", lambda v: np.linalg.det(v["B"])),
    ("logdet(A)", lambda v: np.linalg.slogdet(v["A"])[1]),
    ("logsumexp(**x**)", lambda v: np.log(np.exp(v["x"]).sum())),
    # matrix functions
    ("diag(**x**)", lambda v: np.diagflat(v["x"])),
    ("diag(B)", lambda v: np.diag(v["B"]).reshape(-1, 1)),
    ("kron(W, B)", lambda v: np.kron(v["W"], v["B"])),
    ("vec(W)", lambda v: v["W"].reshape(-1, 1, order="F")),
    ("softmax(**x**)", lambda v: softmax(v["x"])),
    # literals and constants
    ("[3s^2t, 2s + t^8]", lambda v: np.array([[3 * v["s"] ** 2 * v["t"]], [2 * v["s"] + v["t"] ** 8]])),
    ("[[1, 2], [3, 4]] [s, t]", lambda v: np.array([[1, 2], [3, 4]]) @ np.array([[v["s"]], [v["t"]]])),
    ("[s^2, s^3]^T [[1, 2], [3, 4]] [s^2, s^3]",
     lambda v: (lambda z: z.T @ np.array([[1, 2], [3, 4]]) @ z)(np.array([[v["s"] ** 2], [v["s"] ** 3]]))),
    ("**1**^T **x**", lambda v: v["x"].sum()),
    ("𝟏ᵀ𝐱", lambda v: v["x"].sum()),
    ("**x** + **0**", lambda v: v["x"]),
    ("A + I", lambda v: v["A"] + np.eye(N)),
    ("𝕀 B", lambda v: v["B"]),
    ("π s", lambda v: math.pi * v["s"]),
    ("2 pi", lambda v: 2 * math.pi),
    ("-cos(2π 𝐰ᵀ𝐰) + 𝐰ᵀ𝐰",
     lambda v: -math.cos(2 * math.pi * (v["w"].T @ v["w"]).item()) + (v["w"].T @ v["w"]).item()),
    # a few whole models
    ("‖X **w** - **y**_1‖^2 + λ‖**w**‖^2",
     lambda v: np.linalg.norm(v["X"] @ v["w"] - v["y_1"]) ** 2 + v["λ"] * np.linalg.norm(v["w"]) ** 2),
    ("sum(log(1 + exp(W **x**)))", lambda v: np.log1p(np.exp(v["W"] @ v["x"])).sum()),
    ("logsumexp(W **x**) - **b**^T W **x**",
     lambda v: np.log(np.exp(v["W"] @ v["x"]).sum()) - (v["b"].T @ v["W"] @ v["x"]).item()),
]


def _inputs(expr: str, v: dict) -> dict:
    return {name: v[name] for name in mcalc.shape(expr).checked.variables}


def test_at_least_25_expressions():
    assert len(CASES) >= 25


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("expr, oracle", CASES, ids=[c[0] for c in CASES])
def test_evaluate_against_numpy(expr, oracle, seed):
    v = values(seed)
    at = _inputs(expr, v)
    result = mcalc.evaluate(expr, at)
    expected = oracle(v)
    expected = np.asarray(expected, dtype=float)
    got = np.asarray(result.value, dtype=float)
    if expected.shape == (1, 1):             # NumPy's 1×1 products are mcalc's scalars
        expected = expected.reshape(())
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # the declared result shape is the shape of the value
    assert tuple(int(d) for d in result.shape) == (expected.shape if expected.ndim else ())
    if expected.ndim == 0:
        assert isinstance(result.value, float)


def test_values_as_plain_lists():
    result = mcalc.evaluate("**x**^T A **x**", {"x": [1, 2], "A": [[1, 2], [3, 4]]})
    assert result.value == 27.0
    assert result.shape == ()


def test_values_decide_the_sizes():
    result = mcalc.evaluate("W **x**", {"W": [[1, 0, 2]], "x": [1, 2, 3]})
    assert result.shape == (1, 1) or result.shape == ()
    assert np.asarray(result.value).reshape(-1).tolist() == [7.0]


def test_declared_integer_sizes_are_checked():
    with pytest.raises(mcalc.MCalcError):
        mcalc.evaluate("**x** where x: 3", {"x": [1, 2]})


def test_dims_fix_free_sizes():
    size = str(mcalc.shape("**1**").type.rows)
    value = mcalc.evaluate("**1**", {}, dims={size: 3}).value
    assert np.asarray(value).tolist() == [[1.0], [1.0], [1.0]]
    checked = mcalc.shape("sum(**1**) + sum(**x**)").checked
    free = {d: 4 for d in checked.dims if d != checked.variables["x"].rows}
    assert len(free) == 1
    assert mcalc.evaluate("sum(**1**) + sum(**x**)", {"x": [1, 2]}, dims=free).value == 7.0


@pytest.mark.parametrize("expr, at, expected", [
    ("x/0", {"x": 1}, math.inf),
    ("1/x", {"x": 0}, math.inf),
    ("x^-1", {"x": 0}, math.inf),
    ("x^400", {"x": 10}, math.inf),
    ("1e400", {}, math.inf),
    ("-1e400 + x", {"x": 1}, -math.inf),
    ("0/x", {"x": 0}, math.nan),
    ("log(x)", {"x": -1}, math.nan),
    ("x^0.5", {"x": -1}, math.nan),
    ("(-8)^(1/3)", {}, math.nan),
])
def test_non_finite_results_are_values_not_crashes(expr, at, expected):
    value = mcalc.evaluate(expr, at).value
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == expected


# ---- mcalc eval -f json (SPEC §2.7) -------------------------------------------------------------

runner = CliRunner()


def eval_json(*args: str) -> dict:
    result = runner.invoke(app, ["eval", *args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_scalar():
    record = eval_json("**x**^T A **x**", "--at", "x=[1,2]", "--at", "A=[[1,2],[3,4]]")
    assert record == {"input": "**x**^T A **x**", "value": 27.0, "shape": []}


def test_json_column_vector_is_nested_columns():
    record = eval_json("**x**", "--at", "x=[1,2,3]")
    assert record["value"] == [[1], [2], [3]]
    assert record["shape"] == ["3", "1"]
    assert set(record) == {"input", "value", "shape"}


def test_json_row_vector():
    record = eval_json("**x**^T", "--at", "x=[1,2,3]")
    assert record["value"] == [[1, 2, 3]]
    assert record["shape"] == ["1", "3"]


def test_json_matrix():
    record = eval_json("A^T + 1", "--at", "A=[[1,2,3],[4,5,6]]")
    assert record["value"] == [[2, 5], [3, 6], [4, 7]]
    assert record["shape"] == ["3", "2"]


def test_json_value_has_exactly_the_numeric_shape():
    record = eval_json("W **x** + **b**", "--at", "W=[[1,2],[3,4],[5,6]]", "--at", "x=[1,1]",
                       "--at", "b=[0,0,1]")
    assert record["value"] == [[3], [7], [12]]
    assert [len(record["value"]), len(record["value"][0])] == [int(s) for s in record["shape"]]
    assert all(isinstance(s, str) for s in record["shape"])


def test_json_non_finite_is_null():
    record = eval_json("**x** / 0", "--at", "x=[1,-1]")
    assert record["value"] == [[None], [None]]


def test_json_at_file(tmp_path):
    f = tmp_path / "values.json"
    f.write_text(json.dumps({"x": [1, 2, 3], "A": [[1, 0, 0], [0, 2, 0], [0, 0, 3]]}), encoding="utf-8")
    record = eval_json("A **x**", "--at-file", str(f))
    assert record["value"] == [[1], [4], [9]]


def test_json_at_overrides_at_file(tmp_path):
    f = tmp_path / "values.json"
    f.write_text(json.dumps({"x": [1, 2]}), encoding="utf-8")
    record = eval_json("sum(**x**)", "--at-file", str(f), "--at", "x=[10, 20]")
    assert record["value"] == 30


def test_json_with_greek_and_subscripted_names():
    record = eval_json("λ x_1 + alpha", "--at", "lambda=2", "--at", "x_1=3", "--at", "α=1")
    assert record["value"] == 7


def test_text_output():
    result = runner.invoke(app, ["eval", "**x**", "--at", "x=[1,2,3]", "-f", "text"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "[[1], [2], [3]]"
