"""The faithfulness guard: what a sentence states must be in the spans it cites."""

from __future__ import annotations

import random

import pytest

from karte.drafting.evaluate import options_for
from karte.drafting.guard import Guard
from karte.drafting.inject import FAULT_KINDS, caught, inject_faults
from karte.drafting.lexicon import Lexicon
from karte.drafting.models import Citation, DraftSentence, SourceDocument
from karte.drafting.pipeline import Drafter
from karte.records.models import PatientRecord

SOURCE = (
    "入院時の採血でLDL 147 mg/dL、HbA1c 6.7%。アスピリン腸溶錠100mg 1回1錠 1日1回 朝食後を開始した。"
    "入院時は肺炎の合併を疑ったが、肺炎は否定的と判断した。6月15日に転院とした。"
)


def _sentence(
    text: str, cite: str | None = SOURCE, labels: list[tuple[int, int]] | None = None
) -> DraftSentence:
    citations = []
    if cite is not None:
        start = SOURCE.index(cite)
        citations.append(Citation(document="n1", start=start, end=start + len(cite)))
    return DraftSentence(text=text, citations=citations, labels=labels or [])


@pytest.mark.parametrize(
    ("text", "cite", "issue_kinds"),
    [
        ("LDL 147 mg/dL、HbA1c 6.7%であった。", SOURCE, []),
        ("LDL 174 mg/dL であった。", SOURCE, ["value", "value"]),  # the lab pair and the value
        ("アスピリン100mgを開始した。", SOURCE, []),
        ("ワルファリン100mgを開始した。", SOURCE, ["drug"]),
        ("アスピリン200mgを開始した。", SOURCE, ["dose"]),
        ("アスピリン100mg 1日3回", SOURCE, ["value"]),  # the frequency
        ("6月15日に転院した。", SOURCE, []),
        ("6月18日に転院した。", SOURCE, ["date"]),
        ("肺炎は否定的であった。", SOURCE, []),
        ("肺炎を認めた。", SOURCE, ["disease"]),  # the source negates it
        ("心不全を合併した。", SOURCE, ["disease"]),
        (
            "6月15日に転院した。",
            "入院時の採血でLDL 147 mg/dL",
            ["date"],
        ),  # in the sources, not in the citation
        ("転院した。", None, ["uncited"]),
    ],
)
def test_guard_table(lexicon: Lexicon, text: str, cite: str | None, issue_kinds: list[str]) -> None:
    sources = {"n1": SourceDocument(id="n1", kind="note", text=SOURCE)}
    checked = Guard(lexicon).check(_sentence(text, cite), sources)
    assert sorted(i.kind for i in checked.issues) == sorted(issue_kinds)
    assert checked.supported == (not issue_kinds)
    for issue in checked.issues:
        assert text[issue.start : issue.end] == issue.text


def test_labels_written_by_code_are_not_checked(lexicon: Lexicon) -> None:
    sources = {"n1": SourceDocument(id="n1", kind="note", text="なし")}
    sentence = DraftSentence(
        text="アレルギー: なし", citations=[Citation(document="n1", start=0, end=2)], labels=[(0, 7)]
    )
    assert Guard(lexicon).check(sentence, sources).supported
    unlabelled = sentence.model_copy(update={"labels": []})
    assert not Guard(lexicon).check(unlabelled, sources).supported  # アレルギー is not in the citation


def test_citation_outside_the_source_is_not_support(lexicon: Lexicon) -> None:
    sources = {"n1": SourceDocument(id="n1", kind="note", text="脳梗塞")}
    sentence = DraftSentence(text="脳梗塞", citations=[Citation(document="n1", start=0, end=99)])
    checked = Guard(lexicon).check(sentence, sources)
    assert [i.kind for i in checked.issues] == ["uncited"]


def test_remove_mode_drops_unsupported_sentences(lexicon: Lexicon) -> None:
    from karte.drafting.compose import finish_section
    from karte.drafting.plans import load_plan

    plan = load_plan("discharge_summary").section("hospital_course")
    sources = {"n1": SourceDocument(id="n1", kind="note", text=SOURCE)}
    section = finish_section(plan, [_sentence("6月15日に転院した。"), _sentence("6月18日に転院した。")])
    warnings: list[str] = []
    kept = Guard(lexicon).check_section(section, sources, "remove", warnings, plan.empty)
    assert [s.text for s in kept.sentences] == ["6月15日に転院した。"]
    assert warnings and "削除" in warnings[0]


