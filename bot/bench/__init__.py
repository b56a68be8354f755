"""Benchmarks shipped with the project: `python -m bot bench NAME`."""
