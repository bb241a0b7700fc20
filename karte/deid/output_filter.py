"""``--deid`` for any task: mask personal information in the text fields of its outputs.

Each output line is cleaned with what was found in the note it came from: the note's text (or the
stored document) is de-identified once, every PII string found there is masked wherever it appears
in the output, and each text field is then scanned on its own as well. Fields cleaned: ``text``,
``original``, ``title``, ``quote``, ``snippet``, ``sentence`` and ``rationale``, at any depth (so
the ``text`` of every evidence span too). Offsets (``start``/``end``) are left as they are: they
still point into the ORIGINAL note, which a reader of the de-identified output does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from karte.deid.detector import Detector
from karte.deid.registry import Registry


class _Line(Protocol):
    value: Any


L = TypeVar("L", bound=_Line)

TEXT_FIELDS = frozenset({"text", "original", "title", "quote", "snippet", "sentence", "rationale"})
DEID_MARK = {"operator": "mask", "note": "PII masked by --deid; start/end refer to the original text"}


class OutputDeidentifier:
    def __init__(self, resolve_document: Callable[[str], str | None] | None = None) -> None:
        self.detector = Detector()
        self.registry: Registry = self.detector.registry
        self.resolve_document = resolve_document
        self._source: str | None = None

    def watch(self, items: Iterable[L]) -> Iterator[L]:
        """Pass the input lines through, remembering the note each one carries."""
        for item in items:
            self._source = self._note_of(item.value)
            yield item

    def _note_of(self, value: Any) -> str | None:
        if not isinstance(value, dict):
            return None
        text = value.get("text")
        if isinstance(text, str):
            return text
        doc = value.get("document_id")
        if isinstance(doc, str) and self.resolve_document is not None:
            try:
                return self.resolve_document(doc)
            except Exception:  # the task reports a missing document itself
                return None
        return None

    def mask(self, text: str, known: list[tuple[str, str]]) -> str:
        """``text`` with every known PII string and every new finding replaced by its label."""
        for value, label in known:
            if value in text:
                text = text.replace(value, label)
        pieces: list[str] = []
        pos = 0
        for span in self.detector.detect(text):
            pieces.append(text[pos : span.start])
            pieces.append(self.registry.labels.get(span.type, "＜個人情報＞"))
            pos = span.end
        pieces.append(text[pos:])
        return "".join(pieces)

    def apply(self, result: dict[str, Any]) -> dict[str, Any]:
        if "error" in result:
            return result
        known: list[tuple[str, str]] = []
        if self._source:
            spans = self.detector.detect(self._source)
            pairs = {
                (s.text, self.registry.labels.get(s.type, "＜個人情報＞")) for s in spans if len(s.text) >= 2
            }
            known = sorted(pairs, key=lambda p: -len(p[0]))
        cleaned = self._walk(result, known)
        assert isinstance(cleaned, dict)
        cleaned["deid"] = dict(DEID_MARK)
        return cleaned

    def _walk(self, value: Any, known: list[tuple[str, str]], key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v, known, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, known, key) for v in value]
        if isinstance(value, str) and key in TEXT_FIELDS:
            return self.mask(value, known)
        return value
