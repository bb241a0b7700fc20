"""Errors of the LLM layer: each names what failed and, where one exists, the command that fixes it."""

from __future__ import annotations

from karte.errors import KarteError


class LLMError(KarteError):
    """A language-model call failed."""

    type = "llm_error"


class ModelNotInstalledError(LLMError):
    """The embedded model file is missing or does not match its pinned checksum."""

    type = "model_not_installed"


class LLMUnavailableError(LLMError):
    """The endpoint could not be reached or kept answering with errors after the retries."""

    type = "llm_unavailable"


class StructuredOutputError(LLMError):
    """The model's answer did not validate against the requested schema (after one repair round)."""

    type = "llm_invalid_output"


class BudgetExceededError(LLMError):
    """The per-task budget of calls or tokens is spent."""

    type = "llm_budget_exceeded"


class ContextOverflowError(LLMError):
    """The prompt does not fit in the context window even after trimming every trimmable section."""

    type = "llm_context_overflow"
