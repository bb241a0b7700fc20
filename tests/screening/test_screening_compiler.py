"""The criteria compiler: Japanese criterion text → checks (rules), LLM proposals verified by code."""

from __future__ import annotations

from typing import Any

import pytest

from karte.screening.compiler import compile_criterion
from karte.screening.compiler.llm import CompileProposal, _verify
from karte.screening.compiler.rules import compile_rules
from karte.screening.models import CompiledCriterion, TextCheck, TrialCriterion


def _checks(c: CompiledCriterion | None) -> list[dict[str, Any]]:
    assert c is not None
    return [_dump(ch) for ch in c.checks]


def _dump(check: Any) -> dict[str, Any]:
    return {"kind": check.kind, **check.model_dump(exclude_defaults=True, exclude={"label"})}


CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = [
    ("20歳以上75歳以下の患者", [{"kind": "age", "min": 20, "max": 75}], {}),
    ("65歳未満", [{"kind": "age", "max": 64}], {}),
    ("年齢18歳以上", [{"kind": "age", "min": 18}], {}),
    ("女性", [{"kind": "sex", "sex": "female"}], {}),
    ("2型糖尿病と診断されている患者", [{"kind": "diagnosis", "codes": ["E11"]}], {}),
    (
        "過去6か月以内のHbA1c 7.0%以上",
        [{"kind": "lab", "analyte": "HbA1c-NGSP", "op": ">=", "value": 7.0, "unit": "%", "within_days": 183}],
        {},
    ),
    (
        "ＢＮＰ １００ pg/mL以上",
        [{"kind": "lab", "analyte": "BNP", "op": ">=", "value": 100.0, "unit": "pg/mL"}],
        {},
    ),
    (
        "NT-proBNP ≥ 400 pg/mL",
        [{"kind": "lab", "analyte": "NT-proBNP", "op": ">=", "value": 400.0, "unit": "pg/mL"}],
        {},
    ),
    # a threshold in another unit is converted to the canonical one (IFCC mmol/mol → NGSP %)
    (
        "HbA1c 53 mmol/mol以上",
        [{"kind": "lab", "analyte": "HbA1c-NGSP", "op": ">=", "value": 7.0004, "unit": "%"}],
        {},
    ),
    (
        "重度の腎機能障害（eGFR 30 mL/min/1.73m2未満）",
        [{"kind": "lab", "analyte": "eGFR", "op": "<", "value": 30.0, "unit": "mL/min/1.73m2"}],
        {},
    ),
    ("インスリン治療中の患者", [{"kind": "medication", "classes": ["insulin"]}], {}),
    ("インスリンの使用歴がある", [{"kind": "medication", "classes": ["insulin"], "timing": "ever"}], {}),
    (
        "インスリンによる治療歴がない",
        [{"kind": "medication", "classes": ["insulin"], "timing": "ever"}],
        {"negated": True},
    ),
    ("EGFR-TKIによる前治療歴がある", [{"kind": "medication", "classes": ["egfr_tki"], "timing": "ever"}], {}),
    (
        "過去3か月以内にSGLT2阻害薬またはGLP-1受容体作動薬を使用",
        [{"kind": "medication", "classes": ["sglt2", "glp1"], "within_days": 91}],
        {},
    ),
    ("気管支喘息の合併または既往", [{"kind": "diagnosis", "codes": ["J45", "J46"], "status": "ever"}], {}),
    (
        "心不全の既往がない",
        [{"kind": "diagnosis", "codes": ["I50", "I11.0", "I13.0", "I13.2"], "status": "ever"}],
        {"negated": True},
    ),
    (
        "肺癌以外の悪性腫瘍の合併",
        [{"kind": "diagnosis", "codes": ["C00-C97"], "exclude_codes": ["C34"]}],
        {},
    ),
    (
        "慢性閉塞性肺疾患（COPD）と診断された40歳以上の患者",
        [{"kind": "diagnosis", "codes": ["J44", "J43"]}],
        {"require": [{"kind": "age", "min": 40}]},
    ),
    (
        "妊娠中または授乳中の女性",
        [{"kind": "diagnosis", "codes": ["O00-O99", "Z33"]}, {"kind": "diagnosis", "codes": ["Z39.1"]}],
        {"combine": "any", "require": [{"kind": "sex", "sex": "female"}]},
    ),
    ("75歳以下の男性または女性", [{"kind": "age", "max": 75}], {}),
]


