"""Plain-text and LaTeX renderings of whole results (shape trees, values). The LaTeX printer is
imported where it is used: a plain-text run does not load it."""
from __future__ import annotations

from ..api import EvalResult, ShapeResult, describe_shape, with_kinds
import re
from typing import Callable

from ..nodes import Kind, Var, children
from .text import ascii_name, split_name, text_name, to_ascii, to_text


def shape_text(result: ShapeResult, ascii: bool = False) -> str:
    """The input, its kind and shape, then the tree: one node per line, indented."""
    show = to_ascii if ascii else to_text
    checked = result.checked
    lines = [f"{show(result.typed_input())}   {result.kind}   [{describe_shape(result.shape)}]"]
    name = ascii_name if ascii else text_name
    for var, t in checked.variables.items():
        lines.append(f"  {name(var, t.kind)}: {t.kind.value} [{describe_shape(t.axes())}]")
    lines.append("tree:")

    def visit(node, depth):
        core, t = checked.node_types.get(id(node), (None, None))
        text = show(with_kinds(node, checked))
        kind = t.kind.value if t else "?"
        shape = describe_shape(t.axes()) if t else "?"
        lines.append(f"{'  ' * depth}{text}   {kind} [{shape}]")
        for c in children(node):
            visit(c, depth + 1)

    visit(checked.parsed.expr, 1)
    return "\n".join(lines)


def latex_shape(axes) -> str:
    """`\\mathbb{R}`, `\\mathbb{R}^{n}` for a column, `\\mathbb{R}^{1 \\times n}`, `\\mathbb{R}^{m \\times n}`."""
    from .latex import latex_dim
    axes = list(axes)
    if not axes:
        return r"\mathbb{R}"
    if len(axes) == 2 and str(axes[1]) == "1":
        axes = axes[:1]
    return r"\mathbb{R}^{" + r" \times ".join(latex_dim(a) for a in axes) + "}"


def shape_latex(result: ShapeResult) -> str:
    """`\\mathbf{W} \\mathbf{x} + \\mathbf{b} \\in \\mathbb{R}^{m} \\qquad \\text{where } \\mathbf{W} \\in …`."""
    from .latex import latex_name, to_latex
    checked = result.checked
    expr = result.typed_input()
    out = f"{to_latex(expr)} \\in {latex_shape(result.shape)}"
    parts = [f"{latex_name(var, t.kind)} \\in {latex_shape(t.axes())}"
             for var, t in checked.variables.items()
             if not (isinstance(expr, Var) and expr.name == var)]
    if parts:
        out += r" \qquad \text{where } " + r", \quad ".join(parts)
    return out


def value_latex(result: EvalResult) -> str:
    from .latex import latex_matrix
    import numpy as np
    v = result.value
    if isinstance(v, np.ndarray) and v.ndim == 2:
        return latex_matrix([[_float_latex(x) for x in row] for row in v.tolist()])
    if isinstance(v, np.ndarray):
        v = v.reshape(-1)[0] if v.size == 1 else v
    return _float_latex(float(v))


def _float_latex(x: float) -> str:
    """10 significant digits, exponents as `\\times 10^{k}`, `\\infty`, `\\mathrm{NaN}`."""
    if x != x:
        return r"\mathrm{NaN}"
    if x in (float("inf"), float("-inf")):
        return ("-" if x < 0 else "") + r"\infty"
    text = f"{x:.10g}"
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text
    power = "10^{" + str(int(exponent)) + "}"
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return mantissa + r" \times " + power


# ---- derivatives -------------------------------------------------------------------------------

def diff_text(result, sizes=None, ascii: bool = False) -> str:
    lines = [result.line(ascii=ascii)]
    if result.index and not ascii:
        lines.append("  " + result.index)
    if sizes:
        entries = result.to_json(sizes)["derivative"]["entries"]
        key = "python" if ascii else "text"
        lines.extend("  " + row for row in _entry_rows(entries, key))
    return "\n".join(lines)


def _entry_rows(entries, key: str) -> list[str]:
    if isinstance(entries, dict):
        return [entries[key]]
    if entries and isinstance(entries[0], dict):
        return ["[" + ", ".join(e[key] for e in entries) + "]"]
    if entries and isinstance(entries[0], list) and entries[0] and isinstance(entries[0][0], dict):
        return ["[" + ", ".join(e[key] for e in row) + "]" for row in entries]
    out = []
    for i, block in enumerate(entries):
        out.extend(f"[{i + 1}] {row}" for row in _entry_rows(block, key))
    return out


