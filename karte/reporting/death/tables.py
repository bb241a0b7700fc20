"""The curated death-coding tables (``resources/ja/*.yaml``) as typed, validated objects.

Each table is loaded once per process. A malformed row is an error naming the file and row, raised
when the table is first used (and by ``tests/reporting``), never skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from karte.errors import ConfigError
from karte.reporting.death.code_ranges import CodeSet
from karte.reporting.resources import load_resource


def _rows(name: str, key: str) -> list[dict[str, Any]]:
    data = load_resource("ja", name)
    rows = data.get(key) if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ConfigError(f"{name}: {key} がありません (missing list {key!r})", field=name)
    return rows


def _codes(name: str, row: dict[str, Any], key: str) -> CodeSet:
    try:
        return CodeSet.parse(row.get(key))
    except ValueError as exc:
        raise ConfigError(f"{name}: 行 {row.get('id')!r} の {key}: {exc}", field=name) from exc


@dataclass(frozen=True)
class RejectRow:
    id: str
    effect: CodeSet
    cause: CodeSet  # empty: any cause
    except_: CodeSet
    source: str


@dataclass(frozen=True)
class RestrictRow:
    id: str
    effect: CodeSet
    only: CodeSet
    source: str


@dataclass(frozen=True)
class ConsequenceRow:
    id: str
    consequence: CodeSet
    of: CodeSet
    source: str


@dataclass(frozen=True)
class DueToTable:
    rejected: tuple[RejectRow, ...]
    restricted: tuple[RestrictRow, ...]
    direct: tuple[ConsequenceRow, ...]


@lru_cache(maxsize=1)
def due_to_table() -> DueToTable:
    name = "due_to.yaml"
    rejected = tuple(
        RejectRow(
            str(r["id"]),
            _codes(name, r, "effect"),
            _codes(name, r, "cause"),
            _codes(name, r, "except"),
            str(r["source"]),
        )
        for r in _rows(name, "rejected")
    )
    restricted = tuple(
        RestrictRow(str(r["id"]), _codes(name, r, "effect"), _codes(name, r, "only"), str(r["source"]))
        for r in _rows(name, "restricted")
    )
    direct = tuple(
        ConsequenceRow(str(r["id"]), _codes(name, r, "consequence"), _codes(name, r, "of"), str(r["source"]))
        for r in _rows(name, "direct_consequence")
    )
    return DueToTable(rejected, restricted, direct)


@dataclass(frozen=True)
class ModificationRow:
    id: str
    rule: str  # C, D, E
    selected: CodeSet
    with_: CodeSet
    result: str  # "with", a template "{cat}.2" or a code
    source: str


@dataclass(frozen=True)
class SequelaRow:
    id: str
    selected: CodeSet
    min_interval_days: float
    mapping: dict[str, str]
    requires_word: str | None
    source: str


@dataclass(frozen=True)
class ModificationTable:
    ill_defined: CodeSet
    senility: CodeSet
    trivial: CodeSet
    rows: tuple[ModificationRow, ...]  # in rule order C, D, E
    sequelae: tuple[SequelaRow, ...]
    source: str = ""
    by_rule: dict[str, tuple[ModificationRow, ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def modification_table() -> ModificationTable:
    name = "modification_rules.yaml"
    data = load_resource("ja", name)
    rows: list[ModificationRow] = []
    for rule, key in (("C", "linkage"), ("D", "specificity"), ("E", "early_late")):
        for r in _rows(name, key):
            rows.append(
                ModificationRow(
                    str(r["id"]),
                    rule,
                    _codes(name, r, "selected"),
                    _codes(name, r, "with"),
                    str(r["result"]),
                    str(r["source"]),
                )
            )
    sequelae = tuple(
        SequelaRow(
            str(r["id"]),
            _codes(name, r, "selected"),
            float(r["min_interval_days"]),
            {str(k): str(v) for k, v in r["map"].items()},
            r.get("requires_word"),
            str(r["source"]),
        )
        for r in _rows(name, "sequelae")
    )
    by_rule = {rule: tuple(r for r in rows if r.rule == rule) for rule in ("C", "D", "E")}
    return ModificationTable(
        CodeSet.parse(data["ill_defined"]),
        CodeSet.parse(data["senility"]),
        CodeSet.parse(data["trivial"]),
        tuple(rows),
        sequelae,
        str(data.get("source", "")),
        by_rule,
    )


@lru_cache(maxsize=1)
def death_terms() -> dict[str, tuple[str, str]]:
    """Matching key of a curated certificate phrase → (ICD-10 code, note)."""
    from karte.terminology.keys import key

    out: dict[str, tuple[str, str]] = {}
    for r in _rows("death_terms.yaml", "rows"):
        out[key(str(r["term"]))] = (str(r["code"]), str(r.get("note", "")))
    return out
