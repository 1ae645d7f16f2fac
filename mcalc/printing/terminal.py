"""Rich terminal output: kinds made visible (vectors and matrices bold, scalars italic)."""
from __future__ import annotations

import os

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..api import EvalResult, ShapeResult, describe_shape
from .text import text_name, to_text

_STYLE = {"vector": "bold", "row": "bold", "matrix": "bold", "scalar": "italic"}


def console(color: bool = True) -> Console:
    no_color = not color or "NO_COLOR" in os.environ
    return Console(markup=False, highlight=False, no_color=no_color,
                   style=None if not no_color else None, emoji=False)


def styled_input(result: ShapeResult) -> Text:
    """The input in Unicode math with each name styled by its kind."""
    text = Text(to_text(result.typed_input()))
    for name, t in result.checked.variables.items():
        shown = text_name(name, t.kind)
        start = 0
        while (i := text.plain.find(shown, start)) >= 0:
            text.stylize(_STYLE[t.kind.value], i, i + len(shown))
            start = i + len(shown)
    return text


def print_shape(result: ShapeResult, color: bool = True) -> None:
    out = console(color)
    line = styled_input(result)
    line.append(f"   {result.kind}  {describe_shape(result.shape)}", style="dim")
    out.print(line)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("name")
    table.add_column("kind")
    table.add_column("shape")
    for name, t in result.checked.variables.items():
        table.add_row(Text(text_name(name, t.kind), style=_STYLE[t.kind.value]), t.kind.value,
                      describe_shape(t.axes()))
    out.print(table)


def print_value(result: EvalResult, color: bool = True) -> None:
    out = console(color)
    out.print(Text(result.input, style="bold"))
    out.print(Text(f"= {result.text}"))
    out.print(Text(f"  [{describe_shape(result.shape)}]", style="dim"))


def print_diff(result, sizes=None, color: bool = True) -> None:
    out = console(color)
    line = Text(result.operator_text())
    line.append(" = ")
    line.append(result.text, style="bold")
    out.print(line)
    layout = f"{result.layout} layout" + ("; ∂vec F/∂vec X, Kronecker form" if result.vec_form else "")
    out.print(Text(f"  shape {describe_shape(result.shape)}   ({layout})", style="dim"))
    if sizes:
        entries = result.to_json(sizes)["derivative"]["entries"]
        if isinstance(entries, list) and entries and isinstance(entries[0], list) \
                and entries[0] and isinstance(entries[0][0], dict):
            table = Table(show_header=True, header_style="bold")
            table.add_column("")
            for j in range(len(entries[0])):
                table.add_column(f"∂/∂{j + 1}")
            for i, row in enumerate(entries):
                table.add_row(f"∂f{_sub(i + 1)}", *(e["text"] for e in row))
            out.print(table)
        else:
            from .records import _entry_rows
            for row in _entry_rows(entries, "text"):
                out.print(Text("  " + row))


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def print_explanation(explanation, color: bool = True) -> None:
    out = console(color)
    for line in explanation.text().split("\n"):
        style = "bold" if line.endswith(":") and not line.startswith(" ") else None
        out.print(Text(line, style=style))
