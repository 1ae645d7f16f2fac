"""Batch throughput (SPEC §4): `mcalc diff - --wrt V` over the identity corpus, streamed.

Run: python tests/benchmarks/bench_batch.py [repeats] [lines]
The corpus expressions are grouped by their variable; each group is fed to one `mcalc diff -`
process `repeats` times over (a long stream, as a script would send), and the rate is
derivatives per second of wall time, start-up included. Then one process takes `lines` lines
(the --wrt x part of the corpus, over and over) and a tenth of that: the same peak memory for
both shows it streams.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus.identities import IDENTITIES  # noqa: E402

MCALC = shutil.which("mcalc", path=os.path.dirname(sys.executable)) or "mcalc"


def main(repeats: int = 20) -> None:
    groups: dict[str, list[str]] = defaultdict(list)
    for ident in IDENTITIES:
        if not ident.hessian and "," not in ident.wrt:
            groups[ident.wrt].append(ident.expr)
    lines = total = 0
    for wrt, exprs in groups.items():
        stream = ("\n".join(exprs) + "\n") * repeats
        start = time.perf_counter()
        out = subprocess.run([MCALC, "diff", "-", "--wrt", wrt, "-f", "jsonl"], input=stream,
                             capture_output=True, text=True)
        total += time.perf_counter() - start
        lines += len(exprs) * repeats
        assert out.stdout.count("\n") == len(exprs) * repeats, "lines in ≠ records out"
    print(f"{lines} derivatives ({len(IDENTITIES)} corpus entries × {repeats}) in {total:.2f}s: "
          f"{lines / total:,.0f} per second (target ≥ 2,000)")
    first = sum(len(e) for e in groups.values())
    start = time.perf_counter()
    for wrt, exprs in groups.items():
        subprocess.run([MCALC, "diff", "-", "--wrt", wrt, "-f", "jsonl"],
                       input="\n".join(exprs) + "\n", capture_output=True, text=True)
    once = time.perf_counter() - start
    print(f"each expression once ({first} lines, {len(groups)} processes): "
          f"{first / once:,.0f} per second")


def peak_memory(lines: int, wrt: str, exprs: list[str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one `mcalc diff -` over `lines` lines, fed and drained
    as a stream (the output is counted, not kept)."""
    stream = ("\n".join(exprs) + "\n").encode()
    start = time.perf_counter()
    proc = subprocess.Popen([MCALC, "diff", "-", "--wrt", wrt, "-f", "jsonl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def feed():
        sent = 0
        while sent < lines:
            proc.stdin.write(stream)
            sent += len(exprs)
        proc.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    records = sum(1 for _ in proc.stdout)
    feeder.join()
    _, _, usage = os.wait4(proc.pid, 0)
    assert records >= lines, "lines in ≠ records out"
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def memory(big: int = 200_000) -> None:
    exprs = [i.expr for i in IDENTITIES if i.wrt == "x" and not i.hessian]
    for lines in (big // 10, big):
        seconds, mb = peak_memory(lines, "x", exprs)
        print(f"{lines:,} lines through one process: {seconds:.1f}s, {lines / seconds:,.0f} per second, "
              f"peak memory {mb:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    memory(int(sys.argv[2]) if len(sys.argv) > 2 else 200_000)
