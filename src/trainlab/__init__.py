"""trainlab: train and optimize neural networks, see each technique work, and know why training fails."""

__version__ = "0.1.0"
