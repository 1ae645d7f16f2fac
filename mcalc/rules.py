"""Differential rules, one entry per operator and function: d(op(a, b, …)) from a, b, … and
their differentials da, db, … (`None` where a child is constant).

How to add an operator: give it a shape rule in shapes.py, a numeric rule in numeric.py and
components.py, a printer case, and an entry here. A rule returns the differential as a core
tree linear in the differentials it is given; differentiate.py does the rest (the chain rule is the
recursion itself). `unsupported(reason)` makes a construct fail loudly instead of wrongly.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable

from .algebra import (ONE, add, call, div, dot, full_like, hadamard, hdiv, inner, kron, mul, neg,
                      num, power, scale, size_of, sub, total, transpose)
from .errors import UnsupportedError
from .nodes import BinOp, Binary, Call, Kind, MatrixLit, Node, Number, UnOp, Unary, VectorLit, Zeros
from .shapes import type_of

Rule = Callable[..., Node | None]


def unsupported(reason: str) -> Rule:
    def rule(node, args, dargs):
        raise UnsupportedError(f"mcalc cannot differentiate {reason} yet")
    return rule


def _terms(*terms):
    return total(t for t in terms if t is not None)


def _when(d, build):
    """build(d) when d is not zero."""
    return None if d is None else build(d)


def bilinear(product: Callable[[Node, Node], Node]) -> Rule:
    """d(a ∘ b) = da ∘ b + a ∘ db for any product ∘ linear in each side."""
    def rule(node, args, dargs):
        (a, b), (da, db) = args, dargs
        return _terms(_when(da, lambda d: product(d, b)), _when(db, lambda d: product(a, d)))
    return rule


def _scale_rule(node, args, dargs):
    (s, x), (ds, dx) = args, dargs
    return _terms(_when(ds, lambda d: scale(d, x)), _when(dx, lambda d: scale(s, d)))


def _div_rule(node, args, dargs):      # d(a/s) = da/s − (ds/s²) a
    (a, s), (da, ds) = args, dargs
    return _terms(_when(da, lambda d: div(d, s)),
                  _when(ds, lambda d: neg(scale(div(d, power(s, num(2))), a))))


def _hdiv_rule(node, args, dargs):     # d(a ⊘ b) = da ⊘ b − a ⊙ db ⊘ b²
    (a, b), (da, db) = args, dargs
    return _terms(_when(da, lambda d: hdiv(d, b)),
                  _when(db, lambda d: neg(hdiv(hadamard(a, d), power(b, num(2))))))


def _power_rule(node, args, dargs):    # d(aᵖ) = p aᵖ⁻¹ ⊙ da + aᵖ ⊙ log(a) dp
    (a, p), (da, dp) = args, dargs
    by_base = _when(da, lambda d: hadamard(scale(p, power(a, sub(p, ONE))), d))
    by_exponent = _when(dp, lambda d: scale(d, hadamard(node, call("log", a))))
    return _terms(by_base, by_exponent)


def _matpow_rule(node, args, dargs):   # d(Aᵏ) = Σ Aⁱ dA Aᵏ⁻¹⁻ⁱ; A⁻ᵏ through the inverse
    (a, k), (da, _) = args, dargs
    if da is None:
        return None
    n = int(k.value)
    base, d = a, da
    if n < 0:
        base = Unary(UnOp.INVERSE, a)
        d = neg(mul(mul(base, da), base))
        n = -n
    pw = lambda i: base if i == 1 else Binary(BinOp.MATPOW, base, num(i))
    terms = []
    for i in range(n):
        left, right = i, n - 1 - i
        t = d
        if left:
            t = mul(pw(left), t)
        if right:
            t = mul(t, pw(right))
        terms.append(t)
    return total(terms)


def _inverse_rule(node, args, dargs):  # d(A⁻¹) = −A⁻¹ dA A⁻¹
    (a,), (da,) = args, dargs
    return neg(mul(mul(node, da), node))


def _elementwise(derivative: Callable[[Node], Node]) -> Rule:
    """d f(x) = f′(x) ⊙ dx."""
    def rule(node, args, dargs):
        (x,), (dx,) = args, dargs
        return hadamard(derivative(x), dx)
    return rule


def _ones(x):
    return full_like(ONE, type_of(x))


def _recip(e):
    return power(e, num(-1))


# f′ for each element-wise function, as an expression in its argument x.
ELEMENTWISE_DERIVATIVES: dict[str, Callable[[Node], Node | None]] = {
    "exp": lambda x: call("exp", x),
    "log": lambda x: _recip(x),
    "sqrt": lambda x: scale(num(Fraction(1, 2)), _recip(call("sqrt", x))),
    "sin": lambda x: call("cos", x),
    "cos": lambda x: neg(call("sin", x)),
    "tan": lambda x: _recip(power(call("cos", x), num(2))),
    "tanh": lambda x: sub(_ones(x), power(call("tanh", x), num(2))),
    "sinh": lambda x: call("cosh", x),
    "cosh": lambda x: call("sinh", x),
    "arcsin": lambda x: _recip(call("sqrt", sub(_ones(x), power(x, num(2))))),
    "arccos": lambda x: neg(_recip(call("sqrt", sub(_ones(x), power(x, num(2)))))),
    "arctan": lambda x: _recip(add(_ones(x), power(x, num(2)))),
    "sigmoid": lambda x: hadamard(call("sigmoid", x), sub(_ones(x), call("sigmoid", x))),
    "relu": lambda x: call("step", x),
    "softplus": lambda x: call("sigmoid", x),
    "abs": lambda x: call("sign", x),
    "sign": None,   # zero almost everywhere
    "step": None,
}


def _elementwise_rule(fn: str) -> Rule:
    derivative = ELEMENTWISE_DERIVATIVES[fn]
    if derivative is None:
        return lambda node, args, dargs: None
    return _elementwise(derivative)


def _max_rule(node, args, dargs):      # d max(a, b) = step(a − b) ⊙ da + step(b − a) ⊙ db
    (a, b), (da, db) = args, dargs
    return _terms(_when(da, lambda d: hadamard(call("step", sub(a, b)), d)),
                  _when(db, lambda d: hadamard(call("step", sub(b, a)), d)))


def _min_rule(node, args, dargs):
    (a, b), (da, db) = args, dargs
    return _terms(_when(da, lambda d: hadamard(call("step", sub(b, a)), d)),
                  _when(db, lambda d: hadamard(call("step", sub(a, b)), d)))


def _linear(fn: str) -> Rule:
    """d f(X) = f(dX) for a linear f."""
    return lambda node, args, dargs: call(fn, dargs[0])


def _mean_rule(node, args, dargs):
    (x,), (dx,) = args, dargs
    return div(call("sum", dx), size_of(x))


def _norm_rule(node, args, dargs):     # d‖x‖ = ⟨x, dx⟩ / ‖x‖
    (x,), (dx,) = args, dargs
    return div(inner(x, dx), node)


def _norm1_rule(node, args, dargs):    # d‖x‖₁ = ⟨sign(x), dx⟩
    (x,), (dx,) = args, dargs
    return inner(call("sign", x), dx)


def _det_rule(node, args, dargs):      # d det X = det X · tr(X⁻¹ dX)
    (x,), (dx,) = args, dargs
    return scale(node, call("tr", mul(Unary(UnOp.INVERSE, x), dx)))


def _logdet_rule(node, args, dargs):   # d log|det X| = tr(X⁻¹ dX)
    (x,), (dx,) = args, dargs
    return call("tr", mul(Unary(UnOp.INVERSE, x), dx))


def _logsumexp_rule(node, args, dargs):  # d lse(x) = ⟨softmax(x), dx⟩
    (x,), (dx,) = args, dargs
    t = type_of(x)
    if t.kind in (Kind.VECTOR, Kind.ROW):
        weights = call("softmax", x)
    else:
        weights = div(call("exp", x), call("sum", call("exp", x)))
    return inner(weights, dx)


def _softmax_rule(node, args, dargs):  # d softmax(x) = s ⊙ dx − s (s·dx)
    (x,), (dx,) = args, dargs
    s = node
    return sub(hadamard(s, dx), scale(inner(s, dx), s))


def _vector_literal_rule(node, args, dargs):
    if isinstance(node, VectorLit):
        return VectorLit(tuple(d if d is not None else Number(Fraction(0)) for d in dargs))
    rows, it = [], iter(dargs)
    for row in node.rows:
        rows.append(tuple((lambda d: d if d is not None else Number(Fraction(0)))(next(it)) for _ in row))
    return MatrixLit(tuple(rows))


BINARY_RULES: dict[BinOp, Rule] = {
    BinOp.ADD: lambda node, args, dargs: add(*dargs),
    BinOp.SUB: lambda node, args, dargs: sub(*dargs),
    BinOp.MATMUL: bilinear(mul),
    BinOp.SCALE: _scale_rule,
    BinOp.DOT: bilinear(dot),
    BinOp.HADAMARD: bilinear(hadamard),
    BinOp.KRON: bilinear(kron),
    BinOp.DIV: _div_rule,
    BinOp.HDIV: _hdiv_rule,
    BinOp.POWER: _power_rule,
    BinOp.MATPOW: _matpow_rule,
}

UNARY_RULES: dict[UnOp, Rule] = {
    UnOp.NEG: lambda node, args, dargs: neg(dargs[0]),
    UnOp.TRANSPOSE: lambda node, args, dargs: transpose(dargs[0]),
    UnOp.INVERSE: _inverse_rule,
}

CALL_RULES: dict[str, Rule] = {
    **{fn: _elementwise_rule(fn) for fn in ELEMENTWISE_DERIVATIVES},
    "max": _max_rule,
    "min": _min_rule,
    "sum": _linear("sum"),
    "tr": _linear("tr"),
    "diag": _linear("diag"),
    "vec": _linear("vec"),
    "mean": _mean_rule,
    "norm": _norm_rule,
    "norm1": _norm1_rule,
    "det": _det_rule,
    "logdet": _logdet_rule,
    "logsumexp": _logsumexp_rule,
    "softmax": _softmax_rule,
    "inv": _inverse_rule,
}


def rule_for(node: Node) -> Rule:
    match node:
        case Binary(op):
            return BINARY_RULES[op]
        case Unary(op):
            return UNARY_RULES[op]
        case Call(fn):
            return CALL_RULES[fn]
        case VectorLit() | MatrixLit():
            return _vector_literal_rule
    raise UnsupportedError(f"mcalc cannot differentiate {type(node).__name__} yet")
