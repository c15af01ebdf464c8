"""Experiments: one module per demonstration, each a function returning its results."""
