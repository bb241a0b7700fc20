"""Accuracy of the coder on a dev set: top-1 and top-5, at category and full-code level.

Category level: the ICD-10 3-character category, the ICD-11 stem, the ICF code without its
qualifier, the JLAC10 analyte. Full level: the whole code (ICD-11 stem with its extensions, in
any order; ICF code with its qualifier).

A dev-set line is ``{"id", "text", "system", "gold": [codes…], "level": "full" | "3char"}``
(``gold`` lists every acceptable code; ``level`` "3char" means only the category is certain, so
the line counts towards 3-character accuracy only). Lab lines are
``{"id", "name", "specimen"?, "unit"?, "system": "jlac10", "gold_analyte": "3C015"}``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from karte.errors import InputError

Predictor = Callable[[dict[str, Any]], list[str]]


@dataclass
class Tally:
    n: int = 0
    top1: int = 0
    top5: int = 0

    def add(self, hit1: bool, hit5: bool) -> None:
        self.n += 1
        self.top1 += hit1
        self.top5 += hit5

    def as_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "top1": round(self.top1 / self.n, 4) if self.n else 0.0,
            "top5": round(self.top5 / self.n, 4) if self.n else 0.0,
        }


@dataclass
class EvalReport:
    system: str
    n: int = 0
    full: Tally = field(default_factory=Tally)
    char3: Tally = field(default_factory=Tally)
    subsets: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "n": self.n,
            "full_code": self.full.as_dict(),
            "category": self.char3.as_dict(),
            "subsets_category": {k: v.as_dict() for k, v in sorted(self.subsets.items())},
            "phrases_per_second": round(self.n / self.seconds, 1) if self.seconds else None,
        }


def read_devset(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path}:{line_no}: JSON として読めません: {exc} (bad JSON)", field="line"
                ) from exc
            if not isinstance(row, dict) or "system" not in row:
                raise InputError(
                    f"{path}:{line_no}: system がありません (line has no system)", field="system"
                )
            rows.append(row)
    return rows


def _norm(code: str) -> str:
    return code.replace(" ", "")


def category(code: str, system: str) -> str:
    """The coarse level of a code: ICD-10 3-character category, ICD-11 stem (no extensions),
    ICF code without qualifier, JLAC analyte; J-FAGY codes are compared whole."""
    c = _norm(code)
    if system == "icd10":
        return c.upper()[:3]
    if system == "icd11":
        return c.upper().split("/")[0].split("&")[0]
    if system == "icf":
        return re.split(r"[.+]", c)[0]
    if system in ("jlac", "jlac10"):
        return c.upper()[:5]
    return c.upper()


def same_full(pred: str, gold: str, system: str) -> bool:
    """Full-code agreement; for ICD-10 a Japanese 5th-character refinement of the gold 4-character
    code (MEDIS ``M06.90`` for ``M06.9``) counts as the same code."""
    p, g = _norm(pred), _norm(gold)
    if system == "icd10":
        p, g = p.upper(), g.upper()
        return p == g or ("." in g and len(g.split(".")[1]) == 1 and p.startswith(g) and len(p) == len(g) + 1)
    if system == "icd11":
        return _cluster_set(p) == _cluster_set(g)
    return p.upper() == g.upper() if system != "icf" else p == g


def _cluster_set(code: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(group.upper().split("&")) for group in code.split("/"))


def evaluate(
    rows: Iterable[dict[str, Any]],
    predict: Predictor,
    subset_of: Callable[[dict[str, Any]], list[str]] | None = None,
    keep_misses: int = 50,
) -> EvalReport:
    rows = list(rows)
    report = EvalReport(system=rows[0]["system"] if rows else "")
    started = time.perf_counter()
    predictions = [predict(row) for row in rows]
    report.seconds = time.perf_counter() - started
    for row, predicted in zip(rows, predictions, strict=True):
        system = str(row.get("system", ""))
        gold = [_norm(g) for g in (row.get("gold") or [row.get("gold_analyte", "")])]
        pred = [_norm(p) for p in predicted]
        gold3 = {category(g, system) for g in gold}
        hit3_1 = bool(pred) and category(pred[0], system) in gold3
        hit3_5 = any(category(p, system) in gold3 for p in pred[:5])
        full1 = bool(pred) and any(same_full(pred[0], g, system) for g in gold)
        full5 = any(same_full(p, g, system) for p in pred[:5] for g in gold)
        report.n += 1
        report.char3.add(hit3_1, hit3_5)
        if row.get("level", "full") == "full":
            report.full.add(full1, full5)
        for name in subset_of(row) if subset_of else []:
            report.subsets.setdefault(name, Tally()).add(hit3_1, hit3_5)
        if not full1 and len(report.misses) < keep_misses:
            report.misses.append(
                {
                    "id": row.get("id"),
                    "text": row.get("text") or row.get("name"),
                    "gold": gold,
                    "predicted": pred[:3],
                }
            )
    return report


def devset_predictor(settings: Any = None) -> Predictor:
    """Top-5 codes for a dev-set line, by its ``system`` (the same coders the tasks use)."""
    from karte.terminology.jlac import JLAC
    from karte.terminology.registry import get_code_system

    warmed: set[str] = set()

    def predict(row: dict[str, Any]) -> list[str]:
        system = str(row["system"])
        if system not in warmed:
            warm_up(system, settings)
            warmed.add(system)
        if system in ("jlac", "jlac10"):
            jlac = get_code_system("jlac", settings)
            assert isinstance(jlac, JLAC)
            specimen = jlac.specimen_of(row.get("specimen"), row.get("name"))
            out = []
            for m in jlac.search(str(row["name"]), 5):
                chosen = jlac.choose_code(m.code, specimen, row.get("method"), row.get("unit"))
                if chosen is not None:
                    out.append(chosen.analyte)
            return out
        cs = get_code_system(system, settings)
        return [m.code for m in cs.search(str(row["text"]), 5)]

    return predict


def subset_tags(row: dict[str, Any]) -> list[str]:
    """Subsets reported separately: the line's tags, its source and, for ICD-10, whether the phrase
    is absent from the MEDIS names, readings and index words (checked against the dictionary)."""
    tags = [str(t) for t in row.get("tags") or []] or ["plain"]
    out = [*tags, f"source:{row.get('source', 'unknown')}"]
    if row.get("system") == "icd10" and row.get("text"):
        from karte.terminology.registry import get_code_system

        icd10 = get_code_system("icd10")
        out.append("in-MEDIS" if icd10.is_medis_term(str(row["text"])) else "absent-from-MEDIS")
    return out


def warm_up(system: str, settings: Any = None) -> None:
    """Load the tables and build the fuzzy indexes of ``system`` (before timing)."""
    from karte.terminology.registry import get_code_system

    name = "jlac" if system == "jlac10" else system
    cs = get_code_system(name, settings)
    cs.normaliser.warm_up()
    if name == "icd11":
        cs.icd10.normaliser.warm_up()
