"""MedTxt XML (NTCIR-16 Real-MedNLP: MedTxt-CR case reports, MedTxt-RR radiology reports, PRISM tags).

Each ``<article id=… title=…>`` becomes one :class:`Document` in a :class:`PatientRecord` of its own
(patient id = document id, as the articles are unrelated patients):

* id ``<metadata name>-<article id>`` (``MedTxt-CR-JP0217-100``); for a language other than Japanese the
  language is added (``MedTxt-CR-EN-JP0217-100``) so that the English and Japanese files can be stored
  together;
* type ``症例報告`` (CR) or ``読影レポート`` (RR); the article title is kept as the title;
* text: exactly the characters between the tags (XML entities resolved), with the one line break that
  follows ``<article>`` and the one that precedes ``</article>`` removed (never one inside a tag);
* ``gold``: one :class:`GoldEntity` per tag, offsets into that text (nested tags each get their own
  span), type mapped by :data:`TAG_TYPES`, all attributes (certainty, state, type, correction …) kept.

A tag not in :data:`TAG_TYPES` is kept under its own name, with one warning per file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from karte.errors import InputError
from karte.records.loaders.base import LoadItem, LoadProblem
from karte.records.loaders.jsonl import validation_problems
from karte.records.models import Document, GoldEntity, PatientRecord

TAG_TYPES = {
    "d": "disease",
    "a": "anatomy",
    "f": "feature",
    "c": "change",
    "timex3": "time",
    "t-test": "test",
    "t-key": "test_key",
    "t-val": "test_value",
    "m-key": "medication",
    "m-val": "medication_value",
    "r": "remedy",
    "cc": "clinical_context",
    "p": "pending",
}
DOCUMENT_TYPES = {"CR": "症例報告", "RR": "読影レポート"}
_JAPANESE = ("JA", "JP", "")


class ArticleText(BaseModel):
    """The plain text of an article and its tagged spans (``(start, end, tag, attributes)``)."""

    text: str
    spans: list[tuple[int, int, str, dict[str, str]]]


def article_text(article: ET.Element) -> ArticleText:
    """Text between the tags of ``article`` and the span of every (possibly nested) tag in it."""
    parts: list[str] = []
    spans: list[tuple[int, int, str, dict[str, str]]] = []
    pos = 0

    def walk(el: ET.Element) -> None:
        nonlocal pos
        if el.text:
            parts.append(el.text)
            pos += len(el.text)
        for child in el:
            start = pos
            walk(child)
            spans.append((start, pos, str(child.tag), {k: str(v) for k, v in child.attrib.items()}))
            if child.tail:
                parts.append(child.tail)
                pos += len(child.tail)

    walk(article)
    full = "".join(parts)
    first = min((s for s, *_ in spans), default=len(full))
    last = max((e for _, e, *_ in spans), default=0)
    lead = 1 if full[:1] == "\n" and first > 0 else 0
    end = len(full) - 1 if full[-1:] == "\n" and last < len(full) and len(full) - 1 >= lead else len(full)
    text = full[lead:end]
    spans.sort(key=lambda s: (s[0], -s[1]))
    return ArticleText(text=text, spans=[(s - lead, e - lead, tag, attrs) for s, e, tag, attrs in spans])


def _dataset_type(name: str) -> str | None:
    return next((t for key, t in DOCUMENT_TYPES.items() if name.upper().endswith(key)), None)


def _read(path: Path) -> Iterator[LoadItem]:
    source = str(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        line, column = exc.position
        yield LoadProblem(
            source=source,
            location=f"line {line}",
            type="invalid_xml",
            message=f"XML として読めません ({line} 行 {column} 文字目) (not well-formed XML: {exc})",
        )
        return
    name = (root.findtext("metadata/name") or path.stem).strip()
    language = (root.findtext("metadata/language") or "").strip().upper()
    prefix = name if language in _JAPANESE else f"{name}-{language}"
    doc_type = _dataset_type(name)
    if doc_type is None:
        yield LoadProblem(
            source=source,
            type="unknown_dataset",
            severity="warning",
            field="metadata/name",
            message=f"データセット名 {name!r} が CR でも RR でもないため、文書の種類は既定値にします "
            f"(dataset {name!r} is neither MedTxt-CR nor MedTxt-RR: default document type used)",
        )
    seen: set[str] = set()
    unknown: Counter[str] = Counter()
    for i, article in enumerate(root.iter("article"), start=1):
        aid = (article.get("id") or "").strip()
        location = f"article {aid}" if aid else f"article #{i}"
        if not aid or aid in seen:
            yield LoadProblem(
                source=source,
                location=location,
                type="duplicate_id" if aid else "missing_id",
                field="id",
                message=f"記事 ID {aid!r} が重複しています (duplicate article id)"
                if aid
                else "記事に id がありません (article has no id)",
            )
            continue
        seen.add(aid)
        doc_id = f"{prefix}-{aid}"
        art = article_text(article)
        unknown.update(tag for *_, tag, _ in art.spans if tag not in TAG_TYPES)
        gold = [
            GoldEntity(start=s, end=e, text=art.text[s:e], type=TAG_TYPES.get(tag, tag), attributes=attrs)
            for s, e, tag, attrs in art.spans
        ]
        fields = {
            "id": doc_id,
            "text": art.text,
            "title": article.get("title"),
            "gold": gold,
            "source": source,
        }
        if doc_type:
            fields["type"] = doc_type
        try:
            yield PatientRecord(id=doc_id, documents=[Document.model_validate(fields)])
        except ValidationError as exc:
            yield from validation_problems(exc, source=source, location=location, record_id=doc_id)
    for tag, n in unknown.items():
        yield LoadProblem(
            source=source,
            type="unknown_tag",
            severity="warning",
            message=f"未知のタグ <{tag}> ({n}件) はタグ名のまま読み込みました "
            f"(unknown tag <{tag}> kept as type {tag!r})",
        )


def load_medtxt(path: Path) -> Iterator[LoadItem]:
    """Load one MedTxt XML file, or every ``*.xml`` in a folder (sorted)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: ファイルまたはフォルダが見つかりません (path not found)", type="not_found")
    files = sorted(p.rglob("*.xml")) if p.is_dir() else [p]
    return (item for f in files for item in _read(f))
