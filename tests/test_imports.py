"""Import discipline (SPEC §4): a plain `diff` or `shape` loads neither SymPy nor NumPy, and the
plain-text path loads neither rich nor pydantic, and no command loads Lark (mcalc runs the
parser generated from the grammar). Run in a fresh interpreter, as the CLI runs."""
import subprocess
import sys

import pytest

HEAVY = ("sympy", "numpy", "rich", "pydantic", "lark")
PROBE = """
import sys
sys.argv = {argv!r}
from mcalc.cli import run
try:
    run()
except SystemExit:
    pass
print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))
"""


def loaded(*argv: str) -> list[str]:
    code = PROBE.format(argv=["mcalc", *argv], heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(out.stdout.strip().splitlines()[-1])  # a list literal printed by the probe itself


@pytest.mark.parametrize("argv", [
    ("diff", "**x**^T A **x**", "--wrt", "x", "-f", "text"),
    ("diff", "max(0, **w**·**x** + b)", "--wrt", "w", "-f", "json"),
    ("hessian", "**x**^T A **x**", "--wrt", "x", "-f", "text"),
    ("shape", "W **x** + **b**", "-f", "text"),
    ("shape", "W **x** + **b**", "-f", "json"),
    ("explain", "sin(x^2)", "--wrt", "x", "-f", "text"),
    ("diff", "x +", "--wrt", "x", "-f", "text"),          # an error path too
])
def test_plain_commands_stay_light(argv):
    assert loaded(*argv) == []


def test_eval_may_load_numpy_but_not_sympy():
    heavy = loaded("eval", "**x**^T **x**", "--at", "x=[1, 2]", "-f", "text")
    assert "sympy" not in heavy and "numpy" in heavy


def test_dims_entries_load_sympy():
    assert "sympy" in loaded("diff", "**x**^T **x**", "--wrt", "x", "--dims", "n=2", "-f", "text")
