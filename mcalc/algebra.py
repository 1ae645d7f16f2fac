"""Smart constructors for core trees: each builds one node and applies the cheap identities
(zero and one elements, double transposes, constant folding) on the spot.

The derivative engine builds every expression through these, so results never carry `+ 0`,
`1·`, `I·` or `(xᵀ)ᵀ`; the deeper rewrites live in simplify.py. `None` stands for an
exact zero whose shape the caller knows.
"""
from __future__ import annotations

from fractions import Fraction

from .nodes import (BinOp, Binary, Call, Dim, Identity, Kind, Node, Number, Ones, Size, UnOp, Unary,
                    VectorLit, Zeros, memoized_by_identity)
from .shapes import Type, dim_mul, type_of

ONE = Number(Fraction(1))
ZERO = Number(Fraction(0))


def num(value) -> Number:
    return Number(Fraction(value))


def same(a: Node, b: Node) -> bool:
    """Structural equality, rejecting most unequal pairs by their (cached) hashes first."""
    return a is b or (hash(a) == hash(b) and a == b)


def is_zero(e: Node | None) -> bool:
    return e is None or isinstance(e, Zeros) or (isinstance(e, Number) and e.value == 0)


def is_one(e: Node) -> bool:
    return isinstance(e, Number) and e.value == 1


def zeros(t: Type) -> Node:
    return ZERO if t.kind is Kind.SCALAR else Zeros((t.rows, t.cols))


def zeros_like(e: Node) -> Node:
    return zeros(type_of(e))


def ones_like(t: Type) -> Node:
    """𝟏, 𝟏ᵀ or 𝟏𝟏ᵀ with the shape of `t` (1 for a scalar)."""
    if t.kind is Kind.SCALAR:
        return ONE
    if t.kind is Kind.VECTOR:
        return Ones((t.rows, 1))
    if t.kind is Kind.ROW:
        return transpose(Ones((t.cols, 1)))
    return Binary(BinOp.MATMUL, Ones((t.rows, 1)), transpose(Ones((t.cols, 1))))


def full_like(value: Node, t: Type) -> Node:
    """`value` (a scalar) expanded to the shape of `t`."""
    return scale(value, ones_like(t))


def neg(a: Node | None) -> Node | None:
    if a is None:
        return None
    match a:
        case Number(v):
            return Number(-v)
        case Zeros():
            return a
        case Unary(UnOp.NEG, x):
            return x
        case Binary(BinOp.SCALE, Number(v), x):
            return scale(Number(-v), x)
    return Unary(UnOp.NEG, a)


def add(a: Node | None, b: Node | None) -> Node | None:
    if is_zero(a):
        return b if not (a is not None and b is None) else a
    if is_zero(b):
        return a
    if isinstance(a, Number) and isinstance(b, Number):
        return Number(a.value + b.value)
    if isinstance(b, Unary) and b.op is UnOp.NEG:
        return sub(a, b.operand)
    if isinstance(b, Number) and b.value < 0:
        return sub(a, Number(-b.value))
    if isinstance(a, Unary) and a.op is UnOp.NEG and not (isinstance(b, Unary) and b.op is UnOp.NEG):
        return sub(b, a.operand)
    return Binary(BinOp.ADD, a, b)


def sub(a: Node | None, b: Node | None) -> Node | None:
    if is_zero(b):
        return a
    if is_zero(a):
        return neg(b)
    if isinstance(a, Number) and isinstance(b, Number):
        return Number(a.value - b.value)
    if isinstance(b, Unary) and b.op is UnOp.NEG:
        return add(a, b.operand)
    if same(a, b):
        return zeros_like(a)
    return Binary(BinOp.SUB, a, b)


def total(terms) -> Node | None:
    out = None
    for t in terms:
        out = add(out, t)
    return out


def scale(s: Node, x: Node) -> Node:
    """s·x for a scalar s."""
    if is_zero(s) or is_zero(x):
        return zeros_like(x)
    if is_one(s):
        return x
    if isinstance(s, Number) and s.value == -1:
        return neg(x)
    if isinstance(x, Number) and isinstance(s, Number):
        return Number(s.value * x.value)
    if type_of(x).kind is Kind.SCALAR and isinstance(x, Number) and not isinstance(s, Number):
        s, x = x, s
        if is_one(s):
            return x
    match (s, x):
        case (Unary(UnOp.NEG, s1), _):
            return neg(scale(s1, x))
        case (_, Unary(UnOp.NEG, x1)):
            return neg(scale(s, x1))
        case (Number(), Binary(BinOp.SCALE, Number(v), x1)):
            return scale(Number(s.value * v), x1)
        case (_, Binary(BinOp.SCALE, Number() as c, x1)):   # numbers first: s(cx) → c(sx)
            return scale(c, scale(s, x1))
    return Binary(BinOp.SCALE, s, x)


