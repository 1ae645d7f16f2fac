"""mcalc: matrix calculus on the command line.

The library API (SPEC §2.8):

    import mcalc
    mcalc.diff("**x**^T A **x**", wrt="x").text   # '𝐱ᵀ(A + Aᵀ)'
    mcalc.hessian("**x**^T A **x**", wrt="x").shape
    mcalc.shape("W **x** + **b**").shape        # ('m', 1)
    mcalc.evaluate("**x**^T **x**", {"x": [1, 2]}).value
    mcalc.check("**x**^T A **x**", wrt="x", claim="2 **x**^T A").ok
    mcalc.explain("sin(x^2)", wrt="x").text()
    mcalc.codegen("**x**^T A **x**", ["x"], target="numpy")   # a Python module, as text
"""
__version__ = "0.1.0"

from .api import check, diff, evaluate, hessian, shape  # noqa: E402
from .errors import MCalcError  # noqa: E402



def explain(expr: str, wrt: str, *, let=()):
    """Parr & Howard's chain-rule steps for ∂expr/∂wrt (see mcalc.explanation)."""
    from .explanation import explain as _explain
    return _explain(expr, wrt, let=let)


def codegen(expr: str, wrt, *, hessian: bool = False, target: str = "numpy", let=(),
            layout: str = "numerator") -> str:
    """A Python module (text) computing expr and its derivatives (see mcalc.codegen).

    Importing the submodule rebinds `mcalc.codegen` to it; the module is callable with the
    same arguments, so `mcalc.codegen(…)` works either way.
    """
    from .codegen import generate
    return generate(expr, wrt, hessian=hessian, target=target, let=let, layout=layout)


__all__ = ["diff", "hessian", "shape", "evaluate", "check", "explain", "codegen", "MCalcError", "__version__"]