def test_guard_catches_injected_faults_in_cohort_drafts(
    drafter: Drafter, lexicon: Lexicon, cohort: dict[str, PatientRecord]
) -> None:
    """Wrong drugs, doses, dates, diagnoses and results injected into real drafts: ≥ 95% caught per kind."""
    records = list(cohort.values())
    drugs = sorted({m.name for r in records for m in r.medications} | {"ワルファリン", "ジゴキシン"})
    diseases = sorted({c.name for r in records for c in r.conditions} | {"急性心筋梗塞", "肺塞栓症"})
    rng = random.Random(11)
    injected = {k: 0 for k in FAULT_KINDS}
    hit = {k: 0 for k in FAULT_KINDS}
    guard = Guard(lexicon)
    for record in records[::2]:  # every other patient keeps the test short
        for document_type in ("discharge_summary", "referral_letter", "patient_advice"):
            result = drafter.draft(record, options_for(document_type))
            for section in result.draft.sections:
                for sentence in section.sentences:
                    for fault in inject_faults(sentence, result.sources, lexicon, drugs, diseases, rng):
                        injected[fault.kind] += 1
                        hit[fault.kind] += caught(fault, guard.check(fault.sentence, result.sources))
    for kind in FAULT_KINDS:
        assert injected[kind] >= 30, f"too few {kind} faults injected: {injected[kind]}"
        assert hit[kind] / injected[kind] >= 0.95, f"{kind}: {hit[kind]}/{injected[kind]} caught"


# Common drugs and diseases that the synthetic cohort does not contain (a pool independent of the
# drafts), some of them missing from the drafting lexicon: the guard's katakana check must catch those
# in model-written sentences.
OUTSIDE_DRUGS = (
    "タクロリムス",
    "リチウム",
    "フロセミド",
    "アピキサバン",
    "エドキサバン",
    "ニフェジピン",
    "カンデサルタン",
    "ビソプロロール",
    "メトホルミン",
    "シタグリプチン",
    "ランソプラゾール",
    "ロキソプロフェン",
    "トラマドール",
    "ゾルピデム",
    "ブロチゾラム",
    "ドネペジル",
    "レベチラセタム",
    "バルプロ酸",
    "アロプリノール",
    "メロペネム",
)
OUTSIDE_DISEASES = ("間質性肺炎", "急性膵炎", "肝硬変", "関節リウマチ", "大動脈解離", "深部静脈血栓症")


@pytest.mark.parametrize(
    ("text", "issue_kinds"),
    [
        ("アスピリンを開始した。", []),
        ("ブロチゾラムを開始した。", ["term"]),  # not in the lexicon: caught as an uncited katakana word
        ("カテーテル検査を行った。", ["term"]),
        ("転院した。", []),
    ],
)
def test_model_sentences_may_not_add_katakana_terms(
    lexicon: Lexicon, text: str, issue_kinds: list[str]
) -> None:
    sources = {"n1": SourceDocument(id="n1", kind="note", text=SOURCE)}
    sentence = _sentence(text).model_copy(update={"source": "llm"})
    checked = Guard(lexicon).check(sentence, sources)
    assert sorted(i.kind for i in checked.issues) == issue_kinds
    extractive = Guard(lexicon).check(_sentence(text), sources)  # copied from the source by code
    assert "term" not in {i.kind for i in extractive.issues}


def test_guard_catches_drugs_and_diseases_from_outside_the_cohort(
    drafter: Drafter, lexicon: Lexicon, cohort: dict[str, PatientRecord]
) -> None:
    """Wrong drugs and diagnoses drawn from a pool the drafts never contain, in model-written sentences."""
    rng = random.Random(5)
    guard = Guard(lexicon)
    injected = {"drug": 0, "diagnosis": 0}
    hit = dict(injected)
    for record in list(cohort.values())[1::3]:
        result = drafter.draft(record, options_for("discharge_summary"))
        for section in result.draft.sections:
            for sentence in section.sentences:
                llm_sentence = sentence.model_copy(update={"source": "llm"})
                faults = inject_faults(
                    llm_sentence, result.sources, lexicon, list(OUTSIDE_DRUGS), list(OUTSIDE_DISEASES), rng
                )
                for fault in faults:
                    if fault.kind in injected:
                        injected[fault.kind] += 1
                        hit[fault.kind] += caught(fault, guard.check(fault.sentence, result.sources))
    for kind, n in injected.items():
        assert n >= 20, f"too few {kind} faults injected: {n}"
        assert hit[kind] / n >= 0.95, f"{kind}: {hit[kind]}/{n} caught"
