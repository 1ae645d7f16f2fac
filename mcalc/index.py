"""Index notation for derivatives with more than two axes: `∂Y_ij/∂X_kl = A_ik B_lj`.

The engine gives such a derivative as J = ∂vec Y/∂vec X (column-major vec). A Kronecker term
reads off directly: (P ⊗ Q)[(j, i), (l, k)] = P_jl Q_ik, so with Y m×n indexed (i, j) and X
p×q indexed (k, l), ∂Y_ij/∂X_kl = Q_ik P_jl when Q is m×p. The identity is δ_ik δ_jl, the
commutation matrix K (vec Xᵀ = K vec X) is δ_il δ_jk, and (P ⊗ Q)K swaps k and l. Sums,
negations and scalar multiples of these are translated term by term; anything else has no
index form here (None), and the Kronecker form stands alone.
"""
from __future__ import annotations

from .nodes import BinOp, Binary, Commutation, Identity, Kind, Node, Unary, UnOp, Var
from .printing.text import text_name, to_text
from .shapes import type_of

_SUB = str.maketrans("ijkl", "ᵢⱼₖₗ")


def index_form(expr: Node, f_type, x_var: Var, f_name: str = "Y") -> str | None:
    """`∂Y_ij/∂X_kl = …` for a vec-form derivative, or None when a term has no index form."""
    f_index = {Kind.MATRIX: "ij", Kind.VECTOR: "i", Kind.ROW: "i", Kind.SCALAR: ""}[f_type.kind]
    x_index = {Kind.MATRIX: "kl", Kind.VECTOR: "k", Kind.ROW: "k", Kind.SCALAR: ""}[x_var.kind]
    terms = []
    for sign, coeff, term in _terms(expr, 1, None):
        text = _term(term, f_type, type_of(x_var), swap=False)
        if text is None:
            return None
        factor = "" if coeff is None else _factor(coeff) + " "
        terms.append((sign, factor + text))
    if not terms:
        return None
    out = ("−" if terms[0][0] < 0 else "") + terms[0][1]
    for sign, text in terms[1:]:
        out += (" − " if sign < 0 else " + ") + text
    y = f_name.lower() if f_type.kind is not Kind.MATRIX else f_name
    x = text_name(x_var.name, Kind.SCALAR if x_var.kind is not Kind.MATRIX else Kind.MATRIX)
    return f"∂{y}{f_index.translate(_SUB)}/∂{x}{x_index.translate(_SUB)} = {out}"


def _terms(e: Node, sign: int, coeff):
    match e:
        case Binary(BinOp.ADD, a, b):
            yield from _terms(a, sign, coeff)
            yield from _terms(b, sign, coeff)
        case Binary(BinOp.SUB, a, b):
            yield from _terms(a, sign, coeff)
            yield from _terms(b, -sign, coeff)
        case Unary(UnOp.NEG, a):
            yield from _terms(a, -sign, coeff)
        case Binary(BinOp.SCALE, s, a) if coeff is None:
            yield from _terms(a, sign, s)
        case _:
            yield sign, coeff, e


def _factor(s: Node) -> str:
    text = to_text(s)
    return f"({text})" if any(op in text for op in (" + ", " − ")) else text


def _term(e: Node, f_type, x_type, swap: bool) -> str | None:
    match e:
        case Identity():
            return "δ" + "ᵢₖ" + (" δⱼₗ" if f_type.kind is Kind.MATRIX and x_type.kind is Kind.MATRIX else "")
        case Commutation():
            return "δᵢₗ δⱼₖ"
        case Binary(BinOp.MATMUL, inner, Commutation()):
            return _term(inner, f_type, x_type, swap=not swap)
        case Binary(BinOp.KRON, p, q):
            # (P ⊗ Q)[(a1, a0), (b1, b0)] = P[a1, b1] Q[a0, b0]: match (a1, a0) to Y's indices
            # and (b1, b0) to X's; a length-1 axis gets no index.
            tp, tq = type_of(p), type_of(q)
            rows = _split(f_type, tp.rows, tq.rows, "i", "j")
            cols = _split(x_type, tp.cols, tq.cols, "l" if swap else "k", "k" if swap else "l")
            if rows is None or cols is None:
                return None
            (a0, a1), (b0, b1) = rows, cols
            parts = (_entry(q, a0, b0), _entry(p, a1, b1))
            return " ".join(part for part in parts if part)
    return None


def _split(t, p_size, q_size, first: str, second: str):
    """Which kron factor carries which index of a value of type t: (index in Q, index in P)."""
    if t.kind is Kind.MATRIX:
        return (first, second) if q_size == t.rows else None
    if p_size == 1:
        return (first, "")
    if q_size == 1:
        return ("", first)
    return None


def _entry(m: Node, r: str, c: str) -> str:
    """The (r, c) entry of m in index notation; an empty index is a length-1 axis."""
    sub = lambda s: s.translate(_SUB)
    t = type_of(m)
    match m:
        case Identity():
            return f"δ{sub(r + c)}" if r and c else ""
        case Var(name, kind):                      # entries are scalars: plain letters
            return text_name(name, Kind.SCALAR) + sub(r + c)
        case Unary(UnOp.TRANSPOSE, Var(name, kind)):
            return text_name(name, Kind.SCALAR) + sub(c + r)
    if t.kind is Kind.SCALAR:
        return _factor(m)
    return f"({to_text(m)}){sub(r + c)}"


_ASCII = {"∂": "d", "δ": "delta", "−": "-", "ᵀ": "^T", "⁻¹": "^-1", "⊗": "kron", "·": "*"}
_SUBSCRIPT_BACK = str.maketrans("ᵢⱼₖₗ", "ijkl")


def ascii_index_form(text: str) -> str:
    """The index form in plain ASCII: `dY_ij/dX_kl = A_ik B_lj`."""
    import re
    from .printing.text import bold
    for u, a in _ASCII.items():
        text = text.replace(u, a)
    text = re.sub(r"([ᵢⱼₖₗ]+)", lambda m: "_" + m.group(1).translate(_SUBSCRIPT_BACK), text)
    plain = {bold(c): c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    text = "".join(plain.get(c, c) for c in text)
    return text.replace("²", "^2")
