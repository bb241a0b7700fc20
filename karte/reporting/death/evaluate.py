"""Score death-certificate coding on a JSONL dev set: one certificate per line with ``expected``.

``expected``: ``underlying_icd10`` (and, for external causes, ``external_icd10``, ``external_icd11`` and
``place``). Reports accuracy of the underlying cause (3-character and full code), of the external
cause (3-character ICD-10, ICD-11 stem, place), and every mismatch.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from karte.errors import InputError, KarteError
from karte.reporting.death.certificate import DeathCertificate
from karte.reporting.death.coder import DeathCoder


class Mismatch(BaseModel):
    id: str
    what: str
    expected: str | None
    got: str | None


class Ratio(BaseModel):
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)


class DeathReport(BaseModel):
    certificates: int = 0
    errors: list[str] = Field(default_factory=list)
    underlying_3: Ratio = Field(default_factory=Ratio)
    underlying_full: Ratio = Field(default_factory=Ratio)
    external_3: Ratio = Field(default_factory=Ratio)
    external_full: Ratio = Field(default_factory=Ratio)
    external_icd11: Ratio = Field(default_factory=Ratio)
    place: Ratio = Field(default_factory=Ratio)
    external_false_positive: int = 0
    mismatches: list[Mismatch] = Field(default_factory=list)
    seconds: float = 0.0
    icd11_table: str = ""

    def summary_rows(self) -> list[tuple[str, str]]:
        def f(r: Ratio) -> str:
            return f"{r.value:.3f} ({r.correct}/{r.total})"

        return [
            ("原死因 ICD-10 3桁 (underlying, 3-char)", f(self.underlying_3)),
            ("原死因 ICD-10 全桁 (underlying, full code)", f(self.underlying_full)),
            ("外因 ICD-10 3桁 (external cause, 3-char)", f(self.external_3)),
            ("外因 ICD-10 全桁 (external cause, full code)", f(self.external_full)),
            (
                f"外因 ICD-11 幹コード (external cause, ICD-11 stem; {self.icd11_table})",
                f(self.external_icd11),
            ),
            ("発生場所 (place of occurrence)", f(self.place)),
            ("病死に外因を付けた件数 (external cause on natural deaths)", str(self.external_false_positive)),
            ("処理速度 (certificates/s)", f"{self.certificates / self.seconds:.0f}" if self.seconds else "-"),
        ]


def read_dev_set(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path} を読めません: {exc} (cannot read dev set)", field="path") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: JSON ではありません ({exc.msg})", field="path") from exc
        if not isinstance(value, dict) or "id" not in value:
            raise InputError(
                f"{path}:{n}: id のある JSON オブジェクトが必要です (object with an id)", field="path"
            )
        records.append(value)
    return records


def _stem(code: str | None) -> str | None:
    return code.split("&")[0].split("/")[0] if code else None


def evaluate(records: list[dict[str, Any]], coder: DeathCoder) -> DeathReport:
    report = DeathReport(icd11_table=f"ICD-11 {coder.icd11.origin}")
    start = time.perf_counter()
    for rec in records:
        rid = str(rec["id"])
        expected: dict[str, Any] = rec.get("expected") or {}
        try:
            cert = DeathCertificate.model_validate(
                {k: v for k, v in rec.items() if k not in ("id", "expected")}
            )
            result = coder.code(cert)
        except (ValidationError, KarteError) as exc:
            report.errors.append(f"{rid}: {exc}")
            continue
        report.certificates += 1
        got = result.underlying.icd10
        want = expected.get("underlying_icd10")
        if want:
            report.underlying_3.add((got or "")[:3] == want[:3])
            report.underlying_full.add(got == want)
            if got != want:
                report.mismatches.append(Mismatch(id=rid, what="underlying", expected=want, got=got))
        ext = result.external_cause
        want_ext = expected.get("external_icd10")
        if not want_ext:
            if ext is not None:
                report.external_false_positive += 1
                report.mismatches.append(
                    Mismatch(id=rid, what="external (none expected)", expected=None, got=ext.icd10)
                )
            continue
        got_ext = ext.icd10 if ext else None
        report.external_3.add((got_ext or "")[:3] == want_ext[:3])
        report.external_full.add(got_ext == want_ext)
        if got_ext != want_ext:
            report.mismatches.append(Mismatch(id=rid, what="external ICD-10", expected=want_ext, got=got_ext))
        want11 = expected.get("external_icd11")
        if want11:
            got11 = _stem(ext.icd11 if ext else None)
            report.external_icd11.add(got11 == want11)
            if got11 != want11:
                report.mismatches.append(Mismatch(id=rid, what="external ICD-11", expected=want11, got=got11))
        if "place" in expected:
            got_place = ext.place.code if ext and ext.place else None
            report.place.add(got_place == expected["place"])
            if got_place != expected["place"]:
                report.mismatches.append(
                    Mismatch(id=rid, what="place", expected=expected["place"], got=got_place)
                )
    report.seconds = time.perf_counter() - start
    return report
