"""The library API; the CLI is a thin layer over these functions.

    >>> import mcalc
    >>> mcalc.shape("**x**^T A **x**").shape
    ()
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .errors import MCalcError, UsageError
from .nodes import Kind, Let, Node, children, Var, Binary, Unary, Call
from .parser import Decl, parse, parse_decls
from .printing import to_ascii, to_text
from .shapes import Checked, Type, check
from .shapes import check as check_expr


def _lets(let: Iterable[str | Decl] | str) -> tuple[Decl, ...]:
    if isinstance(let, str):
        let = (let,)
    out: list[Decl] = []
    for item in let:
        out.extend(parse_decls(item) if isinstance(item, str) else (item,))
    return tuple(out)


MAX_DIM_SIZE = 10_000    # largest --dims size (components.MAX_ENTRIES caps the entries)


def parse_dims(spec: str | Mapping[str, int] | None) -> dict[str, int]:
    """`n=3,m=2` → {"n": 3, "m": 2}."""
    from .numeric import MAX_NUMERIC_ENTRIES
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        items = []
        for part in filter(None, (p.strip() for p in spec.replace(";", ",").split(","))):
            name, eq, value = part.partition("=")
            if not eq:
                raise UsageError(f"--dims takes name=size pairs, not {part!r}", hint="write e.g. --dims n=3,m=2")
            items.append((name.strip(), value.strip()))
    sizes: dict[str, int] = {}
    for name, value in items:
        try:
            size = int(value)
        except (TypeError, ValueError):
            raise UsageError(f"the size of {name} must be a positive integer, not {value!r}",
                             hint="write e.g. --dims n=3,m=2") from None
        if size < 1:
            raise UsageError(f"the size of {name} must be a positive integer, not {size}")
        if size > MAX_DIM_SIZE:
            from .errors import LimitError
            raise LimitError(f"the size {name}={size} is too large (at most {MAX_DIM_SIZE})")
        sizes[name] = size
    return sizes


def axes_strings(t: Type) -> list[str]:
    return [str(d) for d in t.axes()]


def variables_json(checked: Checked) -> dict:
    return {name: {"kind": t.kind.value, "shape": axes_strings(t)} for name, t in checked.variables.items()}


def describe_shape(axes: Iterable) -> str:
    axes = list(axes)
    return "scalar" if not axes else " × ".join(str(a) for a in axes)


# ---- shape -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShapeResult:
    checked: Checked

    @property
    def input(self) -> str:
        return self.checked.source

    @property
    def type(self) -> Type:
        return self.checked.type

    @property
    def shape(self) -> tuple:
        return self.checked.type.axes()

    @property
    def kind(self) -> str:
        return self.checked.type.kind.value

    @property
    def expr(self) -> Node:
        return self.checked.parsed.expr

    @functools.cached_property
    def text(self) -> str:
        return to_text(self.typed_input())

    @functools.cached_property
    def ascii(self) -> str:
        return to_ascii(self.typed_input())

    @functools.cached_property
    def latex(self) -> str:
        from .printing.latex import to_latex
        return to_latex(self.typed_input())

    def typed_input(self) -> Node:
        """The input tree with every name's kind filled in (for printing)."""
        return with_kinds(self.checked.parsed.expr, self.checked)

    def tree(self) -> dict:
        return _tree_json(self.checked.parsed.expr, self.checked)

    def to_json(self) -> dict:
        return {"input": self.input, "kind": self.kind, "shape": axes_strings(self.type),
                "variables": variables_json(self.checked), "tree": self.tree()}


def with_kinds(node: Node, checked: Checked) -> Node:
    """The input tree with every name's kind, and `^` on a matrix marked as the matrix power."""
    from .nodes import BinOp, with_children
    from dataclasses import replace
    core = checked.node_types.get(id(node), (None,))[0]
    original = node
    node = with_children(node, tuple(with_kinds(c, checked) for c in children(node)))
    if isinstance(original, Binary) and original.op is BinOp.POWER and isinstance(core, Binary) \
            and core.op is BinOp.MATPOW:
        node = replace(node, op=BinOp.MATPOW)
    if isinstance(node, Var):
        t = checked.variables.get(node.name) or checked.node_types.get(id(original), (None, None))[1]
        if t is not None:
            return replace(node, kind=t.kind, shape=t.shape)
    if isinstance(node, Let):                   # a defined name takes its value's kind
        t = checked.node_types.get(id(original.value), (None, None))[1]
        if t is not None:
            node = replace(node, var=replace(node.var, kind=t.kind, shape=t.shape))
    return node


