"""De-identification of Japanese clinical text: detect personal information, then mask,
pseudonymise, shift dates or hash it.

    from karte.deid import Deidentifier
    result = Deidentifier().run("氏名：山田太郎 様 2024年3月1日 入院", operator="mask")
    result.text   # '氏名：＜氏名＞ 様 ＜日付＞ 入院'
    result.spans  # PiiSpan(start, end, type, text, score, explanation) in the ORIGINAL text

Recognizers are declared in ``resources/ja/recognizers.yaml``; name lists in ``names.yaml``;
eponyms, drugs and other known false positives in ``false_positives.yaml``.
"""

from __future__ import annotations

from karte.deid.detector import Detection, Detector, KnownIdentifiers
from karte.deid.engine import Deidentifier, DeidResult
from karte.deid.operators import OPERATORS
from karte.deid.policy import DeidPolicy
from karte.deid.types import PII_TYPES, Explanation, PiiSpan, PiiType

__all__ = [
    "OPERATORS",
    "PII_TYPES",
    "DeidPolicy",
    "DeidResult",
    "Deidentifier",
    "Detection",
    "Detector",
    "Explanation",
    "KnownIdentifiers",
    "PiiSpan",
    "PiiType",
]
