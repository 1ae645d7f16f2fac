"""SPEC §3: exact verification on small sizes, by component expansion with SymPy.

For a corpus identity F(X):

* F is expanded into components (`components.Expander`: x₁, A₁₂, … as real symbols) and its
  exact Jacobian is computed with `sympy.diff`, arranged independently of mcalc as SPEC §2.1
  lays it out in numerator layout: scalar by scalar → scalar; F by scalar → F's shape; scalar
  by an n-vector → 1×n; scalar by X (p×q) → q×p with entry [j][i] = ∂f/∂X_ij; vector (or row)
  by vector → ∂F_i/∂x_j; more than two axes → ∂vec F/∂vec X (column-major vec); Hessians →
  ∂²f/∂vec X ∂vec X; stacked scalars (x,y) → columns per scalar.
* mcalc's printed derivative (`result.expr`) is expanded the same way, and the difference is
  shown to be exactly zero: `expand`/`simplify` for algebraic entries; for transcendental or
  piecewise entries (exp, tanh, step, max, …) by evaluating the difference to 30 digits at
  random rational points, where it must vanish (|d| < 1e-12).

Then the `--dims` entry tables of SPEC §2.4/§2.7 are checked the way an external script uses
them: every `"python"` string of `result.to_json(sizes)["derivative"]["entries"]` is `eval`ed
in a namespace holding only the `math` functions, `abs`, `max`, `min` and the component values,
and must equal NumPy's value of the derivative at the same point; nested lists with more than
two axes are read as entry [i][j][k][l] = ∂Y_ij/∂X_kl.
"""
from __future__ import annotations

import math
import random
import re
import types

import mpmath
import numpy as np
import pytest
import sympy as sp

from mcalc import api, checking, components, numeric
from mcalc.nodes import Kind
from tests.corpus.identities import IDENTITIES

# ---- which identities ----------------------------------------------------------------------------

# Too heavy for SymPy at these sizes (det/logdet/inverse of 3×3 or 5×3 products, logsumexp of a
# two-layer relu network) or not differentiable by mcalc yet (test_corpus.py marks those xfail).
HEAVY = {
    "det(X^T A X) where X: 3×3, A: 3×3",
    "det(X^T A X) where A: 5×5, X: 5×3",
    "logdet(X^T X) where X: 5×3",
    "logdet(X X^T) where X: 3×5",
    "det(X^3) where X: 3×3",
    "tr((X^T C X)^-1 A) where C: 5×5, X: 5×3, A: 3×3",
    "logsumexp(W_2 relu(W_1 **x**)) - **y**^T W_2 relu(W_1 **x**)",
    "tr(kron(A, X)) where A: m×m, X: n×n",
    "tr(kron(X, X))",
}

# Polynomial/rational identities (no transcendental, piecewise, det or inverse): cheap enough
# for non-square sizes and for the entry tables.
_NOT_POLYNOMIAL = re.compile(
    r"det|inv|\^-1|softmax|logsumexp|relu|max|min|abs|sign|norm1|tanh|sigmoid|softplus|log|ln|"
    r"exp|sin|cos|sqrt|arctan|where|kron")


def _polynomial(identity) -> bool:
    return not _NOT_POLYNOMIAL.search(identity.expr)


def _id(identity) -> str:
    hess = " [hessian]" if identity.hessian else ""
    return f"{identity.source}: d({identity.expr})/d{identity.wrt}{hess}"


EXACT = [i for i in IDENTITIES if i.expr not in HEAVY]
MIXED = [i for i in EXACT if _polynomial(i)]

# Entry tables: the polynomial identities that have dimensions (at non-square sizes) and a set
# of transcendental / piecewise ones (at size 2).
ENTRIES_TRANSCENDENTAL = {
    ("sigmoid(**x**)", "x"), ("relu(**x**)", "x"), ("abs(**x**)", "x"), ("exp(**x**)", "x"),
    ("tanh(**x**)", "x"), ("sum(softplus(**x**))", "x"), ("softmax(**z**)", "z"),
    ("logsumexp(**x**)", "x"), ("‖**x**‖", "x"), ("norm(X)", "X"), ("exp(X)", "X"),
    ("max(0, W **x** + **b**)", "W"), ("softmax(K **q**)", "K"), ("softmax(W **x**)", "W"),
    ("max(0, **w** · **x** + b)", "w"), ("norm1(**x** - **a**)", "x"),
    ("sum(log(1 + exp(-**y** ⊙ (X **w**))))", "X"), ("tr(sin(X))", "X"),
    ("X^-1", "X"), ("X^-1 **b**", "X"), ("det(X)", "X"), ("log(abs(det(X)))", "X"),
    ("**x**^T A **x** + sum(log(1 + exp(B **x**)))", "x"),
    ("exp(x A)", "x"), ("sin(x) A + cos(x) B", "x"), ("exp(x **a**)", "x"),
}


