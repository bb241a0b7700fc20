"""The LLM name pass offers only the rules' own weak candidates and keeps only chosen ones.

The client here is a stand-in that answers by rule (no model is needed to test the verification
around it); the real engine is exercised by the LLM layer's own tests.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from karte.deid import Detector
from karte.deid.llm_pass import llm_name_pass


class _Result:
    def __init__(self, parsed: dict[str, Any]) -> None:
        self.parsed = parsed
        self.audit = None


class ChoosingClient:
    """Chooses candidates whose text is in ``names``; records what it was asked."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.asked: list[dict[str, Any]] = []

    def ask(
        self, template: str, variables: dict[str, Any], *, schema: type[BaseModel] | None = None
    ) -> _Result:
        self.asked.append(variables)
        chosen = [str(c["n"]) for c in variables["candidates"] if c["name"] in self.names]
        assert schema is not None
        schema.model_validate({"names": chosen})  # the answer must fit the constrained schema
        return _Result({"names": [*chosen, "999"]})  # an out-of-range number is ignored


def test_llm_pass_adds_only_chosen_rule_candidates() -> None:
    det = Detector()
    text = "本日 中村 が来院し、処方を確認した。"  # a surname alone, no honorific: below the threshold
    assert det.detect(text) == []
    client = ChoosingClient({"中村"})
    found = llm_name_pass(det, client, text, det.detect_full(text))
    assert [(d.span.text, d.span.type, d.span.explanation.source) for d in found] == [
        ("中村", "PERSON_NAME", "llm")
    ]
    assert text[found[0].span.start : found[0].span.end] == "中村"
    offered = [c["name"] for c in client.asked[0]["candidates"]]
    assert all(name in text for name in offered)


def test_llm_pass_not_called_without_candidates() -> None:
    det = Detector()
    client = ChoosingClient(set())
    assert llm_name_pass(det, client, "Cr 1.2 mg/dL", []) == []
    assert client.asked == []
