"""``Ensemble``: several models that predict as one, by averaging.

Model averaging (the UCLA ECE 239AS notes, "ensemble methods"; Breiman 1996,
"Bagging predictors"): with members ``f_1..f_K``,

    regression      f(x) = (1/K) sum_k f_k(x)                                  (combine="mean")
    classification  p(y | x) = (1/K) sum_k softmax(f_k(x))_y                    (combine="probabilities")

For classification the module returns ``log p``: ``cross_entropy`` of it is the
ensemble's negative log-likelihood (``log_softmax(log p) = log p`` as ``sum p = 1``)
and its ``argmax`` is the ensemble's class, so every loss, metric and prediction
path of a single model works on an ensemble unchanged.

Training all members at once (bagging, ``trainlab.train.ensemble``): in ``train``
mode an input of shape ``(K, n, d)`` gives member ``k`` the rows ``x[k]`` and
returns the members' raw outputs stacked as ``(K * n, outputs)``, so that one loss
over matching ``(K * n)`` targets is the mean of the members' losses; the stacked
output carries ``K`` times the gradient, so each member's gradient is that of its
own loss, as if it were trained alone.

Example:
    >>> import torch
    >>> a, b = torch.nn.Linear(2, 3), torch.nn.Linear(2, 3)
    >>> ens = Ensemble([a, b], combine="probabilities")
    >>> x = torch.randn(4, 2)
    >>> p = (a(x).softmax(1) + b(x).softmax(1)) / 2
    >>> torch.allclose(ens(x).exp(), p)
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from trainlab.constraints import Options, Satisfies, check

__all__ = ["COMBINE", "Ensemble"]

COMBINE = ("mean", "probabilities")
_MEMBERS = Satisfies(lambda m: isinstance(m, Sequence) and len(m) >= 1 and all(isinstance(v, nn.Module) for v in m),
                     "a non-empty sequence of torch.nn.Module")


class Ensemble(nn.Module):
    """Average ``members``: their outputs (``"mean"``) or their class probabilities (``"probabilities"``)."""

    def __init__(self, members: Sequence[nn.Module], combine: str = "mean") -> None:
        super().__init__()
        check("Ensemble", "members", members, _MEMBERS)
        check("Ensemble", "combine", combine, Options(COMBINE))
        self.members = nn.ModuleList(members)
        self.combine = combine

    def __len__(self) -> int:
        return len(self.members)

    def member_outputs(self, x: Tensor) -> Tensor:
        """``(K, n, outputs)``: every member's raw output on ``x``."""
        return torch.stack([m(x) for m in self.members])

    def forward(self, x: Tensor) -> Tensor:
        if self.training and x.ndim == 3 and x.shape[0] == len(self.members):
            out = torch.stack([m(x[k]) for k, m in enumerate(self.members)])
            # The same values, K times the gradient: a mean loss over the K * n rows then gives each
            # member the gradient of its own mean loss (not 1/K of it).
            out = out + (len(self.members) - 1) * (out - out.detach())
            return out.reshape(-1, out.shape[-1])
        out = self.member_outputs(x)
        if self.combine == "mean":
            return out.mean(0)
        k = torch.tensor(float(len(self.members)), dtype=out.dtype, device=out.device)
        return torch.logsumexp(torch.log_softmax(out, dim=-1), dim=0) - torch.log(k)

    def extra_repr(self) -> str:
        return f"combine={self.combine!r}"
