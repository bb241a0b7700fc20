"""FHIR R4 loader: the synthetic cohort, and Bundles with unsupported, invalid or dangling resources."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from karte.records.loaders import LoadProblem, load_path
from karte.records.loaders.fhir import load_fhir
from karte.records.models import PatientRecord

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
COHORT = DATA / "cohort"
KINDS = {
    "DocumentReference": "documents",
    "Observation": "observations",
    "MedicationStatement": "medications",
    "AllergyIntolerance": "allergies",
    "Condition": "conditions",
}


@pytest.fixture(scope="module")
def cohort() -> Path:
    if not (COHORT / "all.ndjson").is_file():
        pytest.skip(f"synthetic cohort not found at {COHORT.resolve()}")
    return COHORT


def _split(items: list[Any]) -> tuple[dict[str, PatientRecord], list[LoadProblem]]:
    return (
        {x.id: x for x in items if isinstance(x, PatientRecord)},
        [x for x in items if isinstance(x, LoadProblem)],
    )


def _readme_counts(cohort: Path) -> dict[str, int]:
    table = re.findall(
        r"^\| (\w+) \| (\d+) \|$", (cohort / "README.md").read_text(encoding="utf-8"), re.MULTILINE
    )
    return {rt: int(n) for rt, n in table}


@pytest.fixture(scope="module")
def cohort_records(cohort: Path) -> tuple[dict[str, PatientRecord], list[LoadProblem]]:
    return _split(list(load_path(cohort / "all.ndjson")))


def test_cohort_counts_match_the_readme(cohort: Path, cohort_records: Any) -> None:
    records, problems = cohort_records
    expected = _readme_counts(cohort)
    assert len(records) == expected["Patient"] == 300
    for rt, kind in KINDS.items():
        assert sum(len(getattr(r, kind)) for r in records.values()) == expected[rt], rt
    # The only problems: one warning per Bundle for the skipped Encounters, with their number.
    assert {(p.type, p.severity) for p in problems} == {("unsupported_resource", "warning")}
    assert len(problems) == 300
    counts = [re.search(r"Encounter \((\d+)件\)", p.message) for p in problems]
    assert sum(int(m[1]) for m in counts if m) == expected["Encounter"]


def test_cohort_notes_are_decoded(cohort_records: Any) -> None:
    records, _ = cohort_records
    docs = [d for r in records.values() for d in r.documents]
    headings = [
        "【主訴】",
        "【現病歴】",
        "【既往歴】",
        "【内服薬】",
        "【アレルギー】",
        "【検査所見】",
        "【評価・計画】",
    ]
    for doc in docs:
        assert all(h in doc.text for h in headings), doc.id
        assert "胸痛は認めない" in doc.text  # README: every note says so
        assert doc.datetime is not None and doc.datetime.utcoffset() is not None
    assert Counter(d.type for d in docs).keys() == {"経過記録", "入院時記録"}


def test_cohort_patient_matches_its_bundle(cohort: Path, cohort_records: Any) -> None:
    records, _ = cohort_records
    bundle = json.loads((cohort / "patients" / "P0001.json").read_text(encoding="utf-8"))
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    record = records["P0001"]
    assert record.name == patient["name"][0]["text"] and record.name_kana == patient["name"][1]["text"]
    assert record.sex == patient["gender"] and str(record.birth_date) == patient["birthDate"]
    assert record.identifiers == {"urn:karte-demo:mrn": patient["identifier"][0]["value"]}

    doc_res = next(r for r in resources if r["resourceType"] == "DocumentReference")
    doc = next(d for d in record.documents if d.id == doc_res["id"])
    assert doc.text == base64.b64decode(doc_res["content"][0]["attachment"]["data"]).decode("utf-8")
    assert doc.patient_id == "P0001"

    obs_res = next(r for r in resources if r["resourceType"] == "Observation")
    obs = next(o for o in record.observations if o.id == obs_res["id"])
    local = obs_res["code"]["coding"][0]
    assert (obs.local_code, obs.local_name) == (local["code"], local["display"])
    assert [c.code for c in obs.codes] == [c["code"] for c in obs_res["code"]["coding"]]
    assert (obs.value, obs.unit) == (obs_res["valueQuantity"]["value"], obs_res["valueQuantity"]["unit"])

    med_res = next(
        r for r in resources if r["resourceType"] == "MedicationStatement" and "reasonReference" in r
    )
    cond_id = med_res["reasonReference"][0]["reference"].split("/")[1]
    cond_res = next(r for r in resources if r["resourceType"] == "Condition" and r["id"] == cond_id)
    med = next(m for m in record.medications if m.id == med_res["id"])
    assert med.reason == cond_res["code"]["text"]  # resolved through the reference
    assert med.dosage == med_res["dosage"][0]["text"]


def test_folder_and_ndjson_give_the_same_records(cohort: Path, cohort_records: Any) -> None:
    records, _ = cohort_records
    from_folder, problems = _split(list(load_path(cohort / "patients")))
    assert len(problems) == 300
    drop = {"documents": {"__all__": {"source"}}}
    assert {k: r.model_dump(exclude=drop) for k, r in from_folder.items()} == {
        k: r.model_dump(exclude=drop) for k, r in records.items()
    }


# --- generated Bundles ---------------------------------------------------------------------------


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['resourceType']}-{resource.get('id', 'x')}", "resource": resource}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [_entry(r) for r in resources]}


def _obs(oid: str, patient: str = "Patient/p1", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"text": "CRP"},
        "subject": {"reference": patient},
        "valueQuantity": {"value": 1.2, "unit": "mg/dL"},
        **extra,
    }


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1960-01-02"}


def _write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_unknown_resource_types_warn_once_per_type(tmp_path: Path) -> None:
    enc = {"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"}}
    bundle = _bundle(
        PATIENT,
        {**enc, "id": "e1"},
        _obs("o1"),
        {**enc, "id": "e2"},
        {
            "resourceType": "Procedure",
            "id": "pr1",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
        },
    )
    records, problems = _split(list(load_path(_write(tmp_path / "b.json", bundle))))
    assert [o.id for o in records["p1"].observations] == ["o1"]
    assert sorted((p.type, p.severity) for p in problems) == [("unsupported_resource", "warning")] * 2
    messages = " ".join(p.message for p in problems)
    assert "Encounter (2件)" in messages and "Procedure (1件)" in messages


def test_subject_outside_the_bundle_is_an_error(tmp_path: Path) -> None:
    bundle = _bundle(
        PATIENT,
        _obs("o1"),
        _obs("o2", patient="Patient/elsewhere"),
        _obs("o3", patient="urn:uuid:Patient-p1"),
    )
    records, problems = _split(list(load_fhir(_write(tmp_path / "b.json", bundle))))
    assert [o.id for o in records["p1"].observations] == ["o1", "o3"]
    (problem,) = problems
    assert (problem.severity, problem.field, problem.record_id) == ("error", "subject", "o2")
    assert problem.location == "entry 2 (Observation/o2)" and "Patient/elsewhere" in problem.message


def test_invalid_resources(tmp_path: Path) -> None:
    no_status = _obs("o1")
    del no_status["status"]  # required in FHIR, not needed by Karte → warning, loaded
    no_value = _obs("o2")
    del no_value["valueQuantity"]  # Karte needs a value → error
    bundle = _bundle({**PATIENT, "birthDate": "1960"}, no_status, no_value, _obs("o3"))
    records, problems = _split(list(load_fhir(_write(tmp_path / "b.json", bundle))))
    assert [o.id for o in records["p1"].observations] == ["o1", "o3"]
    assert records["p1"].birth_date is None
    kinds = {(p.record_id, p.type, p.severity) for p in problems}
    assert ("o1", "fhir_validation", "warning") in kinds
    assert ("o2", "validation_error", "error") in kinds
    assert ("p1", "partial_date", "warning") in kinds


def test_document_reference_encodings_and_composition(tmp_path: Path) -> None:
    sjis = "【主訴】発熱 ① 髙橋"

    def docref(did: str, data: bytes, content_type: str | None, **extra: Any) -> dict[str, Any]:
        att: dict[str, Any] = {"data": base64.b64encode(data).decode()}
        if content_type:
            att["contentType"] = content_type
        return {
            "resourceType": "DocumentReference",
            "id": did,
            "status": "current",
            "subject": {"reference": "Patient/p1"},
            "content": [{"attachment": att}],
            **extra,
        }

    composition = {
        "resourceType": "Composition",
        "id": "c1",
        "status": "final",
        "type": {"text": "退院時サマリー"},
        "subject": {"reference": "Patient/p1"},
        "date": "2024-05-01T09:00:00+09:00",
        "author": [{"display": "医師"}],
        "title": "退院時サマリー",
        "section": [
            {
                "title": "主訴",
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>発熱&amp;咳</p></div>',
                },
            },
            {
                "title": "経過",
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml">解熱<br/>退院</div>',
                },
            },
        ],
    }
    bundle = _bundle(
        PATIENT,
        docref("d1", sjis.encode("cp932"), "text/plain; charset=Shift_JIS", description="入院時記録"),
        docref("d2", sjis.encode("cp932"), None, type={"text": "経過記録"}, description="夜間の記録"),
        {**docref("d3", b"", None), "content": [{"attachment": {"url": "http://example.org/d3.txt"}}]},
        composition,
    )
    records, problems = _split(list(load_fhir(_write(tmp_path / "b.json", bundle))))
    docs = {d.id: d for d in records["p1"].documents}
    assert docs["d1"].text == sjis and docs["d1"].type == "入院時記録"
    assert docs["d2"].text == sjis and (docs["d2"].type, docs["d2"].title) == ("経過記録", "夜間の記録")
    assert docs["c1"].text == "【主訴】\n発熱&咳\n【経過】\n解熱\n退院"
    assert (docs["c1"].type, docs["c1"].datetime is not None) == ("退院時サマリー", True)
    assert "d3" not in docs
    by_id = {(p.record_id, p.severity): p for p in problems}
    assert by_id[("d3", "error")].field == "content" and "URL" in by_id[("d3", "error")].message
    assert by_id[("d2", "warning")].type == "converted_encoding"
    assert ("d1", "warning") not in by_id  # the declared charset was right


def test_ndjson_resources_per_line_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "res.ndjson"
    lines = [
        json.dumps(_obs("o1")),
        "{not json",
        json.dumps(PATIENT),
        json.dumps({"hello": 1}),
        json.dumps(_obs("o2")),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems = _split(list(load_path(path)))
    assert [o.id for o in records["p1"].observations] == ["o1", "o2"]
    assert sorted((p.location, p.type) for p in problems) == [
        ("line 2", "invalid_json"),
        ("line 4", "not_fhir"),
    ]


def test_folder_with_a_broken_file_and_a_repeated_id(tmp_path: Path) -> None:
    _write(tmp_path / "a.json", _bundle(PATIENT, _obs("o1")))
    (tmp_path / "b.json").write_bytes(b"\x00\x01binary")
    (tmp_path / "c.txt").write_text("memo", encoding="utf-8")
    p2 = {**PATIENT, "id": "p2"}
    _write(
        tmp_path / "d.json", _bundle(p2, _obs("o1", patient="Patient/p2"), _obs("o9", patient="Patient/p2"))
    )
    records, problems = _split(list(load_path(tmp_path)))
    assert sorted(records) == ["p1", "p2"]
    assert [o.id for o in records["p1"].observations] == ["o1"]
    assert [o.id for o in records["p2"].observations] == ["o9"]
    found = sorted((Path(p.source).name, p.severity, p.record_id) for p in problems)
    assert found == [("b.json", "error", None), ("c.txt", "warning", None), ("d.json", "error", "o1")]
