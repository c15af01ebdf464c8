"""Diagnostics of a network's loss: Hessian spectrum, loss landscapes, information plane, spectral bias."""
