"""Kinds and shapes: resolve every name's kind (SPEC §1.1), unify dimensions across the whole
expression (§1.2), and rewrite the parse tree into the core tree (see nodes.py).

Dimensions are union–find classes. A class may be *rigid* — an integer, a user-declared symbol,
or a product such as `m·n` from `kron`/`vec` — and two different rigid values never unify.
Free classes get short names at the end (`n` for the variable of differentiation, `m` for the
output, then `k, p, q, …`), skipping every name already in use.

`ELABORATE` maps each input operator to the function that checks its operands and builds its
core node; `type_of` gives the type of any core node (input or derivative) from its children.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable, Iterable

from . import functions
from .errors import KindError, MCalcError, ShapeError, Span
from .functions import Family
from .nodes import (BinOp, Binary, Call, Differential, Dim, Identity, Kind, Let, Mark, MatrixLit,
                    Node, Number, Ones, Pi, Shape, Size, Commutation, UnOp, Unary, Var, VectorLit, Zeros, children,
                    memoized_by_identity, walk, with_children)
from .parser import MAX_MATRIX_POWER, Decl, Parsed, parse

DIM_NAME_POOL = ("n", "m", "k", "p", "q", "r", "s", "t", "u", "v", "a", "b", "c", "d", "l", "j")


# ---- types ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Type:
    kind: Kind
    rows: Dim
    cols: Dim

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)

    def axes(self) -> tuple[Dim, ...]:
        """Shape as SPEC §2.7 lists it: scalars [], vectors [n, 1], rows [1, n], matrices [m, n]."""
        return () if self.kind is Kind.SCALAR else (self.rows, self.cols)

    def describe(self) -> str:
        return describe_type(self.kind, self.rows, self.cols)


def describe_type(kind: Kind, rows, cols) -> str:
    if kind is Kind.SCALAR:
        return "a scalar"
    if kind is Kind.VECTOR:
        return f"{rows}×1"
    return f"{rows}×{cols}"


SCALAR = Type(Kind.SCALAR, 1, 1)


def dim_mul(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    return f"{a}·{b}"


def kind_of_shape(rows: Dim, cols: Dim) -> Kind:
    if rows == 1 and cols == 1:
        return Kind.SCALAR
    if cols == 1:
        return Kind.VECTOR
    if rows == 1:
        return Kind.ROW
    return Kind.MATRIX


_MATMUL_KINDS = {
    (Kind.ROW, Kind.VECTOR): Kind.SCALAR,
    (Kind.VECTOR, Kind.ROW): Kind.MATRIX,
    (Kind.MATRIX, Kind.VECTOR): Kind.VECTOR,
    (Kind.ROW, Kind.MATRIX): Kind.ROW,
    (Kind.MATRIX, Kind.MATRIX): Kind.MATRIX,
}
_TRANSPOSED = {Kind.SCALAR: Kind.SCALAR, Kind.VECTOR: Kind.ROW, Kind.ROW: Kind.VECTOR,
               Kind.MATRIX: Kind.MATRIX}


@memoized_by_identity(200_000)
def type_of(node: Node) -> Type:
    """The type of a core node, from its own fields and its children's types."""
    return _type_of(node)


