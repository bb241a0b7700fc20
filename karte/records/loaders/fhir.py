"""FHIR R4 input: a ``.json`` Bundle or resource, ``.ndjson`` (one Bundle or resource per line), or a folder.

Each resource of a supported type is validated with ``fhir.resources.R4B``; one that does not validate
is still read from its plain JSON, with a warning, when the fields Karte needs are there (the mapping
itself is in :mod:`karte.records.loaders.fhir_map`):

* Patient → the patient of a :class:`PatientRecord`;
* DocumentReference (``content.attachment.data``, base64) and Composition (sections) → :class:`Document`;
* Observation, MedicationStatement, AllergyIntolerance, Condition → the models of the same names.

Subjects are resolved within one Bundle (``Patient/ID``, absolute URLs, ``urn:uuid`` fullUrls); a
resource whose patient is not in it is an error. Other resource types (Encounter …) are skipped with
one warning per Bundle and type. Resources on their own (not in a Bundle) are collected from the whole
file or folder and resolved together at the end. An id seen twice in one load (per kind) is an error.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import BaseModel, ValidationError

from karte.errors import InputError
from karte.records.encoding import decode_line, describe_encoding, is_utf8, read_text_file
from karte.records.loaders.base import LoadItem, LoadProblem
from karte.records.loaders.fhir_map import (
    JSON,
    MapError,
    ResourceMapper,
    cc_text,
    karte_id,
    obj,
    objs,
    reference_target,
    text,
)
from karte.records.loaders.jsonl import format_loc, validation_problems
from karte.records.models import Allergy, Condition, Document, Medication, Observation, PatientRecord

CHILD_TYPES: dict[str, tuple[str, type[BaseModel], str]] = {
    "DocumentReference": ("documents", Document, "subject"),
    "Composition": ("documents", Document, "subject"),
    "Observation": ("observations", Observation, "subject"),
    "MedicationStatement": ("medications", Medication, "subject"),
    "AllergyIntolerance": ("allergies", Allergy, "patient"),
    "Condition": ("conditions", Condition, "subject"),
}
Entry = tuple[JSON, str, str | None]  # resource, location, fullUrl


class _Group:
    """The resources of one Bundle (or the loose resources of a file/folder), resolved together."""

    def __init__(self, source: str, seen: set[tuple[str, str]]) -> None:
        self.source = source
        self.seen = seen  # (kind, Karte id) loaded so far in this load, shared by its groups
        self.urls: dict[str, tuple[str, str]] = {}  # fullUrl → (resourceType, FHIR id)
        self.patients: dict[str, PatientRecord] = {}  # FHIR Patient id → record
        self.location: str | None = None
        self.rid: str | None = None

    def problem(
        self, type: str, message: str, *, field: str | None = None, warning: bool = False
    ) -> LoadProblem:
        return LoadProblem(
            source=self.source,
            location=self.location,
            record_id=self.rid,
            type=type,
            message=message,
            field=field,
            severity="warning" if warning else "error",
        )

    def run(self, entries: list[Entry]) -> Iterator[LoadItem]:
        conditions: dict[str, str] = {}
        for res, _, url in entries:
            rt, fhir_id = str(res.get("resourceType")), text(res.get("id"))
            if url and fhir_id:
                self.urls[url] = (rt, fhir_id)
            if rt == "Condition" and fhir_id:
                conditions[f"Condition/{fhir_id}"] = cc_text(obj(res.get("code"))) or fhir_id
        mapper = ResourceMapper(conditions)
        unsupported: Counter[str] = Counter()
        for res, location, _ in sorted(entries, key=lambda e: e[0].get("resourceType") != "Patient"):
            rt = str(res.get("resourceType"))
            self.location, self.rid = f"{location} ({rt}/{res.get('id', '?')})", karte_id(res)
            if rt != "Patient" and rt not in CHILD_TYPES:
                unsupported[rt] += 1
                continue
            yield from self.validate(res, rt)
            try:
                yield from self.resource(res, rt, mapper)
            except MapError as exc:
                yield self.problem("invalid_resource", exc.message, field=exc.field)
        yield from self.patients.values()
        self.location, self.rid = None, None
        for rt, n in unsupported.items():
            yield self.problem(
                "unsupported_resource",
                f"未対応のリソース型 {rt} ({n}件) をスキップしました "
                f"(skipped {n} unsupported {rt} resources)",
                warning=True,
            )

    def validate(self, res: JSON, rt: str) -> Iterator[LoadProblem]:
        try:
            get_fhir_model_class(rt).model_validate(res)
        except ValidationError as exc:
            errs = exc.errors(include_input=False, include_url=False)
            yield self.problem(
                "fhir_validation",
                f"FHIR R4 として不正です ({len(errs)} 件、例: {errs[0]['msg']})。読める項目だけ読み込みます "
                "(does not validate as FHIR R4; read from plain JSON)",
                field=format_loc(errs[0]["loc"]),
                warning=True,
            )

    def resource(self, res: JSON, rt: str, mapper: ResourceMapper) -> Iterator[LoadProblem]:
        if self.rid is None:
            raise MapError(f"{rt} に id がありません ({rt} has no id)", "id")
        if rt == "Patient":
            fhir_id = text(res.get("id"))
            if fhir_id is None:
                raise MapError("Patient に id がありません (Patient has no id)", "id")
            fields = mapper.fields(res)
            yield from self.warnings(mapper)
            self.check_new("patients", self.rid)
            record = yield from self.build(PatientRecord, {"id": self.rid, **fields})
            if record is not None:
                self.patients[fhir_id] = record
                self.seen.add(("patients", self.rid))
            return
        kind, model, ref_field = CHILD_TYPES[rt]
        record = self.patient_of(obj(res.get(ref_field)), ref_field)
        fields = mapper.fields(res)
        yield from self.warnings(mapper)
        if model is Document:
            fields["source"] = self.source
        self.check_new(kind, self.rid)
        item = yield from self.build(model, {"id": self.rid, "patient_id": record.id, **fields})
        if item is not None:
            getattr(record, kind).append(item)
            self.seen.add((kind, self.rid))

    def check_new(self, kind: str, rid: str) -> None:
        if (kind, rid) in self.seen:
            raise MapError(f"ID {rid!r} が重複しています ({kind}) (duplicate {kind} id)", "id")

    def warnings(self, mapper: ResourceMapper) -> Iterator[LoadProblem]:
        for type, message, field in mapper.warnings:
            yield self.problem(type, message, field=field, warning=True)

    def build(self, model: type[BaseModel], fields: JSON) -> Generator[LoadProblem, None, Any]:
        try:
            return model.model_validate(fields)
        except ValidationError as exc:
            yield from validation_problems(
                exc, source=self.source, location=self.location, record_id=self.rid
            )
            return None

    def patient_of(self, ref: JSON | None, field: str) -> PatientRecord:
        reference = text(obj(ref).get("reference"))
        if reference is None:
            raise MapError("患者への参照がありません (no patient reference)", field)
        rt, fhir_id = self.urls.get(reference) or reference_target(reference)
        if rt != "Patient" or fhir_id not in self.patients:
            raise MapError(
                f"参照先の患者 {reference} がこのバンドルにありません (patient not in this bundle)", field
            )
        return self.patients[fhir_id]


def _json_problem(source: str, location: str | None, exc: json.JSONDecodeError) -> LoadProblem:
    return LoadProblem(
        source=source,
        location=location,
        type="invalid_json",
        message=f"JSON として読めません: {exc.msg} (not valid JSON: {exc.msg} at column {exc.colno})",
    )


class _Loader:
    """One call of :func:`load_fhir`: patients seen so far, and resources outside Bundles kept for the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: set[tuple[str, str]] = set()
        self.loose: list[Entry] = []

    def value(self, value: Any, path: Path, where: str | None) -> Iterator[LoadItem]:
        source = str(path)
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            yield LoadProblem(
                source=source,
                location=where,
                type="not_fhir",
                field="resourceType",
                message="resourceType がないため FHIR リソースではありません "
                "(not a FHIR resource: no resourceType)",
            )
        elif value["resourceType"] == "Bundle":
            prefix = f"{where}, " if where else ""
            entries = [
                (obj(e.get("resource")), f"{prefix}entry {i}", text(e.get("fullUrl")))
                for i, e in enumerate(objs(value.get("entry")))
            ]
            for res, location, _ in entries:
                if not isinstance(res.get("resourceType"), str):
                    yield LoadProblem(
                        source=source,
                        location=location,
                        type="not_fhir",
                        field="resource",
                        message="entry にリソースがありません (entry has no resource)",
                    )
            yield from _Group(source, self.seen).run(
                [e for e in entries if isinstance(e[0].get("resourceType"), str)]
            )
        else:
            name = path.name if path == self.root else path.relative_to(self.root).as_posix()
            self.loose.append((value, f"{name}, {where}" if where else name, None))

    def file(self, path: Path) -> Iterator[LoadItem]:
        source = str(path)
        if path.suffix.lower() in (".ndjson", ".jsonl"):
            yield from self.ndjson(path)
            return
        try:
            content, enc = read_text_file(path)
            value = json.loads(content)
        except InputError as exc:
            yield LoadProblem(source=source, type=exc.type, message=exc.message)
            return
        except json.JSONDecodeError as exc:
            yield _json_problem(source, f"line {exc.lineno}", exc)
            return
        if not is_utf8(enc):
            name = describe_encoding(enc)
            yield LoadProblem(
                source=source,
                type="converted_encoding",
                severity="warning",
                message=f"{name} から変換しました (converted from {name})",
            )
        yield from self.value(value, path, None)

    def ndjson(self, path: Path) -> Iterator[LoadItem]:
        source = str(path)
        with path.open("rb") as f:
            for n, raw in enumerate(f, start=1):
                try:
                    line, _ = decode_line(raw, source=source, line=n)
                    if line.strip():
                        yield from self.value(json.loads(line), path, f"line {n}")
                except InputError as exc:
                    yield LoadProblem(source=source, location=f"line {n}", type=exc.type, message=exc.message)
                except json.JSONDecodeError as exc:
                    yield _json_problem(source, f"line {n}", exc)

    def flush(self) -> Iterator[LoadItem]:
        if self.loose:
            yield from _Group(str(self.root), self.seen).run(self.loose)
            self.loose = []


def load_fhir(path: Path) -> Iterator[LoadItem]:
    """Load FHIR R4 from a ``.json`` / ``.ndjson`` file or a folder of them (searched recursively)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: ファイルまたはフォルダが見つかりません (path not found)", type="not_found")
    return _load(p)


def _load(root: Path) -> Iterator[LoadItem]:
    loader = _Loader(root)
    if root.is_file():
        yield from loader.file(root)
    else:
        for path in sorted(x for x in root.rglob("*") if x.is_file() and not x.name.startswith(".")):
            if path.suffix.lower() in (".json", ".ndjson", ".jsonl"):
                yield from loader.file(path)
            else:
                yield LoadProblem(
                    source=str(path),
                    type="skipped_file",
                    severity="warning",
                    message="FHIR の JSON ではないため読み込みませんでした "
                    "(skipped: not a .json/.ndjson file)",
                )
    yield from loader.flush()
