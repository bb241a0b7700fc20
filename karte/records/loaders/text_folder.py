"""A folder of plain-text notes (``*.txt``, searched recursively), or a single note file.

Layout and naming rules:

* ``ROOT/<patient_id>/…/<name>.txt``: the patient is the first folder under ROOT.
* ``ROOT/<name>.txt`` (directly in ROOT, or a single file given alone): the patient is the part of the
  name before the first ``_`` when that part is not a date (``P0001_2024-03-01_入院時記録.txt`` →
  ``P0001``); otherwise (``2024-03-01_入院時記録.txt``, ``memo.txt``) the patient is ``"unknown"``,
  reported once as a warning.
* The document id is the path relative to ROOT without ``.txt``, with ``/`` kept
  (``P0001/2024-03-01_入院時記録``); for a single file it is the file name without ``.txt``.
* The rest of the name (after the patient prefix, if any) may start with a date ``YYYY-MM-DD`` or
  ``YYYYMMDD`` → :attr:`Document.datetime` (midnight, no time zone), followed by ``_``. If the next
  ``_``-separated part is a known document type (:data:`DOCUMENT_TYPES`) it becomes the type,
  otherwise the type stays the default and that remainder becomes the title.

Each file is decoded on its own (:mod:`karte.records.encoding`): a file converted from Shift_JIS is
loaded with a warning; empty and binary files are errors; the other files still load. Files that are
not ``.txt`` are reported as one warning per suffix; hidden files and folders (``.name``) are ignored.
Documents are grouped into one :class:`PatientRecord` per patient, in sorted path order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from karte.errors import InputError
from karte.records.encoding import describe_encoding, is_utf8, read_text_file
from karte.records.loaders.base import LoadItem, LoadProblem
from karte.records.loaders.jsonl import UNKNOWN_PATIENT, validation_problems
from karte.records.models import Document, PatientRecord

DOCUMENT_TYPES = (
    "入院時記録",
    "経過記録",
    "退院時サマリー",
    "検査結果",
    "手術記録",
    "診療情報提供書",
    "紹介状",
    "看護記録",
    "読影レポート",
    "病理報告",
    "症例報告",
    "外来記録",
)
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:_|$)")
_MAX_EXAMPLES = 5
_Item = LoadItem | tuple[str, Document]  # a problem, a record, or (patient id, document) still to group


class NoteName(BaseModel):
    """What a note's file name says."""

    patient_id: str | None = None
    datetime: dt.datetime | None = None
    type: str | None = None
    title: str | None = None
    bad_date: str | None = None


