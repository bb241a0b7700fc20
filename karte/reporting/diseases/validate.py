"""Checks of a notifiable-disease table beyond its schema: references, dates, deadlines, terms, codes.

``validate_table(table)`` returns problems (``error`` blocks an import; ``warning`` is shown). The rules
follow the law's structure: 1類–4類, 新型インフルエンザ等 and 指定感染症 are notified 直ちに; 5類 全数
within 7日以内 except those 規則第4条第3項 names (麻しん, 風しん, 侵襲性髄膜炎菌感染症: 直ちに).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from karte.errors import InputError
from karte.reporting.diseases.forms import load_forms
from karte.reporting.diseases.table import Disease, NotifiableTable
from karte.reporting.resources import load_resource

IMMEDIATE_CLASS_5 = ("麻しん", "風しん", "侵襲性髄膜炎菌感染症")


@dataclass(frozen=True)
class Problem:
    level: str  # error | warning
    row: str
    message: str

    def line(self) -> str:
        return f"[{self.level}] {self.row}: {self.message}"


def _overlap(a: Disease, b: Disease) -> bool:
    a_end = a.valid_to or dt.date.max
    b_end = b.valid_to or dt.date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def validate_table(table: NotifiableTable, code_ok: Callable[[str], bool] | None = None) -> list[Problem]:
    """Every problem of ``table``; ``code_ok`` (an ICD-10 validity check) is applied to ``icd10``."""
    problems: list[Problem] = []
    vocab = load_resource("ja", "notify_vocab.yaml")
    symptoms, methods, contexts = set(vocab["symptoms"]), set(vocab["methods"]), set(vocab["contexts"])
    forms = load_forms()
    ids: dict[str, Disease] = {}
    for d in table.diseases:
        if d.id in ids:
            problems.append(Problem("error", d.id, "id が重複しています (duplicate id)"))
        ids[d.id] = d
    terms: dict[str, list[Disease]] = {}
    for d in table.diseases:
        for t in {*d.terms, *d.carrier_terms}:
            terms.setdefault(unicodedata.normalize("NFKC", t).lower(), []).append(d)
        problems.extend(_row_problems(d, ids, symptoms, methods, contexts, set(forms.forms), code_ok))
    for term, rows in terms.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if a.id != b.id and _overlap(a, b):
                    problems.append(
                        Problem(
                            "error",
                            a.id,
                            f"語「{term}」が {b.id} と同時期に重複 (term maps to two rows in force)",
                        )
                    )
    for lk in table.lookalikes:
        if unicodedata.normalize("NFKC", lk.term).lower() in terms:
            problems.append(
                Problem("error", lk.term, "類似名が届出対象の語と同じです (look-alike equals a disease term)")
            )
    return problems


def _row_problems(
    d: Disease,
    ids: dict[str, Disease],
    symptoms: set[str],
    methods: set[str],
    contexts: set[str],
    forms: set[str],
    code_ok: Callable[[str], bool] | None,
) -> list[Problem]:
    out: list[Problem] = []

    def err(msg: str) -> None:
        out.append(Problem("error", d.id, msg))

    if not d.source.strip():
        err("出典 (source) がありません")
    if not d.terms:
        err("病名 (terms) がありません")
    if (
        d.category in ("1類", "2類", "3類", "4類", "新型インフルエンザ等感染症", "指定感染症")
        and d.deadline != "直ちに"
    ):
        err(f"{d.category} の届出期限は「直ちに」です (got {d.deadline!r}; 法第12条第1項第1号)")
    if d.category == "5類" and d.reporting == "全数":
        want = "直ちに" if any(d.name.startswith(n) for n in IMMEDIATE_CLASS_5) else "7日以内"
        if d.deadline != want:
            out.append(
                Problem(
                    "warning", d.id, f"5類全数の期限は通常「{want}」 (got {d.deadline!r}; 規則第4条第3項)"
                )
            )
    if d.category != "5類" and d.reporting == "定点":
        err("定点把握は5類感染症のみです")
    if d.reporting == "全数":
        if not d.criteria:
            err("全数把握の疾患に届出基準 (criteria) がありません")
        if not d.form:
            err("全数把握の疾患に様式 (form) がありません")
    if d.form and d.form not in forms:
        err(f"様式 {d.form!r} が notify_forms.yaml にありません")
    crit_ids = [c.id for c in d.criteria]
    if len(set(crit_ids)) != len(crit_ids):
        err("criteria の id が重複しています")
    for c in d.criteria:
        if c.kind == "lab":
            if c.method not in methods:
                err(f"criteria {c.id}: 検査方法 {c.method!r} が語彙にありません (unknown method)")
            if not c.targets:
                err(f"criteria {c.id}: 検査対象 (targets) がありません")
        elif c.kind == "clinical":
            unknown = [s for s in c.symptoms if s not in symptoms]
            if unknown or not c.symptoms:
                err(f"criteria {c.id}: 症状 {unknown or '(なし)'} が語彙にありません")
            if c.min > len(c.symptoms):
                err(f"criteria {c.id}: min {c.min} が症状の数より大きい")
        elif not c.context or any(k not in contexts for k in c.context):
            err(f"criteria {c.id}: 状況語 {c.context} が語彙にありません")
    for conf in d.confirm or []:
        for cid in conf.all:
            if cid not in crit_ids:
                err(f"confirm が存在しない基準 {cid!r} を参照しています")
    unknown_symptoms = [s for s in d.symptoms if s not in symptoms]
    if unknown_symptoms:
        err(f"症状 {unknown_symptoms} が語彙にありません")
    if d.otherwise and d.otherwise not in ids:
        err(f"otherwise {d.otherwise!r} の行がありません")
    if d.requires_context and d.requires_context not in contexts:
        err(f"requires_context {d.requires_context!r} が語彙にありません")
    if code_ok is not None:
        bad = [c for c in d.icd10 if not code_ok(c)]
        if bad:
            out.append(Problem("warning", d.id, f"ICD-10 コード {bad} は読み込んだ表にありません"))
    return out


def _name_key(name: str) -> str:
    n = unicodedata.normalize("NFKC", name)
    n = re.sub(r"[（(].*?[)）]", "", n)
    return n.replace("・", "").replace(" ", "").lower()


def compare_with_name_list(table: NotifiableTable, path: Path, day: dt.date) -> tuple[list[str], list[str]]:
    """Names of a 全数 disease list (CSV with a ``disease_ja`` column, e.g. NIID's weekly table) that
    the table lacks, and 全数 rows in force on ``day`` that the list lacks (renamed or added since)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "disease_ja" not in reader.fieldnames:
                raise InputError(f"{path}: disease_ja 列がありません (no disease_ja column)", field="path")
            names = [r["disease_ja"] for r in reader if r.get("disease_ja")]
    except OSError as exc:
        raise InputError(f"{path} を読めません: {exc}", field="path") from exc
    rows = [d for d in table.on(day) if d.reporting == "全数"]
    known: dict[str, Disease] = {}
    for d in rows:
        for t in [d.name, *d.terms]:
            known[_name_key(t)] = d
    listed = {_name_key(n) for n in names}
    missing = [n for n in names if _name_key(n) not in known]
    extra = [d.name for d in rows if not ({_name_key(t) for t in [d.name, *d.terms]} & listed)]
    return missing, extra
