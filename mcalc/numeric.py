"""NumPy evaluation of core trees, value parsing for `--at`, and finite differences.

Values: scalars are Python floats, vectors (n, 1) arrays, rows (1, n), matrices (m, n).
Non-finite results are kept (NaN, ±inf) and reported by the caller; NumPy's warnings are
silenced here so that they never reach the terminal as noise.
"""
from __future__ import annotations

import json
import math
from typing import Callable, Mapping

import numpy as np

from .errors import LimitError, MCalcError, UsageError
from .nodes import (BinOp, Binary, Call, Differential, Dim, Identity, Kind, Let, MatrixLit, Node, Number,
                    Ones, Pi, Size, Commutation, UnOp, Unary, Var, VectorLit, Zeros, children)
from .shapes import Checked, Type, type_of

MAX_NUMERIC_ENTRIES = 10_000_000   # entries in any array mcalc builds
MAX_POWER_EXPONENT = 1e6           # |p| in x^p beyond this is refused in numeric work


class NumericError(MCalcError):
    kind = "usage"


def dim_value(d: Dim, sizes: Mapping[str, int]) -> int:
    if isinstance(d, int):
        return d
    total = 1
    for part in d.split("·"):
        if part not in sizes:
            raise UsageError(f"the size {part} is not known; give it with --dims {part}=…")
        total *= sizes[part]
    return total


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _logsumexp(x):
    m = np.max(x)
    if not np.isfinite(m):
        return float(m)
    return float(m + np.log(np.sum(np.exp(x - m))))


def _softmax(x):
    z = np.exp(x - np.max(x))
    return z / np.sum(z)


def _logdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return float(logabs) if sign != 0 else -math.inf


def _diag(a):
    if a.shape[0] == a.shape[1]:
        return np.diag(a).reshape(-1, 1).copy()
    return np.diagflat(a)


def _vec(a):
    return np.asarray(a, dtype=float).reshape(-1, 1, order="F") if np.ndim(a) else a


def _inv(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise NumericError("the matrix is singular: it has no inverse at these values") from None


ELEMENTWISE = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "arcsin": np.arcsin, "arccos": np.arccos,
    "arctan": np.arctan, "sigmoid": _sigmoid, "relu": lambda x: np.maximum(x, 0.0),
    "softplus": lambda x: np.logaddexp(0.0, x), "abs": np.abs, "sign": np.sign,
    "step": lambda x: np.where(np.asarray(x) > 0, 1.0, 0.0),
}
OTHER_FUNCTIONS: dict[str, Callable] = {
    "max": np.maximum, "min": np.minimum,
    "sum": lambda a: float(np.sum(a)), "mean": lambda a: float(np.mean(a)),
    "norm": lambda a: float(np.sqrt(np.sum(np.square(a)))),
    "norm1": lambda a: float(np.sum(np.abs(a))),
    "tr": lambda a: float(np.trace(a)), "det": lambda a: float(np.linalg.det(a)),
    "logdet": _logdet, "logsumexp": _logsumexp, "inv": _inv, "diag": _diag, "vec": _vec,
    "softmax": _softmax,
}


def _scalarize(v):
    if isinstance(v, np.ndarray) and v.shape == (1, 1):
        return float(v[0, 0])
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return float(v)
    return v


