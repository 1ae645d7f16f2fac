"""The derivative engine: matrix differentials (Magnus & Neudecker), then identification.

1. `differential(F, X)` builds dF, a core tree linear in the placeholder dX, by the rules in
   rules.py — the product and chain rules are the recursion itself, so every kind pair
   (scalar, vector, matrix) goes through the same code.
2. The derivative is read off dF by the identification table:

   | F       | X               | dF has the form         | derivative (numerator layout)      |
   |---------|-----------------|-------------------------|------------------------------------|
   | any     | scalar          | D dx                    | D = dF with dx := 1                |
   | scalar  | vector/matrix   | ⟨G, dX⟩ = tr(Gᵀ dX)     | Gᵀ (row 1×n, or q×p for X p×q)     |
   | vector  | vector          | J dx                    | J (m×n)                            |
   | other   | vector/matrix   | J vec(dX) for vec(dF)   | J = ∂vec F/∂vec X (Kronecker form) |

   G is found by pulling the scalar back through dF (`pullback`: the adjoint of each linear
   operator), J by pushing vec(dX) forward (`vec_jacobian`: vec(A dX B) = (Bᵀ ⊗ A) vec dX).
   Where neither applies the engine raises `UnsupportedError`, never a guess.
"""
from __future__ import annotations

from .algebra import (ONE, add, basis, call, dot, full_like, hadamard, hdiv, inner, kron, mul, neg,
                      rebuild, scale, sub, total, transpose, zeros)
from .errors import UnsupportedError
from .nodes import (BinOp, Binary, Call, Commutation, Differential, Identity, Kind, Let, MatrixLit, Node, Ones,
                    Size, Unary, UnOp, Var, VectorLit, children, postorder)
from .rules import rule_for
from .shapes import Type, dim_mul, type_of


# ---- 1. the differential --------------------------------------------------------------------

def differential(e: Node, x: Var) -> Node | None:
    """dF for F = e, linear in Differential(x); None when e does not depend on x."""
    memo: dict[Node, Node | None] = {}

    def d(n: Node) -> Node | None:
        if n in memo:
            return memo[n]
        match n:
            case Var(name):
                out = Differential(x) if name == x.name else None
            case Let():
                raise UnsupportedError("shared subexpressions (where) in the input")
            case _:
                kids = children(n)
                dkids = [d(c) for c in kids]
                out = None if all(k is None for k in dkids) else rule_for(n)(n, kids, dkids)
        memo[n] = out
        return out

    return d(e)


def depends(e: Node, memo: dict) -> bool:
    if e in memo:
        return memo[e]
    out = isinstance(e, Differential) or any(depends(c, memo) for c in children(e))
    memo[e] = out
    return out


# ---- 2a. X scalar: dF = D dx --------------------------------------------------------------------

def by_scalar(df: Node) -> Node:
    return rebuild(df, leaf=lambda n: ONE if isinstance(n, Differential) else n)


# ---- 2b. F scalar: dF = ⟨G, dX⟩ ------------------------------------------------------------------

def pullback(df: Node, x: Var) -> Node:
    """G with dF = ⟨G, dX⟩ (G has the shape of X).

    Reverse mode over dF as a graph: each node's cotangents are summed before they go on to
    its operands, so a subtree that dF uses twice (d softmax(u) = s ⊙ du − s (s·du)) is
    walked once, and nested softmax stays linear instead of doubling per level."""
    memo: dict = {}
    dep = lambda n: depends(n, memo)
    cotangents: dict[Node, list[Node]] = {df: [ONE]}
    terms: list[Node] = []
    # Every node before its operands (reversed postorder), so its cotangents are all in.
    for n in reversed(postorder([df], dep, right_first=True)) if dep(df) else ():
        gs = cotangents.pop(n)
        if isinstance(n, Differential):
            terms.extend(gs)
            continue
        for operand, g in _adjoints(n, total(gs), dep):
            if dep(operand):
                cotangents.setdefault(operand, []).append(g)
    return total(terms) if terms else zeros(type_of(x))


