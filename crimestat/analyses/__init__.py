"""Analyses: compare, trend, rank, report, indicators, validate. Typed results from the dataset; no printing."""