def _type_of(node: Node) -> Type:
    match node:
        case Number() | Pi():
            return SCALAR
        case Var(_, kind, (r, c)):
            return Type(kind, r, c)
        case Differential(var):
            return type_of(var)
        case Ones((r, _)):
            return Type(Kind.VECTOR, r, 1)
        case Zeros((r, c)):
            return Type(kind_of_shape(r, c), r, c)
        case Identity(n):
            return Type(Kind.MATRIX, n, n)
        case Unary(UnOp.TRANSPOSE, x):
            t = type_of(x)
            return Type(_TRANSPOSED[t.kind], t.cols, t.rows)
        case Unary(_, x):
            return type_of(x)
        case Binary(BinOp.MATMUL, a, b):
            ta, tb = type_of(a), type_of(b)
            kind = _MATMUL_KINDS.get((ta.kind, tb.kind)) or kind_of_shape(ta.rows, tb.cols)
            return Type(kind, ta.rows, tb.cols)
        case Binary(BinOp.SCALE, _, b):
            return type_of(b)
        case Binary(BinOp.DOT, _, _):
            return SCALAR
        case Binary(BinOp.KRON, a, b):
            ta, tb = type_of(a), type_of(b)
            r, c = dim_mul(ta.rows, tb.rows), dim_mul(ta.cols, tb.cols)
            kinds = {ta.kind, tb.kind}
            kind = (Kind.VECTOR if kinds <= {Kind.VECTOR, Kind.SCALAR} and kinds != {Kind.SCALAR}
                    else Kind.ROW if kinds <= {Kind.ROW, Kind.SCALAR} and kinds != {Kind.SCALAR}
                    else kind_of_shape(r, c))
            return Type(kind, r, c)
        case Binary(BinOp.PRODUCT, a, b):
            # Input trees (the printers ask, e.g. for `^` or `.^`): a product means by shape.
            ta, tb = type_of(a), type_of(b)
            if ta.kind is Kind.SCALAR or tb.kind is Kind.SCALAR:
                return tb if ta.kind is Kind.SCALAR else ta
            kind = _MATMUL_KINDS.get((ta.kind, tb.kind)) or kind_of_shape(ta.rows, tb.cols)
            return Type(kind, ta.rows, tb.cols)
        case Binary(BinOp.ADD | BinOp.SUB | BinOp.HADAMARD | BinOp.DIVIDE | BinOp.HDIV, a, b):
            # Input trees may still have a scalar beside a vector (expansion) or a vector beside a
            # matrix (broadcasting); in core trees both operands have one type.
            ta = type_of(a)
            if ta.kind is Kind.MATRIX:
                return ta
            tb = type_of(b)
            expands = ta.kind is Kind.SCALAR and tb.kind is not Kind.SCALAR
            return tb if expands or tb.kind is Kind.MATRIX else ta
        case Binary(_, a, _):
            return type_of(a)
        case Call(fn, args):
            return _call_type(fn, args)
        case VectorLit(items):
            return Type(Kind.VECTOR, len(items), 1)
        case MatrixLit(rows):
            return Type(Kind.MATRIX, len(rows), len(rows[0]))
        case Let(_, _, body):
            return type_of(body)
        case Size():
            return SCALAR
        case Commutation(r, c):
            n = dim_mul(r, c)
            return Type(Kind.MATRIX, n, n)
    raise TypeError(f"no type rule for {type(node).__name__}")


def _call_type(fn: str, args: tuple[Node, ...]) -> Type:
    family = functions.FUNCTIONS[fn].family
    t = type_of(args[0])
    if family is Family.REDUCTION:
        return SCALAR
    if family is Family.ELEMENTWISE:
        return t
    if family is Family.ELEMENTWISE2:
        return max((type_of(a) for a in args), key=lambda x: x.kind is not Kind.SCALAR)
    if fn == "diag":
        if t.kind is Kind.MATRIX:
            return Type(Kind.VECTOR, t.rows, 1)
        n = t.rows if t.kind is Kind.VECTOR else t.cols
        return Type(Kind.MATRIX, n, n)
    if fn == "vec":
        return Type(Kind.VECTOR, dim_mul(t.rows, t.cols), 1)
    return t  # inv, softmax


# ---- dimensions -------------------------------------------------------------------------------

class DimVar:
    """A union–find class of dimensions. `value` is set for rigid classes."""
    __slots__ = ("parent", "value", "order")
    counter = 0

    def __init__(self, value: Dim | None = None):
        self.parent: DimVar | None = None
        self.value = value
        DimVar.counter += 1
        self.order = DimVar.counter

    def find(self) -> "DimVar":
        root = self
        while root.parent is not None:
            root = root.parent
        node = self
        while node.parent is not None and node.parent is not root:
            node.parent, node = root, node.parent
        return root

    def __repr__(self):
        r = self.find()
        return f"Dim({r.value if r.value is not None else '?' + str(r.order)})"


class _Conflict(Exception):
    pass


def unify(a: DimVar, b: DimVar) -> None:
    ra, rb = a.find(), b.find()
    if ra is rb:
        return
    if ra.value is not None and rb.value is not None and ra.value != rb.value:
        raise _Conflict()
    if ra.value is None:
        ra.parent = rb
    else:
        rb.parent = ra


@dataclass
class _T:
    """A type during inference: dimensions are DimVars."""
    kind: Kind
    rows: DimVar
    cols: DimVar


# ---- the checker ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checked:
    """A checked expression: its core tree, its type, and the symbol table."""
    parsed: Parsed
    expr: Node
    type: Type
    variables: dict[str, Type]       # in order of first appearance
    dims: dict[str, int | None]      # every dimension symbol, None where not concrete
    spans: dict[str, tuple[Span, ...]]
    node_types: dict[int, tuple[Node, Type]]   # id(input node) → (its core node, its type)

    @property
    def source(self) -> str:
        return self.parsed.source


