"""Data: lecture regression targets, scikit-learn's bundled sets, CSV files, seeded splits.

Normalization (``trainlab.data.normalize``: standardization, PCA and ZCA whitening) is always
fitted on the training part only.

Example:
    >>> from trainlab.data import load_dataset, split_standardized
    >>> ds = load_dataset("diabetes")
    >>> parts = split_standardized(ds.X, ds.y, val=0.2, test=0.1, seed=0)
    >>> parts.train.x.shape[1]
    10
"""

from trainlab.data.bundled import BUNDLED, load_bundled, load_bundled_classes
from trainlab.data.checks import check_finite, check_xy
from trainlab.data.csv import load_csv, load_csv_classes
from trainlab.data.sources import Dataset, dataset_names, load_dataset
from trainlab.data.normalize import (
    NORMALIZERS,
    Identity,
    Normalizer,
    PCAWhiten,
    Standardize,
    ZCAWhiten,
    make_normalizer,
    normalizer_from_state,
    normalizer_names,
)
from trainlab.data.split import Split, Splits, split_indices, split_standardized
from trainlab.data.targets import TARGETS, Target, make_target

__all__ = [
    "BUNDLED", "Dataset", "Identity", "NORMALIZERS", "Normalizer", "PCAWhiten", "Split", "Splits", "Standardize", "TARGETS", "Target", "check_finite",
    "check_xy", "dataset_names", "load_bundled", "load_bundled_classes", "load_csv", "load_csv_classes", "load_dataset", "make_target",
    "make_normalizer", "normalizer_from_state", "normalizer_names", "split_indices", "split_standardized", "ZCAWhiten",
]


def __getattr__(name: str):
    if name == "Standardizer":
        from trainlab.data import split

        return getattr(split, name)  # says what replaced it
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
