"""Lab values derived from others (``lab_analytes.yaml`` ``derived``): eGFR from serum creatinine.

A derived value is added only for a result that has no measured value of the derived analyte on the same
day from the same source, and only when age and sex on that day are known. Its evidence is the
creatinine result, and its date is that result's date.
"""

from __future__ import annotations

import datetime as dt

from karte.screening.evidence.facts import LabFact
from karte.screening.resources import load_resource


def _age_on(birth: dt.date | None, stated: list[tuple[int, dt.date | None]], when: dt.date) -> int | None:
    if birth is not None:
        return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))
    dated = [(a, d) for a, d in stated if d is not None]
    if dated:
        age, on = min(dated, key=lambda x: abs(((x[1] or when) - when).days))
        return age + round(((when - (on or when)).days) / 365.25)
    return None


def derive_labs(
    labs: list[LabFact], birth: dt.date | None, sex: str | None, stated: list[tuple[int, dt.date | None]]
) -> list[LabFact]:
    out: list[LabFact] = []
    for rule in load_resource("ja", "lab_analytes.yaml").get("derived", []):
        target, source = str(rule["analyte"]), str(rule["from"])
        have = {(f.date, f.source) for f in labs if f.analyte == target}
        for f in labs:
            if f.analyte != source or f.value is None or f.value <= 0 or f.date is None:
                continue
            if (f.date, f.source) in have or sex not in ("male", "female"):
                continue
            age = _age_on(birth, stated, f.date)
            if age is None or age < 18:
                continue
            value = (
                float(rule["k"])
                * f.value ** float(rule["value_exponent"])
                * age ** float(rule["age_exponent"])
            )
            if sex == "female":
                value *= float(rule["female_factor"])
            value = round(value, 1)
            out.append(
                LabFact(
                    target,
                    value,
                    value,
                    None,
                    f.source,
                    f.evidence,
                    f.date,
                    f.date_from,
                    derived=f"{source} {f.raw_value:g} から推算 ({age}歳, {sex})",
                )
            )
            have.add((f.date, f.source))
    return out
