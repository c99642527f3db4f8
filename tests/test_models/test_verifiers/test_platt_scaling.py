"""Platt scaling: the fit against an independent reference (scipy's
minimiser of the same objective, and the true parameters of drawn data),
the targets by hand, and an older checkpoint without it."""
import math

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from mmfacerfcn.models.verifiers import (
    CropVerifier,
    PlattScaling,
    fit_platt,
    platt_targets,
)
from mmfacerfcn.utils.checkpoint_fit import checkpoint_mismatches


def test_platt_targets_by_hand():
    # 2 positives, 3 negatives: 3/4 and 1/5 (Platt 1999).
    targets = platt_targets(torch.tensor([1, 0, 0, 1, 0]))
    assert torch.allclose(targets, torch.tensor([.75, .2, .2, .75, .2]))


def test_fit_recovers_the_parameters_of_drawn_data():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(40000, generator=gen) * 3
    labels = torch.bernoulli((0.5 * logits - 2).sigmoid(), generator=gen)
    slope, bias = fit_platt(logits, labels)
    assert slope == pytest.approx(0.5, abs=0.03)
    assert bias == pytest.approx(-2, abs=0.06)


def test_fit_matches_scipy_on_the_same_objective():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(500, generator=gen) * 2 + 1
    labels = (torch.rand(500, generator=gen) < 0.3).long()
    labels[logits > 3] = 1  # nearly separable tail
    targets = platt_targets(labels).numpy().astype(np.float64)
    x = logits.numpy().astype(np.float64)

    def objective(p):  # cross-entropy written out, no torch
        z = p[0] * x + p[1]
        return np.mean(np.logaddexp(0, z) - targets * z)

    want = minimize(objective, [1., 0.], method='BFGS', tol=1e-10).x
    got = fit_platt(logits, labels)
    assert np.allclose(got, want, atol=1e-4)


def test_fit_needs_both_classes():
    with pytest.raises(ValueError, match='positives and negatives'):
        fit_platt(torch.randn(5), torch.ones(5))


def test_identity_until_fitted_and_a_monotone_map_after():
    calibration = PlattScaling()
    logits = torch.tensor([-3., 0., 0.5, 4.])
    assert torch.equal(calibration(logits), logits)
    calibration.fit(torch.tensor([-2., -1., 0., 1., 2., 3.]),
                    torch.tensor([0, 0, 1, 0, 1, 1]))
    calibrated = calibration(logits)
    assert float(calibration.slope) > 0
    assert torch.equal(calibrated.argsort(), logits.argsort())
    assert torch.allclose(
        calibrated, calibration.slope * logits + calibration.bias)


def test_rescore_uses_the_calibration():
    verifier = CropVerifier(weight=1.0)
    verifier.calibration.slope.fill_(2.)
    verifier.calibration.bias.fill_(-1.)
    scores, logits = torch.tensor([0.9, 0.2]), torch.tensor([0.5, 3.])
    assert torch.allclose(verifier.rescore(scores, logits),
                          (2 * logits - 1).sigmoid())


def test_saved_with_the_weights_and_optional_in_older_checkpoints():
    verifier = CropVerifier()
    verifier.calibration.slope.fill_(0.7)
    state = verifier.state_dict()
    assert float(state['calibration.slope']) == pytest.approx(0.7)
    other = CropVerifier()
    other.load_state_dict(state)
    assert float(other.calibration.slope) == pytest.approx(0.7)
    # A checkpoint written before the verifier had a calibration fits, and
    # loads as the identity; one missing only part of it does not fit.
    older = {k: v for k, v in state.items() if not k.startswith('calibration')}
    assert checkpoint_mismatches(CropVerifier(), older) == []
    partial = {k: v for k, v in state.items() if k != 'calibration.bias'}
    assert checkpoint_mismatches(CropVerifier(), partial) == [
        'calibration.bias: missing (model ())']


def test_probability_logits_by_hand():
    from mmfacerfcn.models.verifiers import probability_logits
    got = probability_logits(torch.tensor([0.5, 0.75, 0.1, 0., 1.]))
    # 0 and 1 clamped to 1e-6 and 1 - 1e-6, as float32 holds them.
    low, high = (float(np.float32(p)) for p in (1e-6, 1 - 1e-6))
    want = torch.tensor([0., math.log(3), -math.log(9),
                         math.log(low / (1 - low)),
                         math.log(high / (1 - high))])
    assert torch.allclose(got, want, rtol=1e-4)