def _has_dims(identity) -> bool:
    return bool(api.shape(identity.expr).checked.dims)


def _vec_form(identity) -> bool:
    return api.diff(identity.expr, identity.wrt, hessian=identity.hessian).vec_form


_WITH_DIMS = [i for i in MIXED if _has_dims(i)]
# Every third polynomial identity, every polynomial one with more than two axes (cheap), and the
# transcendental / piecewise set.
ENTRIES = [i for k, i in enumerate(_WITH_DIMS) if k % 3 == 0 or _vec_form(i)] + \
    [i for i in EXACT if (i.expr, i.wrt) in ENTRIES_TRANSCENDENTAL]


# ---- sizes, components and exact Jacobians -------------------------------------------------------

def sizes_for(checked, pattern=(2,)) -> dict[str, int]:
    """Concrete sizes: declared ones kept, free dimensions drawn from `pattern` in turn."""
    sizes, k = {}, 0
    for d, value in checked.dims.items():
        if "·" in d:
            continue
        if value is not None:
            sizes[d] = value
        else:
            sizes[d] = pattern[k % len(pattern)]
            k += 1
    return sizes


def vec(m) -> sp.Matrix:
    """Column-major vec; a scalar becomes 1×1."""
    if not isinstance(m, sp.MatrixBase):
        return sp.Matrix([[m]])
    return sp.Matrix(m.shape[0] * m.shape[1], 1,
                     [m[i, j] for j in range(m.shape[1]) for i in range(m.shape[0])])


def exact_numerator(result, sizes):
    """The derivative computed component-wise with sympy.diff, in numerator layout (SPEC §2.1)."""
    checked = result.checked
    ex = components.Expander(checked.variables, sizes)
    f = ex(checked.expr)
    xs = [ex.values[name] for name in result.wrt]
    if len(xs) > 1:                                   # stacked scalars: one column each
        if result.hessian:
            grad = [sp.diff(f, x) for x in xs]
            return sp.Matrix(len(xs), len(xs), lambda i, j: sp.diff(grad[i], xs[j]))
        fv = vec(f)
        return sp.Matrix(fv.shape[0], len(xs), lambda i, j: sp.diff(fv[i], xs[j]))
    x = xs[0]
    if result.hessian:                                # ∂²f/∂vec X ∂vec X
        xv = vec(x)
        grad = [sp.diff(f, xv[k]) for k in range(xv.shape[0])]
        h = sp.Matrix(xv.shape[0], xv.shape[0], lambda i, j: sp.diff(grad[i], xv[j]))
        return h[0, 0] if h.shape == (1, 1) and not isinstance(x, sp.MatrixBase) else h
    if not isinstance(x, sp.MatrixBase):              # by a scalar: F's own shape
        return f.diff(x) if isinstance(f, sp.MatrixBase) else sp.diff(f, x)
    if not isinstance(f, sp.MatrixBase):              # scalar by vector / matrix
        p, q = x.shape
        if q == 1:
            return sp.Matrix(1, p, lambda _, j: sp.diff(f, x[j, 0]))
        return sp.Matrix(q, p, lambda j, i: sp.diff(f, x[i, j]))
    fv, xv = vec(f), vec(x)                           # ∂vec F/∂vec X
    return sp.Matrix(fv.shape[0], xv.shape[0], lambda i, j: sp.diff(fv[i], xv[j]))


_NONALGEBRAIC = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.asin,
                 sp.acos, sp.atan, sp.Piecewise, sp.Heaviside, sp.Max, sp.Min, sp.sign, sp.Abs,
                 sp.DiracDelta)


