"""Turn task outputs (plain dicts, as the task API returns them) into what the pages draw.

The web layer reads task outputs by their documented field names only; it never recomputes
spans or codes. Unknown shapes give empty lists, so a page still renders.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from karte.web.highlight import Mark

_PROPOSAL_KEYS = ("codes", "candidates", "proposals", "predictions")


class EvidenceSpan(BaseModel):
    start: int
    end: int
    text: str = ""


class CodeProposal(BaseModel):
    system: str
    code: str
    display: str = ""
    score: float | None = None
    rationale: str = ""
    spans: list[EvidenceSpan] = Field(default_factory=list)
    certainties: list[str] = Field(default_factory=list, description="Of the mentions it codes (code-note)")

    @property
    def negated_only(self) -> bool:
        """Every mention behind the code is negated (「…なし」): most likely not to be coded."""
        return bool(self.certainties) and all(c == "negative" for c in self.certainties)

    @property
    def key(self) -> str:
        return f"{self.system}:{self.code}"


def _spans(value: Any) -> Iterable[dict[str, Any]]:
    """Span dicts from an Evidence, a list of Evidence, a list of spans, or a dict with ``spans``."""
    if isinstance(value, dict):
        if "start" in value and "end" in value:
            yield value
        yield from _spans(value.get("spans", []))
    elif isinstance(value, list):
        for item in value:
            yield from _spans(item)


def _span_models(value: Any) -> list[EvidenceSpan]:
    out = []
    for span in _spans(value):
        if isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
            out.append(EvidenceSpan(start=span["start"], end=span["end"], text=str(span.get("text", ""))))
    return out


def entity_marks(output: dict[str, Any] | None, labels: dict[str, dict[str, str]]) -> list[Mark]:
    """Marks for the ``entities`` of an extract output: class by type, certainty and state."""
    marks = []
    for entity in (output or {}).get("entities", []):
        if not isinstance(entity, dict) or not isinstance(entity.get("start"), int):
            continue
        raw = entity.get("attributes")
        attributes: dict[str, Any] = raw if isinstance(raw, dict) else {}
        certainty = entity.get("certainty") or attributes.get("certainty")
        state = entity.get("state") or attributes.get("state")
        kind = str(entity.get("type", "pending"))
        css = [f"cert-{certainty}"] if certainty else []
        css += [f"state-{state}"] if state else []
        title = labels["entity_types"].get(kind, kind)
        if certainty:
            title += f" / {labels['certainty'].get(certainty, certainty)}"
        if state:
            title += f" / {labels['state'].get(state, state)}"
        score = entity.get("score")
        if isinstance(score, int | float):
            title += f" ({score:.2f})"
        marks.append(
            Mark(start=entity["start"], end=int(entity.get("end", 0)), kind=kind, css=css, title=title)
        )
    return marks


def code_proposals(output: dict[str, Any] | None) -> list[CodeProposal]:
    """The proposed codes of a code task output, each with its evidence spans, best first.

    ``code-note`` gives ``mentions``, each with its candidate ``codes``; a code proposed for
    several mentions is listed once, with the spans of all of them and its best score. A flat
    list (``codes``, ``candidates`` …) is read as it is.
    """
    output = output or {}
    if isinstance(output.get("mentions"), list):
        return _merge(
            proposal.model_copy(update={"certainties": [str(mention.get("certainty") or "")]})
            for mention in output["mentions"]
            if isinstance(mention, dict)
            for proposal in _proposals(mention.get("codes", []))
        )
    for key in _PROPOSAL_KEYS:
        if isinstance(output.get(key), list):
            return _merge(_proposals(output[key]))
    return []


def _merge(proposals: Iterable[CodeProposal]) -> list[CodeProposal]:
    merged: dict[str, CodeProposal] = {}
    for proposal in proposals:
        seen = merged.get(proposal.key)
        if seen is None:
            merged[proposal.key] = proposal
            continue
        spans = {(s.start, s.end): s for s in [*seen.spans, *proposal.spans]}
        best = max(seen.score or 0.0, proposal.score or 0.0)
        merged[proposal.key] = seen.model_copy(
            update={
                "spans": sorted(spans.values(), key=lambda s: s.start),
                "score": best,
                "certainties": [*seen.certainties, *proposal.certainties],
            }
        )
    return sorted(merged.values(), key=lambda p: -(p.score or 0.0))


def _proposals(items: Any) -> list[CodeProposal]:
    if not isinstance(items, list):
        return []
    proposals = []
    for item in items:
        if not isinstance(item, dict) or not item.get("code"):
            continue
        evidence = item.get("evidence", item.get("spans", []))
        rationale = ""
        if isinstance(evidence, dict):
            rationale = str(evidence.get("rationale", ""))
        score = item.get("score")
        if score is None and isinstance(evidence, dict):
            score = evidence.get("score")
        proposals.append(
            CodeProposal(
                system=str(item.get("system") or item.get("code_system") or "unknown"),
                code=str(item["code"]),
                display=str(item.get("display") or item.get("name") or item.get("label") or ""),
                score=float(score) if isinstance(score, int | float) else None,
                rationale=rationale or str(item.get("rationale", "")),
                spans=_span_models(evidence),
            )
        )
    return proposals


def pii_marks(output: dict[str, Any] | None, labels: dict[str, dict[str, str]]) -> list[Mark]:
    marks = []
    for span in (output or {}).get("spans", []):
        if isinstance(span, dict) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
            marks.append(
                Mark(start=span["start"], end=span["end"], kind="pii", title=str(span.get("type", "")))
            )
    return marks