def diff_latex(result, sizes=None) -> str:
    """`\\frac{\\partial}{\\partial \\mathbf{x}}\\left(f\\right) = …`; with sizes, also the entries."""
    from .latex import latex_name, parens, to_latex
    f = to_latex(with_kinds(result.checked.parsed.expr, result.checked))
    xs = ", ".join(latex_name(w, result._kind(w)) for w in result.wrt)
    if len(result.wrt) > 1:
        xs = r"\left(" + xs + r"\right)"
    if result.vec_form and not result.hessian:
        lhs = (r"\frac{\partial \operatorname{vec}" + parens(f) + r"}{\partial \operatorname{vec}"
               + parens(xs) + "}")
    elif result.hessian:
        lhs = r"\frac{\partial^2}{\partial " + xs + r"^2}\left(" + f + r"\right)"
    else:
        lhs = r"\frac{\partial}{\partial " + xs + r"}\left(" + f + r"\right)"
    parts = [lhs, result.latex]
    if sizes:
        entries = entries_latex(result, sizes)
        if _squeezed(entries) != _squeezed(parts[-1]):
            parts.append(entries)
    return " = ".join(parts)


def entries_latex(result, sizes) -> str:
    """The derivative at concrete sizes, entry by entry: a `bmatrix` (∂vec F/∂vec X for more
    than two axes), entries simplified by SymPy, components written `x_{1}`, `A_{12}`."""
    from .latex import latex_matrix
    import sympy as sp
    from ..components import Expander, simplified
    _check_entry_limit(result, sizes)
    value = Expander(result.checked.variables, sizes)(result.expr)
    names = _component_names(result.checked.variables, sizes)
    if not isinstance(value, sp.MatrixBase):
        return _sympy_latex(simplified(value), names)
    return latex_matrix([[_sympy_latex(simplified(value[i, j]), names) for j in range(value.shape[1])]
                         for i in range(value.shape[0])])


def _squeezed(tex: str) -> str:
    return re.sub(r"[{}\s]", "", tex)


def _check_entry_limit(result, sizes) -> None:
    """The limit of JSON entries (SPEC §2.4): refuse before SymPy starts."""
    from ..components import MAX_ENTRIES
    from ..errors import LimitError
    from ..numeric import dim_value
    axes = result.derivative.axes if result.vec_form else result.shape
    count = 1
    for a in axes:
        count *= dim_value(a, sizes)
    if count > MAX_ENTRIES:
        raise LimitError(f"the derivative would have {count:,} entries; the limit is {MAX_ENTRIES:,}",
                         hint="choose smaller --dims")


def _component_names(variables, sizes) -> Callable[[str], str]:
    """Symbol name → LaTeX: `x_1` → `x_{1}`, `A_1_2` → `A_{12}` (`A_{1,12}` when A has ten rows
    or columns), `W_h_1_2` → `W_{h,12}`, `α_3` → `\\alpha_{3}` (components are scalars: italic)."""
    from .latex import latex_name
    from ..numeric import dim_value
    by_length = sorted(variables, key=len, reverse=True)
    commas = {name for name, t in variables.items() if t.kind is Kind.MATRIX
              and max(dim_value(t.rows, sizes), dim_value(t.cols, sizes)) > 9}

    def name(symbol: str) -> str:
        if symbol in variables:
            return latex_name(symbol, Kind.SCALAR)
        for var in by_length:
            rest = symbol[len(var):]
            if symbol.startswith(var + "_") and all(p.isdigit() for p in rest[1:].split("_")):
                index = rest[1:].split("_")
                joined = ",".join(index) if var in commas else "".join(index)
                head, sub = split_name(var)
                base = latex_name(head, Kind.SCALAR)
                own = latex_name(var, Kind.SCALAR)[len(base):]       # `_{h}` of W_h, or ""
                inner = own[2:-1] + "," if own else ""
                return base + "_{" + inner + joined + "}"
        return latex_name(symbol, Kind.SCALAR)
    return name


def _sympy_latex(expr, names) -> str:
    import sympy as sp
    symbol_names = {s: names(s.name) for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return sp.latex(expr, symbol_names=symbol_names, inv_trig_style="full")


def check_report(report) -> str:
    r = report.result
    what = f"the claim {report.claim}" if report.claim else f"mcalc's result {r.text}"
    sizes = ", ".join(f"{k}={v}" for k, v in report.sizes.items())
    if report.ok:
        note = f" ({report.note})" if report.note else ""
        return (f"ok: {what} agrees with finite differences; largest relative error "
                f"{report.error:.2e}{' at ' + sizes if sizes else ''}{note}")
    if not report.values:                        # no draw inside the domain
        return f"unchecked: {what}; {report.note}"
    import numpy as np
    from ..numeric import format_value
    lines = [f"mismatch: {what} disagrees with finite differences "
             f"(largest relative error {report.error:.2e}{' at ' + sizes if sizes else ''})"]
    if report.note:
        lines.append(f"  {report.note}")
    lines.append("  values:")
    for name, v in report.values.items():
        lines.append(f"    {name} = {format_value(v)}")
    if report.expected is not None:
        lines.append(f"  finite differences: {format_value(np.asarray(report.expected))}")
        lines.append(f"  {'claimed' if report.claim else 'derivative'}:         "
                     f"{format_value(np.asarray(report.got))}")
    if report.claim:
        lines.append(f"  mcalc's result: {r.line()}")
    return "\n".join(lines)
