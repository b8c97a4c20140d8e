"""Benchmarks for DESIGN.md §6, run by `make bench` (python -m bench.run). Not tests: nothing here asserts a time."""
