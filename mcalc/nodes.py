"""The expression tree: one closed family of frozen nodes, shared by every stage.

The parser builds it with spans (positions in the input, ignored by equality); the shape
checker rewrites it into the *core* form, where every product, division and power has its
meaning by shape (`MATMUL`, `SCALE`, `HDIV`, …), scalar expansion and broadcasting are explicit
(`s𝟏`, `𝟏𝐛ᵀ`), and every constant and variable carries its dimensions. Derivatives are core
trees too, so one set of printers and one evaluator serve input and output alike.
"""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import Union

from .errors import Span

Dim = Union[str, int]          # a dimension: a symbol such as "n", or a positive integer
Shape = tuple[Dim, Dim]        # (rows, cols); scalars are (1, 1)


class Kind(enum.Enum):
    SCALAR = "scalar"
    VECTOR = "vector"          # a column, n×1
    ROW = "row"                # a transposed vector, 1×n
    MATRIX = "matrix"


class Mark(enum.Enum):
    NONE = "none"
    BOLD = "bold"
    ITALIC = "italic"


class BinOp(enum.Enum):
    ADD = "+"
    SUB = "-"
    PRODUCT = "product"        # input only: juxtaposition, `*`, `@`; meaning decided by shapes
    DIVIDE = "/"               # input only: `/`
    MATMUL = "matmul"          # (p×q)(q×r), including 𝐱ᵀ𝐲 (a scalar) and 𝐱𝐲ᵀ (outer)
    SCALE = "scale"            # scalar (left) times anything
    DOT = "·"
    HADAMARD = "⊙"
    DIV = "div"                # anything divided by a scalar
    HDIV = "⊘"                 # element-wise division, equal shapes
    POWER = "^"                # scalar power, or element-wise power by a scalar exponent
    EPOWER = ".^"              # input only: explicit element-wise power
    MATPOW = "matpow"          # square matrix to an integer power
    KRON = "kron"


class UnOp(enum.Enum):
    NEG = "-"
    TRANSPOSE = "T"
    INVERSE = "inv"


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


class _Hashed:
    """A node's hash, computed once. The dataclass hash would rehash the whole subtree on every
    call, which makes memo tables over deep trees quadratic."""
    __slots__ = ("_hash",)
    _key_fields: tuple[str, ...] = ()

    def __hash__(self):
        try:
            return self._hash
        except AttributeError:
            h = hash((type(self).__name__, *(getattr(self, f) for f in self._key_fields)))
            object.__setattr__(self, "_hash", h)
            return h


