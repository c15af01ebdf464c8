"""``BatchNorm1d``: batch normalization with a backward pass derived by hand.

Batch normalization (Ioffe & Szegedy 2015) normalizes each channel ``c`` over
the ``m`` values it takes in a mini-batch (``m = N`` for ``(N, C)`` inputs,
``m = N * L`` for ``(N, C, L)``), then rescales it with learned ``gamma, beta``:

    mu = (1/m) sum_j x_j,   sigma^2 = (1/m) sum_j (x_j - mu)^2     (biased)
    xhat_j = (x_j - mu) / sqrt(sigma^2 + eps),   y_j = gamma * xhat_j + beta

Backward (the UCLA ECE 239AS lecture notes "Regularization and optimization"
derive every term on the computational graph; ``g_j = dl/dy_j``):

    dl/dbeta = sum_j g_j,   dl/dgamma = sum_j g_j xhat_j,   dl/dxhat_j = gamma g_j
    dl/dsigma^2 = -1/2 (sigma^2 + eps)^(-3/2) sum_j (x_j - mu) dl/dxhat_j
    dl/dmu = -(sigma^2 + eps)^(-1/2) sum_j dl/dxhat_j   (the sigma^2 term vanishes: sum_j (x_j - mu) = 0)
    dl/dx_j = (sigma^2 + eps)^(-1/2) dl/dxhat_j + 2 (x_j - mu)/m dl/dsigma^2 + 1/m dl/dmu

Substituting the middle lines into the last gives the closed form used here
(one pass over the saved ``xhat``):

    dl/dx_j = (sigma^2 + eps)^(-1/2) / m * (m dl/dxhat_j - sum_k dl/dxhat_k - xhat_j sum_k dl/dxhat_k xhat_k)

``trainlab.reference.batch_norm`` writes the term-by-term version in NumPy;
the tests check both equal ``torch.nn.BatchNorm1d`` in float64.

In training mode the running estimates follow torch: with factor ``f =
momentum`` (or ``1 / num_batches_tracked`` when ``momentum=None``, a
cumulative average), ``running_mean <- (1 - f) running_mean + f mu`` and
``running_var <- (1 - f) running_var + f sigma^2 m / (m - 1)`` (the *unbiased*
variance). In eval mode (with ``track_running_stats``) the layer is the fixed
affine map with the running estimates, differentiated by autograd. The state
dict has torch's keys and dtypes, so one loads into the other.

Double backward is not supported: the hand-written backward is marked
once-differentiable, and differentiating it again raises a ``RuntimeError``
(use ``torch.nn.BatchNorm1d`` for ``torch.autograd.gradgradcheck``).

Example:
    >>> import torch
    >>> from trainlab.nn import BatchNorm1d
    >>> bn = BatchNorm1d(2)
    >>> y = bn(torch.tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> y
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<BatchNormFunctionBackward>)
    >>> bn.running_mean, bn.running_var  # 0.9 * (0, 1) + 0.1 * (mean, unbiased var)
    (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from trainlab.constraints import BOOL, POSITIVE, POSITIVE_INT, UNIT_CLOSED, Optional, check, fail

MOMENTUM = Optional(UNIT_CLOSED, none="a cumulative moving average")


def _channel_dims(x: Tensor) -> tuple[int, ...]:
    """The dimensions averaged over: all but the channel dimension 1."""
    return (0,) if x.dim() == 2 else (0, 2)


def _per_channel(v: Tensor, x: Tensor) -> Tensor:
    """A ``(C,)`` tensor shaped to broadcast against ``x`` (``(1, C)`` or ``(1, C, 1)``)."""
    return v.view(1, -1) if x.dim() == 2 else v.view(1, -1, 1)


class BatchNormFunction(torch.autograd.Function):
    """Training-mode batch norm: ``forward`` returns ``(y, mu, sigma^2)``; ``backward`` is the closed form."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float):  # type: ignore[override]
        dims = _channel_dims(x)
        mean = x.mean(dim=dims)
        centered = x - _per_channel(mean, x)
        var = (centered * centered).mean(dim=dims)
        inv_std = torch.rsqrt(var + eps)
        xhat = centered * _per_channel(inv_std, x)
        y = xhat
        if weight is not None:
            y = y * _per_channel(weight, x)
        if bias is not None:
            y = y + _per_channel(bias, x)
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.has_bias = bias is not None
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_y: Tensor, _grad_mean: Tensor, _grad_var: Tensor):  # type: ignore[override]
        xhat, inv_std, weight = ctx.saved_tensors
        dims = _channel_dims(xhat)
        m = xhat.numel() // xhat.shape[1]
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_xhat = grad_y * _per_channel(weight, xhat) if weight is not None else grad_y
            sum_g = grad_xhat.sum(dim=dims)
            sum_gx = (grad_xhat * xhat).sum(dim=dims)
            grad_x = _per_channel(inv_std / m, xhat) * (
                m * grad_xhat - _per_channel(sum_g, xhat) - xhat * _per_channel(sum_gx, xhat)
            )
        if weight is not None and ctx.needs_input_grad[1]:
            grad_weight = (grad_y * xhat).sum(dim=dims)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = grad_y.sum(dim=dims)
        return grad_x, grad_weight, grad_bias, None


