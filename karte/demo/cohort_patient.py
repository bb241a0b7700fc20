"""One synthetic patient of the demo cohort: the stay drawn from a scenario, and the record written from it.

:func:`build_patient` returns a plain dict shaped like :class:`~karte.records.models.PatientRecord`:
identity, chart notes (:mod:`karte.demo.cohort_notes`), lab observations, medications, conditions and
allergies. Every random draw comes from one shared generator in a fixed order, which is what makes
the cohort reproducible byte for byte: keep the order of the draws when changing anything here.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from karte.demo.cohort_notes import Stay, admission_note, lab_report, summary_note
from karte.demo.cohort_text import at, md, med_line
from karte.demo.cohort_vocab import Allergy, Med, Name, Scenario, vocab

FIRST_ADMISSION = dt.date(2023, 1, 10)
LAST_ADMISSION = dt.date(2025, 9, 30)
SOURCE = "karte-demo (synthetic, fictitious)"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
# Heading styles of whole notes; "mixed" writes 主訴：… on a line, ■ and ＜＞ headings elsewhere.
NOTE_STYLES = ("bracket", "bracket", "square", "angle", "mixed")

Doc = tuple[dt.datetime, str, str, str]  # (written at, document type, title, text)


def _value(rng: random.Random, lo: float, hi: float, decimals: int) -> float:
    v = round(rng.uniform(lo, hi), decimals)
    return float(int(v)) if decimals == 0 else v


def _normal(rng: random.Random, key: str, sex: str) -> float:
    """A result inside the reference range (or the narrower typical range), away from its limits."""
    lab = vocab().labs[key]
    lo, hi = lab.typical or lab.ref(sex)
    inset = (hi - lo) * 0.1
    return _value(rng, lo + inset, hi - inset, lab.decimals)


def draw_stay(pid: str, sc: Scenario, sex: str, age: int, rng: random.Random) -> Stay:
    """Dates, labs, comorbidities and home medicines of one admission for scenario ``sc``."""
    v = vocab()
    start = FIRST_ADMISSION + dt.timedelta(days=rng.randrange((LAST_ADMISSION - FIRST_ADMISSION).days))
    adm = at(start, rng.randint(9, 15), rng.choice((0, 10, 20, 30, 40, 50)))
    month, mday = rng.randint(1, 12), rng.randint(1, 28)
    birth = dt.date(start.year - age - ((month, mday) > (start.month, start.day)), month, mday)
    los = rng.randint(*sc.los)
    dc = start + dt.timedelta(days=los)
    op = start + dt.timedelta(days=sc.op_day) if sc.op_day is not None else None
    years, onset_days = rng.randint(3, 12), rng.randint(2, 10)

    values: dict[str, float] = {}
    wanted = set(v.base_panel) | set(sc.labs1) | {k for k in v.optional_panel if rng.random() < 0.5}
    for key, lab in v.labs.items():
        if key in sc.labs1:
            values[key] = _value(rng, *sc.labs1[key], lab.decimals)
        elif key in wanted:
            values[key] = _normal(rng, key, sex)
    later = {k: _value(rng, lo, hi, v.labs[k].decimals) for k, (lo, hi) in sc.labs2.items()}
    lab_day = sc.op_day + 3 if sc.op_day is not None else rng.randint(2, min(4, los - 2))

    chosen = rng.sample(sc.comorbid, rng.randint(1, min(3, len(sc.comorbid))))
    comorbid: list[tuple[str, int]] = []
    for key in sc.comorbid:  # keep table order
        if key in chosen:
            year = max(birth.year + 18, start.year - rng.randint(2, 20))
            comorbid.append((key, min(year, start.year - 1)))
    home: list[tuple[Med, str]] = [(m, sc.dx.name) for m in sc.home]
    for key in sc.comorbid:
        med = v.comorbid[key].medicine
        if key in chosen and med and all(med.product != m.product for m, _ in home):
            home.append((med, v.comorbid[key].name))

    fmt = {"y": years, "d": onset_days, "op": md(op) if op else "", "dc": md(dc)}
    hpi = rng.choice(sc.hpi)
    pill_style = rng.random() < 0.5
    return Stay(
        rng=rng,
        pid=pid,
        sc=sc,
        sex=sex,
        age=age,
        birth=birth,
        adm=adm,
        dc=dc,
        op=op,
        los=los,
        years=years,
        onset=start - dt.timedelta(days=onset_days if "{d}" in hpi else 0),
        values=values,
        later=later,
        lab_day=lab_day,
        fmt=fmt,
        home=home,
        comorbid=comorbid,
        pill_style=pill_style,
        hpi=hpi.format_map(fmt),
    )


def draw_allergy(i: int, sc: Scenario, rng: random.Random) -> tuple[Allergy | None, str]:
    """None, or an allergy that does not clash with the drugs of the scenario; and its chart text."""
    allergies = vocab().allergies
    classes = {m.drug_class for m in (*sc.home, *sc.hosp, *sc.dc_add) if m.drug_class}
    allergy = None
    if i % 3 == 1:  # every allergy of the table turns up, in rotation
        turn = allergies[(i // 3) % len(allergies) :] + allergies
        allergy = next(a for a in turn if a.drug_class not in classes)
    return allergy, allergy.chart if allergy else rng.choice(vocab().no_allergy)


def draw_family(rng: random.Random) -> str:
    fam = rng.sample(vocab().family, rng.choice((0, 1, 1, 2)))
    return rng.choice(("、", "\n")).join(fam) if fam else "特記事項なし"


def write_documents(
    i: int, st: Stay, family: str, allergy_text: str, secondary: list[str], dc_meds: list[Med]
) -> list[Doc]:
    """The notes of the stay, in the order they were written; patient ``i`` decides which are there."""
    rng, sc = st.rng, st.sc
    style = NOTE_STYLES[i % len(NOTE_STYLES)]
    has_summary, has_lab, has_opd = i % 4 != 3, i % 3 != 1, i % 2 == 0
    has_p2 = not (has_summary or has_lab or has_opd) or rng.random() < 0.5
    docs: list[Doc] = []
    text = admission_note(st, style, family, allergy_text)
    docs.append((st.adm + dt.timedelta(minutes=90), "入院時記録", f"入院時記録（{sc.dept}）", text))
    o2 = "酸素投与下" if sc.vitals.o2 != "室内気" else None
    p1_day = sc.op_day + 2 if sc.op_day is not None else 2
    soap_style = "soap" if rng.random() < 0.7 else rng.choice(("bracket", "square"))
    text = st.soap_text(sc.progress[0], o2, soap_style, p1_day)
    docs.append((at(st.day(p1_day), 16, 10), "経過記録", "経過記録", text))
    if has_lab:
        text = lab_report(st, rng.choice(("bracket", "square", "angle")))
        docs.append((at(st.day(st.lab_day), 9, rng.randint(5, 55)), "検査結果", "検査結果報告", text))
    if has_p2:
        text = st.soap_text(sc.progress[1], "室内気", rng.choice(("soap", "soap", "bracket")), st.los - 1)
        docs.append((at(st.day(st.los - 1), 15, 40), "経過記録", "経過記録", text))
    if has_summary:
        text = summary_note(st, ("bracket", "square", "angle")[i % 3], secondary, dc_meds)
        docs.append((at(st.dc, 14, 30), "退院時サマリー", "退院時サマリー", text))
    if has_opd:
        visit = st.dc + dt.timedelta(days=rng.randint(14, 35))
        text = f"退院後初回外来（{sc.dept}）。\n" + st.soap_text(sc.opd, "室内気", "soap")
        docs.append((at(visit, 10, 30), "経過記録", "外来経過記録", text))
    docs.sort(key=lambda d: d[0])
    return docs


def observations(st: Stay) -> list[dict[str, Any]]:
    """Lab results of the admission draw and the follow-up draw."""
    rows: list[dict[str, Any]] = []
    draws = [(st.adm + dt.timedelta(minutes=30), st.values), (at(st.day(st.lab_day), 6, 30), st.later)]
    for when, draw in draws:
        for key, v in draw.items():
            lab = vocab().labs[key]
            lo, hi = lab.ref(st.sex)
            rows.append(
                {
                    "id": f"{st.pid}-obs-{len(rows) + 1}",
                    "patient_id": st.pid,
                    "local_name": lab.name,
                    "local_code": lab.code,
                    "value": v,
                    "unit": lab.unit,
                    "reference_low": lo,
                    "reference_high": hi,
                    "datetime": when.isoformat(),
                }
            )
    return rows


def _medication(pid: str, n: int, med: Med, status: str, start: dt.date, reason: str) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": f"{pid}-med-{n}",
        "patient_id": pid,
        "name": med.generic,
        "dosage": med_line(med, False),
        "status": status,
        "start": start.isoformat(),
    }
    days = re.search(r"(\d+)日間", med.timing)
    if days:
        rec["end"] = (start + dt.timedelta(days=int(days.group(1)) - 1)).isoformat()
        rec["status"] = "completed"
    rec["reason"] = reason
    return rec


def medications(st: Stay, replaced: set[str], new_meds: list[Med]) -> list[dict[str, Any]]:
    """Home drugs (stopped when replaced at discharge), drugs given in hospital, new discharge drugs."""
    rng, sc, start, op = st.rng, st.sc, st.start, st.op
    rows: list[dict[str, Any]] = []
    for med, reason in st.home:
        since = start - dt.timedelta(days=rng.randint(180, 1800))
        rec = _medication(st.pid, len(rows) + 1, med, "active", since, reason)
        if med.drug_class in replaced:
            rec.update(status="stopped", end=start.isoformat())
        rows.append(rec)
    for med in sc.hosp:
        given_from = op if op and med.drug_class == "cephem" else start
        rec = _medication(st.pid, len(rows) + 1, med, "completed", given_from, sc.dx.name)
        rec.setdefault("end", min(st.dc, given_from + dt.timedelta(days=1 if op else 6)).isoformat())
        rows.append(rec)
    for med in new_meds:
        begin = (
            st.dc
            if med.drug_class in ("cephem", "penicillin") or "日間" in med.timing
            else st.day(min(2, st.los))
        )
        rows.append(_medication(st.pid, len(rows) + 1, med, "active", begin, sc.dx.name))
    return rows


def _condition(
    pid: str, n: int, name: str, icd: str, onset: dt.date, abated: dt.date | None
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": f"{pid}-cond-{n}",
        "patient_id": pid,
        "name": name,
        "codes": [{"system": ICD10, "code": icd, "display": name}],
        "clinical_status": "resolved" if abated else "active",
        "onset": onset.isoformat(),
    }
    if abated:
        rec["abatement"] = abated.isoformat()
    return rec


def conditions(st: Stay) -> list[dict[str, Any]]:
    """The main diagnosis, the scenario's secondary diagnoses and the comorbidities."""
    rng, sc, year = st.rng, st.sc, st.start.year
    onset = st.onset
    if sc.onset_years:
        onset = dt.date(year - st.years, rng.randint(1, 12), 1)
    rows = [_condition(st.pid, 1, sc.dx.name, sc.dx.icd10, onset, st.dc if sc.acute else None)]
    for dx in sc.extra_dx:
        since = dt.date(year - st.years, rng.randint(1, 12), 1)
        rows.append(_condition(st.pid, len(rows) + 1, dx.name, dx.icd10, since, None))
    for key, diagnosed in st.comorbid:
        c = vocab().comorbid[key]
        rows.append(_condition(st.pid, len(rows) + 1, c.name, c.icd10, dt.date(diagnosed, 4, 1), None))
    return rows


