"""Data passed to and returned by every backend: chat messages, generation parameters, completions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

DEFAULT_SEED = 42


class Message(BaseModel):
    """One chat message."""

    role: Literal["system", "user", "assistant"]
    content: str


class GenerationParams(BaseModel):
    """Sampling parameters; the defaults make a call deterministic (temperature 0, fixed seed)."""

    max_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    seed: int = DEFAULT_SEED
    stop: list[str] = Field(default_factory=list)


class Completion(BaseModel):
    """What a backend returns for one call."""

    text: str = Field(description="Generated text, as produced")
    parsed: dict[str, Any] | None = Field(
        default=None, description="The validated object when a schema was given"
    )
    tokens_in: int = Field(ge=0, description="Prompt tokens")
    tokens_out: int = Field(ge=0, description="Generated tokens")
    latency_s: float = Field(ge=0.0, description="Wall-clock seconds of the call")
    backend: str = Field(description="Backend name: embedded | openai")
    model_id: str = Field(description="Model file or served model id")
    finish_reason: str | None = None
    structured_mode: str | None = Field(
        default=None, description="How the schema was enforced: grammar, json_schema, json_object, repair"
    )
    repaired: bool = Field(default=False, description="True when one repair round was needed")


class ContinuationScores(BaseModel):
    """How likely the model finds each given continuation of a prompt (for choosing among options).

    No text is generated: the model reads the prompt once, then each continuation, and the log-
    probability of every continuation token is summed.
    """

    logprobs: list[float] = Field(description="Sum of the token log-probabilities, one per continuation")
    tokens: list[int] = Field(description="Tokens of each continuation")
    tokens_in: int = Field(ge=0, description="Prompt tokens plus continuation tokens read")
    latency_s: float = Field(ge=0.0)
    backend: str
    model_id: str
