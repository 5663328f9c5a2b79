"""Benchmark harness: a data generator (`bench.generate`) and the `make bench` runner."""
