"""Load and concurrency benchmarks: ``make bench`` (``python -m bench``)."""
