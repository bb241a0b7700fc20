"""Notifiability from extracted diagnoses and test results: notes written for this test (not the dev set)."""

from __future__ import annotations

import datetime as dt

import pytest

from karte.reporting.diseases.table import load_table
from karte.reporting.notify.pipeline import NoteSource, NotifyEngine


@pytest.fixture(scope="module")
def engine() -> NotifyEngine:
    from karte.extract.pipeline import default_extractor

    return NotifyEngine(load_table(), default_extractor())


DAY = dt.date(2024, 9, 2)
CASES = [
    # (note, notifiable, disease id or None, case type or None)
    (
        "喀痰培養で結核菌群を同定した。肺結核と診断し、4剤併用療法を開始した。",
        True,
        "tuberculosis",
        "患者（確定例）",
    ),
    ("高校時代に結核で治療歴あり。今回は感冒。", False, None, None),
    ("咳嗽と発熱。肺結核は否定的で、細菌性肺炎と診断した。", False, None, None),
    ("肺非結核性抗酸菌症として経過観察中。", False, None, None),
    (
        "下痢と血便。便培養からO26を分離し、VT1陽性であった。腸管出血性大腸菌感染症と診断。",
        True,
        "ehec",
        "患者（確定例）",
    ),
    ("発熱と発疹あり。麻疹の疑いで麻疹IgM抗体を提出した。", False, None, None),
    ("麻疹IgM抗体陽性。発熱、咳、発疹を認め、麻疹と診断した。", True, "measles", "患者（検査診断例）"),
    ("インフルエンザB型と診断し、バロキサビルを処方。", False, "influenza_sentinel", None),
    ("髄液培養から肺炎球菌を検出。細菌性髄膜炎として治療開始。", True, "ipd", "患者（確定例）"),
    ("喀痰から肺炎球菌を検出し肺炎球菌性肺炎と診断した。", False, None, None),
    ("ベトナムから帰国後の発熱。デング熱を疑いNS1抗原を提出中。", False, None, None),
    (
        "風疹ウイルスPCR陽性。全身の発疹と発熱、頸部リンパ節腫脹。風疹と診断。",
        True,
        "rubella",
        "患者（検査診断例）",
    ),
    ("オウム病の疑い。飼育していたインコが死亡。", False, None, None),
    ("鳥インフルエンザ（H5N1）の疑い。中国で家禽と接触後に発熱と肺炎。", True, "h5n1", "疑似症患者"),
    ("水痘と診断。外来で抗ウイルス薬を処方した。", False, "varicella_sentinel", None),
    ("RPR陽性、TPHA陽性。無症候梅毒と診断した。", True, "syphilis", "無症状病原体保有者"),
]


@pytest.mark.parametrize(("text", "notifiable", "disease", "case"), CASES, ids=[c[0][:14] for c in CASES])
def test_case(
    engine: NotifyEngine, text: str, notifiable: bool, disease: str | None, case: str | None
) -> None:
    result = engine.run([NoteSource(text, "n1", DAY)], DAY, formats=())
    assert result.notifiable is notifiable, (
        result.status,
        result.reason,
        [c.reason for c in result.considered],
    )
    if disease is not None:
        assert result.disease_id == disease
    if case is not None:
        assert result.case_type == case
    if notifiable:
        assert result.category and result.deadline
        for met in result.criteria_met:
            for s in met.evidence.spans:
                assert text[s.start : s.end] == s.text and s.document_id == "n1"


def test_every_filled_field_has_evidence_and_every_other_is_missing(engine: NotifyEngine) -> None:
    text = (
        "52歳女性、調理師。職業: 調理師。5日前から水様性下痢と腹痛。9月1日に当院を受診。"
        "便培養でO157を分離、VT1及びVT2陽性。腸管出血性大腸菌感染症と診断した。"
    )
    result = engine.run([NoteSource(text, "d", DAY)], DAY, formats=())
    assert result.disease_id == "ehec"
    assert result.form["verotoxin"].value == "VT1VT2"
    assert result.form["occupation"].value == "調理師"
    assert result.form["first_visit_date"].value == "2024-09-01"
    for key, value in result.form.items():
        assert value.evidence.spans, key
        for s in value.evidence.spans:
            assert text[s.start : s.end] == s.text
    assert {m.field for m in result.missing}.isdisjoint(result.form)
    assert "report_date" in {m.field for m in result.missing}