def _matmul(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return a @ b


def _power(a, p):
    if abs(p) > MAX_POWER_EXPONENT and np.any(np.abs(a) > 1):
        raise LimitError(f"the exponent {p:g} is too large to evaluate (limit {MAX_POWER_EXPONENT:g})")
    # NumPy, not math.pow: 0^-1 is inf and 10^400 overflows to inf instead of raising.
    return np.power(a, p) if np.ndim(a) else float(np.power(float(a), float(p)))


def _divide(a, b):
    """a / b with IEEE results (x/0 is ±inf, 0/0 NaN) where Python floats would raise."""
    out = np.divide(a, b)
    return out if np.ndim(out) else float(out)


def _number(value) -> float:
    try:
        return float(value)
    except OverflowError:           # |value| beyond the float range: ±inf, as NumPy would
        return math.inf if value > 0 else -math.inf


BINARY: dict[BinOp, Callable] = {
    BinOp.ADD: lambda a, b: a + b,
    BinOp.SUB: lambda a, b: a - b,
    BinOp.MATMUL: _matmul,
    BinOp.SCALE: lambda a, b: a * b,
    BinOp.DOT: lambda a, b: float(np.sum(np.asarray(a) * np.asarray(b))),
    BinOp.HADAMARD: lambda a, b: a * b,
    BinOp.DIV: lambda a, b: _divide(a, b),
    BinOp.HDIV: lambda a, b: _divide(a, b),
    BinOp.POWER: _power,
    BinOp.MATPOW: lambda a, k: np.linalg.matrix_power(a if k >= 0 else _inv(a), abs(int(k))),
    BinOp.KRON: lambda a, b: np.kron(a, b) if np.ndim(a) and np.ndim(b) else a * b,
}


class Evaluator:
    """Evaluates a core tree at given values; sizes of symbolic dimensions come from `sizes`."""

    def __init__(self, values: Mapping[str, object], sizes: Mapping[str, int]):
        self.values = dict(values)
        self.sizes = sizes
        self.memo: dict[Node, object] = {}

    def size(self, d: Dim) -> int:
        return dim_value(d, self.sizes)

    def __call__(self, node: Node):
        with np.errstate(all="ignore"):
            return _scalarize(self.eval(node))

    def eval(self, e: Node):
        # Memoized by value (hashes are cached), as components.Expander: a derivative shares
        # subtrees, and evaluated as a tree it would cost exponential time. (A `Let` clears
        # the memo, since it binds a new value.)
        if e in self.memo:
            return self.memo[e]
        value = self._eval(e)
        self.memo[e] = value
        return value

    def _eval(self, e: Node):
        match e:
            case Number(value):
                return _number(value)
            case Pi():
                return math.pi
            case Var(name):
                if name not in self.values:
                    raise UsageError(f"no value for {name}; give one with --at '{name}=…'")
                return self.values[name]
            case Ones((n, _)):
                return np.ones((self.size(n), 1))
            case Zeros((r, c)):
                rows, cols = self.size(r), self.size(c)
                return 0.0 if (rows, cols) == (1, 1) else np.zeros((rows, cols))
            case Identity(n):
                return np.eye(self.size(n))
            case Unary(UnOp.NEG, x):
                return -self.eval(x)
            case Unary(UnOp.TRANSPOSE, x):
                v = self.eval(x)
                return v.T if np.ndim(v) else v
            case Unary(UnOp.INVERSE, x):
                v = self.eval(x)
                return _inv(v) if np.ndim(v) else _divide(1.0, v)
            case Binary(op, a, b):
                return _scalarize(BINARY[op](self.eval(a), self.eval(b)))
            case Call(fn, args):
                vals = [self.eval(a) for a in args]
                f = ELEMENTWISE.get(fn) or OTHER_FUNCTIONS[fn]
                return _scalarize(f(*vals))
            case VectorLit(items):
                return np.array([[float(self.eval(i))] for i in items])
            case MatrixLit(rows):
                return np.array([[float(self.eval(i)) for i in row] for row in rows])
            case Size(dim):
                return float(self.size(dim))
            case Commutation(r, c):
                return commutation(self.size(r), self.size(c))
            case Let(var, value, body):
                self.values[var.name] = self.eval(value)
                self.memo.clear()
                return self.eval(body)
        raise TypeError(f"no numeric rule for {type(e).__name__}")


def commutation(rows: int, cols: int) -> np.ndarray:
    """K with K vec(A) = vec(Aᵀ) for a rows×cols A (column-major vec)."""
    n = rows * cols
    k = np.zeros((n, n))
    for i in range(rows):
        for j in range(cols):
            k[j + cols * i, i + rows * j] = 1.0
    return k


def evaluate(node: Node, values: Mapping[str, object], sizes: Mapping[str, int]):
    return Evaluator(values, sizes)(node)


# ---- values from the command line ---------------------------------------------------------------

def parse_value(name: str, text: str):
    """`[1, 2, 3]`, `[[1, 2], [3, 4]]`, `2.5` — JSON numbers and lists only."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise UsageError(f"the value of {name} is not a number or a list of numbers: {text[:60]!r}",
                         hint="write e.g. --at 'x=[1, 2, 3]' or --at 'A=[[1, 2], [3, 4]]'") from None
    return value_from_json(name, data)


def value_from_json(name: str, data):
    if isinstance(data, bool) or data is None:
        raise UsageError(f"the value of {name} must be a number or a list of numbers")
    if isinstance(data, (int, float)):
        return float(data)
    if isinstance(data, list) and data and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                               for x in data):
        return np.array(data, dtype=float).reshape(-1, 1)
    if isinstance(data, list) and data and all(isinstance(r, list) and r for r in data):
        widths = {len(r) for r in data}
        if len(widths) != 1 or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                       for r in data for x in r):
            raise UsageError(f"the value of {name} must be a rectangular list of lists of numbers")
        arr = np.array(data, dtype=float)
        if arr.size > MAX_NUMERIC_ENTRIES:
            raise LimitError(f"the value of {name} has too many entries")
        return arr
    raise UsageError(f"the value of {name} must be a number, a list of numbers or a list of rows")


def bind_values(checked: Checked, raw: Mapping[str, object],
                sizes: Mapping[str, int] | None = None) -> tuple[dict[str, object], dict[str, int]]:
    """Match values to the checked variables; infer every dimension from them (or `sizes`)."""
    sizes = dict(sizes or {})
    values: dict[str, object] = {}
    bound_by: dict[str, str] = {s: "--dims" for s in sizes}
    for name in raw:
        if name not in checked.variables:
            raise UsageError(f"{name} does not occur in the expression",
                             hint="variables: " + ", ".join(checked.variables) if checked.variables else None)
    for name, t in checked.variables.items():
        if name not in raw:
            raise UsageError(f"no value for {name} ({_describe(t)}); give one with --at '{name}=…'")
        v = raw[name]
        values[name] = _fit(name, t, v, sizes, bound_by)
    for d in checked.dims:
        if d not in sizes:
            raise UsageError(f"the size {d} is not determined by the values; give it with --dims {d}=…")
    return values, sizes


def _describe(t: Type) -> str:
    return {Kind.SCALAR: "a scalar", Kind.VECTOR: f"a vector of length {t.rows}",
            Kind.ROW: f"a row of length {t.cols}", Kind.MATRIX: f"a {t.rows}×{t.cols} matrix"}[t.kind]


def _fit(name: str, t: Type, v, sizes: dict[str, int], bound_by: dict[str, str]):
    if t.kind is Kind.SCALAR:
        if np.ndim(v) != 0:
            if isinstance(v, np.ndarray) and v.size == 1:
                return float(v.reshape(-1)[0])
            raise UsageError(f"{name} is a scalar, but its value has shape {tuple(np.shape(v))}")
        return float(v)
    if np.ndim(v) == 0:
        raise UsageError(f"{name} is {_describe(t)}, but its value is a number",
                         hint=f"write e.g. --at '{name}=[1, 2, 3]'")
    arr = np.asarray(v, dtype=float)
    if t.kind in (Kind.VECTOR, Kind.ROW):
        if 1 not in arr.shape:
            raise UsageError(f"{name} is {_describe(t)}, but its value is a {arr.shape[0]}×{arr.shape[1]} matrix")
        arr = arr.reshape(-1, 1) if t.kind is Kind.VECTOR else arr.reshape(1, -1)
    for axis, (d, have) in enumerate(zip(t.shape, arr.shape)):
        if isinstance(d, int):
            if d != have:
                raise UsageError(f"{name} needs {d} {'rows' if axis == 0 else 'columns'}, but its value has {have}")
            continue
        if "·" in d:
            continue
        if d in sizes and sizes[d] != have:
            raise UsageError(f"the size {d} is {sizes[d]} from {bound_by[d]}, but {name}'s value "
                             f"makes it {have}", hint=f"{name} is {_describe(t)}")
        sizes[d] = have
        bound_by.setdefault(d, name)
    return arr


# ---- output -----------------------------------------------------------------------------------

def to_jsonable(v):
    """Numbers stay numbers; NaN and ±inf become null (JSON has no spelling for them)."""
    if isinstance(v, np.ndarray):
        return [to_jsonable(x) for x in v.tolist()]
    if isinstance(v, list):
        return [to_jsonable(x) for x in v]
    v = float(v)
    return v if math.isfinite(v) else None


def format_number(v: float) -> str:
    return f"{v:.10g}"


def format_value(v) -> str:
    if isinstance(v, np.ndarray):
        return "[" + ", ".join("[" + ", ".join(format_number(x) for x in row) + "]" for row in v.tolist()) + "]"
    return format_number(float(v))
