"""Platt scaling: a classifier's logit turned into a calibrated probability.

The crop verifier is trained with its faces weighted up to the non-faces'
number and its non-faces weighted by the detector's score
(:class:`~mmfacerfcn.engine.hooks.CropVerifierTrainHook`): that ranks the
detections well, but its ``sigmoid(logit)`` is the probability of a face
under a balanced prior, far above the share of faces among the detector's
candidates. A fixed score threshold (``tools/infer.py``'s 0.3) then keeps
most of the candidates. Platt scaling (Platt, "Probabilistic outputs for
support vector machines", 1999) fits ``sigmoid(a * logit + b)`` to
labelled logits, unweighted, so the score is the probability of a face
among the candidates; a monotone map, it leaves the ranking (and so NMS and
AP) as it was. Platt fits on held-out data; the training hook fits on the
crops the verifier has just learned from (there is no other labelled set
of candidates), whose logits are somewhat more confident than a new
picture's.

The fit is two parameters by L-BFGS in torch, written here because the
stack has no logistic regression (scikit-learn's is not a dependency).
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def platt_targets(labels: Tensor) -> Tensor:
    """Platt's regularised targets: ``(N+ + 1) / (N+ + 2)`` for a positive
    and ``1 / (N- + 2)`` for a negative, so that a perfectly separated set
    does not drive the slope to infinity.

    Args:
        labels (Tensor): shape (n,), 1 for a positive, 0 for a negative.

    Returns:
        Tensor: shape (n,), float.
    """
    labels = labels.float()
    num_pos = labels.sum()
    num_neg = len(labels) - num_pos
    return torch.where(labels > 0, (num_pos + 1) / (num_pos + 2),
                       1 / (num_neg + 2))


def fit_platt(logits: Tensor, labels: Tensor,
              max_iter: int = 100) -> Tuple[float, float]:
    """Slope ``a`` and bias ``b`` minimising the cross-entropy of
    ``sigmoid(a * logit + b)`` against :func:`platt_targets`.

    Args:
        logits (Tensor): shape (n,).
        labels (Tensor): shape (n,), 1 for a positive, 0 for a negative.
        max_iter (int): L-BFGS iterations. Defaults to 100.

    Returns:
        tuple[float, float]: ``(a, b)``.

    Raises:
        ValueError: ``labels`` lacks positives or negatives.
    """
    labels = labels.float()
    if not 0 < labels.sum() < len(labels):
        raise ValueError('Platt scaling needs positives and negatives; got '
                         f'{int(labels.sum())} of {len(labels)} positive')
    logits = logits.detach().double()
    targets = platt_targets(labels).double()
    params = torch.tensor([1., 0.], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([params], max_iter=max_iter,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(
            params[0] * logits + params[1], targets)
        loss.backward()
        return loss

    optimizer.step(closure)
    slope, bias = params.detach().tolist()
    return slope, bias


def probability_logits(probs: Tensor, eps: float = 1e-6) -> Tensor:
    """``log(p / (1 - p))`` of probabilities, clamped to ``[eps, 1 - eps]``
    first so that a score of 0 or 1 stays finite.

    Args:
        probs (Tensor): Any shape, values in [0, 1].
        eps (float): The clamp. Defaults to 1e-6.

    Returns:
        Tensor: Same shape.
    """
    probs = probs.clamp(eps, 1 - eps)
    return torch.log(probs) - torch.log1p(-probs)


class PlattScaling(nn.Module):
    """``a * logit + b``, identity until fitted (:meth:`fit`).

    Its two numbers are buffers saved with the weights. A checkpoint written
    before the verifier had them lacks them as a whole
    (``optional_in_checkpoint``) and loads as the identity: the scores it
    gave before.
    """

    #: A checkpoint may lack it: it then stays the identity.
    optional_in_checkpoint = True

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer('slope', torch.ones(()))
        self.register_buffer('bias', torch.zeros(()))

    def forward(self, logits: Tensor) -> Tensor:
        """Calibrated logits.

        Args:
            logits (Tensor): Any shape.

        Returns:
            Tensor: Same shape.
        """
        return self.slope * logits + self.bias

    def fit(self, logits: Tensor, labels: Tensor) -> None:
        """Fit ``a`` and ``b`` (:func:`fit_platt`).

        Args:
            logits (Tensor): shape (n,).
            labels (Tensor): shape (n,), 1 for a positive, 0 for a negative.
        """
        slope, bias = fit_platt(logits, labels)
        self.slope.fill_(slope)
        self.bias.fill_(bias)
