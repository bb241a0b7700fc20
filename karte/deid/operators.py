"""Operators that replace the findings: mask, pseudonymize, shift-dates and hash.

- ``mask``: every span becomes its label (``＜氏名＞``, ``＜日付＞`` …). Needs no secret.
- ``pseudonymize``: names become fake names (consistent for a patient), dates are shifted by the
  patient's offset, identifiers, phones and postal codes get other digits of the same shape, ages
  of 90 and over become ``90歳以上``, addresses keep only the prefecture.
- ``shift-dates``: dates are shifted (intervals kept), everything else is masked.
- ``hash``: every span becomes ``＜label:HMAC＞`` (site-wide: the same value hashes the same for every
  patient, so records can be linked without being read).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from karte.deid.dates import parse_date, shift_date
from karte.deid.detector import Detection
from karte.deid.pseudonyms import Pseudonymizer
from karte.deid.registry import Registry
from karte.deid.secret import date_offset_days, keyed_digest
from karte.deid.types import NAME_TYPES
from karte.text import normalize

Operator = Literal["mask", "pseudonymize", "shift-dates", "hash"]
OPERATORS: tuple[str, ...] = ("mask", "pseudonymize", "shift-dates", "hash")
SECRET_OPERATORS = frozenset({"pseudonymize", "shift-dates", "hash"})
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_AGE = re.compile(r"([0-9]{1,3})")


@dataclass
class Replacement:
    start: int  # in the original text
    end: int
    type: str
    original: str
    replacement: str
    out_start: int = 0  # in the de-identified text
    out_end: int = 0


def _widen(original: str, value: str) -> str:
    """Full-width digits in the original → full-width digits in the replacement."""
    if any("０" <= ch <= "９" for ch in original):
        return value.translate(_FULLWIDTH)
    return value


class OperatorContext:
    """What one document's replacement needs: the registry, the secret, the patient key."""

    def __init__(self, registry: Registry, secret: bytes | None, patient_key: str) -> None:
        self.registry = registry
        self.secret = secret
        self.patient_key = patient_key
        self.pseudo = Pseudonymizer(secret, patient_key, registry.lexicon) if secret else None
        self.offset = date_offset_days(secret, patient_key) if secret else 0

    def label(self, type_: str) -> str:
        return self.registry.labels.get(type_, f"＜{type_}＞")

    def hashed(self, type_: str, text: str) -> str:
        assert self.secret is not None
        norm = normalize(text).text.replace(" ", "")
        digest = keyed_digest(self.secret, "hash", type_, norm).hex()[:10]
        return f"{self.label(type_)[:-1]}:{digest}＞"

    def shifted(self, text: str, default_year: int) -> str:
        value = shift_date(normalize(text).text, self.offset, default_year)
        return self.label("DATE") if value is None else _widen(text, value)

    def pseudonym(self, d: Detection, default_year: int) -> str:
        assert self.pseudo is not None
        span, cand = d.span, d.candidate
        text = span.text
        norm = normalize(text).text
        t = span.type
        if t in NAME_TYPES:
            sur, given = cand.surname, cand.given
            if sur is None and given is None:
                sur, given = self.registry.names.split(norm)
            return self.pseudo.name(norm, sur, given)
        if t == "DATE":
            return self.shifted(text, default_year)
        if t == "AGE":
            m = _AGE.search(norm)
            return "90歳以上" if m and int(m.group(1)) >= 90 else self.label(t)
        if t == "EMAIL":
            return self.pseudo.email(norm)
        if t in ("PHONE", "ID", "INSURANCE_NO", "MYNUMBER", "POSTAL_CODE"):
            return _widen(text, self.pseudo.same_shape(t, norm, keep_leading_zero=t == "PHONE"))
        if t == "ADDRESS":
            for pref in self.registry.address_prefectures:
                if norm.startswith(pref):
                    return pref + self.label(t)
            return self.label(t)
        if t == "FACILITY":
            suffix = next((s for s in self.registry.facility_suffixes if norm.endswith(s)), "病院")
            return self.pseudo.surname(norm).written + suffix
        return self.label(t)


def _default_year(detections: Sequence[Detection]) -> int:
    for d in detections:
        if d.span.type == "DATE":
            parsed = parse_date(normalize(d.span.text).text)
            if parsed is not None and parsed.year is not None:
                return parsed.year
    return 2001


def replace(
    text: str, detections: Sequence[Detection], operator: str, ctx: OperatorContext
) -> tuple[str, list[Replacement]]:
    """Apply ``operator`` to every finding; return the new text and what was replaced where."""
    default_year = _default_year(detections)
    pieces: list[str] = []
    done: list[Replacement] = []
    pos = 0
    out_len = 0
    for d in sorted(detections, key=lambda d: d.span.start):
        span = d.span
        if span.start < pos:
            continue  # overlapping spans are resolved by the detector; be safe anyway
        if operator == "mask":
            new = ctx.label(span.type)
        elif operator == "hash":
            new = ctx.hashed(span.type, span.text)
        elif operator == "shift-dates":
            new = ctx.shifted(span.text, default_year) if span.type == "DATE" else ctx.label(span.type)
        elif operator == "pseudonymize":
            new = ctx.pseudonym(d, default_year)
        else:
            raise ValueError(f"unknown operator {operator!r}")
        between = text[pos : span.start]
        pieces.append(between)
        out_len += len(between)
        pieces.append(new)
        done.append(Replacement(span.start, span.end, span.type, span.text, new, out_len, out_len + len(new)))
        out_len += len(new)
        pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces), done
