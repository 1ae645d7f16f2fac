"""Textbook form: rewrite a derivative into a short sum of products.

A core tree is read as a sum of *products*; each product is a rational coefficient, scalar
factors with exponents (so x·x⁻² is x⁻¹ and ‖x‖/‖x‖ cancels), and a chain of matrix factors
multiplied left to right. On that form the rewrites are:

    like terms          A𝐱 + A𝐱 → 2A𝐱, x² + 2x² → 3x²
    powers in chains    XX → X², X⁻¹X → I
    common factors      c A𝐱 + c Aᵀ𝐱 → c (A + Aᵀ)𝐱   (scalars, then left and right factors)
    transposes          (AB)ᵀ → BᵀAᵀ, (A + B)ᵀ → Aᵀ + Bᵀ — whichever prints shorter
    signs and order     −a + b → b − a; A + Aᵀ before Aᵀ + A
    fractions           negative exponents become a denominator: 2x/(x² + 1)

Every rewrite is an identity of matrix algebra (no symmetry or commutativity of matrices is
assumed), and the test suite checks each result numerically. It terminates: each pass is one
bottom-up walk, and `simplify` runs passes until the printed form stops getting shorter
(bounded by a fixed count), so the measure is the length of the text.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

from . import algebra as alg
from .nodes import (BinOp, Binary, Call, Identity, Kind, MatrixLit, Node, Number, Ones, Pi, Size,
                    UnOp, Unary, Var, VectorLit, Zeros, children, memoized_by_identity,
                    tree_size, with_children)
from .shapes import type_of

MAX_PASSES = 4
_SYMMETRIC = ("diag",)      # diag(v)ᵀ = diag(v) for a vector v


@dataclass
class Product:
    coeff: Fraction = Fraction(1)
    scalars: dict = field(default_factory=dict)   # scalar factor → exponent
    chain: tuple = ()                             # non-scalar factors, left to right

    def key(self):
        return (tuple(sorted(((_order(k), k, v) for k, v in self.scalars.items()), key=_sort_key)),
                self.chain)

    def times(self, other: "Product") -> "Product":
        scalars = dict(self.scalars)
        for k, v in other.scalars.items():
            scalars[k] = scalars.get(k, 0) + v
            if scalars[k] == 0:
                del scalars[k]
        return Product(self.coeff * other.coeff, scalars, _merge_chain(self.chain + other.chain))


def _sort_key(item):
    order, node, _ = item
    size = tree_size(node)
    # Small factors in alphabetical order of their text; large ones (printing each would be
    # quadratic in depth) after them, by size.
    return (order, 0, _text(node), 0) if size <= _PRINTED_LENGTH_LIMIT else (order, 1, "", size)


def _text(node: Node) -> str:
    from .printing.text import to_text
    _spend(1 + tree_size(node) // 4)          # before printing: a shared tree prints unshared
    return to_text(node)


def _order(node: Node) -> int:
    """Scalar factors print numbers, letters, powers, then functions: 2x cos(x²)."""
    match node:
        case Pi():
            return 1
        case Var():
            return 2
        case Size():
            return 2
        case Binary(BinOp.POWER, Var(), _):
            return 3
        case Binary(BinOp.MATMUL | BinOp.DOT):
            return 4
        case Binary(BinOp.ADD | BinOp.SUB):
            return 4
    return 5


Sum = list  # list[Product]


def simplify(e: Node) -> Node:
    t = type_of(e)
    with work_budget(share=True):
        out = _shortest(e)
    if alg.is_zero(out) and t.kind is not Kind.SCALAR:
        return alg.zeros(t)                     # an exact zero keeps its shape
    return out


_MEMO: dict[int, tuple[Node, Node]] = {}   # simplification is a pure function of the tree

# A budget of work per `simplify` call (steps plus printed nodes / 4), so that hostile
# input (x⊙x⊙…⊙x, x^x^…^x) cannot make a rewrite pass run for minutes: past it the shortest
# form found so far is kept, which is still exact. The largest derivative of the corpus and
# the depth-64 MLP take under half of it.
MAX_WORK = 25_000
_work: list[int] = []                      # the budget left, per nested simplify call


class _OutOfWork(Exception):
    pass


@contextmanager
def work_budget(share: bool = False):
    """A fresh budget for the simplify calls inside (`share`: keep an enclosing one, so that
    a command simplifying many times, like explain, has one budget in all)."""
    fresh = not (share and _work)
    if fresh:
        _work.append(MAX_WORK)
    try:
        yield
    finally:
        if fresh:
            _work.pop()


def _spend(amount: int = 1) -> None:
    if _work:
        _work[-1] -= amount
        if _work[-1] < 0:
            raise _OutOfWork


def _shortest(e: Node) -> Node:
    if len(_MEMO) > 100_000:
        _MEMO.clear()
    best = e
    try:
        best_len = _length(e)
        for _ in range(MAX_PASSES):
            candidate = _simplify(best, _MEMO)
            length = _length(candidate)
            if length > best_len or candidate == best:
                break
            best, best_len = candidate, length
    except _OutOfWork:
        pass
    return best


# Past this many printed nodes a tree's length is estimated from its size, not printed: a
# derivative that shares subtrees (nested softmax) would print exponentially long, and the
# printed text of every subtree of a deep one (an MLP) would take memory quadratic in depth.
_PRINTED_LENGTH_LIMIT = 500


def _length(e: Node) -> int:
    size = tree_size(e)
    if size > _PRINTED_LENGTH_LIMIT:
        _spend(1)
        return 3 * size
    return len(_text(e).replace(" ", ""))


def _simplify(e: Node, memo: dict) -> Node:
    # Keyed by identity (the node is kept alive in the value): equal but distinct deep trees
    # would otherwise be compared node by node on every lookup.
    hit = memo.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    out = build(to_sum(e, memo))
    if alg.is_zero(out) and type_of(e).kind is not Kind.SCALAR:
        out = alg.zeros(type_of(e))              # an exact zero keeps its shape
    memo[id(e)] = (e, out)
    return out


# ---- reading a tree as a sum of products ------------------------------------------------------

def to_sum(e: Node, memo: dict) -> Sum:
    _spend()
    match e:
        case Number(v):
            return [Product(v)] if v != 0 else []
        case Zeros():
            return []
        case Binary(BinOp.ADD, a, b):
            return collect(to_sum(a, memo) + to_sum(b, memo))
        case Binary(BinOp.SUB, a, b):
            return collect(to_sum(a, memo) + negate(to_sum(b, memo)))
        case Unary(UnOp.NEG, a):
            return negate(to_sum(a, memo))
        case Binary(BinOp.SCALE | BinOp.MATMUL, a, b) if not _is_scalar_matmul(e):
            return multiply(to_sum(a, memo), to_sum(b, memo))
        case Binary(BinOp.DIV, a, s):
            return multiply(to_sum(a, memo), reciprocal(to_sum(s, memo), s, memo))
        case Binary(BinOp.POWER, base, Number(p)) if type_of(base).kind is Kind.SCALAR:
            inner = to_sum(base, memo)
            if len(inner) == 1 and p.denominator == 1:
                return [power_of(inner[0], p)]
            return [atom(build(inner), p)]
        case Unary(UnOp.TRANSPOSE, a):
            return transpose_sum(to_sum(a, memo), a, memo)
    # Anything else is an atom, with simplified children.
    kids = children(e)
    node = alg.rebuild_top(e, tuple(_simplify(c, memo) for c in kids)) if kids else e
    if isinstance(node, Number):
        return [Product(node.value)] if node.value != 0 else []
    return [atom(node)]


def _is_scalar_matmul(e: Node) -> bool:
    """𝐚ᵀ𝐛 (a row times a column) is a scalar factor, not a chain."""
    return isinstance(e, Binary) and e.op is BinOp.MATMUL and type_of(e).kind is Kind.SCALAR


def atom(node: Node, exponent: Fraction = Fraction(1)) -> Product:
    if isinstance(node, Identity):
        return Product(Fraction(1), {}, (node,))
    if type_of(node).kind is Kind.SCALAR:
        if _is_scalar_matmul(node):
            node = Binary(BinOp.MATMUL, _simplify(node.left, {}), _simplify(node.right, {}))
        return Product(Fraction(1), {node: Fraction(exponent)}, ())
    return Product(Fraction(1), {}, (node,))


def power_of(p: Product, n: Fraction) -> Product:
    if p.chain:
        return atom(Binary(BinOp.POWER, build([p]), Number(n)))
    coeff = alg.fraction_power(p.coeff, n)
    if coeff is None:
        return atom(Binary(BinOp.POWER, build([p]), Number(n)))
    return Product(coeff, {k: v * n for k, v in p.scalars.items()}, ())


def negate(s: Sum) -> Sum:
    return [Product(-p.coeff, p.scalars, p.chain) for p in s]


def multiply(a: Sum, b: Sum) -> Sum:
    if not a or not b:
        return []
    if len(a) == 1 and len(b) == 1:
        return [a[0].times(b[0])]
    if len(a) == 1 and not a[0].chain:
        return collect([a[0].times(p) for p in b])     # scalars distribute over a sum
    if len(b) == 1 and not b[0].chain:
        return collect([p.times(b[0]) for p in a])
    # Two sums, or a sum times a matrix: keep the sum as one bracketed factor.
    left = a[0] if len(a) == 1 else _sum_atom(a)
    right = b[0] if len(b) == 1 else _sum_atom(b)
    return [left.times(right)]


def _sum_atom(s: Sum) -> Product:
    factored = factor(s)
    if len(factored) == 1:
        return factored[0]
    return atom(build(factored, bracketed=True))


def reciprocal(s: Sum, node: Node, memo) -> Sum:
    if len(s) == 1 and not s[0].chain and s[0].coeff != 0:
        p = s[0]
        return [Product(1 / p.coeff, {k: -v for k, v in p.scalars.items()}, ())]
    return [atom(build(s), Fraction(-1))]


def transpose_sum(s: Sum, original: Node, memo) -> Sum:
    """The transpose, pushed into products and sums (the caller keeps it if shorter)."""
    out = []
    for p in s:
        bracketed = len(p.chain) > 1 or bool(p.scalars) or abs(p.coeff) != 1
        chain = tuple(_transpose_atom(f, bracketed) for f in reversed(p.chain))
        out.append(Product(p.coeff, p.scalars, _merge_chain(chain)))
    pushed = collect(out)
    kept = [atom(Unary(UnOp.TRANSPOSE, build(s)))] if s else []
    if s and len(s) == 1 and len(s[0].chain) == 0:
        return s                                   # a scalar: its own transpose
    return pushed if _length(build(pushed)) <= _length(build(kept)) else kept


def _transpose_atom(f: Node, bracketed: bool = True) -> Node:
    """fᵀ for one factor; a sum becomes a sum of transposes only where that prints shorter
    (counting the brackets it needs when it stands in a product)."""
    match f:
        case Unary(UnOp.TRANSPOSE, x):
            return x
        case Identity():
            return f
        case Call(fn, (v,)) if fn in _SYMMETRIC and type_of(v).kind is not Kind.MATRIX:
            return f
        case Unary(UnOp.INVERSE, x):
            return Unary(UnOp.INVERSE, _transpose_atom(x))
        case Binary(BinOp.ADD | BinOp.SUB, _, _):
            pushed = build(transpose_sum(to_sum(f, {}), f, {}))
            kept = Unary(UnOp.TRANSPOSE, f)
            brackets = 2 if bracketed and isinstance(pushed, Binary) and pushed.op in (BinOp.ADD, BinOp.SUB) else 0
            return pushed if _length(pushed) + brackets < _length(kept) else kept
        case Binary(BinOp.MATMUL, a, b):
            return alg.mul(_transpose_atom(b), _transpose_atom(a))
        case Binary(BinOp.MATPOW, base, k):            # (Aᵏ)ᵀ = (Aᵀ)ᵏ, kept as (Aᵏ)ᵀ
            inner = _transpose_atom(base)
            if isinstance(inner, Unary) and inner.op is UnOp.TRANSPOSE:
                return Unary(UnOp.TRANSPOSE, f)
            return Binary(BinOp.MATPOW, inner, k)
    return Unary(UnOp.TRANSPOSE, f)


def _merge_chain(chain: tuple) -> tuple:
    """XX → X², X Xᵏ → Xᵏ⁺¹, X⁻¹X → I (dropped), I dropped."""
    out: list[Node] = []
    for f in chain:
        if isinstance(f, Identity) and (out or len(chain) > 1):
            continue
        if out:
            prev = out[-1]
            if _is_vector_diag(prev) and _is_vector_diag(f):     # diag(u) diag(v) = diag(u ⊙ v)
                out[-1] = alg.call("diag", alg.hadamard(prev.args[0], f.args[0]))
                continue
            base_p, k_p = _base_power(prev)
            base_f, k_f = _base_power(f)
            if alg.same(base_p, base_f) and type_of(base_p).kind is Kind.MATRIX:
                k = k_p + k_f
                out.pop()
                if k != 0:
                    out.append(_matpow(base_p, k))
                continue
        out.append(f)
    if not out and chain:
        return (next(f for f in chain if isinstance(f, Identity)) if any(isinstance(f, Identity) for f in chain)
                else Identity(type_of(chain[0]).rows),)
    return tuple(out)


def _is_vector_diag(f: Node) -> bool:
    return isinstance(f, Call) and f.fn == "diag" and type_of(f.args[0]).kind is Kind.VECTOR


def _base_power(f: Node) -> tuple[Node, int]:
    match f:
        case Binary(BinOp.MATPOW, base, Number(k)):
            return base, int(k)
        case Unary(UnOp.INVERSE, Binary(BinOp.MATPOW, base, Number(k))):
            return base, -int(k)
        case Unary(UnOp.INVERSE, base) | Call("inv", (base,)):
            return base, -1
    return f, 1


def _matpow(base: Node, k: int) -> Node:
    if k == 1:
        return base
    if k == -1:
        return Unary(UnOp.INVERSE, base)
    return Binary(BinOp.MATPOW, base, Number(Fraction(k)))


# ---- collecting and factoring ----------------------------------------------------------------

def collect(s: Sum) -> Sum:
    """Like terms added: equal scalar factors and chains."""
    _spend(len(s))
    groups: dict = {}
    order = []
    for p in s:
        k = p.key()
        if k in groups:
            groups[k].coeff += p.coeff
        else:
            groups[k] = Product(p.coeff, dict(p.scalars), p.chain)
            order.append(k)
    return [groups[k] for k in order if groups[k].coeff != 0]


def factor(s: Sum) -> Sum:
    """Pull out what every term shares: scalar factors, then leading and trailing matrices."""
    if len(s) < 2:
        return s
    common = {}
    for k, v in s[0].scalars.items():
        shared = [p.scalars.get(k) for p in s]
        if all(x is not None and (x > 0) == (v > 0) for x in shared):
            common[k] = min(shared, key=abs)
    coeff = _common_coefficient([p.coeff for p in s])
    left: list = []
    right: list = []
    chains = [list(p.chain) for p in s]
    while all(len(c) > len(left) + len(right) + 1 for c in chains) and \
            len({c[len(left)] for c in chains}) == 1:
        left.append(chains[0][len(left)])
    while all(len(c) > len(left) + len(right) + 1 for c in chains) and \
            len({c[len(c) - 1 - len(right)] for c in chains}) == 1:
        right.insert(0, chains[0][len(chains[0]) - 1 - len(right)])
    if not common and coeff == 1 and not left and not right:
        return _factor_groups(s)
    inner = []
    for p, c in zip(s, chains):
        scalars = {k: v - common.get(k, 0) for k, v in p.scalars.items() if v - common.get(k, 0) != 0}
        inner.append(Product(p.coeff / coeff, scalars, tuple(c[len(left):len(c) - len(right)])))
    inner_node = build(inner, bracketed=True)
    return [Product(coeff, common, tuple(left) + (inner_node,) + tuple(right))
            if type_of(inner_node).kind is not Kind.SCALAR or left or right
            else Product(coeff, _times_factor(common, inner_node), ())]


def _times_factor(scalars: dict, factor_node: Node) -> dict:
    """scalars · factor_node, adding exponents when the factor is already there: u²·u = u³."""
    out = dict(scalars)
    out[factor_node] = out.get(factor_node, 0) + 1
    if out[factor_node] == 0:
        del out[factor_node]
    return out


def _factor_groups(s: Sum) -> Sum:
    """Factor the largest group of terms that share a leading (or trailing) matrix factor:
    𝐱ᵀA + 𝐛ᵀ + 𝐱ᵀAᵀ → 𝐱ᵀ(A + Aᵀ) + 𝐛ᵀ."""
    if len(s) < 3:
        return s
    for end in (0, -1):
        groups: dict = {}
        for i, p in enumerate(s):
            if len(p.chain) > 1:
                groups.setdefault(p.chain[end], []).append(i)
        best = max(groups.values(), key=len, default=[])
        if len(best) >= 2:
            grouped = factor([s[i] for i in best])
            rest = [p for i, p in enumerate(s) if i not in best]
            return grouped + rest if best[0] < min((i for i in range(len(s)) if i not in best), default=len(s)) \
                else rest + grouped
    return s


def _common_coefficient(coeffs: list[Fraction]) -> Fraction:
    """The gcd of the coefficients, negative when all are: 2x − 4y → 2(x − 2y)."""
    from math import gcd
    if not all(c.denominator == 1 for c in coeffs):
        return Fraction(1) if len(set(coeffs)) > 1 else coeffs[0]
    g = 0
    for c in coeffs:
        g = gcd(g, int(c))
    g = Fraction(g or 1)
    return -g if all(c < 0 for c in coeffs) else g


# ---- back to a tree ----------------------------------------------------------------------------

def build(s: Sum, bracketed: bool = False) -> Node:
    """The sum as a tree. `bracketed`: it will stand in a product, so a sum costs brackets."""
    _spend()
    plain = _build(s)
    if len(s) < 2 or type_of(plain).kind is Kind.SCALAR:
        return plain
    # (a + b)ᵀ may print shorter than aᵀ + bᵀ: build the transposed sum and compare.
    flipped = [Product(p.coeff, p.scalars, tuple(_transpose_atom(f) for f in reversed(p.chain))) for p in s]
    raised = Unary(UnOp.TRANSPOSE, _build(flipped))
    brackets = 2 if bracketed and isinstance(plain, Binary) and plain.op in (BinOp.ADD, BinOp.SUB) else 0
    return raised if _length(raised) <= _length(plain) + brackets else plain


def _build(s: Sum) -> Node:
    if not s:
        return alg.ZERO
    s = factor(collect(s)) if len(s) > 1 else s
    s = sorted(s, key=lambda p: p.coeff < 0)          # a leading minus only if all are negative
    s = _order_terms(s)
    out = None
    for p in s:
        term = _build_product(p if p.coeff > 0 else Product(-p.coeff, p.scalars, p.chain))
        if out is None:
            out = term if p.coeff > 0 else alg.neg(term)
        else:
            out = Binary(BinOp.ADD, out, term) if p.coeff > 0 else Binary(BinOp.SUB, out, term)
    return out


def _order_terms(s: Sum) -> Sum:
    """Positive terms first; among matrix terms of one sign, fewer transposes first (A + Aᵀ)."""
    pos = [p for p in s if p.coeff > 0]
    neg = [p for p in s if p.coeff <= 0]
    count = lambda p: sum(_transposes(f) for f in p.chain)
    return sorted(pos, key=count) + sorted(neg, key=count)


@memoized_by_identity(100_000)
def _transposes(e: Node) -> int:
    """How many transposes e prints with (counted on the tree, not the text)."""
    own = 1 if isinstance(e, Unary) and e.op is UnOp.TRANSPOSE else 0
    return own + sum(_transposes(c) for c in children(e))


def _build_product(p: Product) -> Node:
    items = sorted(((_order(k), k, v) for k, v in p.scalars.items()), key=_sort_key)
    num = [_power(k, v) for _, k, v in items if v > 0]
    den = [_power(k, -v) for _, k, v in items if v < 0]
    coeff = p.coeff
    numerator: Node | None = Number(Fraction(coeff.numerator)) if coeff.numerator != 1 or (not num and not p.chain) else None
    for f in num:
        numerator = f if numerator is None else Binary(BinOp.SCALE, numerator, f)
    chain = None
    for f in p.chain:
        chain = f if chain is None else Binary(BinOp.MATMUL, chain, f)
    if chain is not None:
        numerator = chain if numerator is None else Binary(BinOp.SCALE, numerator, chain)
    denominator: Node | None = Number(Fraction(coeff.denominator)) if coeff.denominator != 1 else None
    for f in den:
        denominator = f if denominator is None else Binary(BinOp.SCALE, denominator, f)
    if denominator is None:
        return numerator
    return Binary(BinOp.DIV, numerator, denominator)


def _power(base: Node, exponent: Fraction) -> Node:
    if exponent == 1:
        return base
    return Binary(BinOp.POWER, base, Number(exponent))
