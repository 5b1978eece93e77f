"""Metrics: pure functions over numbers or arrays. No I/O, no printing."""
