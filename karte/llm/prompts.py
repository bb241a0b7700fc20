"""Prompts as versioned Jinja2 files (``prompts/<lang>/<name>.v<N>.j2``), rendered to chat messages.

A template defines ``{% block system %}`` and ``{% block user %}``. Variables that may be shortened when
the prompt does not fit the context are passed as :class:`PromptSection` (a list of items and a
priority); :func:`render_fitting` drops items from the lowest-priority section first and records a
warning for every cut, so nothing is trimmed silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, Field

from karte.llm.errors import ContextOverflowError, LLMError
from karte.llm.types import Message

PROMPT_ROOT = Path(__file__).parent / "prompts"
_VERSIONED = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.j2$")
TRUNCATION_MARK = "…［以下省略］"
MIN_ITEM_CHARS = 40


class PromptSection(BaseModel):
    """A trimmable part of a prompt: its items are dropped last-first, lowest ``priority`` first."""

    items: list[str]
    priority: int = Field(description="Higher survives longer")


class RenderedPrompt(BaseModel):
    """The messages sent to the model, with what is needed to audit them."""

    template: str = Field(description="Template name and version, e.g. qa_answer.v1")
    messages: list[Message]
    sha256: str = Field(description="sha256 of the rendered messages (JSON)")
    warnings: list[str] = Field(default_factory=list)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPT_ROOT)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def available_templates(lang: str = "ja") -> dict[str, list[int]]:
    """Template name → versions present, for ``lang``."""
    found: dict[str, list[int]] = {}
    for path in sorted((PROMPT_ROOT / lang).glob("*.j2")):
        m = _VERSIONED.match(path.name)
        if m:
            found.setdefault(m["name"], []).append(int(m["version"]))
    return {k: sorted(v) for k, v in found.items()}


def template_id(name: str, lang: str = "ja", version: int | None = None) -> str:
    """``name.vN`` of the requested (default: newest) version; a clear error when it does not exist."""
    versions = available_templates(lang).get(name)
    if not versions or (version is not None and version not in versions):
        raise LLMError(
            f"プロンプト {name} (v{version or '?'}, {lang}) がありません (prompt template not found)",
            field="prompt",
            type="prompt_not_found",
        )
    return f"{name}.v{version or versions[-1]}"


def messages_sha256(messages: Sequence[Message]) -> str:
    payload = json.dumps([m.model_dump() for m in messages], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def render(
    name: str, variables: dict[str, Any], *, lang: str = "ja", version: int | None = None
) -> RenderedPrompt:
    """Render template ``name`` with ``variables`` (sections given as plain lists)."""
    tid = template_id(name, lang, version)
    template = _environment().get_template(f"{lang}/{tid}.j2")
    messages = []
    for role in ("system", "user"):
        block = template.blocks.get(role)
        if block is None:
            continue
        text = "".join(block(template.new_context(dict(variables)))).strip()
        if text:
            messages.append(Message(role=role, content=text))
    if not any(m.role == "user" for m in messages):
        raise LLMError(f"プロンプト {tid} に user ブロックがありません (template has no user block)")
    return RenderedPrompt(template=tid, messages=messages, sha256=messages_sha256(messages))


def render_fitting(
    name: str,
    variables: dict[str, Any],
    sections: dict[str, PromptSection],
    *,
    count_tokens: Callable[[list[Message]], int],
    limit: int,
    lang: str = "ja",
    version: int | None = None,
) -> RenderedPrompt:
    """Render, trimming sections by priority until the prompt is at most ``limit`` tokens.

    Items are dropped from the end of the lowest-priority section; its last item is shortened by halves
    (marked with ``…［以下省略］``) before the section is emptied. Every cut is recorded in ``warnings``.
    Raises :class:`ContextOverflowError` when even the untrimmable parts do not fit.
    """
    items = {k: list(s.items) for k, s in sections.items()}
    original = {k: len(s.items) for k, s in sections.items()}
    shortened: set[str] = set()
    order = sorted(sections, key=lambda k: sections[k].priority)
    while True:
        prompt = render(name, {**variables, **items}, lang=lang, version=version)
        used = count_tokens(prompt.messages)
        if used <= limit:
            break
        victim = next((k for k in order if items[k]), None)
        if victim is None:
            raise ContextOverflowError(
                f"プロンプトが文脈長に収まりません ({used} > {limit} トークン、削れる部分なし) "
                f"(prompt does not fit the context even after trimming)",
                field="prompt",
            )
        last = items[victim][-1]
        if len(items[victim]) == 1 and len(last) > 2 * MIN_ITEM_CHARS:
            items[victim][-1] = last[: len(last) // 2].rstrip(TRUNCATION_MARK) + TRUNCATION_MARK
            shortened.add(victim)
        else:
            items[victim].pop()
    warnings = []
    for key in order:
        kept, total = len(items[key]), original[key]
        if kept < total or key in shortened:
            cut = "、最後の項目を短縮" if key in shortened and kept else ""
            warnings.append(
                f"文脈長に収めるため「{key}」を {total} 件中 {kept} 件に削減{cut} "
                f"(section {key!r} trimmed to {kept}/{total} items to fit {limit} tokens)"
            )
    prompt.warnings = warnings
    return prompt
