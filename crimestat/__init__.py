"""crimestat: police recorded crime statistics for England and Wales, compared the way HMIC does."""

__version__ = "0.1.0"
