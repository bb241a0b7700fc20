"""Gold labels from the ground truth of FHIR Bundles (read as plain JSON), per ``gold_fhir.yaml``.

Deliberately independent of Karte's loaders, vocabularies and matchers: a label is computed from the
resources' codes, statuses, dates and values only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from karte.screening.devset import DEVSET_DIR

Label = str  # met | not_met | unknown


def gold_spec() -> dict[str, Any]:
    with (DEVSET_DIR / "gold_fhir.yaml").open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def iter_bundles(cohort: Path) -> Iterator[dict[str, Any]]:
    folder = cohort / "patients" if (cohort / "patients").is_dir() else cohort
    for path in sorted(folder.glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            yield json.load(fh)


class GroundTruth:
    def __init__(self, bundle: dict[str, Any]) -> None:
        resources = [e["resource"] for e in bundle["entry"]]
        self.patient = next(r for r in resources if r["resourceType"] == "Patient")
        self.id: str = self.patient["id"]
        self.conditions = [r for r in resources if r["resourceType"] == "Condition"]
        self.observations = [r for r in resources if r["resourceType"] == "Observation"]
        self.medications = [r for r in resources if r["resourceType"] == "MedicationStatement"]

    def age(self, on: dt.date) -> int:
        b = dt.date.fromisoformat(self.patient["birthDate"])
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    def condition(self, prefixes: list[str], status: str, on: dt.date, exclude: list[str]) -> Label:
        for c in self.conditions:
            codes = [x["code"] for x in c["code"]["coding"] if "icd-10" in x["system"]]
            if not any(code.startswith(p) for code in codes for p in prefixes):
                continue
            if any(code.startswith(e) for code in codes for e in exclude):
                continue
            onset = _date(c.get("onsetDateTime"))
            if onset is not None and onset > on:
                continue
            clinical = c["clinicalStatus"]["coding"][0]["code"]
            abated = _date(c.get("abatementDateTime"))
            active = clinical == "active" and (abated is None or abated > on)
            if status == "any" or active:
                return "met"
        return "not_met"

    def lab(self, code: str, op: str, value: Any, days: int | None, on: dt.date) -> Label:
        start = on - dt.timedelta(days=days) if days else dt.date.min
        results = []
        for o in self.observations:
            if not any(x["code"] == code for x in o["code"]["coding"]):
                continue
            when = _date(o.get("effectiveDateTime"))
            if when is not None and start <= when <= on:
                results.append((when, float(o["valueQuantity"]["value"])))
        if not results:
            return "unknown"
        latest = max(results)[1]
        ok = {
            ">=": lambda v: v >= value,
            ">": lambda v: v > value,
            "<=": lambda v: v <= value,
            "<": lambda v: v < value,
            "between": lambda v: value[0] <= v < value[1],
        }[op](latest)
        return "met" if ok else "not_met"

    def medication(self, names: list[str], on: dt.date) -> Label:
        for m in self.medications:
            name = m["medicationCodeableConcept"].get("text", "")
            if not any(n in name for n in names):
                continue
            period = m.get("effectivePeriod", {})
            start, end = _date(period.get("start")), _date(period.get("end"))
            if m["status"] == "active" and (start is None or start <= on) and (end is None or end >= on):
                return "met"
        return "not_met"


def label(truth: GroundTruth, rule: dict[str, Any], on: dt.date) -> Label:
    if "constant" in rule:
        return str(rule["constant"])
    if "age" in rule:
        lo, hi = rule["age"]
        age = truth.age(on)
        return "met" if (lo is None or age >= lo) and (hi is None or age <= hi) else "not_met"
    if "condition" in rule:
        return truth.condition(rule["condition"], rule.get("status", "active"), on, rule.get("except", []))
    if "lab" in rule:
        return truth.lab(rule["lab"], rule["op"], rule["value"], rule.get("days"), on)
    if "medication" in rule:
        return truth.medication(rule["medication"], on)
    raise ValueError(f"unknown gold rule {rule}")


def gold_labels(cohort: Path) -> dict[str, dict[str, dict[str, Label]]]:
    """trial id → patient id → criterion id → label."""
    spec = gold_spec()
    on = spec["screening_date"]
    if isinstance(on, str):
        on = dt.date.fromisoformat(on)
    out: dict[str, dict[str, dict[str, Label]]] = {t: {} for t in spec["trials"]}
    for bundle in iter_bundles(cohort):
        truth = GroundTruth(bundle)
        for trial_id, rules in spec["trials"].items():
            out[trial_id][truth.id] = {cid: label(truth, rule, on) for cid, rule in rules.items()}
    return out
