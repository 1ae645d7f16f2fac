"""Code generation: mcalc's value, derivative and Hessian trees as a NumPy, PyTorch or JAX module.

    >>> import mcalc
    >>> source = mcalc.codegen("**x**^T A **x**", ["x"])          # a Python module, as text
    >>> namespace = {}; exec(source, namespace)
    >>> value, d_x = namespace["compute"](x=[1.0, 2.0], A=[[1.0, 0.0], [0.0, 1.0]])

The module defines `compute(*, <every variable by name>)` returning `(value, derivative)`, or
`(value, derivative, hessian)` with `hessian=True`; with several `wrt` the derivative (and the
Hessian) is a tuple with one entry per `wrt`. Every result is mcalc's own derivative expression,
in the layout chosen, evaluated with the target library, with one convention for arrays:

- a scalar is a 0-d value (a NumPy float, a 0-d tensor or array);
- anything with one axis of length 1 (a column or a row: vectors, gradients, ∂𝐲/∂x) is a 1-D array;
- anything else (Jacobians, Hessians, ∂f/∂X, ∂vec F/∂vec X) is a 2-D array.

So the gradient of a scalar by an n-vector is a 1-D array of length n in either layout, ∂f/∂X for
X p×q is q×p in numerator layout and p×q in denominator layout, and results with more than two
axes are the 2-D ∂vec F/∂vec X (column-major vec), as `mcalc diff` prints them. Inputs: vectors as
1-D arrays (an n×1 array is flattened), matrices 2-D, scalars as numbers. The torch target works
in float64 (`DTYPE` at the top of the module; set `DEVICE`, e.g. to "cuda", for the constants it
creates); the JAX one in JAX's default float type (enable `jax_enable_x64` for float64).

How it works:
1. lowering: every core node becomes a `Val`, an expression of the target library plus its
   representation: a scalar, a 1-D array (column or row), a 2-D array, or one of three lazy forms
   that are never built unless returned — a diagonal matrix (kept as its diagonal), a constant
   broadcast (𝟏, s𝟏) and a zero. Products are lowered as whole chains: diagonal factors merge and
   scale rows or columns (`diag(𝐯) A` is `v[:, None] * A`), 𝟏ᵀA is a column sum, and the chain is
   associated by the matrix-chain order for the sizes (A B 𝐱 is `A @ (B @ x)`).
2. common subexpressions: the lowered expressions form one DAG over value, derivatives and
   Hessians (identical expressions are one node); every node used more than once, or too long to
   read inline, becomes a temporary t1, t2, … computed once, with its mathematical form as a
   comment.
3. emission: the module text; nothing here imports NumPy.

To add a function: a row in `_FUNCTIONS` (its spelling per target), and a case in `Lowerer.call`
if it is not element-wise.
"""
from __future__ import annotations

import keyword
import sys
import types
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from .errors import UnsupportedError, UsageError
from .nodes import (BinOp, Binary, Call, Commutation, Differential, Dim, Identity, Kind, Let, MatrixLit,
                    Node, Number, Ones, Pi, Size, Unary, UnOp, Var, VectorLit, Zeros, children,
                    postorder)
from .printing import to_text
from .shapes import type_of

TARGETS = ("numpy", "torch", "jax")

# Python precedence of generated expressions (higher binds tighter).
ATOM, POW, UNARY, MUL, ADD, CMP = 100, 90, 80, 70, 60, 50
INLINE_LIMIT = 88          # an expression longer than this gets a temporary of its own
COMMENT_LIMIT = 100

_ELEMENTWISE = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos",
                "arctan", "sigmoid", "relu", "softplus", "abs", "sign", "step")
_TORCH_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan"}

_NEW = "dtype=DTYPE, device=DEVICE"          # torch: where new tensors go

# name → (numpy, torch, jax) templates; {0}, {1} are arguments (inside brackets: no parentheses).
_FUNCTIONS: dict[str, tuple[str, str, str]] = {
    **{f: (f"np.{f}({{0}})", f"torch.{_TORCH_NAMES.get(f, f)}({{0}})", f"jnp.{f}({{0}})")
       for f in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos",
                 "arctan", "abs", "sign")},
    "sigmoid": ("_sigmoid({0})", "torch.sigmoid({0})", "jax.nn.sigmoid({0})"),
    "relu": ("np.maximum({0}, 0.0)", "torch.relu({0})", "jax.nn.relu({0})"),
    "softplus": ("np.logaddexp(0.0, {0})", "_softplus({0})", "jnp.logaddexp(0.0, {0})"),
    "step": ("np.where({0} > 0, 1.0, 0.0)", "_step({0})", "jnp.where({0} > 0, 1.0, 0.0)"),
    "max": ("np.maximum({0}, {1})", "torch.maximum({0}, {1})", "jnp.maximum({0}, {1})"),
    "min": ("np.minimum({0}, {1})", "torch.minimum({0}, {1})", "jnp.minimum({0}, {1})"),
    "sum": ("np.sum({0})", "torch.sum({0})", "jnp.sum({0})"),
    "sum0": ("np.sum({0}, axis=0)", "torch.sum({0}, dim=0)", "jnp.sum({0}, axis=0)"),
    "sum1": ("np.sum({0}, axis=1)", "torch.sum({0}, dim=1)", "jnp.sum({0}, axis=1)"),
    "mean": ("np.mean({0})", "torch.mean({0})", "jnp.mean({0})"),
    "prod": ("np.prod({0})", "torch.prod({0})", "jnp.prod({0})"),
    "norm": ("np.linalg.norm({0})", "torch.linalg.norm({0})", "jnp.linalg.norm({0})"),
    "tr": ("np.trace({0})", "torch.trace({0})", "jnp.trace({0})"),
    "det": ("np.linalg.det({0})", "torch.linalg.det({0})", "jnp.linalg.det({0})"),
    "logdet": ("np.linalg.slogdet({0})[1]", "torch.linalg.slogdet({0})[1]", "jnp.linalg.slogdet({0})[1]"),
    "inv": ("np.linalg.inv({0})", "torch.linalg.inv({0})", "jnp.linalg.inv({0})"),
    "matpow": ("np.linalg.matrix_power({0}, {1})", "torch.linalg.matrix_power({0}, {1})",
               "jnp.linalg.matrix_power({0}, {1})"),
    "logsumexp": ("_logsumexp({0})", "_logsumexp({0})", "_logsumexp({0})"),
    "softmax": ("_softmax({0})", "_softmax({0})", "_softmax({0})"),
    "diagonal": ("np.diagonal({0})", "torch.diagonal({0})", "jnp.diagonal({0})"),
    "diagflat": ("np.diag({0})", "torch.diag({0})", "jnp.diag({0})"),
    "kron": ("np.kron({0}, {1})", "_kron({0}, {1})", "jnp.kron({0}, {1})"),
    "outer": ("np.outer({0}, {1})", "torch.outer({0}, {1})", "jnp.outer({0}, {1})"),
    "eye": ("np.eye({0})", f"torch.eye({{0}}, {_NEW})", "jnp.eye({0})"),
    "ones": ("np.ones({0})", f"torch.ones({{0}}, {_NEW})", "jnp.ones({0})"),
    "zeros": ("np.zeros({0})", f"torch.zeros({{0}}, {_NEW})", "jnp.zeros({0})"),
    "ones2": ("np.ones(({0}, {1}))", f"torch.ones(({{0}}, {{1}}), {_NEW})", "jnp.ones(({0}, {1}))"),
    "zeros2": ("np.zeros(({0}, {1}))", f"torch.zeros(({{0}}, {{1}}), {_NEW})", "jnp.zeros(({0}, {1}))"),
    "commutation": ("_commutation({0}, {1})", "_commutation({0}, {1})", "_commutation({0}, {1})"),
    "tensor": ("{0}", f"torch.as_tensor({{0}}, {_NEW})", "{0}"),      # a number as a torch argument
    "scalar": ("np.float64({0})", f"torch.as_tensor({{0}}, {_NEW})", "jnp.asarray({0})"),  # returned
}
_STACK = ("np.array([{}])", "torch.stack([{}])", "jnp.stack([{}])")

