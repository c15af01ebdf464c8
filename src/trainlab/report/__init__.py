"""Figures (matplotlib, headless Agg) and reports."""
