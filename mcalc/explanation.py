"""`mcalc explain`: Parr & Howard's chain-rule process, step by step.

1. Every subexpression that depends on the variable gets a name u₁ … u_k (innermost first).
2. Each uᵢ is differentiated locally, by the variable and by the u's it is made of, treating
   those as independent (∂uᵢ/∂uⱼ), with its numerator-layout shape.
3. The total derivatives follow in order: duᵢ/dx = ∂uᵢ/∂x + Σⱼ ∂uᵢ/∂uⱼ duⱼ/dx (Parr's total-
   derivative rule; on a simple chain this is the product of the local derivatives), each
   product shown with its shape arithmetic `(1×m)(m×n) = 1×n`.
4. Substituting the u's back and simplifying gives mcalc's result.

The local derivatives come from the same engine as `diff`; this module only arranges them.
Intermediates must be scalars or vectors, as in the paper; a matrix-valued intermediate is an
`unsupported` error.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import algebra as alg
from .api import DiffResult, _lets, _wrt_names, _variable, with_kinds
from .differentiate import derive
from .errors import LimitError, UnsupportedError
from .nodes import Kind, Let, Node, Var, children, with_children
from .parser import parse
from .printing import to_latex, to_text
from .printing.latex import latex_name
from .printing.text import text_name
from .shapes import Checked, Type, check, type_of
from .simplify import simplify


@dataclass(frozen=True)
class Intermediate:
    name: str
    var: Var                     # the u as a variable of its own shape
    definition: Node             # in terms of x and earlier u's
    expanded: Node               # in terms of x only


@dataclass(frozen=True)
class Local:
    of: str                      # uᵢ
    by: str                      # x or uⱼ
    derivative: Node
    shape: tuple


@dataclass(frozen=True)
class Total:
    of: str
    terms: tuple                 # ((local ∂uᵢ/∂b, by-name), …)
    product: Node                # Σ ∂uᵢ/∂uⱼ · duⱼ/dx, in u's
    shape_arithmetic: tuple[str, ...]


@dataclass
class Explanation:
    checked: Checked
    wrt: Var
    intermediates: list[Intermediate] = field(default_factory=list)
    locals: list[Local] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    substituted: Node | None = None
    result: DiffResult | None = None

    # ---- rendering ----
    def text(self) -> str:
        x = text_name(self.wrt.name, self.wrt.kind)
        f = to_text(with_kinds(self.checked.parsed.expr, self.checked))
        lines = [f"∂/∂{x} ({f}), step by step (numerator layout)", "", "intermediate variables:"]
        for u in self.intermediates:
            lines.append(f"  {_u(u)} = {to_text(u.definition)}   [{_shape(type_of(u.var))}]")
        lines += ["", "local derivatives:"]
        for d in self.locals:
            lines.append(f"  ∂{_name(self, d.of)}/∂{_name(self, d.by)} = {to_text(d.derivative)}   "
                         f"[{' × '.join(map(str, d.shape)) or 'scalar'}]")
        lines += ["", "chain rule:"]
        for t in self.totals:
            parts = []
            for local, by in t.terms:
                parts.append(f"∂{_name(self, t.of)}/∂{_name(self, by)}" +
                             ("" if by == self.wrt.name else f" d{_name(self, by)}/d{x}"))
            lines.append(f"  d{_name(self, t.of)}/d{x} = {' + '.join(parts)}")
            lines.append(f"      = {to_text(t.product)}")
            for arithmetic in t.shape_arithmetic:
                lines.append(f"      shapes: {arithmetic}")
        lines += ["", "substitution:", f"  = {to_text(self.substituted)}", "", "simplified:",
                  f"  {self.result.line()}"]
        return "\n".join(lines)

    def latex(self) -> str:
        x = latex_name(self.wrt.name, self.wrt.kind)
        rows = []
        for u in self.intermediates:
            rows.append(f"{latex_name(u.name, u.var.kind)} &= {to_latex(u.definition)}")
        for d in self.locals:
            rows.append(rf"\frac{{\partial {_lname(self, d.of)}}}{{\partial {_lname(self, d.by)}}} "
                        f"&= {to_latex(d.derivative)}")
        for t in self.totals:
            rows.append(rf"\frac{{d {_lname(self, t.of)}}}{{d {x}}} &= {to_latex(t.product)}")
        f = to_latex(with_kinds(self.checked.parsed.expr, self.checked))
        rows.append(rf"\frac{{\partial}}{{\partial {x}}}\left({f}\right) &= {to_latex(self.substituted)}")
        rows.append(rf"&= {self.result.latex}")
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"

    def to_json(self) -> dict:
        return {
            "input": self.checked.source, "wrt": self.wrt.name, "layout": "numerator",
            "intermediates": [{"name": u.name, "definition": to_text(u.definition),
                               "shape": [str(a) for a in type_of(u.var).axes()]}
                              for u in self.intermediates],
            "local_derivatives": [{"of": d.of, "by": d.by, "text": to_text(d.derivative),
                                   "shape": [str(a) for a in d.shape]} for d in self.locals],
            "chain": [{"of": t.of, "text": to_text(t.product), "shapes": list(t.shape_arithmetic)}
                      for t in self.totals],
            "substituted": to_text(self.substituted),
            "result": self.result.to_json(),
        }


def _u(u: Intermediate) -> str:
    return text_name(u.name, u.var.kind)


def _name(e: Explanation, name: str) -> str:
    if name == e.wrt.name:
        return text_name(name, e.wrt.kind)
    u = next(u for u in e.intermediates if u.name == name)
    return _u(u)


def _lname(e: Explanation, name: str) -> str:
    if name == e.wrt.name:
        return latex_name(name, e.wrt.kind)
    u = next(u for u in e.intermediates if u.name == name)
    return latex_name(u.name, u.var.kind)


def _shape(t: Type) -> str:
    return "scalar" if t.kind is Kind.SCALAR else f"{t.rows} × {t.cols}"


def _jacobian_shape(of: Type, by: Type) -> tuple:
    """Numerator layout: rows from the output's length, columns from the input's."""
    rows = 1 if of.kind is Kind.SCALAR else (of.rows if of.kind is Kind.VECTOR else of.cols)
    cols = 1 if by.kind is Kind.SCALAR else (by.rows if by.kind is Kind.VECTOR else by.cols)
    return (rows, cols)


MAX_STEPS = 100     # an explanation longer than this teaches nothing and prints for seconds


def explain(expr: str, wrt: str, *, let=()) -> Explanation:
    from .simplify import work_budget
    with work_budget():              # one simplification budget for every step (hostile input)
        return _explain(expr, wrt, let=let)


def _explain(expr: str, wrt: str, *, let=()) -> Explanation:
    from .api import derivatives
    lets = _lets(let)
    names = _wrt_names(wrt)[0]
    if len(names) != 1:
        raise UnsupportedError("explain takes one variable (--wrt x)")
    result = derivatives(expr, names[0], let=lets)[0]
    checked = result.checked
    x = _variable(checked, names[0], lets)
    if x.kind is Kind.MATRIX:
        raise UnsupportedError("explain follows Parr & Howard with scalar and vector variables; "
                               "for a matrix variable use mcalc diff")
    e = Explanation(checked, x, result=result)

    # 1. Name every dependent subexpression, innermost first (u₁, u₂, … unless u is taken).
    heads = {v.split("_")[0] for v in checked.variables}
    prefix = next(p for p in ("u", "v", "z", "q", "r", "s") if p not in heads)
    named: dict[Node, Intermediate] = {}
    depends: dict[Node, bool] = {}

    def dep(n: Node) -> bool:
        if n not in depends:
            depends[n] = (isinstance(n, Var) and n.name == x.name) or any(dep(c) for c in children(n))
        return depends[n]

    def name(n: Node) -> Node:
        """n with its dependent children replaced by their u's."""
        if not dep(n) or isinstance(n, Var):
            return n
        if n in named:
            return named[n].var
        kids = children(n)
        definition = with_children(n, tuple(name(c) for c in kids))
        t = type_of(n)
        if t.kind is Kind.MATRIX:
            raise UnsupportedError("explain follows Parr & Howard with scalar and vector "
                                   "intermediates; this expression has a matrix-valued one "
                                   "(use mcalc diff)")
        u = Var(f"{prefix}_{len(named) + 1}", t.kind, t.shape)
        named[n] = Intermediate(u.name, u, definition, n)
        e.intermediates.append(named[n])
        return u

    name(checked.expr)
    if len(e.intermediates) > MAX_STEPS:
        raise LimitError(f"explain shows at most {MAX_STEPS} intermediate steps; this expression "
                         f"has {len(e.intermediates)}",
                         hint="use mcalc diff for the derivative, or explain a part of it")
    if not e.intermediates:
        e.substituted = result.expr
        return e

    # 2. Local derivatives, and 3. totals in order.
    totals: dict[str, Node] = {x.name: None}
    for u in e.intermediates:
        terms, products, arithmetic = [], [], []
        for by in _inputs(u.definition, x, e):
            local = derive(u.definition, by).expr
            shape = _jacobian_shape(type_of(u.var), type_of(by))
            e.locals.append(Local(u.name, by.name, local, shape))
            terms.append((local, by.name))
            if by.name == x.name:
                products.append(local)
                continue
            inner = totals[by.name]
            products.append(alg.mul(local, inner))
            inner_shape = _jacobian_shape(type_of(by), type_of(x))
            arithmetic.append(f"({_dims(shape)})({_dims(inner_shape)}) = "
                              f"{_dims((shape[0], inner_shape[1]))}")
        total = simplify(alg.total(products))
        totals[u.name] = total
        e.totals.append(Total(u.name, tuple(terms), total, tuple(arithmetic)))

    # 4. Substitute the u's back.
    last = e.intermediates[-1]
    expansion = {u.name: u.expanded for u in e.intermediates}
    e.substituted = _substitute(totals[last.name], expansion)
    return e


def _dims(shape) -> str:
    return "×".join(str(s) for s in shape)


def _inputs(definition: Node, x: Var, e: Explanation) -> list[Var]:
    """The variables a definition depends on: x and earlier u's, in first-seen order."""
    seen: list[Var] = []
    u_names = {u.name for u in e.intermediates}
    stack = [definition]
    while stack:
        n = stack.pop()
        if isinstance(n, Var) and (n.name == x.name or n.name in u_names) and n not in seen:
            seen.append(n)
        stack.extend(reversed(children(n)))
    return seen


def _substitute(node: Node, expansion: dict[str, Node]) -> Node:
    return alg.rebuild(node, leaf=lambda n: expansion.get(n.name, n) if isinstance(n, Var) else n)