_HEADERS = {
    "numpy": "import numpy as np",
    "torch": "import torch\n\nDTYPE = torch.float64\n"
             "DEVICE = None  # None: inputs stay where they are; constants go to torch's default device",
    "jax": "import jax\nimport jax.numpy as jnp",
}

# Helper functions, emitted only when used: name → (numpy, torch, jax) source.
_HELPERS: dict[str, tuple[str | None, str | None, str | None]] = {
    "_sigmoid": ("def _sigmoid(x):\n    return 0.5 * (1.0 + np.tanh(0.5 * x))", None, None),
    "_softplus": (None, "def _softplus(x):\n    return torch.logaddexp(x, torch.zeros_like(x))", None),
    "_step": (None, "def _step(x):\n    return (x > 0).to(x.dtype)", None),
    "_kron": (None, "def _kron(a, b):\n    # torch.kron fails on some strided inputs (torch.linalg.inv's)\n"
                    "    return torch.kron(a.contiguous(), b.contiguous())", None),
    "_logsumexp": (
        "def _logsumexp(x):\n    m = np.max(x)\n    return m + np.log(np.sum(np.exp(x - m)))",
        "def _logsumexp(x):\n    return torch.logsumexp(x.reshape(-1), 0)",
        "def _logsumexp(x):\n    return jax.scipy.special.logsumexp(x)"),
    "_softmax": (
        "def _softmax(x):\n    z = np.exp(x - np.max(x))\n    return z / np.sum(z)",
        "def _softmax(x):\n    return torch.softmax(x.reshape(-1), 0).reshape(x.shape)",
        "def _softmax(x):\n    return jax.nn.softmax(x.reshape(-1)).reshape(x.shape)"),
    "_commutation": tuple(
        "def _commutation(r, c):\n    \"\"\"K with K vec(A) = vec(Aᵀ) for A r×c (column-major).\"\"\"\n"
        "    rows = [i + r * j for i in range(r) for j in range(c)]\n"
        f"    return {eye}[{index}]" for eye, index in (
            ("np.eye(r * c)", "rows"), (f"torch.eye(r * c, {_NEW})", "rows"),
            ("jnp.eye(r * c)", "jnp.array(rows)"))),
}
_JAX_EXTRA_IMPORTS = {"_logsumexp": "import jax.scipy.special"}


# ---- 1. the expression DAG of generated code -----------------------------------------------------

@dataclass(eq=False)
class Op:
    """One generated expression: `template` with its arguments filled in."""
    id: int
    template: str
    prec: int
    slots: tuple[int, ...]          # the precedence each argument needs to go without brackets
    args: tuple["Op", ...]
    cheap: bool                     # a name, a literal or a view: never worth a temporary
    math: Node | None = None        # the core node it computes, for the comment


class Builder:
    """Interns ops: the same template over the same arguments is one node (the CSE)."""

    def __init__(self, target: str):
        self.target = target
        self.index = TARGETS.index(target)
        self.ops: list[Op] = []
        self.table: dict[tuple, Op] = {}
        self.helpers: set[str] = set()

    def op(self, template: str, prec: int, slots: Sequence[int], *args: Op, cheap: bool = False) -> Op:
        key = (template, prec, tuple(slots), tuple(a.id for a in args))
        hit = self.table.get(key)
        if hit is None:
            hit = Op(len(self.ops), template, prec, tuple(slots), tuple(args), cheap)
            self.ops.append(hit)
            self.table[key] = hit
        return hit

    def leaf(self, text: str, prec: int = ATOM) -> Op:
        return self.op(text, prec, (), cheap=True)

    def fn(self, name: str, *args: Op) -> Op:
        template = _FUNCTIONS[name][self.index]
        if template.startswith("_"):
            self.helpers.add(template.split("(")[0])
        return self.op(template, ATOM, (0,) * len(args), *args)

    def stack(self, items: Sequence[Op]) -> Op:
        template = _STACK[self.index].format(", ".join(f"{{{i}}}" for i in range(len(items))))
        return self.op(template, ATOM, (0,) * len(items), *items)

    def stack2(self, rows: Sequence[Sequence[Op]]) -> Op:
        """A 2-D array from rows of scalars."""
        if self.target != "numpy":
            return self.stack([self.stack(row) for row in rows])
        k, parts = 0, []
        for row in rows:
            parts.append("[" + ", ".join(f"{{{k + i}}}" for i in range(len(row))) + "]")
            k += len(row)
        items = [x for row in rows for x in row]
        return self.op("np.array([" + ", ".join(parts) + "])", ATOM, (0,) * len(items), *items)

    def binary(self, symbol: str, a: Op, b: Op) -> Op:
        if symbol in ("+", "-"):
            if symbol == "+" and b.template == "-{0}":
                return self.binary("-", a, b.args[0])
            if symbol == "-" and b.template == "-{0}":
                return self.binary("+", a, b.args[0])
            return self.op(f"{{0}} {symbol} {{1}}", ADD, (ADD, ADD + 1), a, b)
        if symbol in ("*", "/", "@"):
            # Signs move out of products, so that -(a * b) and (-a) * b are one expression.
            if a.template == "-{0}":
                return self.neg(self.binary(symbol, a.args[0], b))
            if b.template == "-{0}":
                return self.neg(self.binary(symbol, a, b.args[0]))
            return self.op(f"{{0}} {symbol} {{1}}", MUL, (MUL, MUL + 1), a, b)
        if symbol == "**":
            return self.op("{0} ** {1}", POW, (POW + 1, UNARY), a, b)
        if symbol == ">":
            return self.op("{0} > {1}", CMP, (CMP + 1, CMP + 1), a, b)
        raise ValueError(symbol)

    def neg(self, a: Op) -> Op:
        if a.template == "-{0}":
            return a.args[0]
        return self.op("-{0}", UNARY, (UNARY,), a)

    def postfix(self, template: str, a: Op, cheap: bool = True) -> Op:
        return self.op(template, ATOM, (ATOM,), a, cheap=cheap)


