"""mcalc codegen (SPEC §2.5, issue 9): generated modules agree with mcalc's own evaluation of the
same derivative, with central finite differences of the generated value, and — for the torch
and JAX targets, when those are installed (`pip install '.[codegen]'`) — with their autodiff.

Every corpus identity is generated and run, except Hessians by a matrix and the identities mcalc
cannot differentiate (the expected failures of test_corpus.py).
"""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import mcalc
from mcalc import api, checking
from mcalc.codegen import generate
from mcalc.errors import MCalcError
from mcalc.nodes import BinOp, Binary, Call, Kind, Unary, UnOp
from mcalc.numeric import dim_value, evaluate
from mcalc.printing import to_text
from mcalc.shapes import type_of
from tests.corpus.identities import IDENTITIES


def _cases():
    out = []
    for identity in IDENTITIES:
        try:
            result = api.diff(identity.expr, identity.wrt)
        except MCalcError:                   # what mcalc cannot differentiate (test_corpus xfails it)
            continue
        if identity.hessian:
            t = result.checked.variables.get(identity.wrt)
            if t is not None and t.kind is Kind.MATRIX:
                continue                     # Hessians by a matrix: not part of codegen's checks
        hess = " [hessian]" if identity.hessian else ""
        out.append(pytest.param(identity, id=f"{identity.source}: d({identity.expr})/d{identity.wrt}{hess}"))
    return out


CASES = _cases()


def load(source: str):
    namespace: dict = {}
    exec(compile(source, "<mcalc codegen>", "exec"), namespace)
    return namespace["compute"]


def flat_inputs(values: dict, checked) -> dict:
    """Evaluator values (vectors n×1) → codegen inputs (vectors 1-D, scalars floats)."""
    out = {}
    for name, v in values.items():
        if np.ndim(v) == 0:
            out[name] = float(v)
        elif 1 in np.shape(v):
            out[name] = np.asarray(v, dtype=float).reshape(-1)
        else:
            out[name] = np.asarray(v, dtype=float)
    return out


def as_mcalc(value, node_type, sizes) -> np.ndarray | float:
    """A generated result back in the evaluator's 2-D convention."""
    if node_type.kind is Kind.SCALAR:
        return float(np.asarray(value))
    return np.asarray(value, dtype=float).reshape(dim_value(node_type.rows, sizes),
                                                  dim_value(node_type.cols, sizes))


def draw(result, seed: int, tries: int = 24, size: int | None = None):
    """Random sizes (or every size `size`) and values where the expression is finite (as
    checking.compare draws them)."""
    checked = result.checked
    rng = np.random.default_rng(seed)
    given = {d: size for d in checked.dims if "·" not in d} if size else None
    for _ in range(tries):
        sizes = checking.random_sizes(checked, rng, given)
        values = checking.random_values(checked, sizes, rng)
        for name in result.wrt:
            if name not in values:
                values[name] = checking._absent_value(result, name, sizes, rng)
        with np.errstate(all="ignore"):
            try:
                f0 = evaluate(checked.expr, values, sizes)
            except MCalcError:
                continue
        if np.all(np.isfinite(f0)):
            yield sizes, values


def close(got, want, rtol=1e-7) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    return bool(np.all(np.abs(got - want) <= rtol * scale))


def fd(fun, x0, h=1e-6) -> np.ndarray:
    """Central differences of vec(fun(x)) by vec(x) (column-major), x a scalar or an array."""
    base = np.asarray(x0, dtype=float)
    flat = base.reshape(-1, order="F")
    cols = []
    for k in range(flat.size):
        step = h * max(1.0, abs(flat[k]))
        up, down = flat.copy(), flat.copy()
        up[k] += step
        down[k] -= step
        shape = lambda v: float(v[0]) if base.ndim == 0 else v.reshape(base.shape, order="F")
        fu = np.asarray(fun(shape(up)), dtype=float).reshape(-1, order="F")
        fm = np.asarray(fun(shape(down)), dtype=float).reshape(-1, order="F")
        cols.append((fu - fm) / (2 * step))
    return np.stack(cols, axis=1)


