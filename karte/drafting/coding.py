"""ICD-10 codes for diagnoses: chart codes are checked against the loaded table, text names are coded.

Coding a name uses :mod:`karte.terminology` (dictionary and rules over the MEDIS names and the
ICD-10 index); a code is kept only when its score reaches :data:`MIN_SCORE` and the loaded table
validates it. The first search of a process builds the term index (tens of seconds), so a draft
only codes names that the chart has not coded already.
"""

from __future__ import annotations

import threading
from typing import Any

from karte.config import Settings
from karte.drafting.models import FactCode

MIN_SCORE = 0.8


class Icd10Coder:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._system: Any = None
        self._lock = threading.Lock()
        self._cache: dict[str, FactCode | None] = {}

    def _cs(self) -> Any:
        with self._lock:
            if self._system is None:
                from karte.terminology.registry import get_code_system

                self._system = get_code_system("icd10", self._settings)
            return self._system

    def known(self, code: str) -> bool:
        return bool(self._cs().validate(code).ok)

    def display(self, code: str) -> str | None:
        concept = self._cs().lookup(code)
        return None if concept is None else str(concept.display("ja"))

    def code(self, name: str) -> FactCode | None:
        """The best ICD-10 code for a disease name, or None when none is good enough."""
        if name in self._cache:
            return self._cache[name]
        cs = self._cs()
        result = None
        for match in cs.search(name, 1):
            if match.score >= MIN_SCORE and cs.validate(match.code).ok:
                source = "rule" if getattr(match, "kind", "") == "rule" else "dictionary"
                result = FactCode(
                    system="icd10",
                    code=match.code,
                    display=match.display,
                    score=float(match.score),
                    source=source,
                )
        self._cache[name] = result
        return result
