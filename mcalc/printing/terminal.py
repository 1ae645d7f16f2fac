"""Rich terminal output (`-f rich`, the default on a terminal): kinds made visible as on paper —
vectors and matrices bold, scalars italic — with every shape, the layout, and `--dims` entries
as tables with row and column headers (∂f₁ … / ∂/∂x₁ …), in blocks when a derivative has more
than two axes.

The only module that imports rich. Honours `--no-color` and NO_COLOR (no styles at all: the
Unicode bold letters still tell vectors from scalars) and the terminal width (COLUMNS when
stdout is not a terminal). `Console(markup=False)`: `[1, 2]` is not markup.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..api import EvalResult, ShapeResult, describe_shape, with_kinds
from ..functions import FUNCTIONS
from ..nodes import Kind, Let, Node, Var, children, walk
from .text import text_name, to_text

_STYLE = {Kind.VECTOR: "bold", Kind.ROW: "bold", Kind.MATRIX: "bold", Kind.SCALAR: "italic"}
LABEL = "cyan"
NOTE = "dim"


def console(color: bool = True, file=None, width: int | None = None,
            force_terminal: bool | None = None) -> Console:
    """The console every printer here writes to: `color=False` (--no-color) or NO_COLOR in the
    environment turn off every style; the width is the terminal's (or COLUMNS, or `width`)."""
    plain = not color or "NO_COLOR" in os.environ
    return Console(file=file, width=width, force_terminal=force_terminal, markup=False,
                   highlight=False, emoji=False, no_color=plain,
                   color_system=None if plain else "auto")


# ---- names styled by their kind ----------------------------------------------------------------

# Words the text printer writes that are not products of one-letter names.
_WORDS = sorted({*FUNCTIONS, "where", "vec", "σ"}, key=len, reverse=True)
_CALL = re.compile("(" + "|".join(map(re.escape, _WORDS)) + r")(?=\()")


def names_in(*nodes: Node) -> dict[str, Kind]:
    """Every variable's printed name → its kind, in the given trees (`where` names included)."""
    found: dict[str, Kind] = {}
    for node in nodes:
        for n in walk(node):
            if isinstance(n, Var) and n.kind is not None:
                found[text_name(n.name, n.kind)] = n.kind
            elif isinstance(n, Let):
                var = n.var if hasattr(n, "var") else None
                if isinstance(var, Var) and var.kind is not None:
                    found[text_name(var.name, var.kind)] = var.kind
    return found


def styled(text: str, names: dict[str, Kind], style: str | None = None) -> Text:
    """`text` (from the Unicode printer) with each variable styled by its kind: matched
    greedily, longest name first, skipping function names (`tr(` is not t·r)."""
    out = Text(style=style or "")
    ordered = sorted(names, key=len, reverse=True)
    i = 0
    plain_start = 0
    while i < len(text):
        call = _CALL.match(text, i)
        if call and (i == 0 or not text[i - 1].isalpha()):
            i = call.end()
            continue
        hit = next((n for n in ordered if text.startswith(n, i)), None)
        if hit is None:
            i += 1
            continue
        out.append(text[plain_start:i])
        out.append(hit, style=_STYLE[names[hit]])
        i += len(hit)
        plain_start = i
    out.append(text[plain_start:])
    return out


def _variables(checked) -> Table:
    table = Table.grid(padding=(0, 2))
    for name, t in checked.variables.items():
        table.add_row(Text(text_name(name, t.kind), style=_STYLE[t.kind]), Text(t.kind.value, style=NOTE),
                      describe_shape(t.axes()) if t.axes() else "")
    return table


def kind_and_shape(kind: str, axes) -> str:
    """`vector  m × 1`, or just `scalar`."""
    return f"   {kind}  {describe_shape(axes)}" if axes else f"   {kind}"


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=LABEL, no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


# ---- shape -------------------------------------------------------------------------------------

def print_shape(result: ShapeResult, color: bool = True, out: Console | None = None) -> None:
    out = out or console(color)
    checked = result.checked
    expr = result.typed_input()
    names = names_in(expr)
    grid = _grid()
    line = styled(to_text(expr), names)
    line.append(kind_and_shape(result.kind, result.shape), style=NOTE)
    grid.add_row("input", line)
    if checked.variables:
        grid.add_row("variables", _variables(checked))
    tree = Tree(_node_label(checked.parsed.expr, checked, names), guide_style=NOTE)
    for c in children(checked.parsed.expr):
        _add_subtree(tree, c, checked, names)
    grid.add_row("tree", tree)
    out.print(grid)


def _node_label(node: Node, checked, names) -> Text:
    t = checked.node_types.get(id(node), (None, None))[1]
    label = styled(to_text(with_kinds(node, checked)), names)
    if t is not None:
        label.append(kind_and_shape(t.kind.value, t.axes()), style=NOTE)
    return label


def _add_subtree(tree: Tree, node: Node, checked, names) -> None:
    branch = tree.add(_node_label(node, checked, names))
    for c in children(node):
        _add_subtree(branch, c, checked, names)


