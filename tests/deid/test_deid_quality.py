"""Quality on the hand-written dev set, on generated held-out notes, and on the demo cohort.

Floors: the issue's targets (recall >= 0.99 for names, IDs, phones, addresses and dates in the
de-identification sense: every gold character removed; overall precision >= 0.90). The held-out
notes use names outside the dictionary and wording not in the dev set.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from karte.deid import Detector
from karte.deid.devset import devset_path
from karte.deid.devset.build import HERE, parse_source
from karte.deid.devset.synth import generate
from karte.deid.evaluate import EvalReport, GoldDocument, load_gold, score
from karte.deid.types import PiiSpan

TARGET_GROUPS = ("PATIENT_NAME", "PERSON_NAME", "ID", "PHONE", "ADDRESS", "DATE")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _coverage_recall(
    report: EvalReport, docs: list[GoldDocument], detector: Detector, types: tuple[str, ...]
) -> float:
    """Share of gold spans of ``types`` whose every character is inside a finding."""
    total = removed = 0
    for doc in docs:
        spans: list[PiiSpan] = detector.detect(doc.text)
        covered: set[int] = set()
        for s in spans:
            covered.update(range(s.start, s.end))
        for g in doc.spans:
            if g.type in types:
                total += 1
                removed += all(i in covered for i in range(g.start, g.end))
    return removed / total


def test_devset_is_built_from_its_sources() -> None:
    docs = []
    for path in sorted(HERE.glob("devset_part*.txt")):
        docs.extend(parse_source(path.read_text(encoding="utf-8")))
    stored = [json.loads(line) for line in devset_path().read_text(encoding="utf-8").splitlines()]
    assert stored == docs
    assert len(docs) >= 40
    kinds = {d["kind"] for d in docs}
    assert {"discharge_summary", "referral_letter", "nursing_note", "radiology_report"} <= kinds


def test_devset_quality(detector: Detector) -> None:
    docs = load_gold(devset_path())
    report = score(docs, detector)
    assert _coverage_recall(report, docs, detector, TARGET_GROUPS) >= 0.99
    for group in ("NAME", "ID", "PHONE", "ADDRESS", "DATE"):
        assert report.typed[group].recall >= 0.99, group
    assert report.coverage.precision >= 0.90
    assert report.exact.precision >= 0.85  # boundaries and types, stricter view


def test_heldout_generated_notes(detector: Detector) -> None:
    rng = random.Random(20261122)
    docs = [GoldDocument.model_validate(generate(rng, f"h{i}")) for i in range(120)]
    report = score(docs, detector)
    assert _coverage_recall(report, docs, detector, TARGET_GROUPS) >= 0.99
    assert report.coverage.precision >= 0.95


def test_trap_documents_have_no_findings(detector: Detector) -> None:
    traps = [d for d in load_gold(devset_path()) if d.kind == "trap"]
    assert len(traps) >= 4
    for doc in traps:
        assert doc.spans == []
        assert detector.detect(doc.text) == [], doc.id


def test_demo_cohort_only_dates_and_old_ages(detector: Detector) -> None:
    from karte.demo.run import cohort_path

    found: dict[str, int] = {}
    for line in cohort_path().read_text(encoding="utf-8").splitlines():
        for doc in json.loads(line)["documents"]:
            for s in detector.detect(doc["text"]):
                found[s.type] = found.get(s.type, 0) + 1
                if s.type == "AGE":
                    assert int(s.text.rstrip("歳")) >= 90
    assert set(found) <= {"DATE", "AGE"}, found
    assert found["DATE"] > 100


def test_eval_reads_gold_and_rejects_mismatched_spans(tmp_path: Path) -> None:
    from karte.errors import InputError

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(
            {
                "id": "x",
                "text": "山田様",
                "spans": [{"start": 0, "end": 2, "type": "PATIENT_NAME", "text": "田中"}],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError):
        load_gold(bad)


def test_heldout_set(detector: Detector) -> None:
    """Written after the recognizers and scored once (see heldout_part1.txt): a floor below what was
    measured there (names 0.95 removed, precision 1.0 on 51 spans), not a target."""
    path = HERE / "heldout.jsonl"
    docs = []
    for src in sorted(HERE.glob("heldout_part*.txt")):
        docs.extend(parse_source(src.read_text(encoding="utf-8")))
    assert [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] == docs
    gold = load_gold(path)
    report = score(gold, detector)
    assert _coverage_recall(report, gold, detector, ("PATIENT_NAME", "PERSON_NAME")) >= 0.9
    assert report.coverage.precision >= 0.9
