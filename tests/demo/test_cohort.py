"""The bundled synthetic demo cohort: reproducible, valid, and varied enough to exercise Karte."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from karte.demo.cohort import DEFAULT_OUT, main
from karte.records.models import PatientRecord

COMMITTED = DEFAULT_OUT
DOC_TYPES = {"入院時記録", "経過記録", "退院時サマリー", "検査結果"}
KNOWN_HEADINGS = {
    "主病名",
    "副病名",
    "主訴",
    "現病歴",
    "既往歴",
    "家族歴",
    "内服薬",
    "アレルギー",
    "身体所見",
    "検査所見",
    "入院後経過",
    "退院時処方",
    "評価・計画",
}
HEADING = re.compile(
    r"^(?:【(?P<bracket>[^】\n]+)】|■(?P<square>[^\s：:]+)|＜(?P<angle>[^＞\n]+)＞|(?P<colon>[^\s：:]{1,8})："
    r"|(?P<soap>[SOAP])[)）])",
    re.M,
)
# local name → (unit, lowest plausible, highest plausible)
PLAUSIBLE = {
    "WBC": ("10^3/μL", 0.5, 50.0),
    "Hb": ("g/dL", 4.0, 20.0),
    "PLT": ("10^4/μL", 1.0, 100.0),
    "AST(GOT)": ("U/L", 5.0, 1000.0),
    "ALT(GPT)": ("U/L", 3.0, 1000.0),
    "γ-GTP": ("U/L", 3.0, 1500.0),
    "尿素窒素": ("mg/dL", 2.0, 150.0),
    "ｸﾚｱﾁﾆﾝ": ("mg/dL", 0.2, 15.0),
    "Na": ("mmol/L", 115.0, 170.0),
    "K": ("mmol/L", 2.0, 7.5),
    "Alb": ("g/dL", 1.0, 5.5),
    "CRP": ("mg/dL", 0.0, 40.0),
    "血糖": ("mg/dL", 40.0, 600.0),
    "HbA1c(NGSP)": ("%", 4.0, 15.0),
    "LDL-C": ("mg/dL", 20.0, 300.0),
    "BNP": ("pg/mL", 0.0, 5000.0),
}
JST = dt.timedelta(hours=9)


@pytest.fixture(scope="module")
def records() -> list[PatientRecord]:
    lines = COMMITTED.read_text(encoding="utf-8").rstrip("\n").split("\n")
    return [PatientRecord.model_validate_json(line) for line in lines]


def _headings(text: str) -> list[str]:
    found = []
    for m in HEADING.finditer(text):
        if m.group("soap"):
            found.append(m.group("soap"))
        else:
            title = next(g for g in (m["bracket"], m["square"], m["angle"], m["colon"]) if g)
            if title in KNOWN_HEADINGS:
                found.append(title)
    return found


def test_regenerates_byte_identically(tmp_path: Path) -> None:
    out = tmp_path / "cohort.jsonl"
    assert main(["--out", str(out)]) == 0
    assert out.read_bytes() == COMMITTED.read_bytes()


def test_file_is_modest_utf8_jsonl() -> None:
    raw = COMMITTED.read_bytes()
    assert len(raw) < 300_000
    text = raw.decode("utf-8")
    assert text.endswith("\n") and "\r" not in text
    assert "\\u" not in text  # written with ensure_ascii=False
    for line in text.rstrip("\n").split("\n"):
        assert isinstance(json.loads(line), dict)


def test_patients(records: list[PatientRecord]) -> None:
    assert len(records) >= 20
    assert [r.id for r in records] == [f"D{i:03d}" for i in range(1, len(records) + 1)]
    names = [r.name for r in records]
    assert all(names) and len(set(names)) == len(names)
    for r in records:
        assert r.sex in ("male", "female")
        assert r.name_kana and re.fullmatch(r"[ァ-ヶー]+　[ァ-ヶー]+", r.name_kana)
        assert r.birth_date is not None
        admitted = min(d.datetime for d in r.documents if d.datetime).date()
        age = r.age_on(admitted)
        assert age is not None and 20 <= age <= 95


def test_documents(records: list[PatientRecord]) -> None:
    types: Counter[str] = Counter()
    summaries = 0
    for r in records:
        kinds = [d.type for d in r.documents]
        types.update(kinds)
        summaries += "退院時サマリー" in kinds
        assert 3 <= len(r.documents) <= 6
        assert "入院時記録" in kinds and len(set(kinds)) >= 2
        assert set(kinds) <= DOC_TYPES
        for n, d in enumerate(r.documents, 1):
            assert d.id == f"{r.id}-doc-{n}" and d.patient_id == r.id
            assert d.datetime is not None and d.datetime.utcoffset() == JST
            assert 2023 <= d.datetime.year <= 2025
            assert d.source and "synthetic" in d.source
        times = [d.datetime for d in r.documents if d.datetime]
        assert times == sorted(times)
    assert set(types) == DOC_TYPES
    assert summaries >= 10


def test_every_note_has_headings(records: list[PatientRecord]) -> None:
    for r in records:
        for d in r.documents:
            assert len(_headings(d.text)) >= 2, d.id


def test_heading_styles_and_text_variety(records: list[PatientRecord]) -> None:
    texts = [d.text for r in records for d in r.documents]
    joined = "\n".join(texts)
    for marker in (
        "【主訴】",
        "■現病歴",
        "＜既往歴＞",
        "\n主訴：",
        "\nS) ",
        "【退院時処方】",
        "【入院後経過】",
    ):
        assert marker in joined or marker in "\n" + joined, marker
    assert re.search(r"[０-９]", joined)  # full-width digits
    assert "ｸﾚｱﾁﾆﾝ" in joined  # half-width katakana
    assert re.search(r"SpO2 \d+%", joined) and re.search(r"\d+/\d+ ?mmHg", joined)
    for phrase in ("なし", "認めず", "認めない", "疑い", "可能性あり", "否定的"):
        assert phrase in joined, phrase
    assert re.search(r"20\d\d年 \S+", joined)  # past history with years


def test_observations(records: list[PatientRecord]) -> None:
    codes: dict[str, str] = {}
    for r in records:
        assert 8 <= len(r.observations) <= 20
        admitted = min(d.datetime for d in r.documents if d.datetime and d.type == "入院時記録")
        last = max(d.datetime for d in r.documents if d.datetime)
        for o in r.observations:
            assert o.local_name in PLAUSIBLE, o.local_name
            unit, lo, hi = PLAUSIBLE[o.local_name]
            assert o.unit == unit
            assert o.value is not None and lo <= o.value <= hi, (o.id, o.value)
            assert o.reference_low is not None and o.reference_high is not None
            assert o.reference_low < o.reference_high
            assert o.datetime is not None and o.datetime.utcoffset() == JST
            assert admitted - dt.timedelta(hours=2) <= o.datetime <= last
            assert o.local_code and re.fullmatch(r"L\d{3}", o.local_code)
            assert codes.setdefault(o.local_name, o.local_code) == o.local_code


def test_conditions_medications_allergies(records: list[PatientRecord]) -> None:
    scenarios: Counter[str] = Counter()
    for r in records:
        assert r.conditions and r.medications
        scenarios[r.conditions[0].name] += 1
        for c in r.conditions:
            assert c.codes and c.codes[0].system == "http://hl7.org/fhir/sid/icd-10"
            assert re.fullmatch(r"[A-Z]\d\d(\.\d)?", c.codes[0].code)
        for m in r.medications:
            assert m.dosage and m.status in ("active", "completed", "stopped") and m.start
        for a in r.allergies:
            assert a.category in ("food", "medication", "environment")
    assert 10 <= len(scenarios) <= 15
    assert sum(bool(r.allergies) for r in records) >= 3
