"""Build the configured backend (``KARTE_LLM`` = embedded | openai | none) and a client for a task run."""

from __future__ import annotations

import os

from karte.config import Settings
from karte.llm.backend import LLMBackend
from karte.llm.budget import Budget
from karte.llm.cache import CompletionCache
from karte.llm.client import LLMClient
from karte.llm.errors import LLMError

API_KEY_ENV = "KARTE_LLM_API_KEY"
BACKENDS = ("embedded", "openai", "none")


def make_backend(settings: Settings, *, backend: str | None = None, model: str | None = None) -> LLMBackend:
    """The backend named by ``backend`` (default ``settings.llm``) with ``model`` (default ``llm_model``)."""
    kind = backend or settings.llm
    name = model or settings.llm_model
    if kind == "embedded":
        from karte.llm.embedded import EmbeddedBackend
        from karte.llm.models import installed_model_path

        path = installed_model_path(name, settings.model_cache)
        return EmbeddedBackend(path, n_threads=settings.llm_threads)
    if kind == "openai":
        from karte.llm.openai_backend import OpenAIBackend

        if not settings.llm_base_url:
            raise LLMError(
                "KARTE_LLM_BASE_URL が未設定です (openai backend needs a base URL, e.g. http://gpu-host:8000/v1)",
                field="llm_base_url",
                type="config_error",
            )
        return OpenAIBackend(
            settings.llm_base_url,
            model=None if name == "default" else name,
            api_key=os.environ.get(API_KEY_ENV),
            timeout_s=settings.llm_timeout,
            retries=settings.llm_retries,
            max_concurrency=settings.llm_concurrency,
        )
    if kind == "none":
        raise LLMError(
            "LLM は無効です (KARTE_LLM=none) (this task needs an LLM backend)",
            field="llm",
            type="llm_disabled",
        )
    raise LLMError(
        f"未知の LLM バックエンド {kind!r}。{', '.join(BACKENDS)} のいずれか (unknown LLM backend)",
        field="llm",
        type="config_error",
    )


def make_client(
    settings: Settings,
    *,
    backend: LLMBackend | None = None,
    use_cache: bool = True,
    budget: Budget | None = None,
) -> LLMClient:
    """A client with the on-disk cache under ``settings.home`` and a fresh per-run budget."""
    return LLMClient(
        backend or make_backend(settings),
        CompletionCache(settings.home / "llm-cache") if use_cache else None,
        budget or Budget(settings.llm_budget_calls, settings.llm_budget_tokens),
    )
