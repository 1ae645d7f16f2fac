"""Plain-text and LaTeX renderings of whole results (shape trees, values)."""
from __future__ import annotations

from ..api import EvalResult, ShapeResult, describe_shape, with_kinds
from ..nodes import children
from .latex import latex_name, to_latex
from .text import ascii_name, text_name, to_ascii, to_text


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


def _latex_shape(axes) -> str:
    return r"\mathbb{R}" if not axes else r"\mathbb{R}^{" + r" \times ".join(map(str, axes)) + "}"


def shape_latex(result: ShapeResult) -> str:
    checked = result.checked
    parts = [f"{to_latex(result.typed_input())} \\in {_latex_shape(result.shape)}"]
    for var, t in checked.variables.items():
        parts.append(f"{latex_name(var, t.kind)} \\in {_latex_shape(t.axes())}")
    return ", \\quad ".join(parts)


def value_latex(result: EvalResult) -> str:
    import numpy as np
    v = result.value
    if isinstance(v, np.ndarray):
        rows = [" & ".join(f"{x:.10g}" for x in row) for row in v.tolist()]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    return f"{float(v):.10g}"


# ---- derivatives -------------------------------------------------------------------------------

def diff_text(result, sizes=None, ascii: bool = False) -> str:
    lines = [result.line(ascii=ascii)]
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
    from ..nodes import Kind
    f = to_latex(with_kinds(result.checked.parsed.expr, result.checked))
    xs = ", ".join(latex_name(w, result._kind(w)) for w in result.wrt)
    if result.vec_form and not result.hessian:
        lhs = (r"\frac{\partial \operatorname{vec}\left(" + f + r"\right)}{\partial \operatorname{vec}"
               r"\left(" + xs + r"\right)}")
    elif result.hessian:
        lhs = r"\frac{\partial^2}{\partial " + xs + r"^2}\left(" + f + r"\right)"
    else:
        lhs = r"\frac{\partial}{\partial " + xs + r"}\left(" + f + r"\right)"
    body = result.latex
    if sizes and not result.vec_form:
        body = _entries_latex(result, sizes)
    return f"{lhs} = {body}"


def _entries_latex(result, sizes) -> str:
    import sympy as sp
    from ..components import Expander, simplified
    value = Expander(result.checked.variables, sizes)(result.expr)
    if not isinstance(value, sp.MatrixBase):
        return sp.latex(simplified(value))
    rows = [" & ".join(sp.latex(simplified(value[i, j])) for j in range(value.shape[1]))
            for i in range(value.shape[0])]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def check_report(report) -> str:
    r = report.result
    what = f"the claim {report.claim}" if report.claim else f"mcalc's result {r.text}"
    sizes = ", ".join(f"{k}={v}" for k, v in report.sizes.items())
    if report.ok:
        note = f" ({report.note})" if report.note else ""
        return (f"ok: {what} agrees with finite differences; largest relative error "
                f"{report.error:.2e}{' at ' + sizes if sizes else ''}{note}")
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
