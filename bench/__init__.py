"""Benchmarks (``make bench``): throughput and ratios against reference implementations."""
