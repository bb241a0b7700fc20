"""Rules and tables as data: they load, every row has a source, scopes end where they should."""

from __future__ import annotations

import pytest

from karte.extract.context import context_rules
from karte.extract.dictionary import DictionaryMatcher, default_matcher
from karte.extract.resources import load_resource
from karte.extract.terms import Term, curated_terms
from karte.text import normalize

TABLES = {
    "drugs.yaml": "entries",
    "labs.yaml": "test_keys",
    "anatomy.yaml": "entries",
    "abbreviations.yaml": "entries",
}


@pytest.mark.parametrize(("name", "key"), TABLES.items())
def test_every_curated_row_names_a_known_source(name: str, key: str) -> None:
    data = load_resource("ja", name)
    rows = data[key] + (data.get("tests", []) if name == "labs.yaml" else [])
    assert rows
    for row in rows:
        assert data["sources"][row["src"]], row


@pytest.mark.parametrize("name", ["context_rules.yaml", "state_rules.yaml"])
def test_rule_files_load_and_rows_have_sources(name: str) -> None:
    data = load_resource("ja", name)
    for row in [*data["rules"], *data["terminators"]]:
        assert data["sources"][row["src"]], row
    context_rules("ja", name)  # compiles; duplicates would raise


def _category(text: str, finding: str) -> str | None:
    norm = normalize(text).text
    start = norm.index(finding)
    trigger = (
        context_rules()
        .scan(norm)
        .nearest(start, start + len(finding), frozenset({"negative", "suspicious", "general"}))
    )
    return trigger.rule.effective if trigger else None


@pytest.mark.parametrize(
    ("text", "finding", "category"),
    [
        ("肺炎は否定できない。", "肺炎", "suspicious"),  # pseudo-trigger shadows 否定 and ない
        ("肺炎は否定的である。", "肺炎", "negative"),
        ("咳嗽を認めるが、発熱はない。", "咳嗽", None),  # が、 ends the scope
        ("頭痛あり。しかし嘔吐なし。", "頭痛", None),
        ("腫瘤の大きさに著変なし。", "腫瘤", None),  # 著変なし is not a negation of the finding
        ("r/o 肺結核", "肺結核", "suspicious"),  # forward trigger
        ("無再発生存中。", "再発", "negative"),
    ],
)
def test_trigger_scope(text: str, finding: str, category: str | None) -> None:
    assert _category(text, finding) == category


def test_section_boundary_ends_scope() -> None:
    norm = "主訴：発熱\n既往歴：なし"
    triggers = context_rules().scan(norm)
    triggers.add_boundaries([norm.index("既往歴")])
    assert triggers.nearest(3, 5, frozenset({"negative"})) is None


def test_matcher_finds_medis_and_curated_terms() -> None:
    matcher = default_matcher()
    norm = normalize("ＬＶＦＸ投与後、非小細胞肺癌と診断。ＰＳＬ６０ｍｇ。Ｔ４Ｎ０Ｍ０").text
    found = {(norm[m.start : m.end], t.type) for m in matcher.matches(norm) for t in m.terms}
    assert ("LVFX", "medication") in found
    assert ("非小細胞肺癌", "disease") in found
    assert ("PSL", "medication") in found
    assert ("T4", "disease") in found and ("N0", "disease") in found
    for m in matcher.matches(norm):
        for t in m.terms:
            assert t.source


def test_short_ascii_terms_need_their_case_and_word_boundaries() -> None:
    matcher = DictionaryMatcher([Term("Ca", "test_key", "カルシウム", "s"), Term("CT", "test", "CT", "s")])
    text = "Ca 9.0, CA 12, CTRX, CT施行"
    spans = {(m.start, m.end) for m in matcher.matches(text)}
    ct = text.index("CT施行")
    assert spans == {(0, 2), (ct, ct + 2)}


def test_curated_terms_are_normalised() -> None:
    for term in curated_terms():
        assert term.text == normalize(term.text).text
