"""SPEC §2.3: every LaTeX output renders in KaTeX (strict mode) and compiles with pdflatex
(article; amsmath, amssymb, bm).

The formulas: `diff -f latex` of every identity of the corpus in both layouts (Hessians and
∂vec forms included), `explain -f latex` of a few dozen scalar and vector identities, `shape
-f latex` of every notation case, `--dims` entry matrices for a sample, values of `eval`, and
inputs chosen to stress the printer (Greek capitals, subscripts, wide matrices, huge numbers).
They are generated once per session and checked in batches: one node process renders all of
them with KaTeX (tests/latex/katex_check.js), one pdflatex run compiles them all as one
document, one display each; when that run fails, bisection names the formulas that broke it.
`--standalone` documents from the CLI are compiled as they are.

KaTeX comes from tests/latex/node_modules (`npm install --prefix tests/latex`) and pdflatex
from Debian's texlive-latex-base and texlive-latex-recommended; `.ci/run` installs both. When
one is missing these tests fail if the environment variable CI is set, and skip otherwise.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcalc import api
from mcalc.cli import app
from mcalc.errors import MCalcError
from mcalc.nodes import Kind
from mcalc.printing.latex import DOCUMENT_BEGIN, DOCUMENT_END, display, latex_name, standalone, to_latex
from mcalc.printing.records import diff_latex, shape_latex, value_latex
from tests.corpus.identities import IDENTITIES
from tests.test_notation import CASES

HERE = Path(__file__).resolve().parent
KATEX_SCRIPT = HERE / "latex" / "katex_check.js"
KATEX_MODULE = HERE / "latex" / "node_modules" / "katex"


def need(ok: bool, what: str) -> None:
    """Fail in CI (the tools must be there), skip elsewhere."""
    if ok:
        return
    message = f"{what} (.ci/run installs it; see tests/test_latex.py)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# ---- the formulas -------------------------------------------------------------------------------

# Explain runs on scalar and vector variables; a few dozen of them.
EXPLAINED = 40
# --dims entry matrices: corpus identities cheap for SymPy at size 2 (a Jacobian, a gradient by
# a matrix, ∂vec forms, Hessians), plus one wider than amsmath's ten bmatrix columns.
DIMS_SAMPLE = [
    ("**x**^T A **x**", "x", False, None),
    ("**x**^T A **x**", "x", False, "n=11"),
    ("**x**^T A **x**", "x", True, None),
    ("**a**^T X **b**", "X", False, None),
    ("A X B", "X", False, None),
    ("W **x** + **b**", "W", False, None),
    ("exp(**x**)", "x", False, None),
    ("sum(exp(**x**)) + b **x**^T **x**", "x", True, None),
    ("max(0, **w**·**x** + b)", "w", False, None),
    ("sigmoid(**w**·**x** + b)", "w", False, None),
    ("[3x^2y, 2x + y^8]", "x,y", False, None),
    ("alpha **x** + beta_1 **y**", "x", False, None),
    ("**α** · **x**_1 + W_h **x**_1", "x_1", False, None),
    ("tr(X^T X)", "X", True, None),
    ("‖**x** - **c**‖", "x", False, None),
    ("softmax(**x**)", "x", False, None),
    ("A^-1 **x** where A: 2×2", "x", False, None),
]
# Inputs chosen to stress the printer; each is printed by `shape` and differentiated by the
# first of its variables where that works.
STRESS = [
    "Α + Β + ς + Ω + ϑ + ϵ + ϕ + ο", "**Α** **x**", "**Σ** **x** + **μ**", "Γ_{ab} x_{12}",
    "b_{out} + **x**_1 · **y**_{in}", "W_h **x** + **b**_h", "1e300 x + 1e-300", "0.001 x + 1/3 x",
    "12345678901234567890 x", "x^{-1/2} + x^0.5", "[[1,2,3,4,5,6,7,8,9,10,11,12]] **x**",
    "[1,2,3,4,5,6,7,8,9,10,11]", "kron(A, B)", "vec(X)", "mean(X) + ‖X‖ + norm1(**x**)",
    "logdet(X) + det(X^2) + tr(X^-1)", "abs(**x**) ⊙ sign(**x**) ⊘ (**1** + exp(-**x**))",
    "X .^ 2 + X^2 where X: n×n", "diag(**x**) A diag(**y**)", "(A ⊙ B)(C ⊗ D)",
    "max(x, y) - min(**x**, 0)", "step(x) relu(x) softplus(x) tanh(x) arcsin(x) arccos(x)",
    "logsumexp(**x**) - **x**^T **y**", "pi x + π", "a (-b) - -c", "(x/2)^2 + x/(y z)",
    "sqrt(**x**^T **x**)", "X ⊙ Y ./ Z", "**x** **y**^T - **y** **x**^T", "A + **b**^T",
    "sigmoid(W_2 relu(W_1 **x** + **b**_1) + **b**_2)", "‖A **x** - **b**‖^2 + lambda ‖**x**‖^2",
]


def _first_variable(result) -> str | None:
    names = list(result.checked.variables)
    return names[0] if names else None


@pytest.fixture(scope="session")
def formulas() -> list[tuple[str, str]]:
    """(id, LaTeX) for every formula checked here."""
    out: list[tuple[str, str]] = []
    for k, identity in enumerate(IDENTITIES):
        for layout in ("numerator", "denominator"):
            try:
                result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian, layout=layout)
            except MCalcError:
                continue                   # the known-unsupported ones (test_corpus.py)
            out.append((f"diff {layout} #{k}: {identity.expr} wrt {identity.wrt}", diff_latex(result)))
    from mcalc.explanation import explain
    explained = 0
    for k, identity in enumerate(IDENTITIES):
        if explained == EXPLAINED:
            break
        if identity.hessian:
            continue
        try:
            e = explain(identity.expr, identity.wrt)
        except MCalcError:
            continue                       # matrix variables or intermediates
        if not e.intermediates:
            continue
        out.append((f"explain #{k}: {identity.expr} wrt {identity.wrt}", e.latex()))
        explained += 1
    for case in CASES:
        out.append((f"shape {case.id}: {case.expr}", shape_latex(api.shape(case.expr, let=case.let))))
    for expr, wrt, hessian, dims in DIMS_SAMPLE:
        result = api.diff(expr, wrt, hessian=hessian)
        sizes = api.parse_dims(dims) if dims else {}
        sizes.update({d: 2 for d in result.checked.dims if d not in sizes})
        out.append((f"dims {expr} wrt {wrt} {sizes}", diff_latex(result, sizes)))
    for expr in STRESS:
        shaped = api.shape(expr)
        out.append((f"stress shape {expr}", shape_latex(shaped)))
        wrt = _first_variable(shaped)
        if wrt:
            try:
                for layout in ("numerator", "denominator"):
                    out.append((f"stress diff {layout} {expr} wrt {wrt}",
                                diff_latex(api.diff(expr, wrt, layout=layout))))
            except MCalcError:
                pass
    for expr, values in [("**x**^T A **x**", {"x": [1, 2], "A": [[1, 2], [3, 4]]}),
                         ("**x** **x**^T", {"x": [1e-20, 3e30]}),
                         ("log(x)", {"x": 0}), ("**x**", {"x": [1.5, 2, 3]}),
                         ("A", {"A": [list(range(12))]})]:
        out.append((f"eval {expr}", value_latex(api.evaluate(expr, values))))
    return out


# ---- the checkers ------------------------------------------------------------------------------

def katex_failures(items: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(id, formula, error) for every formula KaTeX refuses in strict mode; one node process."""
    node = shutil.which("node")
    need(node is not None, "node is not installed")
    need(KATEX_MODULE.is_dir(), "KaTeX is not installed: run npm install --prefix tests/latex")
    payload = "".join(json.dumps({"id": str(k), "tex": tex}) + "\n" for k, (_, tex) in enumerate(items))
    proc = subprocess.run([node, str(KATEX_SCRIPT)], input=payload, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert records and records[-1].get("checked") == len(items), (proc.stdout[-2000:], proc.stderr[-2000:])
    return [(items[int(r["id"])][0], items[int(r["id"])][1], r["error"]) for r in records if "error" in r]


def compile_latex(document: str) -> tuple[bool, str]:
    """pdflatex on one document: (whether it compiled cleanly, the errors of its log)."""
    with tempfile.TemporaryDirectory(prefix="mcalc-latex-") as tmp:
        source = Path(tmp) / "formulas.tex"
        source.write_text(document, encoding="utf-8")
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                               source.name], cwd=tmp, capture_output=True, timeout=120)
        log_path = Path(tmp) / "formulas.log"
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else proc.stdout.decode("latin-1")
        errors = [m.group(0) for m in re.finditer(r"^! .*(?:\n.*){0,3}", log, re.M)]
        errors += re.findall(r"^Missing character: .*$", log, re.M)
        ok = proc.returncode == 0 and not errors and (Path(tmp) / "formulas.pdf").exists()
        return ok, "\n".join(errors) or log[-1500:]


