"""死因の種類 (manner of death): the certificate's value → intent and mechanism group.

Accepts the printed number (``2``), the label (``不慮の外因死（交通事故）``, ``自殺``), or a heading
alone (``不慮の外因死``). Unknown text is an error naming the field, never a silent guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from karte.errors import InputError
from karte.reporting.resources import load_resource
from karte.text import normalize

Intent = Literal["natural", "accident", "suicide", "assault", "undetermined", "unknown"]
INTENTS: tuple[str, ...] = ("natural", "accident", "suicide", "assault", "undetermined", "unknown")
_DROP = str.maketrans("", "", " 　()（）・、,，:：-[]「」")


@dataclass(frozen=True)
class Manner:
    code: int | None  # 1–12, None for a heading alone (不慮の外因死 without subtype)
    label: str
    intent: Intent
    group: str | None  # transport, fall, drowning, fire, breathing, poisoning, other
    default_icd10: str | None
    parent: str | None = None
    text: str = ""  # as given

    @property
    def external(self) -> bool:
        return self.intent in ("accident", "suicide", "assault", "undetermined")

    def display(self) -> str:
        return f"{self.parent}（{self.label}）" if self.parent else self.label


def _key(text: str) -> str:
    return normalize(text).text.translate(_DROP)


@dataclass(frozen=True)
class _Entry:
    manner: Manner
    synonyms: tuple[str, ...]


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[_Entry, ...], tuple[_Entry, ...]]:
    data = load_resource("ja", "death_manner.yaml")
    manners = tuple(
        _Entry(
            Manner(
                int(r["code"]),
                str(r["label"]),
                r["intent"],
                r.get("group"),
                r.get("default"),
                r.get("parent"),
            ),
            tuple(_key(s) for s in r["synonyms"]),
        )
        for r in data["manners"]
    )
    groups = tuple(
        _Entry(
            Manner(None, str(r["label"]), r["intent"], None, r.get("default")),
            tuple(_key(s) for s in r["synonyms"]),
        )
        for r in data["groups"]
    )
    return manners, groups


def all_manners() -> list[Manner]:
    return [e.manner for e in _table()[0]]


def parse_manner(value: str | int | None, field: str = "manner") -> Manner | None:
    """The manner for a certificate value; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    manners, groups = _table()
    text = str(value)
    key = _key(text)
    if key.isdigit():
        for e in manners:
            if e.manner.code == int(key):
                return _with_text(e.manner, text)
        raise InputError(
            f"{field}: 死因の種類の番号は 1〜12 です ({value!r}) (manner code must be 1-12)", field=field
        )
    rest = key
    for s in sorted((s for e in groups for s in e.synonyms), key=len, reverse=True):
        rest = rest.replace(s, "")  # 「その他及び不詳の外因死（他殺）」: read the subtype after the heading
    best = _longest(manners, rest) if rest else None
    best = best or _longest(manners, key)
    if best is None:
        for e in groups:
            for s in e.synonyms:
                if s and s in key and (best is None or len(s) > best[0]):
                    best = (len(s), e.manner)
    if best is None:
        labels = "、".join(m.display() for m in all_manners())
        raise InputError(
            f"{field}: 死因の種類 {text!r} を読めません。使える値: {labels} (unknown manner of death)",
            field=field,
        )
    return _with_text(best[1], text)


def _longest(entries: tuple[_Entry, ...], key: str) -> tuple[int, Manner] | None:
    best: tuple[int, Manner] | None = None
    for e in entries:
        for s in e.synonyms:
            if s and s in key and (best is None or len(s) > best[0]):
                best = (len(s), e.manner)
    return best


def _with_text(m: Manner, text: str) -> Manner:
    return Manner(m.code, m.label, m.intent, m.group, m.default_icd10, m.parent, text)