def _random_point(symbols, positive, rng) -> dict:
    point = {}
    for s in symbols:
        if s in positive:
            point[s] = sp.Rational(rng.randint(20, 90), 100)
        else:
            point[s] = sp.Rational(rng.choice([-1, 1]) * rng.randint(10, 200), 100) + sp.Rational(1, 997)
    return point


def assert_zero(d, positive, rng, what: str):
    """The difference `d` of two entries is identically zero."""
    d = sp.sympify(d)
    if d == 0:
        return
    if not d.has(*_NONALGEBRAIC):
        if sp.expand(d) == 0:
            return
        assert sp.simplify(d) == 0, f"{what}: difference {sp.simplify(d)} is not zero"
        return
    # Transcendental or piecewise: the difference vanishes to 30 digits at random rationals.
    symbols = sorted(d.free_symbols, key=str)
    try:
        f = sp.lambdify(symbols, d, modules="mpmath")     # 30-digit arithmetic, fast
    except Exception:                                     # noqa: BLE001 — no mpmath spelling
        f = None
    with mpmath.workdps(30):
        for _ in range(3):
            point = _random_point(symbols, positive, rng)
            try:
                value = complex(f(*(mpmath.mpf(point[s].p) / point[s].q for s in symbols)))
            except Exception:                              # noqa: BLE001
                value = complex(d.evalf(30, subs=point))
            assert abs(value) < 1e-12, f"{what}: difference {d} is {value} at a random point"


def _positive_symbols(result, sizes) -> set:
    """Components of variables whose values must stay in a function's domain (log, sqrt, …)."""
    ex = components.Expander(result.checked.variables, sizes)
    out = set()
    for name in checking.restricted_variables(result.checked.expr):
        v = ex.values[name]
        out |= set(v) if isinstance(v, sp.MatrixBase) else {v}
    return out


def check_exact(identity, pattern=(2,), layout="numerator"):
    result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian, layout=layout)
    check_exact_result(result, sizes_for(result.checked, pattern),
                       f"d({identity.expr})/d{identity.wrt}")


def check_exact_result(result, sizes, label: str):
    layout = result.layout
    want = exact_numerator(result, sizes)
    if layout == "denominator" and isinstance(want, sp.MatrixBase) and not result.hessian:
        want = want.T
    got = components.Expander(result.checked.variables, sizes)(result.expr)
    if isinstance(want, sp.MatrixBase) and want.shape == (1, 1) and not isinstance(got, sp.MatrixBase):
        want = want[0, 0]          # a 1×1 result (scalar by scalar through stacking) is a scalar
    assert isinstance(got, sp.MatrixBase) == isinstance(want, sp.MatrixBase), \
        f"{result.text}: got {got}, the exact derivative is {want}"
    if isinstance(got, sp.MatrixBase):
        assert got.shape == want.shape, f"{result.text}: shape {got.shape}, exact {want.shape}"
        pairs = [((i, j), got[i, j], want[i, j]) for i in range(got.shape[0]) for j in range(got.shape[1])]
    else:
        pairs = [((), got, want)]
    positive = _positive_symbols(result, sizes)
    rng = random.Random(1234)
    for index, g, w in pairs:
        assert_zero(g - w, positive, rng,
                    f"{label} = {result.text} at {sizes}, entry {index}: mcalc {g}, exact {w}")


def _params(identities):
    return [pytest.param(i, id=_id(i)) for i in identities]


def test_selection_is_large_enough():
    assert len(EXACT) >= 60
    assert len(MIXED) >= 30
    assert len(ENTRIES) >= 40
    assert len([i for i in ENTRIES if _vec_form(i)]) >= 5
    # Every name in ENTRIES_TRANSCENDENTAL / HEAVY is a corpus identity (no silent typo).
    keys = {(i.expr, i.wrt) for i in IDENTITIES}
    assert ENTRIES_TRANSCENDENTAL <= keys, ENTRIES_TRANSCENDENTAL - keys
    assert HEAVY <= {i.expr for i in IDENTITIES}


