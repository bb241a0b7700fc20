"""Pattern recognizers: a regular expression, a base score, context words and a validator.

They are declared in ``resources/<lang>/recognizers.yaml`` (``patterns:``); this module compiles
them and runs them over normalised text, Presidio-style: context words found near a match raise
its score, negative context words veto it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from karte.deid.policy import DeidPolicy
from karte.deid.types import Candidate
from karte.deid.validators import VALIDATORS, Validator

_MACRO = re.compile(r"\{\{([A-Z0-9_]+)\}\}")


def expand_macros(pattern: str, macros: Mapping[str, str]) -> str:
    """Replace ``{{NAME}}`` by ``macros[NAME]`` (unknown names are an error in the registry file)."""

    def sub(m: re.Match[str]) -> str:
        try:
            return macros[m.group(1)]
        except KeyError:
            raise ValueError(f"unknown macro {{{{{m.group(1)}}}}} in pattern {pattern!r}") from None

    return _MACRO.sub(sub, pattern)


@dataclass(frozen=True)
class ContextRule:
    """Words near a match that raise (``words``) or veto (``negative``) it."""

    words: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    boost: float = 0.35
    before: int = 16
    after: int = 6

    def apply(self, text: str, start: int, end: int) -> tuple[bool, list[str]]:
        """``(vetoed, words found)`` for the span ``[start, end)`` of ``text``."""
        if not self.words and not self.negative:
            return False, []
        if self.negative:
            near = text[max(0, start - 8) : start] + " " + text[end : end + 4]
            if any(w in near for w in self.negative):
                return True, []
        window = text[max(0, start - self.before) : start] + " " + text[end : end + self.after]
        return False, [w for w in self.words if w in window]


@dataclass(frozen=True)
class PatternRecognizer:
    name: str
    type: str
    regex: re.Pattern[str]
    score: float
    group: int = 0
    context: ContextRule = field(default_factory=ContextRule)
    validator: Validator | None = None
    validator_name: str | None = None

    def find(self, text: str, policy: DeidPolicy) -> Iterator[Candidate]:
        for m in self.regex.finditer(text):
            start, end = m.span(self.group)
            if start == end:
                continue
            score = self.score
            note = None
            if self.validator is not None:
                verdict = self.validator(m, self.group, policy)
                if verdict is None:
                    continue
                if verdict.score is not None:
                    score = verdict.score
                note = verdict.note
            vetoed, found = self.context.apply(text, start, end)
            if vetoed:
                continue
            if found:
                score = min(1.0, score + self.context.boost)
            yield Candidate(start, end, self.type, score, "pattern", self.name, context=found, note=note)


def compile_pattern(
    spec: Mapping[str, Any], macros: Mapping[str, str], defaults: Mapping[str, Any]
) -> PatternRecognizer:
    """Build one recognizer from its registry entry."""
    name = str(spec["name"])
    try:
        regex = re.compile(expand_macros(str(spec["regex"]), macros))
    except re.error as exc:
        raise ValueError(f"recognizer {name}: bad regex: {exc}") from exc
    validator_name = spec.get("validator")
    validator = None
    if validator_name is not None:
        if validator_name not in VALIDATORS:
            raise ValueError(f"recognizer {name}: unknown validator {validator_name!r}")
        validator = VALIDATORS[validator_name]
    context = ContextRule(
        words=tuple(str(w) for w in spec.get("context", [])),
        negative=tuple(str(w) for w in spec.get("negative_context", [])),
        boost=float(spec.get("context_boost", defaults.get("context_boost", 0.35))),
        before=int(spec.get("context_window", defaults.get("context_window", 16))),
        after=int(spec.get("context_after", defaults.get("context_after", 6))),
    )
    return PatternRecognizer(
        name=name,
        type=str(spec["type"]),
        regex=regex,
        score=float(spec["score"]),
        group=int(spec.get("group", 0)),
        context=context,
        validator=validator,
        validator_name=validator_name,
    )
