"""Directories and links built aside and renamed into place, so a killed run never leaves half of one
(nor a temporary name)."""

import contextlib
import os
import shutil
import tempfile

from . import jsonio


def aside(target):
    """A new empty directory beside TARGET to build it in; what a killed run left there is removed."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    clear_aside(target)
    return tempfile.mkdtemp(prefix=".%s." % os.path.basename(target), dir=parent)


@contextlib.contextmanager
def replaced(target):
    """A new directory beside TARGET (aside) for the block to build TARGET in: it takes TARGET's
    place (swap) when the block ends, and is removed when the block fails."""
    new = aside(target)
    try:
        yield new
        swap(new, target)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def clear_aside(target):
    """Remove what a killed run left beside TARGET (aside, swap)."""
    parent = os.path.dirname(target)
    prefix = ".%s." % os.path.basename(target)
    for name in os.listdir(parent) if os.path.isdir(parent) else ():
        if name.startswith(prefix) or name.startswith(".old."):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def remove(path):
    """Remove PATH, a file, a link or a directory tree; nothing when there is none."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def swap(new, target):
    """Put directory NEW in TARGET's place; the old TARGET is removed after the rename."""
    old = None
    if os.path.lexists(target):
        old = tempfile.mkdtemp(prefix=".old.", dir=os.path.dirname(target))
        os.rename(target, os.path.join(old, "x"))
    os.rename(new, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def place(target, make):
    """Put at TARGET what MAKE(path) creates (a hard link, a symlink) under a temporary name
    beside it, by a rename; the temporary names a killed run left for TARGET are removed first,
    so none stays in the compose."""
    directory, name = os.path.split(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    jsonio.remove_stale_temps(directory, ".%s." % name)
    # os.urandom, not secrets.token_hex: importing secrets costs every command a few ms
    tmp = os.path.join(directory, ".%s.%d.%s.tmp" % (name, os.getpid(), os.urandom(4).hex()))
    make(tmp)
    try:
        os.replace(tmp, target)
    finally:
        # also after a rename that did nothing: TARGET was already a hard link to the same
        # file (a takeover resumed after a kill had linked it)
        if os.path.lexists(tmp):
            os.unlink(tmp)
