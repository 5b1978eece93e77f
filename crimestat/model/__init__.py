"""The vocabulary crimestat speaks, pure: forces, periods, windows, series breaks, classification, measures,
denominators, outcomes and peer groups. Nothing here reads a file or prints."""
