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
