"""How close printed results are to the textbook (issue: textbook form).

Run: python tests/benchmarks/bench_textbook.py [-v]
Over the corpus entries that carry a textbook form: the share printed exactly as the textbook
writes it (spaces ignored), the share equal or shorter, and the mean ratio of printed length to
textbook length. -v lists the results that are longer.
"""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus.identities import IDENTITIES  # noqa: E402

import mcalc  # noqa: E402


def squeeze(text: str) -> str:
    return "".join(text.split()).replace("−", "-")


def main(verbose: bool = False) -> None:
    same = shorter = 0
    ratios, longer = [], []
    for ident in IDENTITIES:
        if ident.textbook is None:
            continue
        try:
            result = mcalc.diff(ident.expr, wrt=ident.wrt, hessian=ident.hessian)
        except mcalc.MCalcError:
            continue
        got, want = squeeze(result.text), squeeze(ident.textbook)
        ratios.append(len(got) / len(want))
        if got == want:
            same += 1
        elif len(got) <= len(want):
            shorter += 1
        else:
            longer.append((ident.expr, ident.wrt, result.text, ident.textbook))
    n = len(ratios)
    print(f"{n} corpus results with a textbook form")
    print(f"  printed exactly as the textbook: {same} ({100 * same / n:.1f} %)")
    print(f"  equal or shorter:                {same + shorter} ({100 * (same + shorter) / n:.1f} %)")
    print(f"  mean length ratio printed/textbook: {statistics.mean(ratios):.3f}")
    if verbose:
        for expr, wrt, got, want in longer:
            print(f"  {expr}  wrt {wrt}:  {got}   (textbook {want})")


if __name__ == "__main__":
    main("-v" in sys.argv)
