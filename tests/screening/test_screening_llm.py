"""The LLM side of screening: code's handling of answers, and two calls to the real small model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from karte.config import get_settings
from karte.errors import KarteError
from karte.screening.compiler.llm import compile_with_llm
from karte.screening.engine import screen_patient
from karte.screening.evidence import evidence_of_text
from karte.screening.llm_matcher import Pending, outcomes_from_answer
from karte.screening.models import Trial, TrialCriterion
from karte.screening.service import Screener, ScreenOptions

NOTE = (
    "【現病歴】\n62歳女性。2型糖尿病にて通院中。\n【評価・計画】\n"
    "高血圧症：血圧は180/105 mmHgとコントロール不良であり、降圧薬を調整する。"
)


def _shown() -> list[tuple[object, int, int, str]]:
    ev = evidence_of_text("p", NOTE)
    doc = ev.docs[0]
    return [(doc, s.start, s.end, s.text) for s in doc.sentences if len(s.text) > 4]


def test_answers_without_citations_are_not_claims() -> None:
    shown = _shown()
    batch = [Pending("E1", "exclusion", "コントロール不良の高血圧"), Pending("E2", "exclusion", "妊娠中")]
    ids = [f"S{i + 1}" for i in range(len(shown))]
    parsed = {"C1": {"status": "met", "evidence": [ids[-1]]}, "C2": {"status": "not_met", "evidence": []}}
    out = outcomes_from_answer(parsed, batch, ["C1", "C2"], ids, shown, "screen_criteria.v1")  # type: ignore[arg-type]
    assert out["E1"].status == "met" and out["E1"].source == "llm"
    span = out["E1"].evidence[0]
    assert (
        span.start is not None
        and NOTE[span.start : span.end] == span.text
        and "コントロール不良" in span.text
    )
    assert out["E2"].status == "unknown" and "根拠" in out["E2"].rationale
    # a sentence retrieved for another criterion of the same prompt is not evidence for this one
    allowed = {"E1": {ids[0]}, "E2": set(ids)}
    out = outcomes_from_answer(parsed, batch, ["C1", "C2"], ids, shown, "t", allowed)  # type: ignore[arg-type]
    assert out["E1"].status == "unknown"


@pytest.mark.usefixtures("llm_env")
def test_real_model_judges_a_free_text_criterion_within_the_budget() -> None:
    trial = Trial(
        id="T",
        criteria=[
            TrialCriterion(id="I1", type="inclusion", text="2型糖尿病と診断されている患者"),
            TrialCriterion(id="E1", type="exclusion", text="コントロール不良の高血圧を合併している患者"),
        ],
    )
    screener = Screener.open(trial, get_settings(), ScreenOptions(use_llm=True, llm_cache=False))
    assert screener.judge is not None, screener.llm_problem
    # the prefilter: a patient the rules exclude costs no call
    excluded = screener.screen_text("x", "45歳男性。高血圧症で通院中。", screening_date=dt.date(2025, 12, 31))
    assert excluded.eligible == "ineligible" and excluded.llm_calls == 0
    result = screener.screen_text("p", NOTE, screening_date=dt.date(2025, 12, 31))
    assert result.llm_calls == 1
    e1 = {c.id: c for c in result.criteria}["E1"]
    assert e1.status in ("met", "not_met", "unknown")
    for span in e1.evidence:  # code, not the model, attached the spans: they are sentences of the note
        assert span.start is not None and NOTE[span.start : span.end] == span.text
    if e1.status != "unknown":
        assert any(ev.start is not None for ev in e1.evidence)
    assert result.eligible != "ineligible" or e1.source != "llm"  # an LLM answer alone never excludes


@pytest.mark.usefixtures("llm_env")
def test_real_model_compile_proposal_is_verified() -> None:
    from karte.llm import make_client

    text = "活動性の間質性肺炎を有する患者"
    try:
        client = make_client(get_settings(), use_cache=False)
    except KarteError as exc:  # pragma: no cover - the fixture installs the model
        pytest.skip(str(exc))
    compiled = compile_with_llm(text, client)
    if compiled is not None:  # the small model may propose nothing verifiable: then None
        assert compiled.source == "llm" and compiled.notes
        for check in compiled.checks:
            label = getattr(check, "label", "")
            assert not label or label in text


def test_screening_without_an_llm_leaves_free_text_unknown(tmp_path: Path) -> None:
    trial = Trial(
        id="T",
        criteria=[TrialCriterion(id="E1", type="exclusion", text="治験責任医師が不適格と判断した患者")],
    )
    screener = Screener.open(trial, get_settings(llm="none"), ScreenOptions(use_llm=True))
    assert screener.judge is None and screener.llm_problem
    result = screen_patient(screener.trial, evidence_of_text("p", NOTE), dt.date(2025, 12, 31), None)
    assert result.criteria[0].status == "unknown" and result.eligible == "unknown" and result.llm_calls == 0
