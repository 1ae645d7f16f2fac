"""Component expansion with SymPy: every vector and matrix becomes a grid of scalar symbols
(x₁, A₁₂), so a core tree evaluates to a SymPy matrix of scalar expressions.

Used for `--dims` entry tables and for the exact checks of the test suite. The only module
that imports SymPy, and only when called.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Mapping

import sympy as sp
from sympy.printing.str import StrPrinter

from .errors import LimitError
from .nodes import (BinOp, Binary, Call, Differential, Identity, Kind, Let, MatrixLit, Node, Number,
                    Ones, Pi, Size, Commutation, UnOp, Unary, Var, VectorLit, Zeros)
from .numeric import NumericError, dim_value
from .shapes import Type, type_of

MAX_ENTRIES = 10_000


def component_name(name: str, *index: int) -> str:
    """`x_1`, `A_1_2`, `W_h_1_2`: 1-based, the python spelling of a component."""
    return "_".join([name, *map(str, index)])


def symbols_for(name: str, t: Type, sizes: Mapping[str, int]):
    if t.kind is Kind.SCALAR:
        return sp.Symbol(name, real=True)
    rows, cols = dim_value(t.rows, sizes), dim_value(t.cols, sizes)
    if rows * cols > MAX_ENTRIES:
        raise LimitError(f"{name} would have {rows * cols:,} components; the limit is {MAX_ENTRIES:,}")
    if t.kind is Kind.VECTOR:
        return sp.Matrix(rows, 1, lambda i, j: sp.Symbol(component_name(name, i + 1), real=True))
    if t.kind is Kind.ROW:
        return sp.Matrix(1, cols, lambda i, j: sp.Symbol(component_name(name, j + 1), real=True))
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(component_name(name, i + 1, j + 1), real=True))


def _step(x):
    return sp.Piecewise((1, x > 0), (0, True))


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


ELEMENTWISE = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "arcsin": sp.asin, "arccos": sp.acos,
    "arctan": sp.atan, "sigmoid": _sigmoid, "relu": lambda x: sp.Max(0, x),
    "softplus": lambda x: sp.log(1 + sp.exp(x)), "abs": sp.Abs, "sign": sp.sign, "step": _step,
}


def _is_matrix(v) -> bool:
    return isinstance(v, sp.MatrixBase)


def _entries(v):
    return list(v) if _is_matrix(v) else [v]


def _map(f, *vals):
    mats = [v for v in vals if _is_matrix(v)]
    if not mats:
        return f(*vals)
    shape = mats[0].shape
    flat = [[v[k] for k in range(len(v))] if _is_matrix(v) else None for v in vals]
    out = [f(*(flat[i][k] if flat[i] is not None else vals[i] for i in range(len(vals))))
           for k in range(shape[0] * shape[1])]
    return sp.Matrix(shape[0], shape[1], out)


def _scalarize(v):
    if _is_matrix(v) and v.shape == (1, 1):
        return v[0, 0]
    return v


def _vec(v):
    if not _is_matrix(v):
        return v
    return sp.Matrix(v.shape[0] * v.shape[1], 1, [v[i, j] for j in range(v.shape[1]) for i in range(v.shape[0])])


def _diag(v):
    if v.shape[0] == v.shape[1]:
        return sp.Matrix(v.shape[0], 1, [v[i, i] for i in range(v.shape[0])])
    return sp.diag(*_entries(v))


def _softmax(v):
    exps = v.applyfunc(sp.exp)
    return exps / sum(_entries(exps))


OTHER = {
    "max": lambda a, b: _map(sp.Max, a, b), "min": lambda a, b: _map(sp.Min, a, b),
    "sum": lambda a: sp.Add(*_entries(a)),
    "mean": lambda a: sp.Add(*_entries(a)) / len(_entries(a)),
    "norm": lambda a: sp.sqrt(sp.Add(*(e ** 2 for e in _entries(a)))),
    "norm1": lambda a: sp.Add(*(sp.Abs(e) for e in _entries(a))),
    "tr": lambda a: a.trace(), "det": lambda a: _det(a), "logdet": lambda a: sp.log(sp.Abs(_det(a))),
    "logsumexp": lambda a: sp.log(sp.Add(*(sp.exp(e) for e in _entries(a)))),
    "inv": lambda a: _inverse(a), "diag": _diag, "vec": _vec, "softmax": _softmax,
}


def _det(a):
    # Cofactor expansion: for the small symbolic matrices allowed here it is a fixed formula,
    # where SymPy's default (fraction-field elimination) takes seconds on a 4×4 of sums.
    return a.det(method="laplace")


def _inverse(a):
    det = _det(a)
    if det == 0:
        raise NumericError("the matrix is singular: it has no inverse")
    return a.adjugate(method="laplace") / det


def _matmul(a, b):
    if not _is_matrix(a) or not _is_matrix(b):
        return a * b
    return a * b


BINARY = {
    BinOp.ADD: lambda a, b: a + b,
    BinOp.SUB: lambda a, b: a - b,
    BinOp.MATMUL: _matmul,
    BinOp.SCALE: lambda s, x: s * x,
    BinOp.DOT: lambda a, b: sp.Add(*(x * y for x, y in zip(_entries(a), _entries(b)))),
    BinOp.HADAMARD: lambda a, b: _map(lambda x, y: x * y, a, b),
    BinOp.DIV: lambda a, s: a / s,
    BinOp.HDIV: lambda a, b: _map(lambda x, y: x / y, a, b),
    BinOp.POWER: lambda a, p: _map(lambda x: x ** p, a),
    BinOp.MATPOW: lambda a, k: a ** int(k),
    BinOp.KRON: lambda a, b: sp.kronecker_product(a, b) if _is_matrix(a) and _is_matrix(b) else a * b,
}


# SymPy nodes the entries may hold in all (intermediate results counted too): a chain of
# products like A A ⋯ A 𝐱 or nested inverses grows its entries polynomially or worse, and
# SymPy would take hours; past this a limit error says so. A product is refused beforehand
# when its operands' sizes multiplied pass MAX_PRODUCT (SymPy expands it term by term), and
# so are inverses and determinants of symbolic matrices larger than these (n! terms).
MAX_EXPANSION = 200_000
MAX_PRODUCT = 1_000_000
MAX_SYMBOLIC_INVERSE = 4
MAX_SYMBOLIC_DET = 4
_TOO_LARGE_HINT = "choose smaller sizes, or leave out --dims for the matrix form"


def _too_large() -> LimitError:
    return LimitError("the entries grow too large to write out with --dims", hint=_TOO_LARGE_HINT)


def _tree_size(expr, cap: int) -> int:
    """Nodes of a SymPy expression, counting stops after `cap`."""
    count, stack = 0, [expr]
    while stack and count <= cap:
        e = stack.pop()
        count += 1
        stack.extend(getattr(e, "args", ()))
    return count


class Expander:
    def __init__(self, variables: Mapping[str, Type], sizes: Mapping[str, int]):
        self.sizes = sizes
        self.values = {name: symbols_for(name, t, sizes) for name, t in variables.items()}
        self.memo: dict[Node, object] = {}
        self.budget = MAX_EXPANSION

    def size(self, d) -> int:
        return dim_value(d, self.sizes)

    def __call__(self, e: Node):
        return _scalarize(self.eval(e))

    def eval(self, e: Node):
        # Memoized by value (hashes are cached): a derivative shares subtrees, and equal ones
        # (inv(A + B) written twice) are written out once. A Let clears it: new binding.
        hit = self.memo.get(e)
        if hit is not None:
            return hit
        value = self._eval(e)
        if not isinstance(e, (Var, Number, Identity, Zeros, Ones)):
            for entry in _entries(value):
                self.budget -= _tree_size(entry, self.budget)
                if self.budget < 0:
                    raise _too_large()
        self.memo[e] = value
        return value

    def _total_size(self, v) -> int:
        return sum(_tree_size(entry, MAX_PRODUCT) for entry in _entries(v))

    def _product(self, a, b):
        if self._total_size(a) * self._total_size(b) > MAX_PRODUCT:
            raise _too_large()

    def _symbolic(self, v, largest: int, what: str):
        if _is_matrix(v) and v.shape[0] > largest and v.free_symbols:
            raise LimitError(f"--dims writes out {what} of matrices of symbols up to "
                             f"{largest}×{largest}, not {v.shape[0]}×{v.shape[1]}",
                             hint=_TOO_LARGE_HINT)

    def _matpow(self, a, k: int):
        if not _is_matrix(a):
            return a ** k
        if k < 0:
            self._symbolic(a, MAX_SYMBOLIC_INVERSE, "inverses")
            a, k = _inverse(a), -k
        out = sp.eye(a.shape[0])
        for _ in range(k):
            self._product(out, a)
            out = out * a
        return out

    def _eval(self, e: Node):
        match e:
            case Number(value):
                return sp.Rational(value.numerator, value.denominator)
            case Pi():
                return sp.pi
            case Var(name):
                return self.values[name]
            case Ones((n, _)):
                return sp.ones(self.size(n), 1)
            case Zeros((r, c)):
                rows, cols = self.size(r), self.size(c)
                return sp.Integer(0) if (rows, cols) == (1, 1) and type_of(e).kind is Kind.SCALAR \
                    else sp.zeros(rows, cols)
            case Identity(n):
                return sp.eye(self.size(n))
            case Size(dim):
                return sp.Integer(self.size(dim))
            case Commutation(r, c):
                from .numeric import commutation
                return sp.Matrix(commutation(self.size(r), self.size(c)).astype(int))
            case Unary(UnOp.NEG, x):
                return -self.eval(x)
            case Unary(UnOp.TRANSPOSE, x):
                v = self.eval(x)
                return v.T if _is_matrix(v) else v
            case Unary(UnOp.INVERSE, x):
                v = self.eval(x)
                self._symbolic(v, MAX_SYMBOLIC_INVERSE, "inverses")
                return _inverse(v) if _is_matrix(v) else 1 / v
            case Binary(BinOp.MATPOW, a, k):
                return self._matpow(self.eval(a), int(self.eval(k)))
            case Binary(op, a, b):
                va, vb = self.eval(a), self.eval(b)
                if op is not BinOp.POWER:
                    self._product(va, vb)
                return _scalarize(BINARY[op](va, vb))
            case Call(fn, args):
                vals = [self.eval(a) for a in args]
                if fn == "inv":
                    self._symbolic(vals[0], MAX_SYMBOLIC_INVERSE, "inverses")
                if fn in ("det", "logdet"):
                    self._symbolic(vals[0], MAX_SYMBOLIC_DET, "determinants")
                if fn in ELEMENTWISE:
                    return _map(ELEMENTWISE[fn], vals[0])
                return _scalarize(OTHER[fn](*vals))
            case VectorLit(items):
                return sp.Matrix(len(items), 1, [self.eval(i) for i in items])
            case MatrixLit(rows):
                return sp.Matrix([[self.eval(i) for i in row] for row in rows])
            case Let(var, value, body):
                self.values[var.name] = self.eval(value)
                self.memo.clear()
                return self.eval(body)
        raise TypeError(f"no component rule for {type(e).__name__}")


# ---- entry text ---------------------------------------------------------------------------------

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class _TextPrinter(StrPrinter):
    def _print_Symbol(self, s):
        return display_name(s.name)


def display_name(name: str) -> str:
    """x_1 → x₁, A_1_2 → A₁₂, W_h_1_2 → W_h₁₂ (components as the paper writes them)."""
    parts = name.split("_")
    index = []
    while len(parts) > 1 and parts[-1].isdigit():
        index.insert(0, parts.pop())
    base = "_".join(parts)
    if not index:
        return base
    if len(index) == 2 and any(len(i) > 1 for i in index):
        return base + "_" + ",".join(index)
    return base + "".join(index).translate(_SUB)


def entry_text(expr) -> str:
    text = _TextPrinter().doprint(expr)
    text = re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(_SUP), text)
    text = re.sub(r"\*\*\((-?\d+)\)", lambda m: m.group(1).translate(_SUP), text)
    text = text.replace("**", "^")
    text = re.sub(r"(?<![\w.])(\d+)\*(?=[^\d])", r"\1", text)
    return text.replace("*", "·")


def entry_python(expr) -> str:
    return sp.pycode(expr, fully_qualified_modules=True, allow_unknown_functions=False)


EXPAND_MAX_OPS = 200
MAX_EXPANDED_TERMS = 2_000
SIMPLIFY_MAX_OPS = 40     # sympy.simplify is slow on large entries (seconds each): tidy those cheaply


def _as_sympy(value):
    """An entry as a SymPy object: entries that are plain numbers may come as int or Fraction
    (never a string: nothing here parses text)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    raise TypeError(f"not an entry: {type(value).__name__}")


