"""The screening dev set: protocols written for Karte (``trials/``) and gold labels over the shared
synthetic FHIR cohort (``gold_fhir.yaml``, labelled by :mod:`.fhir_gold`)."""

from __future__ import annotations

from pathlib import Path

DEVSET_DIR = Path(__file__).resolve().parent
TRIALS_DIR = DEVSET_DIR / "trials"


def trial_paths() -> list[Path]:
    return sorted(TRIALS_DIR.glob("*.yaml"))
