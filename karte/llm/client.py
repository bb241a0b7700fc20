"""What tasks use: render a prompt template, fit it to the context, call the backend, validate, audit.

Every result records the template (name and version), the rendered prompt's sha256, the backend and the
model, and any trimming warnings. Answers are cached on disk by (model, prompt hash, parameters), so a
re-run costs nothing, and every call is charged to the task's :class:`Budget` before it is made.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from karte.llm.backend import LLMBackend
from karte.llm.budget import Budget
from karte.llm.cache import CompletionCache, cache_key
from karte.llm.errors import LLMError
from karte.llm.prompts import PromptSection, RenderedPrompt, render_fitting
from karte.llm.schema import json_schema_of
from karte.llm.types import Completion, GenerationParams

SCORE_RESERVE_TOKENS = 256  # context kept free for the continuations when a scoring prompt is fitted


class LLMAudit(BaseModel):
    """How an LLM-produced value was made (kept with the result for audit)."""

    template: str = Field(description="Prompt template and version, e.g. qa_answer.v1")
    prompt_sha256: str
    backend: str
    model: str
    cached: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    structured_mode: str | None = None
    repaired: bool = False
    warnings: list[str] = Field(default_factory=list)


class LLMResult(BaseModel):
    text: str
    parsed: dict[str, Any] | None = None
    audit: LLMAudit


class ScoreResult(BaseModel):
    """Log-probabilities of given continuations (options) after a rendered prompt."""

    logprobs: list[float]
    tokens: list[int]
    audit: LLMAudit


class LLMClient:
    def __init__(self, backend: LLMBackend, cache: CompletionCache | None, budget: Budget) -> None:
        self.backend = backend
        self.cache = cache
        self.budget = budget

    def _prepare(
        self,
        template: str,
        variables: dict[str, Any],
        sections: dict[str, PromptSection] | None,
        version: int | None,
        *,
        reserve: int,
        key_params: dict[str, Any],
    ) -> tuple[RenderedPrompt, str, dict[str, Any]]:
        """The prompt fitted to the context less ``reserve`` tokens, its cache key and its audit fields."""
        prompt = render_fitting(
            template,
            variables,
            sections or {},
            count_tokens=self.backend.count_tokens,
            limit=self.backend.context_length - reserve,
            version=version,
        )
        key = cache_key(self.backend.model_id, prompt.sha256, {**key_params, "backend": self.backend.name})
        audit: dict[str, Any] = {
            "template": prompt.template,
            "prompt_sha256": prompt.sha256,
            "backend": self.backend.name,
            "model": self.backend.model_id,
            "warnings": prompt.warnings,
        }
        return prompt, key, audit

    def ask(
        self,
        template: str,
        variables: dict[str, Any],
        *,
        sections: dict[str, PromptSection] | None = None,
        schema: type[BaseModel] | None = None,
        params: GenerationParams | None = None,
        version: int | None = None,
    ) -> LLMResult:
        """Render ``template`` (newest version unless ``version``), fit it, call, validate, cache."""
        params = params or GenerationParams()
        key_params = {
            **params.model_dump(),
            "schema": json.dumps(json_schema_of(schema), sort_keys=True) if schema else None,
        }
        prompt, key, audit = self._prepare(
            template, variables, sections, version, reserve=params.max_tokens, key_params=key_params
        )
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None:
            return LLMResult(text=hit.text, parsed=hit.parsed, audit=LLMAudit(**audit, cached=True))
        planned = self.backend.count_tokens(prompt.messages) + params.max_tokens
        self.budget.check(planned)
        completion = self.backend.generate(
            prompt.messages,
            schema=schema,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            seed=params.seed,
            stop=params.stop,
        )
        self.budget.charge(completion.tokens_in + completion.tokens_out)
        if self.cache is not None:
            self.cache.put(key, completion)
        return LLMResult(
            text=completion.text,
            parsed=completion.parsed,
            audit=LLMAudit(
                **audit,
                tokens_in=completion.tokens_in,
                tokens_out=completion.tokens_out,
                latency_s=completion.latency_s,
                structured_mode=completion.structured_mode,
                repaired=completion.repaired,
            ),
        )

    @property
    def can_score(self) -> bool:
        """Whether the backend can score given continuations (the embedded one can; servers cannot)."""
        return callable(getattr(self.backend, "score_continuations", None))

    def score(
        self,
        template: str,
        variables: dict[str, Any],
        continuations: list[str],
        *,
        sections: dict[str, PromptSection] | None = None,
        version: int | None = None,
    ) -> ScoreResult:
        """How likely the model finds each continuation as its answer to ``template`` (cached, budgeted)."""
        scorer = getattr(self.backend, "score_continuations", None)
        if not callable(scorer):
            raise LLMError(
                f"バックエンド {self.backend.name} は選択肢の尤度を計算できません "
                "(backend cannot score options; generate instead)",
                field="llm",
                type="llm_scoring_unsupported",
            )
        prompt, key, audit = self._prepare(
            template,
            variables,
            sections,
            version,
            reserve=SCORE_RESERVE_TOKENS,
            key_params={"score": continuations},
        )
        audit["structured_mode"] = "scoring"
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None and hit.parsed is not None:
            return ScoreResult(
                logprobs=hit.parsed["logprobs"],
                tokens=hit.parsed["tokens"],
                audit=LLMAudit(**audit, cached=True),
            )
        self.budget.check(self.backend.count_tokens(prompt.messages))
        scores = scorer(prompt.messages, continuations)
        self.budget.charge(scores.tokens_in)
        if self.cache is not None:
            parsed = {"logprobs": scores.logprobs, "tokens": scores.tokens}
            self.cache.put(
                key,
                Completion(
                    text="",
                    parsed=parsed,
                    tokens_in=scores.tokens_in,
                    tokens_out=0,
                    latency_s=scores.latency_s,
                    backend=scores.backend,
                    model_id=scores.model_id,
                    structured_mode="scoring",
                ),
            )
        return ScoreResult(
            logprobs=scores.logprobs,
            tokens=scores.tokens,
            audit=LLMAudit(**audit, tokens_in=scores.tokens_in, latency_s=scores.latency_s),
        )