_NODE_NAMES = {Var: "variable", Binary: None, Unary: None, Call: "call"}


def _tree_json(node: Node, checked: Checked) -> dict:
    core, t = checked.node_types.get(id(node), (None, None))
    src = checked.source
    out: dict = {}
    match core:
        case Binary(op):
            out["op"] = op.name.lower()
        case Unary(op):
            out["op"] = op.name.lower()
        case Call(fn):
            out["op"] = fn
        case None:
            out["op"] = type(node).__name__.lower()
        case _:
            out["op"] = type(core).__name__.lower()
    if isinstance(node, Var):
        out["name"] = node.name
    out["text"] = src[node.span[0]:node.span[1]] if node.span else to_text(with_kinds(node, checked))
    if node.span:
        out["span"] = list(node.span)
    if t is not None:
        out["kind"] = t.kind.value
        out["shape"] = axes_strings(t)
    kids = children(node)
    if kids:
        out["children"] = [_tree_json(c, checked) for c in kids]
    return out


def shape(expr: str, *, let: Iterable[str | Decl] | str = ()) -> ShapeResult:
    return ShapeResult(check_expr(expr, let=_lets(let)))


# ---- eval -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvalResult:
    input: str
    value: object                   # float or 2-D numpy array
    type: Type
    sizes: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple:
        from .numeric import dim_value
        return tuple(dim_value(d, self.sizes) for d in self.type.axes())

    @property
    def text(self) -> str:
        from .numeric import format_value
        return format_value(self.value)

    def to_json(self) -> dict:
        from .numeric import to_jsonable
        return {"input": self.input, "value": to_jsonable(self.value),
                "shape": [str(s) for s in self.shape]}


def evaluate(expr: str, at: Mapping[str, object] | None = None, *, let: Iterable[str | Decl] | str = (),
             dims: str | Mapping[str, int] | None = None) -> EvalResult:
    """Numeric value of `expr`; `at` maps names to numbers, flat lists or lists of rows."""
    from . import numeric
    checked = check_expr(expr, let=_lets(let))
    raw = {}
    for name, v in (at or {}).items():
        raw[name] = numeric.value_from_json(name, v) if not hasattr(v, "shape") else v
    values, sizes = numeric.bind_values(checked, raw, parse_dims(dims))
    value = numeric.evaluate(checked.expr, values, sizes)
    return EvalResult(checked.source, value, checked.type, sizes)


# ---- diff, hessian ------------------------------------------------------------------------------

LAYOUTS = ("numerator", "denominator")


