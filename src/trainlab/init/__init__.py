"""Weight initialization: the schemes of torch.nn.init (bit-identical for the same generator
state), LeCun's, and ``initialize(model, scheme)`` to apply one by name.

Example:
    >>> import torch
    >>> from trainlab import init
    >>> w = torch.empty(3, 5)
    >>> _ = init.xavier_uniform_(w, gain=init.calculate_gain("tanh"), generator=torch.Generator().manual_seed(1))
    >>> init.names()[:3]
    ['torch', 'xavier_uniform', 'xavier_normal']
"""

from trainlab.init.apply import SCHEMES, Scheme, get, initialize, initialize_layer, names
from trainlab.init.gain import calculate_gain
from trainlab.init.schemes import (
    constant_,
    fans,
    kaiming_normal_,
    kaiming_uniform_,
    lecun_normal_,
    lecun_uniform_,
    normal_,
    orthogonal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)

__all__ = [
    "SCHEMES", "Scheme", "calculate_gain", "constant_", "fans", "get", "initialize", "initialize_layer", "kaiming_normal_",
    "kaiming_uniform_", "lecun_normal_", "lecun_uniform_", "names", "normal_", "orthogonal_", "uniform_",
    "xavier_normal_", "xavier_uniform_", "zeros_",
]
