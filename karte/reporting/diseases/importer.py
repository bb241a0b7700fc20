"""Import an updated notifiable-disease table: validate it, then store it in ``$KARTE_HOME/reporting``.

The file has the layout of the embedded table (YAML). Nothing is stored when it has an error; the
previous table stays in use. A manifest records the source path, its SHA-256, the table version and
the time of import.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from karte.config import Settings
from karte.errors import InputError
from karte.reporting.diseases.table import imported_path, read_table_file
from karte.reporting.diseases.validate import Problem, validate_table


@dataclass(frozen=True)
class ImportResult:
    stored: Path | None
    problems: list[Problem]
    rows: int
    version: str


def import_table(path: Path, settings: Settings) -> ImportResult:
    table = read_table_file(path)  # schema errors raise InputError naming the row
    problems = validate_table(table)
    if any(p.level == "error" for p in problems):
        return ImportResult(None, problems, len(table.diseases), table.version)
    target = imported_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = path.read_bytes()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".notifiable.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest = {
        "source": str(path.resolve()),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "version": table.version,
        "rows": len(table.diseases),
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (target.parent / "notifiable_diseases.manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return ImportResult(target, problems, len(table.diseases), table.version)


def remove_imported(settings: Settings) -> bool:
    """Go back to the embedded table; True when an imported table was removed."""
    target = imported_path(settings)
    if not target.is_file():
        return False
    try:
        target.unlink()
    except OSError as exc:
        raise InputError(f"{target} を削除できません: {exc}", field="path") from exc
    (target.parent / "notifiable_diseases.manifest.json").unlink(missing_ok=True)
    return True