class Checker:
    def __init__(self, parsed: Parsed, lets: tuple[Decl, ...] = (), wrt: Iterable[str] = ()):
        self.parsed = parsed
        self.source = parsed.source
        self.one = DimVar(1)
        self.wrt = tuple(wrt)
        self.decls = _merge_decls(parsed.decls, lets)
        self.kinds, self.spans = resolve_kinds(parsed.expr, self.decls)
        self.table: dict[str, _T] = {}
        self.symbols: dict[str, DimVar] = {}
        self.dim_order: list[DimVar] = []
        self.node_types: dict[int, tuple[Node, _T]] = {}
        self.definitions: dict[str, tuple[Node, _T]] = {}

    # -- helpers --
    def dim(self, value: Dim | None = None) -> DimVar:
        if isinstance(value, str):
            return self.symbols.setdefault(value, DimVar(value))
        if value == 1:
            return self.one
        d = DimVar(value)
        self.dim_order.append(d)
        return d

    def scalar(self) -> _T:
        return _T(Kind.SCALAR, self.one, self.one)

    def text(self, node: Node) -> str:
        if node.span is None:
            return "the expression"
        return self.source[node.span[0]:node.span[1]].strip()

    def operand(self, node: Node, t: _T) -> str:
        if t.kind is Kind.VECTOR:
            return f"{self.text(node)} has length {self.show(t).removesuffix('×1')}"
        return f"{self.text(node)} is {self.show(t)}"

    def show(self, t: _T) -> str:
        names = self._names()
        show = lambda d: str(d.find().value if d.find().value is not None else names.get(d.find(), "?"))
        return describe_type(t.kind, show(t.rows), show(t.cols))

    def fail(self, op: str, parts: list[tuple[Node, _T]], problem: str = "", hint: str | None = None,
             error=ShapeError) -> MCalcError:
        described = " but ".join(self.operand(n, t) for n, t in parts)
        message = f"{op}: {problem or described}"
        return error(message, source=self.source, spans=tuple(n.span for n, _ in parts if n.span),
                     hint=hint)

    def unify_or(self, a: DimVar, b: DimVar, err: Callable[[], MCalcError]) -> None:
        try:
            unify(a, b)
        except _Conflict:
            raise err() from None

    # -- the walk --
    def check(self) -> Checked:
        core, t = self.visit(self.parsed.expr)
        names = self._names(primary=self._primary(), output=t)
        resolve = lambda d: d.find().value if d.find().value is not None else names[d.find()]
        expr = _resolve_dims(core, resolve)
        variables = {name: Type(v.kind, resolve(v.rows), resolve(v.cols)) for name, v in self.table.items()}
        dims: dict[str, int | None] = {}
        for v in variables.values():
            for d in (v.rows, v.cols):
                if isinstance(d, str):
                    dims.setdefault(d, None)
        for node in walk(expr):     # sizes only a constant carries: the n of 𝟏 in sum(𝟏)
            if isinstance(node, (Ones, Zeros, Identity)):
                for d in node.shape if not isinstance(node, Identity) else (node.size,):
                    if isinstance(d, str) and "·" not in d:
                        dims.setdefault(d, None)
        node_types = {k: (c, Type(v.kind, resolve(v.rows), resolve(v.cols)))
                      for k, (c, v) in self.node_types.items()}
        return Checked(self.parsed, expr, Type(t.kind, resolve(t.rows), resolve(t.cols)),
                       variables, dims, self.spans, node_types)

    def visit(self, node: Node) -> tuple[Node, _T]:
        core, t = self._visit(node)
        self.node_types[id(node)] = (core, t)
        return core, t

    def _visit(self, node: Node) -> tuple[Node, _T]:
        match node:
            case Number() | Pi():
                return node, self.scalar()
            case Var(name):
                return self.variable(node)
            case Ones():
                n = self.dim()
                return Ones((n, self.one), span=node.span), _T(Kind.VECTOR, n, self.one)
            case Zeros():
                n = self.dim()
                return Zeros((n, self.one), span=node.span), _T(Kind.VECTOR, n, self.one)
            case Identity(size):
                n = self.dim(size)
                return Identity(n, span=node.span), _T(Kind.MATRIX, n, n)
            case Unary(op, x):
                return UNARY_RULES[op](self, node, *self.visit(x))
            case Binary(op, a, b):
                return ELABORATE[op](self, node, self.visit(a), self.visit(b))
            case Call(fn, args):
                return self.call(node, [self.visit(a) for a in args])
            case Let(var, value, body):
                # A definition from a where clause: checked once, then inlined where it is used.
                core_value, t = self.visit(value)
                if var.mark is Mark.BOLD and t.kind is Kind.SCALAR or var.mark is Mark.ITALIC and t.kind is not Kind.SCALAR:
                    raise self.fail(f"kind error in the definition of {var.name}", [(value, t)],
                                    problem=f"{self.text(var)} is marked as a {'scalar' if var.mark is Mark.ITALIC else 'vector or matrix'}, "
                                            f"but its value {self.text(value)} is {self.show(t)}", error=KindError)
                self.definitions[var.name] = (core_value, t)
                return self.visit(body)
            case VectorLit(items):
                out = [self.need_scalar(node, *self.visit(i), "a vector literal") for i in items]
                return VectorLit(tuple(out), span=node.span), _T(Kind.VECTOR, self.dim(len(out)), self.one)
            case MatrixLit(rows):
                out = tuple(tuple(self.need_scalar(node, *self.visit(i), "a matrix literal") for i in row)
                            for row in rows)
                return (MatrixLit(out, span=node.span),
                        _T(Kind.MATRIX, self.dim(len(out)), self.dim(len(out[0]))))
        raise MCalcError(f"cannot check {type(node).__name__} nodes")

    def variable(self, node: Var) -> tuple[Node, _T]:
        name = node.name
        if name in self.definitions:
            return self.definitions[name]
        if name not in self.table:
            kind = self.kinds[name]
            decl = self.decls.get(name)
            shape = decl.shape if decl else ()
            if kind is Kind.SCALAR:
                t = self.scalar()
            elif kind is Kind.VECTOR:
                t = _T(kind, self.dim(shape[0] if shape else None), self.one)
            else:
                t = _T(kind, self.dim(shape[0] if shape else None), self.dim(shape[1] if shape else None))
            self.table[name] = t
        t = self.table[name]
        return Var(name, t.kind, (t.rows, t.cols), mark=node.mark, span=node.span), t

    def need_scalar(self, where: Node, node: Node, t: _T, context: str) -> Node:
        if t.kind is not Kind.SCALAR:
            raise self.fail(f"kind error in {context}", [(node, t)],
                            problem=f"entries must be scalars, but {self.text(node)} is {self.show(t)}",
                            error=KindError)
        return node

    def same_shape(self, op: str, a, ta: _T, b, tb: _T, hint: str | None = None) -> None:
        err = lambda: self.fail(op, [(a, ta), (b, tb)], hint=hint)
        if ta.kind is not tb.kind:
            raise err()
        self.unify_or(ta.rows, tb.rows, err)
        self.unify_or(ta.cols, tb.cols, err)

    def expand(self, scalar: Node, like: _T) -> Node:
        """s → s𝟏 (or s𝟏ᵀ, s𝟏𝟏ᵀ) with the shape of `like`: scalar expansion, Parr §4.3."""
        return Binary(BinOp.SCALE, scalar, self.ones_like(like))

    def ones_like(self, t: _T) -> Node:
        col = lambda d: Ones((d, self.one))
        if t.kind is Kind.VECTOR:
            return col(t.rows)
        if t.kind is Kind.ROW:
            return Unary(UnOp.TRANSPOSE, col(t.cols))
        return Binary(BinOp.MATMUL, col(t.rows), Unary(UnOp.TRANSPOSE, col(t.cols)))

    def call(self, node: Call, args: list[tuple[Node, _T]]) -> tuple[Node, _T]:
        fn = node.fn
        family = functions.FUNCTIONS[fn].family
        core = [a for a, _ in args]
        (a, ta) = args[0]
        make = lambda t: (Call(fn, tuple(core), span=node.span), t)
        if family is Family.ELEMENTWISE:
            return make(ta)
        if family is Family.ELEMENTWISE2:
            (b, tb) = args[1]
            if ta.kind is Kind.SCALAR and tb.kind is not Kind.SCALAR:
                core[0] = self.expand(a, tb)
                return make(tb)
            if tb.kind is Kind.SCALAR and ta.kind is not Kind.SCALAR:
                core[1] = self.expand(b, ta)
                return make(ta)
            self.same_shape(f"shape error in {fn}", a, ta, b, tb)
            return make(ta)
        if fn in ("tr", "det", "logdet", "inv"):
            if ta.kind is Kind.SCALAR and fn == "inv":
                return Binary(BinOp.POWER, a, Number(Fraction(-1)), span=node.span), ta
            if ta.kind is not Kind.MATRIX:
                raise self.fail(f"kind error in {fn}", [(a, ta)],
                                problem=f"{fn} needs a square matrix, but {self.text(a)} is {self.show(ta)}",
                                error=KindError, hint=self.bold_hint(a, ta, matrix=True))
            self.unify_or(ta.rows, ta.cols, lambda: self.fail(
                f"shape error in {fn}", [(a, ta)],
                problem=f"{fn} needs a square matrix, but {self.text(a)} is {self.show(ta)}"))
            return make(ta if fn == "inv" else self.scalar())
        if family is Family.REDUCTION:
            return make(self.scalar())
        if fn == "diag":
            if ta.kind is Kind.MATRIX:
                self.unify_or(ta.rows, ta.cols, lambda: self.fail(
                    "shape error in diag", [(a, ta)],
                    problem=f"diag of a matrix needs a square matrix, but {self.text(a)} is {self.show(ta)}"))
                return make(_T(Kind.VECTOR, ta.rows, self.one))
            if ta.kind is Kind.SCALAR:
                raise self.fail("kind error in diag", [(a, ta)],
                                problem=f"diag needs a vector or a square matrix, but {self.text(a)} is a scalar",
                                error=KindError, hint=self.bold_hint(a, ta))
            n = ta.rows if ta.kind is Kind.VECTOR else ta.cols
            return make(_T(Kind.MATRIX, n, n))
        if fn == "vec":
            if ta.kind is Kind.SCALAR:
                return make(ta)
            return make(_T(Kind.VECTOR, self.product_dim(ta.rows, ta.cols), self.one))
        if fn == "softmax":
            if ta.kind not in (Kind.VECTOR, Kind.ROW):
                raise self.fail("kind error in softmax", [(a, ta)],
                                problem=f"softmax needs a vector, but {self.text(a)} is {self.show(ta)}",
                                error=KindError, hint=self.bold_hint(a, ta))
            return make(ta)
        raise MCalcError(f"no shape rule for {fn}")

    def product_dim(self, a: DimVar, b: DimVar) -> DimVar:
        """The dimension a·b: concrete when both are, else the rigid symbol `a·b`."""
        ra, rb = a.find(), b.find()
        if ra.value is not None and rb.value is not None:
            return self.dim(dim_mul(ra.value, rb.value))
        names = self._names()
        va = ra.value if ra.value is not None else names[ra]
        vb = rb.value if rb.value is not None else names[rb]
        for d, v in ((ra, va), (rb, vb)):   # fix the names the product is made of
            if d.value is None:
                d.value = v
                self.symbols.setdefault(v, d)
        return self.dim(dim_mul(va, vb))

    def bold_hint(self, node: Node, t: _T, matrix: bool = False) -> str | None:
        if isinstance(node, Var) and node.mark is Mark.NONE and t.kind is Kind.SCALAR:
            name = node.name.upper() if matrix else node.name
            return f"did you mean **{name}**?" if not matrix else f"did you mean a matrix such as {name}?"
        return None

    # -- naming free dimensions --
    def _primary(self) -> _T | None:
        for name in self.wrt:
            if name in self.table:
                return self.table[name]
        for t in self.table.values():
            if t.kind is not Kind.SCALAR:
                return t
        return None

    def _names(self, primary: _T | None = None, output: _T | None = None) -> dict[DimVar, str]:
        used = set(self.symbols) | set(self.kinds)
        pool = (name for name in DIM_NAME_POOL + tuple(f"n_{i}" for i in range(1, 1000)) if name not in used)
        names: dict[DimVar, str] = {}

        def give(d: DimVar, prefer: str | None = None):
            r = d.find()
            if r.value is not None or r in names:
                return
            if prefer and prefer not in used and prefer not in names.values():
                names[r] = prefer
            else:
                names[r] = next(n for n in pool if n not in names.values())

        if primary is not None:
            if primary.kind is Kind.MATRIX and primary.rows.find() is not primary.cols.find():
                give(primary.rows, "m")
                give(primary.cols, "n")
            else:
                give(primary.rows if primary.kind is not Kind.ROW else primary.cols, "n")
                give(primary.cols)
        if output is not None:
            give(output.rows, "m" if primary is not None else "n")
            give(output.cols)
        for t in self.table.values():
            give(t.rows)
            give(t.cols)
        for d in self.dim_order:
            give(d)
        return names