@dataclass(frozen=True)
class DiffResult:
    """One derivative: `.text`, `.ascii`, `.latex`, `.shape`, `.to_json()`."""
    checked: Checked
    wrt: tuple[str, ...]
    layout: str
    derivative: object            # differentiate.Derivative
    hessian: bool = False
    sizes: dict = field(default_factory=dict)
    variables_wrt: tuple = ()     # the Var of each wrt, with its kind and shape

    def wrt_variable(self, name: str) -> Var:
        return next((v for v in self.variables_wrt if v.name == name), None) or \
            _variable(self.checked, name, ())

    @property
    def input(self) -> str:
        return self.checked.source

    @property
    def expr(self) -> Node:
        return self.derivative.expr

    @property
    def vec_form(self) -> bool:
        return self.derivative.vec_form

    @property
    def shape(self) -> tuple:
        if self.vec_form:
            return tuple(self.derivative.axes)
        from .shapes import type_of
        return type_of(self.expr).axes()

    @functools.cached_property
    def printed(self) -> Node:
        """The derivative with recurring subexpressions named (share.py), for printing."""
        from .share import share
        return share(self.expr, taken=set(self.checked.variables))

    @property
    def text(self) -> str:
        return to_text(self.printed)

    @functools.cached_property
    def index(self) -> str | None:
        """For results with more than two axes, the index form `∂Y_ij/∂X_kl = A_ik B_lj`."""
        if not self.vec_form or self.layout != "numerator":
            return None
        from .index import index_form
        from .shapes import type_of
        x = _variable(self.checked, self.wrt[0], ())
        f_type = type_of(x) if self.hessian else self.checked.type    # x need not occur in f
        return index_form(self.expr, f_type, x, "G" if self.hessian else "Y")

    @property
    def ascii(self) -> str:
        """mcalc input for the result; for more than two axes the index form (SPEC §2.7)."""
        if self.index:
            from .index import ascii_index_form
            return ascii_index_form(self.index)
        return to_ascii(self.printed)

    @property
    def latex(self) -> str:
        from .printing.latex import to_latex
        return to_latex(self.printed)

    def operator_text(self, ascii: bool = False) -> str:
        """`∂/∂𝐱 (𝐱ᵀA𝐱)`, `∂²/∂𝐱² (…)` or `∂vec(F)/∂vec(X)` in text."""
        from .printing.text import ascii_name, text_name
        show = to_ascii if ascii else to_text
        name = ascii_name if ascii else text_name
        f = show(with_kinds(self.checked.parsed.expr, self.checked))
        xs = ",".join(name(w, self._kind(w)) for w in self.wrt)
        if ascii:
            op = f"d2/d{xs}^2" if self.hessian else f"d/d{xs}"
        else:
            op = f"∂²/∂{xs}²" if self.hessian else f"∂/∂{xs}"
        if self.vec_form and not self.hessian:
            return (f"dvec({f})/dvec({xs})" if ascii else f"∂vec({f})/∂vec({xs})")
        return f"{op} ({f})"

    def _kind(self, name: str) -> Kind:
        return self.wrt_variable(name).kind

    def line(self, ascii: bool = False) -> str:
        body = self.ascii if ascii else self.text
        shape = describe_shape(self.shape)
        sep = "x" if ascii else "×"
        return f"{self.operator_text(ascii)} = {body}   [{shape.replace('×', sep)}]"

    def entries(self, sizes: Mapping[str, int]):
        from .components import MAX_ENTRIES, Expander, entry_record
        from .errors import LimitError
        from .numeric import dim_value
        full = [dim_value(a, sizes) for a in self.derivative.axes] if self.vec_form else \
            [dim_value(a, sizes) for a in self.shape]
        count = 1
        for n in full:
            count *= n
        if count > MAX_ENTRIES:
            raise LimitError(f"the derivative would have {count:,} entries; the limit is {MAX_ENTRIES:,}",
                             hint="choose smaller --dims")
        value = Expander(self.checked.variables, sizes)(self.expr)
        import sympy as sp
        if not isinstance(value, sp.MatrixBase):
            return entry_record(value)
        if not self.vec_form:
            return [[entry_record(value[i, j]) for j in range(value.shape[1])] for i in range(value.shape[0])]
        return _unvec_entries(value, self.derivative, sizes, entry_record, self.layout)

    def to_json(self, sizes: Mapping[str, int] | None = None) -> dict:
        derivative = {"text": self.text, "ascii": self.ascii, "latex": self.latex,
                      "shape": [str(a) for a in self.shape]}
        if self.vec_form:
            derivative["form"] = "vec"
            if self.index:
                derivative["index"] = self.index
        dims = dict(self.checked.dims)
        if sizes:
            from .numeric import dim_value
            derivative["shape"] = [str(dim_value(a, sizes)) for a in self.shape]
            derivative["entries"] = self.entries(sizes)
            dims.update({k: v for k, v in sizes.items()})
        record = {"input": self.input, "wrt": ",".join(self.wrt), "layout": self.layout,
                  "derivative": derivative, "variables": variables_json(self.checked), "dims": dims}
        if self.hessian:
            record["hessian"] = True
        return record


def _unvec_entries(value, d, sizes, make, layout):
    """∂vec F/∂vec X (a matrix) → nested lists over every axis (column-major vec)."""
    from .numeric import dim_value
    f_axes = [dim_value(a, sizes) for a in d.f_axes]
    x_axes = [dim_value(a, sizes) for a in d.x_axes]

    def flat(index, axes):       # column-major position of a multi-index
        pos, stride = 0, 1
        for i, n in zip(index, axes):
            pos += i * stride
            stride *= n
        return pos

    def build(prefix, axes_left, fx):
        if not axes_left:
            fi, xi = prefix[:len(fx[0])], prefix[len(fx[0]):]
            return make(value[flat(fi, fx[0]), flat(xi, fx[1])])
        return [build(prefix + [i], axes_left[1:], fx) for i in range(axes_left[0])]

    if layout == "denominator":
        # The denominator-layout expression is (entries of X) × (entries of F): X first.
        return build([], x_axes + f_axes, (x_axes, f_axes))
    return build([], f_axes + x_axes, (f_axes, x_axes))


