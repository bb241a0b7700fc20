"""Generate the synthetic demo cohort (``karte/demo/data/cohort.jsonl``).

Every patient, name, date and note in the output is made up: names are combinations of common
Japanese surnames and given names, and the clinical stories are composed from the scenario tables in
:mod:`karte.demo.cohort_vocab`. The generator uses only the standard library and a fixed seed, so

    python -m karte.demo.cohort [--out PATH]

rewrites the committed file byte for byte. Each output line is one :class:`~karte.records.models.
PatientRecord` as JSON (UTF-8, not ASCII-escaped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from karte.demo.cohort_vocab import (
    ALLERGIES,
    BASE_PANEL,
    COMORBID,
    COMORBID_NOTE,
    FAMILY,
    GIVEN_NAMES,
    LABS,
    NO_ALLERGY,
    OPTIONAL_PANEL,
    PAST_EXTRAS,
    PROGRESS_O,
    PROGRESS_P,
    RECOVERY_VITALS,
    SCENARIOS,
    SURNAMES,
    Med,
    Scenario,
    Soap,
    Vitals,
)

SEED = 20240917
N_PATIENTS = 24
JST = dt.timezone(dt.timedelta(hours=9))
FIRST_ADMISSION = dt.date(2023, 1, 10)
LAST_ADMISSION = dt.date(2025, 9, 30)
SOURCE = "karte-demo (synthetic, fictitious)"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "cohort.jsonl"

# Heading styles of whole notes; "mixed" writes 主訴：… on a line, ■ and ＜＞ headings elsewhere.
NOTE_STYLES = ("bracket", "bracket", "square", "angle", "mixed")
_MIXED = {"主訴": "colon", "既往歴": "angle", "家族歴": "angle", "アレルギー": "angle"}
_ZEN = {c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c) != "."} | {0x20: 0x3000}
_PILL_UNITS = ("錠", "カプセル")


def _zen(text: str) -> str:
    """Full-width ASCII (the decimal point stays half-width, as it often does in charts)."""
    return text.translate(_ZEN)


def _md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def _ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _at(d: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=JST)


def heading(name: str, style: str) -> str:
    if style == "square":
        return f"■{name}"
    if style == "angle":
        return f"＜{name}＞"
    if style == "colon":
        return f"{name}："
    return f"【{name}】"


def _section(name: str, body: str, style: str) -> str:
    if style == "mixed":
        style = _MIXED.get(name, "square")
    inline = style == "colon" or (style == "bracket" and "\n" not in body and len(body) <= 16)
    return heading(name, style) + ("" if inline else "\n") + body


def med_line(med: Med, pill_style: bool) -> str:
    """A prescription line: ``アムロジピン錠5mg 1錠 分1 朝食後`` or ``… 1回1錠 1日1回 朝食後``."""
    if med.times is None:
        return f"{med.product} {med.dose} {med.timing}"
    m = re.fullmatch(r"(\d+)(\D+)", med.dose)
    if pill_style and m and m.group(2) in _PILL_UNITS:
        return f"{med.product} {int(m.group(1)) * med.times}{m.group(2)} 分{med.times} {med.timing}"
    return f"{med.product} 1回{med.dose} 1日{med.times}回 {med.timing}"


def _value(rng: random.Random, lo: float, hi: float, decimals: int) -> float:
    v = round(rng.uniform(lo, hi), decimals)
    return float(int(v)) if decimals == 0 else v


def _ref(key: str, sex: str) -> tuple[float, float]:
    lab = LABS[key]
    return lab.ref_f if sex == "female" else lab.ref_m


def _normal(rng: random.Random, key: str, sex: str) -> float:
    lo, hi = _ref(key, sex)
    if key == "CRP":
        lo, hi = 0.02, 0.12
    elif key == "BNP":
        lo, hi = 5.0, 18.0
    inset = (hi - lo) * 0.1
    return _value(rng, lo + inset, hi - inset, LABS[key].decimals)


def lab_text(rng: random.Random, key: str, v: float, *, zen: bool = False, alias: str | None = None) -> str:
    lab = LABS[key]
    name = alias or rng.choice(lab.aliases)
    num = f"{v:.{lab.decimals}f}"
    if key == "WBC" and rng.random() < 0.5:
        text = f"{name} {round(v * 1000)}/μL"
    elif key == "PLT" and rng.random() < 0.5:
        text = f"{name} {num}万/μL"
    else:
        unit = lab.unit.replace("10^", "×10^")
        text = f"{name} {num}{rng.choice(('', ' '))}{unit}"
    return _zen(text) if zen else text


def _flag(key: str, v: float, sex: str) -> str:
    lo, hi = _ref(key, sex)
    return "H" if v > hi else "L" if v < lo else ""


def vitals_text(rng: random.Random, v: Vitals, o2: str | None) -> str:
    t = rng.uniform(*v.temp)
    sbp, hr, rr, spo2 = rng.randint(*v.sbp), rng.randint(*v.hr), rng.randint(*v.rr), rng.randint(*v.spo2)
    dbp = min(rng.randint(*v.dbp), sbp - 25)
    rhythm = "不整" if v.irregular else "整"
    if rng.random() < 0.6:
        where = f"({o2})" if o2 else ""
        pulse = f"脈拍 {hr}/分 {rhythm}、呼吸数 {rr}/分"
        return f"体温 {t:.1f}℃、血圧 {sbp}/{dbp} mmHg、{pulse}、SpO2 {spo2}%{where}"
    where = f"（{o2}）" if o2 else ""
    return f"BT {t:.1f}℃　BP {sbp}/{dbp}mmHg　HR {hr}bpm（{rhythm}）　RR {rr}/min　SpO2 {spo2}%{where}"


@dataclass
class _Stay:
    """One fictitious patient's admission, from which every note and resource is written."""

    rng: random.Random
    pid: str
    sc: Scenario
    sex: str
    age: int
    adm: dt.datetime
    dc: dt.date
    op: dt.date | None
    values: dict[str, float]
    later: dict[str, float]
    lab_day: int
    fmt: dict[str, Any]
    home: list[tuple[Med, str]]
    comorbid: list[tuple[str, int]]  # (key of COMORBID, year diagnosed)
    pill_style: bool
    hpi: str

    def day(self, n: int) -> dt.date:
        return self.adm.date() + dt.timedelta(days=n)

    def soap_text(self, soap: Soap, o2: str | None, style: str, day: int | None = None) -> str:
        """A progress note (SOAP, or 入院後経過 and 評価・計画 headings); ``day`` None: outpatient."""
        rng = self.rng
        vit = RECOVERY_VITALS
        if self.sc.vitals.irregular:
            vit = Vitals(vit.temp, vit.sbp, vit.dbp, (84, 100), vit.rr, vit.spo2, irregular=True)
        o = f"{vitals_text(rng, vit, o2)}。{soap.o}"
        a, p = f"#1 {self.sc.dx[0]}\n{soap.a}", soap.p
        if day is not None:
            o += "".join(rng.sample(PROGRESS_O, 2)).format(n=rng.randint(5, 9))
            if day >= self.lab_day:
                labs = "、".join(lab_text(rng, k, v) for k, v in self.later.items())
                o += f"第{self.lab_day + 1}病日の採血で{labs}。"
            p += rng.choice(PROGRESS_P)
        for n, (key, _) in enumerate(self.comorbid[:2], 2):
            a += f"\n#{n} {COMORBID[key][0]}\n{COMORBID_NOTE[key]}"
        if style == "soap":
            close = rng.choice((")", "）"))
            return "\n".join(f"{k}{close} {t}" for k, t in zip("SOAP", (soap.s, o, a, p), strict=True))
        return "\n".join((heading("入院後経過", style), soap.s + o, heading("評価・計画", style), f"{a}{p}"))


