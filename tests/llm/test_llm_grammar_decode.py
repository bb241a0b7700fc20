"""Greedy grammar decoding that checks the model's first choice before the whole vocabulary gives the
same tokens as llama-cpp-python's sampler chain, which applies the grammar to every token."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from karte.llm.grammar_decode import greedy_grammar_decode
from karte.llm.types import Message


class Finding(BaseModel):
    name: str
    certainty: Literal["positive", "negative", "suspicious"]


class Findings(BaseModel):
    findings: list[Finding]


class Code(BaseModel):
    code: Literal["J18.9", "I10", "E11.9"]  # the model would rather write prose first


PROMPTS = [
    ("次の文から所見を JSON で抜き出してください。\n発熱と咳嗽を認める。肺炎は否定的。", Findings),
    ("既往歴: 高血圧、2型糖尿病、心房細動。所見を JSON で。", Findings),
    ("肺炎の ICD-10 コードを答えてください。", Code),
]


@pytest.mark.parametrize(("prompt", "model"), PROMPTS)
def test_same_output_as_the_full_grammar_sampler(
    small_backend: Any, prompt: str, model: type[BaseModel]
) -> None:
    backend = small_backend
    messages = [Message(role="user", content=prompt)]
    tokens, _ = backend.prompt_tokens(messages)
    schema = model.model_json_schema()
    grammar = backend._grammar(schema)
    with backend._lock:
        backend.llama.reset()
        reference: Any = backend.llama.create_completion(
            prompt=tokens, max_tokens=80, temperature=0.0, seed=0, grammar=grammar, repeat_penalty=1.0
        )
        backend.llama.reset()
        decoded = greedy_grammar_decode(backend.llama, tokens, grammar, 80, [])
    assert decoded.text == reference["choices"][0]["text"]
    assert len(decoded.tokens) == reference["usage"]["completion_tokens"]
    if decoded.finish_reason == "stop":
        model.model_validate(json.loads(decoded.text))


def test_the_grammar_overrules_the_model_when_it_must(small_backend: Any) -> None:
    messages = [Message(role="user", content="こんにちは。自己紹介をしてください。")]
    tokens, _ = small_backend.prompt_tokens(messages)
    grammar = small_backend._grammar(Code.model_json_schema())
    with small_backend._lock:
        decoded = greedy_grammar_decode(small_backend.llama, tokens, grammar, 40, [])
    assert decoded.full_checks >= 1  # the model's first choice (prose) was refused
    assert Code.model_validate_json(decoded.text).code in {"J18.9", "I10", "E11.9"}