@pytest.mark.parametrize("expr, wrt, claim", [
    ("**x**^T A **x**", "x", "2 **x**^T A"),                    # right only for symmetric A
    ("tr(X^T X)", "X", "X^T"),                                  # half of 2Xᵀ
    ("sum(sigmoid(**x**))", "x", "(sigmoid(**x**) ⊙ sigmoid(**x**))^T"),
    ("sum(relu(**x**))", "x", "sign(**x**)^T"),                 # differs where x_i < 0
    ("A X B", "X", "kron(B, A)"),                               # Bᵀ ⊗ A is right
])
def test_the_exact_check_catches_wrong_derivatives(expr, wrt, claim):
    """The checker itself: a wrong derivative in mcalc's place must fail."""
    from dataclasses import replace
    result = api.diff(expr, wrt)
    wrong = replace(result, derivative=replace(result.derivative,
                                               expr=api._check_claim(claim, result)))
    with pytest.raises(AssertionError):
        check_exact_result(wrong, sizes_for(result.checked, (3, 2)), f"claim {claim}")
    check_exact_result(result, sizes_for(result.checked, (3, 2)), f"d({expr})/d{wrt}")


@pytest.mark.parametrize("identity", _params(EXACT))
def test_exact_square_sizes(identity):
    """Every dimension 2 (declared sizes kept)."""
    check_exact(identity)


@pytest.mark.parametrize("identity", _params(MIXED))
def test_exact_mixed_sizes(identity):
    """Free dimensions 3, 2, 3, … so that a transposed or mis-shaped answer cannot hide."""
    check_exact(identity, pattern=(3, 2))


@pytest.mark.parametrize("identity", _params(MIXED[::4]))
def test_exact_denominator_layout(identity):
    """Denominator layout is the transpose of the numerator layout (the Hessian is symmetric)."""
    check_exact(identity, pattern=(3, 2), layout="denominator")


# ---- the JSON entry tables ------------------------------------------------------------------------

_MATH = {k: getattr(math, k) for k in dir(math) if not k.startswith("_")}


def python_namespace(values: dict, checked) -> dict:
    """Only math functions, abs, max, min and the component values (x_1, A_1_2, …)."""
    ns = {"__builtins__": {}, "abs": abs, "max": max, "min": min, **_MATH,
          "math": types.SimpleNamespace(**_MATH)}
    for name, t in checked.variables.items():
        v = values[name]
        if t.kind is Kind.SCALAR:
            ns[name] = float(v)
            continue
        a = np.asarray(v, dtype=float)
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                if t.kind is Kind.VECTOR:
                    ns[components.component_name(name, i + 1)] = float(a[i, j])
                elif t.kind is Kind.ROW:
                    ns[components.component_name(name, j + 1)] = float(a[i, j])
                else:
                    ns[components.component_name(name, i + 1, j + 1)] = float(a[i, j])
    return ns


def _own_axes(t, sizes) -> list[int]:
    """A value's axes (SPEC §2.1): none for a scalar, one for a vector or row, two for a matrix."""
    if t.kind is Kind.SCALAR:
        return []
    rows, cols = numeric.dim_value(t.rows, sizes), numeric.dim_value(t.cols, sizes)
    if t.kind is Kind.VECTOR:
        return [rows]
    if t.kind is Kind.ROW:
        return [cols]
    return [rows, cols]


def _colmajor(index, axes) -> int:
    pos, stride = 0, 1
    for i, n in zip(index, axes):
        pos += i * stride
        stride *= n
    return pos


def _nested_shape(entries) -> list[int]:
    shape, e = [], entries
    while isinstance(e, list):
        shape.append(len(e))
        e = e[0]
    return shape


def _leaves(entries, prefix=()):
    if isinstance(entries, dict):
        yield prefix, entries
        return
    for i, e in enumerate(entries):
        yield from _leaves(e, prefix + (i,))


