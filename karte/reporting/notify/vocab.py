"""The notification vocabulary (``notify_vocab.yaml``) compiled to regular expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.reporting.resources import load_resource


def _alternation(items: list[str], escape: bool = False) -> re.Pattern[str]:
    parts = sorted((re.escape(i) if escape else i for i in items), key=len, reverse=True)
    return re.compile("(?:" + "|".join(parts) + ")", re.IGNORECASE)


@dataclass(frozen=True)
class Vocab:
    symptoms: dict[str, re.Pattern[str]]
    methods: dict[str, re.Pattern[str]]
    positive: re.Pattern[str]
    negative: re.Pattern[str]
    pending: re.Pattern[str]
    contexts: dict[str, re.Pattern[str]]
    routes: tuple[tuple[str, re.Pattern[str]], ...]
    travel_abroad: re.Pattern[str]
    travel_none: re.Pattern[str]
    travel_exclude: frozenset[str]
    travel_places: frozenset[str]
    occupations: re.Pattern[str]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    d = load_resource("ja", "notify_vocab.yaml")
    return Vocab(
        symptoms={k: _alternation(v) for k, v in d["symptoms"].items()},
        methods={k: _alternation(v, escape=True) for k, v in d["methods"].items()},
        positive=_alternation(d["positive"]),
        negative=_alternation(d["negative"]),
        pending=_alternation(d["pending"]),
        contexts={k: _alternation(v, escape=True) for k, v in d["contexts"].items()},
        routes=tuple((r["label"], re.compile(r["pattern"])) for r in d["routes"]),
        travel_abroad=re.compile(d["travel"]["abroad"]),
        travel_none=re.compile(d["travel"]["none"]),
        travel_exclude=frozenset(d["travel"]["exclude_places"]),
        travel_places=frozenset(d["travel"]["kanji_places"]),
        occupations=_alternation(d["occupations"], escape=True),
    )
