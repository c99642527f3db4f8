"""tools/prepare_sample.sh: the sample is written once per generator
version, and one written by another version is replaced."""
import os
import subprocess
import sys

from mmfacerfcn.data_formats.wider_sample import SAMPLE_VERSION, sample_version
from mmfacerfcn.testing.configs import REPO
from mmfacerfcn.testing.sample_data import read_gt

SCRIPT = os.path.join(REPO, 'tools', 'prepare_sample.sh')


def prepare(data):
    return subprocess.run(['bash', SCRIPT, str(data)], capture_output=True,
                          text=True, timeout=600,
                          env=dict(os.environ, PY=sys.executable))


def check(data):
    return subprocess.run(
        [sys.executable, os.path.join(REPO, 'tools', 'dataset_converters',
                                      'make_wider_sample.py'), str(data),
         '--check'], capture_output=True, text=True, timeout=120)


def test_check_says_whether_the_sample_is_current(tmp_path):
    # What prepare_sample.sh asks before it writes the sample.
    data = tmp_path / 'wider_sample'
    out = check(data)  # none there: outdated, nothing to warn about
    assert (out.returncode, out.stdout, out.stderr) == (0, 'outdated\n', '')
    split = data / 'wider_face_split'
    split.mkdir(parents=True)
    (split / 'sample_version.txt').write_text(f'{SAMPLE_VERSION - 1}\n')
    out = check(data)
    assert (out.returncode, out.stdout) == (0, 'outdated\n')
    assert out.stderr == (
        f'prepare_sample: {data} was written by another version of the '
        f'sample generator ({SAMPLE_VERSION - 1}, this one is '
        f'{SAMPLE_VERSION}); writing the current sample over it\n')
    (split / 'sample_version.txt').write_text(f'{SAMPLE_VERSION}\n')
    out = check(data)
    assert (out.returncode, out.stdout, out.stderr) == (0, 'current\n', '')
    assert sorted(p.name for p in split.iterdir()) == ['sample_version.txt']


def test_an_older_sample_is_replaced_then_kept(tmp_path):
    data = tmp_path / 'wider_sample'
    split = data / 'wider_face_split'
    split.mkdir(parents=True)
    # A sample of an older generator: its own gt and version.
    (split / 'wider_face_train_bbx_gt.txt').write_text(
        '0--Coffee/old.jpg\n0\n0 0 0 0 0 0 0 0 0 0 \n')
    (split / 'sample_version.txt').write_text(f'{SAMPLE_VERSION - 1}\n')
    out = prepare(data)
    assert out.returncode == 0, out.stderr[-3000:]
    assert (f'{data} was written by another version of the sample generator '
            f'({SAMPLE_VERSION - 1}, this one is {SAMPLE_VERSION})'
            ) in ' '.join(out.stderr.split())
    assert sample_version(data) == SAMPLE_VERSION
    gt = read_gt(split / 'wider_face_train_bbx_gt.txt')
    assert len(gt) == 150 and '0--Coffee/old.jpg' not in dict(gt)
    assert (data / 'annotations' / 'wider_face_val.json').is_file()
    assert (tmp_path / 'fddb_sample' / 'annotations' /
            'fddb_sample.json').is_file()
    # The current version's sample is kept as it is; only the conversions
    # run again.
    stamp = (split / 'wider_face_train_bbx_gt.txt').stat().st_mtime_ns
    again = prepare(data)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'another version' not in again.stderr
    assert (split / 'wider_face_train_bbx_gt.txt').stat().st_mtime_ns == stamp
