"""Benchmarks for steadyflow; run them with ``python -m bench.<name>`` (see ``make bench``)."""
