"""Benchmarks, reported as ratios against a baseline measured in the same process, so the
figures compare across machines. `make bench` runs them; the test suite never times."""
