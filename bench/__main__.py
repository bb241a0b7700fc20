"""Run every benchmark and print its figures."""

from __future__ import annotations

from bench import (
    bench_batch,
    bench_coding,
    bench_deid,
    bench_extract,
    bench_llm,
    bench_retrieval,
    bench_runner,
    bench_text,
)


def main() -> None:
    bench_text.main()
    bench_runner.main()
    bench_deid.main()
    bench_retrieval.main()
    bench_extract.main()
    bench_coding.main()
    bench_llm.main()
    bench_batch.main()


if __name__ == "__main__":
    main()
