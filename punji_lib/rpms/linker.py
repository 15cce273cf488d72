"""Putting package files into trees: Pungi's link types, and directories built aside.

link_type: hardlink-or-copy (the default), hardlink, copy, symlink (relative),
abspath-symlink. A directory of links is built under a temporary name beside
its final place and renamed into it, so a killed run never leaves a half
filled Packages/ behind.
"""

import os
import shutil

from ..compose import dirs
from ..errors import PunjiError


def link(source, target, link_type="hardlink-or-copy"):
    """Make TARGET (not existing yet) a LINK_TYPE of file SOURCE (of the file it names, when
    SOURCE is a symlink: a hard link and a copy follow it, a symlink points past it)."""
    if link_type in ("symlink", "abspath-symlink"):
        source = os.path.realpath(source)
    try:
        if link_type == "copy":
            shutil.copy2(source, target)
        elif link_type == "symlink":
            os.symlink(os.path.relpath(source, os.path.dirname(os.path.abspath(target))), target)
        elif link_type == "abspath-symlink":
            os.symlink(source, target)
        elif link_type == "hardlink":
            os.link(source, target)
        else:
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
    except OSError as exc:
        raise PunjiError("cannot %s %s to %s: %s" % (link_type, source, target, exc.strerror))


def link_or_symlink(source, target):
    """A hard link where the file system allows it, else an absolute symlink (for work/ repos)."""
    try:
        os.link(source, target)
    except OSError:
        os.symlink(os.path.abspath(source), target)


def build_dir(target, files, link_type="hardlink-or-copy", keep=()):
    """Make directory TARGET hold exactly FILES, [(source path, path relative to TARGET)], and
    the subdirectories named in KEEP as TARGET had them (hard links: the old TARGET stays whole
    until the new one replaces it)."""
    tmp = dirs.aside(target)
    try:
        for name in keep:
            if os.path.isdir(os.path.join(target, name)):
                shutil.copytree(os.path.join(target, name), os.path.join(tmp, name), copy_function=os.link)
        made = set()
        for source, rel in files:
            dest = os.path.join(tmp, rel)
            parent = os.path.dirname(dest)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            link(source, dest, link_type)
        os.chmod(tmp, 0o755)
        dirs.swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