def _history(st: _Stay) -> str:
    rows = []
    for key, year in st.comorbid:
        name, _, med = COMORBID[key]
        rows.append((year, f"{name}（内服加療中）" if med else name))
    birth_year = st.adm.year - st.age
    for text, sex, min_age, banned in PAST_EXTRAS:
        if sex in (None, st.sex) and st.age >= min_age and st.sc.key not in banned and st.rng.random() < 0.18:
            rows.append((st.rng.randint(birth_year + min_age - 10, st.adm.year - 1), text))
    if not rows:
        return "特記事項なし"
    sep = st.rng.choice(("\n", "\n・"))
    lines = [f"{year}年 {text}" for year, text in sorted(rows)]
    return ("・" if sep == "\n・" else "") + sep.join(lines)


def admission_note(st: _Stay, style: str, family: str, allergy_text: str) -> str:
    rng, sc = st.rng, st.sc
    hpi = st.hpi
    if rng.random() < 0.5:
        hpi = f"{st.age}歳{'男性' if st.sex == 'male' else '女性'}。" + hpi
    bullet = rng.choice(("{n}) ", "・", "{n}. "))
    meds = "\n".join(bullet.format(n=i) + med_line(m, st.pill_style) for i, (m, _) in enumerate(st.home, 1))
    exam = [e for e in sc.exam if rng.random() < 0.8] or list(sc.exam[:2])
    vit = vitals_text(rng, sc.vitals, sc.vitals.o2)
    exam_text = vit + "\n" + rng.choice(("", "\n")).join(exam)
    sep = rng.choice(("、", "　", "\n"))
    labs = sep.join(lab_text(rng, k, v, zen=rng.random() < 0.2) for k, v in st.values.items())
    marks = rng.choice(("#{n} ", "{n}. ", "・"))
    assess = "\n".join(marks.format(n=i) + a.format_map(st.fmt) for i, a in enumerate(sc.assess, 1))
    parts = [
        ("主訴", rng.choice(sc.cc)),
        ("現病歴", hpi),
        ("既往歴", _history(st)),
        ("家族歴", family),
        ("内服薬", meds or "なし"),
        ("アレルギー", allergy_text),
        ("身体所見", exam_text),
        ("検査所見", labs),
        ("評価・計画", assess),
    ]
    if style == "bracket" and rng.random() < 0.5:
        parts.insert(0, ("主病名", sc.dx[0]))
    lines = [_section(name, body, style) for name, body in parts]
    if rng.random() < 0.4:
        lines.insert(0, f"記載日：{_ymd(st.adm.date())}　{sc.dept}")
    return "\n".join(lines)


