"""Data: scikit-learn's bundled real data sets, seeded splits and standardization.

Example:
    >>> from trainlab.data import load_bundled, split_standardized
    >>> X, y = load_bundled("diabetes")
    >>> parts = split_standardized(X, y, seed=0)
    >>> parts.train.x.shape[1]
    10
"""

from trainlab.data.bundled import BUNDLED, load_bundled
from trainlab.data.split import Split, Splits, Standardizer, split_indices, split_standardized

__all__ = ["BUNDLED", "Split", "Splits", "Standardizer", "load_bundled", "split_indices", "split_standardized"]
