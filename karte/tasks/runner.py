"""Run a registered task over records: the one JSONL contract behind CLI, REST, Python and batch.

``{"id": …, …}`` in, ``{"id": …, …}`` or ``{"id": …, "error": {"type", "message", "field"}}`` out,
one output per input, in input order. A bad record never stops the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from karte.errors import ErrorInfo, KarteError
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import ParsedLine
from karte.tasks.registry import TaskSpec

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    task: str
    total: int = 0
    ok: int = 0
    failed: int = 0
    errors_by_type: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def record_error(self, info: ErrorInfo) -> None:
        self.failed += 1
        self.errors_by_type[info.type] = self.errors_by_type.get(info.type, 0) + 1


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# Japanese wording for the commonest pydantic error types (the English message follows).
_JA_MESSAGES = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "未知の項目です",
    "string_type": "文字列ではありません",
    "int_type": "整数ではありません",
    "int_parsing": "整数として読めません",
    "float_parsing": "数値として読めません",
    "bool_parsing": "真偽値として読めません",
    "date_from_datetime_parsing": "日付として読めません",
    "datetime_from_date_parsing": "日時として読めません",
    "literal_error": "許される値ではありません",
    "list_type": "配列ではありません",
    "dict_type": "オブジェクトではありません",
    "model_type": "オブジェクトではありません",
}


def validation_error_info(exc: ValidationError, line: int | None) -> ErrorInfo:
    first = exc.errors()[0]
    fld = _loc(tuple(first["loc"])) or None
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] in _JA_MESSAGES:
        msg = f"{_JA_MESSAGES[first['type']]} ({msg})"
    more = f" (他 {len(exc.errors()) - 1} 件)" if len(exc.errors()) > 1 else ""
    return ErrorInfo(
        type="validation_error",
        message=f"{fld or '入力'}: {msg}{more}",
        field=fld,
        line=line,
    )


def valid_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and bool(value.strip())


def run_one(
    spec: TaskSpec, item: ParsedLine, ctx: TaskContext, seen: set[Any] | None = None
) -> dict[str, Any]:
    """Process one parsed input; always returns an output object (a result or an error)."""
    if item.error is not None:
        return {"id": None, "error": item.error.model_dump(exclude_none=True)}
    value = item.value
    if not isinstance(value, dict):
        kind = type(value).__name__
        info = ErrorInfo(
            type="invalid_input",
            message=f"{item.line} 行目は JSON オブジェクトではありません ({kind}) "
            f"(line {item.line} is not an object)",
            line=item.line,
        )
        return {"id": None, "error": info.model_dump(exclude_none=True)}
    rid = value.get("id")
    if not valid_id(rid):
        what = "がありません" if rid is None else f"が不正です ({rid!r})"
        info = ErrorInfo(
            type="missing_id",
            message=f"{item.line} 行目: id {what} (record has no usable id)",
            field="id",
            line=item.line,
        )
        return {
            "id": rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None,
            "error": info.model_dump(exclude_none=True),
        }
    if seen is not None:
        key = (type(rid).__name__, rid)
        if key in seen:
            info = ErrorInfo(
                type="duplicate_id",
                message=f"id {rid!r} が重複しています ({item.line} 行目) (duplicate id)",
                field="id",
                line=item.line,
            )
            return {"id": rid, "error": info.model_dump(exclude_none=True)}
        seen.add(key)
    try:
        inp = spec.input.model_validate(value)
        out = spec.func(inp, ctx)
        result = out.model_dump(mode="json", exclude_none=True)
        result["id"] = rid
        return {"id": rid, **{k: v for k, v in result.items() if k != "id"}}
    except ValidationError as exc:
        info = validation_error_info(exc, item.line)
    except KarteError as exc:
        info = exc.info(item.line)
    except Exception as exc:  # a bug in a task must not lose the other records
        log.exception("task %s failed on record %r", spec.name, rid)
        info = ErrorInfo(
            type="internal_error",
            message=f"内部エラー {type(exc).__name__}: {exc} (internal error)",
            line=item.line,
        )
    return {"id": rid, "error": info.model_dump(exclude_none=True)}


def run_task(
    spec: TaskSpec,
    items: Iterable[ParsedLine],
    ctx: TaskContext,
    summary: RunSummary | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one output object per input item, in order; ``summary`` is updated as it goes."""
    seen: set[Any] = set()
    for item in items:
        out = run_one(spec, item, ctx, seen)
        if summary is not None:
            summary.total += 1
            summary.notices.extend(item.notices)
            if "error" in out:
                summary.record_error(ErrorInfo.model_validate(out["error"]))
            else:
                summary.ok += 1
        if on_result is not None:
            on_result(out)
        yield out
