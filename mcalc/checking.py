"""Numeric verification: random sizes and values, central finite differences, and the
comparison of a derivative (mcalc's or a user's claim) with them. Used by `mcalc check` and
by the test suite.

Everything is compared as the vec-Jacobian ∂vec F/∂vec X (column-major vec), whatever the
layout or the number of axes, so one comparison serves every kind pair.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .api import DiffResult
from .nodes import BinOp, Binary, Call, Kind, Node, Var, children, walk
from .numeric import dim_value, evaluate
from .shapes import Checked, Type

# Functions whose argument should be drawn positive and below 1 so that random values stay in
# the domain (log, sqrt, arcsin, …).
_DOMAIN_LIMITED = {"log", "sqrt", "arcsin", "arccos", "logdet"}
_KINKED = {"relu", "abs", "sign", "step", "max", "min", "norm1"}


def restricted_variables(expr: Node) -> set[str]:
    names: set[str] = set()
    for node in walk(expr):
        inside = None
        match node:
            case Call(fn, args) if fn in _DOMAIN_LIMITED:
                inside = args
            case Binary(BinOp.POWER, base, exponent) if not _is_integer(exponent):
                inside = (base,)
        for arg in inside or ():
            names.update(n.name for n in walk(arg) if isinstance(n, Var))
    return names


def _is_integer(e: Node) -> bool:
    from .nodes import Number, Unary, UnOp
    if isinstance(e, Number):
        return e.value.denominator == 1
    return isinstance(e, Unary) and e.op is UnOp.NEG and _is_integer(e.operand)


def has_kinks(expr: Node) -> bool:
    return any(isinstance(n, Call) and n.fn in _KINKED for n in walk(expr))


def random_sizes(checked: Checked, rng, given: dict[str, int] | None = None, low=2, high=4) -> dict[str, int]:
    sizes = dict(given or {})
    for d in checked.dims:
        if d not in sizes and "·" not in d:
            sizes[d] = int(rng.integers(low, high + 1))
    return sizes


def random_values(checked: Checked, sizes: dict[str, int], rng, spread: float = 1.0) -> dict[str, object]:
    """Standard normal values, or uniform in [0.2, 0.9] for variables inside log, sqrt, …;
    `spread` scales them, for a domain like log(x − 5) that these never reach."""
    positive = restricted_variables(checked.expr)
    values: dict[str, object] = {}
    for name, t in checked.variables.items():
        shape = (dim_value(t.rows, sizes), dim_value(t.cols, sizes))
        if name in positive:
            v = spread * rng.uniform(0.2, 0.9, size=shape)
        else:
            v = spread * rng.normal(size=shape)
        values[name] = float(v[0, 0]) if t.kind is Kind.SCALAR else v
    return values


def vec(v) -> np.ndarray:
    return np.asarray(v, dtype=float).reshape(-1, order="F")


def fd_jacobian(f: Node, name: str, values: dict, sizes: dict, h: float = 1e-6) -> np.ndarray:
    """Central differences: column k is ∂vec F/∂(vec X)_k."""
    x0 = values[name]
    base = np.asarray(x0, dtype=float)
    flat = vec(base)
    cols = []
    for k in range(flat.size):
        step = h * max(1.0, abs(flat[k]))
        plus, minus = flat.copy(), flat.copy()
        plus[k] += step
        minus[k] -= step
        fp = evaluate(f, {**values, name: _shape_like(plus, x0)}, sizes)
        fm = evaluate(f, {**values, name: _shape_like(minus, x0)}, sizes)
        cols.append((vec(fp) - vec(fm)) / (2 * step))
    return np.stack(cols, axis=1)


def fd_hessian(f: Node, name: str, values: dict, sizes: dict, h: float = 1e-4) -> np.ndarray:
    x0 = values[name]
    flat = vec(np.asarray(x0, dtype=float))
    n = flat.size
    out = np.zeros((n, n))
    at = lambda v: float(evaluate(f, {**values, name: _shape_like(v, x0)}, sizes))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.zeros(n), np.zeros(n)
            e_i[i], e_j[j] = h, h
            val = (at(flat + e_i + e_j) - at(flat + e_i - e_j) - at(flat - e_i + e_j)
                   + at(flat - e_i - e_j)) / (4 * h * h)
            out[i, j] = out[j, i] = val
    return out


def _shape_like(flat: np.ndarray, like):
    if np.ndim(like) == 0:
        return float(flat[0])
    return flat.reshape(np.shape(like), order="F")


def as_vec_jacobian(result: DiffResult, value, f_type: Type, x_kind: Kind) -> np.ndarray:
    """A printed derivative's value, rearranged as ∂vec F/∂vec X."""
    d = np.atleast_2d(np.asarray(value, dtype=float))
    if result.layout == "denominator":
        d = d.T
    if result.vec_form:
        return d
    if result.hessian or len(result.wrt) > 1:
        return d
    if x_kind is Kind.SCALAR:
        return vec(d).reshape(-1, 1)
    if f_type.kind is Kind.SCALAR and x_kind is Kind.MATRIX:
        return vec(d.T).reshape(1, -1)
    return d


