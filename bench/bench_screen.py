"""Trial screening at scale: N synthetic patients against one trial, with the small embedded LLM.

Patients come from Karte's demo generator (``karte.demo.cohort.build_cohort``, one cohort per seed,
ids made unique per seed), so the benchmark needs no shared data. The trial is the dev-set diabetes
protocol (``karte/screening/devset/trials/dm_hba1c.yaml``), whose free-text exclusion criterion sends
every patient that the structured prefilter keeps to the LLM. Prints the time per phase, patients/s,
LLM calls per patient, peak memory, and the ratio to the target (2,000 patients in 30 minutes on
2 CPU cores with the small model).

    python -m bench.bench_screen [--patients 2000] [--no-llm] [--cores 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import Counter
from collections.abc import Sequence

from karte.config import get_settings
from karte.demo.cohort import build_cohort
from karte.records.models import PatientRecord
from karte.screening.devset import TRIALS_DIR
from karte.screening.evidence import evidence_of_record
from karte.screening.service import Screener, ScreenOptions
from karte.screening.trial_io import load_trial

TARGET_SECONDS = 30 * 60
TARGET_PATIENTS = 2000
TRIAL = TRIALS_DIR / "dm_hba1c.yaml"


def synthetic_patients(n: int) -> list[PatientRecord]:
    out: list[PatientRecord] = []
    seed = 0
    while len(out) < n:
        seed += 1
        for record in build_cohort(seed=seed):
            text = json.dumps(record, ensure_ascii=False).replace('"D0', f'"S{seed:03d}D0')
            out.append(PatientRecord.model_validate_json(text))
            if len(out) == n:
                break
    return out


def _small_model_installed() -> bool:
    from karte.llm.models import installed_model_path

    try:
        installed_model_path("small", get_settings().model_cache)
    except Exception:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=TARGET_PATIENTS)
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--cores", type=int, default=2, help="pin the process to this many CPU cores")
    args = parser.parse_args(argv)
    if args.cores and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(available[: args.cores]))
    use_llm = not args.no_llm and _small_model_installed()
    print(f"\n== screening: {args.patients} synthetic patients × 1 trial ({TRIAL.name}) ==")
    if not args.no_llm and not use_llm:
        print("small model not installed (karte models install small): rules only")
    settings = get_settings(llm="embedded" if use_llm else "none", llm_model="small", llm_threads=args.cores)

    start = time.perf_counter()
    patients = synthetic_patients(args.patients)
    print(f"{'generate patients':36s} {time.perf_counter() - start:8.1f} s")

    start = time.perf_counter()
    screener = Screener.open(load_trial(TRIAL), settings, ScreenOptions(use_llm=use_llm, llm_cache=False))
    evidence_of_record(patients[0])  # load the vocabularies (ICD-10 lexicon, drug and lab tables)
    setup = time.perf_counter() - start
    print(f"{'compile trial + load vocabularies':36s} {setup:8.1f} s")

    index_s = screen_s = 0.0
    counts: Counter[str] = Counter()
    llm_wanted = 0  # patients the prefilter keeps with a free-text criterion open
    for record in patients:
        t0 = time.perf_counter()
        evidence = evidence_of_record(record)
        t1 = time.perf_counter()
        result = screener.screen(evidence)
        t2 = time.perf_counter()
        index_s += t1 - t0
        screen_s += t2 - t1
        counts[result.eligible] += 1
        llm_wanted += result.llm_needed
    total = setup + index_s + screen_s
    n = len(patients)
    print(f"{'evidence index (all patients)':36s} {index_s:8.1f} s  ({1000 * index_s / n:.1f} ms/patient)")
    print(f"{'matching + LLM (all patients)':36s} {screen_s:8.1f} s  ({1000 * screen_s / n:.1f} ms/patient)")
    print(f"{'total':36s} {total:8.1f} s  ({n / total:.1f} patients/s)")
    calls = screener.llm_calls
    print(f"LLM calls: {calls} for {n} patients = {calls / n:.3f} per patient per trial (target ≤ 1)")
    print(
        f"patients needing the LLM after the structured prefilter: {llm_wanted} ({100 * llm_wanted / n:.1f}%)"
    )
    if calls:
        print(f"LLM time per call (matching time of LLM patients / calls): {screen_s / calls:.1f} s")
    print(
        f"eligibility: {dict(counts)}; "
        f"list (eligible + unknown) {100 * (counts['eligible'] + counts['unknown']) / n:.1f}%"
    )
    projected = setup + (index_s + screen_s) * TARGET_PATIENTS / n
    print(
        f"projected for {TARGET_PATIENTS} patients: {projected / 60:.1f} min "
        f"(target {TARGET_SECONDS / 60:.0f} min: ratio {projected / TARGET_SECONDS:.2f})"
    )
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
