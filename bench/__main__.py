"""Run every benchmark and print its figures."""

from __future__ import annotations

from bench import (
    bench_batch,
    bench_coding,
    bench_deid,
    bench_draft,
    bench_extract,
    bench_llm,
    bench_reporting,
    bench_retrieval,
    bench_runner,
    bench_screen,
    bench_text,
    bench_web,
)


def main() -> None:
    bench_text.main()
    bench_runner.main()
    bench_deid.main()
    bench_draft.main()
    bench_retrieval.main()
    bench_extract.main()
    bench_coding.main()
    bench_llm.main()
    bench_batch.main()
    bench_web.main()
    bench_reporting.main()
    bench_screen.main([])


if __name__ == "__main__":
    main()