def _adjoints(n: Node, g: Node, dep) -> list[tuple[Node, Node]]:
    """(operand, its cotangent) for a node with cotangent g: the adjoint of each linear map."""
    match n:
        case Binary(BinOp.ADD, a, b):
            return [(a, g), (b, g)]
        case Binary(BinOp.SUB, a, b):
            return [(a, g), (b, neg(g))]
        case Unary(UnOp.NEG, a):
            return [(a, neg(g))]
        case Unary(UnOp.TRANSPOSE, a):
            return [(a, transpose(g))]
        case Binary(BinOp.MATMUL, a, b):
            return [(a, mul(g, transpose(b))), (b, mul(transpose(a), g))]
        case Binary(BinOp.SCALE, s, a):
            return [(s, inner(g, a)), (a, scale(s, g))]
        case Binary(BinOp.DOT, a, b):
            return [(a, scale(g, b)), (b, scale(g, a))]
        case Binary(BinOp.HADAMARD, a, b):
            return [(a, hadamard(g, b)), (b, hadamard(g, a))]
        case Binary(BinOp.DIV, a, s) if not dep(s):
            return [(a, _div(g, s))]
        case Binary(BinOp.HDIV, a, b) if not dep(b):
            return [(a, hdiv(g, b))]
        case Binary(BinOp.KRON, a, b):
            raise UnsupportedError("mcalc cannot differentiate through kron(…) of the variable yet")
        case Call("sum", (a,)):
            return [(a, full_like(g, type_of(a)))]
        case Call("tr", (a,)):
            return [(a, scale(g, Identity(type_of(a).rows)))]
        case Call("diag", (a,)):
            ta = type_of(a)
            return [(a, transpose(call("diag", g)) if ta.kind is Kind.ROW else call("diag", g))]
        case Call("vec", (a,)) if type_of(a).kind is not Kind.MATRIX:
            return [(a, g if type_of(a).kind is not Kind.ROW else transpose(g))]
        case VectorLit(items):
            return [(item, dot(basis(i, len(items)), g)) for i, item in enumerate(items)]
        case MatrixLit(rows):
            r, c = len(rows), len(rows[0])
            return [(item, mul(mul(transpose(basis(i, r)), g), basis(j, c)))
                    for i, row in enumerate(rows) for j, item in enumerate(row)]
    raise UnsupportedError(f"mcalc cannot take this gradient through {_describe(n)} yet")


def _div(g: Node, s: Node) -> Node:
    from .algebra import div
    return div(g, s)


def _describe(n: Node) -> str:
    match n:
        case Call(fn):
            return f"{fn}(…)"
        case Binary(op):
            return op.name.lower()
        case Unary(op):
            return op.name.lower()
    return type(n).__name__


# ---- 2c. otherwise: vec(dF) = J vec(dX) -----------------------------------------------------------

def _vec(e: Node) -> Node:
    return call("vec", e)


def _length(t: Type):
    return dim_mul(t.rows, t.cols)