def mul(a: Node, b: Node) -> Node:
    """The product by kinds: a scaling if either side is a scalar, else the matrix product."""
    ta, tb = type_of(a), type_of(b)
    if ta.kind is Kind.SCALAR:
        return scale(a, b)
    if tb.kind is Kind.SCALAR:
        return scale(b, a)
    if is_zero(a) or is_zero(b):
        return zeros(type_of(Binary(BinOp.MATMUL, a, b)))
    if isinstance(a, Identity):
        return b
    if isinstance(b, Identity):
        return a
    match (a, b):
        case (Binary(BinOp.KRON, a1, a2), Binary(BinOp.KRON, b1, b2)) \
                if type_of(a1).cols == type_of(b1).rows and type_of(a2).cols == type_of(b2).rows:
            return kron(mul(a1, b1), mul(a2, b2))      # (A ⊗ B)(C ⊗ D) = AC ⊗ BD
        case (Unary(UnOp.NEG, a1), _):
            return neg(mul(a1, b))
        case (_, Unary(UnOp.NEG, b1)):
            return neg(mul(a, b1))
        case (Binary(BinOp.SCALE, s, a1), _):
            return scale(s, mul(a1, b))
        case (_, Binary(BinOp.SCALE, s, b1)):
            return scale(s, mul(a, b1))
    return Binary(BinOp.MATMUL, a, b)


# Memoized: pushing ᵀ into A⁻¹⁻¹…⁻¹ rebuilds the chain, and a derivative holds every prefix of
# it; shared, the transposed prefixes stay linear in number instead of quadratic.
@memoized_by_identity(100_000)
def transpose(a: Node) -> Node:
    t = type_of(a)
    if t.kind is Kind.SCALAR:
        return a
    match a:
        case Unary(UnOp.TRANSPOSE, x):
            return x
        case Identity():
            return a
        case Zeros((r, c)):
            return Zeros((c, r))
        case Unary(UnOp.NEG, x):
            return neg(transpose(x))
        case Binary(BinOp.SCALE, s, x):
            return scale(s, transpose(x))
        case Binary(BinOp.MATMUL, x, y):               # (AB)ᵀ = BᵀAᵀ
            return mul(transpose(y), transpose(x))
        case Binary(BinOp.DIV, x, s):
            return div(transpose(x), s)
        case Binary(BinOp.KRON, x, y):                 # (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ
            return kron(transpose(x), transpose(y))
        case Unary(UnOp.INVERSE, x):
            return Unary(UnOp.INVERSE, transpose(x))
    return Unary(UnOp.TRANSPOSE, a)


def dot(a: Node, b: Node) -> Node:
    """a·b for column vectors."""
    if is_zero(a) or is_zero(b):
        return ZERO
    match (a, b):
        case (Binary(BinOp.SCALE, s, a1), _):
            return scale(s, dot(a1, b))
        case (_, Binary(BinOp.SCALE, s, b1)):
            return scale(s, dot(a, b1))
        case (Unary(UnOp.NEG, a1), _):
            return neg(dot(a1, b))
        case (_, Unary(UnOp.NEG, b1)):
            return neg(dot(a, b1))
    return Binary(BinOp.DOT, a, b)


def inner(a: Node, b: Node) -> Node:
    """The Frobenius inner product ⟨a, b⟩ of equal shapes: a·b, aᵀb, tr(aᵀb) as fits."""
    t = type_of(a)
    if t.kind is Kind.SCALAR:
        return scale(a, b)
    if t.kind is Kind.VECTOR:
        return dot(a, b)
    if t.kind is Kind.ROW:
        return dot(transpose(a), transpose(b))
    return call("sum", hadamard(a, b))


