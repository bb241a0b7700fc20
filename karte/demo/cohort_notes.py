"""The chart notes of one synthetic stay: admission note, progress notes, lab report, discharge summary.

A :class:`Stay` holds everything drawn for one fictitious admission (see
:mod:`karte.demo.cohort_patient`); the functions here write its notes from the scenario tables.
Every note draws from the stay's random generator, so the order of the calls matters.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from karte.demo.cohort_text import heading, lab_flag, lab_text, med_line, section, vitals_text, ymd
from karte.demo.cohort_vocab import Med, Scenario, Soap, vocab


@dataclass
class Stay:
    """One fictitious patient's admission, from which every note and resource is written."""

    rng: random.Random
    pid: str
    sc: Scenario
    sex: str
    age: int
    birth: dt.date
    adm: dt.datetime
    dc: dt.date
    op: dt.date | None
    los: int  # days from admission to discharge
    years: int  # since the main diagnosis ({y})
    onset: dt.date  # of the main diagnosis, unless it dates back {y} years
    values: dict[str, float]  # labs on admission
    later: dict[str, float]  # labs of the follow-up draw
    lab_day: int
    fmt: dict[str, Any]  # placeholders of the scenario texts
    home: list[tuple[Med, str]]  # home medicines with the reason for each
    comorbid: list[tuple[str, int]]  # (key of the comorbidity table, year diagnosed)
    pill_style: bool
    hpi: str

    @property
    def start(self) -> dt.date:
        return self.adm.date()

    def day(self, n: int) -> dt.date:
        return self.start + dt.timedelta(days=n)

    def soap_text(self, soap: Soap, o2: str | None, style: str, day: int | None = None) -> str:
        """A progress note (SOAP, or 入院後経過 and 評価・計画 headings); ``day`` None: outpatient."""
        rng, v = self.rng, vocab()
        vit = v.recovery_vitals
        if self.sc.vitals.irregular:
            vit = vit.model_copy(update={"hr": (84, 100), "irregular": True})
        o = f"{vitals_text(rng, vit, o2)}。{soap.o}"
        a, p = f"#1 {self.sc.dx.name}\n{soap.a}", soap.p
        if day is not None:
            o += "".join(rng.sample(v.progress_o, 2)).format(n=rng.randint(5, 9))
            if day >= self.lab_day:
                labs = "、".join(lab_text(rng, k, x) for k, x in self.later.items())
                o += f"第{self.lab_day + 1}病日の採血で{labs}。"
            p += rng.choice(v.progress_p)
        for n, (key, _) in enumerate(self.comorbid[:2], 2):
            a += f"\n#{n} {v.comorbid[key].name}\n{v.comorbid[key].note}"
        if style == "soap":
            close = rng.choice((")", "）"))
            return "\n".join(f"{k}{close} {t}" for k, t in zip("SOAP", (soap.s, o, a, p), strict=True))
        return "\n".join((heading("入院後経過", style), soap.s + o, heading("評価・計画", style), f"{a}{p}"))


def past_history(st: Stay) -> str:
    """既往歴: the comorbidities with their years, and now and then an operation or old illness."""
    rows = []
    for key, year in st.comorbid:
        c = vocab().comorbid[key]
        rows.append((year, f"{c.name}（内服加療中）" if c.medicine else c.name))
    birth_year = st.adm.year - st.age
    for extra in vocab().past_extras:
        if (
            extra.sex in (None, st.sex)
            and st.age >= extra.min_age
            and st.sc.key not in extra.not_with
            and st.rng.random() < 0.18
        ):
            rows.append((st.rng.randint(birth_year + extra.min_age - 10, st.adm.year - 1), extra.text))
    if not rows:
        return "特記事項なし"
    sep = st.rng.choice(("\n", "\n・"))
    lines = [f"{year}年 {text}" for year, text in sorted(rows)]
    return ("・" if sep == "\n・" else "") + sep.join(lines)


def admission_note(st: Stay, style: str, family: str, allergy_text: str) -> str:
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
    labs = sep.join(lab_text(rng, k, v, zen_width=rng.random() < 0.2) for k, v in st.values.items())
    marks = rng.choice(("#{n} ", "{n}. ", "・"))
    assess = "\n".join(marks.format(n=i) + a.format_map(st.fmt) for i, a in enumerate(sc.assess, 1))
    parts = [
        ("主訴", rng.choice(sc.cc)),
        ("現病歴", hpi),
        ("既往歴", past_history(st)),
        ("家族歴", family),
        ("内服薬", meds or "なし"),
        ("アレルギー", allergy_text),
        ("身体所見", exam_text),
        ("検査所見", labs),
        ("評価・計画", assess),
    ]
    if style == "bracket" and rng.random() < 0.5:
        parts.insert(0, ("主病名", sc.dx.name))
    lines = [section(name, body, style) for name, body in parts]
    if rng.random() < 0.4:
        lines.insert(0, f"記載日：{ymd(st.start)}　{sc.dept}")
    return "\n".join(lines)


def lab_report(st: Stay, style: str) -> str:
    rng = st.rng
    drawn = st.day(st.lab_day)
    rows = []
    for i, (key, v) in enumerate(st.later.items()):
        alias = "ｸﾚｱﾁﾆﾝ" if key == "Cr" else None
        row = lab_text(rng, key, v, zen_width=i == 0 or rng.random() < 0.3, alias=alias)
        flag = lab_flag(key, v, st.sex)
        row += f"　{flag}" if flag else ""
        if key in st.values:
            row += f"（前回 {st.values[key]:.{vocab().labs[key].decimals}f}）"
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


def summary_note(st: Stay, style: str, secondary: list[str], dc_meds: list[Med]) -> str:
    rng, sc = st.rng, st.sc
    later = "、".join(lab_text(rng, k, v) for k, v in st.later.items())
    first = "、".join(lab_text(rng, k, st.values[k]) for k in sc.labs1)
    course = f"入院時の採血で{first}。" + sc.course.format_map(st.fmt)
    course += f"第{st.lab_day + 1}病日の採血では{later}であった。"
    meds = "\n".join(f"{i}) {med_line(m, st.pill_style)}" for i, m in enumerate(dc_meds, 1))
    parts = [
        ("主病名", sc.dx.name),
        ("副病名", "、".join(secondary) or "なし"),
        ("主訴", rng.choice(sc.cc)),
        ("入院後経過", course),
        ("退院時処方", meds or "なし"),
        ("評価・計画", sc.plan),
    ]
    if rng.random() < 0.5:
        del parts[2]
    los = (st.dc - st.start).days + 1
    head = f"入院期間：{ymd(st.start)}〜{ymd(st.dc)}（{los}日間）"
    return "\n".join([head, *(section(n, b, style) for n, b in parts)])
