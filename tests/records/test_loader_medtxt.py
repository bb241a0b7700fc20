"""MedTxt XML loader: text between the tags, gold entities with exact offsets, ids and types."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from karte.records.loaders import LoadProblem, load_path
from karte.records.loaders.medtxt import TAG_TYPES, load_medtxt
from karte.records.models import PatientRecord

MEDTXT = Path(__file__).resolve().parents[2] / "../shared/data/medtxt"
FILES = [
    "MedTxt-CR-EN-train.xml",
    "MedTxt-CR-JA-train.xml",
    "MedTxt-RR-EN-training.xml",
    "MedTxt-RR-JA-training.xml",
]


def _medtxt(name: str) -> Path:
    path = MEDTXT / name
    if not path.is_file():
        pytest.skip(f"MedTxt data not found at {path.resolve()}")
    return path


def _records(items: list[Any]) -> list[PatientRecord]:
    return [x for x in items if isinstance(x, PatientRecord)]


@pytest.mark.parametrize("name", FILES)
def test_gold_offsets_and_tag_counts(name: str) -> None:
    path = _medtxt(name)
    items = list(load_medtxt(path))
    assert [x for x in items if isinstance(x, LoadProblem)] == []
    records = _records(items)
    raw = path.read_text(encoding="utf-8")
    body = raw[raw.index("<articles>") :]
    assert len(records) == len(re.findall(r"<article\s", body))
    found: Counter[str] = Counter()
    for record in records:
        (doc,) = record.documents
        assert record.id == doc.id and doc.patient_id == doc.id
        assert not re.search(r"</?[a-z][\w-]*[\s>]", doc.text), doc.id  # no tag left in the text
        assert not doc.text.startswith("\n") and not doc.text.endswith("\n")
        for g in doc.gold:
            assert doc.text[g.start : g.end] == g.text, (doc.id, g)
            found[g.type] += 1
    opening = Counter(re.findall(r"<([a-z][\w-]*)[\s>]", body))
    expected = {TAG_TYPES[tag]: n for tag, n in opening.items() if tag not in ("articles", "article")}
    assert dict(found) == expected


def test_ids_types_titles_and_attributes() -> None:
    path = _medtxt("MedTxt-CR-JA-train.xml")
    records = {r.id: r for r in _records(list(load_path(path)))}
    doc = records["MedTxt-CR-JP0217-100"].documents[0]
    assert doc.type == "症例報告"
    assert doc.title is not None and doc.title.startswith("非小細胞肺癌に対する")
    assert doc.text.startswith("症例は７０歳，男性．\n")
    first = doc.gold[0]
    assert (first.text, first.type, first.attributes) == ("７０歳", "time", {"type": "age"})
    corrected = next(g for g in doc.gold if "correction" in g.attributes)
    assert (corrected.text, corrected.attributes) == ("血疾", {"certainty": "positive", "correction": "血痰"})

    rr = {r.id: r for r in _records(list(load_path(_medtxt("MedTxt-RR-JA-training.xml"))))}
    assert rr["MedTxt-RR-0"].documents[0].type == "読影レポート"
    assert rr["MedTxt-RR-0"].documents[0].title == "03"
    en = {r.id for r in _records(list(load_path(_medtxt("MedTxt-CR-EN-train.xml"))))}
    assert "MedTxt-CR-EN-JP0217-100" in en and not en & set(records)  # EN and JA can be stored together


SYNTHETIC = """<?xml version="1.0" encoding="utf-8"?>
<root><metadata><name>MedTxt-RR</name><language>JA</language></metadata>
<articles>
<article id="n1" title="nested">
<d certainty="positive"><a>右肺</a>の<f>2cm</f>腫瘤</d>を認める &amp; <x>未知</x>。
</article>
<article id="n1" title="duplicate">
重複
</article>
<article id="e1" title="empty">
</article>
<article id="ok" title="ok">
<d certainty="negative">転移</d>なし。
</article>
</articles></root>
"""


def test_nested_tags_duplicates_and_empty_articles(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.xml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    items = list(load_path(path))
    records = {r.id: r.documents[0] for r in _records(items)}
    assert sorted(records) == ["MedTxt-RR-n1", "MedTxt-RR-ok"]
    doc = records["MedTxt-RR-n1"]
    assert doc.text == "右肺の2cm腫瘤を認める & 未知。"
    spans = [(g.type, g.start, g.end, g.text) for g in doc.gold]
    assert spans == [
        ("disease", 0, 8, "右肺の2cm腫瘤"),
        ("anatomy", 0, 2, "右肺"),
        ("feature", 3, 6, "2cm"),
        ("x", 15, 17, "未知"),
    ]
    problems = [x for x in items if isinstance(x, LoadProblem)]
    kinds = {(p.location, p.type, p.severity) for p in problems}
    assert ("article n1", "duplicate_id", "error") in kinds
    assert ("article e1", "validation_error", "error") in kinds  # empty text
    assert any(p.type == "unknown_tag" and "<x>" in p.message for p in problems)


def test_malformed_xml_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<root><articles><article id='1'>text</articles>", encoding="utf-8")
    (problem,) = list(load_path(path))
    assert isinstance(problem, LoadProblem)
    assert problem.type == "invalid_xml" and problem.location == "line 1"
