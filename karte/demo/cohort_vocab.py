"""Vocabulary tables for the synthetic demo cohort (see :mod:`karte.demo.cohort`), loaded from data.

The tables live as YAML under ``karte/demo/resources/ja/`` (one file per kind of table: names, labs,
medicines, comorbidities, history, allergies, progress-note lines and disease scenarios). Everything
there is made up for the demo: the names are combinations of common Japanese surnames and given
names, and the clinical scenarios are textbook-style composites, not real patients.

:func:`vocab` reads them once, checks them against the typed models below (keys of medicines,
comorbidities, labs and scenarios must resolve) and returns a frozen :class:`Vocab`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

LANG = "ja"
Sex = Literal["male", "female"]
# Ranges keep their literal number type: an integer reference limit is written as an integer.
Range = tuple[int | float, int | float]
IntRange = tuple[int, int]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------------
# Names


class Name(_Model):
    kanji: str
    kana: str  # katakana reading


def _names(rows: list[list[str]]) -> tuple[Name, ...]:
    return tuple(Name(kanji=kanji, kana=kana) for kanji, kana in rows)


# ---------------------------------------------------------------------------------------------------
# Laboratory tests


class LabDef(_Model):
    code: str  # local (hospital) code
    name: str  # local name as the hospital system shows it
    unit: str
    decimals: int
    aliases: tuple[str, ...]  # how the test is written in chart text
    ref_male: Range
    ref_female: Range
    typical: Range | None = None  # a normal result, where narrower than the reference range

    def ref(self, sex: str) -> Range:
        return self.ref_female if sex == "female" else self.ref_male


# ---------------------------------------------------------------------------------------------------
# Medicines, comorbidities, history, allergies


class Med(_Model):
    generic: str  # Japanese generic name
    product: str  # as written in the chart (generic name + form + strength)
    dose: str  # per administration ("1錠", "2g"); written as is when ``times`` is None
    times: int | None  # administrations a day
    timing: str
    drug_class: str = ""  # keeps allergies consistent; a new drug replaces a home drug of its class


class Comorbidity(_Model):
    name: str  # Japanese name
    icd10: str
    medicine: Med | None  # usual home medication
    note: str  # one-line plan in progress notes (problem-oriented: #2, #3 …)


class PastExtra(_Model):
    """Past history written in the chart only."""

    text: str
    sex: Sex | None
    min_age: int  # youngest age it is written for
    not_with: tuple[str, ...]  # scenarios it must not appear with


class Allergy(_Model):
    substance: str
    category: Literal["medication", "food", "environment"]
    reaction: str
    chart: str  # how it is written in the chart
    criticality: Literal["low", "high"]
    drug_class: str = ""


# ---------------------------------------------------------------------------------------------------
# Scenarios


class Vitals(_Model):
    temp: tuple[float, float]
    sbp: IntRange
    dbp: IntRange
    hr: IntRange
    rr: IntRange
    spo2: IntRange
    o2: str = "室内気"
    irregular: bool = False


class Soap(_Model):
    s: str
    o: str
    a: str
    p: str


class Diagnosis(_Model):
    name: str  # Japanese name
    icd10: str


class Scenario(_Model):
    key: str
    dx: Diagnosis  # main diagnosis
    extra_dx: tuple[Diagnosis, ...]  # always-present secondary diagnoses
    comorbid: tuple[str, ...]  # keys of comorbidities to draw from
    dept: str
    ages: IntRange
    sex: Sex | None
    los: IntRange  # length of stay in days
    op_day: int | None  # day of surgery (0 = admission day)
    acute: bool  # resolved by discharge
    onset_years: bool  # the main diagnosis dates back {y} years (else it starts with this illness)
    cc: tuple[str, ...]
    hpi: tuple[str, ...]  # placeholders: {y} years since diagnosis, {d} days since onset, {op}
    exam: tuple[str, ...]
    vitals: Vitals
    assess: tuple[str, ...]
    home: tuple[Med, ...]
    hosp: tuple[Med, ...]
    dc_add: tuple[Med, ...]
    progress: tuple[Soap, Soap]
    course: str  # placeholders: {op}, {dc}
    plan: str
    opd: Soap
    labs1: dict[str, Range] = {}
    labs2: dict[str, Range] = {}
    lab_comment: str = ""


# ---------------------------------------------------------------------------------------------------
# All tables


class Vocab(_Model):
    surnames: tuple[Name, ...]  # used at most once, so full names are unique
    given_names: dict[tuple[str, bool], tuple[Name, ...]]  # (sex, aged 50 or over?) → given names
    labs: dict[str, LabDef]
    base_panel: tuple[str, ...]
    optional_panel: tuple[str, ...]
    comorbid: dict[str, Comorbidity]
    past_extras: tuple[PastExtra, ...]
    family: tuple[str, ...]
    allergies: tuple[Allergy, ...]
    no_allergy: tuple[str, ...]
    progress_o: tuple[str, ...]  # everyday lines added to progress notes
    progress_p: tuple[str, ...]
    recovery_vitals: Vitals  # mild vitals during and after recovery
    scenarios: tuple[Scenario, ...]

    @field_validator("scenarios")
    @classmethod
    def _known_keys(cls, scenarios: tuple[Scenario, ...], info: ValidationInfo) -> tuple[Scenario, ...]:
        labs, comorbid = info.data.get("labs", {}), info.data.get("comorbid", {})
        for sc in scenarios:
            unknown = [k for k in (*sc.labs1, *sc.labs2) if k not in labs]
            unknown += [k for k in sc.comorbid if k not in comorbid]
            if unknown:
                raise ValueError(f"scenario {sc.key}: unknown keys {unknown}")
        return scenarios


def load_yaml(name: str, lang: str = LANG) -> Any:
    """Load ``karte/demo/resources/<lang>/<name>`` (YAML)."""
    ref = resources.files(__package__).joinpath("resources", lang, name)
    with ref.open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _med(meds: dict[str, Med], key: str) -> Med:
    if key not in meds:
        raise ValueError(f"unknown medicine {key!r} (not in medicines.yaml)")
    return meds[key]


@lru_cache(maxsize=4)
def vocab(lang: str = LANG) -> Vocab:
    """All vocabulary tables, read from the YAML files and validated (cached)."""
    names = load_yaml("names.yaml", lang)
    labs = load_yaml("labs.yaml", lang)
    meds = {key: Med.model_validate(m) for key, m in load_yaml("medicines.yaml", lang).items()}
    comorbid = {
        key: {**row, "medicine": _med(meds, row["medicine"]) if row["medicine"] else None}
        for key, row in load_yaml("comorbidities.yaml", lang).items()
    }
    history = load_yaml("history.yaml", lang)
    allergies = load_yaml("allergies.yaml", lang)
    progress = load_yaml("progress.yaml", lang)
    scenarios = [
        {**sc, **{k: [_med(meds, m) for m in sc[k]] for k in ("home", "hosp", "dc_add")}}
        for sc in load_yaml("scenarios.yaml", lang)["scenarios"]
    ]
    given = names["given_names"]
    return Vocab.model_validate(
        {
            "surnames": _names(names["surnames"]),
            "given_names": {
                (sex, older): _names(given[sex]["older" if older else "younger"])
                for sex in ("male", "female")
                for older in (True, False)
            },
            "labs": labs["labs"],
            "base_panel": labs["base_panel"],
            "optional_panel": labs["optional_panel"],
            "comorbid": comorbid,
            "past_extras": history["past_extras"],
            "family": history["family"],
            "allergies": allergies["allergies"],
            "no_allergy": allergies["no_allergy"],
            "progress_o": progress["objective"],
            "progress_p": progress["plan"],
            "recovery_vitals": progress["recovery_vitals"],
            "scenarios": scenarios,
        }
    )
