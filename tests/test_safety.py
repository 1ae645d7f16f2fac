"""No execution of input (SPEC §2.6; issue 8): user text reaches only the grammar, and the LaTeX
mcalc prints holds only what mcalc generates, so pasting it into a document is safe.

- the source of mcalc has no `eval`, `exec`, `compile`, `__import__`, no SymPy string parsing
  (`sympify`, `parse_expr`, `S("…")`) and no pickle, marshal or shelve;
- code-like and TeX-like input is a parse error, and nothing it names happens;
- LaTeX output uses only an allowlist of control sequences, is ASCII, and has none of TeX's
  other ways in (`#`, `%`, `^^` character codes, a line break inside a command).
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

import mcalc
from mcalc import api
from mcalc.cli import app
from mcalc.errors import MCalcError
from tests.corpus.identities import IDENTITIES
from tests.test_properties import LET, SETTINGS, expr_and_wrt

PACKAGE = Path(mcalc.__file__).parent
MCALC = Path(sys.executable).with_name("mcalc")
runner = CliRunner()

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "S",
                   "parse_latex", "parse_mathematica", "lambdify", "execfile", "runpy"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "runpy",
                     "sympy.parsing", "code", "codeop"}


def forbidden_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            # `re.compile(pattern)` is a regular expression, not code; the evaluator's own
            # `self.eval(node)` walks a tree.
            if name in FORBIDDEN_CALLS or (isinstance(func, ast.Attribute) and func.attr in
                                           FORBIDDEN_CALLS - {"compile", "eval"}):
                found.append(f"line {node.lineno}: call of {name or func.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in names:
                if any(module == m or module.startswith(m + ".") for m in FORBIDDEN_MODULES):
                    found.append(f"line {node.lineno}: import of {module}")
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_source_never_executes_or_unpickles_text(path):
    assert forbidden_uses(path.read_text(encoding="utf-8")) == []


def test_the_source_scan_finds_what_it_looks_for():
    for bad in ("eval(text)", "exec(code)", "__import__('os')", "sympy.sympify(s)", "S('x')",
                "from sympy.parsing.sympy_parser import parse_expr", "import pickle",
                "builtins.exec(x)", "parse_expr(s)"):
        assert forbidden_uses(bad), bad
    assert forbidden_uses("re.compile('x')\nself.eval(node)") == []


HOSTILE = [
    "__import__('os').system('touch pwned')",
    "exec('open(\"pwned\", \"w\")')",
    "eval('1')",
    "open('pwned', 'w').write('x')",
    "(lambda: 0)()",
    "x.__class__.__mro__",
    "\\input{secret.tex}",
    "\\write18{touch pwned}",
    "\\immediate\\write18{touch pwned}",
    "\\def\\x{1} x",
    "\\catcode`\\^=7 x",
    "x^^5c",
    "$(touch pwned)",
    "`touch pwned`",
    "x; touch pwned",
    "${7*7}",
    "x # comment",
    "x % comment",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_code_and_tex_in_the_input_are_parse_errors(text):
    result = runner.invoke(app, ["diff", "--wrt", "x", "-f", "json", "--", text])
    assert result.exit_code == 2, result.stdout
    assert '"type": "parse"' in result.stdout
    assert "parse error" in result.stderr and "Traceback" not in result.stderr


def test_text_that_only_looks_like_code_is_mathematics():
    """`import os` is the product of the scalars i, m, p, o, r, t, o, s; `{{7*7}}` is 49."""
    assert api.diff("import os", wrt="s").text == "imo²prt"
    assert api.evaluate("{{7*7}}", {}).value == 49


def test_hostile_input_does_nothing_in_a_real_process(tmp_path):
    lines = "\n".join(HOSTILE) + "\n"
    for command in ("diff", "hessian"):
        proc = subprocess.run([str(MCALC), command, "-", "--wrt", "x", "-f", "jsonl"], input=lines,
                              capture_output=True, text=True, encoding="utf-8", cwd=tmp_path, timeout=60)
        assert proc.returncode == 1
        assert len(proc.stdout.splitlines()) == len(HOSTILE)
    for text in HOSTILE:
        for command in (["shape"], ["eval", "--at", "x=1"], ["check", "--wrt", "x"]):
            subprocess.run([str(MCALC), *command, "--", text], capture_output=True, cwd=tmp_path, timeout=60)
    assert list(tmp_path.iterdir()) == []


# ---- LaTeX holds only what mcalc generates -----------------------------------------------------

ALLOWED_COMMANDS = set("""
    mathbf boldsymbol mathrm mathbb operatorname top odot oslash otimes cdot circ times frac sqrt
    left right lvert rvert lVert rVert partial sum prod in infty quad qquad text
    exp log sin cos tan sinh cosh tanh arcsin arccos arctan det max min
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi
    pi rho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    begin end allowdisplaybreaks
""".split())
ALLOWED_ENVIRONMENTS = {"bmatrix", "pmatrix", "aligned", "align*", "gathered", "array", "cases",
                        "matrix", "split", "equation*", "gather*", "document"}


def assert_safe_latex(latex: str) -> None:
    assert latex.isascii(), latex
    commands = set(re.findall(r"\\([A-Za-z]+)", latex))
    assert commands <= ALLOWED_COMMANDS, commands - ALLOWED_COMMANDS
    assert set(re.findall(r"\\(?:begin|end)\{([^}]*)\}", latex)) <= ALLOWED_ENVIRONMENTS
    assert "#" not in latex and "%" not in latex and "^^" not in latex, latex


@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda i: i.expr)
def test_latex_of_the_corpus_is_safe(identity):
    try:
        results = api.derivatives(identity.expr, identity.wrt, hessian=identity.hessian)
    except MCalcError:
        return                        # the few identities mcalc declines (test_corpus)
    for r in results:
        assert_safe_latex(r.latex)


NAMES = ["x_{out}", "W_{h}", "**θ**", "Σ", "ℓ", "x_{12}", "**w_{in}**", "\\mathbf{v}", "λ_1",
         "\\boldsymbol{\\mu}", "z_{αβ}"]


@pytest.mark.parametrize("name", NAMES)
def test_latex_of_unusual_names_is_safe(name):
    result = runner.invoke(app, ["diff", "--wrt", name.strip("*"), "-f", "latex", "--",
                                 f"sum(exp({name})) + {name}^T {name}"])
    if result.exit_code == 0:
        assert_safe_latex(result.stdout)
    else:
        assert result.exit_code == 2 and "error" in result.stderr


@settings(max_examples=200, **SETTINGS)
@given(expr_and_wrt(depth=3))
def test_latex_of_generated_expressions_is_safe(case):
    expr, wrt = case
    r = api.diff(expr, wrt=wrt, let=LET)
    assert_safe_latex(r.latex)
    assert_safe_latex(api.shape(expr, let=LET).latex)
