"""Reading and writing trial definitions (YAML or JSON), with errors that name the file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from karte.errors import InputError, NotFoundError
from karte.screening.models import Trial


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(x) for x in loc) or "trial"


def trial_from_data(data: Any, source: str = "trial") -> Trial:
    """Validate a trial given as a dict (from a file, a task input or a request)."""
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: 試験定義はオブジェクト {{id, title, criteria}} です (a trial is an object)",
            field="trial",
        )
    try:
        return Trial.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _field(tuple(first["loc"]))
        raise InputError(
            f"{source}: 試験定義の {where} が不正です: {first['msg']} (invalid trial definition at {where})",
            field=f"trial.{where}",
        ) from exc


def parse_trial_text(text: str, source: str = "trial", fmt: str | None = None) -> Trial:
    """Parse YAML or JSON text (``fmt`` "json"/"yaml", or guessed: JSON first)."""
    try:
        if fmt == "json" or (fmt is None and text.lstrip().startswith("{")):
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.lineno} 行 {exc.colno} 列"
        raise InputError(
            f"{source}: JSON として読めません ({where}) (cannot parse the trial file)", field="trial"
        ) from exc
    except yaml.YAMLError as exc:  # the position only: the file's content is not echoed
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1} 行 {mark.column + 1} 列" if mark is not None else "位置不明"
        raise InputError(
            f"{source}: YAML として読めません ({where}) (cannot parse the trial file)", field="trial"
        ) from exc
    return trial_from_data(data, source)


def load_trial(path: Path | str) -> Trial:
    """The trial in ``path`` (``.yaml``, ``.yml`` or ``.json``; UTF-8)."""
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"試験定義ファイル {p} がありません (trial file not found)", field="trial")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{p}: UTF-8 として読めません: {exc} (cannot read the trial file)", field="trial"
        ) from exc
    fmt = (
        "json" if p.suffix.lower() == ".json" else ("yaml" if p.suffix.lower() in (".yaml", ".yml") else None)
    )
    return parse_trial_text(text, str(p), fmt)


def dump_trial(trial: Trial, fmt: str = "yaml") -> str:
    """The trial as YAML (default) or JSON, compiled parts included, defaults left out."""
    data = trial.model_dump(mode="json", exclude_none=True)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def save_trial(trial: Trial, path: Path | str) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(dump_trial(trial, "json" if p.suffix.lower() == ".json" else "yaml"), encoding="utf-8")
    return p


def compiled_path(path: Path | str) -> Path:
    """Where ``karte trial compile --save`` writes: ``trial.yaml`` → ``trial.compiled.yaml``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.compiled{p.suffix or '.yaml'}")
