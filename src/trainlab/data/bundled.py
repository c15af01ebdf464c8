"""The real data sets that ship inside scikit-learn (nothing is downloaded).

========== ============== ======= ========= ==============================
name       task           samples features  target
========== ============== ======= ========= ==============================
diabetes   regression     442     10        disease progression after 1 year
breast     classification 569     30        malignant (0) / benign (1)
digits     classification 1797    64        digit 0-9
iris       classification 150     4         species 0-2
wine       classification 178     13        cultivar 0-2 (features on scales from ~0.1 to ~1000)
========== ============== ======= ========= ==============================
"""

from __future__ import annotations

import numpy as np

from trainlab.constraints import Options, check

BUNDLED = {
    "diabetes": ("load_diabetes", "regression"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "digits": ("load_digits", "classification"),
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
}


def load_bundled(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features ``X`` (float64, n x d) and target ``y`` (float64 for regression, int64 labels)."""
    X, y, _ = load_bundled_classes(name)
    return X, y


def load_bundled_classes(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    """``X``, ``y`` and the class names (``classes[k]`` is label ``k``; ``None`` for regression)."""
    check("load_bundled", "name", name, Options(tuple(BUNDLED)))
    import sklearn.datasets as skd

    loader, task = BUNDLED[name]
    bunch = getattr(skd, loader)()
    X = np.asarray(bunch.data, dtype=np.float64)
    if task == "regression":
        return X, np.asarray(bunch.target, dtype=np.float64), None
    return X, np.asarray(bunch.target, dtype=np.int64), tuple(str(c) for c in bunch.target_names)


def task_of(name: str) -> str:
    """``"regression"`` or ``"classification"``."""
    check("task_of", "name", name, Options(tuple(BUNDLED)))
    return BUNDLED[name][1]
