"""The simplifier: each rewrite on its own (printed form and unchanged value), SPEC §2.2's
table exactly, and golden files of corpus results in text, ASCII and LaTeX."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import mcalc
from mcalc import numeric
from mcalc.checking import random_sizes, random_values
from mcalc.printing import to_text
from mcalc.shapes import check
from mcalc.simplify import simplify

LETS = ("x: n, y: n, a: n, b: n", "A: n×n, B: n×n, X: n×n")


def simplified(text: str) -> str:
    """The simplified core tree of `text`, printed; its value is checked to be unchanged."""
    checked = check(text, let=tuple(_decls()))
    out = simplify(checked.expr)
    rng = np.random.default_rng(0)
    sizes = random_sizes(checked, rng)
    values = random_values(checked, sizes, rng)
    np.testing.assert_allclose(numeric.evaluate(out, values, sizes),
                               numeric.evaluate(checked.expr, values, sizes), rtol=1e-10, atol=1e-12)
    return to_text(out)


def _decls():
    from mcalc.parser import parse_decls
    for text in LETS:
        yield from parse_decls(text)


RULES = [
    # (rule, input, printed after simplification). Of equivalent forms the shorter is kept.
    ("like terms", "A **x** + A **x**", "2A𝐱"),
    ("like scalar terms", "t^2 + 2 t^2", "3t²"),
    ("scalar powers merge", "t t^2", "t³"),
    ("scalar powers cancel", "t^3 / t", "t²"),
    ("matrix powers in a chain", "X X", "X²"),
    ("inverse cancels", "X^-1 X **y**", "𝐲"),
    ("common right factor", "c A B **x** + c A^T B **x**", "c(A + Aᵀ)B𝐱"),
    ("common left factor", "**x**^T A B + **x**^T A^T B", "𝐱ᵀ(A + Aᵀ)B"),
    ("common coefficient", "2 **x**^T - 2 **a**^T", "2(𝐱 − 𝐚)ᵀ"),
    ("transpose pushed into a product", "(A B)^T **x**", "BᵀAᵀ𝐱"),
    ("transpose raised over a sum in a product", "(**x**^T - **y**^T) A", "(𝐱 − 𝐲)ᵀA"),
    ("double transpose", "(**x**^T)^T", "𝐱"),
    ("transpose of a scalar", "(**x**^T **y**)^T", "𝐱ᵀ𝐲"),
    ("sign first when all terms are negative", "-c A **x** - c B **x**", "−c(A + B)𝐱"),
    ("positive term first", "-**x** + **y**", "𝐲 − 𝐱"),
    ("fewer transposes first", "A^T + A", "A + Aᵀ"),
    ("fraction", "2 t (t^2 + 1)^-1", "2t/(t² + 1)"),
    ("numbers first, letters, then functions", "cos(t) t 2", "2t cos(t)"),
    ("zero term dropped", "A **x** + 0 **y**", "A𝐱"),
    ("identity dropped", "I A **x**", "A𝐱"),
    ("diag of ones is I", "diag(**1**) A", "A"),
    ("diag products merge", "diag(**a**) diag(**b**) **x**", "diag(𝐚 ⊙ 𝐛) 𝐱"),
    ("a 1×1 product is a scalar factor", "(**a**^T **b**) **x** + (**a**^T **b**) **y**", "𝐚ᵀ𝐛(𝐱 + 𝐲)"),
]


@pytest.mark.parametrize("rule, text, printed", RULES, ids=[r[0] for r in RULES])
def test_rule(rule, text, printed):
    assert simplified(text) == printed


SPEC_TABLE = [   # SPEC §2.2, numerator layout: input, wrt, text, ascii, shape
    ("**w**·**x** + b", "w", "𝐱ᵀ", "**x**^T", ("1", "n")),
    ("**w**·**x** + b", "b", "1", "1", ()),
    ("sum(**x**)", "x", "𝟏ᵀ", "**1**^T", ("1", "n")),
    ("**w** ⊙ **x**", "w", "diag(𝐱)", "diag(**x**)", ("n", "n")),
    ("**x**ᵀ A **x**", "x", "𝐱ᵀ(A + Aᵀ)", "**x**^T * (A + A^T)", ("1", "n")),
    ("W **x** + **b**", "x", "W", "W", ("m", "n")),
    ("max(0, **w**·**x** + b)", "w", "step(𝐰·𝐱 + b) 𝐱ᵀ", "step(dot(**w**, **x**) + b) **x**^T", ("1", "n")),
    ("[3x^2y, 2x + y^8]", "x,y", "[[6xy, 3x²], [2, 8y⁷]]", "[[6 x y, 3 x^2], [2, 8 y^7]]", ("2", "2")),
]


@pytest.mark.parametrize("expr, wrt, text, ascii, shape", SPEC_TABLE)
def test_spec_table(expr, wrt, text, ascii, shape):
    result = mcalc.diff(expr, wrt=wrt)
    assert result.text == text
    assert result.ascii == ascii
    assert tuple(str(a) for a in result.shape) == shape


# ---- goldens --------------------------------------------------------------------------------
# One line per corpus result: text, ASCII and LaTeX. A change here is a change on purpose:
# regenerate with MCALC_UPDATE_GOLDENS=1 python -m pytest tests/test_simplify.py and read the diff.

GOLDENS = Path(__file__).parent / "goldens" / "corpus.jsonl"


def _golden_cases():
    from corpus.identities import IDENTITIES
    chosen = []
    for ident in IDENTITIES:
        if ident.textbook is None:
            continue
        try:
            mcalc.diff(ident.expr, wrt=ident.wrt, hessian=ident.hessian)
        except mcalc.MCalcError:
            continue
        chosen.append(ident)
    return chosen[:90]


def _render(ident) -> dict:
    r = mcalc.diff(ident.expr, wrt=ident.wrt, hessian=ident.hessian)
    return {"expr": ident.expr, "wrt": ident.wrt, "hessian": ident.hessian,
            "text": r.text, "ascii": r.ascii, "latex": r.latex}


def test_goldens():
    current = [_render(i) for i in _golden_cases()]
    if os.environ.get("MCALC_UPDATE_GOLDENS") == "1":
        GOLDENS.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in current), encoding="utf-8")
    stored = [json.loads(line) for line in GOLDENS.read_text(encoding="utf-8").splitlines()]
    assert len(stored) >= 60
    for want, got in zip(stored, current):
        assert got == want, f"{want['expr']} wrt {want['wrt']}"
    assert len(stored) == len(current)
