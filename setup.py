"""Setuptools hook that lays out ``mmfacerfcn/.mim`` for OpenMMLab's ``mim``.

``mim train/test mmfacerfcn CONFIG`` look for configs and tools under
``<package>/.mim/{configs,tools}`` (openmim's convention for downstream packages,
as mmdet's wheel ships ``mmdet/.mim``). In an editable install they are symlinks
to the repository folders; in a built wheel they are copies.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import setup

MIM_FOLDERS = ('configs', 'tools')


def add_mim_extension() -> None:
    editable = any(arg in sys.argv for arg in ('develop', 'editable_wheel'))
    if not editable and not any(a.startswith(('bdist', 'build', 'sdist'))
                                for a in sys.argv):
        return
    root = osp.dirname(osp.abspath(__file__))
    mim_root = osp.join(root, 'mmfacerfcn', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in MIM_FOLDERS:
        src, dst = osp.join(root, name), osp.join(mim_root, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if editable:
            os.symlink(osp.relpath(src, mim_root), dst, target_is_directory=True)
        else:
            shutil.copytree(src, dst)


add_mim_extension()
setup()