def vec_jacobian(df: Node, x: Var) -> Node:
    """J with vec(dF) = J vec(dX): (entries of F) × (entries of X)."""
    memo: dict = {}
    dep = lambda n: depends(n, memo)
    tx = type_of(x)
    n_x = _length(tx)
    jmemo: dict = {}

    def jac(n: Node) -> Node | None:
        if not dep(n):
            return None
        if n in jmemo:
            return jmemo[n]
        out = _jac(n)
        jmemo[n] = out
        return out

    def _jac(n: Node) -> Node | None:
        match n:
            case Differential():
                return Identity(n_x)
            case Binary(BinOp.ADD, a, b):
                return add(jac(a), jac(b))
            case Binary(BinOp.SUB, a, b):
                return sub(jac(a), jac(b))
            case Unary(UnOp.NEG, a):
                return neg(jac(a))
            case Unary(UnOp.TRANSPOSE, a) if type_of(a).kind is not Kind.MATRIX:
                return jac(a)
            case Unary(UnOp.TRANSPOSE, a):                  # vec(Aᵀ) = K vec(A)
                ta = type_of(a)
                return _when(jac(a), lambda j: mul(Commutation(ta.rows, ta.cols), j))
            case Binary(BinOp.MATMUL, Unary(UnOp.TRANSPOSE, m), b) if dep(m) and not dep(b) \
                    and type_of(n).kind in (Kind.VECTOR, Kind.SCALAR):
                return jac(mul(transpose(b), m))           # vec(Mᵀb) = vec(bᵀM)
            case Binary(BinOp.MATMUL, a, Unary(UnOp.TRANSPOSE, m)) if dep(m) and not dep(a) \
                    and type_of(n).kind in (Kind.ROW, Kind.SCALAR):
                return jac(mul(m, transpose(a)))           # vec(aMᵀ) = vec(Maᵀ)
            case Binary(BinOp.MATMUL, a, b):
                terms = []
                if dep(b):                                  # vec(A B) = (I ⊗ A) vec B
                    cols = type_of(b).cols
                    left = a if cols == 1 else kron(Identity(cols), a)
                    terms.append(mul(left, jac(b)))
                if dep(a):                                  # vec(A B) = (Bᵀ ⊗ I) vec A
                    rows = type_of(a).rows
                    left = transpose(b) if rows == 1 else kron(transpose(b), Identity(rows))
                    terms.append(mul(left, jac(a)))
                return total(terms)
            case Binary(BinOp.SCALE, s, a):
                return add(_when(jac(s), lambda j: mul(_vec(a), j)),
                           _when(jac(a), lambda j: scale(s, j)))
            case Binary(BinOp.DOT, a, b):
                return add(_when(jac(a), lambda j: mul(transpose(b), j)),
                           _when(jac(b), lambda j: mul(transpose(a), j)))
            case Binary(BinOp.HADAMARD, a, b):
                return add(_when(jac(a), lambda j: mul(call("diag", _vec(b)), j)),
                           _when(jac(b), lambda j: mul(call("diag", _vec(a)), j)))
            case Binary(BinOp.DIV, a, s) if not dep(s):
                return _div(jac(a), s)
            case Binary(BinOp.HDIV, a, b) if not dep(b):
                return mul(Unary(UnOp.INVERSE, call("diag", _vec(b))), jac(a))
            case Call("sum", (a,)):
                return mul(transpose(Ones((_length(type_of(a)), 1))), jac(a))
            case Call("tr", (a,)):
                return mul(transpose(_vec(Identity(type_of(a).rows))), jac(a))
            case Call("vec", (a,)):
                return jac(a)
            case Call("diag", (a,)) if type_of(a).kind is Kind.MATRIX:
                # diag(A) = (𝟏ᵀ ⊗ I) diag(vec I) vec A: keep the diagonal, then gather it.
                n = type_of(a).rows
                gather = mul(kron(transpose(Ones((n, 1))), Identity(n)), call("diag", _vec(Identity(n))))
                return _when(jac(a), lambda j: mul(gather, j))
            case Call("diag", (a,)):
                # vec(diag(a)) = diag(vec I) (𝟏 ⊗ I) a: copy a into every column, keep the diagonal.
                ta = type_of(a)
                n = ta.rows if ta.kind is Kind.VECTOR else ta.cols
                spread = mul(call("diag", _vec(Identity(n))), kron(Ones((n, 1)), Identity(n)))
                return _when(jac(a), lambda j: mul(spread, j))
            case VectorLit(items):
                return total(mul(basis(i, len(items)), jac(item)) for i, item in enumerate(items)
                             if dep(item))
        raise UnsupportedError(f"mcalc cannot take this Jacobian through {_describe(n)} yet")

    j = jac(df)
    if j is None:
        return zeros(Type(Kind.MATRIX, _length(type_of(df)), n_x))
    return j


def _when(j, build):
    return None if j is None else build(j)


# ---- 3. the identification table, layouts, shapes -----------------------------------------------

from dataclasses import dataclass  # noqa: E402

from .errors import UsageError  # noqa: E402
from .nodes import Number  # noqa: E402


@dataclass(frozen=True)
class Derivative:
    expr: Node                 # a 2-D expression: the derivative itself, or ∂vec F/∂vec X
    axes: tuple                # every axis of the result, SPEC §2.1 order
    vec_form: bool             # True when `expr` is ∂vec F/∂vec X (more than two axes)
    f_axes: tuple
    x_axes: tuple


def _axes(t: Type) -> tuple:
    """A value's own axes: () scalar, (n,) vector or row, (m, n) matrix."""
    return {Kind.SCALAR: (), Kind.VECTOR: (t.rows,), Kind.ROW: (t.cols,),
            Kind.MATRIX: (t.rows, t.cols)}[t.kind]


