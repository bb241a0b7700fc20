"""Property: the de-identified output never contains a gold PII string (generated notes)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karte.config import Settings
from karte.deid import Deidentifier
from karte.deid.devset.synth import generate

ENGINE = Deidentifier(Settings(deid_secret="property-test-secret-0123"))


def _skeleton(doc: dict[str, object]) -> str:
    """The note with its PII removed: a gold string found here occurs by coincidence, not as PII."""
    text = str(doc["text"])
    spans = sorted(doc["spans"], key=lambda s: s["start"])  # type: ignore[arg-type, index]
    parts, pos = [], 0
    for s in spans:
        parts.append(text[pos : s["start"]])
        parts.append("\x00")
        pos = s["end"]
    parts.append(text[pos:])
    return "".join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), operator=st.sampled_from(["mask", "hash"]))
def test_output_never_contains_gold_pii(seed: int, operator: str) -> None:
    doc = generate(random.Random(seed), "p")
    out = ENGINE.run(str(doc["text"]), operator=operator, patient_id="P").text
    skeleton = _skeleton(doc)
    for span in doc["spans"]:  # type: ignore[attr-defined]
        value = span["text"]
        if value in skeleton:
            continue
        assert value not in out, (value, out)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_pseudonymized_output_replaces_every_gold_span(seed: int) -> None:
    doc = generate(random.Random(seed), "p")
    result = ENGINE.run(str(doc["text"]), operator="pseudonymize", patient_id="P")
    replaced = {(r.start, r.end) for r in result.replacements}
    for span in doc["spans"]:  # type: ignore[attr-defined]
        covered = any(s <= span["start"] and span["end"] <= e for s, e in replaced) or all(
            any(s <= i < e for s, e in replaced) for i in range(span["start"], span["end"])
        )
        assert covered, span
    assert all(r.replacement != r.original for r in result.replacements)
