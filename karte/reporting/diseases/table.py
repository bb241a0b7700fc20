"""The notifiable-disease table: typed rows, loading (embedded or imported), and the rows valid on a date.

The embedded table is ``karte/reporting/resources/ja/notifiable_diseases.yaml``; ``karte reporting table
import FILE`` validates an updated file and stores it as ``$KARTE_HOME/reporting/notifiable_diseases.yaml``,
which is then used instead.
"""

from __future__ import annotations

import datetime as dt
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from karte.config import Settings
from karte.errors import ConfigError, InputError

Category = Literal["1類", "2類", "3類", "4類", "5類", "新型インフルエンザ等感染症", "指定感染症"]
Reporting = Literal["全数", "定点"]
CATEGORY_ORDER: dict[str, int] = {
    "1類": 1,
    "2類": 2,
    "3類": 3,
    "4類": 4,
    "新型インフルエンザ等感染症": 0,
    "指定感染症": 0,
    "5類": 5,
}
IMPORTED_NAME = "notifiable_diseases.yaml"


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Criterion(_Row):
    """One diagnostic criterion of the 届出基準."""

    id: str
    label: str | None = None
    kind: Literal["lab", "clinical", "context"] = "lab"
    method: str | None = Field(
        default=None, description="lab: a method of notify_vocab.yaml (pcr, isolation …)"
    )
    targets: list[str] = Field(default_factory=list, description="lab: pathogen / antigen / test names")
    specimens: list[str] = Field(default_factory=list, description="lab: required specimen (無菌部位 …)")
    symptoms: list[str] = Field(
        default_factory=list, description="clinical: symptom labels of notify_vocab.yaml"
    )
    min: int = Field(default=1, ge=1, description="clinical: how many of the symptoms")
    context: list[str] = Field(default_factory=list, description="context: context keys (入院, 死亡 …)")

    def title(self) -> str:
        if self.label:
            return self.label
        names = {
            "isolation": "分離・同定による病原体の検出",
            "pcr": "PCR法等による病原体遺伝子の検出",
            "antigen": "病原体抗原の検出",
            "igm": "IgM抗体の検出",
            "antibody": "抗体の検出",
            "igg_paired": "ペア血清での抗体価の有意上昇",
            "microscopy": "鏡検による病原体の検出",
            "toxin": "毒素の検出",
            "pathology": "病理検査での所見",
        }
        return names.get(self.method or "", self.id)


class Confirmation(_Row):
    """A combination of criteria that confirms a case (all must be met), and the case type it gives."""

    all: list[str]
    case: str = "患者（確定例）"
    carrier: bool = False
    lab_only: bool = Field(
        default=True, description="May confirm a case with no diagnosis written (lab criteria only)"
    )


class Disease(_Row):
    id: str
    name: str
    en: str = ""
    category: Category
    reporting: Reporting
    deadline: str
    terms: list[str]
    carrier_terms: list[str] = Field(
        default_factory=list, description="Names that mean an asymptomatic carrier"
    )
    suspected: bool = Field(default=False, description="疑似症患者 are notified (法第8条 / 令第4条)")
    carriers: bool = Field(default=False, description="無症状病原体保有者 are notified")
    icd10: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list)
    confirm: list[Confirmation] | None = None
    lab_only: bool = Field(
        default=True, description="A laboratory finding alone (no diagnosis written) can notify"
    )
    requires_context: str | None = Field(
        default=None, description="Notifiable only with this context (水痘: 入院)"
    )
    otherwise: str | None = Field(default=None, description="Row id that applies when the context is absent")
    form: str | None = None
    source: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Disease:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"{self.id}: valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self

    @property
    def notifiable(self) -> bool:
        """Every case is notified individually (全数把握)."""
        return self.reporting == "全数"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def confirmations(self) -> list[Confirmation]:
        if self.confirm is not None:
            return self.confirm
        return [Confirmation(all=[c.id]) for c in self.criteria if c.kind == "lab"]

    def criterion(self, cid: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == cid), None)

    def class_label(self) -> str:
        return self.category if self.category.endswith("症") else f"{self.category}感染症"


class Lookalike(_Row):
    term: str
    why: str


class NotifiableTable(_Row):
    meta: dict[str, Any] = Field(default_factory=dict)
    lookalikes: list[Lookalike] = Field(default_factory=list)
    diseases: list[Disease]
    origin: str = "embedded"

    def on(self, day: dt.date) -> list[Disease]:
        """Rows in force on ``day``."""
        return [d for d in self.diseases if d.valid_on(day)]

    def get(self, disease_id: str) -> Disease | None:
        return next((d for d in self.diseases if d.id == disease_id), None)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))


def parse_table(data: Any, origin: str) -> NotifiableTable:
    """Validate raw YAML data; errors name the row."""
    if not isinstance(data, dict) or "diseases" not in data:
        raise InputError(f"{origin}: diseases の一覧がありません (no 'diseases' list)", field="table")
    rows = data.get("diseases") or []
    for i, row in enumerate(rows):
        try:
            Disease.model_validate(row)
        except ValidationError as exc:
            rid = row.get("id", f"#{i + 1}") if isinstance(row, dict) else f"#{i + 1}"
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(
                f"{origin}: 行 {rid} の {where}: {first['msg']} (invalid disease row)",
                field=f"diseases[{i}].{where}",
            ) from exc
    try:
        return NotifiableTable.model_validate({**data, "origin": origin})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"{origin}: {first['msg']} ({'.'.join(str(p) for p in first['loc'])})", field="table"
        ) from exc


def read_table_file(path: Path) -> NotifiableTable:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path} を読めません: {exc} (cannot read file)", field="path") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: YAML として読めません: {exc} (not valid YAML)", field="path") from exc
    return parse_table(data, str(path))


def imported_path(settings: Settings) -> Path:
    return settings.home / "reporting" / IMPORTED_NAME


_cache: dict[tuple[str, float], NotifiableTable] = {}
_lock = threading.Lock()


def load_table(settings: Settings | None = None) -> NotifiableTable:
    """The imported table when ``karte reporting table import`` stored one, else the embedded one."""
    path = imported_path(settings) if settings is not None else None
    if path is not None and path.is_file():
        key = (str(path), path.stat().st_mtime)
        with _lock:
            if key not in _cache:
                try:
                    _cache[key] = read_table_file(path)
                except InputError as exc:
                    raise ConfigError(
                        f"取り込んだ届出対象疾患表が壊れています: {exc.message} (imported table invalid)"
                    ) from exc
            return _cache[key]
    with _lock:
        if ("embedded", 0.0) not in _cache:
            ref = resources.files("karte.reporting.resources").joinpath("ja", IMPORTED_NAME)
            with ref.open("r", encoding="utf-8") as fh:
                _cache[("embedded", 0.0)] = parse_table(yaml.safe_load(fh), "embedded")
        return _cache[("embedded", 0.0)]
