"""Deprecated: the range test on a data set moved to ``trainlab.train.lr_find`` (it builds data and a model)."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {
    "MiniBatches": "trainlab.train.lr_find:MiniBatches",
    "find_on_bundled": "trainlab.train.lr_find:find_on_dataset",  # now any data set, not only bundled ones
})
