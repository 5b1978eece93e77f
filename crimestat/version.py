"""crimestat's version, in one place: the package metadata (pyproject.toml reads it) and cache keys."""

__version__ = "0.2.0"
