"""Directories built aside and renamed into place, so a killed run never leaves half of one."""

import os
import shutil
import tempfile


def aside(target):
    """A new empty directory beside TARGET to build it in; what a killed run left there is removed."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    prefix = ".%s." % os.path.basename(target)
    for name in os.listdir(parent):
        if name.startswith(prefix) or name.startswith(".old."):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
    return tempfile.mkdtemp(prefix=prefix, dir=parent)


def swap(new, target):
    """Put directory NEW in TARGET's place; the old TARGET is removed after the rename."""
    old = None
    if os.path.lexists(target):
        old = tempfile.mkdtemp(prefix=".old.", dir=os.path.dirname(target))
        os.rename(target, os.path.join(old, "x"))
    os.rename(new, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)
