"""Drug classes and drug names (``resources/ja/drug_classes.yaml``): find them in text, classify them.

A hit is a drug (its generic name) or a class named as such ("インスリン", "抗凝固薬"). A drug belongs
to its classes and to every class that includes them (メトホルミン: biguanide, oral_antidiabetic,
antidiabetic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from karte.errors import InputError
from karte.screening.lexicon import TermHit, TermMatcher
from karte.screening.resources import load_resource

DrugRef = tuple[str, str]  # ("drug", generic name) or ("class", class id)


@dataclass
class DrugClass:
    id: str
    name: str
    synonyms: list[str]
    members: list[str]
    includes: list[str]
    source: str


@dataclass
class DrugTable:
    classes: dict[str, DrugClass]
    member_classes: dict[str, set[str]] = field(default_factory=dict)
    matcher: TermMatcher[DrugRef] = field(default_factory=lambda: TermMatcher(()))

    @classmethod
    def load(cls, lang: str = "ja") -> DrugTable:
        data = load_resource(lang, "drug_classes.yaml")
        sources: dict[str, str] = data["sources"]
        classes: dict[str, DrugClass] = {}
        terms: list[tuple[str, DrugRef]] = []
        direct: dict[str, set[str]] = {}
        for row in data["classes"]:
            members = [str(m["name"]) for m in row.get("members", [])]
            dc = DrugClass(
                id=str(row["id"]),
                name=str(row["name"]),
                synonyms=[str(s) for s in row.get("synonyms", [])],
                members=members,
                includes=[str(i) for i in row.get("includes", [])],
                source=sources[row["src"]],
            )
            classes[dc.id] = dc
            for spelling in [dc.name, *dc.synonyms]:
                terms.append((spelling, ("class", dc.id)))
            for m in row.get("members", []):
                name = str(m["name"])
                direct.setdefault(name, set()).add(dc.id)
                for spelling in [name, *[str(s) for s in m.get("synonyms", [])]]:
                    terms.append((spelling, ("drug", name)))
        table = cls(classes)
        for drug, own in direct.items():
            table.member_classes[drug] = {a for c in own for a in table.ancestors(c)}
        table.matcher = TermMatcher(terms, min_key=2)
        return table

    def ancestors(self, class_id: str) -> set[str]:
        """``class_id`` and every class that includes it, directly or not."""
        out = {class_id}
        changed = True
        while changed:
            changed = False
            for c in self.classes.values():
                if c.id not in out and any(i in out for i in c.includes):
                    out.add(c.id)
                    changed = True
        return out

    def descendants(self, class_id: str) -> set[str]:
        """``class_id`` and every class it includes, directly or not."""
        out = {class_id}
        stack = [class_id]
        while stack:
            for inc in self.classes[stack.pop()].includes:
                if inc not in out:
                    out.add(inc)
                    stack.append(inc)
        return out

    def check_class(self, class_id: str) -> DrugClass:
        if class_id not in self.classes:
            raise InputError(
                f"薬効分類 {class_id!r} はありません (unknown drug class; see drug_classes.yaml)",
                field="classes",
            )
        return self.classes[class_id]

    def find(self, text: str) -> list[TermHit[DrugRef]]:
        return self.matcher.find(text)

    def generic_of(self, name: str) -> str | None:
        """The generic name inside a medication name ("メトホルミン塩酸塩錠500mg" → メトホルミン)."""
        for hit in self.find(name):
            for kind, value in hit.values:
                if kind == "drug":
                    return value
        return None

    def related(self, a: DrugRef, b: DrugRef) -> bool:
        """Whether two mentions name the same treatment: equal, or a drug and a class it belongs to."""
        if a == b:
            return True
        for x, y in ((a, b), (b, a)):
            if x[0] == "class" and y[0] == "drug" and x[1] in self.member_classes.get(y[1], set()):
                return True
        return False

    def matches(self, ref: DrugRef, classes: Iterable[str], drugs: Iterable[str]) -> bool:
        """Whether a drug or class mention falls under a check's classes or drugs.

        A class mention counts when it is one of the check's classes or a narrower one ("DOAC" for
        抗凝固薬), never when it is broader ("糖尿病治療薬" does not show insulin).
        """
        kind, value = ref
        wanted = {d for c in classes for d in self.descendants(c)}
        if kind == "drug":
            return value in set(drugs) or bool(self.member_classes.get(value, set()) & wanted)
        return value in wanted


@lru_cache(maxsize=2)
def drug_table(lang: str = "ja") -> DrugTable:
    return DrugTable.load(lang)