@dataclass
class Comparison:
    ok: bool
    error: float
    values: dict
    sizes: dict
    expected: np.ndarray | None = None
    got: np.ndarray | None = None
    note: str = ""
    draws: int = 0


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    scale = max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)
    return float(np.max(np.abs(got - expected))) / scale if expected.size else 0.0


def stacked_fd(f: Node, names: list[str], values: dict, sizes: dict) -> np.ndarray:
    return np.concatenate([fd_jacobian(f, n, values, sizes) for n in names], axis=1)


def stacked_fd_hessian(f: Node, names: list[str], values: dict, sizes: dict, h=1e-4) -> np.ndarray:
    k = len(names)
    out = np.zeros((k, k))
    at = lambda shifts: float(evaluate(f, {**values, **{n: values[n] + s for n, s in zip(names, shifts)}}, sizes))
    for i in range(k):
        for j in range(k):
            e = lambda a, b: [(a if t == i else 0) + (b if t == j else 0) for t in range(k)]
            out[i, j] = (at(e(h, h)) - at(e(h, -h)) - at(e(-h, h)) + at(e(-h, -h))) / (4 * h * h)
    return out


def compare(result: DiffResult, claim: Node | None = None, *, seed: int = 0, sizes: dict | None = None,
            tolerance: float = 1e-5, draws: int = 3) -> Comparison:
    """Check `result` (or a claimed derivative in its place) against finite differences."""
    checked = result.checked
    rng = np.random.default_rng(seed)
    names = list(result.wrt)
    kinked = has_kinks(checked.expr)
    last = None
    attempts = outside = 0
    for _ in range(draws * 8):
        attempts += 1
        s = random_sizes(checked, rng, sizes)
        # After draws outside the domain, wider ones: ×4, ×16, ×64.
        values = random_values(checked, s, rng, spread=4.0 ** min(outside // 4, 3))
        for name in names:             # a variable absent from the expression still needs a value
            if name not in values:
                values[name] = _absent_value(result, name, s, rng)
        with np.errstate(all="ignore"):
            try:
                f0 = evaluate(checked.expr, values, s)
            except Exception:
                outside += 1
                continue
            if not np.all(np.isfinite(f0)):
                outside += 1
                continue
            if result.hessian:
                expected = stacked_fd_hessian(checked.expr, names, values, s) if len(names) > 1 \
                    else fd_hessian(checked.expr, names[0], values, s)
            elif len(names) > 1:
                expected = stacked_fd(checked.expr, names, values, s)
            else:
                expected = fd_jacobian(checked.expr, names[0], values, s)
            if not np.all(np.isfinite(expected)):
                continue
            if kinked and not result.hessian:
                coarse = stacked_fd(checked.expr, names, values, s) if len(names) > 1 else \
                    fd_jacobian(checked.expr, names[0], values, s, h=1e-4)
                if relative_error(coarse, expected) > 1e-4:   # a kink between the steps
                    continue
            node = claim if claim is not None else result.expr
            got_value = evaluate(node, values, s)
            f_type = checked.type
            x_kind = checked.variables[names[0]].kind if names[0] in checked.variables else \
                _absent_kind(result, names[0])
            got = as_vec_jacobian(result, got_value, f_type, x_kind)
            if got.shape != expected.shape:
                return Comparison(False, float("inf"), values, s, expected, got,
                                  note=f"the derivative has shape {got.shape}, finite differences {expected.shape}",
                                  draws=attempts)
            err = relative_error(got, expected)
            last = Comparison(err <= tolerance, err, values, s, expected, got, draws=attempts)
            if not last.ok:
                return last
            draws -= 1
            if draws == 0:
                return last
    if last is not None:
        return last
    return Comparison(False, float("nan"), {}, {}, note=NOTHING_COMPARED, draws=attempts)


NOTHING_COMPARED = "no random values inside the domain were found, so nothing was compared"


def _absent_kind(result: DiffResult, name: str) -> Kind:
    return result.wrt_variable(name).kind


def _absent_value(result: DiffResult, name: str, sizes: dict, rng):
    x = result.wrt_variable(name)
    for d in x.shape:
        if isinstance(d, str) and d not in sizes:
            sizes[d] = int(rng.integers(2, 5))
    shape = tuple(dim_value(d, sizes) for d in x.shape)
    return float(rng.normal()) if x.kind is Kind.SCALAR else rng.normal(size=shape)
