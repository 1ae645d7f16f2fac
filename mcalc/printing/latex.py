"""LaTeX for documents: `\\mathbf` for vectors and matrices, `^\\top`, `\\odot`, `\\operatorname`.

Only what mcalc generates reaches the output: names are validated letters, numbers digits.
"""
from __future__ import annotations

from ..nodes import (BinOp, Binary, Call, Differential, Identity, Kind, Let, MatrixLit, Node, Number,
                     Ones, Pi, Size, Commutation, UnOp, Unary, Var, VectorLit, Zeros)
from .precedence import (EXPANDING, Prec, implicit_scalar, is_decimal, negated_level, number_text,
                         precedence, product_operand_level, right_factor_level,
                         unfold_lets)
from .text import is_matrix, split_name

_GREEK = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "ο": "o", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "χ": r"\chi", "ψ": r"\psi",
    "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi",
    "Π": r"\Pi", "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    "ϵ": r"\epsilon", "ϕ": r"\phi", "ς": r"\varsigma",
    # Capitals that LaTeX writes as upright Latin letters (it has no \Alpha).
    "Α": r"\mathrm{A}", "Β": r"\mathrm{B}", "Ε": r"\mathrm{E}", "Ζ": r"\mathrm{Z}",
    "Η": r"\mathrm{H}", "Ι": r"\mathrm{I}", "Κ": r"\mathrm{K}", "Μ": r"\mathrm{M}",
    "Ν": r"\mathrm{N}", "Ο": r"\mathrm{O}", "Ρ": r"\mathrm{P}", "Τ": r"\mathrm{T}",
    "Χ": r"\mathrm{X}",
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
    """`\\mathbf{x}`, `\\boldsymbol{\\alpha}`, `W_{h}`, `b_{\\mathrm{out}}`: ASCII only."""
    head, sub = split_name(name)
    symbol = _letter(head)
    if kind in (Kind.VECTOR, Kind.ROW, Kind.MATRIX):
        symbol = rf"\boldsymbol{{{symbol}}}" if head in _GREEK else rf"\mathbf{{{symbol}}}"
    if sub:
        symbol += "_{" + _subscript(sub) + "}"
    return symbol


def _letter(head: str) -> str:
    if head in _GREEK:
        return _GREEK[head]
    if head.isascii() and head.isalpha():
        return head
    # Unreachable for names the grammar accepts; never let a stray character through.
    return r"\mathrm{" + "".join(c if c.isascii() and c.isalnum() else f"u{ord(c):04x}" for c in head) + "}"


def _subscript(sub: str) -> str:
    if sub.isdigit() or len(sub) == 1:
        return sub if sub.isascii() and sub.isalnum() else _letter(sub)
    return r"\mathrm{" + "".join(c for c in sub if c.isascii() and c.isalnum()) + "}"


def latex_dim(d) -> str:
    """A dimension: `n`, `3`, `n_{1}`; a product `n·m` (from kron, vec) as `nm`, `2 \\cdot n`."""
    if isinstance(d, int):
        return str(d)
    factors = [f.strip() for f in str(d).split("·")]
    out = latex_name(factors[0], Kind.SCALAR) if not factors[0].isdigit() else factors[0]
    for f in factors[1:]:
        if f.isdigit():
            out += r" \cdot " + f
        else:
            out += " " + latex_name(f, Kind.SCALAR)
    return out


def latex_matrix(rows: list[list[str]]) -> str:
    """A `bmatrix`; wider than amsmath's ten columns, an `array` in brackets (pdflatex and KaTeX)."""
    body = r" \\ ".join(" & ".join(r) for r in rows)
    width = max((len(r) for r in rows), default=0)
    if width <= 10:
        return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
    return r"\left[\begin{array}{" + "c" * width + "} " + body + r" \end{array}\right]"


def latex_number(value) -> str:
    """Exact; a long decimal (`1e300`) as `10^{300}`, `2.5 \\times 10^{-40}`."""
    text = number_text(value)
    if len(text) <= 16 or not is_decimal(value) or value == 0:
        return text
    sign, v = ("-" if value < 0 else ""), abs(value)
    exponent = 0
    while v >= 10:
        v, exponent = v / 10, exponent + 1
    while v < 1:
        v, exponent = v * 10, exponent - 1
    mantissa = number_text(v)
    power = "10^{" + str(exponent) + "}"
    return sign + (power if mantissa == "1" else mantissa + r" \times " + power)


def _is_scalar(e: Node) -> bool:
    if isinstance(e, Var):
        return e.kind is Kind.SCALAR
    from ..shapes import type_of
    try:
        return type_of(e).kind is Kind.SCALAR
    except (TypeError, ValueError, AttributeError, KeyError):
        return False


def _fn(fn: str) -> str:
    return _FUNCTIONS.get(fn, rf"\operatorname{{{fn}}}")


def _factor(e: Node, at_least: Prec) -> str:
    """An operand of a product: bracketed by precedence, except a fraction, which a typeset
    `\\frac` keeps together (`\\frac{1}{n} \\mathbf{x}`, not `(1/n) x` as in text)."""
    if isinstance(e, Binary) and e.op in (BinOp.DIV, BinOp.DIVIDE) and at_least <= Prec.UNARY:
        return to_latex(e)
    if isinstance(e, Number) and e.value > 0 and e.value.denominator != 1 and not is_decimal(e.value):
        return to_latex(e)
    return _bracket(e, at_least)


