"""The tools' check that a checkpoint's weights fit the model, with a crop
verifier that an older checkpoint may lack as a whole."""
import pytest
import torch
from torch import nn

from mmfacerfcn.models.verifiers import CropVerifier
from mmfacerfcn.utils.checkpoint_fit import (
    CheckpointMismatchError,
    check_checkpoint_fits,
    checkpoint_mismatches,
)


class Detector(nn.Module):

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(4, 2)
        self.verifier = CropVerifier()


def save(tmp_path, state):
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': state}, path)
    return str(path)


def test_a_checkpoint_without_the_verifier_fits_and_leaves_it_unfitted(
        tmp_path):
    model = Detector()
    old = {k: v for k, v in model.state_dict().items()
           if not k.startswith('verifier.')}
    assert checkpoint_mismatches(model, old) == []
    check_checkpoint_fits(model, save(tmp_path, old))
    model.load_state_dict(old, strict=False)
    assert not model.verifier.fitted


def test_part_of_the_verifier_missing_is_a_mismatch(tmp_path):
    model = Detector()
    state = model.state_dict()
    del state['verifier.classifier.2.weight']
    assert checkpoint_mismatches(model, state) == [
        'verifier.classifier.2.weight: missing (model (1, 1024))']
    with pytest.raises(CheckpointMismatchError, match='1 of its'):
        check_checkpoint_fits(model, save(tmp_path, state))


def test_the_rest_of_the_model_is_still_required():
    model = Detector()
    state = {k: v for k, v in model.state_dict().items()
             if not k.startswith(('verifier.', 'head.bias'))}
    assert checkpoint_mismatches(model, state) == [
        'head.bias: missing (model (2,))']
    state['head.bias'] = torch.zeros(3)
    assert checkpoint_mismatches(model, state) == [
        'head.bias: checkpoint (3,), model (2,)']
