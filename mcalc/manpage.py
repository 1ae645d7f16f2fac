"""The manual page `man/mcalc.1`, generated from the CLI definition.

    python -m mcalc.manpage > man/mcalc.1

Every command, argument and option comes from the typer/click command tree (its help text,
metavar, choices, default), so the page cannot fall out of step with `--help`:
tests/test_man.py regenerates it and fails on any difference. The sections that are not
about options (notation, JSON interface, exit status, examples, limits) are written here.
Output is ASCII groff `man` source; other characters become `\\[uXXXX]` escapes.
"""
from __future__ import annotations

import re
import sys

import typer.main

from . import __version__
from .cli import app

# ---- groff helpers ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """Plain text → groff: backslashes, hyphens as `\\-`, non-ASCII as `\\[uXXXX]`."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append(r"\e")
        elif ch == "-":
            out.append(r"\-")
        elif ord(ch) > 127:
            out.append(rf"\[u{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out)


def line(text: str) -> str:
    """A text line: one that starts with `.` or `'` would be read as a request."""
    text = escape(text)
    return r"\&" + text if text[:1] in (".", "'") else text


def bold(text: str) -> str:
    return rf"\fB{escape(text)}\fR"


def italic(text: str) -> str:
    return rf"\fI{escape(text)}\fR"


def paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, each on one line (the source wraps them by hand)."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def example(command: str) -> list[str]:
    return [".PP", ".RS 4", ".EX", line(command), ".EE", ".RE"]


def prose(text: str) -> list[str]:
    """Paragraphs of help text; `Example: mcalc …` becomes an example block."""
    out: list[str] = []
    for p in paragraphs(text):
        before, found, after = p.partition("Example: ")
        if before.strip():
            out += [".PP", line(before.strip())]
        if found:
            out += [".PP", "Example:"] + example(after.strip())
    return out


# ---- the command tree --------------------------------------------------------------------------


def root_command():
    return typer.main.get_command(app)


# Duck-typed: typer vendors click (typer._click) in recent versions and imports it in older ones.

def is_argument(param) -> bool:
    return param.param_type_name == "argument"


def is_option(param) -> bool:
    return param.param_type_name == "option"


def value_name(param) -> str:
    if hasattr(param.type, "choices"):
        return "|".join(str(c) for c in param.type.choices)
    return param.metavar or param.name.upper()


def option_item(param) -> list[str]:
    names = sorted(param.opts, key=lambda o: (o.startswith("--"), o))
    head = ", ".join(bold(n) for n in names)
    if not param.is_flag:
        head += " " + italic(value_name(param))
    notes = []
    if param.required:
        notes.append("required")
    if param.multiple and "repeatable" not in (param.help or ""):
        notes.append("repeatable")
    default = param.default
    if hasattr(default, "value"):
        default = default.value
    if default not in (None, False, ()) and not param.is_flag:
        notes.append(f"default: {default}")
    body = (param.help or "").strip()
    if notes:
        body += f" ({'; '.join(notes)})"
    return [".TP", head, line(body)]


def usage(name: str, command) -> str:
    parts = [bold(f"mcalc {name}")]
    for p in command.params:
        if is_argument(p):
            parts.append(italic(p.metavar or p.name.upper()))
    for p in command.params:
        if is_option(p) and p.required:
            parts.append(bold(p.opts[0]) + " " + italic(value_name(p)))
    parts.append("[" + italic("options") + "]")
    return " ".join(parts)


def commands_section(group) -> list[str]:
    out = [".SH COMMANDS"]
    for name, command in group.commands.items():
        out += [".SS " + escape(name), usage(name, command)]
        out += prose(command.help or "")
        arguments = [p for p in command.params if is_argument(p)]
        options = [p for p in command.params if is_option(p)]
        for p in arguments:
            out += [".TP", italic(p.metavar or p.name.upper()), line(getattr(p, "help", "") or "")]
        for p in options:
            out += option_item(p)
    return out


def global_options(group) -> list[str]:
    out = [".SH OPTIONS", "Before the command:"]
    for p in group.params:
        if is_option(p):
            out += option_item(p)
    out += [".TP", bold("-h") + ", " + bold("--help"),
            "Show the help of mcalc, or of a command after its name, and exit."]
    return out


# ---- the hand-written sections ----------------------------------------------------------------

NOTATION = r"""
.SH NOTATION
An expression is written as on paper; the kind of each name decides how it is printed
and what products mean.
.TP
.B scalar
a plain lowercase Latin or Greek letter: \fBx\fR, \fBb\fR, \fBalpha\fR, \fB\[u03B1]\fR; also
\fB\emathit{L}\fR. Printed in italics.
.TP
.B vector
a bold mark on any occurrence: \fB**x**\fR, \fB\emathbf{x}\fR, \fB\ebm{x}\fR,
\fB\eboldsymbol{x}\fR or Unicode bold \fB\[u1D431]\fR. A column, n\[u00D7]1; printed bold.
.TP
.B matrix
an uppercase letter, marked or not: \fBA\fR, \fB**A**\fR, \fBW_h\fR. Printed bold.
.PP
Names are one letter with an optional subscript (\fBx_1\fR, \fBW_h\fR, \fBb_{out}\fR);
adjacent letters multiply (\fB3x^2y\fR). Declarations fix kinds and sizes:
\fB\&... where x: n, W: m\[u00D7]n, b: scalar\fR, or \fB\-\-let 'W: m\[u00D7]n'\fR;
\fBx \[u2208] R^n\fR works too.
.TP
.B operators
transpose \fB^T\fR \fB\[u1D40]\fR \fB'\fR; inverse \fB^\-1\fR; power \fB^\fR, element\-wise
\fB.^\fR; products by juxtaposition, \fB*\fR or \fB@\fR (matrix product by shape; a scalar
scales); dot product \fB\[u00B7]\fR or \fBdot(a, b)\fR; element\-wise \fB\[u2299]\fR \fB\[u2218]\fR
\fB.*\fR \fB\[u2297]\fR; division \fB/\fR, \fB\[u2298]\fR, \fB./\fR; Kronecker \fBkron(A, B)\fR;
sums \fB+\fR \fB\-\fR with scalar expansion and row broadcasting.
.TP
.B constants
\fB**1**\fR (ones), \fB**0**\fR (zeros), \fBI\fR (identity), \fBpi\fR; literals
\fB[a, b, c]\fR (a column) and \fB[[1, 2], [3, 4]]\fR (rows).
.TP
.B functions
element\-wise \fBexp log ln sqrt sin cos tan tanh sinh cosh arcsin arccos arctan sigmoid
relu softplus abs sign step max min\fR; reductions \fBsum mean norm norm1 tr det logdet
logsumexp\fR and \fB\[u2016]x\[u2016]\fR; matrix \fBinv diag kron vec softmax\fR.
.SH LAYOUT AND SHAPES
Numerator layout by default (Parr & Howard): the gradient of a scalar by an n\-vector is a
1\[u00D7]n row, a Jacobian is m\[u00D7]n, \[u2202]f/\[u2202]X for X of shape p\[u00D7]q is
q\[u00D7]p. \fB\-\-layout denominator\fR transposes each of these. Results with more than two
axes are printed as \[u2202]vec F/\[u2202]vec X in Kronecker form; their shape lists the
output's axes, then the input's (m\[u00D7]n\[u00D7]p\[u00D7]q).
.SH OUTPUT FORMATS
.TP
.B rich
the default on a terminal: the input with each variable's kind visible (vectors and matrices
bold, scalars italic) and its shape, the derivative, its shape and layout; \fB\-\-dims\fR
tables with row and column headers. Honours \fBNO_COLOR\fR, \fB\-\-no\-color\fR and the
terminal width.
.TP
.B text
the default when stdout is not a terminal: one line per result in Unicode math;
\fB\-\-ascii\fR prints mcalc's own input notation, which reads back.
.TP
.B latex
for documents: \fB\efrac{\epartial}{\epartial \emathbf{x}}\eleft(...\eright) = ...\fR;
\fB\-\-dims\fR entries as a \fBbmatrix\fR; \fBexplain\fR as an \fBalign*\fR block.
\fB\-\-standalone\fR prints a whole document (article; amsmath, amssymb, bm). The output
renders in KaTeX (strict) and compiles with pdflatex.
.TP
.BR json ", " jsonl
one object per result (jsonl: one per line); see below.
"""

JSON = r"""
.SH JSON INTERFACE
This interface is stable. \fB\-f json\fR prints one object per result:
.PP
.RS 4
.EX
{"input": "**x**^T A **x**", "wrt": "x", "layout": "numerator",
 "derivative": {"text": "\[u1D431]\[u1D40](A + A\[u1D40])", "ascii": "**x**^T (A + A^T)",
                "latex": "...", "shape": ["1", "n"]},
 "variables": {"x": {"kind": "vector", "shape": ["n", "1"]},
               "A": {"kind": "matrix", "shape": ["n", "n"]}},
 "dims": {"n": null}}
.EE
.RE
.IP \(bu 3
\fBshape\fR lists every axis as a string (a dimension symbol or an integer); scalars have [].
.IP \(bu 3
\fBascii\fR is valid mcalc input: parsed again with the same variables it gives the same
expression. For results with more than two axes it is the index form, and \fBtext\fR and
\fBlatex\fR carry the Kronecker form.
.IP \(bu 3
With \fB\-\-dims\fR, \fBderivative\fR also has \fBentries\fR: nested lists of the full shape
of objects {"text": "2x\[u2081] + A\[u2081]\[u2082]", "python": "2*x_1 + A_1_2"}, and
\fBshape\fR gives the concrete sizes. Components are named x_1, A_1_2 (1\-based);
\fBpython\fR uses only operators, conditional expressions, abs, max, min and functions of
the math module.
.IP \(bu 3
An error prints {"input": ..., "error": {"type": "parse" | "shape" | "kind" | "limit" |
"unsupported" | "usage", "message": ..., "span": [start, end] or null}} on stdout in the json
formats; the human message always goes to stderr.
.IP \(bu 3
\fBmcalc eval \-f json\fR prints {"input": ..., "value": ..., "shape": [...]}: a number or
nested lists of exactly that shape (a column vector is [[1], [2], [3]]); NaN and \(+-inf are
null.
.IP \(bu 3
\fBmcalc shape \-f json\fR prints {"input": ..., "kind": ..., "shape": [...],
"variables": {...}, "tree": {...}}.
.IP \(bu 3
Batch: an EXPR of \fB\-\fR reads one expression per line from stdin and prints one result,
or one error record, per line, in order.
"""

EXIT = r"""
.SH EXIT STATUS
.TP
.B 0
success.
.TP
.B 1
a check failed (\fBmcalc check\fR found a mismatch), or some lines of a batch failed.
.TP
.B 2
bad input or usage: a parse, shape, kind, limit or unsupported error, or a bad option.
.SH ENVIRONMENT
.TP
.B NO_COLOR
when set, rich output has no colours or styles (as \fB\-\-no\-color\fR).
.TP
.B COLUMNS
the width of rich output when stdout is not a terminal that reports its own.
.TP
.B MCALC_DEBUG
set to 1 to see Python tracebacks of internal errors.
"""

EXAMPLES = [
    ("The gradient of a quadratic form (a 1\u00d7n row in numerator layout):",
     "mcalc diff '**x**^T A **x**' --wrt x"),
    ("A neuron: one result per variable:", "mcalc diff 'max(0, **w**\u00b7**x** + b)' --wrt w --wrt b"),
    ("Parr & Howard's 2\u00d72 Jacobian of two scalar variables:",
     "mcalc diff '[3x^2y, 2x + y^8]' --wrt x,y"),
    ("A Hessian:", "mcalc hessian '**x**^T A **x**' --wrt x"),
    ("The Jacobian entry by entry, at n = 2:", "mcalc diff '**x**^T A **x**' --wrt x --dims n=2"),
    ("LaTeX appended to notes, or a whole document for pdflatex:",
     "mcalc diff 'sigmoid(**w**\u00b7**x** + b)' --wrt w -f latex >> notes.tex\n"
     "mcalc diff 'A X B' --wrt X --standalone > d.tex && pdflatex d.tex"),
    ("The chain rule step by step:", "mcalc explain 'sin(x^2)' --wrt x"),
    ("Check a hand-derived answer (exit status 1: wrong unless A is symmetric):",
     "mcalc check '**x**^T A **x**' --wrt x --claim '2 **x**^T A'"),
    ("A value, and the shape of every part of an expression:",
     "mcalc eval '**x**^T A **x**' --at 'x=[1,2]' --at 'A=[[1,2],[3,4]]'\n"
     "mcalc shape 'W **x** + **b**'"),
    ("In a script: derivatives of many expressions as JSON lines, read with jq:",
     "printf '%s\\n' 'sum(**x**)' '**x**^T **x**' |\n"
     "  mcalc diff - --wrt x -f jsonl | jq -r '.derivative.ascii'"),
]


def examples_section() -> list[str]:
    out = [".SH EXAMPLES"]
    for text, command in EXAMPLES:
        out += [".PP", line(text), ".RS 4", ".EX"] + [line(c) for c in command.split("\n")]
        out += [".EE", ".RE"]
    return out


def limits_section() -> list[str]:
    from .components import MAX_ENTRIES
    from .parser import (MAX_INPUT_CHARS, MAX_NESTING, MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT,
                         MAX_TREE_DEPTH)
    items = [
        f"an expression of at most {MAX_INPUT_CHARS:,} characters, brackets nested at most "
        f"{MAX_NESTING} deep, operators chained at most {MAX_TREE_DEPTH:,} deep;",
        f"numbers of at most {MAX_NUMBER_DIGITS} digits with an exponent of at most "
        f"{MAX_NUMBER_EXPONENT};",
        f"--dims sizes of at most 10,000, and at most {MAX_ENTRIES:,} entries printed;",
        "explain follows scalar and vector variables and intermediates; derivatives through "
        "kron of the variable are not supported yet (an unsupported error, exit status 2).",
    ]
    out = [".SH LIMITS",
           line("Larger or deeper input is refused at once with a limit error (exit status 2):")]
    for item in items:
        out += [r".IP \(bu 3", line(item)]
    return out


def render() -> str:
    group = root_command()
    out = [
        r'.\" Generated by "python -m mcalc.manpage > man/mcalc.1"; do not edit by hand.',
        f'.TH MCALC 1 "" "mcalc {escape(__version__)}" "User Commands"',
        ".nh", ".ad l",
        ".SH NAME",
        r"mcalc \- matrix calculus on the command line: gradients, Jacobians and Hessians",
        ".SH SYNOPSIS",
        rf"{bold('mcalc')} [{bold('--version')}] {italic('command')} {italic('EXPR')} "
        rf"[{italic('options')}]",
        ".br",
        r"where \fIcommand\fR is one of " + ", ".join(bold(n) for n in group.commands) + ".",
        ".SH DESCRIPTION",
    ]
    out += prose(group.help or "")
    out += [".PP", line("Results are printed the way a textbook writes them, in matrix notation "
                        "with their shapes, as a rich terminal display, plain text, LaTeX or "
                        "JSON. Every derivative can be checked against finite differences "
                        "(mcalc check).")]
    out += commands_section(group)
    out += global_options(group)
    out += NOTATION.strip().split("\n")
    out += JSON.strip().split("\n")
    out += EXIT.strip().split("\n")
    out += limits_section()
    out += examples_section()
    out += [".SH SHELL COMPLETION",
            line("mcalc --install-completion installs completion for the current shell "
                 "(bash, zsh, fish, PowerShell); mcalc --show-completion prints the script "
                 "to install by hand."),
            ".SH SEE ALSO",
            line("T. Parr and J. Howard, The Matrix Calculus You Need For Deep Learning, "
                 "arXiv:1802.01528. K. B. Petersen and M. S. Pedersen, The Matrix Cookbook."),
            ]
    text = "\n".join(out) + "\n"
    assert text.isascii(), "the man page source must be ASCII"
    return text


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
