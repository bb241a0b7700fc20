"""Drug-name shapes for the NER model: katakana and ASCII words that end with an INN stem.

Most drug names are coined from a stem that tells their class (``-mab`` マブ, ``-nib`` ニブ,
``-prazole`` プラゾール …; ``resources/ja/drug_stems.yaml``), so a word the drug table has never seen
(a new antibody, a brand-new kinase inhibitor) still looks like a drug to the model. These are model
features, never mentions by themselves: the model learns how far to trust them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.extract.resources import load_resource

_KATAKANA_WORD = re.compile(r"[ァ-ヶー・]{2,}酸?")
_ASCII_WORD = re.compile(r"[A-Za-z][a-z]{3,}")
_MIN_BEFORE_STEM = 2  # a stem alone (ビル, カイン) is not a drug name


@dataclass(frozen=True, slots=True)
class WordShape:
    start: int
    end: int
    suffix: str  # the word's last two characters, as a feature (``ks=マブ``, ``as=ab``)
    stem: bool  # ends with an INN stem


@lru_cache(maxsize=4)
def drug_stems(lang: str = "ja") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(katakana stems, ASCII stems), longest first."""
    data = load_resource(lang, "drug_stems.yaml")
    kana = sorted({str(r["stem"]) for r in data["stems"]}, key=len, reverse=True)
    ascii_ = sorted({str(r["stem"]).lower() for r in data["ascii"]}, key=len, reverse=True)
    return tuple(kana), tuple(ascii_)


def word_shapes(norm: str) -> list[WordShape]:
    """Katakana words and ASCII words of the normalised note with their suffix and stem flag."""
    kana_stems, ascii_stems = drug_stems()
    out: list[WordShape] = []
    for pattern, stems, prefix, lower in (
        (_KATAKANA_WORD, kana_stems, "ks=", False),
        (_ASCII_WORD, ascii_stems, "as=", True),
    ):
        for m in pattern.finditer(norm):
            word = m.group().lower() if lower else m.group()
            stem = word[_MIN_BEFORE_STEM:].endswith(stems)
            out.append(WordShape(m.start(), m.end(), prefix + word[-2:], stem))
    return out
