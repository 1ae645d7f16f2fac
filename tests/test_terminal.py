"""SPEC §2.3 rich output: kinds visible (vectors and matrices bold, scalars italic), shapes, the
layout, `--dims` tables with row and column headers, block layouts beyond two axes; NO_COLOR,
--no-color and the terminal width; rich only on the rich path; the default on a terminal.

Printers write to a rich Console on a StringIO with `force_terminal=True`, so the ANSI styles
can be read back; one test runs the installed console script on a pseudo-terminal.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from mcalc import api
from mcalc.nodes import Kind
from mcalc.printing import terminal

MCALC = Path(sys.executable).with_name("mcalc")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOLD, ITALIC = "\x1b[1m", "\x1b[3m"


def render(printer, *args, width=100, color=True, **kw) -> str:
    buf = io.StringIO()
    out = terminal.console(color, file=buf, width=width, force_terminal=True)
    printer(*args, out=out, **kw)
    return buf.getvalue()


def plain(text: str) -> str:
    return ANSI.sub("", text)


def styles_of(text: str, name: str) -> set[str]:
    """The SGR codes in force where `name` is printed (every occurrence)."""
    found = set()
    for m in re.finditer(r"((?:\x1b\[[0-9;]*m)+)" + re.escape(name), text):
        found.add(m.group(1))
    return found


# ---- kinds made visible ---------------------------------------------------------------------------

def test_styled_marks_each_name_by_kind_and_skips_function_names():
    text = terminal.styled("tr(XᵀA) + relu(α) 𝐱ᵀ𝐲", {"X": Kind.MATRIX, "A": Kind.MATRIX, "α": Kind.SCALAR,
                                                     "𝐱": Kind.VECTOR, "𝐲": Kind.VECTOR,
                                                     "t": Kind.SCALAR, "r": Kind.SCALAR})
    spans = {text.plain[s.start:s.end]: str(s.style) for s in text.spans}
    assert spans == {"X": "bold", "A": "bold", "α": "italic", "𝐱": "bold", "𝐲": "bold"}


def test_longest_name_wins():
    text = terminal.styled("x₁ + x", {"x": Kind.SCALAR, "x₁": Kind.SCALAR})
    assert [text.plain[s.start:s.end] for s in text.spans] == ["x₁", "x"]


def test_diff_shows_input_kinds_shapes_derivative_and_layout():
    r = api.diff("**x**^T A **x** + b", "x")
    out = render(terminal.print_diff, r)
    text = plain(out)
    assert "𝐱ᵀA𝐱 + b" in text and "𝐱ᵀ(A + Aᵀ)" in text
    assert re.search(r"𝐱\s+vector\s+n × 1", text) and re.search(r"A\s+matrix\s+n × n", text)
    assert re.search(r"b\s+scalar", text)
    assert re.search(r"shape\s+1 × n\s+numerator layout", text)
    assert BOLD in "".join(styles_of(out, "𝐱")) and BOLD in "".join(styles_of(out, "A"))
    assert any(ITALIC in s for s in styles_of(out, "b"))


def test_no_color_and_NO_COLOR_print_no_escape_codes(monkeypatch):
    r = api.diff("**x**^T A **x**", "x")
    assert ANSI.search(render(terminal.print_diff, r))
    assert not ANSI.search(render(terminal.print_diff, r, color=False))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(render(terminal.print_diff, r))


@pytest.mark.parametrize("width", [40, 60, 100])
def test_lines_fit_the_terminal_width(width):
    r = api.diff("sigmoid(W_2 relu(W_1 **x** + **b**_1) + **b**_2)", "x")
    out = plain(render(terminal.print_diff, r, width=width))
    assert max(cell_len(line) for line in out.splitlines()) <= width
    r = api.diff("**x**^T A **x**", "x")
    out = plain(render(terminal.print_diff, r, {"n": 4}, width=width))
    assert max(cell_len(line) for line in out.splitlines()) <= width
    assert "∂/∂x₄" in out or width < 60


# ---- --dims tables -------------------------------------------------------------------------------

def test_jacobian_table_has_row_and_column_headers():
    r = api.diff("exp(**x**) + A **x**", "x")
    out = plain(render(terminal.print_diff, r, {"n": 3}))
    header = next(line for line in out.splitlines() if "∂/∂x₁" in line)
    assert header.index("∂/∂x₁") < header.index("∂/∂x₂") < header.index("∂/∂x₃")
    assert all(f"∂f{s}" in out for s in "₁₂₃")
    assert re.search(r"│ (A₁₁ \+ exp\(x₁\)|exp\(x₁\) \+ A₁₁) │ A₁₂ ", out)


def test_gradient_table_and_denominator_layout():
    r = api.diff("**x**^T **x**", "x")
    out = plain(render(terminal.print_diff, r, {"n": 2}))
    assert "∂f" in out and "∂/∂x₂" in out and "2x₁" in out
    r = api.diff("**x**^T **x**", "x", layout="denominator")
    out = plain(render(terminal.print_diff, r, {"n": 2}))
    rows = [line for line in out.splitlines() if "∂/∂x" in line]
    assert len(rows) == 2                          # one row per x component, one column ∂f


def test_stacked_scalars_are_the_columns():
    r = api.diff("[3x^2y, 2x + y^8]", "x,y")
    out = plain(render(terminal.print_diff, r, {}))
    assert "∂/∂x" in out and "∂/∂y" in out and "8y⁷" in out


def test_hessian_table():
    r = api.hessian("sum(exp(**x**))", "x")
    out = plain(render(terminal.print_diff, r, {"n": 2}))
    assert "∂²/∂𝐱²" in out
    assert sum("∂/∂x₁" in line for line in out.splitlines()) == 2     # a column and a row header
    assert "exp(x₂)" in out


def test_four_axes_are_blocks():
    r = api.diff("A X", "X")
    out = plain(render(terminal.print_diff, r, {"n": 2, "m": 2, "k": 2}, width=100))
    for title in ("∂F₁₁/∂X", "∂F₁₂/∂X", "∂F₂₁/∂X", "∂F₂₂/∂X"):
        assert title in out
    assert "entry (k, l) is ∂Fᵢⱼ/∂Xₖₗ" in out
    # a block matrix when it fits: ∂F₁₁ and ∂F₁₂ side by side
    assert any("∂F₁₁/∂X" in line and "∂F₁₂/∂X" in line for line in out.splitlines())


def test_three_axes_are_blocks():
    r = api.diff("W **x**", "W")
    out = plain(render(terminal.print_diff, r, {"n": 2, "m": 2}))
    assert "∂f₁/∂W" in out and "∂f₂/∂W" in out and "x₂" in out


def test_scalar_by_matrix_says_what_an_entry_is():
    r = api.diff("tr(A X)", "X")
    out = plain(render(terminal.print_diff, r, {"n": 2, "m": 3}))
    assert "entry (i, j) = ∂f/∂Xⱼᵢ" in out


# ---- shape, eval, explain -------------------------------------------------------------------------

def test_shape_tree():
    out = render(terminal.print_shape, api.shape("W **x** + **b**"))
    text = plain(out)
    assert re.search(r"W𝐱 \+ 𝐛\s+vector\s+m × 1", text)
    assert "└── 𝐛" in text and re.search(r"W\s+matrix\s+m × n", text)


def test_value_matrix():
    out = plain(render(terminal.print_value, api.evaluate("**x** **x**^T", {"x": [1, 2]})))
    assert re.search(r"1\s+2\s*\n.*2\s+4", out) and "2 × 2" in out


def test_explanation():
    from mcalc.explanation import explain
    out = render(terminal.print_explanation, explain("sin(x^2)", "x"))
    text = plain(out)
    assert "chain rule:" in text and "u₁" in text
    assert any(ITALIC in s for s in styles_of(out, "u₁"))


# ---- the CLI on a terminal, and rich only where it is needed ---------------------------------------

def _on_a_terminal(args, env=None) -> str:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update({"COLUMNS": "90", **(env or {})})
    proc = subprocess.Popen([str(MCALC), *args], stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
                            env=environment, cwd="/tmp")
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not MCALC.exists(), reason="the console script is not installed")
def test_rich_is_the_default_on_a_terminal():
    out = _on_a_terminal(["diff", "**x**^T A **x**", "--wrt", "x"])
    assert ANSI.search(out) and "numerator layout" in out
    assert not ANSI.search(_on_a_terminal(["diff", "**x**^T A **x**", "--wrt", "x", "--no-color"]))
    assert not ANSI.search(_on_a_terminal(["diff", "**x**^T A **x**", "--wrt", "x"], env={"NO_COLOR": "1"}))


def test_plain_text_does_not_import_rich():
    code = ("import sys\nfrom mcalc.cli import run\n"
            "sys.argv = ['mcalc', 'diff', '**x**^T A **x**', '--wrt', 'x', '-f', 'text']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr
