"""The texts a draft may cite: the notes, and plain renderings of the structured chart.

Structured data (problem list, prescriptions, results, allergies, the list of notes with their dates)
has no text of its own, so each kind is rendered once into a small text document, one item per line
(``D001#medications`` …), and facts cite spans of those lines. The rendering is deterministic, so the
same record always yields the same text and offsets; the rendered documents are returned with the
draft, so every citation can be checked against ``text[start:end]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from karte.drafting.models import Citation, SourceDocument, SourceKind
from karte.records.models import Allergy, Condition, Document, Medication, Observation, PatientRecord

SEPARATOR = "｜"
STATUS_JA = {"active": "継続中", "completed": "終了", "stopped": "中止", "on-hold": "休止"}


@dataclass
class Part:
    """A span of a rendered line: its key (name, dosage, date …) and offsets in the rendered text."""

    key: str
    start: int
    end: int


@dataclass
class RenderedLine:
    item_id: str
    start: int
    end: int
    parts: dict[str, Part] = field(default_factory=dict)

    def citation(self, document: str, key: str | None = None) -> Citation:
        if key is not None and key in self.parts:
            p = self.parts[key]
            return Citation(document=document, start=p.start, end=p.end)
        return Citation(document=document, start=self.start, end=self.end)


class Rendering:
    """Builds one rendered document line by line, remembering where each part lies."""

    def __init__(self, document_id: str, type_: str, title: str, kind: SourceKind = "chart") -> None:
        self.document_id = document_id
        self.kind: SourceKind = kind
        self.type = type_
        self.title = title
        self._text = ""
        self.lines: list[RenderedLine] = []

    def add(self, item_id: str, parts: Iterable[tuple[str, str | None]]) -> RenderedLine:
        """Append one line made of ``(key, text)`` parts (empty parts are left out)."""
        if self._text:
            self._text += "\n"
        line = RenderedLine(item_id, len(self._text), len(self._text))
        first = True
        for key, value in parts:
            if not value:
                continue
            if not first:
                self._text += SEPARATOR
            first = False
            start = len(self._text)
            self._text += value
            line.parts[key] = Part(key, start, len(self._text))
        line.end = len(self._text)
        self.lines.append(line)
        return line

    def document(self) -> SourceDocument:
        return SourceDocument(
            id=self.document_id, kind=self.kind, type=self.type, title=self.title, text=self._text
        )


def _when(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


@dataclass
class ChartSources:
    """Every source of one patient: notes first, then the renderings, with line maps for the facts."""

    patient_id: str
    notes: list[Document]
    documents: dict[str, SourceDocument]
    note_lines: dict[str, RenderedLine]  # note id → its line in the list of notes
    conditions: list[tuple[Condition, RenderedLine]]
    medications: list[tuple[Medication, RenderedLine]]
    observations: list[tuple[Observation, RenderedLine]]
    allergies: list[tuple[Allergy, RenderedLine]]
    list_id: str

    def add(self, source: SourceDocument) -> None:
        self.documents[source.id] = source

    def text(self, document_id: str) -> str:
        return self.documents[document_id].text


def note_sort_key(doc: Document) -> tuple[int, str, str]:
    """Notes in time order; undated notes last, in input order of their ids."""
    if doc.datetime is None:
        return (1, "", doc.id)
    return (0, doc.datetime.isoformat(), doc.id)


def build_sources(record: PatientRecord, notes: list[Document]) -> ChartSources:
    """The notes to draft from (already selected) and the renderings of ``record``'s structured data."""
    pid = record.id
    documents: dict[str, SourceDocument] = {}
    ordered = sorted(notes, key=note_sort_key)
    for doc in ordered:
        documents[doc.id] = SourceDocument(
            id=doc.id, kind="note", type=doc.type, date=doc.datetime, title=doc.title, text=doc.text
        )
    listing = Rendering(f"{pid}#documents", "記録一覧", "記録一覧 (list of notes)")
    note_lines = {
        doc.id: listing.add(
            doc.id,
            [("id", doc.id), ("type", doc.type), ("date", _when(doc.datetime)), ("title", doc.title)],
        )
        for doc in ordered
    }
    renderings = [listing]

    conditions = Rendering(f"{pid}#conditions", "問題リスト", "病名・問題リスト (problem list)")
    cond_lines = []
    for c in record.conditions:
        codes = "、".join(f"{_system_label(k.system)} {k.code}" for k in c.codes)
        cond_lines.append(
            (
                c,
                conditions.add(
                    c.id,
                    [
                        ("name", c.name),
                        ("codes", codes),
                        ("status", c.clinical_status),
                        ("onset", f"発症 {c.onset.isoformat()}" if c.onset else None),
                    ],
                ),
            )
        )
    meds = Rendering(f"{pid}#medications", "処方", "処方・投薬 (medications)")
    med_lines = []
    for m in record.medications:
        status = f"{STATUS_JA.get(m.status, m.status)}（{m.status}）" if m.status else None
        med_lines.append(
            (
                m,
                meds.add(
                    m.id,
                    [
                        ("name", m.name),
                        ("dosage", m.dosage),
                        ("status", status),
                        ("start", f"開始 {m.start.isoformat()}" if m.start else None),
                        ("end", f"終了 {m.end.isoformat()}" if m.end else None),
                        ("reason", f"理由 {m.reason}" if m.reason else None),
                    ],
                ),
            )
        )
    obs = Rendering(f"{pid}#observations", "検査結果", "検査結果 (results)")
    obs_lines = []
    for o in sorted(record.observations, key=lambda o: (o.datetime is None, o.datetime or dt.datetime.min)):
        obs_lines.append((o, obs.add(o.id, _observation_parts(o))))
    allergy = Rendering(f"{pid}#allergies", "アレルギー", "アレルギー (allergies)")
    allergy_lines = [
        (
            a,
            allergy.add(
                a.id,
                [
                    ("substance", a.substance),
                    ("reaction", a.reaction and f"反応 {a.reaction}"),
                    ("category", a.category),
                ],
            ),
        )
        for a in record.allergies
    ]
    for r in (conditions, meds, obs, allergy):
        if r.lines:
            renderings.append(r)
    for r in renderings:
        documents[r.document_id] = r.document()
    return ChartSources(
        patient_id=pid,
        notes=ordered,
        documents=documents,
        note_lines=note_lines,
        conditions=cond_lines,
        medications=med_lines,
        observations=obs_lines,
        allergies=allergy_lines,
        list_id=listing.document_id,
    )


def _observation_parts(o: Observation) -> list[tuple[str, str | None]]:
    value: str | None
    if o.value is not None:
        value = f"{o.value:g} {o.unit}" if o.unit else f"{o.value:g}"
    else:
        value = o.value_text
    reference = o.reference_text
    if reference is None and (o.reference_low is not None or o.reference_high is not None):
        low = f"{o.reference_low:g}" if o.reference_low is not None else ""
        high = f"{o.reference_high:g}" if o.reference_high is not None else ""
        reference = f"基準 {low}–{high}"
    return [("date", _when(o.datetime)), ("name", o.local_name), ("value", value), ("reference", reference)]


def _system_label(system: str) -> str:
    return "ICD-10" if system.rstrip("/").endswith("icd-10") else system


def request_source(
    patient_id: str, lines: list[tuple[str, str]]
) -> tuple[SourceDocument, dict[str, Citation]]:
    """The user's own request (recipient, purpose of a referral) as a citable document."""
    rendering = Rendering(f"{patient_id}#request", "依頼", "作成依頼 (request)", kind="request")
    cites: dict[str, Citation] = {}
    for key, value in lines:
        line = rendering.add(key, [("label", _REQUEST_LABELS.get(key, key)), ("value", value)])
        cites[key] = line.citation(rendering.document_id, "value")
    return rendering.document(), cites


_REQUEST_LABELS = {
    "institution": "紹介先医療機関",
    "department": "診療科",
    "doctor": "担当医",
    "purpose": "紹介目的",
}