def _number_text(value: Fraction) -> tuple[str, int]:
    if value.denominator == 1:
        return str(value.numerator), (UNARY if value < 0 else ATOM)
    f = float(value)
    if Fraction(repr(f)) == value and len(repr(f)) <= 10:
        return repr(f), (UNARY if f < 0 else ATOM)
    return f"{value.numerator} / {value.denominator}", MUL


# ---- 2. values: representations and the operations on them --------------------------------------

@dataclass(frozen=True, eq=False)
class Val:
    """A lowered value.

    rep: "S" scalar, "V" 1-D array (a column or a row: see rows/cols), "M" 2-D array,
         "D" diagonal matrix (`inner` is its diagonal, an S or V), "K" constant broadcast
         (every entry is `inner`, an S), "Z" zero.
    """
    rep: str
    rows: Dim
    cols: Dim
    op: Op | None = None
    inner: "Val | None" = None
    const: bool = False             # depends on no variable (torch needs tensors for its functions)
    lit: Fraction | None = None     # an S that is a number

    @property
    def shape(self) -> tuple[Dim, Dim]:
        return (self.rows, self.cols)


def _dense_rep(rows: Dim, cols: Dim) -> str:
    if rows == 1 and cols == 1:
        return "S"
    if rows == 1 or cols == 1:
        return "V"
    return "M"


def _size_estimate(d: Dim) -> int:
    """A dimension's size for the matrix-chain order: integers as they are, symbols as large."""
    if isinstance(d, int):
        return d
    total = 1
    for part in str(d).split("·"):
        total *= int(part) if part.isdigit() else 100
    return total