@dataclass(frozen=True, slots=True)
class Number(_Hashed):
    value: Fraction
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Pi(_Hashed):
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Var(_Hashed):
    name: str                               # canonical: "x", "W_h", "b_out", "α"
    kind: Kind | None = None                # None until kinds are resolved
    shape: Shape | None = None              # None until shapes are checked
    mark: Mark = field(default=Mark.NONE, compare=False)
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Ones(_Hashed):
    shape: Shape | None = None              # 𝟏: a column of ones (cols = 1)
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Zeros(_Hashed):
    shape: Shape | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Identity(_Hashed):
    size: Dim | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Unary(_Hashed):
    op: UnOp
    operand: "Node"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Binary(_Hashed):
    op: BinOp
    left: "Node"
    right: "Node"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Call(_Hashed):
    fn: str                                  # canonical function name (functions.FUNCTIONS)
    args: tuple["Node", ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class VectorLit(_Hashed):
    items: tuple["Node", ...]                # scalar expressions, one per row
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class MatrixLit(_Hashed):
    rows: tuple[tuple["Node", ...], ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Differential(_Hashed):
    """d X inside a differential: a placeholder of X's shape, linear in everything."""
    var: Var
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Commutation(_Hashed):
    """K with K vec(A) = vec(Aᵀ) for A of shape rows×cols (Magnus & Neudecker)."""
    rows: Dim
    cols: Dim
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Size(_Hashed):
    """The number of entries of `like` (a dimension such as n, as a scalar): `mean` needs 1/n."""
    dim: Dim
    like: "Node"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Let(_Hashed):
    """`body where u₁ = value`: a named shared subexpression. `var` is the name, with the
    kind and shape of the value."""
    var: Var
    value: "Node"
    body: "Node"
    span: Span | None = _span()


Node = Union[Number, Pi, Var, Ones, Zeros, Identity, Unary, Binary, Call, VectorLit, MatrixLit,
             Differential, Commutation, Size, Let]

NODE_TYPES = (Number, Pi, Var, Ones, Zeros, Identity, Unary, Binary, Call, VectorLit, MatrixLit,
              Differential, Commutation, Size, Let)


def _node_eq(a, b):
    """Structural equality that walks a shared subtree once per pair, not once per path: the
    dataclass __eq__ compares a derivative that shares subtrees (nested softmax) as a tree,
    exponentially. Unequal hashes (cached) answer most comparisons at once."""
    if a is b:
        return True
    if type(a) is not type(b):
        return NotImplemented
    return _equal(a, b, set())


def _equal(a, b, seen: set) -> bool:
    if a is b:
        return True
    if isinstance(a, _Hashed):
        if type(a) is not type(b) or hash(a) != hash(b):
            return False
        if (id(a), id(b)) in seen:
            return True
        if not all(_equal(getattr(a, f), getattr(b, f), seen) for f in a._key_fields):
            return False
        seen.add((id(a), id(b)))
        return True
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and \
            all(_equal(x, y, seen) for x, y in zip(a, b))
    return a == b                        # a number, name, enum: Fraction(3) == 3 as before


for _cls in NODE_TYPES:
    _cls._key_fields = tuple(f.name for f in fields(_cls) if f.compare)
    _cls.__hash__ = _Hashed.__hash__
    _cls.__eq__ = _node_eq


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Unary(_, x):
            return (x,)
        case Binary(_, a, b):
            return (a, b)
        case Call(_, args):
            return args
        case VectorLit(items):
            return items
        case MatrixLit(rows):
            return tuple(x for row in rows for x in row)
        case Let(_, value, body):
            return (value, body)
    return ()


def with_children(node: Node, new: tuple[Node, ...]) -> Node:
    """`node` with its children replaced, in the order `children` gives them."""
    match node:
        case Unary():
            return replace(node, operand=new[0])
        case Binary():
            return replace(node, left=new[0], right=new[1])
        case Call():
            return replace(node, args=tuple(new))
        case VectorLit():
            return replace(node, items=tuple(new))
        case MatrixLit(rows):
            it = iter(new)
            return replace(node, rows=tuple(tuple(next(it) for _ in row) for row in rows))
        case Let():
            return replace(node, value=new[0], body=new[1])
    return node


def walk(node: Node):
    """Every node, parents before children, without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def depth(node: Node) -> int:
    best, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in children(n))
    return best


def strip_spans(node: Node) -> Node:
    new = tuple(strip_spans(c) for c in children(node))
    node = with_children(node, new)
    return replace(node, span=None) if any(f.name == "span" for f in fields(node)) else node


_IDENTITY_MEMOS: list[dict] = []


def clear_identity_memos() -> None:
    for table in _IDENTITY_MEMOS:
        table.clear()


def memoized_by_identity(limit: int):
    """Memoize a function of one node by the node's identity, the node kept alive in the table
    (keyed by equality, equal deep trees would be compared node by node on every lookup); the
    table is emptied past `limit` entries."""
    def wrap(fn):
        table: dict[int, tuple[Node, object]] = {}
        _IDENTITY_MEMOS.append(table)

        @functools.wraps(fn)
        def memoized(node):
            hit = table.get(id(node))
            if hit is not None and hit[0] is node:
                return hit[1]
            if len(table) > limit:
                table.clear()
            out = fn(node)
            table[id(node)] = (node, out)
            return out
        return memoized
    return wrap


@memoized_by_identity(100_000)
def tree_size(e: Node) -> int:
    """Nodes of e as printed: a subtree shared by several parents counts each time."""
    return 1 + sum(tree_size(c) for c in children(e))


def postorder(roots, follow=lambda node: True, right_first: bool = False) -> list[Node]:
    """Each distinct node under `roots` once, after its children (iteratively: no recursion
    limit), descending only into children `follow` accepts; children left to right, or right to
    left with `right_first` (then the reverse is preorder, left to right, on a tree)."""
    seen: set = set()
    out: list[Node] = []
    stack: list[tuple[Node, bool]] = [(r, False) for r in reversed(list(roots))]
    while stack:
        node, finished = stack.pop()
        if finished:
            out.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        kids = children(node) if right_first else reversed(children(node))
        stack.extend((c, False) for c in kids if c not in seen and follow(c))
    return out
