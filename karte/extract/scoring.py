"""Score the extraction pipeline on a MedTxt XML file or folder (the logic of ``karte eval extract``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from karte.extract.evaluate import EvaluationReport, ScoredEntity, evaluate_documents
from karte.extract.llm_review import ReviewOutcome, review_note
from karte.extract.pipeline import Extractor, default_extractor
from karte.extract.training.split import is_dev, recorded_split
from karte.llm import LLMClient
from karte.records.loaders import LoadProblem, load_path
from karte.records.models import Document


@dataclass
class EvaluationRun:
    report: EvaluationReport
    note: str
    problems: list[str] = field(default_factory=list)
    review: ReviewOutcome | None = None  # with an LLM: findings it reviewed and changed


def scored_entities(
    extractor: Extractor,
    text: str,
    llm: LLMClient | None = None,
    review: ReviewOutcome | None = None,
) -> list[ScoredEntity]:
    """The extractor's entities of ``text`` as the scorer compares them (LLM-reviewed when ``llm``;
    the review counts are added to ``review``)."""
    note = extractor.extract(text)
    if llm is not None:
        outcome = review_note(note, llm)
        if review is not None:
            review.reviewed += outcome.reviewed
            review.changed += outcome.changed
    return [ScoredEntity(m.start, m.end, m.type, m.certainty, m.state) for m in note.mentions]


def select_split(docs: list[Document], split: str) -> tuple[list[Document], str]:
    """The documents to score: ``dev``, ``all``, or ``auto`` (the dev split when the file holds any
    document the models were trained on, else all)."""
    trained_on = set(recorded_split()["train"])
    if split == "all":
        chosen, why = docs, "全文書 (all documents)"
    elif split == "dev" or any(d.id in trained_on for d in docs):
        chosen = [d for d in docs if is_dev(d.id)]
        why = "dev 分割のみ: 学習に使った文書は除外 (dev split only; documents trained on are left out)"
    else:
        chosen, why = docs, "全文書: 学習に使っていない文書 (all documents; none was trained on)"
    return chosen, f"{why}: {len(chosen)}/{len(docs)} 文書 (documents)"


def evaluate_path(
    path: Path | str | Sequence[Path | str],
    *,
    split: str = "auto",
    extractor: Extractor | None = None,
    llm: LLMClient | None = None,
) -> EvaluationRun:
    """Score the documents with gold annotations of one MedTxt file or folder, or of several."""
    paths = [path] if isinstance(path, Path | str) else list(path)
    docs: list[Document] = []
    problems: list[str] = []
    for one in paths:
        for item in load_path(one):
            if isinstance(item, LoadProblem):
                problems.append(str(item.message))
                continue
            docs.extend(d for d in item.documents if d.gold)
    chosen, note = select_split(docs, split)
    ex = extractor or default_extractor()
    review = ReviewOutcome() if llm is not None else None
    report = evaluate_documents(chosen, lambda text: scored_entities(ex, text, llm, review))
    return EvaluationRun(report, note, problems, review)