# ---- element-wise, sums, products: one elaboration rule per operator -----------------------------

def _sum_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    op = node.op
    word = "sum" if op is BinOp.ADD else "difference"
    make = lambda x, y, t: (Binary(op, x, y, span=node.span), t)
    if ta.kind is Kind.SCALAR and tb.kind is not Kind.SCALAR:
        return make(self.expand(a, tb), b, tb)
    if tb.kind is Kind.SCALAR and ta.kind is not Kind.SCALAR:
        return make(a, self.expand(b, ta), ta)
    # NumPy-style broadcasting: a vector (or row) added to every row of a matrix (X Wᵀ + 𝐛).
    if {ta.kind, tb.kind} in ({Kind.MATRIX, Kind.VECTOR}, {Kind.MATRIX, Kind.ROW}):
        (m, tm), (v, tv) = (left, right) if ta.kind is Kind.MATRIX else (right, left)
        length = tv.rows if tv.kind is Kind.VECTOR else tv.cols
        self.unify_or(tm.cols, length, lambda: self.fail(
            f"shape error in {word}", [(a, ta), (b, tb)],
            hint=f"a vector is added to every row of a matrix when its length equals the column count"))
        row = Unary(UnOp.TRANSPOSE, v) if tv.kind is Kind.VECTOR else v
        spread = Binary(BinOp.MATMUL, Ones((tm.rows, self.one)), row)
        x, y = (m, spread) if ta.kind is Kind.MATRIX else (spread, m)
        return make(x, y, tm)
    self.same_shape(f"shape error in {word}", a, ta, b, tb)
    return make(a, b, ta)


