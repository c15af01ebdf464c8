"""Diagnostics of a network's loss: the Hessian's spectrum, trace and density, critical points, curvature.

Example:
    >>> from trainlab.diagnose import hessian
    >>> callable(hessian.eigenvalues)
    True
"""
