"""Run every benchmark and print its figures."""

from __future__ import annotations

from bench import bench_runner, bench_text


def main() -> None:
    bench_text.main()
    bench_runner.main()


if __name__ == "__main__":
    main()
