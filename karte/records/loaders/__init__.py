"""Loaders: read clinical records from files and folders into :class:`PatientRecord` items.

:func:`load_path` picks the loader from what the path is:

* ``.jsonl`` / ``.ndjson``: FHIR when the first JSON objects carry ``resourceType`` (Bundles or resources
  one per line), else Karte's own JSONL;
* ``.json``: FHIR (a Bundle or a resource; anything else is refused);
* ``.xml``: MedTxt; ``.txt``: a single note;
* a folder: FHIR when it holds ``.json``/``.ndjson`` files with FHIR content, else a folder of ``.txt``
  notes, else a folder of MedTxt ``.xml`` files.

Every loader yields :class:`PatientRecord` and :class:`LoadProblem` items; problems name the source,
the location and the field, and never stop the other records from loading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from karte.errors import InputError
from karte.records.encoding import decode_line
from karte.records.loaders.base import LoadItem, LoadProblem
from karte.records.loaders.fhir import load_fhir
from karte.records.loaders.jsonl import load_jsonl
from karte.records.loaders.medtxt import load_medtxt
from karte.records.loaders.text_folder import load_text_folder

__all__ = [
    "LoadItem",
    "LoadProblem",
    "load_fhir",
    "load_jsonl",
    "load_medtxt",
    "load_path",
    "load_text_folder",
]

_SNIFF_LINES = 5
_SNIFF_BYTES = 4096
_RESOURCE_TYPE_FIRST = re.compile(rb'^\s*\{\s*"resourceType"\s*:')
_JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")


def _lines_are_fhir(path: Path) -> bool:
    """Whether the first JSON value of a line-oriented file is an object with ``resourceType``."""
    with path.open("rb") as f:
        for n, raw in enumerate(islice(f, _SNIFF_LINES), start=1):
            try:
                line = decode_line(raw, source=str(path), line=n)[0]
                if not line.strip():
                    continue
                value = json.loads(line)
            except (InputError, json.JSONDecodeError):
                continue
            return isinstance(value, dict) and "resourceType" in value
    return False


def _json_is_fhir(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES).lstrip(b"\xef\xbb\xbf")
    if _RESOURCE_TYPE_FIRST.match(head):
        return True
    try:
        value = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return b'"resourceType"' in head  # let the FHIR loader report what is wrong with it
    return isinstance(value, dict) and "resourceType" in value


def _is_fhir(path: Path) -> bool:
    return _json_is_fhir(path) if path.suffix.lower() == ".json" else _lines_are_fhir(path)


def _folder_kind(root: Path) -> str | None:
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    suffixes = {p.suffix.lower() for p in files}
    json_files = sorted(p for p in files if p.suffix.lower() in _JSON_SUFFIXES)
    if json_files and any(_is_fhir(p) for p in json_files[:_SNIFF_LINES]):
        return "fhir"
    if ".txt" in suffixes:
        return "text"
    if ".xml" in suffixes:
        return "medtxt"
    return None


def load_path(path: Path | str) -> Iterator[LoadItem]:
    """Load records from ``path`` with the loader its kind calls for (see the module docstring).

    Raises :class:`InputError` at once when the path does not exist or its kind is not supported;
    problems inside a supported file are yielded as :class:`LoadProblem` items.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: ファイルまたはフォルダが見つかりません (path not found)", type="not_found")
    if p.is_dir():
        kind = _folder_kind(p)
        if kind == "fhir":
            return load_fhir(p)
        if kind == "text":
            return load_text_folder(p)
        if kind == "medtxt":
            return load_medtxt(p)
        raise InputError(
            f"{p}: 読み込めるファイル (.txt, FHIR の .json/.ndjson, MedTxt の .xml) がありません "
            "(folder has no .txt notes, FHIR .json/.ndjson or MedTxt .xml files)",
            type="unsupported_input",
        )
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return load_fhir(p) if _lines_are_fhir(p) else load_jsonl(p)
    if suffix == ".json":
        if _json_is_fhir(p):
            return load_fhir(p)
        raise InputError(
            f"{p}: resourceType がないため FHIR の JSON ではありません。Karte の記録は .jsonl にしてください "
            "(not a FHIR resource; Karte records go in .jsonl files)",
            type="unsupported_input",
        )
    if suffix == ".xml":
        return load_medtxt(p)
    if suffix == ".txt":
        return load_text_folder(p)
    raise InputError(
        f"{p}: 対応していないファイル形式です ({suffix or '拡張子なし'})。"
        ".jsonl, .ndjson, .json, .xml, .txt またはフォルダを指定してください "
        f"(unsupported file type {suffix or '(none)'!r})",
        type="unsupported_input",
    )
