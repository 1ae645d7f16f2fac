"""Operator precedence for printing, highest binds tightest, and the one bracket helper."""
from __future__ import annotations

import enum
from fractions import Fraction
from typing import Callable

from ..nodes import BinOp, Binary, Let, Node, Number, Unary, UnOp


class Prec(enum.IntEnum):
    LET = 0
    SUM = 1
    PRODUCT = 2
    UNARY = 3
    POWER = 4
    POSTFIX = 5
    ATOM = 6


PRECEDENCE = {
    BinOp.ADD: Prec.SUM, BinOp.SUB: Prec.SUM,
    BinOp.PRODUCT: Prec.PRODUCT, BinOp.MATMUL: Prec.PRODUCT, BinOp.SCALE: Prec.PRODUCT,
    BinOp.DOT: Prec.PRODUCT, BinOp.HADAMARD: Prec.PRODUCT, BinOp.DIVIDE: Prec.PRODUCT,
    BinOp.DIV: Prec.PRODUCT, BinOp.HDIV: Prec.PRODUCT, BinOp.KRON: Prec.PRODUCT,
    BinOp.POWER: Prec.POWER, BinOp.EPOWER: Prec.POWER, BinOp.MATPOW: Prec.POWER,
    UnOp.NEG: Prec.UNARY, UnOp.TRANSPOSE: Prec.POSTFIX, UnOp.INVERSE: Prec.POSTFIX,
}


def precedence(node: Node) -> Prec:
    match node:
        case Binary(op):
            return PRECEDENCE[op]
        case Unary(UnOp.NEG, x) if negated_level(x) == Prec.PRODUCT:
            return Prec.PRODUCT          # printed −ab without brackets: binds like a product
        case Unary(op):
            return PRECEDENCE[op]
        case Number(value) if value < 0:
            return Prec.UNARY
        case Number(value) if value.denominator != 1 and not is_decimal(value):
            return Prec.PRODUCT
        case Let():
            return Prec.LET
    return Prec.ATOM


def parenthesize(node: Node, at_least: Prec, show: Callable[[Node], str],
                 left: str = "(", right: str = ")") -> str:
    """`show(node)`, bracketed when it binds less tightly than `at_least`."""
    text = show(node)
    return f"{left}{text}{right}" if precedence(node) < at_least else text


def is_decimal(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def number_text(value: Fraction, minus: str = "-") -> str:
    """Exact: integers, finite decimals, else p/q."""
    if value < 0:
        return minus + number_text(-value)
    if value.denominator == 1:
        return str(value.numerator)
    if is_decimal(value):
        sign = "-" if value < 0 else ""
        v = abs(value)
        whole, frac = divmod(v.numerator, v.denominator)
        digits = ""
        while frac:
            frac *= 10
            d, frac = divmod(frac, v.denominator)
            digits += str(d)
        return f"{sign}{whole}.{digits}"
    return f"{value.numerator}/{value.denominator}"


_JUXTAPOSITION = {BinOp.PRODUCT, BinOp.MATMUL, BinOp.SCALE}


def product_operand_level(op: BinOp, left: Node, level: Prec) -> Prec:
    """The level a product's left operand needs: a different product operator is bracketed
    (`(A ⊗ B)(C ⊗ D)`, `(a ⊙ b)·c`) although left-associativity would make it optional;
    `2x/y` needs none."""
    if isinstance(left, Binary) and precedence(left) == Prec.PRODUCT and level == Prec.PRODUCT:
        same = left.op == op or (left.op in _JUXTAPOSITION and op in _JUXTAPOSITION) \
            or (op is BinOp.DIV and left.op in (BinOp.MATMUL, BinOp.SCALE))
        if not same:
            return Prec(level + 1)
    return level


# Core products: the matrix product and scaling are associative, so a(bc) prints as abc and
# reads back with the same value. (Input `PRODUCT` nodes keep their brackets for the round trip.)
_ASSOCIATIVE = {BinOp.MATMUL, BinOp.SCALE}
# Every product is linear in its first factor, so −(ab) prints as −ab. Only core products:
# an input −(a ⊙ b) keeps its brackets so that it reads back as the same tree.
_LINEAR_FIRST = {BinOp.MATMUL, BinOp.SCALE, BinOp.DIV}


def right_factor_level(right: Node) -> Prec:
    if isinstance(right, Binary) and right.op in _ASSOCIATIVE:
        return Prec.PRODUCT
    return Prec(Prec.PRODUCT + 1)


def negated_level(x: Node) -> Prec:
    if isinstance(x, Number):
        return Prec.POWER
    if isinstance(x, Binary) and x.op in _LINEAR_FIRST:
        return Prec.PRODUCT
    return Prec.UNARY


def ends_with_call(e: Node) -> bool:
    """Whether a product's text ends with a function call: `step(z) 𝐱ᵀ` gets a space."""
    from ..nodes import Call
    while isinstance(e, Binary) and e.op in (_JUXTAPOSITION | {BinOp.PRODUCT}):
        e = e.right
    return isinstance(e, Call) and e.fn not in ("norm", "norm1", "inv")


def starts_with_call(text: str) -> bool:
    import re
    return re.match(r"^(\w{2,}|σ)\(", text) is not None


# Operators with scalar expansion: an expanded scalar (s𝟏, 𝟏, 𝟎) prints as the scalar.
EXPANDING = {BinOp.ADD, BinOp.SUB, BinOp.HADAMARD, BinOp.HDIV}


def implicit_scalar(e: Node, other: Node) -> Node:
    """`s𝟏` → `s` and `𝟏` → `1` beside a non-scalar operand (scalar expansion reads it back)."""
    from ..nodes import Kind, Ones, Unary, UnOp, Zeros
    from fractions import Fraction
    try:
        from ..shapes import type_of
        if type_of(other).kind is Kind.SCALAR or _is_expanded(other) is not None:
            return e
    except (TypeError, KeyError, AttributeError, ValueError):
        return e
    inner = _is_expanded(e)
    return inner if inner is not None else e


def _is_expanded(e: Node):
    """The scalar (or row) that `e` expands, or None: s𝟏 → s, 𝟏 → 1, 𝟎 → 0, 𝟏𝐛ᵀ → 𝐛ᵀ."""
    from ..nodes import Ones, Unary, UnOp, Zeros
    from fractions import Fraction
    # Only core trees (sized constants): an input 𝟏 or 𝟎 prints as written.
    match e:
        case Ones(shape) | Unary(UnOp.TRANSPOSE, Ones(shape)) if shape is not None:
            return Number(Fraction(1))
        case Binary(BinOp.MATMUL, Ones(shape), Unary(UnOp.TRANSPOSE, Ones())) if shape is not None:
            return Number(Fraction(1))
        case Zeros(shape) if shape is not None:
            return Number(Fraction(0))
        case Binary(BinOp.SCALE, s, rest) if _is_expanded(rest) == Number(Fraction(1)):
            return s
        case Binary(BinOp.MATMUL, Ones(shape), Unary(UnOp.TRANSPOSE, v)) if shape is not None:
            return v                                      # a row added to every row
    return None


def unfold_lets(e: Node):
    """Let(u₁, v₁, Let(u₂, v₂, body)) → (body, [(u₁, v₁), (u₂, v₂)])."""
    definitions = []
    while isinstance(e, Let):
        definitions.append((e.var, e.value))
        e = e.body
    return e, definitions