class Lowerer:
    """Core trees → `Val`s over one Builder."""

    def __init__(self, builder: Builder, names: dict[str, tuple[Op, Val]], dim_op, core_uses: dict):
        self.b = builder
        self.names = names              # variable name → its Val
        self.dim_op = dim_op            # Dim → Op
        self.core_uses = core_uses
        self.memo: dict[Node, Val] = {}

    # -- constructors --

    def scalar(self, op: Op, const=False, lit=None) -> Val:
        return Val("S", 1, 1, op, const=const, lit=lit)

    def number(self, value: Fraction) -> Val:
        text, prec = _number_text(Fraction(value))
        return self.scalar(self.b.leaf(text, prec), const=True, lit=Fraction(value))

    def dense(self, op: Op, rows: Dim, cols: Dim, const=False) -> Val:
        rep = _dense_rep(rows, cols)
        return Val(rep, rows, cols, op, const=const)

    def zero(self, rows: Dim, cols: Dim) -> Val:
        if rows == 1 and cols == 1:
            return self.number(Fraction(0))
        return Val("Z", rows, cols, const=True)

    def diag(self, inner: Val, n: Dim) -> Val:
        if inner.rep == "Z":
            return self.zero(n, n)
        if inner.rep == "K":
            inner = inner.inner
        if inner.lit == 0:
            return self.zero(n, n)
        return Val("D", n, n, inner=inner, const=inner.const)

    def broadcast(self, s: Val, rows: Dim, cols: Dim) -> Val:
        if rows == 1 and cols == 1:
            return s
        if s.lit == 0:
            return self.zero(rows, cols)
        return Val("K", rows, cols, inner=s, const=s.const)

    def fn(self, name: str, *vals: Val, rows: Dim = 1, cols: Dim = 1, const=None) -> Val:
        ops = [self.tensor_arg(v) for v in vals]
        const = all(v.const for v in vals) if const is None else const
        return self.dense(self.b.fn(name, *ops), rows, cols, const=const)

    def tensor_arg(self, v: Val) -> Op:
        """The op of a dense value as an argument of a library function."""
        v = self.materialize(v)
        if self.b.target == "torch" and v.rep == "S" and v.const:
            return self.b.fn("tensor", v.op)
        return v.op

    def dim(self, d: Dim) -> Val:
        return self.scalar(self.dim_op(d), const=True,
                           lit=Fraction(d) if isinstance(d, int) else None)

    # -- materialize --

    def materialize(self, v: Val) -> Val:
        """A dense S, V or M for any value."""
        b = self.b
        match v.rep:
            case "S" | "V" | "M":
                return v
            case "Z":
                if _dense_rep(v.rows, v.cols) == "V":
                    n = v.rows if v.cols == 1 else v.cols
                    return self.dense(b.fn("zeros", self.dim_op(n)), v.rows, v.cols, const=True)
                return self.dense(b.fn("zeros2", self.dim_op(v.rows), self.dim_op(v.cols)), v.rows, v.cols,
                                  const=True)
            case "K":
                if _dense_rep(v.rows, v.cols) == "V":
                    n = v.rows if v.cols == 1 else v.cols
                    ones = b.fn("ones", self.dim_op(n))
                else:
                    ones = b.fn("ones2", self.dim_op(v.rows), self.dim_op(v.cols))
                s = v.inner
                op = ones if s.lit == 1 else b.binary("*", s.op, ones)
                return self.dense(op, v.rows, v.cols, const=v.const)
            case "D":
                d = v.inner
                if d.rep == "S":
                    eye = b.fn("eye", self.dim_op(v.rows))
                    op = eye if d.lit == 1 else b.binary("*", d.op, eye)
                else:
                    op = b.fn("diagflat", d.op)
                return self.dense(op, v.rows, v.cols, const=v.const)
        raise AssertionError(v.rep)

    # -- arithmetic --

    def neg(self, a: Val) -> Val:
        match a.rep:
            case "Z":
                return a
            case "D" | "K":
                return Val(a.rep, a.rows, a.cols, inner=self.neg(a.inner), const=a.const)
        if a.lit is not None:
            return self.number(-a.lit)
        return Val(a.rep, a.rows, a.cols, self.b.neg(a.op), const=a.const)

    def add(self, a: Val, c: Val, minus: bool = False) -> Val:
        if c.rep == "Z":
            return a
        if a.rep == "Z":
            return self.neg(c) if minus else c
        if a.lit is not None and c.lit is not None:
            return self.number(a.lit - c.lit if minus else a.lit + c.lit)
        if c.lit == 0:
            return a
        if a.lit == 0:
            return self.neg(c) if minus else c
        shape = a.shape if _dense_rep(*a.shape) != "S" else c.shape
        if a.rep == c.rep and a.rep in ("D", "K"):
            return Val(a.rep, *shape, inner=self.add(a.inner, c.inner, minus), const=a.const and c.const)
        # A constant broadcast stays a scalar: numpy broadcasting spreads it.
        x = a.inner if a.rep == "K" and c.rep in ("V", "M") else self.materialize(a)
        y = c.inner if c.rep == "K" and a.rep in ("V", "M") else self.materialize(c)
        op = self.b.binary("-" if minus else "+", x.op, y.op)
        return self.dense(op, *shape, const=a.const and c.const)

    def mul_scalar(self, s: Val, a: Val) -> Val:
        """s a for a scalar s."""
        if s.lit == 1:
            return a
        if s.lit == -1:
            return self.neg(a)
        if s.lit == 0 or a.rep == "Z":
            return self.zero(*a.shape)
        if a.rep in ("D", "K"):
            return Val(a.rep, a.rows, a.cols, inner=self.mul_scalar(s, a.inner), const=s.const and a.const)
        if a.rep == "S" and a.lit is not None:               # numbers first: 2 * x, not x * 2
            return self.mul_scalar(a, s) if s.lit is None else self.number(s.lit * a.lit)
        return self.dense(self.b.binary("*", s.op, a.op), a.rows, a.cols, const=s.const and a.const)

    def div_scalar(self, a: Val, s: Val) -> Val:
        if s.lit == 1:
            return a
        if a.rep in ("D", "K"):
            return Val(a.rep, a.rows, a.cols, inner=self.div_scalar(a.inner, s), const=s.const and a.const)
        if a.rep == "Z":
            if s.lit is not None and s.lit != 0:
                return a
            a = self.materialize(a)         # 0/0 is NaN: keep the evaluator's numbers
        if a.lit is not None and s.lit is not None and s.lit != 0:
            return self.number(a.lit / s.lit)
        return self.dense(self.b.binary("/", a.op, s.op), a.rows, a.cols, const=s.const and a.const)

    def hadamard(self, a: Val, c: Val) -> Val:
        if a.rep == "S":
            return self.mul_scalar(a, c)
        if c.rep == "S":
            return self.mul_scalar(c, a)
        if a.rep == "Z" or c.rep == "Z":
            return self.zero(*a.shape)
        if a.rep == "K":
            return self.mul_scalar(a.inner, c)
        if c.rep == "K":
            return self.mul_scalar(c.inner, a)
        if a.rep == "D" and c.rep == "D":
            return self.diag(self.hadamard(a.inner, c.inner), a.rows)
        if a.rep == "D" or c.rep == "D":        # only the diagonal survives
            d, m = (a, c) if a.rep == "D" else (c, a)
            return self.diag(self.hadamard(d.inner, self.fn("diagonal", m, rows=m.rows, cols=1)), a.rows)
        return self.dense(self.b.binary("*", a.op, c.op), a.rows, a.cols, const=a.const and c.const)

    def hdiv(self, a: Val, c: Val) -> Val:
        if c.rep == "K":
            return self.div_scalar(a, c.inner)
        if a.rep == "K" and c.rep in ("V", "M"):
            return self.dense(self.b.binary("/", a.inner.op, c.op), *c.shape, const=a.const and c.const)
        if c.rep == "S":
            return self.div_scalar(a, c)
        x, y = self.materialize(a), self.materialize(c)
        return self.dense(self.b.binary("/", x.op, y.op), *y.shape, const=x.const and y.const)

    def power(self, a: Val, p: Val) -> Val:
        if p.lit == 1:
            return a
        if a.rep == "K":
            return self.broadcast(self.power(a.inner, p), a.rows, a.cols)
        if a.rep in ("D", "Z") and p.lit is not None and p.lit > 0:
            return a if a.rep == "Z" else self.diag(self.power(a.inner, p), a.rows)
        if a.lit is not None and p.lit is not None and p.lit.denominator == 1 and (a.lit != 0 or p.lit > 0):
            return self.number(a.lit ** int(p.lit))
        a = self.materialize(a)
        if self.b.target == "numpy" and a.rep == "S" and a.const:
            # Python's (-8) ** (1/3) is complex and 0 ** -1 raises; NumPy's are NaN and inf.
            op = self.b.binary("**", self.b.fn("scalar", a.op), p.op)
        else:
            base = self.tensor_arg(a) if a.rep == "S" else a.op
            op = self.b.binary("**", base, p.op)
        return self.dense(op, a.rows, a.cols, const=a.const and p.const)

    def elementwise(self, name: str, a: Val) -> Val:
        if a.rep == "K":
            return self.broadcast(self.elementwise(name, a.inner), a.rows, a.cols)
        if a.rep == "Z":
            return self.broadcast(self.elementwise(name, self.number(Fraction(0))), a.rows, a.cols)
        a = self.materialize(a)
        return self.fn(name, a, rows=a.rows, cols=a.cols)

    def transpose(self, a: Val) -> Val:
        match a.rep:
            case "S":
                return a
            case "V":
                return Val("V", a.cols, a.rows, a.op, const=a.const)
            case "M":
                return Val("M", a.cols, a.rows, self.b.postfix("{0}.T", a.op), const=a.const)
        return Val(a.rep, a.cols, a.rows, inner=a.inner, const=a.const)   # D, K, Z

    def inverse(self, a: Val) -> Val:
        if a.rep == "S":
            return self.div_scalar(self.number(Fraction(1)), a)
        if a.rep == "D":
            return self.diag(self.inverse(a.inner) if a.inner.rep == "S" else
                             self.hdiv(self.number(Fraction(1)), a.inner), a.rows)
        a = self.materialize(a)
        if a.op.template == "{0}.T":                         # (Aᵀ)⁻¹ = (A⁻¹)ᵀ: one inverse
            return self.transpose(self.fn("inv", Val("M", a.cols, a.rows, a.op.args[0]), rows=a.cols,
                                          cols=a.rows))
        return self.fn("inv", a, rows=a.rows, cols=a.cols)

    def to2d(self, a: Val) -> Op:
        """A dense 2-D op (columns and rows get their axis back) for kron."""
        a = self.materialize(a)
        if a.rep == "V":
            return self.b.postfix("{0}[:, None]" if a.cols == 1 else "{0}[None, :]", a.op)
        return a.op

    def from2d(self, op: Op, rows: Dim, cols: Dim, const: bool) -> Val:
        rep = _dense_rep(rows, cols)
        if rep == "V":
            return Val("V", rows, cols, self.b.postfix("{0}.reshape(-1)", op), const=const)
        if rep == "S":
            return self.scalar(self.b.postfix("{0}[0, 0]", op), const=const)
        return Val("M", rows, cols, op, const=const)

    # -- products --

    def pair(self, a: Val, c: Val) -> Val:
        """a c for conforming a (p×q) and c (q×r); a and c are S, V, M, D, or a 𝟏 (K of ones)."""
        b = self.b
        p, r = a.rows, c.cols
        if a.rep == "S":
            return self.mul_scalar(a, c)
        if c.rep == "S":
            return self.mul_scalar(c, a)
        if a.rep == "Z" or c.rep == "Z":
            return self.zero(p, r)
        if a.rep == "K" and _dense_rep(*a.shape) == "M":       # s𝟏𝟏ᵀ: a dense matrix
            a = self.materialize(a)
        if c.rep == "K" and _dense_rep(*c.shape) == "M":
            c = self.materialize(c)
        if a.rep == "K" and a.inner.lit != 1:
            return self.mul_scalar(a.inner, self.pair(self.ones_like(a), c))
        if c.rep == "K" and c.inner.lit != 1:
            return self.mul_scalar(c.inner, self.pair(a, self.ones_like(c)))
        if a.rep == "D":
            d = a.inner
            if d.rep == "S":
                return self.mul_scalar(d, c)
            if c.rep == "D":
                return self.diag(self.hadamard(d, c.inner), p)
            if c.rep == "K":                                   # diag(d) 𝟏 = d
                return Val("V", p, 1, d.op, const=d.const)
            if c.rep == "V":
                return self.dense(b.binary("*", d.op, c.op), p, r, const=a.const and c.const)
            return self.dense(b.binary("*", b.postfix("{0}[:, None]", d.op), c.op), p, r, a.const and c.const)
        if c.rep == "D":
            d = c.inner
            if d.rep == "S":
                return self.mul_scalar(d, a)
            if a.rep == "K":                                   # 𝟏ᵀ diag(d) = dᵀ
                return Val("V", 1, r, d.op, const=d.const)
            if a.rep == "V":
                return self.dense(b.binary("*", a.op, d.op), p, r, const=a.const and c.const)
            return self.dense(b.binary("*", a.op, b.postfix("{0}[None, :]", d.op)), p, r, a.const and c.const)
        if a.rep == "K":                                       # a row or a column of ones
            if a.rows == 1:                                    # 𝟏ᵀ c: column sums
                if c.rep == "K":
                    return self.dim(a.cols)
                return self.fn("sum" if c.rep == "V" else "sum0", c, rows=1, cols=r)
            if c.rep == "K":                                   # 𝟏𝟏ᵀ
                return Val("K", p, r, inner=self.number(Fraction(1)), const=True)
            return self.dense(b.fn("outer", self.materialize(a).op, c.op), p, r, const=c.const)
        if c.rep == "K":
            if c.cols == 1:                                    # a 𝟏: row sums
                return self.fn("sum" if a.rep == "V" else "sum1", a, rows=p, cols=1)
            return self.dense(b.fn("outer", a.op, self.materialize(c).op), p, r, const=a.const)
        a, c = self.materialize(a), self.materialize(c)
        if a.rep == "V" and a.cols == 1 and c.rep == "V" and c.rows == 1:
            return self.dense(b.fn("outer", a.op, c.op), p, r, const=a.const and c.const)
        return self.dense(b.binary("@", a.op, c.op), p, r, const=a.const and c.const)

    def ones_like(self, k: Val) -> Val:
        return Val("K", k.rows, k.cols, inner=self.number(Fraction(1)), const=True)

    def chain(self, factors: list[Val], coeffs: list[Val], rows: Dim, cols: Dim) -> Val:
        """The product of `factors` (conforming, none a scalar) times the scalars `coeffs`."""
        coeff = None
        for s in coeffs:
            coeff = s if coeff is None else self.mul_scalar(coeff, s)
        flat: list[Val] = []
        for f in factors:
            if f.rep == "Z":
                return self.zero(rows, cols)
            if f.rep == "D" and f.inner.rep == "S":           # s I: a scalar
                coeff = f.inner if coeff is None else self.mul_scalar(coeff, f.inner)
                continue
            if f.rep == "K" and f.inner.lit != 1:             # s𝟏: s times 𝟏
                coeff = f.inner if coeff is None else self.mul_scalar(coeff, f.inner)
                f = self.ones_like(f)
            if f.rep == "D" and flat and flat[-1].rep == "D":  # diag(a) diag(b) = diag(a ⊙ b)
                flat[-1] = self.diag(self.hadamard(flat[-1].inner, f.inner), f.rows)
                continue
            if f.rep == "S":
                coeff = f if coeff is None else self.mul_scalar(coeff, f)
                continue
            flat.append(f)
        if not flat:
            out = self.diag(self.number(Fraction(1)), rows) if rows != 1 or cols != 1 else \
                self.number(Fraction(1))
            return out if coeff is None else self.mul_scalar(coeff, out)
        if coeff is not None:
            # The scalar multiplies the smallest factor, or the result when that is smaller.
            sizes = [_size_estimate(f.rows) * (1 if f.rep == "D" else _size_estimate(f.cols)) for f in flat]
            k = min(range(len(flat)), key=lambda i: sizes[i])
            if sizes[k] < _size_estimate(rows) * _size_estimate(cols) and flat[k].rep != "K":
                flat[k] = self.mul_scalar(coeff, flat[k])
                coeff = None
        out = self.associate(flat)
        return out if coeff is None else self.mul_scalar(coeff, out)

    def associate(self, fs: list[Val]) -> Val:
        """Matrix-chain order (cheapest by estimated sizes; ties: right to left)."""
        k = len(fs)
        if k == 1:
            return fs[0]
        dims = [_size_estimate(f.rows) for f in fs] + [_size_estimate(fs[-1].cols)]
        light = [f.rep in ("D", "K") for f in fs]
        cost = [[0] * k for _ in range(k)]
        split = [[0] * k for _ in range(k)]
        for length in range(2, k + 1):
            for i in range(0, k - length + 1):
                j = i + length - 1
                best = None
                for s in range(i, j):
                    lone = (s == i and light[i]) or (s + 1 == j and light[j])
                    step = dims[i] * dims[j + 1] if lone else dims[i] * dims[s + 1] * dims[j + 1]
                    total = cost[i][s] + cost[s + 1][j] + step
                    if best is None or total < best:
                        best, split[i][j] = total, s
                cost[i][j] = best

        def build(i: int, j: int) -> Val:
            if i == j:
                return fs[i]
            s = split[i][j]
            return self.pair(build(i, s), build(s + 1, j))

        return build(0, k - 1)

    # -- the tree --

    def shared(self, n: Node) -> bool:
        return self.core_uses.get(n, 0) > 1

    def __call__(self, n: Node) -> Val:
        hit = self.memo.get(n)
        if hit is None:
            hit = self.lower(n)
            if hit.op is not None and hit.op.math is None and not hit.op.cheap:
                hit.op.math = n
            self.memo[n] = hit
        return hit

    def lower(self, n: Node) -> Val:
        t = type_of(n)
        match n:
            case Number(value):
                return self.number(value)
            case Pi():
                return self.scalar(self.b.leaf("math.pi"), const=True)
            case Var(name):
                if name not in self.names:
                    raise UsageError(f"codegen: no value for {name}")
                return self.names[name][1]
            case Ones((rows, _)):
                return self.broadcast(self.number(Fraction(1)), rows, 1)
            case Zeros((rows, cols)):
                return self.zero(rows, cols)
            case Identity(size):
                return self.diag(self.number(Fraction(1)), size)
            case Size(dim):
                return self.dim(dim)
            case Commutation(rows, cols):
                self.b.helpers.add("_commutation")
                return self.dense(self.b.fn("commutation", self.dim_op(rows), self.dim_op(cols)),
                                  t.rows, t.cols, const=True)
            case Unary(UnOp.NEG, Binary(BinOp.MATMUL) as x) if not self.shared(x):
                return self.matmul(x, [self.number(Fraction(-1))])   # the sign goes to a small factor
            case Unary(UnOp.NEG, x):
                return self.neg(self(x))
            case Unary(UnOp.TRANSPOSE, x):
                return self.transpose(self(x))
            case Unary(UnOp.INVERSE, x):
                return self.inverse(self(x))
            case Binary(BinOp.MATMUL):
                return self.matmul(n)
            case Binary(op, a, c):
                return self.binary(op, self(a), self(c), t)
            case Call(fn, args):
                return self.call(n, fn, args, t)
            case VectorLit(items):
                return self.literal([[i] for i in items], t)
            case MatrixLit(rows):
                return self.literal([list(r) for r in rows], t)
            case Let(name, value, body):
                self.names[name] = (None, self(value))
                return self(body)
            case Differential():
                raise UnsupportedError("codegen: a differential is not a value")
        raise UnsupportedError(f"codegen has no rule for {type(n).__name__}")

    def matmul(self, n: Node, coeffs: list[Val] | None = None) -> Val:
        factors: list[Val] = []
        coeffs = list(coeffs or ())

        def flatten(m: Node, top: bool) -> None:
            tm = type_of(m)
            if not top and tm.rows == 1 and tm.cols == 1:      # a scalar: it commutes
                coeffs.append(self(m))
            elif isinstance(m, Binary) and m.op is BinOp.MATMUL and (top or not self.shared(m)):
                flatten(m.left, False)
                flatten(m.right, False)
            else:
                factors.append(self(m))

        flatten(n, True)
        t = type_of(n)
        return self.chain(factors, coeffs, t.rows, t.cols)

    def binary(self, op: BinOp, a: Val, c: Val, t) -> Val:
        match op:
            case BinOp.ADD:
                return self.add(a, c)
            case BinOp.SUB:
                return self.add(a, c, minus=True)
            case BinOp.SCALE:
                return self.mul_scalar(a, c) if a.rep == "S" else self.mul_scalar(c, a)
            case BinOp.DOT:
                row = self.transpose(a) if a.cols == 1 else a
                return self.pair(row, c if c.cols == 1 else self.transpose(c))
            case BinOp.HADAMARD:
                return self.hadamard(a, c)
            case BinOp.DIV:
                return self.div_scalar(a, c)
            case BinOp.HDIV:
                return self.hdiv(a, c)
            case BinOp.POWER:
                return self.power(a, c)
            case BinOp.MATPOW:
                if a.rep == "D":
                    return self.diag(self.power(a.inner, c), a.rows)
                if a.rep == "S":
                    return self.power(a, c)
                if c.lit is None or c.lit.denominator != 1:
                    raise UnsupportedError("codegen: a matrix power needs an integer exponent")
                return self.dense(self.b.fn("matpow", self.materialize(a).op, c.op), a.rows, a.cols,
                                  const=a.const)
            case BinOp.KRON:
                if a.rep == "S" or c.rep == "S":
                    return self.mul_scalar(a, c) if a.rep == "S" else self.mul_scalar(c, a)
                op_ = self.b.fn("kron", self.to2d(a), self.to2d(c))
                return self.from2d(op_, t.rows, t.cols, a.const and c.const)
        raise UnsupportedError(f"codegen has no rule for {op.name.lower()}")

    def call(self, n: Call, fn: str, args: tuple[Node, ...], t) -> Val:
        if fn in _ELEMENTWISE:
            return self.elementwise(fn, self(args[0]))
        if fn in ("max", "min"):
            x, y = self(args[0]), self(args[1])
            if x.rep == "K" and y.rep == "K":
                return self.broadcast(self.fn(fn, x.inner, y.inner), t.rows, t.cols)
            x = x.inner if x.rep == "K" and y.rep != "S" else x
            y = y.inner if y.rep == "K" and x.rep != "S" else y
            return self.fn(fn, x, y, rows=t.rows, cols=t.cols)
        if fn == "tr" and isinstance(args[0], Binary) and args[0].op is BinOp.MATMUL \
                and not self.shared(args[0]):
            # tr(L R) = sum(L ⊙ Rᵀ): no product is formed.
            left, right = self(args[0].left), self(args[0].right)
            if left.rep == "M" and right.rep == "M":
                prod = self.b.binary("*", left.op, self.b.postfix("{0}.T", right.op))
                return self.fn("sum", self.dense(prod, 2, 2), const=left.const and right.const)
        a = self(args[0])
        if fn == "dot":
            return self.binary(BinOp.DOT, a, self(args[1]), t)
        if fn == "kron":
            return self.binary(BinOp.KRON, a, self(args[1]), t)
        if fn == "inv":
            return self.inverse(a)
        if fn == "diag":
            if a.rep == "D":                                   # the diagonal of a diagonal matrix
                d = a.inner
                if d.rep == "S":
                    return self.broadcast(d, a.rows, 1)
                return Val("V", a.rows, 1, d.op, const=d.const)
            if a.rep in ("V", "K", "Z"):
                n_ = a.rows if a.cols == 1 else a.cols
                return self.diag(a if a.rep != "V" else Val("V", n_, 1, a.op, const=a.const), n_)
            if a.rep == "S":
                return a
            return self.fn("diagonal", a, rows=t.rows, cols=1)
        if fn == "vec":
            if a.rep == "S":
                return a
            if a.rep in ("V", "K", "Z") and (a.rows == 1 or a.cols == 1):
                length = a.rows if a.cols == 1 else a.cols
                return Val(a.rep, length, 1, a.op, inner=a.inner, const=a.const)
            m = self.materialize(a)
            return Val("V", t.rows, 1, self.b.postfix("{0}.T.reshape(-1)", m.op, cheap=False), const=m.const)
        if fn in ("sum", "mean", "tr"):
            return self.reduce(fn, a)
        if fn == "norm":
            if a.rep == "S":
                return self.fn("abs", a)
            return self.fn("norm", a)
        if fn == "norm1":
            if a.rep == "S":
                return self.fn("abs", a)
            a = self.materialize(a)
            return self.fn("sum", self.fn("abs", a, rows=a.rows, cols=a.cols))
        if fn == "det":
            if a.rep == "S":
                return a
            if a.rep == "D" and a.inner.rep == "V":
                return self.fn("prod", a.inner)
            return self.fn("det", a)
        if fn == "logdet":
            if a.rep == "D" and a.inner.rep == "V":
                d = a.inner
                return self.fn("sum", self.fn("log", self.fn("abs", d, rows=d.rows, cols=d.cols),
                                              rows=d.rows, cols=d.cols))
            if a.rep == "S":
                return self.fn("log", self.fn("abs", a))
            return self.fn("logdet", a)
        if fn == "logsumexp":
            return self.fn("logsumexp", a)
        if fn == "softmax":
            return self.fn("softmax", a, rows=t.rows, cols=t.cols)
        raise UnsupportedError(f"codegen has no rule for {fn}(…)")

    def reduce(self, fn: str, a: Val) -> Val:
        """sum, mean, tr of any representation."""
        if a.rep == "S":
            return a
        if a.rep == "Z":
            return self.number(Fraction(0))
        size = self.mul_scalar(self.dim(a.rows), self.dim(a.cols)) if fn != "tr" else self.dim(a.rows)
        if a.rep == "K":
            whole = self.mul_scalar(a.inner, size)
            return whole if fn != "mean" else a.inner
        if a.rep == "D":
            d = a.inner
            total = self.mul_scalar(d, self.dim(a.rows)) if d.rep == "S" else self.fn("sum", d)
            return total if fn != "mean" else self.div_scalar(total, size)
        if fn == "tr":
            return self.fn("tr", a)
        return self.fn(fn, a)

    def literal(self, rows: list[list[Node]], t) -> Val:
        items = [[self.materialize(self(x)) for x in row] for row in rows]
        if t.rows == 1 and t.cols == 1:
            return items[0][0]
        const = all(v.const for row in items for v in row)
        if t.rows == 1 or t.cols == 1:
            flat = [v for row in items for v in row]
            return self.dense(self.b.stack([self.tensor_arg(v) for v in flat]), t.rows, t.cols, const)
        return self.dense(self.b.stack2([[self.tensor_arg(v) for v in row] for row in items]),
                          t.rows, t.cols, const)


