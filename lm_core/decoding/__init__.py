"""Turning next-token distributions into text: the sampling knobs and generation runs."""