def derive(f: Node, x: Var, layout: str = "numerator") -> Derivative:
    """∂f/∂x by the identification table above."""
    tf, tx = type_of(f), type_of(x)
    df = differential(f, x)
    f_axes, x_axes = _axes(tf), _axes(tx)
    vec_form = len(f_axes) + len(x_axes) > 2
    if tx.kind is Kind.SCALAR:
        expr = by_scalar(df) if df is not None else zeros(tf)
    elif tf.kind is Kind.SCALAR:
        expr = transpose(pullback(df, x)) if df is not None else zeros(Type(Kind.ROW, 1, _length(tx)))
        if tx.kind is Kind.MATRIX and df is None:
            expr = zeros(Type(Kind.MATRIX, tx.cols, tx.rows))
    else:
        expr = vec_jacobian(df, x) if df is not None else \
            zeros(Type(Kind.MATRIX, _length(tf), _length(tx)))
    return _layout(Derivative(_finish(expr), f_axes + x_axes, vec_form, f_axes, x_axes), layout)


def _finish(expr: Node) -> Node:
    from .simplify import simplify
    return simplify(rebuild(expr))


def _layout(d: Derivative, layout: str) -> Derivative:
    if layout == "numerator":
        return d
    if layout != "denominator":
        raise UsageError(f"unknown layout {layout!r}; use numerator or denominator")
    return Derivative(_finish(transpose(d.expr)), d.x_axes + d.f_axes, d.vec_form, d.f_axes, d.x_axes)


def derive_hessian(f: Node, x: Var, layout: str = "numerator") -> Derivative:
    """∂²f/∂x²: the Jacobian of the gradient (symmetric, so the layout does not change it)."""
    tf, tx = type_of(f), type_of(x)
    if tf.kind is not Kind.SCALAR:
        raise UnsupportedError("mcalc computes Hessians of scalar functions only",
                               hint="for a vector function, differentiate each component")
    x_axes = _axes(tx)
    df = differential(f, x)
    if tx.kind is Kind.SCALAR:
        first = by_scalar(df) if df is not None else zeros(tf)
        d2 = differential(first, x)
        expr = by_scalar(d2) if d2 is not None else zeros(tf)
        return Derivative(_finish(expr), (), False, (), ())
    gradient = rebuild(pullback(df, x)) if df is not None else zeros(tx)
    d2 = differential(gradient, x)
    n = _length(tx)
    expr = vec_jacobian(d2, x) if d2 is not None else zeros(Type(Kind.MATRIX, n, n))
    return Derivative(_finish(expr), x_axes + x_axes, len(x_axes) > 1, x_axes, x_axes)


def derive_stacked(f: Node, xs: list[Var], layout: str = "numerator", hessian: bool = False) -> Derivative:
    """∂f/∂(x, y, …) for scalars stacked into one vector of variables (Parr §4's 2×2 Jacobian)."""
    from .algebra import ZERO
    tf = type_of(f)
    if hessian:
        if tf.kind is not Kind.SCALAR:
            raise UnsupportedError("mcalc computes Hessians of scalar functions only")
        first = [differential(f, x) for x in xs]
        gradient = VectorLit(tuple(rebuild(by_scalar(d)) if d is not None else ZERO for d in first))
        return derive_stacked(gradient, xs, layout)
    if tf.kind not in (Kind.SCALAR, Kind.VECTOR):
        raise UnsupportedError("stacked variables (--wrt x,y) need a scalar or vector function")
    columns = []
    for x in xs:
        df = differential(f, x)
        columns.append(rebuild(by_scalar(df)) if df is not None else zeros(tf))
    expr = _stack_columns(columns, tf)
    k = len(xs)
    f_axes = _axes(tf)
    d = Derivative(_finish(expr), f_axes + (k,) if f_axes else (1, k), False, f_axes, (k,))
    return _layout(d, layout)


def _stack_columns(columns: list[Node], tf: Type) -> Node:
    from .algebra import ZERO
    k = len(columns)
    if tf.kind is Kind.SCALAR:
        return MatrixLit((tuple(columns),))
    if all(isinstance(c, VectorLit) for c in columns):
        m = len(columns[0].items)
        return MatrixLit(tuple(tuple(c.items[i] for c in columns) for i in range(m)))
    out = total(mul(c, transpose(basis(j, k))) for j, c in enumerate(columns))
    return out if out is not None else zeros(Type(Kind.MATRIX, tf.rows, k))