def _bracket(e: Node, at_least: Prec) -> str:
    """`to_latex(e)`, in brackets when it binds less tightly than `at_least`."""
    text = to_latex(e)
    return parens(text) if precedence(e) < at_least else text


_TALL = (r"\frac", r"\begin{", r"\left", r"\sum", r"\prod")


def parens(tex: str, left: str = "(", right: str = ")") -> str:
    """Brackets that grow (`\\left(`) only around something tall (a fraction, a matrix, grown
    brackets): plain ones keep `\\sigma(u)` and `\\mathbf{x}^\\top(\\mathbf{A} + …)` tight, as
    `\\left(` would add a thin space before and after."""
    if any(t in tex for t in _TALL):
        return rf"\left{left}" + tex + rf"\right{right.strip()}"
    return left + tex + right


def to_latex(e: Node) -> str:
    match e:
        case Number(value) if value.denominator != 1 and not is_decimal(value):
            sign = "-" if value < 0 else ""
            return rf"{sign}\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"
        case Number(value):
            return latex_number(value)
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
            return "-" + _bracket(x, negated_level(x))
        case Unary(UnOp.TRANSPOSE, x):
            return "{" + _bracket(x, Prec.ATOM) + r"}^\top"
        case Unary(UnOp.INVERSE, x):
            return "{" + _bracket(x, Prec.ATOM) + "}^{-1}"
        case Binary(BinOp.POWER | BinOp.EPOWER | BinOp.MATPOW as op, base, exponent):
            b = _bracket(base, Prec.ATOM)
            elementwise = (op is BinOp.EPOWER and not _is_scalar(base)) or (op is BinOp.POWER and is_matrix(base))
            circ = r"\circ " if elementwise else ""     # Hadamard power: {\mathbf{A}}^{\circ 2}
            return "{" + b + "}^{" + circ + to_latex(exponent) + "}"
        case Binary(BinOp.DIV | BinOp.DIVIDE, a, b):
            return rf"\frac{{{to_latex(a)}}}{{{to_latex(b)}}}"
        case Binary(BinOp.PRODUCT | BinOp.MATMUL | BinOp.SCALE, a, b):
            left = _factor(a, product_operand_level(BinOp.MATMUL, a, Prec.PRODUCT))
            right = _factor(b, right_factor_level(b))
            if right.startswith("-"):       # `A -B` would read as a difference (A7): A(−B)
                right = r"\left(" + right + r"\right)"
            sep = r" \cdot " if right[0].isdigit() else " "     # `x \cdot 2`, never `x 2`
            return left + sep + right
        case Binary(op, a, b):
            if op in EXPANDING:
                a, b = implicit_scalar(a, b), implicit_scalar(b, a)
            level = precedence(e)
            return _factor(a, product_operand_level(op, a, level)) + _OPS[op] + _factor(b, Prec(level + 1))
        case Call("norm", (x,)):
            return parens(to_latex(x), r"\lVert ", r" \rVert")
        case Call("norm1", (x,)):
            return parens(to_latex(x), r"\lVert ", r" \rVert") + "_1"
        case Call("abs", (x,)):
            return parens(to_latex(x), r"\lvert ", r" \rvert")
        case Call("inv", (x,)):
            return "{" + _bracket(x, Prec.ATOM) + "}^{-1}"
        case Call("max" | "min" as fn, (a, b)):
            a, b = implicit_scalar(a, b), implicit_scalar(b, a)
            return _fn(fn) + parens(to_latex(a) + ", " + to_latex(b))
        case Call("sqrt", (x,)):
            return rf"\sqrt{{{to_latex(x)}}}"
        case Call(fn, args):
            return _fn(fn) + parens(", ".join(to_latex(a) for a in args))
        case VectorLit(items):
            return latex_matrix([[to_latex(i)] for i in items])
        case MatrixLit(rows):
            return latex_matrix([[to_latex(i) for i in r] for r in rows])
        case Commutation(r, c):
            return r"\mathbf{K}_{" + latex_dim(r) + "," + latex_dim(c) + "}"
        case Size(dim):
            return latex_dim(dim)
        case Let():
            body, definitions = unfold_lets(e)
            return (to_latex(body) + r" \quad \text{where } "
                    + ", ".join(f"{to_latex(v)} = {to_latex(x)}" for v, x in definitions))
    raise TypeError(f"no LaTeX rule for {type(e).__name__}")


# ---- whole documents (`--standalone`) -------------------------------------------------------------

DOCUMENT_BEGIN = "\n".join([
    r"\documentclass{article}",
    r"\usepackage{amsmath}",
    r"\usepackage{amssymb}",
    r"\usepackage{bm}",
    r"\allowdisplaybreaks",
    r"\begin{document}",
    "",
])
DOCUMENT_END = r"\end{document}"


def display(tex: str) -> str:
    """One formula as display math; an `align*` block (mcalc explain) is its own display."""
    if tex.lstrip().startswith(r"\begin{align"):
        return tex.strip() + "\n"
    return "\\[\n" + tex.strip() + "\n\\]\n"


def standalone(formulas) -> str:
    """A complete pdflatex document (article; amsmath, amssymb, bm), one display per formula."""
    return DOCUMENT_BEGIN + "\n".join(display(t) for t in formulas) + DOCUMENT_END
