"""JSON schema from a pydantic model, and validation of a model's JSON answer against it."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError


def json_schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with ``$defs`` references inlined (grammar converters need no refs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    result: dict[str, Any] = inline(schema)
    return result


def validate_json(model: type[BaseModel], text: str) -> tuple[BaseModel | None, str | None]:
    """``(object, None)`` when ``text`` is exactly one JSON value valid for ``model``; else ``(None, why)``.

    The text is parsed as it is: no code fences or prose are stripped.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"JSON として読めません (not JSON): {exc.msg} at {exc.pos}"
    try:
        return model.model_validate(value), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        return None, f"スキーマに合いません (schema mismatch) at {where}: {first['msg']}"
