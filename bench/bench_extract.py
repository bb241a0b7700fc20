"""Extraction throughput: the whole ``extract`` pipeline vs bare SudachiPy vs GiNZA's ``ja_ginza``.

Targets (issue 4): ≥ 20,000 characters/s per core without an LLM, and ≥ 5× the ja_ginza pipeline.
All three run on the same text (the bundled synthetic cohort, cycled to ``SIZE`` characters) in one
run, one process each, single-threaded.

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
start = time.perf_counter()
ents = 0
for doc in nlp.pipe(notes, batch_size=16):
    ents += len(doc.ents)
print(json.dumps({"seconds": time.perf_counter() - start, "entities": ents}))
"""


def _time_sudachi(notes: list[str]) -> float:
    tok = Dictionary().tokenizer(mode=SplitMode.C)
    start = time.perf_counter()
    for note in notes:
        for m in tok.tokenize(note):
            m.surface(), m.normalized_form(), m.part_of_speech(), m.begin(), m.end()
    return time.perf_counter() - start


def _time_extract(extractor: Extractor, notes: list[str]) -> tuple[float, int]:
    extractor.extract(notes[0])  # warm up (tables, models)
    start = time.perf_counter()
    n = 0
    for note in notes:
        n += len(extractor.extract(note).mentions)
    return time.perf_counter() - start, n


def _time_ginza(notes: list[str]) -> tuple[float, int] | str:
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
    return float(result["seconds"]), int(result["entities"])


def main() -> None:
    notes = notes_of_size(SIZE)
    chars = sum(len(n) for n in notes)
    ginza_notes = notes_of_size(GINZA_SIZE)
    ginza_chars = sum(len(n) for n in ginza_notes)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    extractor = default_extractor()
    load_s = time.perf_counter() - start
    t_extract, n_entities = _time_extract(extractor, notes)
    t_sudachi = _time_sudachi(notes)
    ginza = _time_ginza(ginza_notes)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n== extract: {len(notes)} notes, {chars:,} characters (GiNZA: {ginza_chars:,}), one core ==")
    print(f"{'SudachiPy mode C (bare)':34s} {chars / t_sudachi:>12,.0f} chars/s")
    print(
        f"{'karte extract (whole pipeline)':34s} {chars / t_extract:>12,.0f} chars/s"
        f"  ({n_entities:,} entities)"
    )
    if isinstance(ginza, str):
        print(f"{'GiNZA ja_ginza 5.3 (spaCy)':34s} {ginza}")
    else:
        ginza_rate = ginza_chars / ginza[0]
        print(f"{'GiNZA ja_ginza 5.3 (spaCy)':34s} {ginza_rate:>12,.0f} chars/s  ({ginza[1]:,} entities)")
        print(f"ratio karte extract / ja_ginza: {chars / t_extract / ginza_rate:.1f}x (target >= 5x)")
    print(f"karte extract: {chars / t_extract:,.0f} chars/s (target >= 20,000 per core)")
    print(f"pipeline load: {load_s:.1f} s; peak RSS {rss_mb:,.0f} MB (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
