"""Corpus of matrix-calculus identities (SPEC §3).

Each entry is an mcalc input (SPEC §1 notation), the variable of differentiation, and the
derivative as a textbook writes it in numerator layout (SPEC §2.1), in mcalc's Unicode text
style; ``None`` where no clean textbook form exists. Results with more than two axes are
given in their vec/Kronecker form (``∂vec(Y)/∂vec(X)``, ``⊗`` = Kronecker there). For
``hessian=True`` entries ``textbook`` is the Hessian (n×n for a vector, the vec form for a
matrix). Cookbook equation numbers refer to the Matrix Cookbook (Petersen & Pedersen,
version of 2012-11-15), whose gradients are in denominator layout: the entries here are
their transposes.
"""
from typing import NamedTuple


class Identity(NamedTuple):
    source: str
    expr: str
    wrt: str
    textbook: str | None
    hessian: bool = False


IDENTITIES: list[Identity] = [
    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.1: derivatives of a determinant
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (41)", "det(A + x B)", "x", "det(A + xB) tr((A + xB)⁻¹B)"),
    Identity("Cookbook (41)", "det(x A)", "x", "det(xA) tr((xA)⁻¹A)"),
    Identity("Cookbook (41)", "det(A + x **a** **b**^T)", "x",
             "det(A + x𝐚𝐛ᵀ) tr((A + x𝐚𝐛ᵀ)⁻¹𝐚𝐛ᵀ)"),
    Identity("Cookbook (49)", "det(X)", "X", "det(X) X⁻¹"),
    Identity("Cookbook (49)", "det(X^T)", "X", "det(Xᵀ) X⁻¹"),
    Identity("Cookbook (49), chain rule", "det(X)^2", "X", "2 det(X)² X⁻¹"),
    Identity("Cookbook (51)", "det(A X B) where A: n×n, X: n×n, B: n×n", "X", "det(AXB) X⁻¹"),
    Identity("Cookbook (52)", "det(X^T A X) where X: 3×3, A: 3×3", "X", "2 det(XᵀAX) X⁻¹"),
    Identity("Cookbook (54)", "det(X^T A X) where A: 5×5, X: 5×3", "X",
             "det(XᵀAX) ((XᵀAX)⁻¹XᵀA + (XᵀAᵀX)⁻¹XᵀAᵀ)"),
    Identity("Cookbook (55)", "logdet(X^T X) where X: 5×3", "X", "2(XᵀX)⁻¹Xᵀ"),
    Identity("Cookbook (55), X Xᵀ form", "logdet(X X^T) where X: 3×5", "X", "2Xᵀ(XXᵀ)⁻¹"),
    Identity("Cookbook (57)", "log(abs(det(X)))", "X", "X⁻¹"),
    Identity("Cookbook (58)", "det(X^2)", "X", "2 det(X²) X⁻¹"),
    Identity("Cookbook (58)", "det(X^3) where X: 3×3", "X", "3 det(X³) X⁻¹"),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.2: derivatives of an inverse
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (59)", "(A + x B)^-1", "x", "−(A + xB)⁻¹B(A + xB)⁻¹"),
    Identity("Cookbook (59)", "inv(x I + A)", "x", "−(xI + A)⁻¹(xI + A)⁻¹"),
    Identity("Cookbook (59)", "(A + x B)^-1 **b**", "x", "−(A + xB)⁻¹B(A + xB)⁻¹𝐛"),
    Identity("Cookbook (59)", "**a**^T (A + x B)^-1 **b**", "x", "−𝐚ᵀ(A + xB)⁻¹B(A + xB)⁻¹𝐛"),
    Identity("Cookbook (60)", "X^-1", "X", "−(X⁻¹)ᵀ ⊗ X⁻¹"),
    Identity("Cookbook (60), times a vector", "X^-1 **b**", "X", "−(X⁻¹𝐛)ᵀ ⊗ X⁻¹"),
    Identity("Cookbook (61)", "**a**^T X^-1 **b**", "X", "−X⁻¹𝐛𝐚ᵀX⁻¹"),
    Identity("Cookbook (61)", "**a**^T inv(X) **a**", "X", "−X⁻¹𝐚𝐚ᵀX⁻¹"),
    Identity("Cookbook (62)", "det(X^-1)", "X", "−det(X⁻¹) X⁻¹"),
    Identity("Cookbook (63)", "tr(A X^-1 B)", "X", "−X⁻¹BAX⁻¹"),
    Identity("Cookbook (64)", "tr((X + A)^-1)", "X", "−(X + A)⁻¹(X + A)⁻¹"),
    Identity("Cookbook (61), wrt the vector", "**x**^T A^-1 **x**", "x", "𝐱ᵀ(A⁻¹ + (A⁻¹)ᵀ)"),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.3: eigenvalues (sum of eigenvalues = trace)
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (65)", "tr(X)", "X", "I"),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.4.1: first order
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (69)", "**x**^T **a**", "x", "𝐚ᵀ"),
    Identity("Cookbook (69)", "**a**^T **x**", "x", "𝐚ᵀ"),
    Identity("Cookbook (69)", "**a** · **x**", "x", "𝐚ᵀ"),
    Identity("Cookbook (70)", "**a**^T X **b**", "X", "𝐛𝐚ᵀ"),
    Identity("Cookbook (70), wrt a", "**a**^T X **b**", "a", "𝐛ᵀXᵀ"),
    Identity("Cookbook (70), wrt b", "**a**^T X **b**", "b", "𝐚ᵀX"),
    Identity("Cookbook (71)", "**a**^T X^T **b**", "X", "𝐚𝐛ᵀ"),
    Identity("Cookbook (72)", "**a**^T X **a**", "X", "𝐚𝐚ᵀ"),
    Identity("Cookbook (72)", "**a**^T X^T **a**", "X", "𝐚𝐚ᵀ"),
    Identity("Cookbook (73)", "X", "X", None),
    Identity("Cookbook (74)", "X A", "X", "Aᵀ ⊗ I"),
    Identity("Cookbook (75)", "X^T A", "X", None),
    Identity("Cookbook §2.4.1, linear map", "A **x**", "x", "A"),
    Identity("Cookbook §2.4.1, affine map", "A **x** + **b**", "b", "I"),
    Identity("Cookbook §2.4.1, bilinear form", "**y**^T A **x**", "x", "𝐲ᵀA"),
    Identity("Cookbook §2.4.1, bilinear form", "**y**^T A **x**", "y", "𝐱ᵀAᵀ"),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.4.2: second order
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (77)", "**b**^T X^T X **c**", "X", "(𝐛𝐜ᵀ + 𝐜𝐛ᵀ)Xᵀ"),
    Identity("Cookbook (78)", "(B **x** + **b**)^T C (D **x** + **d**)", "x",
             "(D𝐱 + 𝐝)ᵀCᵀB + (B𝐱 + 𝐛)ᵀCD"),
    Identity("Cookbook (78), wrt b", "(B **x** + **b**)^T C (D **x** + **d**)", "b", "(D𝐱 + 𝐝)ᵀCᵀ"),
    Identity("Cookbook (78), wrt d", "(B **x** + **b**)^T C (D **x** + **d**)", "d", "(B𝐱 + 𝐛)ᵀC"),
    Identity("Cookbook (78), wrt C", "(B **x** + **b**)^T C (D **x** + **d**)", "C",
             "(D𝐱 + 𝐝)(B𝐱 + 𝐛)ᵀ"),
    Identity("Cookbook (80)", "X^T B X", "X", None),
    Identity("Cookbook (81)", "**x**^T B **x**", "x", "𝐱ᵀ(B + Bᵀ)"),
    Identity("Cookbook (81), B = I", "**x**^T **x**", "x", "2𝐱ᵀ"),
    Identity("Cookbook (81), B = AᵀA", "**x**^T A^T A **x**", "x", "2𝐱ᵀAᵀA"),
    Identity("Cookbook (82)", "**b**^T X^T D X **c**", "X", "𝐜𝐛ᵀXᵀD + 𝐛𝐜ᵀXᵀDᵀ"),
    Identity("Cookbook (83)", "(X **b** + **c**)^T D (X **b** + **c**)", "X", "𝐛(X𝐛 + 𝐜)ᵀ(D + Dᵀ)"),
    Identity("Cookbook (84), general W", "(**x** - A **s**)^T W (**x** - A **s**)", "s",
             "−(𝐱 − A𝐬)ᵀ(W + Wᵀ)A"),
    Identity("Cookbook (85), general W", "(**x** - **s**)^T W (**x** - **s**)", "x",
             "(𝐱 − 𝐬)ᵀ(W + Wᵀ)"),
    Identity("Cookbook (86), general W", "(**x** - **s**)^T W (**x** - **s**)", "s",
             "−(𝐱 − 𝐬)ᵀ(W + Wᵀ)"),
    Identity("Cookbook (87), general W", "(**x** - A **s**)^T W (**x** - A **s**)", "x",
             "(𝐱 − A𝐬)ᵀ(W + Wᵀ)"),
    Identity("Cookbook (88), general W", "(**x** - A **s**)^T W (**x** - A **s**)", "A",
             "−𝐬(𝐱 − A𝐬)ᵀ(W + Wᵀ)"),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.4.3–2.4.4: higher order, gradient and Hessian
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (90)", "X^2", "X", "Xᵀ ⊗ I + I ⊗ X"),
    Identity("Cookbook (91), n = 2", "**a**^T X^2 **b**", "X", "X𝐛𝐚ᵀ + 𝐛𝐚ᵀX"),
    Identity("Cookbook (91), n = 3", "**a**^T X^3 **b**", "X", "X²𝐛𝐚ᵀ + X𝐛𝐚ᵀX + 𝐛𝐚ᵀX²"),
    Identity("Cookbook (96)", "**x**^T A **x** + **b**^T **x**", "x", "𝐱ᵀ(A + Aᵀ) + 𝐛ᵀ"),
    Identity("Cookbook (97)", "**x**^T A **x** + **b**^T **x**", "x", "A + Aᵀ", True),
    Identity("Cookbook (97), with a constant", "**x**^T A **x** + **b**^T **x** + c", "x",
             "A + Aᵀ", True),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.5: derivatives of traces
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (99)", "trace(X)", "X", "I"),
    Identity("Cookbook (100)", "tr(X A)", "X", "A"),
    Identity("Cookbook (101)", "tr(A X B)", "X", "BA"),
    Identity("Cookbook (102)", "tr(A X^T B)", "X", "AᵀBᵀ"),
    Identity("Cookbook (103)", "tr(X^T A)", "X", "Aᵀ"),
    Identity("Cookbook (104)", "tr(A X^T)", "X", "Aᵀ"),
    Identity("Cookbook (105)", "tr(kron(A, X)) where A: m×m, X: n×n", "X", "tr(A) I"),
    Identity("Cookbook (106)", "tr(X^2)", "X", "2X"),
    Identity("Cookbook (107)", "tr(X^2 B)", "X", "XB + BX"),
    Identity("Cookbook (108)", "tr(X^T B X)", "X", "Xᵀ(B + Bᵀ)"),
    Identity("Cookbook (109)", "tr(B X X^T)", "X", "Xᵀ(B + Bᵀ)"),
    Identity("Cookbook (110)", "tr(X X^T B)", "X", "Xᵀ(B + Bᵀ)"),
    Identity("Cookbook (111)", "tr(X B X^T)", "X", "(B + Bᵀ)Xᵀ"),
    Identity("Cookbook (112)", "tr(B X^T X)", "X", "(B + Bᵀ)Xᵀ"),
    Identity("Cookbook (113)", "tr(X^T X B)", "X", "(B + Bᵀ)Xᵀ"),
    Identity("Cookbook (114)", "tr(A X B X)", "X", "BXA + AXB"),
    Identity("Cookbook (115)", "tr(X^T X)", "X", "2Xᵀ"),
    Identity("Cookbook (115)", "tr(X X^T)", "X", "2Xᵀ"),
    Identity("Cookbook (116)", "tr(B^T X^T C X B)", "X", "BBᵀXᵀ(C + Cᵀ)"),
    Identity("Cookbook (117)", "tr(X^T B X C)", "X", "CᵀXᵀBᵀ + CXᵀB"),
    Identity("Cookbook (118)", "tr(A X B X^T C)", "X", "BXᵀCA + BᵀXᵀAᵀCᵀ"),
    Identity("Cookbook (119)", "tr((A X B + C) (A X B + C)^T)", "X", "2B(AXB + C)ᵀA"),
    Identity("Cookbook (120)", "tr(kron(X, X))", "X", "2 tr(X) I"),
    Identity("Cookbook (121), k = 3", "tr(X^3)", "X", "3X²"),
    Identity("Cookbook (121), k = 4", "tr(X^4)", "X", "4X³"),
    Identity("Cookbook (122), k = 2", "tr(A X^2)", "X", "XA + AX"),
    Identity("Cookbook (122), k = 3", "tr(A X^3)", "X", "X²A + XAX + AX²"),
    Identity("Cookbook (124)", "tr(A inv(X) B)", "X", "−X⁻¹BAX⁻¹"),
    Identity("Cookbook (125), general C", "tr((X^T C X)^-1 A) where C: 5×5, X: 5×3, A: 3×3", "X",
             None),
    Identity("Cookbook (128), element-wise sin", "tr(sin(X))", "X", "I ⊙ cos(X)"),
    Identity("Cookbook §2.5, trace of a scaled matrix", "tr(x A)", "x", "tr(A)"),
    Identity("Cookbook §2.5, Frobenius fit", "‖A X - B‖^2", "X", "2(AX − B)ᵀA"),

    # ------------------------------------------------------------------------------------
    # Matrix Cookbook §2.6–2.7: vector and matrix norms
    # ------------------------------------------------------------------------------------
    Identity("Cookbook (129)", "norm(**x** - **a**)", "x", "(𝐱 − 𝐚)ᵀ/‖𝐱 − 𝐚‖"),
    Identity("Cookbook (129), a = 0", "‖**x**‖", "x", "𝐱ᵀ/‖𝐱‖"),
    Identity("Cookbook (130)", "(**x** - **a**) / norm(**x** - **a**)", "x",
             "I/‖𝐱 − 𝐚‖ − (𝐱 − 𝐚)(𝐱 − 𝐚)ᵀ/‖𝐱 − 𝐚‖³"),
    Identity("Cookbook (131)", "norm(**x**)^2", "x", "2𝐱ᵀ"),
    Identity("Cookbook (131)", "‖**x** - **a**‖^2", "x", "2(𝐱 − 𝐚)ᵀ"),
    Identity("Cookbook (132)", "norm(X)^2", "X", "2Xᵀ"),
    Identity("Cookbook §2.7, Frobenius norm", "norm(X)", "X", "Xᵀ/‖X‖"),

    # ------------------------------------------------------------------------------------
    # Parr & Howard §2: review of scalar derivative rules
    # ------------------------------------------------------------------------------------
    Identity("Parr §2: constant factor", "3x", "x", "3"),
    Identity("Parr §2: power rule", "x^3", "x", "3x²"),
    Identity("Parr §2: sum rule", "x^2 + 3x", "x", "2x + 3"),
    Identity("Parr §2: product rule", "x^2 x", "x", "3x²"),
    Identity("Parr §2: constant times sum", "9(x + x^2)", "x", "9(1 + 2x)"),

    # ------------------------------------------------------------------------------------
    # Parr & Howard §3: partial derivatives and gradients
    # ------------------------------------------------------------------------------------
    Identity("Parr §3: ∂(3x²y)/∂x", "3x^2y", "x", "6xy"),
    Identity("Parr §3: ∂(3x²y)/∂y", "3x^2y", "y", "3x²"),
    Identity("Parr §3: ∇f(x, y) of 3x²y", "3x^2y", "x,y", "[[6xy, 3x²]]"),
    Identity("Parr §3: ∂(2x + y⁸)/∂y", "2x + y^8", "y", "8y⁷"),
    Identity("Parr §3: ∇g(x, y) of 2x + y⁸", "2x + y^8", "x,y", "[[2, 8y⁷]]"),

    # ------------------------------------------------------------------------------------
    # Parr & Howard §4: Jacobians, element-wise operators, scalar expansion, reductions
    # ------------------------------------------------------------------------------------
    Identity("Parr §4: 2×2 Jacobian", "[3x^2y, 2x + y^8]", "x,y", "[[6xy, 3x²], [2, 8y⁷]]"),
    Identity("Parr §4.1: identity function", "**x**", "x", "I"),
    Identity("Parr §4.2: w + x", "**w** + **x**", "w", "I"),
    Identity("Parr §4.2: w + x", "**w** + **x**", "x", "I"),
    Identity("Parr §4.2: w − x", "**w** - **x**", "w", "I"),
    Identity("Parr §4.2: w − x", "**w** - **x**", "x", "−I"),
    Identity("Parr §4.2: w ⊗ x (Hadamard)", "**w** ⊗ **x**", "w", "diag(𝐱)"),
    Identity("Parr §4.2: w ⊙ x", "**w** ⊙ **x**", "x", "diag(𝐰)"),
    Identity("Parr §4.2: w .* x", "**w** .* **x**", "w", "diag(𝐱)"),
    Identity("Parr §4.2: w ⊘ x", "**w** ⊘ **x**", "w", "diag(1 ⊘ 𝐱)"),
    Identity("Parr §4.2: w ./ x", "**w** ./ **x**", "x", "diag(−𝐰 ⊘ 𝐱²)"),
    Identity("Parr §4.2: element-wise max", "max(**w**, **x**)", "w", "diag(step(𝐰 − 𝐱))"),
    Identity("Parr §4.2: x ⊙ x", "**x** ⊙ **x**", "x", "2 diag(𝐱)"),
    Identity("Parr §4.3: x + z", "**x** + z", "x", "I"),
    Identity("Parr §4.3: x + z", "**x** + z", "z", "𝟏"),
    Identity("Parr §4.3: x − z", "**x** - z", "z", "−𝟏"),
    Identity("Parr §4.3: x z", "**x** z", "x", "zI"),
    Identity("Parr §4.3: x z", "**x** z", "z", "𝐱"),
    Identity("Parr §4.4: sum(x)", "sum(**x**)", "x", "𝟏ᵀ"),
    Identity("Parr §4.4: sum(x z)", "sum(**x** z)", "x", "z𝟏ᵀ"),
    Identity("Parr §4.4: sum(x z)", "sum(**x** z)", "z", "sum(𝐱)"),
    Identity("Parr §4.4: w·x = sum(w ⊗ x)", "sum(**w** ⊙ **x**)", "w", "𝐱ᵀ"),
    Identity("Parr §4.4: 𝟏ᵀx", "**1**^T **x**", "x", "𝟏ᵀ"),

    # ------------------------------------------------------------------------------------
    # Parr & Howard §4.5: the chain rules
    # ------------------------------------------------------------------------------------
    Identity("Parr §4.5.1: sin(x²)", "sin(x^2)", "x", "2x cos(x²)"),
    Identity("Parr §4.5.1: ln(sin(x³)²)", "ln(sin(x^3)^2)", "x", "6x² cos(x³)/sin(x³)"),
    Identity("Parr §4.5.1: ln(x²)", "ln(x^2)", "x", "2/x"),
    Identity("Parr §4.5.2: x + x²", "x + x^2", "x", "1 + 2x"),
    Identity("Parr §4.5.2: sin(x + x²)", "sin(x + x^2)", "x", "(1 + 2x) cos(x + x²)"),
    Identity("Parr §4.5.2: x·x²", "x x^2", "x", "3x²"),
    Identity("Parr §4.5.3: vector chain rule", "[ln(x^2), sin(3x)]", "x", "[2/x, 3 cos(3x)]"),
    Identity("Parr §4.5.3: element-wise of a linear map", "sin(A **x**)", "x", "diag(cos(A𝐱)) A"),
    Identity("Parr §4.5.3: element-wise of an affine map", "exp(W **x** + **b**)", "x",
             "diag(exp(W𝐱 + 𝐛)) W"),

    # ------------------------------------------------------------------------------------
    # Parr & Howard §4.5.3 / §5: the neuron and its loss
    # ------------------------------------------------------------------------------------
    Identity("Parr §4.5.3: w·x + b", "**w** · **x** + b", "w", "𝐱ᵀ"),
    Identity("Parr §4.5.3: w·x + b", "**w** · **x** + b", "b", "1"),
    Identity("Parr §4.5.3: w·x + b", "**w** · **x** + b", "x", "𝐰ᵀ"),
    Identity("Parr §4.5.3: wᵀx + b", "**w**^T **x** + b", "w", "𝐱ᵀ"),
    Identity("Parr §4.5.3: neuron", "max(0, **w** · **x** + b)", "w", "step(𝐰·𝐱 + b) 𝐱ᵀ"),
    Identity("Parr §4.5.3: neuron", "max(0, **w** · **x** + b)", "b", "step(𝐰·𝐱 + b)"),
    Identity("Parr §4.5.3: neuron", "max(0, **w** · **x** + b)", "x", "step(𝐰·𝐱 + b) 𝐰ᵀ"),
    Identity("Parr §4.5.3: neuron with relu", "relu(**w**^T **x** + b)", "w", "step(𝐰ᵀ𝐱 + b) 𝐱ᵀ"),
    Identity("Parr §5: one-sample loss", "(y - max(0, **w** · **x** + b))^2", "w",
             "−2(y − max(0, 𝐰·𝐱 + b)) step(𝐰·𝐱 + b) 𝐱ᵀ"),
    Identity("Parr §5: one-sample loss", "(y - max(0, **w** · **x** + b))^2", "b",
             "−2(y − max(0, 𝐰·𝐱 + b)) step(𝐰·𝐱 + b)"),
    Identity("Parr §5: loss summed over samples", "sum((**y** - max(0, X **w** + b))^2)", "w",
             "−2(step(X𝐰 + b) ⊙ (𝐲 − max(0, X𝐰 + b)))ᵀX"),
    Identity("Parr §5: loss summed over samples", "sum((**y** - max(0, X **w** + b))^2)", "b",
             "−2 step(X𝐰 + b)ᵀ (𝐲 − max(0, X𝐰 + b))"),
    Identity("Parr §5: MSE loss (1/N Σ)", "mean((**y** - max(0, X **w** + b))^2)", "w", None),
    Identity("Parr §5: MSE loss (1/N Σ)", "mean((**y** - max(0, X **w** + b))^2)", "b", None),
    Identity("Parr §5: linear-unit MSE (1/N Σ)", "mean((X **w** + b - **y**)^2)", "w", None),

    # ------------------------------------------------------------------------------------
    # Scalar functions (scalar by scalar), textbook and Wolfram Alpha examples
    # ------------------------------------------------------------------------------------
    Identity("Calculus: exp of a square", "exp(x^2)", "x", "2x exp(x²)"),
    Identity("Calculus: product rule", "x^2 sin(x)", "x", "2x sin(x) + x² cos(x)"),
    Identity("Calculus: square root", "sqrt(x^2 + 1)", "x", "x/sqrt(x² + 1)"),
    Identity("Calculus: arctan", "arctan(x)", "x", "1/(1 + x²)"),
    Identity("Calculus: log", "log(x^2 + 1)", "x", "2x/(x² + 1)"),
    Identity("Calculus: partial of x²y³", "x^2 y^3", "y", "3x²y²"),
    Identity("DL: sigmoid", "sigmoid(x)", "x", "σ(x) (1 − σ(x))"),
    Identity("DL: tanh", "tanh(x)", "x", "1 − tanh(x)²"),
    Identity("DL: softplus", "softplus(x)", "x", "σ(x)"),
    Identity("DL: softplus written out", "log(1 + exp(x))", "x", "exp(x)/(1 + exp(x))"),
    Identity("DL: relu", "relu(x)", "x", "step(x)"),
    Identity("DL: abs", "abs(x)", "x", "sign(x)"),
    Identity("Wolfram Alpha: quadratic form of a literal vector",
             "[x^2, x^3]^T [[1, 2], [3, 4]] [x^2, x^3]", "x", "4x³ + 25x⁴ + 24x⁵"),
    Identity("Scalar by scalar through vectors", "x^2 **a**^T **b**", "x", "2x𝐚ᵀ𝐛"),
    Identity("Scalar by scalar through a quadratic form", "**x**^T (A + t B) **x**", "t", "𝐱ᵀB𝐱"),

    # ------------------------------------------------------------------------------------
    # Several scalar variables (stacked Jacobians)
    # ------------------------------------------------------------------------------------
    Identity("Jacobian: [xy, x + y]", "[x y, x + y]", "x,y", "[[y, x], [1, 1]]"),
    Identity("Jacobian: polar coordinates", "[r cos(t), r sin(t)]", "r,t",
             "[[cos(t), −r sin(t)], [sin(t), r cos(t)]]"),
    Identity("Jacobian: [x²y, 5x + sin(y)]", "[x^2 y, 5x + sin(y)]", "x,y",
             "[[2xy, x²], [5, cos(y)]]"),
    Identity("Gradient: x² + y²", "x^2 + y^2", "x,y", "[[2x, 2y]]"),
    Identity("Gradient: Rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2", "x,y",
             "[[−2(1 − x) − 400x(y − x²), 200(y − x²)]]"),

    # ------------------------------------------------------------------------------------
    # Vector by scalar
    # ------------------------------------------------------------------------------------
    Identity("Vector by scalar: x a", "x **a**", "x", "𝐚"),
    Identity("Vector by scalar: a + x b", "**a** + x **b**", "x", "𝐛"),
    Identity("Vector by scalar: exp(x a)", "exp(x **a**)", "x", "𝐚 ⊙ exp(x𝐚)"),
    Identity("Vector by scalar: sin(x) a + x² b", "sin(x) **a** + x^2 **b**", "x",
             "cos(x) 𝐚 + 2x𝐛"),
    Identity("Vector by scalar: literal", "[x^2, x^3]", "x", "[2x, 3x²]"),
    Identity("Vector by scalar: unit circle", "[cos(t), sin(t)]", "t", "[−sin(t), cos(t)]"),
    Identity("Vector by scalar: x A b", "x A **b**", "x", "A𝐛"),
    Identity("Vector by scalar: literal of two variables", "[x^2 y, x + y]", "x", "[2xy, 1]"),
    Identity("Vector by scalar: layer bias", "tanh(W **x** + b)", "b", "1 − tanh(W𝐱 + b)²"),
    Identity("Vector by scalar: gated vector", "sigmoid(t **w**)", "t", "𝐰 ⊙ σ(t𝐰) ⊙ (1 − σ(t𝐰))"),

    # ------------------------------------------------------------------------------------
    # Matrix by scalar
    # ------------------------------------------------------------------------------------
    Identity("Matrix by scalar: x A", "x A", "x", "A"),
    Identity("Matrix by scalar: polynomial", "x^2 A + x B", "x", "2xA + B"),
    Identity("Matrix by scalar: element-wise exp", "exp(x A)", "x", "A ⊙ exp(xA)"),
    Identity("Matrix by scalar: trigonometric", "sin(x) A + cos(x) B", "x", "cos(x) A − sin(x) B"),
    Identity("Matrix by scalar: outer product", "x **a** **b**^T", "x", "𝐚𝐛ᵀ"),
    Identity("Matrix by scalar: matrix square", "(A + x B)^2", "x", "(A + xB)B + B(A + xB)"),

    # ------------------------------------------------------------------------------------
    # Vector by matrix (vec/Kronecker forms: ∂𝐲/∂vec(X))
    # ------------------------------------------------------------------------------------
    Identity("Vector by matrix: X a", "X **a**", "X", "𝐚ᵀ ⊗ I"),
    Identity("Vector by matrix: A X b", "A X **b**", "X", "𝐛ᵀ ⊗ A"),
    Identity("Vector by matrix: Xᵀ a", "X^T **a**", "X", "I ⊗ 𝐚ᵀ"),

    # ------------------------------------------------------------------------------------
    # Matrix by matrix (vec/Kronecker forms: ∂vec(Y)/∂vec(X))
    # ------------------------------------------------------------------------------------
    Identity("Matrix by matrix: A X B", "A X B", "X", "Bᵀ ⊗ A"),
    Identity("Matrix by matrix: A X", "A X", "X", "I ⊗ A"),
    Identity("Matrix by matrix: Sylvester operator", "A X + X B", "X", "I ⊗ A + Bᵀ ⊗ I"),
    Identity("Matrix by matrix: transpose", "X^T", "X", None),
    Identity("Matrix by matrix: Gram matrix", "X^T X", "X", None),
    Identity("Matrix by matrix: element-wise exp", "exp(X)", "X", "diag(vec(exp(X)))"),
    Identity("Matrix by matrix: Hadamard", "X ⊙ A", "X", "diag(vec(A))"),

    # ------------------------------------------------------------------------------------
    # Matrix by vector (vec/Kronecker forms: ∂vec(Y)/∂𝐱)
    # ------------------------------------------------------------------------------------
    Identity("Matrix by vector: x xᵀ", "**x** **x**^T", "x", "𝐱 ⊗ I + I ⊗ 𝐱"),
    Identity("Matrix by vector: a xᵀ", "**a** **x**^T", "x", "I ⊗ 𝐚"),
    Identity("Matrix by vector: x aᵀ", "**x** **a**^T", "x", "𝐚 ⊗ I"),
    Identity("Matrix by vector: diag(x)", "diag(**x**)", "x", None),

    # ------------------------------------------------------------------------------------
    # matrixcalculus.org examples
    # ------------------------------------------------------------------------------------
    Identity("matrixcalculus.org: default example", "**x**^T A **x** + c sin(**y**)^T **x**", "x",
             "𝐱ᵀ(A + Aᵀ) + c sin(𝐲)ᵀ"),
    Identity("matrixcalculus.org: default example", "**x**^T A **x** + c sin(**y**)^T **x**", "y",
             "c(𝐱 ⊙ cos(𝐲))ᵀ"),
    Identity("matrixcalculus.org: default example", "**x**^T A **x** + c sin(**y**)^T **x**", "A",
             "𝐱𝐱ᵀ"),
    Identity("matrixcalculus.org: default example", "**x**^T A **x** + c sin(**y**)^T **x**", "c",
             "sin(𝐲)ᵀ 𝐱"),
    Identity("matrixcalculus.org: logistic regression", "sum(log(1 + exp(-**y** ⊙ (X **w**))))",
             "w",
             "−(𝐲 ⊙ σ(−𝐲 ⊙ (X𝐰)))ᵀX"),
    Identity("matrixcalculus.org: logistic regression", "sum(log(1 + exp(-**y** ⊙ (X **w**))))",
             "X",
             "−𝐰(𝐲 ⊙ σ(−𝐲 ⊙ (X𝐰)))ᵀ"),
    Identity("matrixcalculus.org: ridge regression",
             "norm(X **w** - **y**)^2 + lambda norm(**w**)^2",
             "w", "2(X𝐰 − 𝐲)ᵀX + 2λ𝐰ᵀ"),
    Identity("matrixcalculus.org: matrix factorization", "norm(T - U V^T)^2", "U",
             "−2Vᵀ(T − UVᵀ)ᵀ"),
    Identity("matrixcalculus.org: matrix factorization", "norm(T - U V^T)^2", "V", "−2Uᵀ(T − UVᵀ)"),
    Identity("matrixcalculus.org: matrix factorization", "norm(T - U V^T)^2", "T", "2(T − UVᵀ)ᵀ"),
    Identity("matrixcalculus.org: residual norm", "‖A **x** - **b**‖", "x", "(A𝐱 − 𝐛)ᵀA/‖A𝐱 − 𝐛‖"),
    Identity("matrixcalculus.org: exp of a quadratic form", "exp(**x**^T A **x**)", "x",
             "exp(𝐱ᵀA𝐱) 𝐱ᵀ(A + Aᵀ)"),
    Identity("matrixcalculus.org: Rayleigh quotient", "**x**^T A **x** / (**x**^T **x**)", "x",
             "𝐱ᵀ(A + Aᵀ)/(𝐱ᵀ𝐱) − 2(𝐱ᵀA𝐱)𝐱ᵀ/(𝐱ᵀ𝐱)²"),
    Identity("matrixcalculus.org: Mahalanobis distance", "(**x** - **m**)^T S^-1 (**x** - **m**)",
             "m",
             "−(𝐱 − 𝐦)ᵀ(S⁻¹ + (S⁻¹)ᵀ)"),
    Identity("matrixcalculus.org: Mahalanobis distance", "(**x** - **m**)^T S^-1 (**x** - **m**)",
             "x",
             "(𝐱 − 𝐦)ᵀ(S⁻¹ + (S⁻¹)ᵀ)"),
    Identity("matrixcalculus.org: Mahalanobis distance", "(**x** - **m**)^T S^-1 (**x** - **m**)",
             "S",
             "−S⁻¹(𝐱 − 𝐦)(𝐱 − 𝐦)ᵀS⁻¹"),
    Identity("matrixcalculus.org: diagonal bilinear form", "**a**^T diag(**x**) **b**", "x",
             "(𝐚 ⊙ 𝐛)ᵀ"),
    Identity("matrixcalculus.org: sum of exponentials", "sum(exp(X **w**))", "w", "exp(X𝐰)ᵀ X"),
    Identity("matrixcalculus.org: 1-norm", "norm1(**x** - **a**)", "x", "sign(𝐱 − 𝐚)ᵀ"),
    Identity("matrixcalculus.org: trigonometric inner product", "sin(**x**)^T cos(**x**)", "x",
             "(cos(𝐱)² − sin(𝐱)²)ᵀ"),
    Identity("matrixcalculus.org: product of linear maps", "(A **x**) ⊙ (B **x**)", "x",
             "diag(B𝐱) A + diag(A𝐱) B"),
    Identity("matrixcalculus.org: linear map of a square", "A (**x** ⊙ **x**)", "x", "2A diag(𝐱)"),
    Identity("mcalc: 1×1 product used as a scalar", "**x**^T **y** **z**", "x", "𝐳𝐲ᵀ"),
    Identity("mcalc: user question with π", "-cos(2π **w**^T **w**) + **w**^T **w**", "w",
             "4π sin(2π𝐰ᵀ𝐰) 𝐰ᵀ + 2𝐰ᵀ"),

    # ------------------------------------------------------------------------------------
    # DL: mean squared error and least squares
    # ------------------------------------------------------------------------------------
    Identity("DL: MSE (sum)", "sum((X **w** - **y**)^2)", "w", "2(X𝐰 − 𝐲)ᵀX"),
    Identity("DL: MSE (mean)", "mean((X **w** - **y**)^2)", "w", None),
    Identity("DL: MSE as an inner product", "(X **w** - **y**)^T (X **w** - **y**)", "w",
             "2(X𝐰 − 𝐲)ᵀX"),
    Identity("DL: MSE as a norm", "‖**y** - X **w**‖^2", "w", "−2(𝐲 − X𝐰)ᵀX"),
    Identity("DL: MSE as a norm, wrt the data", "‖**y** - X **w**‖^2", "X", "−2𝐰(𝐲 − X𝐰)ᵀ"),
    Identity("DL: MSE wrt predictions", "sum((**p** - **y**)^2)", "p", "2(𝐩 − 𝐲)ᵀ"),
    Identity("DL: MSE wrt predictions (mean)", "mean((**p** - **y**)^2)", "p", None),
    Identity("DL: MSE wrt the bias", "sum((X **w** + b - **y**)^2)", "b", "2 sum(X𝐰 + b − 𝐲)"),
    Identity("DL: half squared error", "0.5 ‖X **w** - **y**‖^2", "w", "(X𝐰 − 𝐲)ᵀX"),
    Identity("DL: MSE of a linear layer", "‖W **x** + **b** - **y**‖^2", "W", "2𝐱(W𝐱 + 𝐛 − 𝐲)ᵀ"),
    Identity("DL: MSE of a linear layer", "‖W **x** + **b** - **y**‖^2", "b", "2(W𝐱 + 𝐛 − 𝐲)ᵀ"),
    Identity("DL: multi-output least squares", "‖X W - Y‖^2", "W", "2(XW − Y)ᵀX"),
    Identity("DL: regularisation weight", "sum((X **w** - **y**)^2) + λ **w**^T **w**", "λ", "𝐰ᵀ𝐰"),

    # ------------------------------------------------------------------------------------
    # DL: logistic regression / binary cross-entropy
    # ------------------------------------------------------------------------------------
    Identity("DL: logistic loss (mean)", "mean(log(1 + exp(-**y** ⊙ (X **w**))))", "w", None),
    Identity("DL: logistic loss, one sample", "log(1 + exp(-y **w**^T **x**))", "w",
             "−y σ(−y𝐰ᵀ𝐱) 𝐱ᵀ"),
    Identity("DL: logistic loss via softplus", "softplus(-y **w**^T **x**)", "w", "−y σ(−y𝐰ᵀ𝐱) 𝐱ᵀ"),
    Identity("DL: binary cross-entropy",
             "-(**y**^T log(sigmoid(X **w**)) + (1 - **y**)^T log(1 - sigmoid(X **w**)))", "w",
             "(σ(X𝐰) − 𝐲)ᵀX"),
    Identity("DL: binary cross-entropy, one sample",
             "-y log(sigmoid(**w**^T **x**)) - (1 - y) log(1 - sigmoid(**w**^T **x**))", "w",
             "(σ(𝐰ᵀ𝐱) − y)𝐱ᵀ"),
    Identity("DL: cross-entropy with logits", "sum(softplus(X **w**) - **y** ⊙ (X **w**))", "w",
             "(σ(X𝐰) − 𝐲)ᵀX"),
    Identity("DL: hinge loss", "max(0, 1 - y **w**^T **x**)", "w", "−y step(1 − y𝐰ᵀ𝐱) 𝐱ᵀ"),

    # ------------------------------------------------------------------------------------
    # DL: softmax and softmax cross-entropy
    # ------------------------------------------------------------------------------------
    Identity("DL: softmax Jacobian", "softmax(**z**)", "z",
             "diag(softmax(𝐳)) − softmax(𝐳) softmax(𝐳)ᵀ"),
    Identity("DL: log-softmax Jacobian", "log(softmax(**z**))", "z", "I − 𝟏 softmax(𝐳)ᵀ"),
    Identity("DL: logsumexp", "logsumexp(**x**)", "x", "softmax(𝐱)ᵀ"),
    Identity("DL: logsumexp written out", "log(sum(exp(**x**)))", "x", "exp(𝐱)ᵀ/sum(exp(𝐱))"),
    Identity("DL: softmax cross-entropy", "-**y**^T log(softmax(**z**))", "z",
             "(sum(𝐲) softmax(𝐳) − 𝐲)ᵀ"),
    Identity("DL: softmax cross-entropy (logsumexp form)", "logsumexp(**z**) - **y**^T **z**", "z",
             "(softmax(𝐳) − 𝐲)ᵀ"),
    Identity("DL: softmax cross-entropy of a linear layer", "-**y**^T log(softmax(W **x**))", "W",
             "𝐱(sum(𝐲) softmax(W𝐱) − 𝐲)ᵀ"),
    Identity("DL: softmax cross-entropy of a linear layer", "-**y**^T log(softmax(W **x**))", "x",
             "(sum(𝐲) softmax(W𝐱) − 𝐲)ᵀW"),
    Identity("DL: softmax cross-entropy (logsumexp form)", "logsumexp(W **x**) - **y**^T W **x**",
             "W",
             "𝐱(softmax(W𝐱) − 𝐲)ᵀ"),
    Identity("DL: softmax cross-entropy (logsumexp form)", "logsumexp(W **x**) - **y**^T W **x**",
             "x",
             "(softmax(W𝐱) − 𝐲)ᵀW"),
    Identity("DL: softmax cross-entropy wrt the bias",
             "logsumexp(W **x** + **b**) - **y**^T (W **x** + **b**)", "b",
             "(softmax(W𝐱 + 𝐛) − 𝐲)ᵀ"),
    Identity("DL: softmax of a linear layer", "softmax(W **x**)", "x",
             "(diag(softmax(W𝐱)) − softmax(W𝐱) softmax(W𝐱)ᵀ)W"),
    Identity("DL: softmax of a linear layer", "softmax(W **x**)", "W",
             "(diag(softmax(W𝐱)) − softmax(W𝐱) softmax(W𝐱)ᵀ)(𝐱ᵀ ⊗ I)"),

    # ------------------------------------------------------------------------------------
    # DL: element-wise activations of vectors
    # ------------------------------------------------------------------------------------
    Identity("DL: sigmoid of a vector", "sigmoid(**x**)", "x", "diag(σ(𝐱) ⊙ (1 − σ(𝐱)))"),
    Identity("DL: relu of a vector", "relu(**x**)", "x", "diag(step(𝐱))"),
    Identity("DL: abs of a vector", "abs(**x**)", "x", "diag(sign(𝐱))"),
    Identity("DL: exp of a vector", "exp(**x**)", "x", "diag(exp(𝐱))"),
    Identity("DL: tanh of a vector", "tanh(**x**)", "x", "diag(1 − tanh(𝐱)²)"),
    Identity("DL: sum of softplus", "sum(softplus(**x**))", "x", "σ(𝐱)ᵀ"),
    Identity("DL: sum of sigmoids", "sum(sigmoid(**x**))", "x", "(σ(𝐱) ⊙ (1 − σ(𝐱)))ᵀ"),
    Identity("DL: sum of absolute values (L1 penalty)", "sum(abs(**x**))", "x", "sign(𝐱)ᵀ"),
    Identity("DL: Gaussian kernel", "exp(-**x**^T **x** / 2)", "x", "−exp(−𝐱ᵀ𝐱/2) 𝐱ᵀ"),

    # ------------------------------------------------------------------------------------
    # DL: MLP layers
    # ------------------------------------------------------------------------------------
    Identity("DL: linear layer", "W **x** + **b**", "x", "W"),
    Identity("DL: linear layer", "W **x** + **b**", "b", "I"),
    Identity("DL: linear layer", "W **x** + **b**", "W", "𝐱ᵀ ⊗ I"),
    Identity("DL: tanh layer", "tanh(W **x** + **b**)", "x", "diag(1 − tanh(W𝐱 + 𝐛)²) W"),
    Identity("DL: tanh layer", "tanh(W **x** + **b**)", "b", "diag(1 − tanh(W𝐱 + 𝐛)²)"),
    Identity("DL: tanh layer", "tanh(W **x** + **b**)", "W", "diag(1 − tanh(W𝐱 + 𝐛)²) (𝐱ᵀ ⊗ I)"),
    Identity("DL: sigmoid layer", "sigmoid(W **x** + **b**)", "x",
             "diag(σ(W𝐱 + 𝐛) ⊙ (1 − σ(W𝐱 + 𝐛))) W"),
    Identity("DL: relu layer", "relu(W **x** + **b**)", "x", "diag(step(W𝐱 + 𝐛)) W"),
    Identity("DL: relu layer", "relu(W **x** + **b**)", "b", "diag(step(W𝐱 + 𝐛))"),
    Identity("DL: relu layer as max", "max(0, W **x** + **b**)", "W",
             "diag(step(W𝐱 + 𝐛)) (𝐱ᵀ ⊗ I)"),
    Identity("DL: two-layer network", "sigmoid(W_2 tanh(W_1 **x**))", "x",
             "diag(σ(W₂ tanh(W₁𝐱)) ⊙ (1 − σ(W₂ tanh(W₁𝐱)))) W₂ diag(1 − tanh(W₁𝐱)²) W₁"),
    Identity("DL: two-layer network", "sigmoid(W_2 tanh(W_1 **x**))", "W_1", None),
    Identity("DL: two-layer network", "sigmoid(W_2 tanh(W_1 **x**))", "W_2",
             "diag(σ(W₂ tanh(W₁𝐱)) ⊙ (1 − σ(W₂ tanh(W₁𝐱)))) (tanh(W₁𝐱)ᵀ ⊗ I)"),
    Identity("DL: two-layer network with biases", "W_2 tanh(W_1 **x** + **b**) + **c**", "b",
             "W₂ diag(1 − tanh(W₁𝐱 + 𝐛)²)"),
    Identity("DL: two-layer network with biases", "W_2 tanh(W_1 **x** + **b**) + **c**", "x",
             "W₂ diag(1 − tanh(W₁𝐱 + 𝐛)²) W₁"),
    Identity("DL: two-layer network with biases", "W_2 tanh(W_1 **x** + **b**) + **c**", "W_2",
             "tanh(W₁𝐱 + 𝐛)ᵀ ⊗ I"),
    Identity("DL: two-layer network with biases", "W_2 tanh(W_1 **x** + **b**) + **c**", "W_1",
             None),
    Identity("DL: readout of a tanh layer", "**w**^T tanh(W **x**)", "W",
             "𝐱(𝐰 ⊙ (1 − tanh(W𝐱)²))ᵀ"),
    Identity("DL: readout of a tanh layer", "**w**^T tanh(W **x**)", "w", "tanh(W𝐱)ᵀ"),
    Identity("DL: readout of a tanh layer", "**w**^T tanh(W **x**)", "x",
             "(𝐰 ⊙ (1 − tanh(W𝐱)²))ᵀW"),
    Identity("DL: two-layer MSE", "‖W_2 relu(W_1 **x**) - **y**‖^2", "W_2",
             "2 relu(W₁𝐱) (W₂ relu(W₁𝐱) − 𝐲)ᵀ"),
    Identity("DL: two-layer MSE", "‖W_2 relu(W_1 **x**) - **y**‖^2", "W_1",
             "2𝐱(step(W₁𝐱) ⊙ (W₂ᵀ(W₂ relu(W₁𝐱) − 𝐲)))ᵀ"),
    Identity("DL: two-layer MSE", "‖W_2 relu(W_1 **x**) - **y**‖^2", "x",
             "2(W₂ relu(W₁𝐱) − 𝐲)ᵀW₂ diag(step(W₁𝐱)) W₁"),
    Identity("DL: two-layer classifier",
             "logsumexp(W_2 relu(W_1 **x**)) - **y**^T W_2 relu(W_1 **x**)",
             "x", "(softmax(W₂ relu(W₁𝐱)) − 𝐲)ᵀW₂ diag(step(W₁𝐱)) W₁"),
    Identity("DL: two-layer classifier",
             "logsumexp(W_2 relu(W_1 **x**)) - **y**^T W_2 relu(W_1 **x**)",
             "W_1", None),
    Identity("DL: batched tanh layer", "sum(tanh(X W^T + **b**))", "b",
             "𝟏ᵀ(1 − tanh(XWᵀ + 𝐛) ⊙ tanh(XWᵀ + 𝐛))"),
    Identity("DL: batched tanh layer", "sum(tanh(X W^T + **b**))", "W",
             "Xᵀ(1 − tanh(XWᵀ + 𝐛) ⊙ tanh(XWᵀ + 𝐛))"),

    # ------------------------------------------------------------------------------------
    # DL: L2 regularisation (weight decay)
    # ------------------------------------------------------------------------------------
    Identity("DL: L2 regularisation", "λ ‖**w**‖^2", "w", "2λ𝐰ᵀ"),
    Identity("DL: L2 regularisation", "lambda **w**^T **w**", "w", "2λ𝐰ᵀ"),
    Identity("DL: weight decay on a matrix", "0.5 λ norm(W)^2", "W", "λWᵀ"),
    Identity("DL: weight decay as a trace", "λ tr(W^T W)", "W", "2λWᵀ"),

    # ------------------------------------------------------------------------------------
    # DL: attention scores
    # ------------------------------------------------------------------------------------
    Identity("DL: attention scores", "K **q**", "q", "K"),
    Identity("DL: attention scores", "K **q**", "K", "𝐪ᵀ ⊗ I"),
    Identity("DL: attention scores as a row", "**q**^T K^T", "q", None),
    Identity("DL: attention score of one key", "**q**^T **k**", "q", "𝐤ᵀ"),
    Identity("DL: bilinear attention score", "**q**^T W **k**", "W", "𝐤𝐪ᵀ"),
    Identity("DL: attention weights", "softmax(K **q**)", "q",
             "(diag(softmax(K𝐪)) − softmax(K𝐪) softmax(K𝐪)ᵀ)K"),
    Identity("DL: attention weights", "softmax(K **q**)", "K",
             "(diag(softmax(K𝐪)) − softmax(K𝐪) softmax(K𝐪)ᵀ)(𝐪ᵀ ⊗ I)"),
    Identity("DL: attention weights with temperature", "softmax(s K **q**)", "s",
             "(diag(softmax(sK𝐪)) − softmax(sK𝐪) softmax(sK𝐪)ᵀ)K𝐪"),
    Identity("DL: attention output", "V^T softmax(K **q**)", "q",
             "Vᵀ(diag(softmax(K𝐪)) − softmax(K𝐪) softmax(K𝐪)ᵀ)K"),
    Identity("DL: scalar attention output", "**v**^T softmax(K **q**)", "q",
             "𝐯ᵀ(diag(softmax(K𝐪)) − softmax(K𝐪) softmax(K𝐪)ᵀ)K"),
    Identity("DL: attention log-partition", "logsumexp(K **q**)", "q", "softmax(K𝐪)ᵀ K"),
    Identity("DL: attention with projected query", "softmax(K W **x**)", "x",
             "(diag(softmax(KW𝐱)) − softmax(KW𝐱) softmax(KW𝐱)ᵀ)KW"),

    # ------------------------------------------------------------------------------------
    # Hessians of scalar functions
    # ------------------------------------------------------------------------------------
    Identity("Hessian: quadratic form", "**x**^T A **x**", "x", "A + Aᵀ", True),
    Identity("Hessian: quadratic form plus softplus (SPEC §4)",
             "**x**^T A **x** + sum(log(1 + exp(B **x**)))", "x",
             "A + Aᵀ + Bᵀ diag(σ(B𝐱) ⊙ (1 − σ(B𝐱))) B", True),
    Identity("Hessian: sum of softplus of a linear map", "sum(log(1 + exp(B **x**)))", "x",
             "Bᵀ diag(σ(B𝐱) ⊙ (1 − σ(B𝐱))) B", True),
    Identity("Hessian: squared norm", "‖**x**‖^2", "x", "2I", True),
    Identity("Hessian: inner product", "**x**^T **x**", "x", "2I", True),
    Identity("Hessian: linear plus squared norm", "**a**^T **x** + **x**^T **x**", "x", "2I", True),
    Identity("Hessian: affine function", "**a**^T **x** + b", "x", None, True),
    Identity("Hessian: logsumexp", "logsumexp(**x**)", "x",
             "diag(softmax(𝐱)) − softmax(𝐱) softmax(𝐱)ᵀ", True),
    Identity("Hessian: least squares", "‖A **x** - **b**‖^2", "x", "2AᵀA", True),
    Identity("Hessian: L2 regularisation", "λ ‖**w**‖^2", "w", "2λI", True),
    Identity("Hessian: ridge regression", "‖X **w** - **y**‖^2 + λ ‖**w**‖^2", "w",
             "2XᵀX + 2λI", True),
    Identity("Hessian: sum of exponentials", "sum(exp(**x**))", "x", "diag(exp(𝐱))", True),
    Identity("Hessian: squared linear function", "(**a**^T **x**)^2", "x", "2𝐚𝐚ᵀ", True),
    Identity("Hessian: MSE", "sum((X **w** - **y**)^2)", "w", "2XᵀX", True),
    Identity("Hessian: logistic loss", "sum(log(1 + exp(-**y** ⊙ (X **w**))))", "w",
             "Xᵀ diag(𝐲 ⊙ 𝐲 ⊙ σ(−𝐲 ⊙ (X𝐰)) ⊙ (1 − σ(−𝐲 ⊙ (X𝐰)))) X", True),
    Identity("Hessian: cross-entropy with logits", "sum(softplus(X **w**) - **y** ⊙ (X **w**))",
             "w",
             "Xᵀ diag(σ(X𝐰) ⊙ (1 − σ(X𝐰))) X", True),
    Identity("Hessian: logistic loss, one sample", "log(1 + exp(**w**^T **x**))", "w",
             "σ(𝐰ᵀ𝐱) (1 − σ(𝐰ᵀ𝐱))𝐱𝐱ᵀ", True),
    Identity("Hessian: logsumexp of a linear map", "logsumexp(W **x**)", "x",
             "Wᵀ(diag(softmax(W𝐱)) − softmax(W𝐱) softmax(W𝐱)ᵀ)W", True),
    Identity("Hessian: softmax cross-entropy", "-**y**^T log(softmax(**z**))", "z",
             "sum(𝐲) (diag(softmax(𝐳)) − softmax(𝐳) softmax(𝐳)ᵀ)", True),
    Identity("Hessian: Euclidean norm", "‖**x**‖", "x", "I/‖𝐱‖ − 𝐱𝐱ᵀ/‖𝐱‖³", True),
    Identity("Hessian: exp of a linear function", "exp(**a**^T **x**)", "x", "exp(𝐚ᵀ𝐱) 𝐚𝐚ᵀ", True),
    Identity("Hessian: sum of sines", "sum(sin(**x**))", "x", "−diag(sin(𝐱))", True),
    Identity("Hessian: scalar chain rule", "sin(x^2)", "x", "2 cos(x²) − 4x² sin(x²)", True),
    Identity("Hessian: Rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2", "x,y",
             "[[2 − 400y + 1200x², −400x], [−400x, 200]]", True),
    Identity("Hessian: trace quadratic in a matrix", "tr(X^T A X)", "X", "I ⊗ (A + Aᵀ)", True),
]
