"""Generate the synthetic demo cohort (``karte/demo/data/cohort.jsonl``).

Every patient, name, date and note in the output is made up: names are combinations of common
Japanese surnames and given names, and the clinical stories are composed from the scenario tables in
``karte/demo/resources/ja/`` (loaded by :mod:`karte.demo.cohort_vocab`). The generator uses a fixed
seed and the standard library's ``random``, so

    python -m karte.demo.cohort [--out PATH]

rewrites the committed file byte for byte. Each output line is one :class:`~karte.records.models.
PatientRecord` as JSON (UTF-8, not ASCII-escaped).

The parts: :mod:`~karte.demo.cohort_patient` draws each patient and writes the record,
:mod:`~karte.demo.cohort_notes` writes the chart notes, :mod:`~karte.demo.cohort_text` the
phrases they are made of; this module writes the file.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from karte.demo.cohort_patient import build_patient
from karte.demo.cohort_vocab import vocab

SEED = 20240917
N_PATIENTS = 24
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "cohort.jsonl"


def build_cohort(seed: int = SEED, n: int = N_PATIENTS) -> list[dict[str, Any]]:
    """The cohort as plain dicts (one per :class:`PatientRecord`), deterministic for a seed."""
    v = vocab()
    rng = random.Random(seed)
    plan = list(v.scenarios) + rng.sample(v.scenarios, n - len(v.scenarios))
    rng.shuffle(plan)
    surnames = rng.sample(v.surnames, n)
    used: set[str] = set()  # given names, so that few repeat
    return [build_patient(i, sc, surnames[i], used, rng) for i, sc in enumerate(plan)]


def render(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def write_cohort(path: Path = DEFAULT_OUT, seed: int = SEED) -> int:
    """Write the cohort as JSONL after validating every record; returns the number of patients."""
    from karte.records.models import PatientRecord

    text = render(build_cohort(seed))
    lines = text.rstrip("\n").split("\n")
    for line in lines:
        PatientRecord.model_validate_json(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return len(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate Karte's synthetic demo cohort (JSONL).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output file (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    count = write_cohort(args.out)
    print(f"wrote {count} synthetic patients to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
