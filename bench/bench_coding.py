"""Coding throughput and accuracy without any LLM: ICD-10, ICD-11, ICF, J-FAGY, JLAC10.

    .venv/bin/python -m bench.bench_coding

Loads every code system (embedded defaults), then times each coder over its dev set (repeated
to at least 1,000 phrases) and prints phrases/s, top-1 accuracy, load time and peak memory.
Target (issue 5): the ICD-10 normaliser alone ≥ 500 phrases/s with 3-character top-1 ≥ 0.85.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from karte.terminology.evaluate import devset_predictor, evaluate, read_devset, warm_up

DEVSETS = Path(__file__).resolve().parents[1] / "karte" / "terminology" / "devsets"
SETS = [
    ("icd10", "icd10_phrases.jsonl"),
    ("icd11", "icd11_phrases.jsonl"),
    ("icf", "icf_phrases.jsonl"),
    ("jfagy", "jfagy_phrases.jsonl"),
    ("jlac10", "lab_names.jsonl"),
]
MIN_PHRASES = 1000


def main() -> None:
    predict = devset_predictor()
    print("== coding (no LLM) ==")
    for system, name in SETS:
        started = time.perf_counter()
        warm_up(system)
        load_s = time.perf_counter() - started
        rows = read_devset(DEVSETS / name)
        report = evaluate(rows, predict)
        repeat = max(1, MIN_PHRASES // len(rows))
        started = time.perf_counter()
        for _ in range(repeat):
            for row in rows:
                predict(row)
        per_s = repeat * len(rows) / (time.perf_counter() - started)
        top1 = report.char3.top1 / report.char3.n
        full = report.full.top1 / report.full.n if report.full.n else 0.0
        target = " (target ≥ 500/s)" if system == "icd10" else ""
        print(
            f"{system:7s} load {load_s:5.1f} s  {per_s:8.0f} phrases/s{target}  top-1 category {top1:.3f}  "
            f"full {full:.3f}  (n={report.n})"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB (all five code systems loaded)")


if __name__ == "__main__":
    main()
