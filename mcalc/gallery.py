"""The README's gallery: real outputs of a few commands, their LaTeX, and its rendering.

    python -m mcalc.gallery > gallery.md   # writes man/gallery/*.png; the README's section

Runs each example through the CLI (text and `-f latex`), compiles the LaTeX with pdflatex
(article; amsmath, amssymb, bm — the packages `--standalone` uses) on a page cropped to the
formula, and turns the page into a PNG with pdftoppm (Debian: texlive-latex-base,
texlive-latex-recommended, poppler-utils). The tests do not need these tools; this script does.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from .cli import app

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "man" / "gallery"

# (file name, what it shows, the mcalc arguments)
EXAMPLES = [
    ("quadratic-form", "The gradient of a quadratic form, a row in numerator layout",
     ["diff", "**x**^T A **x**", "--wrt", "x"]),
    ("neuron", "A neuron's activation (Parr & Howard §4.5), one result per variable",
     ["diff", "max(0, **w**·**x** + b)", "--wrt", "w", "--wrt", "b"]),
    ("jacobian", "Parr & Howard's 2×2 Jacobian of two scalar variables",
     ["diff", "[3x^2y, 2x + y^8]", "--wrt", "x,y"]),
    ("entries", "The Jacobian entry by entry at n = 2 (`--dims`), as a bmatrix",
     ["diff", "**x**^T A **x**", "--wrt", "x", "--dims", "n=2"]),
    ("kronecker", "A derivative with four axes, in vec/Kronecker form",
     ["diff", "A X B", "--wrt", "X"]),
    ("hessian", "A Hessian", ["hessian", "**x**^T A **x** + sum(exp(**x**))", "--wrt", "x"]),
    ("explain", "The chain rule step by step (`mcalc explain`, an align* block)",
     ["explain", "sigmoid(**w**·**x** + b)", "--wrt", "w"]),
]

CROPPED = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{bm}
\begin{document}
\setbox0=\hbox{$\displaystyle
%s
$}
\pdfpagewidth=\dimexpr\wd0+16pt\relax
\pdfpageheight=\dimexpr\ht0+\dp0+16pt\relax
\pdfhorigin=8pt
\pdfvorigin=8pt
\shipout\vbox{\box0}
\end{document}
"""


def run(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        raise SystemExit(f"mcalc {' '.join(args)} failed: {result.output}")
    return result.stdout.rstrip("\n")


def render_png(latex: str, target: Path, dpi: int = 160) -> None:
    """One or more formulas (one per line; an align* block) → a PNG cropped to them."""
    lines = latex.split("\n")
    if lines[0].startswith(r"\begin{align"):
        body = "\\begin{aligned}\n" + "\n".join(lines[1:-1]) + "\n\\end{aligned}"
    else:
        body = "\\begin{gathered}\n" + " \\\\[6pt]\n".join(lines) + "\n\\end{gathered}"
    with tempfile.TemporaryDirectory(prefix="mcalc-gallery-") as tmp:
        (Path(tmp) / "f.tex").write_text(CROPPED % body, encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "f.tex"], cwd=tmp,
                       check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "f.pdf", "f"], cwd=tmp,
                       check=True, capture_output=True)
        shutil.copyfile(Path(tmp) / "f.png", target)


def quote(arg: str) -> str:
    return arg if arg.replace("-", "").replace(",", "").replace("=", "").isalnum() else f"'{arg}'"


def main() -> None:
    for tool in ("pdflatex", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian: texlive-latex-base, texlive-latex-recommended, "
                             "poppler-utils)")
    OUT.mkdir(parents=True, exist_ok=True)
    out = []
    for name, what, args in EXAMPLES:
        command = "mcalc " + " ".join(quote(a) for a in args)
        text = run(args + ["-f", "text"])
        latex = run(args + ["-f", "latex"])
        render_png(latex, OUT / f"{name}.png")
        out += [f"**{what}**", "", "```console", f"$ {command}", text, "",
                f"$ {command} -f latex", latex, "```", "",
                f"![{what}, rendered by pdflatex](man/gallery/{name}.png)", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