# ---- eval --------------------------------------------------------------------------------------

def print_value(result: EvalResult, color: bool = True, out: Console | None = None) -> None:
    import numpy as np
    out = out or console(color)
    grid = _grid()
    grid.add_row("input", Text(result.input))
    v = result.value
    if isinstance(v, np.ndarray) and v.ndim == 2 and v.size > 1:
        table = Table(show_header=False, box=None, padding=(0, 1))
        for _ in range(v.shape[1]):
            table.add_column(justify="right")
        for row in v.tolist():
            table.add_row(*(_number(x) for x in row))
        grid.add_row("value", table)
    else:
        grid.add_row("value", Text(result.text, style="bold"))
    grid.add_row("shape", Text(describe_shape(result.shape), style=NOTE))
    out.print(grid)


def _number(x: float) -> str:
    return f"{x:.6g}"


# ---- derivatives -------------------------------------------------------------------------------

def print_diff(result, sizes=None, color: bool = True, out: Console | None = None) -> None:
    out = out or console(color)
    checked = result.checked
    f = with_kinds(checked.parsed.expr, checked)
    names = names_in(f, result.printed if hasattr(result, "printed") else result.expr)
    xs = ",".join(text_name(w, result._kind(w)) for w in result.wrt)
    if result.vec_form and not result.hessian:
        label = f"∂vec F/∂vec {xs}"
    elif result.hessian:
        label = f"∂²/∂{xs}²"
    else:
        label = f"∂/∂{xs}"
    grid = _grid()
    line = styled(to_text(f), names)
    line.append(kind_and_shape(checked.type.kind.value, checked.type.axes()), style=NOTE)
    grid.add_row("input", line)
    if checked.variables:
        grid.add_row("", _variables(checked))
    grid.add_row(label, styled(result.text, names, style="bold"))
    index = getattr(result, "index", None)
    if index:
        grid.add_row("index", Text(index))
    shape = Text(describe_shape(result.shape))
    shape.append(f"   {_layout_note(result)}", style=NOTE)
    grid.add_row("shape", shape)
    out.print(grid)
    if sizes is not None:
        out.print(Padding(_entries(result, sizes, out), (0, 0, 0, 2), expand=False))


def _layout_note(result) -> str:
    note = f"{result.layout} layout"
    if result.vec_form:
        order = "output axes, then input axes" if result.layout == "numerator" else \
            "input axes, then output axes"
        note += f"; ∂vec F/∂vec X in Kronecker form ({order})"
    return note


def _sub(n: int | str) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _component(name: str, *index: int) -> str:
    """x₁, A₁₂, A₁,₁₂ — a component of a variable (a scalar: plain letters)."""
    head, _, sub = name.partition("_")
    base = head + (f"_{sub}" if sub else "")
    if len(index) > 1 and any(i > 9 for i in index):
        return base + ",".join(_sub(i) for i in index)
    return base + "".join(_sub(i) for i in index)


def _entries(result, sizes, out: Console):
    """The entries at concrete sizes: one table with headers, or blocks of tables."""
    entries = result.entries(sizes)
    if isinstance(entries, dict):
        grid = _grid()
        grid.add_row("entry", Text(entries["text"]))
        return grid
    if not result.vec_form:
        rows, cols, caption = _labels(result, sizes, len(entries), len(entries[0]))
        return _table(entries, rows, cols, caption)
    return _blocks(result, entries, sizes, out)


def _table(entries, rows: list[str], cols: list[str], caption: str | None = None,
           title: str | None = None):
    table = Table(show_header=True, header_style="bold", title=title, title_style="bold",
                  title_justify="left")
    table.add_column("", style="bold", no_wrap=True)
    for c in cols:
        table.add_column(c, overflow="fold")
    for label, row in zip(rows, entries):
        table.add_row(label, *(e["text"] for e in row))
    return Group(Text(caption, style=NOTE), table) if caption else table


def _x_headers(result, sizes) -> list[str]:
    """∂/∂x₁ … ∂/∂xₙ for a vector, ∂/∂x, ∂/∂y for stacked scalars; [] for a matrix."""
    from ..numeric import dim_value
    xs = []
    for w in result.wrt:
        t = result.checked.variables.get(w)
        kind = t.kind if t else Kind.SCALAR
        if kind is Kind.SCALAR:
            xs.append(f"∂/∂{_component(w)}")
        elif kind in (Kind.VECTOR, Kind.ROW):
            n = dim_value(t.rows if kind is Kind.VECTOR else t.cols, sizes)
            xs.extend(f"∂/∂{_component(w, i + 1)}" for i in range(n))
    return xs


