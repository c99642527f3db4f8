"""Check that a checkpoint's weights fit a model before using them.

mmengine loads weights with ``strict=False``: a weight the checkpoint lacks,
or holds with another shape, is logged and skipped, and the model keeps its
random initialisation there. A checkpoint of another config (ResNet-18
weights for a ResNet-101 model) then gives detections that look like results.
The tools call :func:`check_checkpoint_fits` and stop instead.

A module that declares ``optional_in_checkpoint = True`` (the crop verifier,
which its detector uses only once a checkpoint marks it trained) may be
missing from a checkpoint as a whole: a checkpoint written before the model
had it loads as the model without it. Part of it missing is still a mismatch.
"""
import os.path as osp
import re
from typing import Dict, List

from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import CheckpointLoader
from torch import nn

from .checkpoint_files import (
    IncompleteCheckpointError,
    check_checkpoint_complete,
)
from .checkpoint_types import allow_mmengine_checkpoint_types


class CheckpointMismatchError(ValueError):
    """A checkpoint that lacks weights of the model or has other shapes."""


def load_state_dict_for_check(filename: str) -> Dict[str, object]:
    """The checkpoint's weights, keyed as mmengine loads them into a model.

    Read as ``Runner.load_checkpoint`` reads it (the same loader, so a safe
    ``weights_only`` load for local files, with numpy's types allowed as
    :mod:`mmfacerfcn.engine` allows them; ``module.`` prefixes stripped).

    Args:
        filename (str): Local path or URL, as mmengine accepts.

    Returns:
        dict[str, Tensor]: Weight name to tensor.

    Raises:
        IncompleteCheckpointError: ``filename`` is truncated or empty.
    """
    check_checkpoint_complete(filename)
    allow_mmengine_checkpoint_types()
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def _bare_model(model: nn.Module) -> nn.Module:
    """``model`` out of its DDP and test-time-augmentation wrappers, as
    mmengine's loader unwraps it."""
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def _shape(value) -> tuple:
    return tuple(getattr(value, 'shape', ()))


def model_weights(model: nn.Module) -> Dict[str, object]:
    """The state dict a checkpoint must provide for ``model``.

    Unwraps DDP and test-time-augmentation wrappers as mmengine's loader
    does; BatchNorm's ``num_batches_tracked`` counters are left out.
    """
    return {k: v for k, v in _bare_model(model).state_dict().items()
            if not k.endswith('num_batches_tracked')}


def optional_prefixes(model: nn.Module) -> List[str]:
    """Weight-name prefixes (``name.``) of the modules of ``model`` that a
    checkpoint may lack as a whole (``optional_in_checkpoint = True``)."""
    return [f'{name}.' for name, module in _bare_model(model).named_modules()
            if name and getattr(module, 'optional_in_checkpoint', False)]


def checkpoint_mismatches(model: nn.Module,
                          state_dict: Dict[str, object]) -> List[str]:
    """The model's weights that ``state_dict`` lacks or holds with another
    shape, one line each, in the model's order.

    Keys only the checkpoint has are not listed (mmengine ignores them), nor
    those of an optional module (:func:`optional_prefixes`) that the
    checkpoint lacks entirely.

    Args:
        model (nn.Module): The model, possibly wrapped (DDP, TTA).
        state_dict (dict): From :func:`load_state_dict_for_check`.

    Returns:
        list[str]: ``key: missing (model shape)`` or
        ``key: checkpoint shape, model shape``.
    """
    absent = tuple(
        prefix for prefix in optional_prefixes(model)
        if not any(key.startswith(prefix) for key in state_dict))
    problems = []
    for key, value in model_weights(model).items():
        if absent and key.startswith(absent):
            continue
        if key not in state_dict:
            problems.append(f'{key}: missing (model {_shape(value)})')
        elif _shape(state_dict[key]) != _shape(value):
            problems.append(f'{key}: checkpoint {_shape(state_dict[key])}, '
                            f'model {_shape(value)}')
    return problems


