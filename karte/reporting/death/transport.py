"""Transport accidents: victim, counterpart, traffic, role → ICD-10 V01–V89 and ICD-11 PA00–PA5Z.

``歩行中、乗用車にはねられた`` → pedestrian × car × traffic → V03.1 / PA00;
``バイクを運転中にトラックと衝突`` → motorcyclist × heavy vehicle × driver × traffic → V24.4 / PA03.
Intentional and undetermined events use X81/X82 (self-harm), Y03 (assault), Y31/Y32 (undetermined).
Tables: ``resources/ja/transport.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from karte.reporting.resources import load_resource


@dataclass(frozen=True)
class Found:
    id: str
    start: int
    end: int


@dataclass(frozen=True)
class TransportCode:
    icd10: str
    icd11: str
    label: str
    victim: str | None
    counterpart: str | None
    traffic: str  # traffic | nontraffic | unknown
    role: str | None
    spans: tuple[Found, ...]


@dataclass(frozen=True)
class _Row:
    id: str
    pattern: re.Pattern[str]
    data: dict[str, Any]


@dataclass(frozen=True)
class TransportTable:
    trigger: re.Pattern[str]
    victims: tuple[_Row, ...]
    counterparts: tuple[_Row, ...]
    roles: tuple[_Row, ...]
    nontraffic: re.Pattern[str]
    traffic: re.Pattern[str]
    raw: dict[str, Any]


@lru_cache(maxsize=1)
def transport_table() -> TransportTable:
    d = load_resource("ja", "transport.yaml")

    def rows(key: str) -> tuple[_Row, ...]:
        return tuple(_Row(str(r["id"]), re.compile(r["pattern"]), r) for r in d[key])

    return TransportTable(
        re.compile(d["trigger"]),
        rows("victims"),
        rows("counterparts"),
        rows("roles"),
        re.compile(d["nontraffic"]),
        re.compile(d["traffic"]),
        d,
    )


def _first(rows: tuple[_Row, ...], text: str, exclude: list[tuple[int, int]] | None = None) -> Found | None:
    """The first row (table order) that matches outside ``exclude`` spans."""
    for row in rows:
        for m in row.pattern.finditer(text):
            if exclude and any(m.start() < e and s < m.end() for s, e in exclude):
                continue
            return Found(row.id, m.start(), m.end())
    return None


def _id(found: Found | None) -> str | None:
    return found.id if found is not None else None


def mentions_transport(text: str) -> Found | None:
    m = transport_table().trigger.search(text)
    return Found("transport", m.start(), m.end()) if m else None


def _fourth(table: dict[str, str], role: str | None, traffic: str) -> str:
    t = "traffic" if traffic == "unknown" else traffic
    if role == "boarding" and "boarding" in table:
        return table["boarding"]
    key = f"{role}_{t}" if role in ("driver", "passenger", "outside") else f"unspecified_{t}"
    return table.get(key, table[f"unspecified_{t}"])


def classify(text: str, intent: str, place_is_road: bool = False) -> TransportCode:
    """The transport code for ``text`` (already normalised) and an intent."""
    tab = transport_table()
    raw = tab.raw
    victim = _first(tab.victims, text)
    taken = [(victim.start, victim.end)] if victim else []
    counterpart = _first(tab.counterparts, text, taken)
    role = _first(tab.roles, text)
    if victim is None and re.search(r"(はねられ|跳ねられ|撥ねられ|轢かれ|ひかれ|轢過|れき過)", text):
        victim = Found("pedestrian", 0, 0)
    if tab.nontraffic.search(text):
        traffic = "nontraffic"
    elif place_is_road or tab.traffic.search(text):
        traffic = "traffic"
    else:
        traffic = "unknown"
    spans = tuple(f for f in (victim, counterpart, role) if f is not None and f.end > f.start)
    vrow = next((r for r in tab.victims if victim and r.id == victim.id), None)

    if intent in ("suicide", "undetermined"):
        before = re.search(raw["intent_codes"]["before_moving_object"], text)
        kind = "before_moving_object" if before else "crash"
        codes = raw["intent_codes"][intent][kind]
        if intent == "suicide" and kind == "before_moving_object":
            train = counterpart is not None and counterpart.id == "train"
            icd11 = codes["icd11_train"] if train else codes["icd11_road"]
        else:
            icd11 = codes["icd11"]
        label = (
            "移動中の物体の前への飛び込み" if kind == "before_moving_object" else "自動車の衝突（故意・不詳）"
        )
        return TransportCode(
            codes["icd10"],
            icd11,
            label,
            _id(victim),
            _id(counterpart),
            traffic,
            _id(role),
            spans,
        )
    if intent == "assault":
        c = raw["intent_codes"]["assault"]
        return TransportCode(
            c["icd10"],
            c["icd11"],
            "自動車による加害",
            _id(victim),
            _id(counterpart),
            traffic,
            _id(role),
            spans,
        )

    # Unintentional: WHO assumes traffic for V10–V82 when unspecified; pedestrians keep .9 (unknown).
    if vrow is None:
        vu = raw["victim_unknown"]
        t = traffic
        return TransportCode(
            vu[t],
            vu["icd11"][t],
            "詳細不明の自動車事故",
            None,
            _id(counterpart),
            t,
            _id(role),
            spans,
        )
    block = int(vrow.data["block"])
    digit = _counterpart_digit(counterpart, block)
    icd11_traffic = traffic
    if block == 81:
        return TransportCode(
            raw["train_occupant"]["icd10"],
            vrow.data["icd11"]["traffic"],
            "鉄道車両乗員の事故",
            vrow.id,
            _id(counterpart),
            traffic,
            _id(role),
            spans,
        )
    if block == 84:
        t = "nontraffic" if traffic == "unknown" else traffic
        fourth = _fourth(raw["fourth_agricultural"], _id(role), t)
        return TransportCode(
            f"V84.{fourth}",
            vrow.data["icd11"][t],
            "農業用特殊車両の乗員の事故",
            vrow.id,
            _id(counterpart),
            t,
            _id(role),
            spans,
        )
    if block == 0:
        category = f"V0{digit}" if digit != 9 else raw["unspecified_category"][0]["code"]
        if digit == 9:
            fourth = raw["unspecified_category"][0][traffic]
        else:
            fourth = raw["fourth_pedestrian"][traffic]
        label = "歩行者の交通事故"
    else:
        if traffic == "unknown":
            traffic = icd11_traffic = "traffic"
        if digit == 9:
            spec = raw["unspecified_category"][block]
            category, fourth = spec["code"], spec[traffic]
        else:
            category = f"V{block}{digit}"
            table = raw["fourth_rider"] if block in (1, 2) else raw["fourth_occupant"]
            fourth = _fourth(table, _id(role), traffic)
        label = {
            1: "自転車乗員の事故",
            2: "オートバイ乗員の事故",
            4: "乗用車乗員の事故",
            5: "軽トラック・バン乗員の事故",
            6: "大型輸送車両乗員の事故",
            7: "バス乗員の事故",
        }.get(block, "交通事故")
    return TransportCode(
        f"{category}.{fourth}",
        vrow.data["icd11"][icd11_traffic],
        label,
        vrow.id,
        _id(counterpart),
        traffic,
        _id(role),
        spans,
    )


def _counterpart_digit(counterpart: Found | None, block: int) -> int:
    tab = transport_table()
    if counterpart is None:
        return 9
    row = next(r for r in tab.counterparts if r.id == counterpart.id)
    digit = int(row.data["digit"])
    if block == 0 and digit not in tab.raw["pedestrian_digits"]:
        return 9
    return digit
