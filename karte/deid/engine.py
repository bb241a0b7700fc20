"""One call to de-identify a note: detect, then apply an operator (and optionally the mapping)."""

from __future__ import annotations

from dataclasses import dataclass, field

from karte.config import Settings, get_settings
from karte.deid.detector import Detection, Detector, KnownIdentifiers
from karte.deid.mapping import encrypt_mapping
from karte.deid.operators import OPERATORS, SECRET_OPERATORS, OperatorContext, Replacement, replace
from karte.deid.policy import DeidPolicy
from karte.deid.secret import site_secret
from karte.deid.types import PiiSpan
from karte.errors import InputError


@dataclass
class DeidResult:
    text: str
    spans: list[PiiSpan]
    replacements: list[Replacement] = field(default_factory=list)
    mapping: str | None = None
    notices: list[str] = field(default_factory=list)


class Deidentifier:
    """Holds the detector (compiled once) and the settings; :meth:`run` de-identifies one note."""

    def __init__(self, settings: Settings | None = None, policy: DeidPolicy | None = None) -> None:
        self.settings = settings or get_settings()
        self.detector = Detector(policy=policy)

    def detect(self, text: str, known: KnownIdentifiers | None = None) -> list[Detection]:
        return self.detector.detect_full(text, known)

    def run(
        self,
        text: str,
        *,
        operator: str = "mask",
        document_key: str = "",
        patient_id: str | None = None,
        known: KnownIdentifiers | None = None,
        with_mapping: bool = False,
        extra: list[Detection] | None = None,
    ) -> DeidResult:
        if operator not in OPERATORS:
            raise InputError(
                f"operator は {', '.join(OPERATORS)} のいずれかです (unknown operator {operator!r})",
                field="operator",
            )
        detections = self.detect(text, known)
        if extra:
            taken = [(d.span.start, d.span.end) for d in detections]
            for d in extra:
                if all(d.span.end <= s or d.span.start >= e for s, e in taken):
                    detections.append(d)
                    taken.append((d.span.start, d.span.end))
            detections.sort(key=lambda d: d.span.start)
        needs_secret = operator in SECRET_OPERATORS or with_mapping
        secret = (
            site_secret(self.settings, operator if operator in SECRET_OPERATORS else "mapping")
            if needs_secret
            else None
        )
        notices = []
        if operator in ("pseudonymize", "shift-dates") and patient_id is None:
            notices.append(
                "patient_id がないため、仮名と日付のずらし幅は文書ごとです "
                "(no patient_id: pseudonyms and the date shift are per document)"
            )
        patient_key = f"patient:{patient_id}" if patient_id is not None else f"document:{document_key}"
        ctx = OperatorContext(self.detector.registry, secret, patient_key)
        new_text, replacements = replace(text, detections, operator, ctx)
        mapping = encrypt_mapping(secret, document_key, replacements) if with_mapping and secret else None
        return DeidResult(new_text, [d.span for d in detections], replacements, mapping, notices)
