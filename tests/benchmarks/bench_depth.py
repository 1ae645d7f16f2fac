"""Depth (SPEC §4): the gradient of an L-layer MLP loss w.r.t. its first layer,
sum((W_L tanh(… tanh(W_1 x))) − y)^2), for L = 1 … 64: time, peak memory, printed length.
Both should grow linearly in L (shared subexpressions are named, not copied).

Run: python tests/benchmarks/bench_depth.py
"""
from __future__ import annotations

import sys
import time
import tracemalloc

import mcalc
from mcalc.api import clear_caches


def mlp(depth: int) -> str:
    e = "**x**"
    for k in range(1, depth + 1):
        e = f"W_{k} {e}" if k == depth else f"tanh(W_{k} {e})"
    return f"sum(({e} - **y**)^2)"


def main() -> None:
    sys.setrecursionlimit(100_000)
    mcalc.diff(mlp(2), wrt="W_1").text            # warm-up: imports, parser
    print(f"{'L':>3} {'time':>9} {'peak MB':>8} {'chars':>7} {'chars/L':>8}")
    for depth in (1, 2, 4, 8, 16, 32, 64):
        clear_caches()
        start = time.perf_counter()
        text = mcalc.diff(mlp(depth), wrt="W_1").text
        elapsed = time.perf_counter() - start
        clear_caches()
        tracemalloc.start()                        # memory in a second run: tracing is slow
        mcalc.diff(mlp(depth), wrt="W_1").text
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"{depth:3d} {1000 * elapsed:7.1f}ms {peak:8.1f} {len(text):7d} {len(text) / depth:8.1f}")


if __name__ == "__main__":
    main()
