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


def number_text(value: Fraction) -> str:
    """Exact: integers, finite decimals, else p/q."""
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
    (`(A ⊗ B)(C ⊗ D)`, `(a ⊙ b)·c`) although left-associativity would make it optional."""
    if isinstance(left, Binary) and precedence(left) == Prec.PRODUCT and level == Prec.PRODUCT:
        same = left.op == op or (left.op in _JUXTAPOSITION and op in _JUXTAPOSITION)
        if not same:
            return Prec(level + 1)
    return level