def _x_kind(result, name):
    t = result.checked.variables.get(name)
    return t.kind if t is not None else checking._absent_kind(result, name)


# ---- every corpus identity, NumPy target ---------------------------------------------------------

@pytest.mark.parametrize("identity", CASES)
def test_numpy_corpus(identity):
    result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian)
    gradient = api.diff(identity.expr, identity.wrt) if identity.hessian else result
    compute = load(generate(identity.expr, [identity.wrt], hessian=identity.hessian))
    checked = result.checked
    kinked = checking.has_kinks(checked.expr)
    compared = 0
    for sizes, values in draw(result, seed=0):
        inputs = flat_inputs(values, checked)
        with np.errstate(all="ignore"):
            out = compute(**inputs)
        assert len(out) == (3 if identity.hessian else 2)
        value, derivative = out[0], out[1]
        # 1. the value and each result agree with mcalc's evaluator
        assert close(as_mcalc(value, checked.type, sizes), evaluate(checked.expr, values, sizes))
        want = evaluate(gradient.expr, values, sizes)
        got = as_mcalc(derivative, type_of(gradient.expr), sizes)
        assert close(got, want), f"derivative: generated {got} != evaluated {want}"
        if identity.hessian:
            want_h = evaluate(result.expr, values, sizes)
            got_h = as_mcalc(out[2], type_of(result.expr), sizes)
            assert close(got_h, want_h), f"hessian: generated {got_h} != evaluated {want_h}"
        # 2. the derivative agrees with central differences of the generated value
        names = result.wrt                # several for stacked scalars (--wrt x,y)
        k = 1 if identity.hessian else 0  # the Hessian: differences of the generated gradient
        funs = {n: (lambda v, n=n: compute(**{**inputs, n: v})[k]) for n in names}
        with np.errstate(all="ignore"):
            expected = np.concatenate([fd(funs[n], inputs[n]) for n in names], axis=1)
            if identity.hessian:
                claimed = np.atleast_2d(np.asarray(out[2], dtype=float))
            else:
                claimed = checking.as_vec_jacobian(result, got, checked.type, _x_kind(result, names[0]))
            if kinked and not np.allclose(expected, np.concatenate(
                    [fd(funs[n], inputs[n], h=1e-4) for n in names], axis=1), rtol=1e-4, atol=1e-4):
                continue                  # a kink between the steps: draw again
        if not np.all(np.isfinite(expected)):
            continue
        assert claimed.shape == expected.shape
        assert checking.relative_error(claimed, expected) < 1e-5, (claimed, expected)
        compared += 1
        if compared == 2:
            break
    assert compared, "no draw inside the domain"


@pytest.mark.parametrize("identity", CASES[::5])
def test_numpy_corpus_denominator(identity):
    """Every fifth identity in denominator layout: the generated result is mcalc's."""
    result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian, layout="denominator")
    compute = load(generate(identity.expr, [identity.wrt], hessian=identity.hessian, layout="denominator"))
    sizes, values = next(draw(result, seed=1))
    with np.errstate(all="ignore"):
        out = compute(**flat_inputs(values, result.checked))
        want = evaluate(result.expr, values, sizes)
    assert close(as_mcalc(out[-1], type_of(result.expr), sizes), want)


# ---- the structure of generated code ------------------------------------------------------------

F = "**x**^T A **x** + sum(log(1 + exp(B **x**)))"


def _terms(e):
    if isinstance(e, Binary) and e.op is BinOp.ADD:
        return _terms(e.left) + _terms(e.right)
    return [e]


def _matmul_factors(e):
    if isinstance(e, Binary) and e.op is BinOp.MATMUL:
        return _matmul_factors(e.left) + _matmul_factors(e.right)
    return [e]


