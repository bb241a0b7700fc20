"""Rule compiler: a criterion's Japanese text → checks, by the grammar of ``criteria_rules.yaml``.

Order of work on the normalised text, each step consuming what it used: ages; time windows; lab
thresholds (an analyte name followed by a number, unit and comparison; a threshold inside brackets
defines the words before them, "重度の腎機能障害（eGFR 30未満）"); drugs and drug classes; diseases
("X以外のY" excludes X's codes from Y's); sex. What is left after removing filler words is reported,
and becomes a free-text check for the LLM so that an unparsed condition is never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from karte.screening.compiler.grammar import Grammar, grammar
from karte.screening.models import (
    AgeCheck,
    Check,
    CompiledCriterion,
    DiagnosisCheck,
    DiagnosisStatus,
    LabCheck,
    MedicationCheck,
    SexCheck,
    TextCheck,
    Timing,
)
from karte.screening.vocab import disease_vocabulary, drug_table, lab_table
from karte.text import normalize

_CONTENT = re.compile(r"[一-龥ぁ-んァ-ヶA-Za-z0-9]")
_PARTICLES = re.compile(r"[のをがはにでともへや、。,.・()\[\]「」『』:;/\s|~\-]+")
_BRACKET = re.compile(r"\(([^()]*)\)")
_ORPHANS = re.compile(r"(?<=\s)[前歴中後時例者](?=\s)")
MIN_LEFTOVER = 2


@dataclass
class Parse:
    s: str
    g: Grammar
    used: bytearray = field(init=False)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    window_days: int | None = None

    def __post_init__(self) -> None:
        self.used = bytearray(len(self.s))

    def free(self, a: int, b: int) -> bool:
        return not any(self.used[a:b])

    def take(self, a: int, b: int) -> None:
        self.used[a:b] = b"\x01" * (b - a)

    def remaining(self) -> str:
        return "".join("|" if u else c for c, u in zip(self.s, self.used, strict=True))


def _ages(p: Parse) -> None:
    g = p.g
    for m in g.age_range.finditer(p.s):
        hi = int(m["hi"]) - (1 if m["post"] == "未満" else 0)
        p.checks.append(AgeCheck(min=int(m["lo"]), max=hi))
        p.take(*m.span())
    for pattern, group in ((g.age_single, "post"), (g.age_symbol, "pre")):
        for m in pattern.finditer(p.s):
            if not p.free(*m.span()):
                continue
            op = (g.after if group == "post" else g.before)[m[group]]
            n = int(m["n"])
            bounds = {">=": (n, None), ">": (n + 1, None), "<=": (None, n), "<": (None, n - 1)}[op]
            p.checks.append(AgeCheck(min=bounds[0], max=bounds[1]))
            p.take(*m.span())
    ages = [c for c in p.checks if isinstance(c, AgeCheck)]
    if len(ages) > 1:  # "20歳以上かつ75歳以下" written as two phrases: one range
        low = max((c.min for c in ages if c.min is not None), default=None)
        high = min((c.max for c in ages if c.max is not None), default=None)
        p.checks = [c for c in p.checks if not isinstance(c, AgeCheck)] + [AgeCheck(min=low, max=high)]


def _windows(p: Parse) -> None:
    for m in p.g.window.finditer(p.s):
        if p.free(*m.span()):
            days = round(int(m["n"]) * p.g.window_days[m["unit"]])
            p.window_days = days if p.window_days is None else min(p.window_days, days)
            p.take(*m.span())


def _labs(p: Parse) -> None:
    table = lab_table()
    for hit in table.find(p.s):
        if not p.free(hit.start, hit.end):
            continue
        analyte = table.analytes[hit.values[0]]
        pos = hit.end
        found = False
        while True:
            m = p.g.comparison_tail.match(p.s, pos)
            if not m or not (m["pre"] or m["post"]):
                break
            op = p.g.before[m["pre"]] if m["pre"] else p.g.after[m["post"]]
            value = float(m["num"])
            unit = m["unit"] or analyte.unit or ""
            canonical = analyte.to_canonical(value, m["unit"])
            if canonical is None:
                p.notes.append(f"{analyte.name} の単位 {unit} を換算できません (unit not convertible)")
                break
            p.checks.append(
                LabCheck(
                    label=p.s[hit.start : m.end()].strip(),
                    analyte=analyte.key,
                    op=op,
                    value=round(canonical, 4),
                    unit=analyte.unit or unit,
                    within_days=p.window_days,
                )
            )
            found = True
            pos = m.end()
        if found:
            p.take(hit.start, pos)
            _bracket_definition(p, hit.start)


def _bracket_definition(p: Parse, offset: int) -> None:
    """A threshold inside brackets defines the words just before them: those are not a disease."""
    for b in _BRACKET.finditer(p.s):
        if b.start() < offset < b.end():
            head = p.s[: b.start()]
            cut = max((head.rfind(c) for c in "、,。|"), default=-1)
            start = cut + 1
            if p.s[start : b.start()].strip():
                p.notes.append(f"「{p.s[start : b.start()]}」は括弧内の条件で判定 (defined by the bracket)")
                p.take(start, b.start())
            p.take(b.start(), b.start() + 1)
            p.take(b.end() - 1, b.end())
            return


def _drugs(p: Parse) -> None:
    table = drug_table()
    disease_spans = [(h.start, h.end) for h in disease_vocabulary().find(p.s)]
    classes: list[str] = []
    drugs: list[str] = []
    labels: list[str] = []
    for hit in table.find(p.s):
        if not p.free(hit.start, hit.end):
            continue
        if any(s <= hit.start and hit.end <= e and (e - s) > (hit.end - hit.start) for s, e in disease_spans):
            continue  # "インスリン" inside "インスリン非依存性糖尿病"
        for kind, value in hit.values:
            (classes if kind == "class" else drugs).append(value)
        labels.append(p.s[hit.start : hit.end])
        p.take(hit.start, hit.end)
    if not labels:
        return
    g = p.g
    timing: Timing
    if any(w in p.s for w in g.timing_past):
        timing = "past"
    elif any(w in p.s for w in g.timing_ever):
        timing = "ever"
    else:
        timing = "current"
    p.checks.append(
        MedicationCheck(
            label="・".join(dict.fromkeys(labels)),
            classes=list(dict.fromkeys(classes)),
            drugs=list(dict.fromkeys(drugs)),
            timing=timing,
            within_days=p.window_days,
        )
    )


def _strip_filler(piece: str, g: Grammar) -> str:
    out = piece
    for f in (*g.any_words, *g.filler):
        if len(f) >= 2:
            out = out.replace(f, " ")
    edges = " 　のをがはにでともへやな中前「」:;"
    out = out.strip(edges)
    while out and (out[0] == ")" or (out[-1] == "(") or (out[-1] == ")" and "(" not in out)):
        out = (out[1:] if out[0] == ")" else out[:-1]).strip(edges)
    return out


def _resolve(piece: str) -> tuple[str, list[str], str] | None:
    vocab = disease_vocabulary()
    for candidate in (piece, _BRACKET.sub("", piece).strip()):
        if not candidate or (candidate.isascii() and len(candidate) <= 3):
            continue  # "mL", "EF": too short to be taken for a disease abbreviation
        found = vocab.resolve(candidate)
        if found is not None:
            return candidate, found.codes, found.rationale
    return None


def _diagnoses(p: Parse) -> None:
    g = p.g
    status: DiagnosisStatus = "ever" if any(w in p.s for w in g.dx_ever) else "current"
    rest = p.remaining()
    for word in g.except_words:
        idx = rest.find(word)
        if idx < 0:
            continue
        left = g.separators.split(rest[:idx])[-1]
        right = g.separators.split(rest[idx + len(word) :])[0]
        x, y = _resolve(_strip_filler(left, g)), _resolve(_strip_filler(right, g))
        if x and y:
            p.checks.append(
                DiagnosisCheck(label=f"{x[0]}以外の{y[0]}", codes=y[1], exclude_codes=x[1], status=status)
            )
            p.take(idx - len(left), idx + len(word) + len(right))
            rest = p.remaining()
    vocab = disease_vocabulary()
    for chunk in re.split(r"\|+", rest):
        whole = _strip_filler(chunk, g)
        found = _resolve(whole) if whole else None
        pieces = [whole] if found else [_strip_filler(x, g) for x in g.separators.split(chunk)]
        for piece in pieces:
            if not piece:
                continue
            resolved = [_resolve(piece)]
            if resolved[0] is None:  # the disease names inside ("コントロール不良の高血圧", "授乳中の女性")
                resolved = [_resolve(piece[h.start : h.end]) for h in vocab.find(piece)]
            for item in resolved:
                if item is None:
                    continue
                label, codes, _ = item
                p.checks.append(DiagnosisCheck(label=label, codes=codes, status=status))
                start = p.s.find(label)
                if start >= 0:
                    p.take(start, start + len(label))


def _sex(p: Parse) -> None:
    named = {
        sex: [w for w in words if w in p.s] for sex, words in (("male", p.g.male), ("female", p.g.female))
    }
    if named["male"] and named["female"]:  # "男性または女性": no restriction
        for w in named["male"] + named["female"]:
            idx = p.s.find(w)
            if p.free(idx, idx + len(w)):
                p.take(idx, idx + len(w))
        p.notes.append("性別の制限なし (both sexes)")
        return
    sexes: tuple[tuple[Literal["male", "female"], tuple[str, ...]], ...] = (
        ("male", p.g.male),
        ("female", p.g.female),
    )
    for sex, words in sexes:
        for w in words:
            idx = p.s.find(w)
            if idx < 0 or not p.free(idx, idx + len(w)):
                continue
            p.take(idx, idx + len(w))
            if _leftover(p):
                p.used[idx : idx + len(w)] = b"\x00" * len(w)  # part of a longer condition
                continue
            p.checks.append(SexCheck(sex=sex))
            return


def _leftover(p: Parse) -> str:
    text = _strip_filler(p.remaining(), p.g)
    words = (*p.g.timing_current, *p.g.timing_ever, *p.g.dx_current, *p.g.dx_ever, *p.g.negation_final)
    for w in (*words, *p.g.any_words):
        if len(w) >= 2:
            text = text.replace(w, " ")
    text = _PARTICLES.sub(" ", text)
    text = _ORPHANS.sub(" ", f" {text} ").strip()  # 前, 歴, 中 left alone by the words removed
    return text if len(_CONTENT.findall(text)) >= MIN_LEFTOVER else ""


def _negated(p: Parse) -> bool:
    tail = p.s.rstrip("。 ")
    for suffix in ("の患者", "患者", "例", "者", "こと"):
        if tail.endswith(suffix):
            tail = tail[: -len(suffix)].rstrip()
    has_subject = any(isinstance(c, DiagnosisCheck | MedicationCheck) for c in p.checks)
    return has_subject and any(tail.endswith(w) for w in p.g.negation_final)


def compile_rules(text: str) -> CompiledCriterion | None:
    """The compiled form of ``text``, or None when the rules find no checkable condition in it."""
    s = normalize(text).text
    p = Parse(s, grammar())
    _ages(p)
    _windows(p)
    _labs(p)
    _drugs(p)
    _diagnoses(p)
    _sex(p)
    leftover = _leftover(p)
    if not p.checks:
        return None
    if leftover:
        p.notes.append(f"未解析の語句「{leftover}」は LLM が判定 (unparsed words left to the LLM)")
        p.checks.append(TextCheck(question=text))
    subject: list[Check] = [c for c in p.checks if isinstance(c, AgeCheck | SexCheck)]
    main: list[Check] = [c for c in p.checks if not isinstance(c, AgeCheck | SexCheck)]
    if not main:  # only age and sex: they are the criterion itself
        main, subject = subject, []
    combine = "any" if any(w in s for w in p.g.any_words) and len(main) > 1 else "all"
    return CompiledCriterion(
        checks=main,
        combine=combine,
        negated=_negated(p),
        require=subject,
        source="rule",
        text=text,
        notes=p.notes,
    )