def _product_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    if ta.kind is Kind.SCALAR:
        return Binary(BinOp.SCALE, a, b, span=node.span), tb
    if tb.kind is Kind.SCALAR:
        return Binary(BinOp.SCALE, b, a, span=node.span), ta
    kind = _MATMUL_KINDS.get((ta.kind, tb.kind))
    if kind is None:
        hint = None
        if ta.kind is tb.kind is Kind.VECTOR:
            x, y = self.text(a), self.text(b)
            hint = f"did you mean {x} · {y}, {x} ⊙ {y} or {x}^T {y}?"
        elif ta.kind is tb.kind is Kind.ROW:
            hint = "a row times a row is not defined; transpose one of them"
        raise self.fail("shape error in product", [(a, ta), (b, tb)], hint=hint)
    inner = lambda: self.fail("shape error in product", [(a, ta), (b, tb)],
                              hint=f"the column count of {self.text(a)} must equal the row count of {self.text(b)}")
    self.unify_or(ta.cols, tb.rows, inner)
    return Binary(BinOp.MATMUL, a, b, span=node.span), _T(kind, ta.rows, tb.cols)


def _dot_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    if ta.kind is tb.kind is Kind.SCALAR:
        return Binary(BinOp.SCALE, a, b, span=node.span), ta
    vectors = (Kind.VECTOR, Kind.ROW)
    if ta.kind not in vectors or tb.kind not in vectors:
        bad = [(n, t) for n, t in (left, right) if t.kind not in vectors]
        n, t = bad[0]
        hint = self.bold_hint(n, t)
        if t.kind is Kind.MATRIX:
            hint = "· is the dot product of vectors; for matrices use A ⊙ B or tr(A^T B)"
        raise self.fail("kind error in dot product", [(a, ta), (b, tb)],
                        problem=f"· needs two vectors, but {self.text(n)} is {self.show(t)}",
                        hint=hint, error=KindError)
    la = ta.rows if ta.kind is Kind.VECTOR else ta.cols
    lb = tb.rows if tb.kind is Kind.VECTOR else tb.cols
    self.unify_or(la, lb, lambda: self.fail("shape error in dot product", [(a, ta), (b, tb)]))
    col = lambda x, t: x if t.kind is Kind.VECTOR else Unary(UnOp.TRANSPOSE, x)
    return Binary(BinOp.DOT, col(a, ta), col(b, tb), span=node.span), self.scalar()


