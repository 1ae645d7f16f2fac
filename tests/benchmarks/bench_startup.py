"""Cold start of `mcalc diff` against the SymPy one-liner for the same derivative (SPEC §4).

Run: python tests/benchmarks/bench_startup.py [runs]
Each command runs in a fresh interpreter, interleaved, `runs` times; the best and median wall
times are printed with their ratios. Bytecode caching is allowed (as after `pip install`).
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

PYTHON = sys.executable
MCALC = shutil.which("mcalc", path=os.path.dirname(PYTHON)) or "mcalc"
COMMANDS = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "mcalc diff (text)": [MCALC, "diff", "**x**^T A **x**", "--wrt", "x", "-f", "text"],
    "sympy one-liner": [PYTHON, "-c",
                        "import sympy as sp; n = sp.Symbol('n'); x = sp.MatrixSymbol('x', n, 1); "
                        "A = sp.MatrixSymbol('A', n, n); print((x.T * A * x).diff(x))"],
}


def main(runs: int = 15) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for cmd in COMMANDS.values():                 # warm-up: bytecode and the parser cache
        subprocess.run(cmd, env=env, capture_output=True, check=True)
    for _ in range(runs):
        for name, cmd in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(cmd, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    print(f"{'command':24} {'best':>9} {'median':>9}")
    for name, t in times.items():
        print(f"{name:24} {1000 * min(t):7.1f}ms {1000 * statistics.median(t):7.1f}ms")
    ratio = best["sympy one-liner"] / best["mcalc diff (text)"]
    print(f"\nsympy / mcalc (best): {ratio:.2f}x   (target ≥ 3x)")
    print(f"mcalc above bare python (best): {1000 * (best['mcalc diff (text)'] - best['python -c pass']):.1f}ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
