"""SPEC §1 notation: every example and rule, checked through parse → kinds → shapes.

Each case is (expression, kind of the result, its axes as SPEC §2.7 lists them, and optionally
every variable's kind and axes). Dimension names are the ones §1.2 asks for: without a variable
of differentiation the first vector or matrix plays its part (length n, or m×n), the output gets
m, and the rest `k, p, q, …`, skipping names in use. `EXPRESSIONS` is shared with
test_roundtrip.py.

Test ids name the SPEC section (`1.1`, `1.4`, …) or the grammar ambiguity (`A1`…`A8`, see the
header of grammar/mcalc.lark) that a case covers.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from mcalc import api
from mcalc.errors import MCalcError
from mcalc.nodes import (BinOp, Binary, Call, Identity, Kind, MatrixLit, Number, Ones, Pi, UnOp,
                         Unary, Var, VectorLit, Zeros, strip_spans)
from mcalc.parser import parse, parse_decls
from mcalc.shapes import check


@dataclass(frozen=True)
class Case:
    id: str
    expr: str
    kind: str                      # "scalar" | "vector" | "row" | "matrix"
    shape: tuple[str, ...]         # SPEC §2.7 axes: () for scalars, (rows, cols) otherwise
    variables: dict | None = None  # name → "kind axes…", e.g. {"x": "vector n 1", "b": "scalar"}
    let: tuple[str, ...] = ()      # --let declarations
    wrt: tuple[str, ...] = ()      # the variable of differentiation, for §1.2's naming


def case(id, expr, kind, shape="", variables=None, let=(), wrt=()):
    return Case(id, expr, kind, tuple(shape.split()), variables, tuple(let), tuple(wrt))


S = "scalar"
CASES = [
    # ---- §1.1 kinds by marks -------------------------------------------------------------
    case("1.1-bold-stars", "**x**", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-mathbf", r"\mathbf{x}", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-mathbf-spaced", r"\mathbf{ x }", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-bm", r"\bm{x}", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-boldsymbol", r"\boldsymbol{x}", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-unicode-bold", "𝐱", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-unicode-bold-italic", "𝒙", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-plain-lowercase-scalar", "x", "scalar", "", {"x": S}),
    case("1.1-plain-uppercase-matrix", "X", "matrix", "m n", {"X": "matrix m n"}),
    case("1.1-bold-uppercase-stars", "**X**", "matrix", "m n", {"X": "matrix m n"}),
    case("1.1-bold-uppercase-mathbf", r"\mathbf{X}", "matrix", "m n", {"X": "matrix m n"}),
    case("1.1-bold-uppercase-unicode", "𝐗", "matrix", "m n", {"X": "matrix m n"}),
    case("1.1-mathit-uppercase-scalar", r"\mathit{L}", "scalar", "", {"L": S}),
    case("1.1-unicode-italic-uppercase", "𝐿", "scalar", "", {"L": S}),
    case("1.1-unicode-italic-h", "ℎ", "scalar", "", {"h": S}),
    case("1.1-mathit-scales-matrix", r"\mathit{L} A", "matrix", "m n", {"L": S, "A": "matrix m n"}),
    case("1.1-bold-once-bold-everywhere", "**x** + x", "vector", "n 1", {"x": "vector n 1"}),
    case("1.1-bold-mark-last-occurrence", "x^T A **x**", "scalar", "", {"x": "vector n 1", "A": "matrix n n"}),
    case("1.1-mixed-bold-spellings", r"\mathbf{x}^T 𝐱", "scalar", "", {"x": "vector n 1"}),
    case("1.1-italic-everywhere", r"\mathit{L} + L", "scalar", "", {"L": S}),
    # Greek letters: by symbol, by name, by LaTeX name — one variable, a scalar
    case("1.1-greek-symbol", "α", "scalar", "", {"α": S}),
    case("1.1-greek-name", "alpha", "scalar", "", {"α": S}),
    case("1.1-greek-latex", r"\alpha", "scalar", "", {"α": S}),
    case("1.1-greek-all-spellings-one-name", r"α + alpha + \alpha", "scalar", "", {"α": S}),
    case("1.1-greek-capital-scalar", "Σ", "scalar", "", {"Σ": S}),
    case("1.1-greek-capital-name-scalar", "Sigma x", "scalar", "", {"Σ": S, "x": S}),
    case("1.1-greek-bold-vector", r"\boldsymbol{\theta}", "vector", "n 1", {"θ": "vector n 1"}),
    case("1.1-greek-bold-name-vector", "**theta**^T **x**", "scalar", "", {"θ": "vector n 1", "x": "vector n 1"}),
    case("1.1-greek-capital-bold-matrix", r"\mathbf{\Sigma}^{-1} **x**", "vector", "n 1",
         {"Σ": "matrix n n", "x": "vector n 1"}),
    # subscripts
    case("1.1-subscript-digit", "x_1", "scalar", "", {"x_1": S}),
    case("1.1-subscript-letter-matrix", "W_h", "matrix", "m n", {"W_h": "matrix m n"}),
    case("1.1-subscript-braced-word", "b_{out}", "scalar", "", {"b_out": S}),
    case("1.1-subscript-index", "x_i", "scalar", "", {"x_i": S}),
    case("1.1-subscript-unicode", "x₁", "scalar", "", {"x_1": S}),
    case("1.1-subscript-unicode-same-as-ascii", "x₁ + x_1", "scalar", "", {"x_1": S}),
    case("1.1-subscripts-distinct-names", "x_1 + x_2", "scalar", "", {"x_1": S, "x_2": S}),
    case("1.1-subscript-outside-bold", "**x**_1", "vector", "n 1", {"x_1": "vector n 1"}),
    case("1.1-subscript-inside-bold", "**x_1**", "vector", "n 1", {"x_1": "vector n 1"}),
    case("1.1-subscript-mathbf", r"\mathbf{W}_h **h**", "vector", "m 1",
         {"W_h": "matrix m n", "h": "vector n 1"}),
    case("1.1-subscript-layer", "W_{out} **x** + **b**_{out}", "vector", "m 1",
         {"W_out": "matrix m n", "x": "vector n 1", "b_out": "vector m 1"}),
    # juxtaposition
    case("1.1-juxtaposition-xy", "xy", "scalar", "", {"x": S, "y": S}),
    case("1.1-juxtaposition-parr", "3x^2y", "scalar", "", {"x": S, "y": S}),
    case("1.1-juxtaposition-xTAx-ascii", "**x**^T A **x**", "scalar", "", {"x": "vector n 1", "A": "matrix n n"}),
    case("1.1-juxtaposition-xTAx-unicode", "𝐱ᵀA𝐱", "scalar", "", {"x": "vector n 1", "A": "matrix n n"}),
    case("1.1-juxtaposition-xTAx-tight", "**x**ᵀA**x**", "scalar", "", {"x": "vector n 1", "A": "matrix n n"}),
    case("1.1-juxtaposition-xTAx-prime", "**x**' A **x**", "scalar", "", {"x": "vector n 1", "A": "matrix n n"}),
    case("1.1-affine", "W **x** + **b**", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1", "b": "vector m 1"}),
    case("1.1-affine-unicode", "W𝐱 + 𝐛", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1", "b": "vector m 1"}),
    case("1.1-plain-W-x-b-scalars", "W x + b", "matrix", "m n", {"W": "matrix m n", "x": S, "b": S}),
    case("1.1-unicode-minus", "x − y", "scalar", "", {"x": S, "y": S}),
    case("1.1-superscript-two", "x²", "scalar", "", {"x": S}),
    case("1.1-superscript-three", "x³", "scalar", "", {"x": S}),
    case("1.1-superscript-vector", "**x**²", "vector", "n 1", {"x": "vector n 1"}),

    # ---- §1.2 dimensions -----------------------------------------------------------------
    case("1.2-unify-cols-with-length", "W **x**", "vector", "m 1", {"W": "matrix m n", "x": "vector n 1"}),
    case("1.2-unify-chain", "A B C", "matrix", "m k",
         {"A": "matrix m n", "B": "matrix n p", "C": "matrix p k"}),
    case("1.2-transposed-product", "A^T B", "matrix", "n k", {"A": "matrix m n", "B": "matrix m k"}),
    case("1.2-bilinear", "**y**^T W **x**", "scalar", "",
         {"y": "vector n 1", "W": "matrix n m", "x": "vector m 1"}),
    case("1.2-integer-from-literal", "[x, y, z]^T **w**", "scalar", "", {"x": S, "y": S, "z": S, "w": "vector 3 1"}),
    case("1.2-integer-from-matrix-literal", "[[1, 2], [3, 4]] **x**", "vector", "2 1", {"x": "vector 2 1"}),
    case("1.2-transposed-vector-row", "**x**^T A", "row", "1 m", {"x": "vector n 1", "A": "matrix n m"}),
    case("1.2-outer-product", "**x** **y**^T", "matrix", "n m", {"x": "vector n 1", "y": "vector m 1"}),
    case("1.2-xTy-scalar", "**x**^T **y**", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.2-xTy-scales-vector", "(**x**^T **y**) **z**", "vector", "m 1",
         {"x": "vector n 1", "y": "vector n 1", "z": "vector m 1"}),
    case("1.2-xTy-scales-matrix", "**x**^T **y** A", "matrix", "m k",
         {"x": "vector n 1", "y": "vector n 1", "A": "matrix m k"}),

    # ---- §1.3 declarations -----------------------------------------------------------------
    case("1.3-where-vector", "x where x: n", "vector", "n 1", {"x": "vector n 1"}),
    case("1.3-where-layer", "W x + b where x: n, W: m×n, b: m", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1", "b": "vector m 1"}),
    case("1.3-where-scalar-word", "b + x where b: scalar", "scalar", "", {"b": S, "x": S}),
    case("1.3-where-scalar-word-with-vector", "x y where x: n, y: scalar", "vector", "n 1",
         {"x": "vector n 1", "y": S}),
    case("1.3-where-capital-dimension", "y where y: N", "vector", "N 1", {"y": "vector N 1"}),
    case("1.3-where-element-of-R", "x where x ∈ R^n", "vector", "n 1", {"x": "vector n 1"}),
    case("1.3-where-element-of-reals-braced", "W where W ∈ ℝ^{m×n}", "matrix", "m n", {"W": "matrix m n"}),
    case("1.3-where-mathbb", r"W where W ∈ \mathbb{R}^{m×n}", "matrix", "m n", {"W": "matrix m n"}),
    case("1.3-where-element-of-R-scalar", "x where x ∈ R", "scalar", "", {"x": S}),
    case("1.3-where-in-word", "x where x in R^n", "vector", "n 1", {"x": "vector n 1"}),
    case("1.3-where-letter-x-times", "W x where W: m x n, x: n", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1"}),
    case("1.3-where-star-times", "W x where W: m*n, x: n", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1"}),
    case("1.3-where-integer", "x where x: 3", "vector", "3 1", {"x": "vector 3 1"}),
    case("1.3-where-integer-matrix", "A **x** where A: 2×3", "vector", "2 1",
         {"A": "matrix 2 3", "x": "vector 3 1"}),
    case("1.3-where-semicolons", "x^T y where x: n; y: n", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.3-where-trailing-comma", "x where x: n,", "vector", "n 1", {"x": "vector n 1"}),
    case("1.3-where-subscripted-name", "x_1 where x_1: n", "vector", "n 1", {"x_1": "vector n 1"}),
    case("1.3-where-greek-vector", "θ^T θ where θ: n", "scalar", "", {"θ": "vector n 1"}),
    case("1.3-declared-uppercase-vector", "X^T X where X: n", "scalar", "", {"X": "vector n 1"}),
    case("1.3-declared-bold-scalar", "**x** + 1 where x: scalar", "scalar", "", {"x": S}),
    case("1.3-declared-overrides-italic", r"\mathit{v} + **u** where v: n", "vector", "n 1",
         {"v": "vector n 1", "u": "vector n 1"}),
    case("1.3-let-layer", "W x + b", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1", "b": "vector m 1"}, let=("x: n", "W: m×n", "b: m")),
    case("1.3-let-one-string", "W x", "vector", "2 1", {"W": "matrix 2 3", "x": "vector 3 1"},
         let=("W: 2×3, x: 3",)),
    case("1.3-let-agrees-with-where", "W x where W: m×n", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1"}, let=("W: m×n", "x: n")),

    # ---- §1.4 operators ------------------------------------------------------------------
    # atoms
    case("1.4-number-int", "2", "scalar", "", {}),
    case("1.4-number-decimal", "0.5 x", "scalar", "", {"x": S}),
    case("1.4-number-exponent", "1e-3 **x**", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-group", "(x + y) z", "scalar", "", {"x": S, "y": S, "z": S}),
    case("1.4-braces-group", "{x + y} z", "scalar", "", {"x": S, "y": S, "z": S}),
    # postfix
    case("1.4-transpose-caret-T", "A^T", "matrix", "n m", {"A": "matrix m n"}),
    case("1.4-transpose-unicode", "Aᵀ", "matrix", "n m", {"A": "matrix m n"}),
    case("1.4-transpose-prime", "A'", "matrix", "n m", {"A": "matrix m n"}),
    case("1.4-transpose-braced", "A^{T}", "matrix", "n m", {"A": "matrix m n"}),
    case("1.4-transpose-top", r"A^\top", "matrix", "n m", {"A": "matrix m n"}),
    case("1.4-transpose-vector-row", "**x**^T", "row", "1 n", {"x": "vector n 1"}),
    case("1.4-transpose-twice", "**x**''", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-inverse-caret", "A^-1", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-inverse-braced", "A^{-1}", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-inverse-superscript", "A⁻¹", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-inverse-scalar", "x^-1", "scalar", "", {"x": S}),
    case("1.4-inverse-in-quadratic", "**x**^T A^-1 **x**", "scalar", "", {"x": "vector n 1", "A": "matrix n n"}),
    # power
    case("1.4-power-scalar", "x^2", "scalar", "", {"x": S}),
    case("1.4-power-braced", "x^{2}", "scalar", "", {"x": S}),
    case("1.4-power-right-assoc", "x^y^z", "scalar", "", {"x": S, "y": S, "z": S}),
    case("1.4-power-negative-exponent", "x^-2", "scalar", "", {"x": S}),
    case("1.4-power-vector-elementwise", "**x**^2", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-epower-vector", "**x**.^2", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-epower-matrix-not-square", "A.^2", "matrix", "m n", {"A": "matrix m n"}),
    case("1.4-matrix-power-square", "A^2", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-matrix-power-cube", "A^3", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-matrix-power-negative", "A^(-2)", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-matrix-power-superscript", "A²", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-matrix-power-declared", "A^2 where A: 3×3", "matrix", "3 3", {"A": "matrix 3 3"}),
    # unary
    case("1.4-unary-minus-vector", "-**x**", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-unary-minus-matrix", "-A", "matrix", "m n", {"A": "matrix m n"}),
    case("1.4-unary-plus", "+x", "scalar", "", {"x": S}),
    case("1.4-unary-minus-unicode", "−x", "scalar", "", {"x": S}),
    # products
    case("1.4-star-scalars", "x*y", "scalar", "", {"x": S, "y": S}),
    case("1.4-star-matrices", "A*B", "matrix", "m k", {"A": "matrix m n", "B": "matrix n k"}),
    case("1.4-at-matrices", "A@B", "matrix", "m k", {"A": "matrix m n", "B": "matrix n k"}),
    case("1.4-scalar-times-matrix", "2 A", "matrix", "m n", {"A": "matrix m n"}),
    case("1.4-scalar-var-times-matrix", "x A", "matrix", "m n", {"x": S, "A": "matrix m n"}),
    case("1.4-vector-times-scalar", "**x** x_2", "vector", "n 1", {"x": "vector n 1", "x_2": S}),
    case("1.4-dot-middle", "**x**·**y**", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-dot-operator-U22C5", "**x** ⋅ **y**", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-dot-function", "dot(**x**, **y**)", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-dot-row-and-column", "**x**^T · **y**", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-dot-neuron", "**w**·**x** + b", "scalar", "", {"w": "vector n 1", "x": "vector n 1", "b": S}),
    case("1.4-hadamard-odot", "**x** ⊙ **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-hadamard-circ", "**x** ∘ **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-hadamard-dot-star", "**x** .* **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-hadamard-otimes-parr", "**x** ⊗ **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-hadamard-matrices-unify", "A ⊙ B", "matrix", "m n", {"A": "matrix m n", "B": "matrix m n"}),
    case("1.4-hadamard-scalar-expansion", "2 ⊙ **x**", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-divide-scalars", "x/y", "scalar", "", {"x": S, "y": S}),
    case("1.4-divide-by-scalar", "**x**/y", "vector", "n 1", {"x": "vector n 1", "y": S}),
    case("1.4-divide-elementwise", "**x**/**y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-divide-scalar-by-vector", "1/**x**", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-oslash", "**x** ⊘ **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-dot-slash", "**x** ./ **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-dot-slash-matrix-scalar", "A ./ 2", "matrix", "m n", {"A": "matrix m n"}),
    # sums
    case("1.4-sum-vectors", "**x** + **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-difference-matrices", "A - B", "matrix", "m n", {"A": "matrix m n", "B": "matrix m n"}),
    case("1.4-difference-unicode-minus", "**x** − **y**", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.4-scalar-expansion-right", "**x** + 1", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-scalar-expansion-left", "1 + **x**", "vector", "n 1", {"x": "vector n 1"}),
    case("1.4-scalar-expansion-matrix", "A - x", "matrix", "m n", {"A": "matrix m n", "x": S}),
    case("1.4-scalar-expansion-row", "**x**^T + 1", "row", "1 n", {"x": "vector n 1"}),
    case("1.4-broadcast-rows", "X W^T + **b**", "matrix", "m k",
         {"X": "matrix m n", "W": "matrix k n", "b": "vector k 1"}),
    case("1.4-broadcast-rows-declared", "X W^T + **b** where X: N×n, W: m×n", "matrix", "N m",
         {"X": "matrix N n", "W": "matrix m n", "b": "vector m 1"}),
    case("1.4-broadcast-vector-left", "**b** + X", "matrix", "m n", {"b": "vector n 1", "X": "matrix m n"}),
    case("1.4-broadcast-row", "X + **b**^T", "matrix", "m n", {"X": "matrix m n", "b": "vector n 1"}),
    # precedence
    case("1.4-precedence-minus-power", "-x^2", "scalar", "", {"x": S}),
    case("1.4-precedence-sum-of-products", "a + b c", "scalar", "", {"a": S, "b": S, "c": S}),

    # ---- §1.5 functions --------------------------------------------------------------------
    *(case(f"1.5-elementwise-{fn}", f"{fn}(**x**)", "vector", "n 1", {"x": "vector n 1"})
      for fn in ("exp", "log", "ln", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin",
                 "arccos", "arctan", "sigmoid", "σ", "relu", "softplus", "abs", "sign", "step")),
    case("1.5-elementwise-on-matrix", "exp(A)", "matrix", "m n", {"A": "matrix m n"}),
    case("1.5-elementwise-on-scalar", "log(x)", "scalar", "", {"x": S}),
    case("1.5-relu-layer", "relu(W **x** + **b**)", "vector", "m 1",
         {"W": "matrix m n", "x": "vector n 1", "b": "vector m 1"}),
    case("1.5-max-scalar-expansion-left", "max(0, **x**)", "vector", "n 1", {"x": "vector n 1"}),
    case("1.5-max-scalar-expansion-right", "max(**x**, 0)", "vector", "n 1", {"x": "vector n 1"}),
    case("1.5-max-matrix", "max(A, 0)", "matrix", "m n", {"A": "matrix m n"}),
    case("1.5-min-vectors", "min(**x**, **y**)", "vector", "n 1", {"x": "vector n 1", "y": "vector n 1"}),
    case("1.5-max-scalars", "max(a, b)", "scalar", "", {"a": S, "b": S}),
    case("1.5-max-neuron", "max(0, **w**·**x** + b)", "scalar", "",
         {"w": "vector n 1", "x": "vector n 1", "b": S}),
    case("1.5-sum-vector", "sum(**x**)", "scalar", "", {"x": "vector n 1"}),
    case("1.5-sum-matrix", "sum(A)", "scalar", "", {"A": "matrix m n"}),
    case("1.5-mean", "mean(**x**)", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm", "norm(**x**)", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm-matrix", "norm(A)", "scalar", "", {"A": "matrix m n"}),
    case("1.5-norm1", "norm1(**x**)", "scalar", "", {"x": "vector n 1"}),
    case("1.5-trace", "tr(A)", "scalar", "", {"A": "matrix n n"}),
    case("1.5-trace-long-name", "trace(A B)", "scalar", "", {"A": "matrix m n", "B": "matrix n m"}),
    case("1.5-det", "det(A)", "scalar", "", {"A": "matrix n n"}),
    case("1.5-logdet", "logdet(A)", "scalar", "", {"A": "matrix n n"}),
    case("1.5-inv", "inv(A)", "matrix", "n n", {"A": "matrix n n"}),
    case("1.5-inv-solve", "inv(A) **b**", "vector", "n 1", {"A": "matrix n n", "b": "vector n 1"}),
    case("1.5-diag-of-vector", "diag(**x**)", "matrix", "n n", {"x": "vector n 1"}),
    case("1.5-diag-of-matrix", "diag(A)", "vector", "n 1", {"A": "matrix n n"}),
    case("1.5-kron", "kron(A, B) where A: m×n, B: p×q", "matrix", "m·p n·q",
         {"A": "matrix m n", "B": "matrix p q"}),
    case("1.5-kron-integers", "kron(A, B) where A: 2×3, B: 4×5", "matrix", "8 15",
         {"A": "matrix 2 3", "B": "matrix 4 5"}),
    case("1.5-vec", "vec(A) where A: m×n", "vector", "m·n 1", {"A": "matrix m n"}),
    case("1.5-softmax", "softmax(**z**)", "vector", "n 1", {"z": "vector n 1"}),
    case("1.5-logsumexp", "logsumexp(**z**)", "scalar", "", {"z": "vector n 1"}),
    # norms ‖·‖
    case("1.5-norm-bars", "‖**x**‖", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm-double-pipes", "||**x**||", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm-squared", "‖**x**‖^2", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm-squared-superscript", "‖**x**‖²", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm-scaled", "λ‖**w**‖", "scalar", "", {"λ": S, "w": "vector n 1"}),
    case("1.5-norm-ridge", "‖X **w** - **y**‖^2 + lambda ‖**w**‖^2", "scalar", "",
         {"X": "matrix m n", "w": "vector n 1", "y": "vector m 1", "λ": S}),
    case("1.5-norm-frobenius", "‖A‖_F", "scalar", "", {"A": "matrix m n"}),
    case("1.5-norm-1-subscript", "‖**x**‖_1", "scalar", "", {"x": "vector n 1"}),
    case("1.5-norm-1-unicode-subscript", "‖**x**‖₁", "scalar", "", {"x": "vector n 1"}),

    # ---- literals and constants (§1.4 atoms) -----------------------------------------------------
    case("1.4-vector-literal-parr", "[3x^2y, 2x + y^8]", "vector", "2 1", {"x": S, "y": S}),
    case("1.4-vector-literal-three", "[a, b, c]", "vector", "3 1", {"a": S, "b": S, "c": S}),
    case("1.4-matrix-literal", "[[1, 2], [3, 4]]", "matrix", "2 2", {}),
    case("1.4-matrix-literal-rect", "[[1, 2, 3], [4, 5, 6]]", "matrix", "2 3", {}),
    case("1.4-wolfram-example", "[x^2, x^3]^T [[1, 2], [3, 4]] [x^2, x^3]", "scalar", "", {"x": S}),
    case("1.4-ones-stars", "**1**", "vector", "n 1", {}),
    case("1.4-ones-unicode", "𝟏", "vector", "n 1", {}),
    case("1.4-ones-mathbf", r"\mathbf{1}", "vector", "n 1", {}),
    case("1.4-ones-sum", "**1**^T **x**", "scalar", "", {"x": "vector n 1"}),
    case("1.4-ones-unicode-sum", "𝟏ᵀ𝐱", "scalar", "", {"x": "vector n 1"}),
    case("1.4-zeros", "**0**", "vector", "n 1", {}),
    case("1.4-zeros-unicode", "A **x** + 𝟎", "vector", "m 1", {"A": "matrix m n", "x": "vector n 1"}),
    case("1.4-identity", "I", "matrix", "n n", {}),
    case("1.4-identity-blackboard", "𝕀", "matrix", "n n", {}),
    case("1.4-identity-square-partner", "A + I", "matrix", "n n", {"A": "matrix n n"}),
    case("1.4-identity-sized", "I_3 **x**", "vector", "3 1", {"x": "vector 3 1"}),
    case("1.4-identity-regularized", "(X^T X + λ I)^-1 X^T **y**", "vector", "n 1",
         {"X": "matrix m n", "λ": S, "y": "vector m 1"}),
    case("1.4-pi-symbol", "π", "scalar", "", {}),
    case("1.4-pi-name", "pi", "scalar", "", {}),
    case("1.4-pi-latex", r"2\pi x", "scalar", "", {"x": S}),
    case("1.4-pi-user-example", "-cos(2π 𝐰ᵀ𝐰) + 𝐰ᵀ𝐰", "scalar", "", {"w": "vector n 1"}),
    case("1.4-pi-user-example-ascii", "-cos(2 pi **w**^T **w**) + **w**^T **w**", "scalar", "", {"w": "vector n 1"}),

    # ---- square checks ----------------------------------------------------------------------------
    case("square-det-declared-symbol", "det(A) where A: n×n", "scalar", "", {"A": "matrix n n"}),
    case("square-tr-of-product", "tr(A^T B)", "scalar", "", {"A": "matrix m n", "B": "matrix m n"}),
    case("square-inv-gram", "(A^T A)^-1", "matrix", "n n", {"A": "matrix m n"}),
    case("square-power-forces-square", "A^2 **x**", "vector", "n 1", {"A": "matrix n n", "x": "vector n 1"}),

    # ---- the grammar's ambiguities, by name (grammar/mcalc.lark header) -------------------------
    case("A1-adjacent-letters-multiply", "ab c", "scalar", "", {"a": S, "b": S, "c": S}),
    case("A2-greek-names-are-words", "beta + xi", "scalar", "", {"β": S, "ξ": S}),
    case("A2-spaced-letters-multiply", "x i", "scalar", "", {"x": S, "i": S}),
    case("A3-single-letter-before-paren", "a(b + c)", "scalar", "", {"a": S, "b": S, "c": S}),
    case("A3-greek-before-paren", "alpha(x + 1)", "scalar", "", {"α": S, "x": S}),
    case("A4-transpose-not-power", "**x**^T**y**", "scalar", "", {"x": "vector n 1", "y": "vector n 1"}),
    case("A4-inverse-not-power", "A^-1 **b**", "vector", "n 1", {"A": "matrix n n", "b": "vector n 1"}),
    case("A5-norm-times-norm-inside-norm", "‖a * ‖**b**‖‖", "scalar", "", {"a": S, "b": "vector n 1"}),
    case("A5-norms-side-by-side", "‖**a**‖ ‖**b**‖", "scalar", "", {"a": "vector n 1", "b": "vector m 1"}),
    case("A6-bracket-of-brackets-is-matrix", "[[a, b], [c, d]]", "matrix", "2 2", {"a": S, "b": S, "c": S, "d": S}),
    case("A7-spaced-minus-subtracts", "a -b", "scalar", "", {"a": S, "b": S}),
    case("A7-bracketed-negative-multiplies", "a (-b)", "scalar", "", {"a": S, "b": S}),
    case("A8-bold-token-not-two-stars", "2**x**", "vector", "n 1", {"x": "vector n 1"}),
]

EXPRESSIONS = [c.expr for c in CASES]


def described(t) -> str:
    return " ".join([t.kind.value, *map(str, t.axes())])


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_notation(c: Case):
    result = api.shape(c.expr, let=c.let)
    assert result.kind == c.kind
    assert [str(a) for a in result.shape] == list(c.shape)
    if c.variables is not None:
        got = {name: described(t) for name, t in result.checked.variables.items()}
        assert got == c.variables


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 110


def test_every_ambiguity_has_a_case():
    named = {c.id[:2] for c in CASES if c.id.startswith("A")}
    assert named == {f"A{i}" for i in range(1, 9)}


# ---- the grammar's ambiguities: the implicit spelling parses to the explicit tree -------------

def tree(text: str):
    return strip_spans(parse(text).expr)


SAME_TREE = [
    ("A1-xy-is-x-times-y", "xy", "x * y"),
    ("A1-power-binds-last-letter", "3x^2y", "3 * (x^2) * y"),
    ("A1-digit-after-letter", "x2", "x * 2"),
    ("A1-number-letter", "2x", "2 * x"),
    ("A2-beta-is-greek", "beta", "β"),
    ("A2-xi-is-greek", "xi", "ξ"),
    ("A2-latex-greek", r"\alpha\beta", "α * β"),
    ("A2-pi-is-a-word", "2pi", "2 * π"),
    ("A3-letter-before-paren-product", "a(b + c)", "a * (b + c)"),
    ("A3-spaced-letters-before-paren", "x y (z)", "x * y * (z)"),
    ("A3-greek-name-before-paren-product", "alpha(x + 1)", "α * (x + 1)"),
    ("A3-function-call", "sin(x)", "sin (x)"),
    ("A3-ln-is-log", "ln(x)", "log(x)"),
    ("A3-sigma-is-sigmoid", "σ(x)", "sigmoid(x)"),
    ("A3-trace-is-tr", "trace(A)", "tr(A)"),
    ("A4-caret-T-is-transpose", "A^T", "Aᵀ"),
    ("A4-braced-T-is-transpose", "A^{T}", "A'"),
    ("A4-top-is-transpose", r"A^\top", "A^T"),
    ("A4-caret-minus-one-is-inverse", "A^-1", "A⁻¹"),
    ("A4-braced-minus-one-is-inverse", "A^{-1}", "A^-1"),
    ("A4-minus-one-point-five-is-power", "x^-1.5", "x^(-1.5)"),
    ("A4-minus-ten-is-power", "x^-10", "x^(-10)"),
    ("A5-norm-closes-early", "‖a‖ b", "(‖a‖) b"),
    ("A5-norm-squared", "λ‖**w**‖^2", "λ * (‖**w**‖^2)"),
    ("A5-product-with-norm-inside-norm", "‖a * ‖b‖‖", "norm(a * norm(b))"),
    ("A5-norm1-subscript", "‖**x**‖_1", "norm1(**x**)"),
    ("A6-bracket-of-brackets", "[[1, 2], [3, 4]]", "[[1, 2], [3, 4]]"),
    ("A7-spaced-minus-is-difference", "a -b", "a - b"),
    ("A7-bracketed-negative-is-product", "a (-b)", "a * (-b)"),
    ("A8-bold-name-is-one-token", "2**x**", r"2 * \mathbf{x}"),
    ("A8-bold-after-star", "a * **x**", r"a \mathbf{x}"),
    # precedence of §1.4
    ("1.4-power-right-associative", "x^y^z", "x^(y^z)"),
    ("1.4-minus-below-power", "-x^2", "-(x^2)"),
    ("1.4-postfix-above-power", "**x**^T^2", "(**x**^T)^2"),
    ("1.4-products-left-associative", "a/b c", "(a/b) c"),
    ("1.4-differences-left-associative", "a - b - c", "(a - b) - c"),
    ("1.4-product-above-sum", "a + b c", "a + (b c)"),
    ("1.4-unicode-minus", "a − b", "a - b"),
    ("1.4-superscript-two", "x²", "x^2"),
    ("1.4-superscript-three", "x³", "x^3"),
    ("1.4-unary-plus-dropped", "+x", "x"),
    ("1.4-hadamard-spellings", "**x** ⊙ **y** ∘ **z**", "(**x** .* **y**) .* **z**"),
    ("1.4-otimes-is-hadamard", "**x** ⊗ **y**", "**x** ⊙ **y**"),
    ("1.4-oslash-spellings", "**x** ⊘ **y**", "**x** ./ **y**"),
    ("1.4-dot-spellings", "**x** · **y**", "dot(**x**, **y**)"),
    ("1.4-at-is-product", "A @ B", "A * B"),
    ("1.4-star-is-juxtaposition", "A * B", "A B"),
]


@pytest.mark.parametrize("implicit, explicit", [(a, b) for _, a, b in SAME_TREE],
                         ids=[i for i, _, _ in SAME_TREE])
def test_same_tree(implicit, explicit):
    assert tree(implicit) == tree(explicit)


def test_A1_power_binds_to_last_letter_only():
    # 3x^2y: ((3 · x²) · y), not 3 · x^(2y)
    t = tree("3x^2y")
    assert t == Binary(BinOp.PRODUCT,
                       Binary(BinOp.PRODUCT, Number(3), Binary(BinOp.POWER, Var("x"), Number(2))),
                       Var("y"))


def test_A2_spaced_letters_are_not_greek():
    assert tree("x i") == Binary(BinOp.PRODUCT, Var("x"), Var("i"))
    assert tree("xi") == Var("ξ")


def test_A3_call_node_and_product():
    assert tree("exp(x)") == Call("exp", (Var("x"),))
    assert tree("x (y)") == Binary(BinOp.PRODUCT, Var("x"), Var("y"))


def test_A4_transpose_and_inverse_nodes():
    assert tree("A^T") == Unary(UnOp.TRANSPOSE, Var("A"))
    assert tree("A^-1") == Unary(UnOp.INVERSE, Var("A"))
    assert tree("x^-2") == Binary(BinOp.POWER, Var("x"), Unary(UnOp.NEG, Number(2)))


def test_A5_norm_node():
    assert tree("‖**x**‖") == Call("norm", (Var("x"),))
    assert tree("‖a‖ ‖b‖") == Binary(BinOp.PRODUCT, Call("norm", (Var("a"),)), Call("norm", (Var("b"),)))


def test_A6_matrix_and_vector_literals():
    assert tree("[[1, 2], [3, 4]]") == MatrixLit(((Number(1), Number(2)), (Number(3), Number(4))))
    assert tree("[1, 2]") == VectorLit((Number(1), Number(2)))


def test_A7_minus_nodes():
    assert tree("a -b") == Binary(BinOp.SUB, Var("a"), Var("b"))
    assert tree("a (-b)") == Binary(BinOp.PRODUCT, Var("a"), Unary(UnOp.NEG, Var("b")))


def test_A8_bold_token():
    t = parse("**x**").expr
    assert isinstance(t, Var) and t.name == "x" and t.span == (0, 5)
    assert tree("a**x**") == Binary(BinOp.PRODUCT, Var("a"), Var("x"))


def test_constants_are_their_own_nodes():
    assert tree("**1**") == Ones() == tree("𝟏") == tree(r"\mathbf{1}")
    assert tree("**0**") == Zeros() == tree("𝟎")
    assert tree("I") == Identity() == tree("𝕀")
    assert tree("π") == Pi() == tree("pi") == tree(r"\pi")
    assert tree("I_3") == Identity(3)


# ---- --let through the checker directly; where and --let together ------------------------------

def test_let_through_check_and_parse_decls():
    checked = check("W x + b", let=parse_decls("W: m×n, x: n, b: m"))
    assert checked.type.kind is Kind.VECTOR and checked.type.axes() == ("m", 1)
    assert checked.variables["x"].axes() == ("n", 1)


def test_let_integer_sizes():
    checked = check("A x", let=parse_decls("A ∈ ℝ^{2×3}; x ∈ R^3"))
    assert checked.type.axes() == (2, 1)
    assert checked.dims == {}


def test_let_and_where_that_agree():
    result = api.shape("W x where W: m×n", let=["W: m×n", "x: n"])
    assert result.shape == ("m", 1)


def test_let_makes_uppercase_name_a_vector():
    assert api.shape("X^T X", let="X: n").kind == "scalar"


def test_declaration_kinds():
    decls = {d.name: (d.kind, d.shape) for d in parse_decls("a: scalar, x: n, W: m×n, y ∈ R^N, c ∈ ℝ")}
    assert decls == {"a": (Kind.SCALAR, ()), "x": (Kind.VECTOR, ("n",)), "W": (Kind.MATRIX, ("m", "n")),
                     "y": (Kind.VECTOR, ("N",)), "c": (Kind.SCALAR, ())}


def test_dims_lists_every_symbol():
    assert check("W x where W: 2×n").dims == {"n": None}
    assert set(check("W **x** + **b**").dims) == {"m", "n"}
    # a size that only a constant carries is a dimension too (eval asks for it with --dims)
    ones = check("sum(**1**) + sum(**x**)")
    assert set(ones.dims) == {ones.variables["x"].rows, ones.expr.left.args[0].shape[0]}
    assert len(ones.dims) == 2
    assert check("I + A").dims == {"n": None}


# ---- §1.2 free dimension names: the variable of differentiation has n, the output m ------------

NAMING = [
    ("affine-wrt-x", "W **x** + **b**", "x", {"W": ("m", "n"), "x": ("n", 1), "b": ("m", 1)}),
    ("quadratic-wrt-x", "**x**^T A **x**", "x", {"x": ("n", 1), "A": ("n", "n")}),
    ("affine-wrt-W", "W **x**", "W", {"W": ("m", "n"), "x": ("n", 1)}),
    ("bilinear-wrt-x", "**y**^T W **x**", "x", {"y": ("m", 1), "W": ("m", "n"), "x": ("n", 1)}),
    ("bilinear-wrt-y", "**y**^T W **x**", "y", {"y": ("n", 1), "W": ("n", "m"), "x": ("m", 1)}),
    ("loss-wrt-W", "sum(W **x**)", "W", {"W": ("m", "n"), "x": ("n", 1)}),
    ("output-is-m", "A **x**", "x", {"A": ("m", "n"), "x": ("n", 1)}),
    ("skips-names-in-use", "n **x**", "x", {"n": (1, 1), "x": ("m", 1)}),
    ("keeps-declared-names", "W **x** where W: p×q", "x", {"W": ("p", "q"), "x": ("q", 1)}),
]


@pytest.mark.parametrize("expr, wrt, shapes", [n[1:] for n in NAMING], ids=[f"1.2-{n[0]}" for n in NAMING])
def test_free_dimension_names(expr, wrt, shapes):
    checked = check(expr, wrt=[wrt])
    assert {name: t.shape for name, t in checked.variables.items()} == shapes


def test_variable_of_differentiation_gets_n_even_when_it_comes_last():
    checked = check("**a**^T B **c**", wrt=["c"])
    assert checked.variables["c"].axes() == ("n", 1)
    assert checked.variables["a"].axes()[0] != "n"


# ---- the core tree says what each operator means by shape -----------------------------------

def core(text: str, **kw):
    return strip_spans(check(text, **kw).expr)


def ops(node) -> set:
    from mcalc.nodes import walk
    return {n.op for n in walk(node) if isinstance(n, (Binary, Unary))}


@pytest.mark.parametrize("text, op", [
    ("x y", BinOp.SCALE),
    ("A B", BinOp.MATMUL),
    ("**x**^T **y**", BinOp.MATMUL),
    ("**x**·**y**", BinOp.DOT),
    ("**x** ⊙ **y**", BinOp.HADAMARD),
    ("A^2", BinOp.MATPOW),
    ("A.^2", BinOp.POWER),
    ("**x**/**y**", BinOp.HDIV),
    ("**x**/y", BinOp.DIV),
    ("kron(A, B)", BinOp.KRON),
    ("A^-1", UnOp.INVERSE),
    ("x^-1", BinOp.POWER),
], ids=lambda v: v.name if hasattr(v, "name") else str(v))
def test_core_operator_by_shape(text, op):
    assert op in ops(core(text))


def test_scalar_expansion_is_explicit():
    # Parr §4.3: x + 1 is x + 1·𝟏
    e = core("**x** + 1")
    assert isinstance(e, Binary) and e.op is BinOp.ADD
    assert isinstance(e.right, Binary) and e.right.op is BinOp.SCALE and isinstance(e.right.right, Ones)


def test_row_broadcasting_is_explicit():
    # X Wᵀ + 𝐛 adds 𝐛ᵀ to every row: 𝟏𝐛ᵀ
    e = core("X W^T + **b**")
    spread = e.right
    assert spread.op is BinOp.MATMUL and isinstance(spread.left, Ones)
    assert spread.right == Unary(UnOp.TRANSPOSE, Var("b", Kind.VECTOR, ("k", 1)))


def test_xTy_is_a_scalar_not_a_matrix():
    checked = check("**x**^T **y**")
    assert checked.type.kind is Kind.SCALAR and checked.type.axes() == ()


def test_contradicting_marks_are_an_error():
    with pytest.raises(MCalcError) as err:
        check(r"**x** + \mathit{x}")
    assert err.value.kind == "kind"
