"""The optional LLM review of unsure certainties, on the real llama.cpp engine (small model)."""

from __future__ import annotations

import pytest

from karte.errors import KarteError
from karte.extract.llm_review import needs_review, review_note, sentence_around
from karte.extract.pipeline import Extractor


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from karte.llm import make_client
    from karte.llm.budget import Budget
    from karte.llm.embedded import EmbeddedBackend
    from karte.llm.models import install_model

    # A stable folder: joining the 490 MB model happens once per machine, later runs only verify it.
    cache = tmp_path_factory.getbasetemp().parent / "karte-extract-llm-models"
    try:
        path = install_model("small", cache)
    except KarteError as exc:
        pytest.skip(f"small model packages not installed: {exc}")
    from karte.config import get_settings

    return make_client(
        get_settings(), backend=EmbeddedBackend(path), use_cache=False, budget=Budget(50, 100_000)
    )


def test_sentence_around() -> None:
    text = "主訴：発熱。\n胸部CTで肺炎を疑う。胸水なし。"
    start = text.index("肺炎")
    assert sentence_around(text, start, start + 2) == "胸部CTで肺炎を疑う。"


def test_llm_only_chooses_a_certainty_and_never_moves_spans(extractor: Extractor, small_client) -> None:  # type: ignore[no-untyped-def]
    text = "胸部CTで肺炎を疑う。胸水は認めない。"
    note = extractor.extract(text)
    for m in note.mentions:
        if m.type == "disease" and text[m.start : m.end] == "胸水":
            m.attribute_score = 0.1  # force the review of this finding (one call keeps the test short)
    before = [(m.start, m.end, m.type) for m in note.mentions]
    assert any(needs_review(m) for m in note.mentions)
    outcome = review_note(note, small_client)
    assert outcome.reviewed == 1
    assert [(m.start, m.end, m.type) for m in note.mentions] == before
    [effusion] = [m for m in note.mentions if text[m.start : m.end] == "胸水"]
    assert effusion.certainty in ("positive", "negative", "suspicious", "general")
    assert effusion.attribute_source == "llm"
    assert "extract_review" in effusion.attribute_rationale
    others = [m for m in note.mentions if m.type == "disease" and m is not effusion]
    assert all(m.attribute_source != "llm" for m in others)


def test_evaluation_counts_what_the_review_did(extractor: Extractor, monkeypatch: pytest.MonkeyPatch) -> None:
    from karte.extract import scoring
    from karte.extract.llm_review import ReviewOutcome

    outcomes = iter([ReviewOutcome(reviewed=3, changed=1), ReviewOutcome(reviewed=2, changed=2)])
    monkeypatch.setattr(scoring, "review_note", lambda note, llm: next(outcomes))
    total = ReviewOutcome()
    for text in ("肺炎を疑う。", "胸水なし。"):
        scoring.scored_entities(extractor, text, llm=object(), review=total)  # type: ignore[arg-type]
    assert (total.reviewed, total.changed) == (5, 3)