def simplified(expr):
    """A readable, exact form of one entry: full simplification for small entries, collected
    terms for large ones (both exact; the choice only affects how an entry reads)."""
    expr = _as_sympy(expr)
    try:
        # sympy.simplify's trigonometric pass can take minutes on tanh or exp entries: only
        # rational entries (polynomials, quotients) get the full treatment.
        ops = sp.count_ops(expr)
        if ops > EXPAND_MAX_OPS or _expanded_terms(expr) > MAX_EXPANDED_TERMS:
            return expr                  # multiplied out, it would not be readable or quick
        if ops < SIMPLIFY_MAX_OPS and not expr.atoms(sp.Function):
            return sp.simplify(expr)
        return sp.expand(expr, deep=False, mul=True, multinomial=False, power_exp=False,
                         power_base=False, log=False)
    except Exception:  # SymPy's simplify can fail on piecewise forms; the plain form is exact
        return expr


def _expanded_terms(expr) -> int:
    """About how many terms expr has multiplied out, which simplify and expand may do:
    (x + 1)^(2⁶⁰) or a product of ten sums would take them minutes."""
    if expr.is_Add:
        return sum(_expanded_terms(a) for a in expr.args)
    if expr.is_Mul:
        return math.prod(min(_expanded_terms(a), MAX_EXPANDED_TERMS + 1) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer:        # ((a + b)(c + d))³ multiplies out too
        terms, k = min(_expanded_terms(expr.base), MAX_EXPANDED_TERMS + 1), abs(int(expr.exp))
        return math.comb(terms + k - 1, min(k, terms - 1)) if k < 10**6 else MAX_EXPANDED_TERMS + 1
    return 1


def entry_record(expr) -> dict:
    e = simplified(expr)
    return {"text": entry_text(e), "python": entry_python(e)}
