"""``SparseAdam``: Adam for sparse gradients (embeddings), as ``torch.optim.SparseAdam``.

Update rule: see ``trainlab.optim.transforms.sparse_adam``; only the rows a
sparse gradient names move, and only their moments decay.

Example:
    >>> import torch
    >>> from trainlab.optim import SparseAdam
    >>> emb = torch.nn.Embedding(10, 3, sparse=True)
    >>> opt = SparseAdam(emb.parameters(), lr=1e-2)
    >>> emb(torch.tensor([1, 4])).sum().backward(); _ = opt.step()
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trainlab.optim.shell import ChainOptimizer
from trainlab.optim.transform import chain
from trainlab.optim.transforms.basic import ScaleByLearningRate
from trainlab.optim.transforms.sparse_adam import ScaleBySparseAdam

__all__ = ["SparseAdam"]


class SparseAdam(ChainOptimizer):
    """Lazy Adam for dense parameters with sparse gradients (``nn.Embedding(sparse=True)``).

    Arguments and defaults are torch.optim.SparseAdam's. Dense gradients are refused
    (use ``Adam``); so are sparse or complex parameters, as in torch.

    Chain: ``scale_by_sparse_adam -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        transform = chain(ScaleBySparseAdam(betas, eps), ScaleByLearningRate(lr))
        super().__init__(params, transform, maximize=maximize)
        refused = (
            ("Sparse", lambda p: p.is_sparse, "requires dense parameter tensors"),
            ("Complex", lambda p: p.is_complex(), "does not support complex parameters"),
        )
        for kind, is_bad, why in refused:  # torch's errors, word for word
            bad = [
                [i, j]
                for i, group in enumerate(self.param_groups)
                for j, p in enumerate(group["params"])
                if is_bad(p)
            ]
            if bad:
                raise ValueError(f"{kind} params at indices {bad}: SparseAdam {why}")
