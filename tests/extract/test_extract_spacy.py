"""The spaCy factories give the same entities and attributes as the direct path."""

from __future__ import annotations

from karte.extract.pipeline import Extractor
from karte.extract.spacy_components import extraction_pipeline


def test_spacy_pipeline_matches_direct_path(extractor: Extractor) -> None:
    text = "胸部ＣＴで右肺下葉に肺炎を疑う。胸水は認めない。ＰＳＬを中止した。"
    nlp = extraction_pipeline()
    assert nlp.pipe_names == ["karte_dictionary", "karte_ner", "karte_context"]
    doc = nlp(text)
    direct = extractor.extract(text).mentions
    exact = [m for m in doc._.karte_entities]
    assert [(m.start, m.end, m.type, m.certainty, m.state) for m in exact] == [
        (m.start, m.end, m.type, m.certainty, m.state) for m in direct
    ]
    by_text = {e.text: e for e in doc.ents}
    assert by_text["胸水"]._.certainty == "negative"
    assert by_text["胸水"].label_ == "disease"
    assert any(s.label_ == "medication" for s in doc.spans["karte_dictionary"])
