"""What the process needs from its first instruction to its last: signal handling (installed before anything
heavy is imported) and logging of warnings. Imports nothing of crimestat above it."""
