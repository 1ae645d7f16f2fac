"""Unicode text (`𝐱ᵀ(A + Aᵀ)`) and ASCII in mcalc's own notation (`**x**^T (A + A^T)`).

The ASCII form parses back to the same expression (given the same declarations): vectors get
`**…**`, Greek letters their names, and every operator its input spelling.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..nodes import (BinOp, Binary, Call, Differential, Identity, Kind, Let, MatrixLit, Node, Number,
                     Ones, Pi, Size, Commutation, UnOp, Unary, Var, VectorLit, Zeros)
from .precedence import (EXPANDING as _EXPANDING, Prec, ends_with_call, implicit_scalar, is_decimal,
                         negated_level, number_text, parenthesize, precedence, product_operand_level,
                         right_factor_level, starts_with_call, unfold_lets)

_GREEK_NAMES = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ϑ": "vartheta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi",
    "Ω": "Omega", "ϵ": "epsilon", "ϕ": "phi",
}
_SUB = dict(zip("0123456789aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
_TEXT_FUNCTION_NAMES = {"sigmoid": "σ"}
_TEXT_OPS = {BinOp.ADD: " + ", BinOp.SUB: " − ", BinOp.DOT: "·", BinOp.HADAMARD: " ⊙ ",
             BinOp.DIV: "/", BinOp.DIVIDE: "/", BinOp.HDIV: " ⊘ ", BinOp.KRON: " ⊗ "}
_ASCII_OPS = {BinOp.ADD: " + ", BinOp.SUB: " - ", BinOp.HADAMARD: " .* ", BinOp.DIV: " / ",
              BinOp.DIVIDE: " / ", BinOp.HDIV: " ./ "}
_JUXTAPOSED = (BinOp.PRODUCT, BinOp.MATMUL, BinOp.SCALE)


def bold(ch: str) -> str:
    if "a" <= ch <= "z":
        return chr(0x1D41A + ord(ch) - ord("a"))
    if "A" <= ch <= "Z":
        return chr(0x1D400 + ord(ch) - ord("A"))
    if "α" <= ch <= "ω":
        return chr(0x1D6C2 + ord(ch) - ord("α"))
    return ch


def split_name(name: str) -> tuple[str, str]:
    head, _, sub = name.partition("_")
    return head, sub


def text_name(name: str, kind: Kind | None) -> str:
    head, sub = split_name(name)
    if kind in (Kind.VECTOR, Kind.ROW) or (kind is Kind.MATRIX and not head.isupper()):
        head = bold(head)
    if not sub:
        return head
    if all(c in _SUB for c in sub):
        return head + "".join(_SUB[c] for c in sub)
    return f"{head}_{sub}"


def ascii_name(name: str, kind: Kind | None) -> str:
    head, sub = split_name(name)
    # The kind a plain spelling gets (shapes.default_kind): uppercase Latin is a matrix, every
    # other letter — Greek capitals included (`Sigma` is Σ, a scalar) — a scalar.
    plain_matrix = head[0].isascii() and head[0].isupper()
    head = _GREEK_NAMES.get(head, head)
    if sub:
        head += f"_{sub}" if len(sub) == 1 else f"_{{{sub}}}"
    if kind in (Kind.VECTOR, Kind.ROW) or (kind is Kind.MATRIX and not plain_matrix):
        return f"**{head}**"
    if kind is Kind.SCALAR and plain_matrix:
        return f"\\mathit{{{head}}}"
    return head


class _Printer:
    def __init__(self, ascii: bool):
        self.ascii = ascii
        self.memo: dict[int, tuple[Node, str]] = {}   # by identity, the node kept alive

    def show(self, e: Node) -> str:
        hit = self.memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        if len(self.memo) > 200_000:
            self.memo.clear()
        text = self._show(e)
        self.memo[id(e)] = (e, text)
        return text

    def _show(self, e: Node) -> str:
        match e:
            case Number(value):
                return _number(value)
            case Pi():
                return "pi" if self.ascii else "π"
            case Var(name, kind):
                return ascii_name(name, kind) if self.ascii else text_name(name, kind)
            case Differential(var):
                return "d" + self.show(var)
            case Ones():
                return "**1**" if self.ascii else "𝟏"
            case Zeros(shape):
                if not self.ascii:
                    return "𝟎"
                rows, cols = shape if shape else (None, 1)
                if rows == 1 and cols == 1:
                    return "0"
                if cols == 1:
                    return "**0**"
                return "**0**^T" if rows == 1 else "**0** **1**^T"   # a zero matrix as 𝟎𝟏ᵀ
            case Identity(size) if self.ascii and (isinstance(size, int) or
                                                   (isinstance(size, str) and size.isalpha() and len(size) == 1)):
                return f"I_{size}"
            case Identity():
                return "I"
            case Unary(UnOp.NEG, x):
                return ("-" if self.ascii else "−") + parenthesize(x, negated_level(x), self.show)
            case Unary(UnOp.TRANSPOSE, x):
                return parenthesize(x, Prec.ATOM, self.show) + ("^T" if self.ascii else "ᵀ")
            case Unary(UnOp.INVERSE, x):
                return parenthesize(x, Prec.ATOM, self.show) + ("^-1" if self.ascii else "⁻¹")
            case Binary(BinOp.POWER | BinOp.EPOWER | BinOp.MATPOW as op, base, exponent):
                return self.power(op, base, exponent)
            case Binary(op, a, b) if op in _JUXTAPOSED:
                return self.juxtapose(a, b)
            case Binary(BinOp.DOT, a, b) if self.ascii:
                return f"dot({self.show(a)}, {self.show(b)})"
            case Binary(BinOp.KRON, a, b) if self.ascii:
                return f"kron({self.show(a)}, {self.show(b)})"
            case Binary(op, a, b):
                if op in _EXPANDING:
                    a, b = implicit_scalar(a, b), implicit_scalar(b, a)
                symbol = (_ASCII_OPS if self.ascii else _TEXT_OPS)[op]
                level = precedence(e)
                return (parenthesize(a, product_operand_level(op, a, level), self.show) + symbol
                        + parenthesize(b, level + 1, self.show))
            case Call("norm", (x,)) if not self.ascii:
                return f"‖{self.show(x)}‖"
            case Call("norm1", (x,)) if not self.ascii:
                return f"‖{self.show(x)}‖₁"
            case Call("inv", (x,)) if not self.ascii:
                return parenthesize(x, Prec.ATOM, self.show) + "⁻¹"
            case Call("max" | "min" as fn, (a, b)):
                a, b = implicit_scalar(a, b), implicit_scalar(b, a)
                return f"{fn}({self.show(a)}, {self.show(b)})"
            case Call(fn, args):
                name = fn if self.ascii else _TEXT_FUNCTION_NAMES.get(fn, fn)
                return f"{name}({', '.join(self.show(a) for a in args)})"
            case VectorLit(items):
                return "[" + ", ".join(self.show(i) for i in items) + "]"
            case MatrixLit(rows):
                return "[" + ", ".join("[" + ", ".join(self.show(i) for i in r) + "]" for r in rows) + "]"
            case Commutation(r, c):
                return f"K_{{{r},{c}}}"
            case Size(dim, like):
                # A dimension as a number: its symbol in text; in ASCII an expression that
                # evaluates to it (the number of entries of `like`), so the result still parses.
                if self.ascii:
                    return f"sum({parenthesize(like, Prec.ATOM, self.show)}.^0)"
                return str(dim)
            case Let():
                body, definitions = unfold_lets(e)
                return (self.show(body) + "   where "
                        + ", ".join(f"{self.show(v)} = {self.show(x)}" for v, x in definitions))
        raise TypeError(f"no text rule for {type(e).__name__}")

    def power(self, op: BinOp, base: Node, exponent: Node) -> str:
        b = parenthesize(base, Prec.ATOM, self.show)
        elementwise = op is BinOp.EPOWER or (op is BinOp.POWER and is_matrix(base))
        whole = _integer(exponent)
        if not self.ascii and whole is not None and not elementwise:
            return b + "".join(_SUP[c] for c in str(whole))
        caret = ".^" if elementwise else "^"
        ex = self.show(exponent)
        if precedence(exponent) < Prec.ATOM or ex.startswith("-"):
            ex = f"({ex})" if self.ascii or precedence(exponent) < Prec.POWER else "{" + ex + "}"
        return f"{b}{caret}{ex}"

    def juxtapose(self, a: Node, b: Node) -> str:
        left = parenthesize(a, product_operand_level(BinOp.MATMUL, a, Prec.PRODUCT), self.show)
        right = parenthesize(b, right_factor_level(b), self.show)
        negative = right[0] in "-−"   # `a -b` would read as a − b (A7): bracket or use `*`
        if self.ascii:
            return f"{left} * {right}" if right.startswith("(") or negative else f"{left} {right}"
        if negative:
            return f"{left} ({right})"
        if ends_with_call(a) or starts_with_call(right) or (left[-1].isdigit() and right[0].isdigit()):
            return f"{left} {right}"
        return left + right


_LONGEST_PLAIN_NUMBER = 16


def _number(value: Fraction) -> str:
    """`number_text`, but 1e300 and 1e-300 in scientific notation: exact, readable, and short
    enough for the parser's digit limit (the `--ascii` form must parse again)."""
    text = number_text(value)
    if len(text) <= _LONGEST_PLAIN_NUMBER or not is_decimal(value) or value == 0:
        return text
    mantissa, exponent = abs(value), 0
    while mantissa.denominator != 1:
        mantissa, exponent = mantissa * 10, exponent - 1
    digits = mantissa.numerator
    while digits % 10 == 0:
        digits, exponent = digits // 10, exponent + 1
    sign = "-" if value < 0 else ""
    return f"{sign}{digits}e{exponent}" if exponent else text


def _integer(e: Node) -> int | None:
    match e:
        case Number(v) if v.denominator == 1:
            return int(v)
        case Unary(UnOp.NEG, Number(v)) if v.denominator == 1:
            return -int(v)
    return None


def is_matrix(e: Node) -> bool:
    """Whether `e` is a matrix, for the printers' choice of `^` or `.^`."""
    if isinstance(e, Var):
        return e.kind is Kind.MATRIX
    from ..shapes import type_of
    try:
        return type_of(e).kind is Kind.MATRIX
    except (TypeError, ValueError, AttributeError, KeyError):
        return False


_TEXT = _Printer(ascii=False)
_ASCII = _Printer(ascii=True)


def to_text(e: Node) -> str:
    return _TEXT.show(e)


def to_ascii(e: Node) -> str:
    return _ASCII.show(e)
