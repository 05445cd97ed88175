"""Benchmarks: they measure and report, they never assert. Run with `make bench`."""