def _is_diagonal(e) -> bool:
    """diag(𝐯), and sums, differences, negations and products of such."""
    if isinstance(e, Call) and e.fn == "diag":
        return type_of(e.args[0]).kind is not Kind.MATRIX
    if isinstance(e, Binary) and e.op in (BinOp.ADD, BinOp.SUB, BinOp.MATMUL):
        return _is_diagonal(e.left) and _is_diagonal(e.right)
    if isinstance(e, Unary) and e.op is UnOp.NEG:
        return _is_diagonal(e.operand)
    return False


def _body(source: str) -> str:
    return source.split("def compute", 1)[1]


def test_hessian_structure_is_the_closed_form():
    """mcalc's Hessian is A + Aᵀ + Bᵀ D B with D built from diag(…) only: the diagonals merge into
    one vector that scales B's rows (no n×n diagonal matrix), and exp(B𝐱) is computed once for the
    value, the gradient and the Hessian."""
    h = api.hessian(F, "x")
    assert h.text.startswith("A + Aᵀ + Bᵀ") and h.text.endswith("B"), h.text
    chain = _matmul_factors(next(t for t in _terms(h.expr) if isinstance(t, Binary)
                                 and t.op is BinOp.MATMUL))
    assert to_text(chain[0]) == "Bᵀ" and to_text(chain[-1]) == "B"
    assert all(_is_diagonal(f) for f in chain[1:-1]), [to_text(f) for f in chain]
    code = _body(generate(F, ["x"], hessian=True))
    assert re.search(r"B\.T @ \(.*\[:, None\] \* B\)", code), code
    assert code.count("np.exp(") == 1
    assert "np.diag(" not in code and "np.eye(" not in code
    assert "A + A.T" in code and code.count("A.T") == 1


def test_logistic_hessian_structure():
    code = _body(generate("sum(log(1 + exp(-**y** ⊙ (X **w**))))", ["w"], hessian=True))
    assert re.search(r"X\.T @ \w+", code) and "[:, None] * X" in code
    assert code.count("np.exp(") == 1 and "np.diag(" not in code


def test_diagonal_jacobians_stay_diagonal():
    left = _body(generate("**v** ⊙ (A **x**)", ["x"]))           # diag(𝐯) A
    assert "v[:, None] * A" in left and "np.diag" not in left
    right = _body(generate("A (**v** ⊙ **x**)", ["x"]))          # A diag(𝐯)
    assert "A * v[None, :]" in right and "np.diag" not in right
    alone = _body(generate("**w** ⊙ **x**", ["w"]))              # diag(𝐱), returned
    assert "np.diag(x)" in alone


def test_chain_order_and_sums():
    code = _body(generate("**x**^T A B **x**", ["x"]))
    assert "A @ (B @ x)" in code                                 # never A @ B
    code = _body(generate("sum(A **x**)", ["x"]))
    assert "np.sum(A, axis=0)" in code                           # 𝟏ᵀA: column sums


def test_common_subexpressions_are_named_once():
    code = _body(generate("det(X)", ["X"]))
    assert code.count("np.linalg.det(") == 1
    assert code.count("np.linalg.inv(") == 1


def test_signature_and_several_wrt():
    source = generate("**a**^T X **b** + c", ["X", "a", "c"])
    assert "def compute(*, a, X, b, c):" in source
    compute = load(source)
    rng = np.random.default_rng(1)
    a, b, X = rng.normal(size=3), rng.normal(size=2), rng.normal(size=(3, 2))
    value, (d_X, d_a, d_c) = compute(a=a, X=X, b=b, c=0.5)
    assert math.isclose(value, a @ X @ b + 0.5)
    assert np.allclose(d_X, np.outer(b, a)) and np.allclose(d_a, X @ b) and d_c == 1.0