@functools.lru_cache(maxsize=256)
def _wrt_node(part: str) -> Node:
    """A --wrt value through the grammar (cached: batch mode asks for the same name per line)."""
    try:
        return parse(part).expr
    except MCalcError:
        raise UsageError(f"--wrt takes a variable name, not {part!r}") from None


def clear_caches() -> None:
    """Forget every memo table (results, simplifications, types, printed text): benchmarks
    measure cold work with it."""
    from . import simplify
    from .nodes import clear_identity_memos
    from .printing import text
    _derivatives.cache_clear()
    simplify._MEMO.clear()
    clear_identity_memos()
    text._TEXT.memo.clear()
    text._ASCII.memo.clear()


def _wrt_names(wrt: str | Iterable[str]) -> list[list[str]]:
    """'x' → [['x']]; ['x', 'W'] → [['x'], ['W']]; 'x,y' → [['x', 'y']] (stacked scalars)."""
    return [[v.name for v in group] for group in _wrt_groups(wrt)]


def _wrt_groups(wrt: str | Iterable[str]) -> list[list[Var]]:
    """As _wrt_names, keeping each name's mark (`--wrt '**y**'` is a vector even if absent)."""
    from .parser import name_of
    items = [wrt] if isinstance(wrt, str) else list(wrt)
    groups = []
    for item in items:
        names = []
        for part in item.split(","):
            part = part.strip()
            if not part:
                raise UsageError("--wrt needs a variable name", hint="write e.g. --wrt x")
            node = _wrt_node(part)
            if not isinstance(node, Var):
                what = "a number" if type(node).__name__ == "Number" else repr(part)
                raise UsageError(f"cannot differentiate with respect to {what}",
                                 hint="--wrt takes a variable name such as x, **w** or W")
            names.append(node)
        groups.append(names)
    return groups


def _variable(checked: Checked, name: str, let: tuple[Decl, ...], mark=None) -> Var:
    t = checked.variables.get(name)
    if t is None:
        # Not in the expression: its kind from a declaration, its mark or its spelling; the
        # result is zero.
        from .nodes import Mark
        from .shapes import default_kind
        decl = next((d for d in (*checked.parsed.decls, *let) if d.name == name), None)
        if decl:
            kind = decl.kind
        elif mark is Mark.BOLD:
            kind = Kind.MATRIX if name[0].isupper() else Kind.VECTOR
        elif mark is Mark.ITALIC:
            kind = Kind.SCALAR
        else:
            kind = default_kind(name)
        shape = decl.shape if decl else ()
        used = set(checked.dims)
        free = iter(n for n in ("n", "m", "k", "p", "q", "r") if n not in used)
        if kind is Kind.SCALAR:
            t = Type(kind, 1, 1)
        elif kind is Kind.VECTOR:
            t = Type(kind, shape[0] if shape else next(free), 1)
        else:
            t = Type(kind, *(shape if shape else (next(free), next(free))))
    return Var(name, t.kind, t.shape)


def diff(expr: str, wrt: str | Iterable[str], *, let: Iterable[str | Decl] | str = (),
         layout: str = "numerator", hessian: bool = False) -> DiffResult | list[DiffResult]:
    """∂expr/∂wrt. One `wrt` gives one result; a list gives a list (one per entry)."""
    results = derivatives(expr, wrt, let=let, layout=layout, hessian=hessian)
    return results[0] if isinstance(wrt, str) else results


def hessian(expr: str, wrt: str, *, let: Iterable[str | Decl] | str = (),
            layout: str = "numerator") -> DiffResult:
    return diff(expr, wrt, let=let, layout=layout, hessian=True)


def derivatives(expr: str, wrt: str | Iterable[str], *, let: Iterable[str | Decl] | str = (),
                layout: str = "numerator", hessian: bool = False) -> list[DiffResult]:
    wrt = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    let = (let,) if isinstance(let, str) else tuple(let)
    return list(_derivatives(expr, wrt, let, layout, hessian))


