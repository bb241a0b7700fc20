"""karte import / export through the real CLI: formats, problems reported, round trip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from karte.records.models import PatientRecord
from karte.records.store import open_store
from karte.text.sections import fill_sections


def karte_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KARTE_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "karte", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_import_demo_cohort_then_export_jsonl_round_trip(tmp_path: Path, karte_home: Path) -> None:
    from karte.demo.run import cohort_path

    proc = karte_cli("import", str(cohort_path()), home=karte_home)
    assert proc.returncode == 0, proc.stderr
    assert "患者 24" in proc.stderr
    out = tmp_path / "export.jsonl"
    proc = karte_cli("export", "--format", "jsonl", "--output", str(out), home=karte_home)
    assert proc.returncode == 0, proc.stderr
    exported = [
        PatientRecord.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()
    ]
    original = [
        fill_sections(PatientRecord.model_validate_json(line))
        for line in cohort_path().read_text(encoding="utf-8").splitlines()
    ]
    assert all(doc.sections for r in exported for doc in r.documents)  # filled on import
    assert sorted(exported, key=lambda r: r.id) == sorted(original, key=lambda r: r.id)


def test_export_fhir_then_reimport(tmp_path: Path, karte_home: Path) -> None:
    from karte.demo.run import cohort_path

    assert karte_cli("import", str(cohort_path()), home=karte_home).returncode == 0
    bundles = tmp_path / "bundles.ndjson"
    proc = karte_cli(
        "export", "--format", "fhir", "-o", str(bundles), "-p", "D001", "-p", "D002", home=karte_home
    )
    assert proc.returncode == 0, proc.stderr
    lines = bundles.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(x)["resourceType"] == "Bundle" for x in lines)
    other_home = tmp_path / "other-home"
    proc = karte_cli("import", str(bundles), home=other_home)
    assert proc.returncode == 0, proc.stderr
    with open_store(f"sqlite:///{other_home / 'karte.db'}") as store:
        assert store.patient_ids() == ["D001", "D002"]
        doc = store.iter_documents().__next__()
        assert "【" in doc.text


def test_import_reports_bad_records_and_keeps_good_ones(tmp_path: Path, karte_home: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    good = {"id": "P1", "sex": "female", "documents": [{"id": "P1-d1", "text": "【主訴】頭痛"}]}
    bad = {"id": "P2", "documents": [{"id": "P2-d1", "text": ""}]}
    src.write_text(
        "\n".join(
            [
                json.dumps(good, ensure_ascii=False),
                "{not json",
                json.dumps(bad),
                json.dumps({**good, "id": "P3", "documents": [{"id": "P3-d1", "text": "x"}]}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    proc = karte_cli("import", str(src), home=karte_home)
    assert proc.returncode == 1
    assert "line 2" in proc.stderr and "documents[0].text" in proc.stderr
    with open_store(f"sqlite:///{karte_home / 'karte.db'}") as store:
        assert store.patient_ids() == ["P1", "P3"]


def test_import_missing_path(tmp_path: Path, karte_home: Path) -> None:
    proc = karte_cli("import", str(tmp_path / "nothing.jsonl"), home=karte_home)
    assert proc.returncode == 2 and "nothing.jsonl" in proc.stderr


def test_import_fhir_cohort_from_shared_data(shared_data: Path, karte_home: Path) -> None:
    proc = karte_cli("import", str(shared_data / "cohort" / "all.ndjson"), "--quiet", home=karte_home)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open_store(f"sqlite:///{karte_home / 'karte.db'}") as store:
        counts = store.counts()
    assert counts["patients"] == 300 and counts["documents"] == 418 and counts["observations"] == 4827
    assert "Encounter" in proc.stderr  # unsupported resources are reported, not dropped silently
