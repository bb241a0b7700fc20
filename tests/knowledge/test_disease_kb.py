"""The built-in disease knowledge base: coverage, completeness, codes, sources, validation errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from karte.errors import ConfigError
from karte.knowledge import DiseaseEntry, disease_passages, load_disease_kb
from karte.knowledge.diseases import parse_disease_files
from karte.knowledge.models import ICD10_PATTERN

# Diseases the issue requires, as a patient or clinician would name them.
REQUIRED = [
    "高血圧症", "2型糖尿病", "脂質異常症", "慢性腎臓病", "心不全", "心房細動", "狭心症", "急性心筋梗塞",
    "脳梗塞", "脳出血", "肺炎", "誤嚥性肺炎", "COPD", "気管支喘息", "胃癌", "大腸癌", "肺癌", "乳癌",
    "前立腺癌", "肝細胞癌", "骨粗鬆症", "大腿骨頸部骨折", "認知症", "うつ病", "尿路感染症", "帯状疱疹",
    "インフルエンザ", "COVID-19", "胃潰瘍", "逆流性食道炎", "肝硬変", "痛風", "バセドウ病", "橋本病",
    "関節リウマチ", "変形性膝関節症", "腰部脊柱管狭窄症", "パーキンソン病", "てんかん", "鉄欠乏性貧血",
    "深部静脈血栓症", "蜂窩織炎", "白内障", "緑内障", "睡眠時無呼吸症候群", "肥満症", "脱水症", "便秘症",
    "前立腺肥大症", "胆石症",
]  # fmt: skip

# WHO ICD-10 categories of some entries, from the classification itself (not from our files).
ICD10_EXPECTED = [
    ("hypertension", "I10"),
    ("type2_diabetes", "E11"),
    ("heart_failure", "I50"),
    ("atrial_fibrillation", "I48"),
    ("cerebral_infarction", "I63"),
    ("copd", "J44"),
    ("bronchial_asthma", "J45"),
    ("gastric_cancer", "C16"),
    ("breast_cancer", "C50"),
    ("prostate_cancer", "C61"),
    ("covid19", "U07.1"),
    ("gout", "M10"),
    ("parkinsons_disease", "G20"),
    ("herpes_zoster", "B02"),
    ("benign_prostatic_hyperplasia", "N40"),
]

# The only web addresses the knowledge base may give: sites whose address is known exactly.
KNOWN_SITES = ("https://www.e-healthnet.mhlw.go.jp/", "https://ganjoho.jp/")


@pytest.fixture(scope="module")
def kb() -> list[DiseaseEntry]:
    return load_disease_kb()


def test_at_least_50_entries_with_unique_ids(kb: list[DiseaseEntry]) -> None:
    assert len(kb) >= 50
    assert len({e.id for e in kb}) == len(kb)


@pytest.mark.parametrize("name", REQUIRED)
def test_required_disease_is_covered(kb: list[DiseaseEntry], name: str) -> None:
    assert any(name in e.name or name in e.aliases for e in kb), name


def test_every_field_is_filled(kb: list[DiseaseEntry]) -> None:
    for e in kb:
        assert e.name.strip() and e.aliases and e.category.strip(), e.id
        assert len(e.overview) >= 60 and len(e.course_and_treatment) >= 60, e.id
        assert len(e.daily_life) >= 3 and all(len(item) >= 8 for item in e.daily_life), e.id
        assert e.see_doctor_urgently and all(len(item) >= 6 for item in e.see_doctor_urgently), e.id


def test_sources_are_named_and_urls_only_from_known_sites(kb: list[DiseaseEntry]) -> None:
    for e in kb:
        assert e.sources, e.id
        for s in e.sources:
            assert s.title.strip() and s.publisher.strip(), e.id
            assert s.url is None or s.url in KNOWN_SITES, (e.id, s.url)


def test_no_entry_claims_clinical_review(kb: list[DiseaseEntry]) -> None:
    assert all(e.reviewed is False for e in kb)


def test_icd10_codes_are_well_formed(kb: list[DiseaseEntry]) -> None:
    for e in kb:
        assert re.fullmatch(ICD10_PATTERN, e.icd10), (e.id, e.icd10)
    cancers = [e for e in kb if e.category == "がん"]
    assert cancers and all(e.icd10.startswith("C") for e in cancers)


@pytest.mark.parametrize(("disease_id", "code"), ICD10_EXPECTED)
def test_icd10_code_matches_the_classification(kb: list[DiseaseEntry], disease_id: str, code: str) -> None:
    assert {e.id: e.icd10 for e in kb}[disease_id] == code


def test_passages_split_each_entry_by_field(kb: list[DiseaseEntry]) -> None:
    passages = disease_passages(kb)
    assert len(passages) == 4 * len(kb)
    assert len({p.id for p in passages}) == len(passages)
    diabetes = {p.metadata["field"]: p for p in passages if p.metadata["disease_id"] == "type2_diabetes"}
    assert set(diabetes) == {"overview", "course_and_treatment", "daily_life", "see_doctor_urgently"}
    advice = diabetes["daily_life"]
    assert advice.text.startswith("・") and advice.text.count("\n") >= 2
    assert advice.metadata["field_label"] == "日常生活の注意"
    assert advice.metadata["icd10"] == "E11" and advice.metadata["reviewed"] is False
    assert advice.metadata["sources"] and "2型糖尿病" in advice.metadata["title"]


GOOD = """
- id: test_disease
  name: テスト病
  aliases: [テスト]
  icd10: {icd}
  category: テスト
  overview: これはテストのための病気の説明文で、二十文字を超える長さがあります。
  course_and_treatment: これはテストのための経過と治療の説明文で、二十文字を超えます。
  daily_life: [一つ目の注意, 二つ目の注意, 三つ目の注意]
  see_doctor_urgently: [すぐに受診するとき]
  sources: [{{title: テスト資料, publisher: テスト出版}}]
  reviewed: false
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_parses(tmp_path: Path) -> None:
    (entry,) = parse_disease_files([_write(tmp_path, "ok.yaml", GOOD.format(icd="A01.1"))])
    assert entry.id == "test_disease" and entry.icd10 == "A01.1"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GOOD.format(icd="I1O"), "icd10"),  # letter O instead of zero
        (
            GOOD.format(icd="I10").replace("  sources: [{title: テスト資料, publisher: テスト出版}]\n", ""),
            "sources",
        ),
        (
            GOOD.format(icd="I10").replace(
                "sources: [{title: テスト資料, publisher: テスト出版}]", "sources: []"
            ),
            "sources",
        ),
        (GOOD.format(icd="I10").replace("  reviewed: false\n", ""), "reviewed"),
        (GOOD.format(icd="I10") + "  extra: 1\n", "extra"),
    ],
)
def test_a_bad_entry_is_refused_naming_file_entry_and_field(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_disease_files([_write(tmp_path, "bad.yaml", text)])
    assert "bad.yaml" in info.value.message and "1 番目" in info.value.message
    assert fragment in info.value.message
    assert info.value.record_id == "test_disease"


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    files = [_write(tmp_path, f"{n}.yaml", GOOD.format(icd="I10")) for n in ("a", "b")]
    with pytest.raises(ConfigError, match="重複"):
        parse_disease_files(files)


def test_a_file_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="リスト"):
        parse_disease_files([_write(tmp_path, "map.yaml", "id: x\n")])