@pytest.mark.parametrize(("text", "checks", "extra"), CASES, ids=[c[0] for c in CASES])
def test_rules_compile_criteria(text: str, checks: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    compiled = compile_rules(text)
    assert _checks(compiled) == checks
    assert compiled is not None and compiled.source == "rule" and compiled.text == text
    assert compiled.negated == extra.get("negated", False)
    assert compiled.combine == extra.get("combine", "all")
    assert [_dump(r) for r in compiled.require] == extra.get("require", [])


def test_unparsed_words_are_left_to_the_llm_not_dropped() -> None:
    compiled = compile_rules("コントロール不良の高血圧を合併している患者")
    assert compiled is not None
    kinds = [c.kind for c in compiled.checks]
    assert kinds == ["diagnosis", "text"] and compiled.combine == "all"
    assert any("コントロール不良" in n for n in compiled.notes)


def test_no_rule_gives_a_free_text_check() -> None:
    assert compile_rules("治験責任医師が不適格と判断した患者") is None
    compiled = compile_criterion(
        TrialCriterion(id="E9", type="exclusion", text="治験責任医師が不適格と判断した患者")
    )
    assert isinstance(compiled.checks[0], TextCheck) and compiled.notes


def test_user_edited_form_is_kept_until_the_text_changes() -> None:
    edited = compile_rules("HbA1c 7.0%以上")
    assert edited is not None
    edited.checks[0].value = 8.0  # type: ignore[union-attr]
    kept = compile_criterion(TrialCriterion(id="I", type="inclusion", text="HbA1c 7.0%以上", compiled=edited))
    assert kept.checks[0].value == 8.0  # type: ignore[union-attr]
    changed = compile_criterion(
        TrialCriterion(id="I", type="inclusion", text="HbA1c 6.5%以上", compiled=edited)
    )
    assert changed.checks[0].value == 6.5  # type: ignore[union-attr]
    assert "再コンパイル" in changed.notes[0]


@pytest.mark.parametrize(
    ("proposal", "text", "accepted"),
    [
        (
            {
                "kind": "diagnosis",
                "phrase": "間質性肺炎",
                "comparator": "none",
                "value": None,
                "negated": False,
            },
            "活動性の間質性肺炎を有する",
            "J84",
        ),
        # the phrase must be copied from the criterion
        (
            {
                "kind": "diagnosis",
                "phrase": "肺線維症",
                "comparator": "none",
                "value": None,
                "negated": False,
            },
            "活動性の間質性肺炎を有する",
            None,
        ),
        # a number the text does not contain is refused
        (
            {"kind": "lab", "phrase": "BNP", "comparator": ">=", "value": 200, "negated": False},
            "BNPが高値（100 pg/mL以上）",
            None,
        ),
        (
            {"kind": "lab", "phrase": "BNP", "comparator": ">=", "value": 100, "negated": False},
            "BNPが高値（100 pg/mL以上）",
            "BNP",
        ),
        (
            {
                "kind": "medication",
                "phrase": "ワルファリン",
                "comparator": "none",
                "value": None,
                "negated": False,
            },
            "ワルファリンを内服中",
            "ワルファリン",
        ),
        (
            {"kind": "other", "phrase": "同意", "comparator": "none", "value": None, "negated": False},
            "本人から文書で同意が得られた患者",
            None,
        ),
    ],
)
def test_llm_proposals_are_verified_by_code(
    proposal: dict[str, Any], text: str, accepted: str | None
) -> None:
    check, why = _verify(CompileProposal.model_validate(proposal), text)
    if accepted is None:
        assert check is None and why
    else:
        assert check is not None
        assert accepted in str(check.model_dump())
