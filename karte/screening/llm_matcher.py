"""Free-text criteria: retrieve the patient's relevant sentences, let the LLM judge, attach the spans.

The patient's note sentences are indexed with :class:`karte.retrieval.KnowledgeIndex` (BM25 on
Sudachi terms, fused with sentence vectors); each pending criterion retrieves its best sentences, and
one prompt (``screen_criteria``) asks the model, for every pending criterion at once, for a status and
the ids of the sentences it relied on. The answer schema (a grammar on the embedded backend) allows
only those ids. Code then attaches the cited sentences' spans; a met / not_met answer that cites no
sentence is turned into unknown. Calls per patient are capped (``max_calls``); criteria beyond the cap
stay unknown with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from karte.llm import GenerationParams, LLMError, PromptSection
from karte.retrieval import IndexConfig, KnowledgeIndex, Passage
from karte.screening.evidence import NoteDoc, PatientEvidence
from karte.screening.lazy_llm import Asker
from karte.screening.models import CheckOutcome, CriterionType, EvidenceItem

TEMPLATE = "screen_criteria"
LLM_SCORE = 0.6  # the model's answer is not calibrated; below any rule-based statement of fact
MAX_CRITERIA_PER_CALL = 4
_KIND_JA = {"inclusion": "選択基準", "exclusion": "除外基準"}


@dataclass(frozen=True)
class Pending:
    """A criterion waiting for the LLM: its id, type and the question to ask."""

    criterion_id: str
    type: CriterionType
    question: str


@dataclass
class Judgement:
    outcomes: dict[str, CheckOutcome]
    calls: int
    notes: list[str]


def _sentences(evidence: PatientEvidence) -> list[tuple[NoteDoc, int, int, str]]:
    out = []
    for doc in evidence.docs:
        for s in doc.sentences:
            text = s.text.strip()
            if len(text) >= 4 and not (text.startswith("【") and text.endswith("】")):
                out.append((doc, s.start, s.end, text))
    return out


def _answer_model(keys: list[str], ids: list[str]) -> type[BaseModel]:
    id_type: Any = Literal[tuple(ids)]
    status_type: Any = Literal["met", "not_met", "unknown"]
    answer = create_model(
        "CriterionAnswer",
        status=(status_type, ...),
        evidence=(list[id_type], Field(default_factory=list, max_length=3)),
    )
    model: type[BaseModel] = create_model("ScreenAnswers", **{k: (answer, ...) for k in keys})  # type: ignore[call-overload]
    return model


class LLMJudge:
    def __init__(
        self,
        client: Asker,
        *,
        max_calls: int = 1,
        sentences_per_criterion: int = 5,
        max_sentences: int = 10,
        dense: bool = True,
    ) -> None:
        self.client = client
        self.max_calls = max_calls
        self.per_criterion = sentences_per_criterion
        self.max_sentences = max_sentences
        self.dense = dense

    def judge(self, pending: list[Pending], evidence: PatientEvidence) -> Judgement:
        sentences = _sentences(evidence)
        outcomes: dict[str, CheckOutcome] = {}
        notes: list[str] = []
        if not sentences:
            for p in pending:
                outcomes[p.criterion_id] = _unknown("記載がないため LLM で判定できない (no note sentences)")
            return Judgement(outcomes, 0, notes)
        index = KnowledgeIndex.build(
            [Passage(id=str(i), text=t) for i, (_, _, _, t) in enumerate(sentences)],
            config=IndexConfig(dense=self.dense),
        )
        calls = 0
        for start in range(0, len(pending), MAX_CRITERIA_PER_CALL):
            batch = pending[start : start + MAX_CRITERIA_PER_CALL]
            if calls >= self.max_calls:
                for p in batch:
                    outcomes[p.criterion_id] = _unknown(
                        f"患者あたりの LLM 呼び出し上限 {self.max_calls} 回に達した "
                        "(per-patient call budget spent)"
                    )
                continue
            calls += 1
            outcomes.update(self._ask(batch, index, sentences, notes))
        return Judgement(outcomes, calls, notes)

    def _ask(
        self,
        batch: list[Pending],
        index: KnowledgeIndex,
        sentences: list[tuple[NoteDoc, int, int, str]],
        notes: list[str],
    ) -> dict[str, CheckOutcome]:
        chosen: list[int] = []
        retrieved: dict[str, set[int]] = {}
        for p in batch:
            retrieved[p.criterion_id] = set()
            for hit in index.search(p.question, k=self.per_criterion):
                i = int(hit.passage.id)
                retrieved[p.criterion_id].add(i)
                if i not in chosen:
                    chosen.append(i)
        chosen = sorted(chosen[: self.max_sentences])
        if not chosen:
            return {
                p.criterion_id: _unknown("関連する記載が見つからない (no relevant sentence)") for p in batch
            }
        ids = [f"S{n + 1}" for n in range(len(chosen))]
        keys = [f"C{n + 1}" for n in range(len(batch))]
        try:
            result = self.client.ask(
                TEMPLATE,
                {
                    "criteria": [
                        {"key": k, "kind": _KIND_JA[p.type], "text": p.question}
                        for k, p in zip(keys, batch, strict=True)
                    ]
                },
                sections={
                    "sentences": PromptSection(
                        items=[f"[{sid}] {sentences[i][3]}" for sid, i in zip(ids, chosen, strict=True)],
                        priority=0,
                    )
                },
                schema=_answer_model(keys, ids),
                params=GenerationParams(max_tokens=40 * len(batch) + 16),
            )
        except LLMError as exc:
            notes.append(f"LLM エラー: {exc.message}")
            return {p.criterion_id: _unknown(f"LLM を呼び出せない: {exc.message}") for p in batch}
        if result.audit.warnings:
            notes.extend(result.audit.warnings)
        audit = result.audit
        tag = f"{audit.template} ({audit.backend}:{audit.model}, sha256 {audit.prompt_sha256[:12]})"
        shown = [sentences[i] for i in chosen]
        allowed = {
            p.criterion_id: {ids[n] for n, i in enumerate(chosen) if i in retrieved[p.criterion_id]}
            for p in batch
        }
        return outcomes_from_answer(result.parsed or {}, batch, keys, ids, shown, tag, allowed)


def outcomes_from_answer(
    parsed: dict[str, Any],
    batch: list[Pending],
    keys: list[str],
    ids: list[str],
    shown: list[tuple[NoteDoc, int, int, str]],
    tag: str,
    allowed: dict[str, set[str]] | None = None,
) -> dict[str, CheckOutcome]:
    """Code's side of the LLM's answer: spans of the cited sentences; no citation, no claim.

    ``allowed``: per criterion, the sentence ids retrieved for it; a citation of a sentence retrieved
    for another criterion of the same prompt does not count.
    """
    out: dict[str, CheckOutcome] = {}
    for key, p in zip(keys, batch, strict=True):
        answer = parsed.get(key) or {}
        status = answer.get("status", "unknown")
        if status not in ("met", "not_met", "unknown"):
            status = "unknown"
        permitted = allowed.get(p.criterion_id, set(ids)) if allowed is not None else set(ids)
        cited = [ids.index(s) for s in answer.get("evidence", []) if s in ids and s in permitted]
        items = [_sentence_item(shown[c]) for c in dict.fromkeys(cited)]
        if status != "unknown" and not items:
            out[p.criterion_id] = _unknown(
                f"LLM は {status} と答えたが根拠の文を示さなかった (no cited sentence): {tag}"
            )
            continue
        label = {"met": "該当", "not_met": "非該当", "unknown": "判断できない"}[status]
        out[p.criterion_id] = CheckOutcome(
            status=status,
            score=LLM_SCORE if status != "unknown" else 0.5,
            evidence=items,
            rationale=f"LLM の判定（要確認）: {label}; 引用 {len(items)} 文; {tag}",
            source="llm",
        )
    return out


def _sentence_item(sentence: tuple[NoteDoc, int, int, str]) -> EvidenceItem:
    doc, start, end, _ = sentence
    return EvidenceItem(start=start, end=end, text=doc.text[start:end], document_id=doc.id, kind="note")


def _unknown(why: str) -> CheckOutcome:
    return CheckOutcome(status="unknown", score=0.5, evidence=[], rationale=why, source="none")