def test_absent_variable_gives_zero_of_its_shape():
    compute = load(generate("**x**^T **x**", ["y"], let="y: k"))
    value, d_y = compute(x=np.ones(3), y=np.ones(4))
    assert value == 3.0 and np.shape(d_y) == (4,) and not np.any(d_y)


def test_denominator_layout():
    num = load(generate("**a**^T X **b**", ["X"]))
    den = load(generate("**a**^T X **b**", ["X"], layout="denominator"))
    a, b, X = np.arange(3.0), np.arange(2.0) + 1, np.ones((3, 2))
    assert np.allclose(num(a=a, X=X, b=b)[1].T, den(a=a, X=X, b=b)[1])
    assert den(a=a, X=X, b=b)[1].shape == (3, 2)


def test_generated_code_is_readable():
    source = generate(F, ["x"], hessian=True)
    assert "# exp(B𝐱)" in source and "# ∂/∂𝐱" in source
    compile(source, "<codegen>", "exec")
    assert all(len(line) <= 400 for line in source.splitlines())


def test_library_api_exports_codegen():
    assert "codegen" in mcalc.__all__
    assert mcalc.codegen(F, ["x"]) == generate(F, ["x"])
    # Once imported (as here, at the top), the submodule is what the name `mcalc.codegen` holds:
    # it is callable too.
    assert sys.modules["mcalc.codegen"](F, ["x"], target="jax") == generate(F, ["x"], target="jax")
    assert mcalc.codegen(F, ["x"], target="jax") == generate(F, ["x"], target="jax")


def test_deep_network_is_linear_and_needs_no_recursion_limit():
    e = "**x**"
    for k in range(1, 65):
        e = f"W_{{{k}}} {e}" if k == 64 else f"tanh(W_{{{k}}} {e})"
    source = generate(f"sum(({e} - **y**)^2)", ["W_1"])
    assert source.count("np.tanh(") == 63 and len(source.splitlines()) < 400
    rng = np.random.default_rng(0)
    values = {f"W_{k}": rng.normal(size=(3, 3)) / 2 for k in range(1, 65)}
    value, d_W1 = load(source)(x=rng.normal(size=3), y=rng.normal(size=3), **values)
    assert np.shape(d_W1) == (3, 3) and np.isfinite(value)


def test_bad_input():
    with pytest.raises(MCalcError):
        generate("**x** **x**", ["x"])
    with pytest.raises(MCalcError):
        generate("**x**^T **x**", ["x"], target="fortran")


def _mcalc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from mcalc.cli import run; run()", *args],
                          capture_output=True, text=True)


def test_cli_codegen():
    ok = _mcalc("codegen", F, "--wrt", "x", "--hessian", "--target", "numpy")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == generate(F, ["x"], hessian=True)
    compute = load(ok.stdout)
    assert len(compute(x=np.ones(2), A=np.eye(2), B=np.ones((3, 2)))) == 3
    torch_source = _mcalc("codegen", "**x**^T A **x**", "--wrt", "x", "--target", "torch", "--let", "x: 3")
    assert torch_source.returncode == 0 and "import torch" in torch_source.stdout
    bad = _mcalc("codegen", "**x** **x**", "--wrt", "x")
    assert bad.returncode == 2 and "shape error" in bad.stderr and "Traceback" not in bad.stderr
    assert _mcalc("codegen", "x", "--wrt", "x", "--target", "fortran").returncode == 2


# ---- torch and JAX against their own autodiff ---------------------------------------------------

def _vec_jacobian(jac: np.ndarray, f_ndim: int, x_ndim: int) -> np.ndarray:
    """An autodiff Jacobian (F's axes, then X's) as ∂vec F/∂vec X (column-major vec)."""
    jac = np.asarray(jac, dtype=float)
    f_shape, x_shape = jac.shape[:f_ndim], jac.shape[f_ndim:]
    order = list(reversed(range(f_ndim))) + [f_ndim + i for i in reversed(range(x_ndim))]
    return jac.transpose(order).reshape(int(np.prod(f_shape)), int(np.prod(x_shape)))


