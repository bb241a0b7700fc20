"""Language models behind one interface: embedded llama.cpp or any OpenAI-compatible server.

Tasks use :func:`make_client` and :meth:`LLMClient.ask` with a prompt template and a pydantic schema;
the model only chooses among verified options or writes prose from cited facts.
"""

from karte.llm.backend import LLMBackend
from karte.llm.budget import Budget
from karte.llm.client import LLMAudit, LLMClient, LLMResult, ScoreResult
from karte.llm.errors import (
    BudgetExceededError,
    ContextOverflowError,
    LLMError,
    LLMUnavailableError,
    ModelNotInstalledError,
    StructuredOutputError,
)
from karte.llm.factory import make_backend, make_client
from karte.llm.prompts import PromptSection
from karte.llm.types import Completion, GenerationParams, Message

__all__ = [
    "Budget",
    "BudgetExceededError",
    "Completion",
    "ContextOverflowError",
    "GenerationParams",
    "LLMAudit",
    "LLMBackend",
    "LLMClient",
    "LLMError",
    "LLMResult",
    "LLMUnavailableError",
    "Message",
    "ModelNotInstalledError",
    "PromptSection",
    "ScoreResult",
    "StructuredOutputError",
    "make_backend",
    "make_client",
]
