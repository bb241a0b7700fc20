"""Terminology: code systems (ICD-10, ICD-11, ICF, J-FAGY, JLAC10/11) and the phrase normaliser.

    from karte.terminology import get_code_system
    icd11 = get_code_system("icd11")
    icd11.search("右季肋部痛", 3)[0].code   # 'MD81.10&XK9K'
    icd11.validate("6A70&XK9K").ok          # False: laterality does not fit mental disorders

Every system implements :class:`~karte.terminology.base.CodeSystem`; search results always pass
``validate``. Official files are imported with ``karte codes import`` (see :mod:`.importers`).
"""

from __future__ import annotations

from karte.terminology.base import CodeCheck, CodeMatch, CodeSystem, Concept, TextSpan
from karte.terminology.installed import TableStatus, table_status
from karte.terminology.registry import CODE_SYSTEMS, get_code_system

__all__ = [
    "CODE_SYSTEMS",
    "CodeCheck",
    "CodeMatch",
    "CodeSystem",
    "Concept",
    "TableStatus",
    "TextSpan",
    "get_code_system",
    "table_status",
]
