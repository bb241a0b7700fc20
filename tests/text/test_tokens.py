"""Sudachi tokens: offsets into the original, long inputs, the spaCy pipeline."""

from __future__ import annotations

from karte.text import blank_pipeline, tokenize


def test_tokens_cover_the_original_text() -> None:
    text = "ｸﾚｱﾁﾆﾝ 1.2mg/dlで腎機能障害を認めた。㈱\n体温 36.8℃"
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text
    for t in tokens:
        assert text[t.start : t.end] == t.text
    by_text = {t.text: t for t in tokens}
    assert by_text["ｸﾚｱﾁﾆﾝ"].norm == "クレアチニン"
    assert by_text["認め"].norm == "認める"
    assert by_text["腎機能障害"].pos == "名詞"


def test_mode_c_keeps_compounds() -> None:
    assert "腎機能障害" in [t.text for t in tokenize("腎機能障害を認めた")]


def test_text_longer_than_sudachi_limit() -> None:
    # Sudachi refuses inputs over 49,149 bytes; the tokenizer cuts at sentence ends.
    sentence = "高血圧症にて当院通院中である。"
    text = sentence * 5_000  # 75,000 characters, 225,000 bytes
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text
    assert sum(t.text == "高血圧症" for t in tokens) == 5_000


def test_long_line_without_breaks() -> None:
    text = "あ" * 60_000
    assert "".join(t.text for t in tokenize(text)) == text


def test_spacy_pipeline_uses_sudachi_mode_c() -> None:
    nlp = blank_pipeline()
    text = "ｸﾚｱﾁﾆﾝ 1.2mg/dlで腎機能障害を認めた。"
    doc = nlp(text)
    assert doc.text == text
    assert nlp.lang == "ja"
    assert next(t.norm_ for t in doc) == "クレアチニン"
    assert "腎機能障害" in [t.text for t in doc]