def _labels(result, sizes, n_rows: int, n_cols: int):
    """Row and column headers of a two-axis table, by layout: numerator rows are f's
    components, columns x's; denominator the other way round."""
    ftype = result.checked.type
    xs = _x_headers(result, sizes)
    if result.hessian:
        if len(xs) == n_rows == n_cols:
            return xs, xs, None
    if ftype.kind is Kind.SCALAR:
        fs = ["∂f"]
    elif ftype.kind in (Kind.VECTOR, Kind.ROW):
        count = n_rows if result.layout == "numerator" else n_cols
        fs = [f"∂f{_sub(i + 1)}" for i in range(count)]
    else:
        fs = None
    numerator = result.layout == "numerator"
    rows, cols = (fs, xs) if numerator else (xs, fs)
    if rows is not None and cols is not None and len(rows) == n_rows and len(cols) == n_cols:
        return rows, cols, None
    # A matrix on one side (∂F/∂x, ∂f/∂X): plain indices and what an entry is.
    x = text_name(result.wrt[0], result._kind(result.wrt[0]))
    if ftype.kind is Kind.MATRIX:
        caption = f"entry (i, j) = ∂Fᵢⱼ/∂{x}"
    else:
        caption = f"entry (i, j) = ∂f/∂{x}ⱼᵢ" if numerator else f"entry (i, j) = ∂f/∂{x}ᵢⱼ"
    return ([str(i + 1) for i in range(n_rows)], [str(j + 1) for j in range(n_cols)], caption)


def _blocks(result, entries, sizes, out: Console):
    """More than two axes: one table per index of the leading axes (the output's; in
    denominator layout the input's) over the others, laid out as a block matrix when it fits
    the terminal, else side by side as wide as it allows."""
    from rich.columns import Columns
    from rich.measure import Measurement
    from ..numeric import dim_value
    d = result.derivative
    f_axes = [dim_value(a, sizes) for a in d.f_axes]
    x_axes = [dim_value(a, sizes) for a in d.x_axes]
    numerator = result.layout == "numerator"
    outer, inner = (f_axes, x_axes) if numerator else (x_axes, f_axes)
    x = text_name(result.wrt[0], result._kind(result.wrt[0]))
    of = "∇f" if result.hessian else ("F" if len(f_axes) == 2 else "f")
    outer_name, inner_name = ((of, x) if numerator else (x, of))
    i_, k_ = ("ᵢⱼ", "ₖₗ")

    def idx(prefix):
        return "".join(_sub(i) for i in prefix) if all(i < 10 for i in prefix) \
            else ",".join(_sub(i) for i in prefix)

    grid: list[list[Table]] = []

    def visit(prefix, block):
        if len(prefix) < len(outer):
            for i, sub in enumerate(block):
                visit(prefix + [i + 1], sub)
            return
        title = f"∂{of}{idx(prefix)}/∂{x}" if numerator else f"∂{of}/∂{x}{idx(prefix)}"
        rows = [[e] for e in block] if len(inner) == 1 else block
        table = _table(rows, [str(i + 1) for i in range(len(rows))],
                       [str(j + 1) for j in range(len(rows[0]))], title=title)
        if len(outer) == 2 and prefix[1] > 1:
            grid[-1].append(table)
        else:
            grid.append([table])

    visit([], entries)
    outer_i, inner_k = i_[:len(outer)], k_[:len(inner)]
    if numerator:
        what = f"block ∂{of}{outer_i}/∂{x}: entry (k, l) is ∂{of}{outer_i}/∂{x}{inner_k}"
    else:
        what = f"block ∂{of}/∂{x}{outer_i}: entry (k, l) is ∂{of}{inner_k}/∂{x}{outer_i}"
    if len(inner) == 1:
        what = what.replace("(k, l)", "k")
    flat = [t for row in grid for t in row]
    if len(grid[0]) > 1:
        layout = Table.grid(padding=(0, 2))
        for row in grid:
            layout.add_row(*row)
        if Measurement.get(out, out.options, layout).maximum + 2 <= out.width:
            return Group(Text(what, style=NOTE), layout)
    return Group(Text(what, style=NOTE), Columns(flat, padding=(0, 2)))


# ---- explain -----------------------------------------------------------------------------------

_HEADINGS = ("intermediate variables:", "local derivatives:", "chain rule:", "substitution:",
             "simplified:")


def print_explanation(explanation, color: bool = True, out: Console | None = None) -> None:
    out = out or console(color)
    nodes: list[Node] = [with_kinds(explanation.checked.parsed.expr, explanation.checked)]
    nodes += [u.var for u in explanation.intermediates]
    names = names_in(*nodes)
    names.update({text_name(explanation.wrt.name, explanation.wrt.kind): explanation.wrt.kind})
    lines = explanation.text().split("\n")
    for k, line in enumerate(lines):
        if k == 0:
            out.print(styled(line, names, style="bold"))
        elif line in _HEADINGS:
            out.print(Text(line, style=LABEL))
        elif line.lstrip().startswith("shapes:"):
            out.print(Text(line, style=NOTE))
        else:
            out.print(styled(line, names))


__all__: Iterable[str] = ("print_shape", "print_value", "print_diff", "print_explanation", "console")