def build_patient(i: int, sc: Scenario, surname: Name, used: set[str], rng: random.Random) -> dict[str, Any]:
    """Patient ``i`` of the cohort, on scenario ``sc``; ``used`` collects given names, so few repeat."""
    v = vocab()
    pid = f"D{i + 1:03d}"
    sex: str = sc.sex or rng.choice(("male", "female"))
    age = rng.randint(*sc.ages)
    pool = v.given_names[(sex, age >= 50)]
    given = rng.choice([g for g in pool if g.kanji not in used] or pool)
    used.add(given.kanji)
    st = draw_stay(pid, sc, sex, age, rng)
    allergy, allergy_text = draw_allergy(i, sc, rng)
    family = draw_family(rng)

    replaced = {m.drug_class for m in sc.dc_add if m.drug_class}
    new_meds = [m for m in sc.dc_add if all(m.product != h.product for h, _ in st.home)]
    dc_meds = [m for m, _ in st.home if m.drug_class not in replaced] + new_meds
    secondary = [dx.name for dx in sc.extra_dx] + [v.comorbid[key].name for key, _ in st.comorbid]
    docs = write_documents(i, st, family, allergy_text, secondary, dc_meds)
    labs = observations(st)
    meds = medications(st, replaced, new_meds)
    conds = conditions(st)
    allergies = []
    if allergy:
        fields = allergy.model_dump(include={"substance", "category", "reaction", "criticality"})
        allergies.append({"id": f"{pid}-alg-1", "patient_id": pid, **fields})

    return {
        "id": pid,
        "birth_date": st.birth.isoformat(),
        "sex": sex,
        "name": f"{surname.kanji}　{given.kanji}",
        "name_kana": f"{surname.kana}　{given.kana}",
        "identifiers": {"MRN": f"DEMO-{i + 1:04d}"},
        "documents": [
            {
                "id": f"{pid}-doc-{n}",
                "patient_id": pid,
                "type": kind,
                "datetime": when.isoformat(),
                "title": title,
                "text": text,
                "source": SOURCE,
            }
            for n, (when, kind, title, text) in enumerate(docs, 1)
        ],
        "observations": labs,
        "medications": meds,
        "allergies": allergies,
        "conditions": conds,
    }
