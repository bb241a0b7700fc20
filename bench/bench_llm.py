"""Embedded LLM: prefill and decode tokens/s through Karte vs bare llama-cpp-python (ratio ≤ 1.10).

Uses the small model (``karte models install small``) unless ``KARTE_BENCH_LLM_MODEL`` names another.
"""

from __future__ import annotations

import os

from karte.config import get_settings
from karte.errors import KarteError
from karte.llm.bench import print_report, run_bench
from karte.llm.models import install_model


def main() -> None:
    model = os.environ.get("KARTE_BENCH_LLM_MODEL", "small")
    settings = get_settings().model_copy(update={"llm_model": model})
    try:
        install_model(model, settings.model_cache)
        print_report(run_bench(settings, prompt_tokens=256, gen_tokens=32, repeats=5))
    except KarteError as exc:
        print(f"\n== LLM: skipped: {exc} ==")


if __name__ == "__main__":
    main()
