"""The death certificate (死亡診断書・死体検案書) as input, and the conditions written on it.

Lines: ``Ia``–``Id`` are Part I (ア 直接死因, イ アの原因, ウ イの原因, エ ウの原因), ``II`` is Part II
(直接には死因に関係しないが I 欄の傷病経過に影響を及ぼした傷病名等). A line holds one condition or
several (a list, or a text with 、 ， ; between them). Every condition keeps the span of its text in
the field it came from, so the evidence points at the certificate as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from karte.reporting.death.interval import interval_days

PART_I = ("Ia", "Ib", "Ic", "Id")
LINES = (*PART_I, "II")
_JA_LINE = {"Ia": "ア", "Ib": "イ", "Ic": "ウ", "Id": "エ", "II": "II"}
_SEPARATORS = re.compile(r"[、，,;；/／\n]+")
LineValue = str | list[str] | None


def _aliases(line: str) -> AliasChoices:
    extra = ("Ⅱ", "2") if line == "II" else (f"1{line[1]}", f"Ⅰ{line[1]}")
    return AliasChoices(line, _JA_LINE[line], line.lower(), *extra)


class _Lines(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    Ia: LineValue = Field(default=None, validation_alias=_aliases("Ia"), description="I欄ア 直接死因")
    Ib: LineValue = Field(default=None, validation_alias=_aliases("Ib"), description="I欄イ アの原因")
    Ic: LineValue = Field(default=None, validation_alias=_aliases("Ic"), description="I欄ウ イの原因")
    Id: LineValue = Field(default=None, validation_alias=_aliases("Id"), description="I欄エ ウの原因")
    II: LineValue = Field(default=None, validation_alias=_aliases("II"), description="II欄 その他の身体状況")

    def value(self, line: str) -> LineValue:
        v: LineValue = getattr(self, line)
        return v


class Causes(_Lines):
    """The cause lines."""


class Intervals(_Lines):
    """発病（発症）又は受傷から死亡までの期間, per line (``約3年``, ``2時間`` …)."""


class ExternalInfo(BaseModel):
    """外因死の追加事項."""

    model_config = ConfigDict(extra="forbid")

    circumstance: str | None = Field(default=None, description="手段及び状況 (free text)")
    place: str | None = Field(
        default=None, description="傷害が発生したところ: 住居 / 工場及び建築現場 / 道路 / その他（場所）"
    )
    date: str | None = Field(default=None, description="傷害が発生した日時 (as written)")


class Procedure(BaseModel):
    """手術 or 解剖: done or not, and the main findings."""

    model_config = ConfigDict(extra="forbid")

    done: bool | None = None
    findings: str | None = None
    date: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_short_forms(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"done": value}
        if isinstance(value, str):
            v = value.strip()
            if v in ("無", "なし", "無し", "しない", "未実施", "no", "false"):
                return {"done": False}
            if v in ("有", "あり", "有り", "実施", "yes", "true"):
                return {"done": True}
            return {"done": True, "findings": v}
        return value


class DeathCertificate(BaseModel):
    """A 死亡票: every field but the id is optional."""

    causes: Causes = Field(default_factory=Causes, description="Ia, Ib, Ic, Id (I欄 ア–エ), II (II欄)")
    intervals: Intervals = Field(
        default_factory=Intervals, description="Interval from onset to death, per line"
    )
    manner: str | int | None = Field(
        default=None,
        description=(
            "死因の種類: 病死及び自然死, 不慮の外因死（交通事故 …）, 自殺, 他殺, "
            "その他及び不詳の外因, 不詳の死"
        ),
    )
    external: ExternalInfo | None = Field(default=None, description="外因死の追加事項")
    surgery: Procedure | None = Field(
        default=None, description="手術 (bool, 有/無, or {done, findings, date})"
    )
    autopsy: Procedure | None = Field(default=None, description="解剖 (bool, 有/無, or {done, findings})")

    @field_validator("manner")
    @classmethod
    def _manner_text(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, bool):
            raise ValueError("死因の種類は文字列か番号です (manner must be text or a number)")
        return value


@dataclass(frozen=True)
class WrittenCondition:
    """One condition as written: its line, the field it is in, and its span in that field."""

    line: str
    position: int  # order on its line
    field: str  # causes.Ia, causes.Ia[1] …
    field_text: str  # the whole field value
    start: int
    end: int
    interval_text: str | None
    interval_days: float | None

    @property
    def text(self) -> str:
        return self.field_text[self.start : self.end]

    @property
    def part(self) -> str:
        return "II" if self.line == "II" else "I"


def _pieces(value: str) -> list[tuple[int, int]]:
    """Spans of the conditions in one field value (split at 、 ， ; and line breaks, trimmed)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in [*_SEPARATORS.finditer(value), None]:
        end = m.start() if m else len(value)
        s, e = pos, end
        while s < e and value[s].isspace():
            s += 1
        while e > s and value[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        pos = m.end() if m else len(value)
    return out


def written_conditions(cert: DeathCertificate) -> list[WrittenCondition]:
    """Every condition on the certificate in the order written (Ia first … II last)."""
    out: list[WrittenCondition] = []
    for line in LINES:
        value = cert.causes.value(line)
        interval = cert.intervals.value(line)
        interval_text = interval if isinstance(interval, str) else (interval[0] if interval else None)
        fields: list[tuple[str, str]] = []
        if isinstance(value, str):
            fields.append((f"causes.{line}", value))
        elif isinstance(value, list):
            fields.extend((f"causes.{line}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str))
        position = 0
        for i, (name, text) in enumerate(fields):
            own_interval = interval_text
            if isinstance(interval, list) and i < len(interval):
                own_interval = interval[i]
            for s, e in _pieces(text):
                out.append(
                    WrittenCondition(
                        line, position, name, text, s, e, own_interval, interval_days(own_interval)
                    )
                )
                position += 1
    return out