def _hadamard_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    if ta.kind is Kind.SCALAR:
        return Binary(BinOp.SCALE, a, b, span=node.span), tb
    if tb.kind is Kind.SCALAR:
        return Binary(BinOp.SCALE, b, a, span=node.span), ta
    self.same_shape("shape error in element-wise product", a, ta, b, tb)
    return Binary(BinOp.HADAMARD, a, b, span=node.span), ta


def _divide_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    if tb.kind is Kind.SCALAR:
        return Binary(BinOp.DIV, a, b, span=node.span), ta
    if ta.kind is Kind.SCALAR:
        return Binary(BinOp.HDIV, self.expand(a, tb), b, span=node.span), tb
    self.same_shape("shape error in division", a, ta, b, tb,
                    hint="/ divides by a scalar or element-wise between equal shapes")
    return Binary(BinOp.HDIV, a, b, span=node.span), ta


def _power_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    if tb.kind is not Kind.SCALAR:
        raise self.fail("kind error in power", [(b, tb)],
                        problem=f"the exponent must be a scalar, but {self.text(b)} is {self.show(tb)}",
                        error=KindError, hint="for an element-wise exponential use exp(…)")
    if ta.kind is Kind.MATRIX and node.op is BinOp.POWER:
        if not (isinstance(b, Number) or (isinstance(b, Unary) and isinstance(b.operand, Number))) \
                or _number_value(b).denominator != 1:
            raise self.fail("kind error in matrix power", [(a, ta), (b, tb)],
                            problem=f"a matrix power needs an integer exponent, but the exponent is {self.text(b)}",
                            error=KindError, hint="for an element-wise power write A.^p")
        k = int(_number_value(b))
        if abs(k) > MAX_MATRIX_POWER:
            from .errors import LimitError
            raise LimitError(f"matrix powers are limited to |k| ≤ {MAX_MATRIX_POWER}, not {k}",
                             source=self.source, spans=(b.span,) if b.span else ())
        self.unify_or(ta.rows, ta.cols, lambda: self.fail(
            "shape error in matrix power", [(a, ta)],
            problem=f"a matrix power needs a square matrix, but {self.text(a)} is {self.show(ta)}",
            hint="for an element-wise power write A.^p"))
        return Binary(BinOp.MATPOW, a, Number(Fraction(k)), span=node.span), ta
    return Binary(BinOp.POWER, a, b, span=node.span), ta