def check_entries(identity, pattern, layout="numerator"):
    result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian, layout=layout)
    checked = result.checked
    sizes = sizes_for(checked, pattern)
    record = result.to_json(sizes)
    entries = record["derivative"]["entries"]
    rng = np.random.default_rng(7)
    values = checking.random_values(checked, sizes, rng)
    with np.errstate(all="ignore"):
        value = numeric.evaluate(result.expr, values, sizes)
    v = np.atleast_2d(np.asarray(value, dtype=float))
    ns = python_namespace(values, checked)

    x_type = checked.variables[result.wrt[0]]
    f_axes = _own_axes(x_type, sizes) if result.hessian else _own_axes(checked.type, sizes)
    x_axes = _own_axes(x_type, sizes)
    if result.vec_form:
        # Entry [i][j][k][l] = ∂Y_ij/∂X_kl; v is ∂vec Y/∂vec X (numerator) or its transpose.
        full = x_axes + f_axes if layout == "denominator" else f_axes + x_axes
        assert len(full) > 2
    elif np.ndim(value) == 0:
        full = []
    else:
        full = list(v.shape)
    assert _nested_shape(entries) == full, (record["derivative"]["shape"], full)
    assert [str(n) for n in full] == record["derivative"]["shape"] or not full

    count = 0
    for index, leaf in _leaves(entries):
        assert set(leaf) == {"text", "python"}, leaf
        assert isinstance(leaf["text"], str) and leaf["text"]
        got = eval(leaf["python"], ns)          # noqa: S307 — what an external checker does
        if result.vec_form:
            nf = len(f_axes)
            if layout == "denominator":      # v = (∂vec Y/∂vec X)ᵀ
                xi, fi = index[:len(x_axes)], index[len(x_axes):]
                want = v[_colmajor(xi, x_axes), _colmajor(fi, f_axes)]
            else:
                fi, xi = index[:nf], index[nf:]
                want = v[_colmajor(fi, f_axes), _colmajor(xi, x_axes)]
        elif not index:
            want = float(value)
        else:
            want = v[index]
        assert math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9), \
            f"entry {index} of d({identity.expr})/d{identity.wrt}: python {leaf['python']!r} = {got}, " \
            f"NumPy {want}"
        count += 1
    assert count == max(1, math.prod(full))


@pytest.mark.parametrize("identity", _params(ENTRIES))
def test_entries_python_match_numpy(identity):
    pattern = (3, 2) if _polynomial(identity) else (2,)
    check_entries(identity, pattern)


DEEP = [i for i in _WITH_DIMS if _vec_form(i)]


@pytest.mark.parametrize("identity", _params(DEEP[::2]))
def test_entries_denominator_more_axes(identity):
    """Denominator layout lists the input's axes first: entry [k][l][i][j] = ∂Y_ij/∂X_kl."""
    check_entries(identity, (3, 2), layout="denominator")


DEN2 = [i for i in _WITH_DIMS if not _vec_form(i)]


@pytest.mark.parametrize("identity", _params(DEN2[1::9]))
def test_entries_denominator_two_axes(identity):
    check_entries(identity, (3, 2), layout="denominator")


def test_assert_zero_tells_zero_from_nonzero():
    x, y = sp.symbols("x y", real=True)
    rng = random.Random(0)
    assert_zero(sp.exp(x + y) - sp.exp(x) * sp.exp(y), set(), rng, "exp")
    assert_zero(sp.Piecewise((1, x > 0), (0, True)) - sp.Heaviside(x), set(), rng, "step")
    assert_zero(sp.sign(x) * sp.Abs(x) - x, set(), rng, "abs")
    assert_zero((x + y) ** 2 - x ** 2 - 2 * x * y - y ** 2, set(), rng, "square")
    for nonzero in (sp.exp(x) - 1 - x, sp.Piecewise((1, x > 0), (0, True)) - 1, sp.tanh(x) - x,
                    (x + y) ** 2 - x ** 2 - y ** 2, sp.Max(0, x) - x):
        with pytest.raises(AssertionError):
            assert_zero(nonzero, set(), random.Random(3), str(nonzero))


# ---- the symbolic inverse and determinant of --dims ---------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_cofactor_inverse_and_determinant_match_sympy(n):
    rng = random.Random(n)
    numbers = sp.Matrix(n, n, lambda i, j: sp.Rational(rng.randint(-9, 9), rng.randint(1, 5)))
    while numbers.det() == 0:
        numbers[0, 0] += 1
    assert components._det(numbers) == numbers.det()
    assert components._inverse(numbers) == numbers.inv()
    symbols = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"a_{i}_{j}") + sp.Symbol(f"b_{i}_{j}"))
    assert sp.expand(components._det(symbols) - symbols.det(method="berkowitz")) == 0
    assert (components._inverse(symbols) * symbols).applyfunc(sp.cancel) == sp.eye(n)


def test_a_singular_literal_under_dims_is_a_clear_error():
    with pytest.raises(numeric.NumericError, match="singular"):
        api.diff("inv([[1, 2], [2, 4]]) **x**", wrt="x").to_json({"n": 2})
