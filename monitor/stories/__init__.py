"""Copies of one story across outlets (pure): fingerprints and their comparison."""