# ---- 3. the module --------------------------------------------------------------------------------

class Names:
    """Python names for variables, dimensions, temporaries and outputs, without clashes."""

    RESERVED = {"np", "torch", "jnp", "jax", "math", "DTYPE", "DEVICE", "compute", "variables",
                *(name for name in _HELPERS)}

    def __init__(self):
        self.taken = set(self.RESERVED)

    def claim(self, wanted: str, fallback: str) -> str:
        name = wanted if _safe_identifier(wanted) else fallback
        base, k = name, 1
        while name in self.taken:
            name = f"{base}_{k}"
            k += 1
        self.taken.add(name)
        return name


def _safe_identifier(name: str) -> bool:
    return (name.isidentifier() and not keyword.iskeyword(name)
            and unicodedata.normalize("NFKC", name) == name)


def _clip(text: str, limit: int = COMMENT_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _describe(kind: Kind | None, rows: Dim, cols: Dim) -> str:
    if kind is Kind.VECTOR or kind is None and cols == 1 and rows != 1:
        return f"vector of length {rows}"
    if kind is Kind.ROW:
        return f"row of length {cols}"
    if kind is Kind.MATRIX or kind is None and rows != 1:
        return f"{rows}×{cols} matrix"
    return "scalar"


def _returned(t) -> str:
    rep = _dense_rep(t.rows, t.cols)
    if rep == "S":
        return "scalar"
    if rep == "V":
        return f"1-D, length {t.rows if t.cols == 1 else t.cols}"
    return f"2-D, {t.rows} × {t.cols}"


def _core_uses(roots: Iterable[Node]) -> dict:
    """How many times each distinct subtree would be written out if shared ones were named once."""
    roots = list(roots)
    post = postorder(roots)                                # children before parents
    uses: dict = {}
    for r in roots:
        uses[r] = uses.get(r, 0) + 1
    for n in reversed(post):
        kids = children(n)
        count = uses.get(n, 0)
        written = 1 if count > 1 and kids else count
        for c in kids:
            uses[c] = uses.get(c, 0) + written
    return uses


def _plan_temporaries(roots: list[Op]) -> tuple[set[int], dict[int, Op]]:
    """The ops that become temporaries — shared ones, and ones too long to read inline — and every
    op the roots reach."""
    reached: dict[int, Op] = {}
    stack = list(roots)
    while stack:
        o = stack.pop()
        if o.id not in reached:
            reached[o.id] = o
            stack.extend(o.args)
    uses = {r.id: 0 for r in roots}
    for r in roots:
        uses[r.id] += 1
    temps: set[int] = set()
    for i in sorted(reached, reverse=True):                # ids grow from children to parents
        o = reached[i]
        count = uses.get(i, 0)
        if count > 1 and not o.cheap:
            temps.add(i)
        written = 1 if i in temps else count
        for a in o.args:
            uses[a.id] = uses.get(a.id, 0) + written
    length: dict[int, int] = {}
    root_ids = {r.id for r in roots}
    for i in sorted(reached):
        o = reached[i]
        size = len(o.template) + sum(4 if a.id in temps else length[a.id] for a in o.args)
        if size > INLINE_LIMIT and o.args and not o.cheap and i not in root_ids:
            temps.add(i)
        length[i] = size
    return temps, reached


def _render(o: Op, names: dict[int, str]) -> str:
    """`o` written out, its arguments by name where they have one (`o`'s own name is not used)."""
    if not o.args:
        return o.template
    parts = []
    for a, slot in zip(o.args, o.slots):
        if a.id in names:
            parts.append(names[a.id])
            continue
        text = _render(a, names)
        # Brackets where Python needs them, and between `@` and `*` (same level) for the reader.
        mixed = o.prec == a.prec == MUL and (" @ " in o.template) != (" @ " in a.template)
        parts.append(f"({text})" if a.prec < slot or mixed else text)
    return o.template.format(*parts)


def _convert(target: str, name: str, rows: Dim, cols: Dim) -> str:
    """The statement's right side that makes an input an array of the target."""
    rep = _dense_rep(rows, cols)
    flat = ".reshape(-1)" if rep == "V" else ""
    if target == "numpy":
        return f"np.float64({name})" if rep == "S" else f"np.asarray({name}, dtype=float){flat}"
    if target == "torch":
        return f"torch.as_tensor({name}, {_NEW}){flat}"
    return f"jnp.asarray({name}){flat}"


@dataclass
class Output:
    name: str
    title: str              # "value", "∂/∂𝐱 (…)", "∂²/∂𝐱² (…)"
    math: str               # the expression, as text
    shape: str
    op: Op | None = None


@dataclass
class Input:
    name: str               # mcalc's name
    local: str              # the Python name
    rows: Dim
    cols: Dim
    kind: Kind | None


class _Module:
    """Everything one `generate` call collects, then the module text."""

    def __init__(self, target: str):
        self.target = target
        self.b = Builder(target)
        self.names = Names()
        self.inputs: list[Input] = []
        self.dim_source: dict[str, str] = {}      # dimension → the input's axis that gives it
        self.dim_names: dict[str, str] = {}       # dimension → its Python name
        self.outputs: list[Output] = []

    def add_input(self, name: str, kind: Kind | None, rows: Dim, cols: Dim) -> None:
        local = self.names.claim(name, f"var{len(self.inputs) + 1}")
        self.inputs.append(Input(name, local, rows, cols, kind))
        rep = _dense_rep(rows, cols)
        axes = {"S": [], "V": [(rows if cols == 1 else cols, 0)], "M": [(rows, 0), (cols, 1)]}[rep]
        for d, axis in axes:
            if isinstance(d, str) and "·" not in d:
                self.dim_source.setdefault(d, f"{local}.shape[{axis}]")

    def dim_op(self, d: Dim) -> Op:
        """A dimension in generated code: an integer, a name bound from an input, or a product."""
        out = None
        for part in str(d).split("·"):
            if not part.isdigit() and part not in self.dim_names:
                self.dim_names[part] = self.names.claim(part, f"dim{len(self.dim_names) + 1}")
            op = self.b.leaf(part if part.isdigit() else self.dim_names[part])
            out = op if out is None else self.b.binary("*", out, op)
        return out

    def lowerer(self, roots: list[Node]) -> Lowerer:
        env = {}
        for i in self.inputs:
            op = self.b.leaf(i.local)
            env[i.name] = (op, Val(_dense_rep(i.rows, i.cols), i.rows, i.cols, op))
        return Lowerer(self.b, env, self.dim_op, _core_uses(roots))

    def body(self) -> tuple[list[str], list[str]]:
        """The statements of compute, and the dimensions it takes as arguments."""
        temps, reached = _plan_temporaries([o.op for o in self.outputs])
        names: dict[int, str] = {}
        for out in self.outputs:                   # a temporary that is an output takes its name
            if out.op.id in temps:
                names.setdefault(out.op.id, out.name)
        k = 0
        for i in sorted(temps):
            if i not in names:
                k += 1
                while f"t{k}" in self.names.taken:
                    k += 1
                names[i] = self.names.claim(f"t{k}", f"t{k}")
        lines = [f"{i.local} = {_convert(self.target, i.local, i.rows, i.cols)}  # "
                 f"{_describe(i.kind, i.rows, i.cols)}" for i in self.inputs]
        used = [d for d, local in self.dim_names.items() if self.b.leaf(local).id in reached]
        lines += [f"{self.dim_names[d]} = {self.dim_source[d]}" for d in used if d in self.dim_source]
        titled = {}
        for out in self.outputs:
            titled.setdefault(out.op.id, out)
        for i in sorted(temps):
            op, out = reached[i], titled.get(i)
            if out is not None and names[i] == out.name:
                lines += [f"# {out.title} = {_clip(out.math, 300)}", f"{out.name} = {_render(op, names)}"]
            else:
                comment = f"  # {_clip(to_text(op.math))}" if op.math is not None else ""
                lines.append(f"{names[i]} = {_render(op, names)}{comment}")
        for out in self.outputs:
            if names.get(out.op.id) != out.name:
                text = names[out.op.id] if out.op.id in names else _render(out.op, names)
                lines += [f"# {out.title} = {_clip(out.math, 300)}", f"{out.name} = {text}"]
        return lines, [d for d in used if d not in self.dim_source]

    def text(self, returned: list[str], what: str) -> str:
        body, unbound = self.body()
        body.append("return " + ", ".join(returned))
        args = [i.local for i in self.inputs] + [self.dim_names[d] for d in unbound]
        if all(i.local == i.name for i in self.inputs):
            signature = "*, " + ", ".join(args)
        else:                                      # names Python cannot spell as arguments
            signature = "**variables"
            body = [f"{i.local} = variables[{i.name!r}]" for i in self.inputs] + \
                   [f"{self.dim_names[d]} = variables[{d!r}]" for d in unbound] + body
        from . import __version__
        head = [f'"""Generated by mcalc {__version__} (mcalc codegen, target {self.target}).', ""]
        for out in self.outputs:
            head += [f"    {out.title} = {out.math}", f"        [{out.shape}]"]
        head += ["", f"compute(...) returns ({', '.join(returned)}).", '"""', ""]
        if any(o.template == "math.pi" for o in self.b.ops):
            head.append("import math")
        head.append(_HEADERS[self.target])
        if self.target == "jax":
            head += sorted({_JAX_EXTRA_IMPORTS[h] for h in self.b.helpers if h in _JAX_EXTRA_IMPORTS})
        for h in sorted(self.b.helpers):
            source = _HELPERS[h][TARGETS.index(self.target)]
            if source:
                head += ["", "", source]
        doc = [f'"""{what} at the given values.', ""]
        doc += [f"{i.local}: {_describe(i.kind, i.rows, i.cols)}" for i in self.inputs]
        doc += [f"{self.dim_names[d]}: the size {d}" for d in unbound]
        doc.append('"""')
        indented = ["    " + line if line else line for line in doc + body]
        lines = head + ["", "", f"def compute({signature}):"] + indented
        return "\n".join(lines) + "\n"


def generate(expr: str, wrt: str | Sequence[str], *, hessian: bool = False, target: str = "numpy",
             let: Iterable[str] | str = (), layout: str = "numerator") -> str:
    """A Python module (as text) defining `compute(**variables)`; see the module docstring."""
    from . import api

    if target not in TARGETS:
        raise UsageError(f"unknown target {target!r}; use numpy, torch or jax")
    wrt_list = [wrt] if isinstance(wrt, str) else list(wrt)
    if not wrt_list:
        raise UsageError("codegen needs at least one --wrt", hint="write e.g. --wrt x")
    with _deep_recursion():
        results = api.derivatives(expr, wrt_list, let=let, layout=layout)
        hessians = api.derivatives(expr, wrt_list, let=let, layout=layout, hessian=True) if hessian else []
        checked = results[0].checked
        m = _Module(target)
        # Inputs: the expression's variables, then variables of differentiation absent from it.
        for name, t in checked.variables.items():
            m.add_input(name, t.kind, t.rows, t.cols)
        for r in results:
            for w in r.wrt:
                if all(w != i.name for i in m.inputs):
                    v = api._variable(checked, w, api._lets(let))
                    m.add_input(w, v.kind, *v.shape)
        local = {i.name: i.local for i in m.inputs}
        label = lambda r: "_".join(local.get(w, w) for w in r.wrt)
        m.outputs.append(Output(m.names.claim("value", "value"), "value", to_text(checked.expr),
                                _returned(checked.type)))
        for r in results:
            shape = f"{_shape(r.shape)}, {layout} layout; returned {_returned(type_of(r.expr))}"
            m.outputs.append(Output(m.names.claim(f"d_{label(r)}", "d"), r.operator_text(), r.text, shape))
        for h in hessians:
            m.outputs.append(Output(m.names.claim(f"h_{label(h)}", "h"), h.operator_text(), h.text,
                                    f"{_shape(h.shape)}; returned {_returned(type_of(h.expr))}"))
        roots = [checked.expr] + [r.expr for r in results] + [h.expr for h in hessians]
        lower = m.lowerer(roots)
        for out, tree in zip(m.outputs, roots):
            val = lower.materialize(lower(tree))
            if val.rep == "S" and val.const:       # a number: returned as one of the target's
                val = lower.dense(m.b.fn("scalar", val.op), 1, 1, const=True)
            out.op = val.op
        pack = lambda outs: outs[0].name if len(outs) == 1 else "(" + ", ".join(o.name for o in outs) + ",)"
        derivatives = m.outputs[1:1 + len(results)]
        returned = [m.outputs[0].name, pack(derivatives)]
        if hessian:
            returned.append(pack(m.outputs[1 + len(results):]))
        return m.text(returned, "Value, derivative and Hessian" if hessian else "Value and derivative")


def _shape(axes) -> str:
    axes = list(axes)
    return "scalar" if not axes else " × ".join(str(a) for a in axes)


class _deep_recursion:
    """Deep derivative trees (an MLP of depth 64) need more than Python's default 1000 frames."""

    def __enter__(self):
        self.saved = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.saved, 20_000))

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.saved)


class _CallableModule(types.ModuleType):
    """`mcalc.codegen(…)` is `generate(…)`, whether the name is bound to the function in
    mcalc/__init__.py or, once this module is imported, to the module itself."""

    def __call__(self, *args, **kwargs) -> str:
        return generate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