def check_checkpoint_fits(model: nn.Module, filename: str,
                          num_listed: int = 5) -> None:
    """Raise unless every weight of ``model`` is in ``filename``, same shape.

    Args:
        model (nn.Module): The built model.
        filename (str): Its checkpoint.
        num_listed (int): How many of the mismatched keys the message names.

    Raises:
        CheckpointMismatchError: Naming the first mismatched keys and shapes.
    """
    problems = checkpoint_mismatches(model, load_state_dict_for_check(filename))
    if problems:
        listed = '\n  '.join(problems[:num_listed])
        more = (f'\n  ... and {len(problems) - num_listed} more'
                if len(problems) > num_listed else '')
        raise CheckpointMismatchError(
            f'{filename}: does not fit the model: {len(problems)} of its '
            f'{len(model_weights(model))} weights are missing or of another shape '
            f'(was it trained with another config?):\n  {listed}{more}')


def add_partial_checkpoint_arg(parser) -> None:
    """Add ``--allow-partial-checkpoint`` to a tool's argparse parser."""
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='use a checkpoint that lacks weights of the model or holds them '
        'with other shapes (those keep their random initialisation)')


def exit_unless_checkpoint_fits(model: nn.Module, filename: str, config: str,
                                allow_partial: bool) -> None:
    """The tools' check: :func:`check_checkpoint_fits`, as an exit message.

    Args:
        model (nn.Module): The built model.
        filename (str): Its checkpoint.
        config (str): The config file, named in the message.
        allow_partial (bool): ``--allow-partial-checkpoint``: skip the check.

    Raises:
        SystemExit: Naming the mismatched keys and the way to override.
    """
    if allow_partial:
        return
    try:
        check_checkpoint_fits(model, filename)
    except CheckpointMismatchError as err:
        raise SystemExit(f'error: {_naming_config(err, config)}') from err


def _naming_config(err: CheckpointMismatchError,
                   config: str) -> CheckpointMismatchError:
    """The mismatch, with the config and the tools' way past it."""
    return CheckpointMismatchError(
        f'{err}\nwith config {config}; pass --allow-partial-checkpoint to '
        'use it anyway')


def check_checkpoint_loads(filename: str) -> None:
    """What the tools check before they build a model from a checkpoint.

    Args:
        filename (str): The checkpoint, a local file.

    Raises:
        FileNotFoundError: ``'<file>: checkpoint not found'``.
        IncompleteCheckpointError: Cut off while being written
            (:func:`~.checkpoint_files.check_checkpoint_complete`).
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename}: checkpoint not found')
    check_checkpoint_complete(filename)


def init_checked_detector(cfg, checkpoint: str, config: str,
                          device: str = 'cpu',
                          allow_partial: bool = False) -> nn.Module:
    """mmdet's ``init_detector``, as every tool loads a checkpoint: only a
    whole file (:func:`check_checkpoint_loads`) whose weights all fit the
    config's model (:func:`check_checkpoint_fits`).

    Args:
        cfg (Config): The config, loaded.
        checkpoint (str): The checkpoint file.
        config (str): The config's file, named in the mismatch message.
        device (str): Defaults to ``'cpu'``.
        allow_partial (bool): ``--allow-partial-checkpoint``: skip the fit
            check. Defaults to False.

    Returns:
        nn.Module: The detector in eval mode, with ``cfg`` and the
        checkpoint's ``dataset_meta`` (``init_detector``'s).

    Raises:
        FileNotFoundError | IncompleteCheckpointError: See
            :func:`check_checkpoint_loads`.
        CheckpointMismatchError: Naming the mismatched keys, the config and
            ``--allow-partial-checkpoint``.
    """
    from mmdet.apis import init_detector
    check_checkpoint_loads(checkpoint)
    model = init_detector(cfg, checkpoint, device=device)
    if not allow_partial:
        try:
            check_checkpoint_fits(model, checkpoint)
        except CheckpointMismatchError as err:
            raise _naming_config(err, config) from None
    return model


def init_detector_or_exit(cfg, checkpoint: str, config: str,
                          device: str = 'cpu',
                          allow_partial: bool = False) -> nn.Module:
    """:func:`init_checked_detector` for a command-line tool: a bad
    checkpoint ends it with one line (``'error: <file>: <reason>'``, as
    :func:`exit_unless_checkpoint_fits`) instead of a traceback.

    Raises:
        SystemExit: See :func:`init_checked_detector`.
    """
    try:
        return init_checked_detector(cfg, checkpoint, config, device,
                                     allow_partial)
    except (FileNotFoundError, IncompleteCheckpointError,
            CheckpointMismatchError) as err:
        raise SystemExit(f'error: {err}') from None
