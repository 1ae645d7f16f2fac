"""The functions of SPEC §1.5: canonical names, aliases, arity and what they map shapes to."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Family(enum.Enum):
    ELEMENTWISE = "element-wise"        # scalar → scalar, applied entry by entry
    ELEMENTWISE2 = "element-wise pair"  # max(a, b), min(a, b) with scalar expansion
    REDUCTION = "reduction"             # anything → scalar
    STRUCTURAL = "matrix"               # shape-changing: inv, diag, vec, kron, softmax, dot


@dataclass(frozen=True)
class Function:
    name: str
    family: Family
    arity: int = 1


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    *(Function(n, Family.ELEMENTWISE) for n in (
        "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos",
        "arctan", "sigmoid", "relu", "softplus", "abs", "sign", "step")),
    Function("max", Family.ELEMENTWISE2, 2),
    Function("min", Family.ELEMENTWISE2, 2),
    *(Function(n, Family.REDUCTION) for n in (
        "sum", "mean", "norm", "norm1", "tr", "det", "logdet", "logsumexp")),
    Function("inv", Family.STRUCTURAL),
    Function("diag", Family.STRUCTURAL),
    Function("vec", Family.STRUCTURAL),
    Function("softmax", Family.STRUCTURAL),
    Function("kron", Family.STRUCTURAL, 2),
    Function("dot", Family.STRUCTURAL, 2),
)}

ALIASES = {"ln": "log", "σ": "sigmoid", "sigma": "sigmoid", "trace": "tr"}

# Every spelling a user may type before "(".
KNOWN_NAMES = sorted(set(FUNCTIONS) | set(ALIASES) - {"σ", "sigma"})


def canonical(name: str) -> str | None:
    name = name.lstrip("\\")
    name = ALIASES.get(name, name)
    return name if name in FUNCTIONS else None


def closest(name: str, n: int = 3) -> list[str]:
    """Known function names closest to `name`, best first."""
    import difflib
    return difflib.get_close_matches(name.lstrip("\\"), KNOWN_NAMES, n=n, cutoff=0.5)