def _number_value(node: Node) -> Fraction:
    if isinstance(node, Number):
        return node.value
    return -node.operand.value


def _kron_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    rows, cols = self.product_dim(ta.rows, tb.rows), self.product_dim(ta.cols, tb.cols)
    kinds = {ta.kind, tb.kind}
    if kinds == {Kind.SCALAR}:
        kind = Kind.SCALAR
    elif kinds <= {Kind.VECTOR, Kind.SCALAR}:
        kind = Kind.VECTOR
    elif kinds <= {Kind.ROW, Kind.SCALAR}:
        kind = Kind.ROW
    else:
        kind = Kind.MATRIX
    return Binary(BinOp.KRON, a, b, span=node.span), _T(kind, rows, cols)


def _hdiv_rule(self: Checker, node: Binary, left, right):
    (a, ta), (b, tb) = left, right
    if ta.kind is Kind.SCALAR and tb.kind is not Kind.SCALAR:
        a, ta = self.expand(a, tb), tb
    elif tb.kind is Kind.SCALAR and ta.kind is not Kind.SCALAR:
        return Binary(BinOp.DIV, a, b, span=node.span), ta
    self.same_shape("shape error in element-wise division", a, ta, b, tb)
    return Binary(BinOp.HDIV, a, b, span=node.span), ta


ELABORATE = {
    BinOp.ADD: _sum_rule,
    BinOp.SUB: _sum_rule,
    BinOp.PRODUCT: _product_rule,
    BinOp.MATMUL: _product_rule,
    BinOp.SCALE: _product_rule,
    BinOp.DOT: _dot_rule,
    BinOp.HADAMARD: _hadamard_rule,
    BinOp.DIVIDE: _divide_rule,
    BinOp.DIV: _divide_rule,
    BinOp.HDIV: _hdiv_rule,
    BinOp.POWER: _power_rule,
    BinOp.EPOWER: _power_rule,
    BinOp.MATPOW: _power_rule,
    BinOp.KRON: _kron_rule,
}


def _neg_rule(self: Checker, node: Unary, x: Node, t: _T):
    return Unary(UnOp.NEG, x, span=node.span), t


