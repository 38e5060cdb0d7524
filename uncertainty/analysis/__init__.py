"""Analyses of a finished run: comparison, precision, sensitivity."""
