"""Index notation for results with more than two axes (SPEC §2.1): ∂Y_ij/∂X_kl = …"""
import pytest

import mcalc

CASES = [
    ("A X B", "X", False, "∂Yᵢⱼ/∂Xₖₗ = Aᵢₖ Bₗⱼ"),
    ("X B", "X", False, "∂Yᵢⱼ/∂Xₖₗ = δᵢₖ Bₗⱼ"),
    ("A X", "X", False, "∂Yᵢⱼ/∂Xₖₗ = Aᵢₖ δⱼₗ"),
    ("X^T", "X", False, "∂Yᵢⱼ/∂Xₖₗ = δᵢₗ δⱼₖ"),
    ("X **b**", "X", False, "∂yᵢ/∂Xₖₗ = δᵢₖ bₗ"),
    ("W **x** + **b**", "W", False, "∂yᵢ/∂Wₖₗ = δᵢₖ xₗ"),
    ("**x** **x**^T", "x", False, "∂Yᵢⱼ/∂xₖ = δᵢₖ xⱼ + xᵢ δⱼₖ"),
    ("**a** **x**^T", "x", False, "∂Yᵢⱼ/∂xₖ = aᵢ δⱼₖ"),
    ("tr(X^T A X)", "X", True, "∂Gᵢⱼ/∂Xₖₗ = Aᵢₖ δⱼₗ + Aₖᵢ δⱼₗ"),
]


@pytest.mark.parametrize("expr, wrt, hessian, index", CASES)
def test_index_form(expr, wrt, hessian, index):
    result = mcalc.diff(expr, wrt=wrt, hessian=hessian)
    assert result.vec_form
    assert result.index == index
    assert result.to_json()["derivative"]["index"] == index


def test_two_axis_results_have_no_index_form():
    assert mcalc.diff("**x**^T A **x**", wrt="x").index is None
