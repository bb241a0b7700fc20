"""Chart-text building blocks for the synthetic demo cohort: headings, dates, prescriptions, labs, vitals.

Helpers of :mod:`karte.demo.cohort_notes`; the wording varies on purpose (full- and half-width
characters, heading styles, two prescription styles) so that the notes exercise Karte's text layer.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from karte.demo.cohort_vocab import Med, Vitals, vocab

JST = dt.timezone(dt.timedelta(hours=9))

# Heading style per heading when a whole note is "mixed": 主訴：… on a line, ■ and ＜＞ headings elsewhere.
_MIXED = {"主訴": "colon", "既往歴": "angle", "家族歴": "angle", "アレルギー": "angle"}
_ZEN = {c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c) != "."} | {0x20: 0x3000}
_PILL_UNITS = ("錠", "カプセル")


def zen(text: str) -> str:
    """Full-width ASCII (the decimal point stays half-width, as it often does in charts)."""
    return text.translate(_ZEN)


def md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def at(d: dt.date, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time in Japan on day ``d``."""
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=JST)


def heading(name: str, style: str) -> str:
    if style == "square":
        return f"■{name}"
    if style == "angle":
        return f"＜{name}＞"
    if style == "colon":
        return f"{name}："
    return f"【{name}】"


def section(name: str, body: str, style: str) -> str:
    """A heading and its body; short bodies follow 【…】 and …： headings on the same line."""
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


def lab_text(
    rng: random.Random, key: str, v: float, *, zen_width: bool = False, alias: str | None = None
) -> str:
    """A lab result as chart text (``CRP 3.20mg/dL``, ``白血球 8200/μL``), optionally full-width."""
    lab = vocab().labs[key]
    name = alias or rng.choice(lab.aliases)
    num = f"{v:.{lab.decimals}f}"
    if key == "WBC" and rng.random() < 0.5:
        text = f"{name} {round(v * 1000)}/μL"
    elif key == "PLT" and rng.random() < 0.5:
        text = f"{name} {num}万/μL"
    else:
        unit = lab.unit.replace("10^", "×10^")
        text = f"{name} {num}{rng.choice(('', ' '))}{unit}"
    return zen(text) if zen_width else text


def lab_flag(key: str, v: float, sex: str) -> str:
    """``H`` or ``L`` outside the reference range, else empty."""
    lo, hi = vocab().labs[key].ref(sex)
    return "H" if v > hi else "L" if v < lo else ""


def vitals_text(rng: random.Random, v: Vitals, o2: str | None) -> str:
    """Vital signs drawn from the ranges of ``v``, in one of two chart styles."""
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
