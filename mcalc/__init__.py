"""mcalc: matrix calculus on the command line.

The library API (SPEC §2.8):

    import mcalc
    mcalc.shape("W **x** + **b**").shape        # ('m', 1)
    mcalc.evaluate("**x**^T **x**", {"x": [1, 2]}).value
"""
__version__ = "0.1.0"

from .api import evaluate, shape  # noqa: E402
from .errors import MCalcError  # noqa: E402

__all__ = ["shape", "evaluate", "MCalcError", "__version__"]
