"""An LLM client made on first use: a screening run whose patients never reach the LLM loads no model.

:class:`Asker` is what the screening modules need of a client (``ask``); :class:`LazyClient` builds the
configured client (:func:`karte.llm.make_client`) at the first call and, when that fails (no model
installed, ``KARTE_LLM=none``), raises the same error at every call without trying again.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from pydantic import BaseModel

from karte.config import Settings
from karte.llm import GenerationParams, LLMClient, LLMError, LLMResult, PromptSection


class Asker(Protocol):
    def ask(
        self,
        template: str,
        variables: dict[str, Any],
        *,
        sections: dict[str, PromptSection] | None = None,
        schema: type[BaseModel] | None = None,
        params: GenerationParams | None = None,
        version: int | None = None,
    ) -> LLMResult: ...


class LazyClient:
    def __init__(self, settings: Settings, *, use_cache: bool = True) -> None:
        self.settings = settings
        self.use_cache = use_cache
        self._client: LLMClient | None = None
        self._error: LLMError | None = None
        self._lock = threading.Lock()

    def client(self) -> LLMClient:
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._client is None:
                from karte.llm import make_client

                try:
                    self._client = make_client(self.settings, use_cache=self.use_cache)
                except LLMError as exc:
                    self._error = exc
                    raise
            return self._client

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
        return self.client().ask(
            template, variables, sections=sections, schema=schema, params=params, version=version
        )
