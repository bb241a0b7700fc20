"""One :class:`Drafter` per settings: the heavy parts (lexicon, ICD-10 table, LLM client) built once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from karte.config import Settings
from karte.drafting.coding import Icd10Coder
from karte.drafting.lexicon import default_lexicon
from karte.drafting.pipeline import Drafter
from karte.llm import LLMClient

T = TypeVar("T")


def make_drafter(
    settings: Settings,
    cache: Callable[[str, Callable[[], object]], object] | None = None,
    *,
    llm_cache: bool = True,
) -> Drafter:
    """A drafter whose resources live in ``cache`` (a task context's ``resource``) when given.

    ``llm_cache=False``: every model call is made for real (benchmarks); by default answers are cached.
    """

    def cached(key: str, build: Callable[[], T]) -> T:
        if cache is None:
            return build()
        return cache(key, build)  # type: ignore[return-value]

    def client() -> LLMClient:
        from karte.llm import make_client

        key = "llm.client" if llm_cache else "llm.client.uncached"
        return cached(key, lambda: make_client(settings, use_cache=llm_cache))

    return Drafter(
        cached("drafting.lexicon", default_lexicon),
        cached("drafting.icd10", lambda: Icd10Coder(settings)),
        client,
    )
