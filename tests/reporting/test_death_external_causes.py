"""External causes: the curated tables hold only valid codes, and circumstances code as ICD-10 says."""

from __future__ import annotations

import re

import pytest

from karte.reporting.death.certificate import DeathCertificate
from karte.reporting.death.coder import DeathCoder
from karte.reporting.death.external import external_tables
from karte.reporting.death.tables import death_terms, modification_table
from karte.reporting.resources import load_resource


def _codes(value: object, key: str) -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                out.append(v)
            else:
                out.extend(_codes(v, key))
    elif isinstance(value, list):
        for v in value:
            out.extend(_codes(v, key))
    return out


def test_every_curated_icd10_code_is_in_the_loaded_table(death_coder: DeathCoder) -> None:
    codes = _codes(load_resource("ja", "external_causes.yaml"), "icd10")
    codes += [code for code, _ in death_terms().values()]
    codes += [r.result for r in modification_table().rows if re.match(r"^[A-Z]\d\d", r.result)]
    codes += [v for s in modification_table().sequelae for v in s.mapping.values()]
    transport = load_resource("ja", "transport.yaml")
    codes += [
        transport["train_occupant"]["icd10"],
        *[v for k, v in transport["victim_unknown"].items() if k != "icd11"],
    ]
    bad = sorted({c for c in codes if not death_coder.icd10.validate(c).ok})
    assert not bad, bad


def test_every_curated_icd11_code_is_in_the_who_table(full_icd11_coder: DeathCoder) -> None:
    data = [
        load_resource("ja", "external_causes.yaml"),
        load_resource("ja", "transport.yaml"),
        load_resource("ja", "places.yaml"),
    ]
    codes = [c for d in data for c in _codes(d, "icd11") + _codes(d, "icd11_train") + _codes(d, "icd11_road")]
    for d in data[1:2]:
        for v in d["victims"]:
            codes += list(v["icd11"].values())
    icd11 = full_icd11_coder.icd11

    def ok(code: str) -> bool:
        if code.startswith("X"):  # an extension code: valid when the table has it as an extension
            concept = icd11.lookup(code)
            return concept is not None and concept.kind == "extension"
        return bool(icd11.validate(code).ok)

    bad = sorted({c for c in codes if not ok(c)})
    assert not bad, bad


def test_mechanism_patterns_compile_and_have_every_intent() -> None:
    tables = external_tables()
    for rule in (*tables.rules, *tables.substances):
        assert set(rule.codes) == {"accident", "suicide", "assault", "undetermined"}, rule.id


# Circumstances written for this test (not the dev set), with the ICD-10 category a coder assigns.
CIRCUMSTANCES = [
    ("不慮の外因死（転倒・転落）", "施設の廊下で足がもつれてつまずき転倒した", "W01"),
    ("不慮の外因死（転倒・転落）", "自宅の屋根の雪下ろし中に屋根から転落した", "W13"),
    ("不慮の外因死（転倒・転落）", "夜間トイレに行こうとして車いすからずり落ちた", "W05"),
    ("不慮の外因死（溺水）", "自宅の浴槽内でうつ伏せに沈んでいるところを発見", "W65"),
    ("不慮の外因死（溺水）", "川遊び中に深みにはまり溺れた", "W69"),
    ("不慮の外因死（窒息）", "夕食中にこんにゃくゼリーを喉に詰まらせた", "W79"),
    ("不慮の外因死（煙、火災及び火焔による傷害）", "自宅の火災で逃げ遅れた", "X00"),
    ("不慮の外因死（中毒）", "誤って農薬を飲用した", "X48"),
    ("不慮の外因死（中毒）", "キャンプ中にテント内で炭を燃やし一酸化炭素中毒となった", "X47"),
    ("不慮の外因死（その他）", "農作業中に炎天下で熱中症となった", "X30"),
    ("不慮の外因死（その他）", "雪崩に巻き込まれた", "X36"),
    ("不慮の外因死（交通事故）", "歩道を歩いていたところ、トラックにはねられた", "V04"),
    ("不慮の外因死（交通事故）", "自転車で走行中、乗用車と出会い頭に衝突した", "V13"),
    ("不慮の外因死（交通事故）", "軽自動車を運転中に電柱に衝突した", "V47"),
    ("自殺", "自宅で練炭を燃やした", "X67"),
    ("自殺", "ビルの屋上から飛び降りた", "X80"),
    ("自殺", "包丁で自ら頸部を切った", "X78"),
    ("他殺", "知人に首を絞められた", "X91"),
    ("他殺", "路上で刃物で刺された", "X99"),
    ("その他及び不詳の外因", "海岸で溺死体として発見された", "Y21"),
]


@pytest.mark.parametrize(
    ("manner", "circumstance", "code"), CIRCUMSTANCES, ids=[c[1][:12] for c in CIRCUMSTANCES]
)
def test_circumstance_codes(death_coder: DeathCoder, manner: str, circumstance: str, code: str) -> None:
    cert = DeathCertificate.model_validate(
        {"causes": {"Ia": "多発外傷"}, "manner": manner, "external": {"circumstance": circumstance}}
    )
    result = death_coder.code(cert)
    assert result.external_cause is not None
    assert result.external_cause.icd10[:3] == code, result.external_cause.evidence.rationale
    assert result.underlying.icd10 == result.external_cause.icd10
    assert result.external_cause.icd11 is None or death_coder.icd11.validate(result.external_cause.icd11).ok


def test_place_of_occurrence_and_evidence(death_coder: DeathCoder) -> None:
    cert = DeathCertificate.model_validate(
        {
            "causes": {"Ia": "急性硬膜下血腫"},
            "manner": "不慮の外因死（転倒・転落）",
            "external": {"circumstance": "自宅の階段から転落した", "place": "住居"},
        }
    )
    ext = death_coder.code(cert).external_cause
    assert ext is not None and ext.icd10 == "W10" and ext.place is not None and ext.place.code == "0"
    fields = {s.section for s in ext.evidence.spans}
    assert {"external.circumstance", "external.place"} <= fields
    for s in ext.evidence.spans:
        source = cert.external.circumstance if s.section == "external.circumstance" else cert.external.place  # type: ignore[union-attr]
        assert source is not None and source[s.start : s.end] == s.text


def test_transport_codes_have_no_place(death_coder: DeathCoder) -> None:
    cert = DeathCertificate.model_validate(
        {
            "causes": {"Ia": "多発外傷"},
            "manner": "不慮の外因死（交通事故）",
            "external": {"circumstance": "横断歩道を歩行中に乗用車にはねられた", "place": "道路"},
        }
    )
    ext = death_coder.code(cert).external_cause
    assert ext is not None and ext.icd10 == "V03.1" and ext.place is None


def test_natural_death_has_no_external_cause(death_coder: DeathCoder) -> None:
    cert = DeathCertificate.model_validate(
        {"causes": {"Ia": "誤嚥性肺炎", "Ib": "アルツハイマー型認知症"}, "manner": "病死及び自然死"}
    )
    result = death_coder.code(cert)
    assert result.external_cause is None and result.underlying.icd10 == "G30.9"


def test_full_icd11_table_gives_chapter_23_detail(full_icd11_coder: DeathCoder) -> None:
    cert = DeathCertificate.model_validate(
        {
            "causes": {"Ia": "縊死"},
            "manner": "自殺",
            "external": {"circumstance": "自宅で首を吊った", "place": "住居"},
        }
    )
    ext = full_icd11_coder.code(cert).external_cause
    assert ext is not None and ext.icd10 == "X70"
    assert ext.icd11 == "PC71&XE266"  # self-harm by hanging, at home