def parse_note_name(stem: str, *, patient_prefix: bool) -> NoteName:
    """Parse ``[<patient_id>_][<date>_][<type or title>]`` (see the module docstring)."""
    out = NoteName()
    if patient_prefix and "_" in stem and not _DATE.match(stem):
        out.patient_id, stem = stem.split("_", 1)
    m = _DATE.match(stem)
    if m:
        try:
            out.datetime = dt.datetime(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            out.bad_date = m[0].rstrip("_")
        stem = stem[m.end() :]
    if stem:
        head = stem.split("_", 1)[0]
        if head in DOCUMENT_TYPES:
            out.type = head
        else:
            out.title = stem
    return out


class _FolderReader:
    def __init__(self, root: Path, *, single: bool) -> None:
        self.root = root
        self.single = single
        self.unknown: list[str] = []

    def note(self, path: Path, pid: str | None) -> Iterator[_Item]:
        """Read one note; yield its problems and finally ``(patient id, document)`` if it loads."""
        source = str(path)
        rel = path.name if self.single else path.relative_to(self.root).as_posix()
        doc_id = rel[: -len(path.suffix)]
        name = parse_note_name(path.stem, patient_prefix=pid is None)
        patient = pid or name.patient_id
        if patient is None:
            patient = UNKNOWN_PATIENT
            self.unknown.append(rel)
        try:
            text, encoding = read_text_file(path)
        except InputError as exc:
            yield LoadProblem(source=source, record_id=doc_id, type=exc.type, message=exc.message)
            return
        if not is_utf8(encoding):
            yield LoadProblem(
                source=source,
                record_id=doc_id,
                type="converted_encoding",
                severity="warning",
                message=(
                    f"{describe_encoding(encoding)} から UTF-8 に変換して読み込みました "
                    f"(converted from {describe_encoding(encoding)} to UTF-8)"
                ),
            )
        if name.bad_date:
            yield LoadProblem(
                source=source,
                record_id=doc_id,
                type="invalid_date",
                severity="warning",
                field="datetime",
                message=f"ファイル名の日付 {name.bad_date} は存在しない日付です (invalid date in file name)",
            )
        fields: dict[str, object] = {"id": doc_id, "text": text, "source": source}
        fields.update({k: v for k, v in (("datetime", name.datetime), ("type", name.type)) if v is not None})
        if name.title is not None:
            fields["title"] = name.title
        try:
            doc = Document.model_validate(fields)
        except ValidationError as exc:
            yield from validation_problems(exc, source=source, location=None, record_id=doc_id)
            return
        yield patient, doc

    def collect(self, files: list[Path], pid: str | None) -> Iterator[_Item]:
        for path in files:
            yield from self.note(path, pid)

    def read(self) -> Iterator[LoadItem]:
        if self.single:
            yield from self.group(self.collect([self.root], None))
            yield from self.unknown_warning()
            return
        top_files, subdirs, skipped = _scan(self.root)
        yield from _skipped_warnings(self.root, skipped)
        pending = list(self.collect(top_files, None))
        for sub in subdirs:
            pid = sub.name
            from_top = [x for x in pending if isinstance(x, tuple) and x[0] == pid]
            pending = [x for x in pending if not (isinstance(x, tuple) and x[0] == pid)]
            files = sorted(p for p in sub.rglob("*") if _is_note(p, self.root))
            yield from self.group([*from_top, *self.collect(files, pid)])
        yield from self.group(pending)
        yield from self.unknown_warning()

    def group(self, items: Iterable[_Item]) -> Iterator[LoadItem]:
        docs: dict[str, list[Document]] = {}
        for item in items:
            if isinstance(item, tuple):
                docs.setdefault(item[0], []).append(item[1])
            else:
                yield item
        for pid, patient_docs in docs.items():
            try:
                yield PatientRecord(id=pid, documents=patient_docs)
            except ValidationError as exc:
                yield from validation_problems(exc, source=str(self.root), location=None, record_id=pid)

    def unknown_warning(self) -> Iterator[LoadProblem]:
        if not self.unknown:
            return
        examples = ", ".join(self.unknown[:_MAX_EXAMPLES]) + (
            " …" if len(self.unknown) > _MAX_EXAMPLES else ""
        )
        yield LoadProblem(
            source=str(self.root),
            type="unknown_patient",
            severity="warning",
            field="patient_id",
            record_id=UNKNOWN_PATIENT,
            message=(
                f"患者が分からない文書 {len(self.unknown)} 件を患者 {UNKNOWN_PATIENT!r} に入れました: "
                f"{examples}。"
                f"患者ごとのフォルダに置くか、ファイル名を <患者ID>_… にしてください "
                f"({len(self.unknown)} note(s) without a patient folder or <patient_id>_ prefix "
                "were assigned "
                f"to patient {UNKNOWN_PATIENT!r})"
            ),
        )


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _is_note(path: Path, root: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".txt" and not _hidden(path, root)


def _scan(root: Path) -> tuple[list[Path], list[Path], dict[str, list[Path]]]:
    """Top-level notes, patient folders, and the non-note files (by suffix) anywhere under root."""
    top = sorted(p for p in root.iterdir() if _is_note(p, root))
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not _hidden(p, root))
    skipped: dict[str, list[Path]] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not _hidden(p, root) and p.suffix.lower() != ".txt":
            skipped.setdefault(p.suffix.lower() or "(なし)", []).append(p)
    return top, subdirs, skipped


def _skipped_warnings(root: Path, skipped: dict[str, list[Path]]) -> Iterator[LoadProblem]:
    for suffix, paths in skipped.items():
        names = ", ".join(p.relative_to(root).as_posix() for p in paths[:_MAX_EXAMPLES])
        yield LoadProblem(
            source=str(root),
            type="skipped_file",
            severity="warning",
            message=(
                f"テキスト (.txt) ではないファイル {len(paths)} 件 ({suffix}) を読み込みませんでした: "
                f"{names} "
                f"(skipped {len(paths)} file(s) that are not .txt notes)"
            ),
        )


def load_text_folder(path: Path) -> Iterator[LoadItem]:
    """Load a folder of ``.txt`` notes, or a single ``.txt`` note, grouped into patient records."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: ファイルまたはフォルダが見つかりません (path not found)", type="not_found")
    return _FolderReader(p, single=p.is_file()).read()