def lab_report(st: _Stay, style: str) -> str:
    rng = st.rng
    drawn = st.day(st.lab_day)
    rows = []
    for i, (key, v) in enumerate(st.later.items()):
        alias = "ｸﾚｱﾁﾆﾝ" if key == "Cr" else None
        row = lab_text(rng, key, v, zen=i == 0 or rng.random() < 0.3, alias=alias)
        flag = _flag(key, v, st.sex)
        row += f"　{flag}" if flag else ""
        if key in st.values:
            row += f"（前回 {st.values[key]:.{LABS[key].decimals}f}）"
        rows.append(row)
    return "\n".join(
        (
            heading("検査所見", style),
            f"採血日時：{drawn:%Y/%m/%d} 06:30",
            *rows,
            heading("評価・計画", style),
            st.sc.lab_comment,
        )
    )


def summary_note(st: _Stay, style: str, secondary: list[str], dc_meds: list[Med]) -> str:
    rng, sc = st.rng, st.sc
    later = "、".join(lab_text(rng, k, v) for k, v in st.later.items())
    first = "、".join(lab_text(rng, k, st.values[k]) for k in sc.labs1)
    course = f"入院時の採血で{first}。" + sc.course.format_map(st.fmt)
    course += f"第{st.lab_day + 1}病日の採血では{later}であった。"
    meds = "\n".join(f"{i}) {med_line(m, st.pill_style)}" for i, m in enumerate(dc_meds, 1))
    parts = [
        ("主病名", sc.dx[0]),
        ("副病名", "、".join(secondary) or "なし"),
        ("主訴", rng.choice(sc.cc)),
        ("入院後経過", course),
        ("退院時処方", meds or "なし"),
        ("評価・計画", sc.plan),
    ]
    if rng.random() < 0.5:
        del parts[2]
    los = (st.dc - st.adm.date()).days + 1
    head = f"入院期間：{_ymd(st.adm.date())}〜{_ymd(st.dc)}（{los}日間）"
    return "\n".join([head, *(_section(n, b, style) for n, b in parts)])


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


