"""Underlying-cause selection on WHO's rule examples (ICD-10 Volume 2, 2010 edition, §4.1.4–4.1.9).

The certificates are WHO's English examples translated into Japanese certificate wording ("WHO"),
or constructed after the rule's text where WHO gives none in that form ("after WHO").
"""

from __future__ import annotations

import pytest

from karte.reporting.death.certificate import DeathCertificate
from karte.reporting.death.coder import DeathCoder

CASES = [
    # (source, certificate, expected underlying ICD-10, the rule that decides)
    ("WHO GP ex.1", {"causes": {"Ia": "肺膿瘍", "Ib": "大葉性肺炎"}}, "J18.1", "GP"),
    ("WHO GP ex.2", {"causes": {"Ia": "肝不全", "Ib": "胆管閉塞", "Ic": "膵頭部癌"}}, "C25.0", "GP"),
    (
        "WHO GP ex.3",
        {"causes": {"Ia": "脳出血", "Ib": "高血圧症", "Ic": "慢性腎盂腎炎", "Id": "前立腺肥大症"}},
        "N40",
        "GP",
    ),
    (
        "WHO Rule 1 ex.1",
        {"causes": {"Ia": "気管支肺炎", "Ib": ["脳梗塞", "高血圧性心疾患"]}},
        "I63.9",
        "Rule 1",
    ),
    (
        "WHO Rule 1 ex.2",
        {"causes": {"Ia": "食道静脈瘤破裂、うっ血性心不全", "Ib": "慢性リウマチ性心疾患、肝硬変"}},
        "K74.6",
        "Rule 1",
    ),
    ("WHO Rule 1 ex.3", {"causes": {"Ia": "心膜炎", "Ib": "尿毒症、肺炎"}}, "N19", "Rule 1"),
    ("WHO Rule 2 ex.1", {"causes": {"Ia": "悪性貧血、足の壊疽", "Ib": "動脈硬化症"}}, "D51.0", "Rule 2"),
    ("WHO Rule 2 ex.2", {"causes": {"Ia": "リウマチ性心疾患、動脈硬化性心疾患"}}, "I09.9", "Rule 2"),
    (
        "WHO Rule 2 ex.3",
        {"causes": {"Ia": "嚢胞性線維症", "Ib": "気管支炎、気管支拡張症"}},
        "E84.9",
        "Rule 2",
    ),
    (
        "WHO Rule 3 (Kaposi/HIV) + Rule C",
        {"causes": {"Ia": "カポジ肉腫", "II": "HIV感染症"}},
        "B21.0",
        "Rule C",
    ),
    ("after WHO Rule 3 (dehydration)", {"causes": {"Ia": "脱水症", "II": "コレラ"}}, "A00.9", "Rule 3"),
    (
        "after WHO Rule 3 (pneumonia, paralysis)",
        {"causes": {"Ia": "肺炎", "II": "脳梗塞後遺症"}},
        "I69.3",
        "Rule 3",
    ),
    ("after WHO Rule 3 (pneumonia, neoplasm)", {"causes": {"Ia": "肺炎", "II": "胃癌"}}, "C16.9", "Rule 3"),
    ("WHO Rule A ex. (senility)", {"causes": {"Ia": "心筋変性、肺気腫", "Ib": "老衰"}}, "I51.5", "Rule A"),
    ("after WHO Rule A (mode of dying)", {"causes": {"Ia": "呼吸不全", "II": "糖尿病"}}, "E14", "Rule A"),
    ("after WHO Rule A (senility alone)", {"causes": {"Ia": "老衰"}}, "R54", "GP"),
    ("WHO Rule C (I10 with I21)", {"causes": {"Ia": "急性心筋梗塞", "Ib": "高血圧症"}}, "I21.9", "Rule C"),
    ("WHO Rule C (I10 with I61)", {"causes": {"Ia": "脳出血", "Ib": "高血圧症"}}, "I61.9", "Rule C"),
    ("WHO Rule C (I10 with I50)", {"causes": {"Ia": "うっ血性心不全", "Ib": "高血圧症"}}, "I11.0", "Rule C"),
    (
        "after WHO Rule C (diabetes, renal)",
        {"causes": {"Ia": "腎不全", "Ib": "2型糖尿病"}},
        "E11.2",
        "Rule C",
    ),
    (
        "WHO Rule D ex. (meningitis, tuberculosis)",
        {"causes": {"Ia": "髄膜炎", "Ib": "結核"}},
        "A17.0",
        "Rule D",
    ),
    ("after WHO Rule D (stroke NOS)", {"causes": {"Ia": "脳卒中、脳梗塞"}}, "I63.9", "Rule D"),
    (
        "after WHO Rule F (I69 note)",
        {"causes": {"Ia": "誤嚥性肺炎", "Ib": "脳梗塞"}, "intervals": {"Ia": "1週間", "Ib": "3年"}},
        "I69.3",
        "Rule F",
    ),
    (
        "after WHO §4.2.2 (onset dates)",
        {"causes": {"Ia": "慢性腎不全", "Ib": "急性心筋梗塞"}, "intervals": {"Ia": "10年", "Ib": "2日"}},
        "N18.9",
        "Rule 2",
    ),
    (
        "after WHO §4.1.2 (injury → external cause)",
        {
            "causes": {"Ia": "肺炎", "Ib": "大腿骨頸部骨折", "Ic": "転倒"},
            "manner": "不慮の外因死（転倒・転落）",
        },
        "W18",
        "external cause",
    ),
]


@pytest.mark.parametrize(("source", "cert", "code", "rule"), CASES, ids=[c[0] for c in CASES])
def test_who_rule_example(
    death_coder: DeathCoder, source: str, cert: dict[str, object], code: str, rule: str
) -> None:
    result = death_coder.code(DeathCertificate.model_validate(cert))
    assert result.underlying.icd10 == code, [s.explanation for s in result.underlying.steps]
    assert result.underlying.rule == rule
    assert result.underlying.steps, "every selection explains its steps"


def test_same_line_due_to_is_a_sequence(death_coder: DeathCoder) -> None:
    """「AによるB」 on one line is read as B due to A (a sequence), as WHO reads 'due to' within a line."""
    cert = DeathCertificate.model_validate(
        {"causes": {"Ia": "誤嚥性肺炎", "Ib": "パーキンソン病による嚥下障害"}}
    )
    result = death_coder.code(cert)
    assert result.underlying.icd10 == "G20"
    derived = [line for line in result.lines if line.derived]
    assert derived and derived[0].text == "パーキンソン病"
    assert derived[0].evidence.spans[0].section == "causes.Ib"


def test_every_output_code_is_valid(death_coder: DeathCoder) -> None:
    for _, cert, _, _ in CASES:
        result = death_coder.code(DeathCertificate.model_validate(cert))
        codes = [result.underlying.icd10] + [line.icd10 for line in result.lines]
        for c in filter(None, codes):
            assert death_coder.icd10.validate(c).ok, c
        for c in filter(None, [result.underlying.icd11] + [line.icd11 for line in result.lines]):
            assert death_coder.icd11.validate(c).ok, c
