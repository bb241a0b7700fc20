"""Document drafting grounded in the chart: 退院時サマリー, 診療情報提供書, 療養上の計画・アドバイス.

Pipeline (one module per step):

1. sources (:mod:`.sources`): the notes, plus plain renderings of the structured chart (problem list,
   prescriptions, results, allergies, the list of notes with their dates), so every fact has a text span;
2. facts (:mod:`.facts`, :mod:`.note_facts`, :mod:`.chart_facts`, :mod:`.coding`): diagnoses with
   certainty and verified ICD-10 codes, drugs with doses, results with dates, course and plan sentences,
   each with ``{"document", "start", "end"}`` citations; for patient advice, knowledge-base passages of
   the patient's diagnoses (:mod:`.advice`);
3. plan (:mod:`.plans`, ``resources/ja/plans.yaml``): the sections of each document type, as data;
4. fill: :mod:`.extractive` (no model, milliseconds) or :mod:`.llm_filler` (the model writes prose from
   numbered facts under a schema that only allows those fact ids; code attaches the spans);
5. guard (:mod:`.guard`, :mod:`.mentions`, :mod:`.values`, :mod:`.lexicon`): every disease, drug, dose,
   value, lab result and date of a sentence must be in the spans it cites; else flagged or removed;
6. export: FHIR R4B document Bundle (:mod:`.fhir`), Markdown (:mod:`.render_md`), HTML (:mod:`.render_html`).

Every draft is ``preliminary`` and marked for clinician review; nothing in it is a diagnosis or
prescription of the system's own. Entry points: :class:`Drafter` (``make_drafter(settings)``) and the
task ``draft`` (:mod:`karte.tasks.draft_task`).
"""

from karte.drafting.models import Citation, Draft, DraftSection, DraftSentence, Fact, SourceDocument
from karte.drafting.pipeline import Drafter, DraftOptions, DraftResult, Recipient
from karte.drafting.service import make_drafter

__all__ = [
    "Citation",
    "Draft",
    "DraftOptions",
    "DraftResult",
    "DraftSection",
    "DraftSentence",
    "Drafter",
    "Fact",
    "Recipient",
    "SourceDocument",
    "make_drafter",
]
