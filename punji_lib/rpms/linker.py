"""Putting package files into trees: Pungi's link types, and directories built aside.

link_type: hardlink-or-copy (the default), hardlink, copy, symlink (relative),
abspath-symlink. A directory of links is built under a temporary name beside
its final place and renamed into it, so a killed run never leaves a half
filled Packages/ behind.
"""

import os
import shutil
import stat

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


HARD_LINKS = ("hardlink", "hardlink-or-copy")


def patch_dir(copy, target, files, link_type):
    """Make directory COPY, a hard-linked copy of an older TARGET, hold what build_dir(TARGET,
    FILES, LINK_TYPE) would put there, then put it in TARGET's place: a file of COPY stays where
    it is the very file (inode) its source is, the other files of FILES are linked, everything
    else goes. Only for the hard link types (False, nothing done, for another); returns how
    many files were linked anew. Killed half-way, a second call finishes it (nothing in COPY
    is trusted but an inode)."""
    if link_type not in HARD_LINKS:
        return False
    wanted = {"": {}}  # directory relative to COPY ("" the top, made with no file too) -> {name: source}
    for source, rel in files:
        directory, _slash, name = rel.rpartition("/")
        wanted.setdefault(directory, {})[name] = source
    for directory in list(wanted):
        while directory:  # the directories holding only directories are wanted too
            directory = directory.rpartition("/")[0]
            wanted.setdefault(directory, {})
    _prune(copy, "", wanted)
    linked = 0
    for directory, names in sorted(wanted.items()):
        where = os.path.join(copy, directory) if directory else copy
        os.makedirs(where, exist_ok=True)
        present = set(os.listdir(where))
        for name, source in names.items():
            if name not in present:
                link(source, os.path.join(where, name), link_type)
                linked += 1
    os.chmod(copy, 0o755)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    dirs.swap(copy, target)
    return linked


def _prune(top, directory, wanted, sources=None):
    """Remove from TOP/DIRECTORY what WANTED (see patch_dir) does not have there as the same
    file. Files are looked at by name in open directories (tens of thousands in a nightly)."""
    where = os.path.join(top, directory) if directory else top
    names = wanted.get(directory)
    if names is None:
        shutil.rmtree(where)
        return
    sources = _OpenDirs() if sources is None else sources
    try:
        fd = os.open(where, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with os.scandir(fd) as entries:
                listed = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
            for name, is_dir in listed:
                if is_dir:
                    _prune(top, "%s/%s" % (directory, name) if directory else name, wanted, sources)
                elif not sources.same_file(fd, name, names.get(name)):
                    os.unlink(name, dir_fd=fd)
        finally:
            os.close(fd)
    finally:
        if not directory:
            sources.close()


class _OpenDirs:
    """The directories of source files, each opened once to look its files up by name."""

    def __init__(self):
        self.fds = {}

    def same_file(self, fd, name, source):
        """Whether NAME in the open directory FD (not followed) is the file SOURCE names (None: no file)."""
        if source is None:
            return False
        directory, base = os.path.split(source)
        try:
            mine = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if directory not in self.fds:
                self.fds[directory] = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY)
            theirs = os.stat(base, dir_fd=self.fds[directory])
        except OSError:
            return False
        return stat.S_ISREG(mine.st_mode) and (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev)

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}


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
