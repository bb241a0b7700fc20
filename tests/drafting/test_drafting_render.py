"""Markdown and HTML for review, and the FHIR document Bundle."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest

from karte.drafting.evaluate import options_for
from karte.drafting.fhir import FhirExportError, validate_bundle
from karte.drafting.models import Issue
from karte.drafting.pipeline import Drafter, DraftResult
from karte.drafting.render_html import render_html
from karte.drafting.render_md import render_markdown
from karte.records.models import PatientRecord


@pytest.fixture(scope="module")
def result(drafter: Drafter, cohort: dict[str, PatientRecord]) -> DraftResult:
    return drafter.draft(cohort["D001"], options_for("discharge_summary"))


def _flag_first_sentence(result: DraftResult) -> DraftResult:
    """A copy whose first cited sentence has one unsupported word, as the guard would mark it."""
    draft = result.draft.model_copy(deep=True)
    section = next(s for s in draft.sections if any(x.citations for x in s.sentences))
    sentence = next(x for x in section.sentences if x.citations)
    sentence.issues = [Issue(kind="drug", text=sentence.text[:2], start=0, end=2, reason="テスト (test)")]
    sentence.supported = False
    return DraftResult(draft, result.sources, result.fhir)


class _Marks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()
        self.links: set[str] = set()
        self.unsupported = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("mark", "span") and a.get("id"):
            self.anchors.add(str(a["id"]))
        if tag == "a" and (a.get("href") or "").startswith("#c"):
            self.links.add(str(a["href"])[1:])
        if tag == "span" and a.get("class") == "unsupported":
            self.unsupported += 1


def test_html_highlights_every_citation_in_its_source(result: DraftResult) -> None:
    flagged = _flag_first_sentence(result)
    page = render_html(flagged.draft, flagged.sources)
    parser = _Marks()
    parser.feed(page)
    cited = {c.key() for s in result.draft.sections for c in s.citations}
    assert len(parser.links) == len(cited)
    assert parser.links <= parser.anchors  # every numbered link lands on a highlighted span
    assert parser.unsupported == 1
    assert "下書き" in page and "要確認" in page and "要記入" in page  # draft banner, flag, gap


def test_html_escapes_source_text(result: DraftResult) -> None:
    sources = dict(result.sources)
    note = sources["D001-doc-1"]
    sources["D001-doc-1"] = note.model_copy(
        update={"text": note.text.replace("右上下肢の脱力", "<b>右上下肢</b>")}
    )
    page = render_html(result.draft, sources)
    assert "<b>右上下肢</b>" not in page and "&lt;b&gt;" in page


def test_markdown_quotes_each_citation(result: DraftResult) -> None:
    text = render_markdown(_flag_first_sentence(result).draft, result.sources)
    assert text.startswith("# 退院時サマリー（下書き・要確認）")
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    notes = set(re.findall(r"^\[\^(\d+)\]:", text, re.M))
    assert refs and refs == notes
    assert "**［要確認:" in text and "［要記入］" in text


def test_fhir_bundle_is_a_valid_preliminary_document(result: DraftResult) -> None:
    bundle = result.fhir
    validate_bundle(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:3] == ["Composition", "Patient", "Device"] and kinds[-1] == "Provenance"
    assert {"Condition", "MedicationStatement"} <= set(kinds)
    composition = bundle["entry"][0]["resource"]
    assert composition["status"] == "preliminary"
    assert composition["type"]["coding"][0]["code"] == "18842-5"
    assert "下書き" in composition["title"]
    codes = {
        c["code"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Condition"
        for c in e["resource"]["code"].get("coding", [])
    }
    assert codes == {"I63.9", "E78.5"}
    sources = [x["what"]["identifier"]["value"] for x in kinds and bundle["entry"][-1]["resource"]["entity"]]
    assert "D001-doc-1" in sources and "D001-doc-5" not in sources


def test_broken_bundles_are_refused(result: DraftResult) -> None:
    dangling = copy.deepcopy(result.fhir)
    dangling["entry"][0]["resource"]["subject"]["reference"] = "urn:uuid:nowhere"
    with pytest.raises(FhirExportError, match="unresolved reference"):
        validate_bundle(dangling)
    wrong = copy.deepcopy(result.fhir)
    wrong["entry"][1]["resource"]["birthDate"] = "not a date"
    with pytest.raises(FhirExportError, match="invalid FHIR R4B"):
        validate_bundle(wrong)
