"""Extraction throughput: the whole ``extract`` pipeline vs bare SudachiPy vs GiNZA's ``ja_ginza``.

Targets (issue 4): ≥ 20,000 characters/s per core without an LLM, and ≥ 5× the ja_ginza pipeline.
All three run on the same text (the bundled synthetic cohort, cycled to ``SIZE`` characters) in one
run, one process each, single-threaded. "per core" is measured as CPU time of the process
(``time.process_time``), which other jobs on a shared machine do not inflate the way they inflate
wall-clock time; both are printed.

GiNZA pins SudachiPy < 0.7 and so cannot share Karte's environment; it runs in its own virtualenv
(``KARTE_GINZA_PYTHON``, default ``../.venv-ginza/bin/python`` next to the repository), set up with
``python3 -m venv ../.venv-ginza && ../.venv-ginza/bin/pip install ginza==5.3.0 ja-ginza==5.3.0``.
When it is missing, the GiNZA row says so and the ratio is not printed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sudachipy import Dictionary, SplitMode

from bench.corpus import notes_of_size
from karte.extract.pipeline import Extractor, default_extractor

SIZE = 200_000
GINZA_SIZE = 50_000  # GiNZA is slow: a smaller slice of the same notes, measured the same way
REPO = Path(__file__).resolve().parents[1]
GINZA_PYTHON = Path(os.environ.get("KARTE_GINZA_PYTHON", REPO.parent / ".venv-ginza" / "bin" / "python"))

_GINZA_SCRIPT = """
import json, sys, time
import spacy
nlp = spacy.load("ja_ginza")
notes = json.load(open(sys.argv[1], encoding="utf-8"))
nlp(notes[0])
start, cpu = time.perf_counter(), time.process_time()
ents = 0
for doc in nlp.pipe(notes, batch_size=16):
    ents += len(doc.ents)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": wall, "cpu": cpu, "entities": ents}))
"""


def _time_sudachi(notes: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds)."""
    tok = Dictionary().tokenizer(mode=SplitMode.C)
    start, cpu = time.perf_counter(), time.process_time()
    for note in notes:
        for m in tok.tokenize(note):
            m.surface(), m.normalized_form(), m.part_of_speech(), m.begin(), m.end()
    return time.perf_counter() - start, time.process_time() - cpu


def _time_extract(extractor: Extractor, notes: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, entities)."""
    extractor.extract(notes[0])  # warm up (tables, models)
    start, cpu = time.perf_counter(), time.process_time()
    n = 0
    for note in notes:
        n += len(extractor.extract(note).mentions)
    return time.perf_counter() - start, time.process_time() - cpu, n


def _time_ginza(notes: list[str]) -> tuple[float, float, int] | str:
    """(wall seconds, CPU seconds, entities), or why GiNZA could not run."""
    if not GINZA_PYTHON.exists():
        return f"not installed ({GINZA_PYTHON} missing; see bench/bench_extract.py)"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(notes, fh, ensure_ascii=False)
    try:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        proc = subprocess.run(
            [str(GINZA_PYTHON), "-c", _GINZA_SCRIPT, fh.name],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    finally:
        Path(fh.name).unlink(missing_ok=True)
    if proc.returncode != 0:
        return f"failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), float(result.get("cpu", result["seconds"])), int(result["entities"])


def _rates(chars: int, wall: float, cpu: float) -> str:
    return f"{chars / cpu:>10,.0f} chars/CPU-s {chars / wall:>10,.0f} chars/s wall"


def main() -> None:
    notes = notes_of_size(SIZE)
    chars = sum(len(n) for n in notes)
    ginza_notes = notes_of_size(GINZA_SIZE)
    ginza_chars = sum(len(n) for n in ginza_notes)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    extractor = default_extractor()
    load_s = time.perf_counter() - start
    wall, cpu, n_entities = _time_extract(extractor, notes)
    s_wall, s_cpu = _time_sudachi(notes)
    ginza = _time_ginza(ginza_notes)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n== extract: {len(notes)} notes, {chars:,} characters (GiNZA: {ginza_chars:,}), one core ==")
    print(f"{'SudachiPy mode C (bare)':34s} {_rates(chars, s_wall, s_cpu)}")
    print(f"{'karte extract (whole pipeline)':34s} {_rates(chars, wall, cpu)}  ({n_entities:,} entities)")
    if isinstance(ginza, str):
        print(f"{'GiNZA ja_ginza 5.3 (spaCy)':34s} {ginza}")
    else:
        g_wall, g_cpu, g_entities = ginza
        g_rates = _rates(ginza_chars, g_wall, g_cpu)
        print(f"{'GiNZA ja_ginza 5.3 (spaCy)':34s} {g_rates}  ({g_entities:,} entities)")
        print(
            f"ratio karte extract / ja_ginza: {chars / cpu / (ginza_chars / g_cpu):.1f}x CPU time, "
            f"{chars / wall / (ginza_chars / g_wall):.1f}x wall (target >= 5x)"
        )
    print(f"karte extract: {chars / cpu:,.0f} chars per CPU-second (target >= 20,000 per core)")
    print(f"pipeline load: {load_s:.1f} s; peak RSS {rss_mb:,.0f} MB (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