def hadamard(a: Node, b: Node) -> Node:
    ta = type_of(a)
    if ta.kind is Kind.SCALAR:
        return scale(a, b)
    if type_of(b).kind is Kind.SCALAR:
        return scale(b, a)
    if is_zero(a) or is_zero(b):
        return zeros(ta)
    if same(a, b):
        return power(a, num(2))
    if isinstance(a, Ones) or _is_ones_like(a):
        return b
    if isinstance(b, Ones) or _is_ones_like(b):
        return a
    match (a, b):
        case (Binary(BinOp.SCALE, s, a1), _):
            return scale(s, hadamard(a1, b))
        case (_, Binary(BinOp.SCALE, s, b1)):
            return scale(s, hadamard(a, b1))
        case (Unary(UnOp.NEG, a1), _):
            return neg(hadamard(a1, b))
        case (_, Unary(UnOp.NEG, b1)):
            return neg(hadamard(a, b1))
    return Binary(BinOp.HADAMARD, a, b)


def _is_ones_like(e: Node) -> bool:
    match e:
        case Unary(UnOp.TRANSPOSE, Ones()):
            return True
        case Binary(BinOp.MATMUL, Ones(), Unary(UnOp.TRANSPOSE, Ones())):
            return True
    return False


def div(a: Node, s: Node) -> Node:
    """a / s for a scalar s."""
    if is_one(s):
        return a
    if is_zero(a):
        return a if a is not None else ZERO
    if isinstance(a, Number) and isinstance(s, Number) and s.value != 0:
        return Number(a.value / s.value)
    if isinstance(s, Number) and s.value != 0 and type_of(a).kind is not Kind.SCALAR:
        return scale(Number(1 / s.value), a)
    match a:
        case Unary(UnOp.NEG, a1):
            return neg(div(a1, s))
    return Binary(BinOp.DIV, a, s)


def hdiv(a: Node, b: Node) -> Node:
    """a ⊘ b, element-wise; a scalar b divides."""
    if type_of(b).kind is Kind.SCALAR:
        return div(a, b)
    if type_of(a).kind is Kind.SCALAR:
        a = full_like(a, type_of(b))
    if is_zero(a):
        return a
    match a:
        case Unary(UnOp.NEG, a1):
            return neg(hdiv(a1, b))
        case Binary(BinOp.SCALE, s, a1):
            return scale(s, hdiv(a1, b))
    return Binary(BinOp.HDIV, a, b)


MAX_FOLD_BITS = 4096   # a number's power is folded only while it stays this small (10^(10^100))


def fraction_power(base: Fraction, p: Fraction) -> Fraction | None:
    """base^p for an integer p when the result has at most MAX_FOLD_BITS bits, else None."""
    if p.denominator != 1:
        return None
    size = max(abs(base.numerator).bit_length(), base.denominator.bit_length(), 1)
    if abs(base) != 1 and base != 0 and size * abs(p) > MAX_FOLD_BITS:
        return None
    return base ** int(p)


def power(a: Node, p: Node) -> Node:
    if isinstance(p, Number):
        if p.value == 1:
            return a
        if p.value == 0:
            return full_like(ONE, type_of(a))
        if isinstance(a, Number) and (a.value != 0 or p.value > 0) and \
                (folded := fraction_power(a.value, p.value)) is not None:
            return Number(folded)
    match a:
        case Binary(BinOp.POWER, base, Number(q)) if isinstance(p, Number) and p.value.denominator == 1:
            return power(base, Number(q * p.value))     # (xᵠ)ᵏ = xᵠᵏ for an integer k only
    return Binary(BinOp.POWER, a, p)


def kron(a: Node, b: Node) -> Node:
    ta, tb = type_of(a), type_of(b)
    if ta.kind is Kind.SCALAR:
        return scale(a, b)
    if tb.kind is Kind.SCALAR:
        return scale(b, a)
    if is_zero(a) or is_zero(b):
        return Zeros((dim_mul(ta.rows, tb.rows), dim_mul(ta.cols, tb.cols)))
    if isinstance(a, Identity) and isinstance(b, Identity):
        return Identity(dim_mul(a.size, b.size))
    if isinstance(a, Identity) and a.size == 1:
        return b
    if isinstance(b, Identity) and b.size == 1:
        return a
    # A column ⊗ a row is their outer product; a row ⊗ a column the outer product reversed.
    if ta.kind is Kind.VECTOR and tb.kind is Kind.ROW or ta.kind is Kind.ROW and tb.kind is Kind.VECTOR:
        return mul(b, a) if ta.kind is Kind.ROW else mul(a, b)
    match (a, b):
        case (Binary(BinOp.SCALE, s, a1), _):
            return scale(s, kron(a1, b))
        case (_, Binary(BinOp.SCALE, s, b1)):
            return scale(s, kron(a, b1))
    return Binary(BinOp.KRON, a, b)


