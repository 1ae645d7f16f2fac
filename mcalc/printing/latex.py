"""LaTeX for documents: `\\mathbf` for vectors and matrices, `^\\top`, `\\odot`, `\\operatorname`.

Only what mcalc generates reaches the output: names are validated letters, numbers digits.
"""
from __future__ import annotations

from ..nodes import (BinOp, Binary, Call, Differential, Identity, Kind, Let, MatrixLit, Node, Number,
                     Ones, Pi, Size, Commutation, UnOp, Unary, Var, VectorLit, Zeros)
from .precedence import (EXPANDING, Prec, implicit_scalar, is_decimal, negated_level, number_text,
                         parenthesize, precedence, product_operand_level, right_factor_level)
from .text import is_matrix, split_name

_GREEK = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "ο": "o", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "χ": r"\chi", "ψ": r"\psi",
    "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi",
    "Π": r"\Pi", "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    "ϵ": r"\epsilon", "ϕ": r"\phi",
}
_FUNCTIONS = {
    "exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
    "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "arcsin": r"\arcsin",
    "arccos": r"\arccos", "arctan": r"\arctan", "sigmoid": r"\sigma", "det": r"\det",
    "max": r"\max", "min": r"\min",
}
_OPS = {BinOp.ADD: " + ", BinOp.SUB: " - ", BinOp.DOT: r" \cdot ", BinOp.HADAMARD: r" \odot ",
        BinOp.HDIV: r" \oslash ", BinOp.KRON: r" \otimes ", BinOp.DIVIDE: " / "}


def latex_name(name: str, kind: Kind | None) -> str:
    head, sub = split_name(name)
    symbol = _GREEK.get(head, head)
    if kind in (Kind.VECTOR, Kind.ROW, Kind.MATRIX):
        symbol = rf"\boldsymbol{{{symbol}}}" if head in _GREEK else rf"\mathbf{{{symbol}}}"
    if sub:
        sub = rf"\mathrm{{{sub}}}" if len(sub) > 1 and sub.isalpha() else sub
        symbol += f"_{{{sub}}}"
    return symbol


def _fn(fn: str) -> str:
    return _FUNCTIONS.get(fn, rf"\operatorname{{{fn}}}")


def to_latex(e: Node) -> str:
    match e:
        case Number(value) if value.denominator != 1 and not is_decimal(value):
            sign = "-" if value < 0 else ""
            return rf"{sign}\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"
        case Number(value):
            return number_text(value)
        case Pi():
            return r"\pi"
        case Var(name, kind):
            return latex_name(name, kind)
        case Differential(var):
            return r"\mathrm{d}" + to_latex(var)
        case Ones():
            return r"\mathbf{1}"
        case Zeros():
            return r"\mathbf{0}"
        case Identity():
            return r"\mathbf{I}"
        case Unary(UnOp.NEG, x):
            return "-" + parenthesize(x, negated_level(x), to_latex, r"\left(", r"\right)")
        case Unary(UnOp.TRANSPOSE, x):
            return "{" + parenthesize(x, Prec.ATOM, to_latex, r"\left(", r"\right)") + r"}^\top"
        case Unary(UnOp.INVERSE, x):
            return "{" + parenthesize(x, Prec.ATOM, to_latex, r"\left(", r"\right)") + "}^{-1}"
        case Binary(BinOp.POWER | BinOp.EPOWER | BinOp.MATPOW as op, base, exponent):
            b = parenthesize(base, Prec.ATOM, to_latex, r"\left(", r"\right)")
            circ = r"\circ " if op is BinOp.EPOWER or (op is BinOp.POWER and is_matrix(base)) else ""
            return "{" + b + "}^{" + circ + to_latex(exponent) + "}"
        case Binary(BinOp.DIV | BinOp.DIVIDE, a, b):
            return rf"\frac{{{to_latex(a)}}}{{{to_latex(b)}}}"
        case Binary(BinOp.PRODUCT | BinOp.MATMUL | BinOp.SCALE, a, b):
            left = parenthesize(a, product_operand_level(BinOp.MATMUL, a, Prec.PRODUCT), to_latex,
                                r"\left(", r"\right)")
            right = parenthesize(b, right_factor_level(b), to_latex, r"\left(", r"\right)")
            if right.startswith("-"):       # `A -B` would read as a difference (A7): A(−B)
                right = r"\left(" + right + r"\right)"
            sep = r" \cdot " if (left[-1].isdigit() and right[0].isdigit()) else " "
            return left + sep + right
        case Binary(op, a, b):
            if op in EXPANDING:
                a, b = implicit_scalar(a, b), implicit_scalar(b, a)
            level = precedence(e)
            return (parenthesize(a, product_operand_level(op, a, level), to_latex, r"\left(", r"\right)") + _OPS[op]
                    + parenthesize(b, level + 1, to_latex, r"\left(", r"\right)"))
        case Call("norm", (x,)):
            return rf"\left\lVert {to_latex(x)} \right\rVert"
        case Call("norm1", (x,)):
            return rf"\left\lVert {to_latex(x)} \right\rVert_1"
        case Call("abs", (x,)):
            return rf"\left\lvert {to_latex(x)} \right\rvert"
        case Call("inv", (x,)):
            return "{" + parenthesize(x, Prec.ATOM, to_latex, r"\left(", r"\right)") + "}^{-1}"
        case Call("max" | "min" as fn, (a, b)):
            a, b = implicit_scalar(a, b), implicit_scalar(b, a)
            return _fn(fn) + r"\left(" + to_latex(a) + ", " + to_latex(b) + r"\right)"
        case Call("sqrt", (x,)):
            return rf"\sqrt{{{to_latex(x)}}}"
        case Call(fn, args):
            return _fn(fn) + r"\left(" + ", ".join(to_latex(a) for a in args) + r"\right)"
        case VectorLit(items):
            return r"\begin{bmatrix} " + r" \\ ".join(to_latex(i) for i in items) + r" \end{bmatrix}"
        case MatrixLit(rows):
            return (r"\begin{bmatrix} " + r" \\ ".join(" & ".join(to_latex(i) for i in r) for r in rows)
                    + r" \end{bmatrix}")
        case Commutation(r, c):
            return rf"\mathbf{{K}}_{{{r},{c}}}".replace("·", " ")
        case Size(dim):
            return str(dim).replace("·", " ")
        case Let(name, value, body):
            return rf"{to_latex(body)} \quad \text{{where }} {name} = {to_latex(value)}"
    raise TypeError(f"no LaTeX rule for {type(e).__name__}")
