"""Vocabularies the screening layer matches with: drugs and classes, lab analytes, disease codes."""

from karte.screening.vocab.diseases import DiseaseVocabulary, disease_vocabulary
from karte.screening.vocab.drugs import DrugTable, drug_table
from karte.screening.vocab.labs import Analyte, LabTable, lab_table, unit_key

__all__ = [
    "Analyte",
    "DiseaseVocabulary",
    "DrugTable",
    "LabTable",
    "disease_vocabulary",
    "drug_table",
    "lab_table",
    "unit_key",
]