def _transpose_rule(self: Checker, node: Unary, x: Node, t: _T):
    return Unary(UnOp.TRANSPOSE, x, span=node.span), _T(_TRANSPOSED[t.kind], t.cols, t.rows)


def _inverse_rule(self: Checker, node: Unary, x: Node, t: _T):
    if t.kind is Kind.SCALAR:
        return Binary(BinOp.POWER, x, Number(Fraction(-1)), span=node.span), t
    if t.kind is not Kind.MATRIX:
        raise self.fail("kind error in inverse", [(x, t)],
                        problem=f"only square matrices have an inverse, but {self.text(x)} is {self.show(t)}",
                        error=KindError, hint="for an element-wise reciprocal write 1 ⊘ x")
    self.unify_or(t.rows, t.cols, lambda: self.fail(
        "shape error in inverse", [(x, t)],
        problem=f"only square matrices have an inverse, but {self.text(x)} is {self.show(t)}"))
    return Unary(UnOp.INVERSE, x, span=node.span), t


UNARY_RULES = {UnOp.NEG: _neg_rule, UnOp.TRANSPOSE: _transpose_rule, UnOp.INVERSE: _inverse_rule}


# ---- kinds (SPEC §1.1) --------------------------------------------------------------------------

def default_kind(name: str) -> Kind:
    head = name[0]
    if head.isascii() and head.isupper():
        return Kind.MATRIX
    return Kind.SCALAR


def resolve_kinds(expr: Node, decls: dict[str, Decl]) -> tuple[dict[str, Kind], dict[str, tuple[Span, ...]]]:
    """Each name's kind (SPEC §1.1); names defined in the where clause take their value's."""
    marks: dict[str, dict[Mark, list[Span]]] = {}
    spans: dict[str, list[Span]] = {}
    stack = [expr]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            marks.setdefault(n.name, {}).setdefault(n.mark, []).append(n.span)
            spans.setdefault(n.name, []).append(n.span)
        stack.extend(children(n))
    kinds: dict[str, Kind] = {}
    for name, seen in marks.items():
        if name in decls:
            kinds[name] = decls[name].kind
            continue
        if Mark.BOLD in seen and Mark.ITALIC in seen:
            raise KindError(f"{name} is marked bold in one place and italic in another",
                            spans=(seen[Mark.BOLD][0], seen[Mark.ITALIC][0]),
                            hint=f"mark {name} one way: **{name}** for a vector or matrix, "
                                 f"\\mathit{{{name}}} for a scalar")
        if Mark.BOLD in seen:
            kinds[name] = Kind.MATRIX if name[0].isupper() else Kind.VECTOR
        elif Mark.ITALIC in seen:
            kinds[name] = Kind.SCALAR
        else:
            kinds[name] = default_kind(name)
    return kinds, {k: tuple(v) for k, v in spans.items()}


def _merge_decls(where: tuple[Decl, ...], lets: tuple[Decl, ...]) -> dict[str, Decl]:
    merged: dict[str, Decl] = {}
    for d in (*where, *lets):
        old = merged.get(d.name)
        if old is not None and (old.kind, old.shape) != (d.kind, d.shape):
            show = lambda x: ": ".join((x.name, "×".join(map(str, x.shape)) or "scalar"))
            where_text = lambda x: f"in '{x.source}'" if x.source else ""
            raise KindError(f"{d.name} is declared twice, differently: {show(old)} {where_text(old)} "
                            f"and {show(d)} {where_text(d)}",
                            spans=tuple(x.span for x in (old, d) if x.source == where[0].source) if where else (),
                            hint="declare it once, or the same way in both places")
        merged[d.name] = d
    return merged


def _resolve_dims(node: Node, resolve) -> Node:
    new_children = tuple(_resolve_dims(c, resolve) for c in children(node))
    node = with_children(node, new_children)
    match node:
        case Var(shape=(r, c)):
            return replace(node, shape=(resolve(r), resolve(c)))
        case Ones(shape=(r, c)) | Zeros(shape=(r, c)):
            return replace(node, shape=(resolve(r), resolve(c)))
        case Identity(size=n) if isinstance(n, DimVar):
            return replace(node, size=resolve(n))
    return node


def check(source: str | Parsed, *, let: tuple[Decl, ...] = (), wrt: Iterable[str] = ()) -> Checked:
    parsed = parse(source) if isinstance(source, str) else source
    try:
        return Checker(parsed, let, wrt).check()
    except MCalcError as err:
        raise err.with_source(parsed.source)
