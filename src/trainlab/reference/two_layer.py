"""A two-layer sigmoid network for binary classification, forward and backward by hand (float64 NumPy).

Written the way the SUTD 50.039 "Theory and Practice of Deep Learning" notes (W2-S2) write
their ``ShallowNeuralNet``: inputs ``X`` (m x n), labels ``y`` (m x 1) in {0, 1}, and

    Z1 = X W1 + b1          A1 = sigmoid(Z1)        (hidden layer, W1: n x h, b1: 1 x h)
    Z2 = A1 W2 + b2         A2 = sigmoid(Z2)        (output,       W2: h x 1, b2: 1 x 1)
    L  = -(1/m) sum [ y log A2 + (1 - y) log(1 - A2) ]          (cross-entropy)

Backward, term by term as in the notes (``sigmoid' = A (1 - A)``):

    dL/dA2 = -y / A2 + (1 - y) / (1 - A2)
    dL/dZ2 = dL/dA2 * A2 (1 - A2)                 (= A2 - y)
    dL/dA1 = dL/dZ2 W2^T
    dL/dZ1 = dL/dA1 * A1 (1 - A1)
    dL/dW2 = (1/m) A1^T dL/dZ2      dL/db2 = (1/m) sum_rows dL/dZ2
    dL/dW1 = (1/m) X^T  dL/dZ1      dL/db1 = (1/m) sum_rows dL/dZ1

(The notes store ``grad_W2 = (-1/m) A1^T dL/dZ2``, the *negative* gradient, and add it;
here the gradient itself is returned so that the optimizers of ``trainlab.reference``,
which subtract, take it as they take any gradient.)

The parameters travel as one flat vector ``theta = [W1, b1, W2, b2]`` (each row-major),
which is what the reference optimizers (``gd``, ``adagrad``, ``rmsprop``, ``adam``,
``sgd``, ``minibatch_sgd``) step.

Example:
    >>> import numpy as np
    >>> net = TwoLayerNet.init(n_inputs=2, n_hidden=3, seed=0)
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]]); y = np.array([[1.0], [0.0]])
    >>> loss, grad = loss_and_gradient(net.flat(), X, y, n_hidden=3)
    >>> grad.shape, round(float(loss), 6) == round(float(net.CE_loss(X, y)), 6)
    ((13,), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TwoLayerNet", "loss_and_gradient", "sigmoid"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))``."""
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class TwoLayerNet:
    """``W1`` (n x h), ``b1`` (1 x h), ``W2`` (h x 1), ``b2`` (1 x 1), float64."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    @classmethod
    def init(cls, n_inputs: int, n_hidden: int, seed: int = 0) -> TwoLayerNet:
        """Weights ``N(0, 1) / sqrt(fan_in)``, biases 0 (a seeded ``numpy.random.default_rng``)."""
        rng = np.random.default_rng(seed)
        return cls(rng.normal(size=(n_inputs, n_hidden)) / np.sqrt(n_inputs), np.zeros((1, n_hidden)),
                   rng.normal(size=(n_hidden, 1)) / np.sqrt(n_hidden), np.zeros((1, 1)))

    @classmethod
    def from_flat(cls, theta: np.ndarray, n_inputs: int, n_hidden: int) -> TwoLayerNet:
        sizes = np.cumsum([n_inputs * n_hidden, n_hidden, n_hidden])
        W1, b1, W2, b2 = np.split(np.asarray(theta, dtype=np.float64), sizes)
        return cls(W1.reshape(n_inputs, n_hidden), b1.reshape(1, n_hidden), W2.reshape(n_hidden, 1),
                   b2.reshape(1, 1))

    def flat(self) -> np.ndarray:
        """``theta = [W1, b1, W2, b2]`` as one vector."""
        return np.concatenate([self.W1.ravel(), self.b1.ravel(), self.W2.ravel(), self.b2.ravel()])

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """``A2``: the predicted probability of class 1, (m x 1)."""
        return self._forward(inputs)[-1]

    def _forward(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Z1 = np.matmul(inputs, self.W1)
        Z1_b = Z1 + self.b1
        A1 = sigmoid(Z1_b)
        Z2 = np.matmul(A1, self.W2)
        Z2_b = Z2 + self.b2
        A2 = sigmoid(Z2_b)
        return A1, A2

    def CE_loss(self, inputs: np.ndarray, outputs: np.ndarray) -> float:  # noqa: N802 - the notes' name
        """The mean binary cross-entropy."""
        A2 = self.forward(inputs)
        return float(-np.mean(outputs * np.log(A2) + (1 - outputs) * np.log(1 - A2)))

    def backward(self, inputs: np.ndarray, outputs: np.ndarray) -> TwoLayerNet:
        """The gradient of ``CE_loss`` with respect to every parameter (as a ``TwoLayerNet``)."""
        m = inputs.shape[0]
        A1, A2 = self._forward(inputs)
        # Compute error term
        dL_dA2 = -outputs / A2 + (1 - outputs) / (1 - A2)
        dL_dZ2 = dL_dA2 * A2 * (1 - A2)
        dL_dA1 = np.dot(dL_dZ2, self.W2.T)
        dL_dZ1 = dL_dA1 * A1 * (1 - A1)
        # Gradients (the notes' grad_X with the sign that descent subtracts)
        grad_W2 = (1 / m) * np.dot(A1.T, dL_dZ2)
        grad_W1 = (1 / m) * np.dot(inputs.T, dL_dZ1)
        grad_b2 = (1 / m) * np.sum(dL_dZ2, axis=0, keepdims=True)
        grad_b1 = (1 / m) * np.sum(dL_dZ1, axis=0, keepdims=True)
        return TwoLayerNet(grad_W1, grad_b1, grad_W2, grad_b2)


def loss_and_gradient(theta: np.ndarray, inputs: np.ndarray, outputs: np.ndarray,
                      n_hidden: int) -> tuple[float, np.ndarray]:
    """``(CE_loss, flat gradient)`` of the network whose flat parameters are ``theta``."""
    net = TwoLayerNet.from_flat(theta, inputs.shape[1], n_hidden)
    return net.CE_loss(inputs, outputs), net.backward(inputs, outputs).flat()
