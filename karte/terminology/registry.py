"""Loaded code systems, built once per process (per imported-table version) and shared.

``get_code_system("icd10")`` → the ICD-10 system; ``icd11``, ``icf``, ``jfagy`` and ``jlac`` use
an imported official table when ``karte codes import`` has stored one in ``$KARTE_HOME``, and
their embedded default otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from karte.config import Settings, get_settings
from karte.errors import InputError
from karte.terminology.base import CodeSystem
from karte.terminology.installed import SYSTEMS, fingerprint, imported_lines

CODE_SYSTEMS = ("icd10", "icd11", "icf", "jfagy")
_cache: dict[tuple[str, str], Any] = {}
_lock = threading.RLock()


def _cached(key: tuple[str, str], build: Callable[[], Any]) -> Any:
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def _icd10() -> CodeSystem:
    from karte.terminology.icd10 import ICD10

    system: CodeSystem = _cached(("icd10", "embedded"), ICD10)
    return system


def _table_lines(
    settings: Settings, system: str, importer: Callable[[Path], list[str]]
) -> tuple[list[str] | None, str]:
    lines = imported_lines(settings, system)
    if lines is not None:
        return lines, str(settings.home / "code_tables" / f"{system}.jsonl")
    configured = settings.code_tables.get(system)
    if configured:
        return importer(Path(configured)), str(configured)
    return None, "embedded"


def _build(system: str, settings: Settings) -> Any:
    if system == "icd10":
        return _icd10()
    if system == "icd11":
        from karte.terminology.icd10 import ICD10
        from karte.terminology.icd11 import ICD11
        from karte.terminology.icd11_table import ICD11Table, import_folder_or_file, load_embedded

        lines, origin = _table_lines(settings, system, lambda p: list(import_folder_or_file(p).to_jsonl()))
        table = ICD11Table.from_jsonl(lines, origin) if lines is not None else load_embedded()
        icd10 = _icd10()
        assert isinstance(icd10, ICD10)
        return ICD11(table, icd10)
    if system == "icf":
        from karte.terminology.icf import ICF, import_icf

        lines, origin = _table_lines(settings, system, lambda p: import_icf(p)[0])
        return ICF.from_lines(lines, origin)
    if system == "jfagy":
        from karte.terminology.jfagy import JFAGY, import_jfagy

        lines, origin = _table_lines(settings, system, lambda p: import_jfagy(p)[0])
        return JFAGY.from_lines(lines, origin)
    if system == "jlac":
        from karte.terminology.jlac import JLAC, import_jlac

        lines, origin = _table_lines(settings, system, lambda p: import_jlac(p)[0])
        return JLAC.from_lines(lines, origin)
    raise InputError(
        f"コード体系 {system!r} はありません。利用可能: {', '.join(SYSTEMS)} (unknown code system)",
        field="system",
    )


def get_code_system(system: str, settings: Settings | None = None) -> Any:
    """The loaded code system ``system`` (icd10, icd11, icf, jfagy, jlac)."""
    settings = settings or get_settings()
    name = system.strip().lower().replace("-", "")
    if name not in SYSTEMS:
        _build(name, settings)  # raises the error naming the known systems
    return _cached((name, fingerprint(settings, name)), lambda: _build(name, settings))


def clear_cache() -> None:
    """Forget loaded tables (after an import); the ICD-10 tables come from packages and stay."""
    with _lock:
        for k in [k for k in _cache if k[0] != "icd10"]:
            del _cache[k]
