"""Regularizers that act on the data and the loss, below the training loop (beside ``data`` and ``nn``).

``trainlab.regularize.augment``: named, composable data augmentations (images and tabular data),
seeded from one ``torch.Generator``; ``trainlab.regularize.image_ops``: their deterministic kernels.
"""

from trainlab.regularize.augment import AUGMENTATIONS, Augment, parse_augment

__all__ = ["AUGMENTATIONS", "Augment", "parse_augment"]
