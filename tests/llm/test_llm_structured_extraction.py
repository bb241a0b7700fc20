"""Schema-constrained output from the real llama.cpp engine: 100% of 50 generated prompts validate."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import BaseModel, Field

from karte.llm import Budget, GenerationParams, LLMClient

DRUGS = ["アムロジピン", "メトホルミン", "ロキソニン", "アトルバスタチン", "ファモチジン", "ワルファリン"]
UNITS = ["mg", "g", "mL", "錠"]
FREQ = {1: "1日1回", 2: "1日2回", 3: "1日3回", 4: "1日4回"}


class MedicationMention(BaseModel):
    drug: str = Field(min_length=1, max_length=30)
    dose: float = Field(gt=0, lt=10000)
    unit: Literal["mg", "g", "mL", "錠", "単位"]
    times_per_day: int = Field(ge=1, le=4)
    stopped: bool


def generated_prompts(n: int = 50, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    prompts = []
    for _ in range(n):
        drug, unit, times = rng.choice(DRUGS), rng.choice(UNITS), rng.randint(1, 4)
        dose = rng.choice([0.5, 1, 2, 2.5, 5, 10, 20, 50, 100, 250, 500])
        stopped = rng.random() < 0.3
        tail = "を中止した。" if stopped else "を継続する。"
        text = f"{drug} {dose}{unit} {FREQ[times]}{tail}"
        prompts.append({"text": text, "drug": drug, "stopped": stopped})
    return prompts


def test_fifty_extraction_prompts_all_validate(small_backend: Any) -> None:
    client = LLMClient(small_backend, cache=None, budget=Budget(100, 10**6))
    instruction = "文中の薬剤名、1回量、単位、1日の回数、中止したかどうかを抽出してください。"
    valid = 0
    drug_exact = stopped_right = 0
    prompts = generated_prompts()
    for item in prompts:
        result = client.ask(
            "extract_json",
            {"instruction": instruction, "text": item["text"]},
            schema=MedicationMention,
            params=GenerationParams(max_tokens=80),
        )
        assert result.audit.structured_mode == "grammar"
        mention = MedicationMention.model_validate(result.parsed)  # raises if it were not valid
        valid += 1
        drug_exact += mention.drug == item["drug"]
        stopped_right += mention.stopped == item["stopped"]
    assert valid == len(prompts) == 50
    # Not the point of the test, but floors that catch a broken prompt, template or field order
    # (a grammar that put "dose" before "drug" made the 0.5B model answer drug="mg").
    assert drug_exact / len(prompts) >= 0.6
    assert stopped_right / len(prompts) >= 0.6


def test_structured_output_records_audit(small_backend: Any) -> None:
    client = LLMClient(small_backend, cache=None, budget=Budget(10, 10**5))
    result = client.ask(
        "extract_json",
        {"instruction": "薬剤名などを抽出してください。", "text": "アムロジピン 5mg 1日1回を継続する。"},
        schema=MedicationMention,
        params=GenerationParams(max_tokens=80),
    )
    assert result.audit.template == "extract_json.v1"
    assert len(result.audit.prompt_sha256) == 64
    assert result.audit.backend == "embedded"
    assert result.audit.model.endswith(".gguf")
    assert result.audit.tokens_in > 0 and result.audit.tokens_out > 0
    assert result.parsed is not None and set(result.parsed) == set(MedicationMention.model_fields)