def batch_norm_train(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(y, batch mean, biased batch variance)`` of ``x`` with the hand-derived backward."""
    return BatchNormFunction.apply(x, weight, bias, eps)


class BatchNorm1d(nn.Module):
    """Batch normalization over ``(N, C)`` or ``(N, C, L)`` inputs, with ``torch.nn.BatchNorm1d``'s signature.

    Args:
        num_features: the number of channels ``C``.
        eps: added to the variance before the square root (> 0).
        momentum: the running estimates' update factor, or ``None`` for a cumulative average.
        affine: learn ``weight`` (gamma, ones) and ``bias`` (beta, zeros).
        track_running_stats: keep running estimates and use them in eval mode; if
            ``False`` the batch statistics are used in both modes.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        check("BatchNorm1d", "num_features", num_features, POSITIVE_INT)
        check("BatchNorm1d", "eps", eps, POSITIVE)
        check("BatchNorm1d", "momentum", momentum, MOMENTUM)
        check("BatchNorm1d", "affine", affine, BOOL)
        check("BatchNorm1d", "track_running_stats", track_running_stats, BOOL)
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        factory = {"device": device, "dtype": dtype}
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, **factory))
            self.bias = nn.Parameter(torch.zeros(num_features, **factory))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() not in (2, 3):
            fail("BatchNorm1d", "input", "a 2D (N, C) or 3D (N, C, L) tensor", f"{x.dim()}D input of shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            fail("BatchNorm1d", "input", f"a tensor with {self.num_features} channels in dimension 1",
                 f"shape {tuple(x.shape)}")
        use_batch_stats = self.training or not self.track_running_stats
        if not use_batch_stats:
            y = (x - _per_channel(self.running_mean, x)) * _per_channel(torch.rsqrt(self.running_var + self.eps), x)
            if self.affine:
                y = y * _per_channel(self.weight, x) + _per_channel(self.bias, x)
            return y
        m = x.numel() // x.shape[1]
        if m <= 1:
            fail("BatchNorm1d", "input", "a batch with more than 1 value per channel when training "
                 "(N * L > 1; use eval mode for single examples)", f"shape {tuple(x.shape)}")
        y, mean, var = batch_norm_train(x, self.weight, self.bias, self.eps)
        if self.training and self.track_running_stats:
            self._update_running_stats(mean, var, m)
        return y

    @torch.no_grad()
    def _update_running_stats(self, mean: Tensor, var: Tensor, m: int) -> None:
        self.num_batches_tracked.add_(1)
        f = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        self.running_mean.mul_(1 - f).add_(mean, alpha=f)
        self.running_var.mul_(1 - f).add_(var * (m / (m - 1)), alpha=f)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):  # type: ignore[override]
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict:  # torch's state dicts before version 2
            state_dict[key] = torch.tensor(0, dtype=torch.long)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")
