"""Where :mod:`mmfacerfcn.testing.configs` finds our configs: the repository's
``configs/`` in a checkout, else the installed package's ``.mim/configs``."""
import os.path as osp

import pytest

from mmfacerfcn.testing import configs


def make_configs(folder):
    """A configs folder that holds the marker file."""
    marker = folder / configs.CONFIG_MARKER
    marker.parent.mkdir(parents=True)
    marker.write_text('')
    return str(folder)


def layout(monkeypatch, tmp_path):
    """A fake site: ``tmp/repo/mmfacerfcn`` as the package, ``tmp/repo`` as
    its parent."""
    package = tmp_path / 'repo' / 'mmfacerfcn'
    package.mkdir(parents=True)
    monkeypatch.setattr(configs, 'PACKAGE', str(package))
    monkeypatch.setattr(configs, 'REPO', str(package.parent))
    return package


def test_this_checkout_uses_the_repository_configs():
    assert configs.CONFIGS == osp.join(configs.REPO, 'configs')
    assert osp.isfile(osp.join(configs.CONFIGS, 'face_rfcn_r18_wider-sample.py'))


def test_checkout_configs_come_first(monkeypatch, tmp_path):
    package = layout(monkeypatch, tmp_path)
    repo_configs = make_configs(package.parent / 'configs')
    make_configs(package / '.mim' / 'configs')
    assert configs.find_config_dir() == repo_configs


def test_installed_package_uses_mim_configs(monkeypatch, tmp_path):
    package = layout(monkeypatch, tmp_path)
    # site-packages/configs of another project: no marker, passed over.
    (package.parent / 'configs' / '_base_').mkdir(parents=True)
    mim_configs = make_configs(package / '.mim' / 'configs')
    assert configs.find_config_dir() == mim_configs


def test_no_configs_names_both_places(monkeypatch, tmp_path):
    package = layout(monkeypatch, tmp_path)
    with pytest.raises(FileNotFoundError) as error:
        configs.find_config_dir()
    message = str(error.value)
    assert str(package.parent / 'configs') in message
    assert str(package / '.mim' / 'configs') in message
    assert configs.CONFIG_MARKER in message


def test_save_test_checkpoint(tmp_path):
    """The checkpoint form of write_random_checkpoint and the deployment
    tests' write_sample_export: our runner's, loadable weights-only."""
    import torch
    model = torch.nn.Linear(2, 3)
    path = configs.save_test_checkpoint(model, tmp_path / 'linear.pth')
    assert path == str(tmp_path / 'linear.pth')
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint['meta'] == {'dataset_meta': {'classes': ('face', )}}
    assert checkpoint['state_dict'].keys() == model.state_dict().keys()
    assert torch.equal(checkpoint['state_dict']['weight'], model.weight)
