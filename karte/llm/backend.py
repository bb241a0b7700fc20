"""The one interface every backend offers, and the schema validation + repair round they share."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from karte.llm.errors import StructuredOutputError
from karte.llm.prompts import render
from karte.llm.schema import json_schema_of, validate_json
from karte.llm.types import DEFAULT_SEED, Completion, Message


@runtime_checkable
class LLMBackend(Protocol):
    """``generate(messages, schema=None, …) -> Completion``: tasks never care which backend runs."""

    name: str

    @property
    def model_id(self) -> str: ...

    @property
    def context_length(self) -> int: ...

    def count_tokens(self, messages: Sequence[Message]) -> int: ...

    def generate(
        self,
        messages: Sequence[Message],
        schema: type[BaseModel] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = DEFAULT_SEED,
        stop: Sequence[str] = (),
    ) -> Completion: ...


class BaseBackend(ABC):
    """Shared ``generate``: constrained decoding by the backend, then pydantic validation.

    When the answer does not validate (a server without schema support, or a constraint the grammar
    cannot express), the model gets one repair round; a second failure is a
    :class:`StructuredOutputError`. JSON is never recovered by stripping text around it.
    """

    name = "base"

    @property
    @abstractmethod
    def model_id(self) -> str: ...

    @property
    @abstractmethod
    def context_length(self) -> int: ...

    @abstractmethod
    def count_tokens(self, messages: Sequence[Message]) -> int: ...

    @abstractmethod
    def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
        seed: int,
        stop: Sequence[str],
    ) -> Completion:
        """One call to the model; with ``json_schema``, constrain the output as far as it can."""

    def generate(
        self,
        messages: Sequence[Message],
        schema: type[BaseModel] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = DEFAULT_SEED,
        stop: Sequence[str] = (),
    ) -> Completion:
        json_schema = json_schema_of(schema) if schema is not None else None
        args: dict[str, Any] = {
            "json_schema": json_schema,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
            "stop": stop,
        }
        first = self.complete(messages, **args)
        if schema is None:
            return first
        obj, problem = validate_json(schema, first.text)
        if obj is not None:
            return first.model_copy(update={"parsed": obj.model_dump(mode="json")})
        repair = render(
            "repair",
            {"problem": problem, "schema": json.dumps(json_schema, ensure_ascii=False)},
        ).messages
        retry_messages = [*messages, Message(role="assistant", content=first.text), *repair]
        second = self.complete(retry_messages, **args)
        obj, problem2 = validate_json(schema, second.text)
        total = {
            "tokens_in": first.tokens_in + second.tokens_in,
            "tokens_out": first.tokens_out + second.tokens_out,
            "latency_s": first.latency_s + second.latency_s,
        }
        if obj is None:
            raise StructuredOutputError(
                f"{self.name} ({self.model_id}) の出力が修正後もスキーマ {schema.__name__} に合いません: "
                f"{problem2} (output invalid after one repair round)",
                field="llm",
            )
        return second.model_copy(update={"parsed": obj.model_dump(mode="json"), "repaired": True, **total})
