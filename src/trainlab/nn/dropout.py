"""``Dropout(p, form=...)``: standard dropout (weight-scaling inference rule) and inverted dropout.

During training each unit is kept with probability ``1 - p`` and zeroed with
probability ``p``, a fresh Bernoulli mask ``m`` per example and per unit
(Hinton et al. 2012; Srivastava et al. 2014). The two forms differ only in
where the keep probability ``q = 1 - p`` is compensated:

* ``form="standard"`` (the papers' rule): train ``y = m * x``; at inference
  ``y = q * x``, the *weight-scaling inference rule* (multiplying the outgoing
  weights by ``q`` is the same thing), so that the expected training output
  ``E[m * x] = q * x`` is what inference returns.
* ``form="inverted"`` (``torch.nn.Dropout``): train ``y = m * x / q``;
  inference is the identity. Same expectation ``E[m * x / q] = x`` at training
  as at inference; the mask and the arithmetic are those of
  ``torch.nn.functional.dropout`` (``empty_like(x).bernoulli_(q)``, divided by
  ``q``, times ``x``), so with the same generator state the output is equal
  bit for bit on the CPU (off the CPU, without a ``generator``, it calls
  torch's fused kernel, exactly as ``torch.nn.Dropout`` does).

``p`` is the probability of *zeroing* a unit, as in torch. Some texts (the
Srivastava et al. paper) call the keep probability ``p``; pass ``1 - p`` then.

Example:
    >>> import torch
    >>> from trainlab.nn import Dropout
    >>> layer = Dropout(0.5, form="standard").eval()
    >>> layer(torch.ones(3))  # inference: scaled by the keep probability
    tensor([0.5000, 0.5000, 0.5000])
    >>> Dropout(0.5).eval()(torch.ones(3))  # inverted: identity at inference
    tensor([1., 1., 1.])
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trainlab.constraints import UNIT_HALF_OPEN, Options, check

FORMS = ("inverted", "standard")
FORM = Options(FORMS)


def dropout(
    x: Tensor, p: float, form: str = "inverted", training: bool = True, generator: torch.Generator | None = None
) -> Tensor:
    """Dropout of ``x`` with drop probability ``p`` in ``form``; see the module docstring.

    ``generator`` draws the mask (the global generator of ``x``'s device when ``None``).
    """
    check("dropout", "p", p, UNIT_HALF_OPEN)
    check("dropout", "form", form, FORM)
    keep = 1.0 - p
    if not training:
        return x * keep if form == "standard" and p > 0 else x
    if p == 0 or x.numel() == 0:
        return x
    if form == "inverted" and generator is None and x.device.type != "cpu":
        return torch.nn.functional.dropout(x, p, True)  # torch's fused kernel off the CPU: same as nn.Dropout
    mask = torch.empty_like(x).bernoulli_(keep, generator=generator)
    if form == "inverted":
        mask.div_(keep)
    return x * mask


class Dropout(nn.Dropout):
    """Dropout layer with drop probability ``p`` and ``form`` ``"inverted"`` (default) or ``"standard"``.

    A ``torch.nn.Dropout`` (same ``p`` attribute, no state), so code that
    looks for dropout layers finds it; ``forward`` is :func:`dropout`.
    """

    def __init__(self, p: float = 0.5, form: str = "inverted") -> None:
        check("Dropout", "p", p, UNIT_HALF_OPEN)
        check("Dropout", "form", form, FORM)
        super().__init__(p)
        self.form = form

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.form, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (f", form={self.form}" if self.form != "inverted" else "")
