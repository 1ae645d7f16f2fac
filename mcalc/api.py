"""The library API; the CLI is a thin layer over these functions.

    >>> import mcalc
    >>> mcalc.shape("**x**^T A **x**").shape
    ()
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .errors import MCalcError, UsageError
from .nodes import Kind, Node, children, Var, Binary, Unary, Call
from .parser import Decl, parse, parse_decls
from .printing import to_ascii, to_latex, to_text
from .shapes import Checked, Type, check


def _lets(let: Iterable[str | Decl] | str) -> tuple[Decl, ...]:
    if isinstance(let, str):
        let = (let,)
    out: list[Decl] = []
    for item in let:
        out.extend(parse_decls(item) if isinstance(item, str) else (item,))
    return tuple(out)


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
        if size > 10_000:
            from .errors import LimitError
            raise LimitError(f"the size {name}={size} is too large (at most 10000)")
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

    @property
    def text(self) -> str:
        return to_text(self.typed_input())

    @property
    def ascii(self) -> str:
        return to_ascii(self.typed_input())

    @property
    def latex(self) -> str:
        return to_latex(self.typed_input())

    def typed_input(self) -> Node:
        """The input tree with every name's kind filled in (for printing)."""
        return with_kinds(self.checked.parsed.expr, self.checked)

    def tree(self) -> dict:
        return _tree_json(self.checked.parsed.expr, self.checked)

    def to_json(self) -> dict:
        return {"input": self.input, "kind": self.kind, "shape": axes_strings(self.type),
                "variables": variables_json(self.checked), "dims": dict(self.checked.dims),
                "tree": self.tree()}


def with_kinds(node: Node, checked: Checked) -> Node:
    from .nodes import with_children
    from dataclasses import replace
    node = with_children(node, tuple(with_kinds(c, checked) for c in children(node)))
    if isinstance(node, Var) and node.name in checked.variables:
        t = checked.variables[node.name]
        return replace(node, kind=t.kind, shape=t.shape)
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
    return ShapeResult(check(expr, let=_lets(let)))


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
    checked = check(expr, let=_lets(let))
    raw = {}
    for name, v in (at or {}).items():
        raw[name] = numeric.value_from_json(name, v) if not hasattr(v, "shape") else v
    values, sizes = numeric.bind_values(checked, raw, parse_dims(dims))
    value = numeric.evaluate(checked.expr, values, sizes)
    return EvalResult(checked.source, value, checked.type, sizes)
