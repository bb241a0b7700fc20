"""The patient evidence index: what it reads from notes and records, with ORIGINAL offsets and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from karte.records.models import PatientRecord
from karte.screening.evidence import evidence_of_record, evidence_of_text
from karte.screening.evidence.dates import find_dates

NOTE = (
    "【現病歴】\n58歳女性。2019年より２型糖尿病にて当院通院中。インスリンは使用していない。\n"
    "【既往歴】\n脂質異常症（1996年、治癒）\n【家族歴】母：乳癌\n"
    "【内服薬】\n・メトホルミン塩酸塩錠 500mg 1日2回\n"
    "【検査所見】\n採血日時：2025/06/05 06:30 ＨｂＡ１ｃ　８.６％、ｸﾚｱﾁﾆﾝ 0.8 mg/dL\n"
    "【評価・計画】\n2型糖尿病：HbA1c 8.6%。SGLT2阻害薬は中止した。"
)


def test_note_facts_keep_original_offsets_and_attributes() -> None:
    ev = evidence_of_text("p", NOTE, dt.date(2025, 6, 10))
    diseases = {
        (f.label, f.attrs.certainty, f.attrs.family, f.attrs.resolved) for f in ev.diseases if f.attrs
    }
    assert ("２型糖尿病", "positive", False, False) in diseases  # full-width digit, original text kept
    assert ("脂質異常症", "positive", False, True) in diseases
    assert ("乳癌", "positive", True, False) in diseases
    drugs = {(f.ref, f.state) for f in ev.drugs}
    assert (("class", "insulin"), "negated") in drugs
    assert (("drug", "メトホルミン"), "current") in drugs
    assert (("class", "sglt2"), "past") in drugs
    items = [f.evidence for f in ev.diseases] + [f.evidence for f in ev.drugs] + [f.evidence for f in ev.labs]
    for e in items:
        assert e.start is not None and e.end is not None and NOTE[e.start : e.end] == e.text
        assert e.mention_start is not None and e.mention_end is not None
        assert e.start <= e.mention_start < e.mention_end <= e.end


def test_lab_values_dates_units_and_restatements() -> None:
    ev = evidence_of_text("p", NOTE, dt.date(2025, 6, 10))
    hba1c = [f for f in ev.labs if f.analyte == "HbA1c-NGSP"]
    assert [f.value for f in hba1c] == [8.6, 8.6]
    # the plan's "HbA1c 8.6%" is the value of the dated lab line, so it takes that date
    assert {f.date for f in hba1c} == {dt.date(2025, 6, 5)}
    assert ev.stated[0].age == 58 and ev.stated[0].sex == "female"
    # eGFR derived from creatinine by the Japanese equation (58-year-old woman, Cr 0.8 → about 58)
    egfr = [f for f in ev.labs if f.analyte == "eGFR"]
    assert len(egfr) == 1 and egfr[0].derived and 55 < (egfr[0].value or 0) < 62


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("2024年5月9日：HbA1c", [dt.date(2024, 5, 9)]),
        ("採血日時：2025/06/05 06:30", [dt.date(2025, 6, 5)]),
        ("令和6年5月9日に入院", [dt.date(2024, 5, 9)]),
        ("２０２３年１２月１日", [dt.date(2023, 12, 1)]),
        ("2023年2月30日", []),
    ],
)
def test_dates_in_notes(text: str, dates: list[dt.date]) -> None:
    found = find_dates(text)
    assert [d.date for d in found] == dates
    for d in found:
        assert d.end > d.start and text[d.start : d.end]


def _record(**kwargs: object) -> PatientRecord:
    return PatientRecord.model_validate({"id": "P1", "sex": "male", "birth_date": "1960-04-01", **kwargs})


def test_records_and_the_newest_medication_list() -> None:
    record = _record(
        documents=[
            {"id": "d1", "datetime": "2024-01-10T10:00:00+09:00", "text": "【内服薬】\n・ワルファリン 2mg"},
            {"id": "d2", "datetime": "2025-03-01T10:00:00+09:00", "text": "【内服薬】\nなし"},
        ],
        conditions=[
            {
                "id": "c1",
                "name": "心房細動",
                "codes": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I48.9"}],
                "clinical_status": "active",
            }
        ],
        observations=[
            {
                "id": "o1",
                "local_name": "ｸﾚｱﾁﾆﾝ",
                "value": 1.0,
                "unit": "mg/dL",
                "datetime": "2025-03-01T09:00:00+09:00",
            }
        ],
        medications=[{"id": "m1", "name": "アピキサバン錠5mg", "status": "active", "start": "2025-03-01"}],
    )
    ev = evidence_of_record(record)
    warfarin = [f for f in ev.drugs if f.ref == ("drug", "ワルファリン")]
    assert [f.state for f in warfarin] == ["past"]  # the newest list says なし
    assert ("drug", "アピキサバン") in {f.ref for f in ev.drugs if f.source == "record"}
    assert [f.codes for f in ev.diseases if f.source == "record"] == [("I48.9",)]
    assert {f.analyte for f in ev.labs} == {"Cre", "eGFR"}  # eGFR derived from the creatinine record
    assert all(f.evidence.record for f in ev.labs)


def test_extractor_annotator_is_pluggable() -> None:
    from karte.errors import ConfigError

    note = "心不全の既往なし。肺炎を疑う。母：2型糖尿病。"
    try:
        ev = evidence_of_text("p", note, attributes="extractor")
    except ConfigError as exc:  # the extraction models are not installed
        pytest.skip(str(exc))
    by_label = {f.label: f.attrs for f in ev.diseases if f.attrs}
    assert by_label["心不全"].certainty == "negative"
    assert by_label["肺炎"].certainty == "suspicious"
    assert by_label["2型糖尿病"].family
