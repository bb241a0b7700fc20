"""De-identification throughput without an LLM (target: >= 200 KB of UTF-8 text per second per core).

Two corpora of about 1 MB each: the demo cohort's notes (few PII, many dates and lab values) and
generated notes dense with names, dates, IDs, phones and addresses (karte.deid.devset.synth).
One process, one core; CPU time (time.process_time), best of three runs; detection alone and
detection + mask operator.
"""

from __future__ import annotations

import os
import random
import resource
import time
from collections.abc import Callable

from bench.corpus import notes_of_size
from karte.deid import Deidentifier, Detector
from karte.deid.devset.synth import generate

REPEATS = 3
TARGET_KB_S = 200.0


def _best(func: Callable[[], object]) -> float:
    """Best CPU time of the process over the repeats: per-core throughput, whatever else runs."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best


def _generated(size: int) -> list[str]:
    rng = random.Random(5)
    out: list[str] = []
    total = 0
    while total < size:
        text = str(generate(rng)["text"])
        out.append(text)
        total += len(text)
    return out


def main() -> None:
    started = time.perf_counter()
    detector = Detector()
    engine = Deidentifier()
    load_s = time.perf_counter() - started
    corpora = {"demo cohort notes": notes_of_size(350_000), "generated PII-dense notes": _generated(350_000)}
    print(f"\n== deid: recognizers loaded in {load_s:.2f}s (best of {REPEATS}, one core, no LLM) ==")
    for label, notes in corpora.items():
        size_kb = sum(len(n.encode("utf-8")) for n in notes) / 1000
        chars = sum(len(n) for n in notes)
        wall = time.perf_counter()
        t_detect = _best(lambda: [detector.detect(n) for n in notes])  # noqa: B023 (called right away)
        wall = (time.perf_counter() - wall) / REPEATS
        t_mask = _best(lambda: [engine.run(n, operator="mask") for n in notes])  # noqa: B023
        found = sum(len(detector.detect(n)) for n in notes)
        kb_s = size_kb / t_mask
        print(
            f"{label:28s} {size_kb:8,.0f} KB {chars:9,d} chars {found:6,d} spans | "
            f"detect {size_kb / t_detect:6,.0f} KB/s | detect+mask {kb_s:6,.0f} KB/s "
            f"({chars / t_mask:,.0f} chars/s) | ratio to target {kb_s / TARGET_KB_S:.2f} | "
            f"wall-clock detect {size_kb / wall:,.0f} KB/s"
        )
    print(f"(KB/s from CPU time; wall-clock depends on the machine's load: {os.getloadavg()[0]:.1f} now)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