def build_patient(
    i: int, sc: Scenario, surname: tuple[str, str], used: set[str], rng: random.Random
) -> dict[str, Any]:
    pid = f"D{i + 1:03d}"
    sex = sc.sex or rng.choice(("male", "female"))
    age = rng.randint(*sc.ages)
    pool = GIVEN_NAMES[(sex, age >= 50)]
    given = rng.choice([g for g in pool if g[0] not in used] or pool)
    used.add(given[0])
    start = FIRST_ADMISSION + dt.timedelta(days=rng.randrange((LAST_ADMISSION - FIRST_ADMISSION).days))
    adm = _at(start, rng.randint(9, 15), rng.choice((0, 10, 20, 30, 40, 50)))
    month, mday = rng.randint(1, 12), rng.randint(1, 28)
    birth = dt.date(start.year - age - ((month, mday) > (start.month, start.day)), month, mday)
    los = rng.randint(*sc.los)
    dc = start + dt.timedelta(days=los)
    op = start + dt.timedelta(days=sc.op_day) if sc.op_day is not None else None
    years, onset_days = rng.randint(3, 12), rng.randint(2, 10)

    values: dict[str, float] = {}
    wanted = set(BASE_PANEL) | set(sc.labs1) | {k for k in OPTIONAL_PANEL if rng.random() < 0.5}
    for key, lab in LABS.items():
        if key in sc.labs1:
            values[key] = _value(rng, *sc.labs1[key], lab.decimals)
        elif key in wanted:
            values[key] = _normal(rng, key, sex)
    later = {k: _value(rng, lo, hi, LABS[k].decimals) for k, (lo, hi) in sc.labs2.items()}
    lab_day = sc.op_day + 3 if sc.op_day is not None else rng.randint(2, min(4, los - 2))

    chosen = rng.sample(sc.comorbid, rng.randint(1, min(3, len(sc.comorbid))))
    comorbid: list[tuple[str, int]] = []
    for key in sc.comorbid:  # keep table order
        if key in chosen:
            year = max(birth.year + 18, start.year - rng.randint(2, 20))
            comorbid.append((key, min(year, start.year - 1)))
    home: list[tuple[Med, str]] = [(m, sc.dx[0]) for m in sc.home]
    for key in sc.comorbid:
        med = COMORBID[key][2]
        if key in chosen and med and all(med.product != m.product for m, _ in home):
            home.append((med, COMORBID[key][0]))

    fmt = {"y": years, "d": onset_days, "op": _md(op) if op else "", "dc": _md(dc)}
    hpi = rng.choice(sc.hpi)
    pill_style = rng.random() < 0.5
    st = _Stay(
        rng,
        pid,
        sc,
        sex,
        age,
        adm,
        dc,
        op,
        values,
        later,
        lab_day,
        fmt,
        home,
        comorbid,
        pill_style,
        hpi.format_map(fmt),
    )

    # Allergy: none, or one that does not clash with the drugs this patient is given.
    classes = {m.klass for m in (*sc.home, *sc.hosp, *sc.dc_add) if m.klass}
    allergy = None
    if i % 3 == 1:  # every allergy of the table turns up, in rotation
        turn = ALLERGIES[(i // 3) % len(ALLERGIES) :] + ALLERGIES
        allergy = next(a for a in turn if a[5] not in classes)
    allergy_text = allergy[3] if allergy else rng.choice(NO_ALLERGY)
    fam = rng.sample(FAMILY, rng.choice((0, 1, 1, 2)))
    family = rng.choice(("、", "\n")).join(fam) if fam else "特記事項なし"

    style = NOTE_STYLES[i % len(NOTE_STYLES)]
    has_summary, has_lab, has_opd = i % 4 != 3, i % 3 != 1, i % 2 == 0
    has_p2 = not (has_summary or has_lab or has_opd) or rng.random() < 0.5
    docs: list[tuple[dt.datetime, str, str, str]] = []
    text = admission_note(st, style, family, allergy_text)
    docs.append((adm + dt.timedelta(minutes=90), "入院時記録", f"入院時記録（{sc.dept}）", text))
    o2 = "酸素投与下" if sc.vitals.o2 != "室内気" else None
    p1_day = sc.op_day + 2 if sc.op_day is not None else 2
    soap_style = "soap" if rng.random() < 0.7 else rng.choice(("bracket", "square"))
    text = st.soap_text(sc.progress[0], o2, soap_style, p1_day)
    docs.append((_at(st.day(p1_day), 16, 10), "経過記録", "経過記録", text))
    if has_lab:
        text = lab_report(st, rng.choice(("bracket", "square", "angle")))
        docs.append((_at(st.day(lab_day), 9, rng.randint(5, 55)), "検査結果", "検査結果報告", text))
    if has_p2:
        text = st.soap_text(sc.progress[1], "室内気", rng.choice(("soap", "soap", "bracket")), los - 1)
        docs.append((_at(st.day(los - 1), 15, 40), "経過記録", "経過記録", text))
    replaced = {m.klass for m in sc.dc_add if m.klass}
    new_meds = [m for m in sc.dc_add if all(m.product != h.product for h, _ in home)]
    dc_meds = [m for m, _ in home if m.klass not in replaced] + new_meds
    secondary = [name for name, _ in sc.extra_dx] + [COMORBID[key][0] for key, _ in comorbid]
    if has_summary:
        text = summary_note(st, ("bracket", "square", "angle")[i % 3], secondary, dc_meds)
        docs.append((_at(dc, 14, 30), "退院時サマリー", "退院時サマリー", text))
    if has_opd:
        visit = dc + dt.timedelta(days=rng.randint(14, 35))
        text = f"退院後初回外来（{sc.dept}）。\n" + st.soap_text(sc.opd, "室内気", "soap")
        docs.append((_at(visit, 10, 30), "経過記録", "外来経過記録", text))
    docs.sort(key=lambda d: d[0])

    observations: list[dict[str, Any]] = []
    draws = [(adm + dt.timedelta(minutes=30), values), (_at(st.day(lab_day), 6, 30), later)]
    for when, draw in draws:
        for key, v in draw.items():
            lab = LABS[key]
            lo, hi = _ref(key, sex)
            observations.append(
                {
                    "id": f"{pid}-obs-{len(observations) + 1}",
                    "patient_id": pid,
                    "local_name": lab.name,
                    "local_code": lab.code,
                    "value": v,
                    "unit": lab.unit,
                    "reference_low": lo,
                    "reference_high": hi,
                    "datetime": when.isoformat(),
                }
            )

    medications: list[dict[str, Any]] = []
    for med, reason in home:
        since = start - dt.timedelta(days=rng.randint(180, 1800))
        rec = _medication(pid, len(medications) + 1, med, "active", since, reason)
        if med.klass in replaced:
            rec.update(status="stopped", end=start.isoformat())
        medications.append(rec)
    for med in sc.hosp:
        given_from = op if op and med.klass == "cephem" else start
        rec = _medication(pid, len(medications) + 1, med, "completed", given_from, sc.dx[0])
        rec.setdefault("end", min(dc, given_from + dt.timedelta(days=1 if op else 6)).isoformat())
        medications.append(rec)
    for med in new_meds:
        begin = dc if med.klass in ("cephem", "penicillin") or "日間" in med.timing else st.day(min(2, los))
        medications.append(_medication(pid, len(medications) + 1, med, "active", begin, sc.dx[0]))

    onset = start - dt.timedelta(days=onset_days if "{d}" in hpi else 0)
    if sc.onset_years:
        onset = dt.date(start.year - years, rng.randint(1, 12), 1)
    conditions = [_condition(pid, 1, sc.dx[0], sc.dx[1], onset, dc if sc.acute else None)]
    for name, icd in sc.extra_dx:
        since = dt.date(start.year - years, rng.randint(1, 12), 1)
        conditions.append(_condition(pid, len(conditions) + 1, name, icd, since, None))
    for key, year in comorbid:
        name, icd, _ = COMORBID[key]
        conditions.append(_condition(pid, len(conditions) + 1, name, icd, dt.date(year, 4, 1), None))

    allergies: list[dict[str, Any]] = []
    if allergy:
        substance, category, reaction, _, criticality, _ = allergy
        allergies.append(
            {
                "id": f"{pid}-alg-1",
                "patient_id": pid,
                "substance": substance,
                "category": category,
                "reaction": reaction,
                "criticality": criticality,
            }
        )

    return {
        "id": pid,
        "birth_date": birth.isoformat(),
        "sex": sex,
        "name": f"{surname[0]}　{given[0]}",
        "name_kana": f"{surname[1]}　{given[1]}",
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
        "observations": observations,
        "medications": medications,
        "allergies": allergies,
        "conditions": conditions,
    }


def build_cohort(seed: int = SEED, n: int = N_PATIENTS) -> list[dict[str, Any]]:
    """The cohort as plain dicts (one per :class:`PatientRecord`), deterministic for a seed."""
    rng = random.Random(seed)
    plan = list(SCENARIOS) + rng.sample(SCENARIOS, n - len(SCENARIOS))
    rng.shuffle(plan)
    surnames = rng.sample(SURNAMES, n)
    used: set[str] = set()  # given names, so that few repeat
    return [build_patient(i, sc, surnames[i], used, rng) for i, sc in enumerate(plan)]


def render(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def write_cohort(path: Path = DEFAULT_OUT, seed: int = SEED) -> int:
    """Write the cohort as JSONL after validating every record; returns the number of patients."""
    from karte.records.models import PatientRecord

    text = render(build_cohort(seed))
    lines = text.rstrip("\n").split("\n")
    for line in lines:
        PatientRecord.model_validate_json(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return len(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate Karte's synthetic demo cohort (JSONL).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output file (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    count = write_cohort(args.out)
    print(f"wrote {count} synthetic patients to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