def pdflatex_failures(items: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(id, formula, error) for every formula that does not compile: all in one document, and on
    failure bisected until each bad formula stands alone."""
    need(shutil.which("pdflatex") is not None,
         "pdflatex is not installed (Debian: texlive-latex-base texlive-latex-recommended)")
    ok, errors = compile_latex(standalone(tex for _, tex in items))
    if ok:
        return []
    if len(items) == 1:
        return [(items[0][0], items[0][1], errors)]
    half = len(items) // 2
    return pdflatex_failures(items[:half]) + pdflatex_failures(items[half:])


def report(failures: list[tuple[str, str, str]]) -> str:
    return "\n\n".join(f"{name}\n  {tex}\n  -> {error}" for name, tex, error in failures[:20])


# ---- tests --------------------------------------------------------------------------------------

def test_the_batch_covers_the_corpus(formulas):
    ids = [i for i, _ in formulas]
    assert sum(i.startswith("diff numerator") for i in ids) >= len(IDENTITIES) - 2
    assert sum(i.startswith("explain") for i in ids) == EXPLAINED
    assert sum(i.startswith("shape") for i in ids) == len(CASES)
    assert sum(i.startswith("dims") for i in ids) == len(DIMS_SAMPLE)
    assert any(r"\begin{bmatrix}" in tex for i, tex in formulas if i.startswith("dims"))
    assert any(r"\begin{array}" in tex for i, tex in formulas if i.startswith("dims"))


def test_only_ascii_reaches_latex(formulas):
    bad = [(i, tex) for i, tex in formulas if not tex.isascii()]
    assert not bad, "\n".join(f"{i}: {tex}" for i, tex in bad[:20])


def test_bold_greek_is_boldsymbol(formulas):
    bad = [(i, tex) for i, tex in formulas if re.search(r"\\mathbf\{\\", tex)]
    assert not bad, "\n".join(f"{i}: {tex}" for i, tex in bad[:20])


def test_katex_strict_renders_every_formula(formulas):
    failures = katex_failures(formulas)
    assert not failures, f"{len(failures)} formulas fail KaTeX (strict):\n" + report(failures)


def test_pdflatex_compiles_every_formula(formulas):
    failures = pdflatex_failures(formulas)
    assert not failures, f"{len(failures)} formulas fail pdflatex:\n" + report(failures)


def test_the_checkers_catch_bad_latex():
    """The harness itself: a broken formula is found and named, the good ones pass."""
    items = [("good", r"\frac{1}{2} \mathbf{x}"), ("bad", r"\frac{1}{2"), ("good too", r"x^\top")]
    assert [name for name, _, _ in katex_failures(items)] == ["bad"]
    assert [name for name, _, _ in pdflatex_failures(items)] == ["bad"]


# ---- --standalone documents, as the CLI prints them ---------------------------------------------

runner = CliRunner()

STANDALONE = [
    ["diff", "max(0, **w**·**x** + b)", "--wrt", "w", "--wrt", "b", "--standalone"],
    ["diff", "**x**^T A **x**", "--wrt", "x", "--dims", "n=3", "-f", "latex", "--standalone"],
    ["diff", "A X B", "--wrt", "X", "--standalone"],
    ["hessian", "**x**^T A **x** + sum(exp(**x**))", "--wrt", "x", "--standalone"],
    ["hessian", "tr(X^T A X)", "--wrt", "X", "--dims", "n=2,m=2", "--standalone"],
    ["explain", "sigmoid(**w**·**x** + b)", "--wrt", "w", "--standalone"],
    ["shape", "W **x** + **b**", "--standalone"],
    ["eval", "**x** **x**^T", "--at", "x=[1,2]", "--standalone"],
]


@pytest.mark.parametrize("args", STANDALONE, ids=[a[0] + " " + a[1] for a in STANDALONE])
def test_standalone_document_compiles(args):
    need(shutil.which("pdflatex") is not None, "pdflatex is not installed")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = result.stdout
    assert doc.startswith(r"\documentclass{article}") and doc.rstrip().endswith(r"\end{document}")
    for package in ("amsmath", "amssymb", "bm"):
        assert rf"\usepackage{{{package}}}" in doc
    assert doc.isascii()
    ok, errors = compile_latex(doc)
    assert ok, errors


def test_standalone_batch_is_one_document():
    result = runner.invoke(app, ["diff", "-", "--wrt", "x", "--standalone"],
                           input="**x**^T **x**\nsin(\nexp(**x**)\n")
    assert result.exit_code == 1                       # the bad line fails, the rest go on
    doc = result.stdout
    assert doc.count(r"\documentclass") == 1 and doc.count(r"\[") == 2
    if shutil.which("pdflatex"):
        ok, errors = compile_latex(doc)
        assert ok, errors


def test_standalone_needs_latex_format():
    result = runner.invoke(app, ["shape", "x", "--standalone", "-f", "json"])
    assert result.exit_code == 2


def test_latex_without_standalone_is_a_formula():
    result = runner.invoke(app, ["diff", "**x**^T A **x**", "--wrt", "x", "-f", "latex"])
    assert result.stdout.strip() == (r"\frac{\partial}{\partial \mathbf{x}}\left({\mathbf{x}}^\top "
                                     r"\mathbf{A} \mathbf{x}\right) = {\mathbf{x}}^\top "
                                     r"(\mathbf{A} + {\mathbf{A}}^\top)")


def test_document_helpers():
    assert display(r"\begin{align*} a &= b \end{align*}").startswith(r"\begin{align*}")
    assert display("x").startswith(r"\[")
    assert standalone(["x"]).startswith(DOCUMENT_BEGIN) and standalone(["x"]).endswith(DOCUMENT_END)


# ---- the printer's choices ------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind, latex", [
    ("x", Kind.VECTOR, r"\mathbf{x}"),
    ("α", Kind.VECTOR, r"\boldsymbol{\alpha}"),
    ("Σ", Kind.MATRIX, r"\boldsymbol{\Sigma}"),
    ("Α", Kind.SCALAR, r"\mathrm{A}"),
    ("ς", Kind.SCALAR, r"\varsigma"),
    ("b_out", Kind.SCALAR, r"b_{\mathrm{out}}"),
    ("W_h", Kind.MATRIX, r"\mathbf{W}_{h}"),
    ("x_12", Kind.VECTOR, r"\mathbf{x}_{12}"),
])
def test_latex_names(name, kind, latex):
    assert latex_name(name, kind) == latex


@pytest.mark.parametrize("expr, latex", [
    ("kron(A, B)", r"\mathbf{A} \otimes \mathbf{B} \in \mathbb{R}^{n k \times m p}"),
    ("1e300 x", r"10^{300} x \in \mathbb{R}"),
    ("1/3 x", r"\frac{1}{3} x \in \mathbb{R}"),
    ("[1,2,3,4,5,6,7,8,9,10,11]", r"\begin{bmatrix} 1 \\ 2"),
    ("[[1,2,3,4,5,6,7,8,9,10,11]]", r"\left[\begin{array}{ccccccccccc}"),
    ("**x** where x: n_{ab}", r"\mathbf{x} \in \mathbb{R}^{n_{\mathrm{ab}}}"),
])
def test_shape_latex(expr, latex):
    assert shape_latex(api.shape(expr)).startswith(latex)


def test_dims_components_are_italic_with_indices():
    r = api.diff("**x**^T A **x**", "x")
    assert "A_{12}" in diff_latex(r, {"n": 2})
    assert "A_{1,10}" in diff_latex(r, {"n": 10})
    r = api.diff("alpha **x**", "x")
    assert diff_latex(r, {"n": 2}).endswith(r"\begin{bmatrix} \alpha & 0 \\ 0 & \alpha \end{bmatrix}")