@functools.lru_cache(maxsize=2048)
def _derivatives(expr: str, wrt: tuple, let: tuple, layout: str, hessian: bool) -> tuple[DiffResult, ...]:
    """Results are immutable and a pure function of the arguments: a script that sends the same
    line twice (batch mode) gets the second one from this cache."""
    from .simplify import work_budget
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; use numerator or denominator")
    lets = _lets(let)
    groups = _wrt_groups(wrt)
    first = groups[0][0].name if groups else ()
    parsed = parse(expr)
    checked = check_expr(parsed, let=lets, wrt=[first] if first else ())
    results = []
    for group in groups:
        names = [v.name for v in group]
        xs = [_variable(checked, v.name, lets, v.mark) for v in group]
        try:
            with work_budget(share=True):      # one simplification budget per derivative
                d = _derive(checked, xs, names, layout, hessian)
        except MCalcError as err:
            raise err.with_source(checked.source)
        results.append(DiffResult(checked, tuple(names), layout, d, hessian, variables_wrt=tuple(xs)))
    return tuple(results)


def _derive(checked, xs, names, layout, hessian):
    from . import differentiate as engine
    if len(xs) > 1:
        bad = [x.name for x in xs if x.kind is not Kind.SCALAR]
        if bad:
            raise UsageError(f"--wrt {','.join(names)} stacks scalars only, but {bad[0]} is a "
                             f"{xs[names.index(bad[0])].kind.value}",
                             hint="give a vector or matrix with its own --wrt")
        return engine.derive_stacked(checked.expr, xs, layout, hessian=hessian)
    if hessian:
        return engine.derive_hessian(checked.expr, xs[0], layout)
    return engine.derive(checked.expr, xs[0], layout)


# ---- check --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckReport:
    result: DiffResult
    claim: str | None
    ok: bool
    error: float
    sizes: dict
    values: dict
    expected: object = None
    got: object = None
    note: str = ""

    def to_json(self) -> dict:
        from .numeric import to_jsonable
        record = {"input": self.result.input, "wrt": ",".join(self.result.wrt),
                  "layout": self.result.layout, "ok": self.ok,
                  "max_relative_error": self.error if self.error == self.error and self.error != float("inf") else None,
                  "derivative": self.result.text, "claim": self.claim, "dims": self.sizes}
        if not self.ok and self.values:        # no values: no draw inside the domain (note)
            record["witness"] = {"values": {k: to_jsonable(v) for k, v in self.values.items()},
                                 "finite_differences": to_jsonable(self.expected),
                                 "claimed" if self.claim else "derivative": to_jsonable(self.got)}
        if self.note:
            record["note"] = self.note
        return record


def check(expr: str, wrt: str | Iterable[str], *, claim: str | None = None,
          let: Iterable[str | Decl] | str = (), layout: str = "numerator",
          dims: str | Mapping[str, int] | None = None, seed: int = 0, hessian: bool = False) -> CheckReport:
    """Compare mcalc's derivative, or `claim`, with central finite differences."""
    from .checking import compare
    result = derivatives(expr, [wrt] if isinstance(wrt, str) else list(wrt)[:1], let=let,
                         layout=layout, hessian=hessian)[0]
    claim_node = None
    if claim is not None:
        claim_node = _check_claim(claim, result)
    cmp = compare(result, claim_node, seed=seed, sizes=parse_dims(dims) if dims else None)
    return CheckReport(result, claim, cmp.ok, cmp.error, cmp.sizes, cmp.values, cmp.expected,
                       cmp.got, cmp.note)


def _check_claim(claim: str, result: DiffResult) -> Node:
    """The claim as a core tree over the same variables (their kinds and sizes declared)."""
    from .parser import Decl
    decls = []
    for name, t in result.checked.variables.items():
        shape = {Kind.SCALAR: (), Kind.VECTOR: (t.rows,), Kind.ROW: (t.cols,),
                 Kind.MATRIX: (t.rows, t.cols)}[t.kind]
        kind = Kind.VECTOR if t.kind is Kind.ROW else t.kind
        decls.append(Decl(name, kind, shape, None))
    try:
        checked = check_expr(claim, let=tuple(decls))
    except MCalcError as err:
        err.message = f"in --claim: {err.message}"
        err.source = claim
        raise
    want = result.shape
    got = checked.type.axes()
    if not result.vec_form and [str(a) for a in got] != [str(a) for a in want]:
        from .errors import ShapeError
        raise ShapeError(f"in --claim: the claim is {describe_shape(got)}, but the derivative "
                         f"({result.layout} layout) is {describe_shape(want)}", source=claim,
                         spans=((0, len(claim)),))
    return checked.expr


