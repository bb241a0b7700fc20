"""The built-in Japanese disease knowledge base and its search index.

Entries live in ``karte/knowledge/resources/ja/diseases/*.yaml`` (one list of entries per file)
and are validated by :class:`DiseaseEntry` when loaded. Each entry becomes four passages, one per
field (どんな病気か, 経過と治療, 日常生活の注意, すぐに受診が必要なとき), so that a caller can cite the
part it uses; every passage carries the disease id, name, ICD-10 code, field, sources and the
``reviewed`` flag in its metadata.

:func:`disease_index` builds the index once per process. The built index is also kept on disk
under ``<model_cache>/knowledge/diseases-<digest>`` (the digest covers the YAML files, the
analyzer, the encoder version and the index settings), so later processes load it in a fraction
of the build time; a damaged cache is rebuilt, and a cache that cannot be written only costs time.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from karte.config import get_settings
from karte.errors import ConfigError, KarteError
from karte.knowledge.models import FIELD_LABELS, DiseaseEntry, DiseaseField
from karte.retrieval import dense as dense_encoder
from karte.retrieval.analyzer import ANALYZER_VERSION
from karte.retrieval.index import KnowledgeIndex
from karte.retrieval.models import IndexConfig, Passage
from karte.retrieval.storage import FORMAT_VERSION

log = logging.getLogger(__name__)

PASSAGES_VERSION = "2"  # bump when disease_passages() changes what it indexes
_FIELDS: tuple[DiseaseField, ...] = ("overview", "course_and_treatment", "daily_life", "see_doctor_urgently")

_lock = threading.RLock()
_kb: list[DiseaseEntry] | None = None
_index: KnowledgeIndex | None = None


def _resource_files(lang: str) -> list[Any]:
    folder = resources.files("karte.knowledge").joinpath("resources", lang, "diseases")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def _parse_file(ref: Any) -> list[DiseaseEntry]:
    name = f"karte/knowledge/resources/ja/diseases/{ref.name}"
    try:
        raw = yaml.safe_load(ref.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"疾患知識ベース {name} を読めません: {exc} (invalid YAML)", field=name) from exc
    if not isinstance(raw, list):
        raise ConfigError(f"疾患知識ベース {name} は項目のリストではありません (expected a list)", field=name)
    entries: list[DiseaseEntry] = []
    for n, item in enumerate(raw, start=1):
        label = item.get("id") if isinstance(item, dict) else None
        try:
            entries.append(DiseaseEntry.model_validate(item))
        except ValidationError as exc:
            raise ConfigError(
                f"疾患知識ベース {name} の {n} 番目の項目が不正です (invalid entry): {exc}",
                field=name,
                record_id=label,
            ) from exc
    return entries


def parse_disease_files(files: list[Any]) -> list[DiseaseEntry]:
    """Validate the given YAML files (objects with ``name`` and ``read_text``) into entries."""
    entries: list[DiseaseEntry] = []
    seen: set[str] = set()
    for ref in files:
        for entry in _parse_file(ref):
            if entry.id in seen:
                raise ConfigError(
                    f"疾患 ID {entry.id!r} が重複しています (duplicate disease id)", record_id=entry.id
                )
            seen.add(entry.id)
            entries.append(entry)
    return entries


def load_disease_kb() -> list[DiseaseEntry]:
    """Every entry of the built-in knowledge base (validated; loaded once per process)."""
    global _kb
    with _lock:
        if _kb is None:
            _kb = parse_disease_files(_resource_files("ja"))
        return list(_kb)


def _field_text(entry: DiseaseEntry, field: DiseaseField) -> str:
    value = getattr(entry, field)
    return "\n".join(f"・{item}" for item in value) if isinstance(value, list) else str(value)


def disease_passages(entries: list[DiseaseEntry]) -> list[Passage]:
    """Four passages per entry (``<id>#<field>``); the title holds the name and aliases."""
    passages: list[Passage] = []
    for entry in entries:
        names = f"{entry.name}（{'、'.join(entry.aliases)}）"
        sources = [s.model_dump(exclude_none=True) for s in entry.sources]
        for field in _FIELDS:
            label = FIELD_LABELS[field]
            passages.append(
                Passage(
                    id=f"{entry.id}#{field}",
                    text=_field_text(entry, field),
                    metadata={
                        "title": f"{names} {label}",
                        "disease_id": entry.id,
                        "disease_name": entry.name,
                        "names": [entry.name, *entry.aliases],
                        "icd10": entry.icd10,
                        "field": field,
                        "field_label": label,
                        "sources": sources,
                        "reviewed": entry.reviewed,
                    },
                )
            )
    return passages


def _digest(config: IndexConfig) -> str:
    h = hashlib.sha256()
    for part in (
        ANALYZER_VERSION,
        str(FORMAT_VERSION),
        PASSAGES_VERSION,
        str(dense_encoder.encoder_version()),
    ):
        h.update(part.encode() + b"\0")
    h.update(config.model_dump_json().encode() + b"\0")
    for ref in _resource_files("ja"):
        h.update(ref.name.encode() + b"\0" + ref.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def disease_index_path(config: IndexConfig) -> Path:
    """Where the disease index built with ``config`` is cached (under the model cache)."""
    return get_settings().model_cache / "knowledge" / f"diseases-{_digest(config)}"


def _build_or_load(config: IndexConfig) -> KnowledgeIndex:
    path = disease_index_path(config)
    if (path / "manifest.json").is_file():
        try:
            return KnowledgeIndex.load(path)
        except KarteError as exc:
            log.warning("疾患知識索引のキャッシュを作り直します (rebuilding disease index cache): %s", exc)
    index = KnowledgeIndex.build(disease_passages(load_disease_kb()), config=config)
    try:
        index.save(path)
    except OSError as exc:
        log.warning(
            "疾患知識索引をキャッシュに保存できません (cannot cache disease index at %s): %s", path, exc
        )
    return index


def disease_index() -> KnowledgeIndex:
    """The search index over the disease knowledge base (built or loaded once per process)."""
    global _index
    with _lock:
        if _index is None:
            dense = dense_encoder.available()
            if not dense:
                log.warning(
                    "%s がないため、疾患知識索引は BM25 のみで作ります (sentence encoder missing: BM25 only)",
                    dense_encoder.ENCODER_NAME,
                )
            _index = _build_or_load(IndexConfig(dense=dense))
        return _index
