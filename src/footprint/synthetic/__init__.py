"""Benign generated content for the demo, tests and benchmarks. Never real imagery."""
