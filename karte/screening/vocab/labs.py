"""Laboratory analytes for criteria: names (Karte's JLAC table plus ``lab_analytes.yaml``), the canonical
unit of each and unit conversions. Finds analyte names in text and maps observations to analytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from karte.records.models import Observation
from karte.screening.lexicon import TermHit, TermMatcher
from karte.screening.resources import load_resource
from karte.text import normalize


def unit_key(unit: str | None) -> str:
    """A unit as compared: NFKC, no spaces, lower case, μ/u and superscripts unified."""
    if not unit:
        return ""
    text = normalize(unit).text.replace(" ", "").replace("µ", "μ").lower().lstrip("×x*")
    return text.replace("mcl", "μl").replace("ul", "μl").replace("umol", "μmol").replace("²", "2")


@dataclass
class Analyte:
    key: str
    name: str
    names: list[str]
    unit: str | None
    jlac10_analyte: str | None
    conversions: dict[str, tuple[float, float]] = field(default_factory=dict)  # unit key → (scale, offset)
    source: str = ""

    def to_canonical(self, value: float, unit: str | None) -> float | None:
        """``value`` in the canonical unit, or None when ``unit`` is neither it nor a known one.

        A missing unit is taken as the canonical one (charts often leave it out for familiar tests).
        """
        if self.unit is None:
            return value
        u = unit_key(unit)
        if not u or u == unit_key(self.unit):
            return value
        conv = self.conversions.get(u)
        if conv is None:
            return None
        scale, offset = conv
        return scale * value + offset


@dataclass
class LabTable:
    analytes: dict[str, Analyte]
    by_jlac10: dict[str, str]
    matcher: TermMatcher[str]

    @classmethod
    def load(cls, lang: str = "ja") -> LabTable:
        from karte.terminology.registry import get_code_system

        data = load_resource(lang, "lab_analytes.yaml")
        sources: dict[str, str] = data["sources"]
        jlac = get_code_system("jlac")
        analytes: dict[str, Analyte] = {}
        for code in jlac.codes():
            concept = jlac.lookup(code)
            if concept is None:
                continue
            names = [code, concept.display_ja or code, *concept.synonyms]
            analytes[code] = Analyte(code, concept.display_ja or code, names, None, _jlac_analyte(jlac, code))
        for row in data["analytes"]:
            if "jlac" in row:
                a = analytes[str(row["jlac"])]
                a.names.extend(str(n) for n in row.get("names", []))
            else:
                a = Analyte(str(row["id"]), str(row["name"]), [str(n) for n in row["names"]], None, None)
                analytes[a.key] = a
            _apply_units(a, row, sources)
        terms = [(n, a.key) for a in analytes.values() for n in a.names]
        by_jlac10 = {a.jlac10_analyte: a.key for a in analytes.values() if a.jlac10_analyte}
        return cls(analytes, by_jlac10, TermMatcher(terms))

    def find(self, text: str) -> list[TermHit[str]]:
        return self.matcher.find(text)

    def analyte_of_name(self, name: str) -> Analyte | None:
        """The analyte a whole name stands for (``HbA1c(NGSP)``, ``ｸﾚｱﾁﾆﾝ``), or None."""
        hits = self.find(name)
        if not hits:
            return None
        first = hits[0]
        return self.analytes[first.values[0]]

    def analyte_of_observation(self, obs: Observation) -> Analyte | None:
        """By a JLAC10 code of the observation first, then by its local name."""
        for coding in obs.codes:
            code = coding.code.strip().upper()
            if len(code) == 17 and code[:5] in self.by_jlac10:
                return self.analytes[self.by_jlac10[code[:5]]]
        return self.analyte_of_name(obs.local_name)


def _jlac_analyte(jlac: Any, code: str) -> str | None:
    """The 5-character JLAC10 analyte code of a JLAC table item (from its first full code)."""
    children = jlac.children(code)
    return str(children[0])[:5] if children else None


def _apply_units(a: Analyte, row: dict[str, Any], sources: dict[str, str]) -> None:
    a.unit = str(row["unit"])
    a.source = sources[row["src"]]
    for conv in row.get("conversions", []):
        a.conversions[unit_key(str(conv["unit"]))] = (float(conv["scale"]), float(conv.get("offset", 0.0)))


@lru_cache(maxsize=2)
def lab_table(lang: str = "ja") -> LabTable:
    return LabTable.load(lang)
