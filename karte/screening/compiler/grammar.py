"""The compiler's vocabulary (``resources/ja/criteria_rules.yaml``) as regular expressions and word lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.screening.models import Comparator
from karte.screening.resources import load_resource
from karte.text import normalize


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(normalize(w).text) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class Grammar:
    after: dict[str, Comparator]
    before: dict[str, Comparator]
    age_range: re.Pattern[str]
    age_single: re.Pattern[str]
    age_symbol: re.Pattern[str]
    window: re.Pattern[str]
    window_days: dict[str, float]
    male: tuple[str, ...]
    female: tuple[str, ...]
    timing_current: tuple[str, ...]
    timing_ever: tuple[str, ...]
    timing_past: tuple[str, ...]
    dx_ever: tuple[str, ...]
    dx_current: tuple[str, ...]
    negation_final: tuple[str, ...]
    except_words: tuple[str, ...]
    any_words: tuple[str, ...]
    separators: re.Pattern[str]
    filler: tuple[str, ...]
    comparison_tail: re.Pattern[str]


def _n(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted({normalize(str(w)).text for w in words}, key=len, reverse=True))


@lru_cache(maxsize=2)
def grammar(lang: str = "ja") -> Grammar:
    data = load_resource(lang, "criteria_rules.yaml")
    after = {normalize(k).text: v for k, v in data["comparators"]["after"].items()}
    before = {normalize(k).text: v for k, v in data["comparators"]["before"].items()}
    years = _alt(data["age"]["unit"])
    after_alt, before_alt = _alt(list(after)), _alt(list(before))
    units = data["window"]["units"]
    window = re.compile(
        rf"(?:{_alt(data['window']['prefixes'])})?\s*(?P<n>\d+)\s*(?P<unit>{_alt(list(units))})\s*"
        rf"(?:{_alt(data['window']['suffixes'])})"
    )
    # after an analyte name: "が 7.0 % 以上", "≥ 100 pg/mL", "値 30 mL/min/1.73m2 未満"
    tail = re.compile(
        r"\s*(?:\([^()]{0,12}\))?\s*(?:値)?\s*(?:[:：]|が|は|の)?\s*"
        rf"(?P<pre>{before_alt})?\s*(?P<num>\d+(?:\.\d+)?)\s*"
        r"(?P<unit>%|(?:[x×]\s*)?10\^?\d+\s*/\s*[μu]L|[A-Za-zμ]+(?:/[0-9.]*[A-Za-zμ0-9.²]*)*)?\s*"
        rf"(?P<post>{after_alt})?"
    )
    return Grammar(
        after=after,
        before=before,
        age_range=re.compile(
            rf"(?P<lo>\d{{1,3}})\s*(?:{years})?\s*(?:以上)?\s*(?:[~\-]|から)\s*(?P<hi>\d{{1,3}})\s*(?:{years})"
            rf"\s*(?P<post>以下|未満)?"
        ),
        age_single=re.compile(rf"(?P<n>\d{{1,3}})\s*(?:{years})\s*(?P<post>{after_alt})"),
        age_symbol=re.compile(rf"(?:年齢|age)\s*(?P<pre>{before_alt})\s*(?P<n>\d{{1,3}})\s*(?:{years})?"),
        window=window,
        window_days={normalize(k).text: float(v) for k, v in units.items()},
        male=_n(data["sex"]["male"]),
        female=_n(data["sex"]["female"]),
        timing_current=_n(data["timing"]["current"]),
        timing_ever=_n(data["timing"]["ever"]),
        timing_past=_n(data["timing"]["past"]),
        dx_ever=_n(data["diagnosis_status"]["ever"]),
        dx_current=_n(data["diagnosis_status"]["current"]),
        negation_final=_n(data["negation"]["final"]),
        except_words=_n(data["except"]["words"]),
        any_words=_n(data["combine"]["any"]),
        separators=re.compile(_alt(data["combine"]["separators"] + data["combine"]["any"])),
        filler=_n(data["filler"]["phrases"]),
        comparison_tail=tail,
    )
