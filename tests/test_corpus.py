"""SPEC §3: every identity of the corpus, checked numerically.

For each identity, mcalc's derivative is evaluated with NumPy at random concrete sizes and
values and compared with central finite differences of the original expression
(`mcalc.checking.compare`, which compares everything as ∂vec F/∂vec X). Two seeds per identity
(different sizes and draws); every fifth identity also in denominator layout.

Identities mcalc cannot differentiate yet are expected failures (strict), not skips: when mcalc
learns them, the xfail turns into an error that asks for the mark to be removed.
"""
from __future__ import annotations

import pytest

from mcalc import api, checking
from mcalc.errors import MCalcError
from tests.corpus.identities import IDENTITIES

# Identities mcalc reports as unsupported or as shape errors (input → reason).
KNOWN_UNSUPPORTED = {
    ("tr(kron(A, X)) where A: m×m, X: n×n", "X"):
        "mcalc cannot differentiate through kron(…) of the variable yet (UnsupportedError)",
    ("tr(kron(X, X))", "X"):
        "shape inference does not see that kron(X, X) of an undeclared X can be square "
        "(ShapeError: tr needs a square matrix, but kron(X, X) is n·n×m·m)",
}


def _id(identity) -> str:
    hess = " [hessian]" if identity.hessian else ""
    return f"{identity.source}: d({identity.expr})/d{identity.wrt}{hess}"


def _params(identities, layout_filter=None):
    out = []
    for k, identity in enumerate(identities):
        if layout_filter is not None and not layout_filter(k):
            continue
        marks = []
        reason = KNOWN_UNSUPPORTED.get((identity.expr, identity.wrt))
        if reason:
            marks.append(pytest.mark.xfail(reason=reason, raises=MCalcError, strict=True))
        out.append(pytest.param(identity, id=_id(identity), marks=marks))
    return out


def _check(identity, layout: str, seeds=(0, 1)):
    result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian, layout=layout)
    assert result.layout == layout
    for seed in seeds:
        cmp = checking.compare(result, seed=seed)
        assert cmp.ok, (
            f"{identity.expr} wrt {identity.wrt} ({layout}, seed {seed}): derivative "
            f"{result.text} disagrees with finite differences: relative error {cmp.error:.3g} "
            f"at sizes {cmp.sizes} {cmp.note}")
        # A comparison must really have happened (a draw inside the domain was found).
        assert cmp.values, f"no comparison for {identity.expr}: {cmp.note}"


def test_corpus_is_large_enough():
    assert len(IDENTITIES) >= 150
    keys = [(i.expr, i.wrt, i.hessian) for i in IDENTITIES]
    assert all(i.expr and i.wrt for i in IDENTITIES)
    # The known-unsupported table only names identities that are in the corpus.
    for expr, wrt in KNOWN_UNSUPPORTED:
        assert any(k[0] == expr and k[1] == wrt for k in keys), expr


@pytest.mark.parametrize("identity", _params(IDENTITIES))
def test_identity_numerator(identity):
    _check(identity, "numerator")


@pytest.mark.parametrize("identity", _params(IDENTITIES, lambda k: k % 5 == 0))
def test_identity_denominator(identity):
    _check(identity, "denominator")