def _autodiff_case(identity, target, jacobian, hessian_fn, to_array, from_array, size=None):
    result = api.diff(identity.expr, identity.wrt, hessian=identity.hessian)
    gradient = api.diff(identity.expr, identity.wrt) if identity.hessian else result
    compute = load(generate(identity.expr, [identity.wrt], hessian=identity.hessian, target=target))
    checked = result.checked
    names = result.wrt
    for sizes, values in draw(result, seed=2, size=size):
        inputs = {k: from_array(v) for k, v in flat_inputs(values, checked).items()}
        out = compute(**inputs)
        value = to_array(out[0])
        if not np.all(np.isfinite(value)):
            continue
        assert close(as_mcalc(value, checked.type, sizes), evaluate(checked.expr, values, sizes), rtol=1e-6)
        if len(names) == 1:
            x0 = inputs[names[0]]
            fun = lambda v: compute(**{**inputs, names[0]: v})[0]
        else:                             # stacked scalars (--wrt x,y): one vector of them
            x0 = from_array(np.array([float(to_array(inputs[n])) for n in names]))
            fun = lambda v: compute(**{**inputs, **{n: v[i] for i, n in enumerate(names)}})[0]
        f_ndim = np.ndim(value)
        x_ndim = len(x0.shape)
        auto = _vec_jacobian(to_array(jacobian(fun, x0)), f_ndim, x_ndim)
        got = as_mcalc(to_array(out[1]), type_of(gradient.expr), sizes)
        mine = checking.as_vec_jacobian(gradient, got, checked.type, _x_kind(gradient, names[0]))
        if not np.all(np.isfinite(auto)):
            continue
        assert mine.shape == auto.shape
        assert checking.relative_error(mine, auto) < 1e-6, (mine, auto)
        if identity.hessian:
            auto_h = _vec_jacobian(to_array(hessian_fn(fun, x0)), x_ndim, x_ndim)
            mine_h = np.atleast_2d(to_array(out[2]))
            assert checking.relative_error(mine_h, auto_h) < 1e-6, (mine_h, auto_h)
        return
    pytest.skip("no draw inside the domain")


@pytest.mark.parametrize("identity", CASES)
def test_torch_corpus(identity):
    torch = pytest.importorskip("torch")
    from torch.autograd.functional import hessian, jacobian

    _autodiff_case(identity, "torch", jacobian, hessian,
                   to_array=lambda t: t.detach().numpy() if hasattr(t, "detach") else np.asarray(t),
                   from_array=lambda v: torch.as_tensor(v, dtype=torch.float64))


# JAX's eager mode compiles every operation it meets: the whole corpus takes minutes, so by default
# every third identity and every Hessian (MCALC_CODEGEN_ALL=1: all of them).
JAX_CASES = CASES if os.environ.get("MCALC_CODEGEN_ALL") == "1" else \
    [c for k, c in enumerate(CASES) if k % 3 == 0 or c.values[0].hessian]


@pytest.mark.parametrize("identity", JAX_CASES)
def test_jax_corpus(identity):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    _autodiff_case(identity, "jax", lambda f, x: jax.jacfwd(f)(x), lambda f, x: jax.hessian(f)(x),
                   to_array=np.asarray,
                   from_array=lambda v: jnp.asarray(v, dtype=jnp.float64),
                   size=3)   # one size: JAX compiles each operation once per shape


def test_jax_target_jits():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    compute = jax.jit(load(generate(F, ["x"], hessian=True, target="jax")))
    x, A, B = np.ones(3), np.eye(3), np.ones((4, 3)) / 10
    value, grad, hess = compute(x=x, A=A, B=B)
    s = 1 / (1 + np.exp(-B @ x))
    assert np.allclose(hess, 2 * A + B.T @ np.diag(s * (1 - s)) @ B)