def call(fn: str, *args: Node) -> Node:
    match (fn, args):
        case ("sum", (Zeros(),)) | ("tr", (Zeros(),)):
            return ZERO
        case ("sum", (x,)) if type_of(x).kind is Kind.SCALAR:
            return x
        case ("sum", (Binary(BinOp.SCALE, s, x),)):
            return scale(s, call("sum", x))
        case ("sum", (Unary(UnOp.NEG, x),)):
            return neg(call("sum", x))
        case ("tr", (Identity(n),)):
            return Size(n, Ones((n, 1)))
        case ("tr", (Binary(BinOp.SCALE, s, x),)):
            return scale(s, call("tr", x))
        case ("tr", (Unary(UnOp.NEG, x),)):
            return neg(call("tr", x))
        case ("tr", (x,)) if type_of(x).kind is Kind.SCALAR:
            return x
        case ("diag", (Ones((n, _)),)):
            return Identity(n)
        case ("diag", (Zeros((n, c)),)):
            return Zeros((n, n)) if c == 1 else Zeros((n, 1))
        case ("diag", (Binary(BinOp.MATMUL, u, Unary(UnOp.TRANSPOSE, v)),)) \
                if type_of(u).kind is Kind.VECTOR and type_of(v).kind is Kind.VECTOR:
            return hadamard(u, v)                      # diag(𝐮𝐯ᵀ) = 𝐮 ⊙ 𝐯
        case ("diag", (Unary(UnOp.NEG, x),)):
            return neg(call("diag", x))
        case ("diag", (Binary(BinOp.SCALE, s, x),)):
            return scale(s, call("diag", x))
        case ("vec", (x,)) if type_of(x).kind in (Kind.VECTOR, Kind.SCALAR):
            return x
        case ("vec", (x,)) if type_of(x).kind is Kind.ROW:
            return transpose(x)
        case ("vec", (Zeros((r, c)),)):
            return Zeros((dim_mul(r, c), 1))
    return Call(fn, tuple(args))


def basis(i: int, n: int) -> Node:
    """The i-th unit column of length n, as a literal."""
    return VectorLit(tuple(ONE if k == i else ZERO for k in range(n)))


def size_of(e: Node) -> Node:
    """The number of entries of e, as a scalar expression."""
    t = type_of(e)
    return Size(dim_mul(t.rows, t.cols), e)


_REBUILD_BINARY = {
    BinOp.ADD: add, BinOp.SUB: sub, BinOp.MATMUL: mul, BinOp.SCALE: scale, BinOp.DOT: dot,
    BinOp.HADAMARD: hadamard, BinOp.DIV: div, BinOp.HDIV: hdiv, BinOp.POWER: power, BinOp.KRON: kron,
}


def rebuild(e: Node, leaf=lambda n: n, memo: dict | None = None) -> Node:
    """Rebuild `e` bottom-up through the smart constructors, mapping leaves with `leaf`.

    With the identity `leaf` this is the cheap simplification pass; with a substitution it
    replaces leaves (e.g. dx := 1) and simplifies in the same walk.
    """
    from .nodes import children
    memo = {} if memo is None else memo
    hit = memo.get(id(e))                      # by identity; the node is kept alive in the value
    if hit is not None and hit[0] is e:
        return hit[1]
    kids = children(e)
    out = leaf(e) if not kids else rebuild_top(e, tuple(rebuild(c, leaf, memo) for c in kids))
    memo[id(e)] = (e, out)
    return out


def rebuild_top(e: Node, new: tuple) -> Node:
    """`e` with children `new`, through the smart constructor of its operator."""
    from .nodes import with_children
    match e:
        case Binary(op) if op in _REBUILD_BINARY:
            return _REBUILD_BINARY[op](*new)
        case Unary(UnOp.NEG):
            return neg(new[0])
        case Unary(UnOp.TRANSPOSE):
            return transpose(new[0])
        case Call(fn):
            return call(fn, *new)
    return with_children(e, new)
