"""Export to Karte JSONL and FHIR R4 Bundles, and the round trip back through the loaders."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from karte.records.export import JST, fhir_id, to_fhir_bundle, to_fhir_ndjson, to_jsonl
from karte.records.loaders import LoadProblem, load_path
from karte.records.loaders.fhir import load_fhir
from karte.records.loaders.jsonl import load_jsonl
from karte.records.models import PatientRecord

COHORT = Path(__file__).resolve().parents[2] / "../shared/data/cohort"
# Not carried by FHIR: the patient's age without birth date; a document's sections, gold and source.
NOT_IN_FHIR: Any = {"age": True, "documents": {"__all__": {"sections", "gold", "source"}}}


def _record() -> PatientRecord:
    return PatientRecord.model_validate(
        {
            "id": "患者/0001",  # not a valid FHIR id
            "sex": "female",
            "birth_date": "1948-02-29",
            "name": "山田 花子",
            "name_kana": "ヤマダ ハナコ",
            "identifiers": {"urn:example:mrn": "0012345"},
            "documents": [
                {
                    "id": "P0001/2024-03-01_入院時記録",
                    "type": "入院時記録",
                    "title": "入院時",
                    "datetime": "2024-03-01T10:30:00+09:00",
                    "text": "【主訴】\n胸痛\n【現病歴】\n① 髙橋医師より紹介。",
                },
                {"id": "d2", "type": "紹介状", "text": "紹介状本文"},
            ],
            "observations": [
                {
                    "id": "o1",
                    "local_name": "ｸﾚｱﾁﾆﾝ",
                    "local_code": "L002",
                    "value": 0.82,
                    "unit": "mg/dL",
                    "reference_low": 0.46,
                    "reference_high": 0.79,
                    "datetime": "2024-03-01T08:00:00+09:00",
                    "codes": [{"system": "urn:jlac10", "code": "3C015000002327101", "display": "Cre"}],
                },
                {"id": "o2", "local_name": "尿蛋白", "value_text": "2+", "reference_text": "(-)"},
                {"id": "o3", "local_name": "CRP", "value": 0.3, "value_text": "0.3未満の可能性"},
            ],
            "medications": [
                {
                    "id": "m1",
                    "name": "アムロジピン",
                    "codes": [{"system": "urn:local-drug", "code": "D003"}],
                    "dosage": "5mg 1日1回 朝食後",
                    "status": "completed",
                    "start": "2020-01-01",
                    "end": "2023-12-31",
                    "reason": "高血圧症",
                }
            ],
            "allergies": [
                {
                    "id": "a1",
                    "substance": "そば",
                    "category": "food",
                    "reaction": "蕁麻疹",
                    "criticality": "high",
                }
            ],
            "conditions": [
                {
                    "id": "c1",
                    "name": "高血圧症",
                    "codes": [
                        {"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10", "display": "高血圧症"}
                    ],
                    "clinical_status": "resolved",
                    "onset": "2019-06-01",
                    "abatement": "2024-01-15",
                }
            ],
        }
    )


def _load(items: Any) -> tuple[list[PatientRecord], list[LoadProblem]]:
    items = list(items)
    return [x for x in items if isinstance(x, PatientRecord)], [
        x for x in items if isinstance(x, LoadProblem)
    ]


def test_jsonl_is_compact_unescaped_and_reloads(tmp_path: Path) -> None:
    record = _record()
    out = io.StringIO()
    assert to_jsonl([record, PatientRecord(id="P2", sex="male")], out) == 2
    text = out.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2 and text.endswith("\n")
    assert "山田 花子" in lines[0] and "\\u" not in lines[0]  # not ASCII-escaped
    assert "null" not in text  # None fields are left out
    for line in lines:
        assert line == json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":"))
    assert json.loads(lines[1])["sex"] == "male" and "name" not in json.loads(lines[1])
    path = tmp_path / "out.jsonl"
    path.write_text(text, encoding="utf-8")
    records, problems = _load(load_jsonl(path))
    assert problems == []
    assert records == [record, PatientRecord(id="P2", sex="male")]


def test_bundle_validates_as_fhir_r4() -> None:
    bundle = to_fhir_bundle(_record(), base_url="https://karte.example/fhir")
    Bundle.model_validate(bundle)  # raises if not valid R4
    resources = [e["resource"] for e in bundle["entry"]]
    assert [r["resourceType"] for r in resources] == [
        "Patient",
        "DocumentReference",
        "DocumentReference",
        "Observation",
        "Observation",
        "Observation",
        "MedicationStatement",
        "AllergyIntolerance",
        "Condition",
    ]
    patient = resources[0]
    assert patient["id"] == fhir_id("患者/0001") != "患者/0001"
    assert {"system": "urn:karte:id", "value": "患者/0001"} in patient["identifier"]
    assert bundle["entry"][0]["fullUrl"] == f"https://karte.example/fhir/Patient/{patient['id']}"
    assert all(
        r.get("subject", r.get("patient")) == {"reference": f"Patient/{patient['id']}"} for r in resources[1:]
    )
    attachment = resources[1]["content"][0]["attachment"]
    assert attachment["contentType"] == "text/plain; charset=utf-8"
    assert base64.b64decode(attachment["data"]).decode("utf-8") == _record().documents[0].text


def test_round_trip_through_the_fhir_loader(tmp_path: Path) -> None:
    record = _record()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(to_fhir_bundle(record), ensure_ascii=False), encoding="utf-8")
    records, problems = _load(load_fhir(path))
    assert problems == []
    (back,) = records
    assert back.model_dump(exclude=NOT_IN_FHIR) == record.model_dump(exclude=NOT_IN_FHIR)


def test_naive_datetimes_are_written_as_japan_time(tmp_path: Path) -> None:
    record = _record()
    record.documents[1].datetime = dt.datetime(2024, 3, 2, 9, 0)
    bundle = to_fhir_bundle(record)
    Bundle.model_validate(bundle)
    assert bundle["entry"][2]["resource"]["date"] == "2024-03-02T09:00:00+09:00"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    records, _ = _load(load_fhir(path))
    assert records[0].documents[1].datetime == dt.datetime(2024, 3, 2, 9, 0, tzinfo=JST)


def test_cohort_round_trip(tmp_path: Path) -> None:
    source = COHORT / "all.ndjson"
    if not source.is_file():
        pytest.skip(f"synthetic cohort not found at {source.resolve()}")
    original, _ = _load(islice(load_path(source), 60))  # 30 patients and their Encounter warnings
    assert len(original) == 30
    out = tmp_path / "export.ndjson"
    with out.open("w", encoding="utf-8") as f:
        assert to_fhir_ndjson(original, f) == 30
    assert len(out.read_text(encoding="utf-8").splitlines()) == 30
    back, problems = _load(load_path(out))
    assert problems == []
    assert [r.model_dump(exclude=NOT_IN_FHIR) for r in back] == [
        r.model_dump(exclude=NOT_IN_FHIR) for r in original
    ]
