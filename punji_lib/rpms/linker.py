"""Putting package files into trees: Pungi's link types, and directories built aside.

link_type: hardlink-or-copy (the default), hardlink, copy, symlink (relative),
abspath-symlink. A directory of links is built under a temporary name beside
its final place and renamed into it, so a killed run never leaves a half
filled Packages/ behind.
"""

import functools
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
    kept = {}
    _prune(copy, "", wanted, kept=kept)
    linked = 0
    for directory, names in sorted(wanted.items()):
        where = os.path.join(copy, directory) if directory else copy
        present = kept.get(directory)
        if present is None:  # not in the copy
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


def _prune(top, directory, wanted, sources=None, kept=None):
    """Remove from TOP/DIRECTORY what WANTED (see patch_dir) does not have there as the same
    file; KEPT gets {directory: the names left in it} of each directory gone through. Files
    are looked at by name in open directories (tens of thousands in a nightly), by the inode
    their directory entry gives where the file system's entries give the true one
    (inodes_listed)."""
    where = os.path.join(top, directory) if directory else top
    names = wanted.get(directory)
    if names is None:
        shutil.rmtree(where)
        return
    sources = _OpenDirs() if sources is None else sources
    try:
        fd = os.open(where, os.O_RDONLY | os.O_DIRECTORY)
        try:
            left = kept.setdefault(directory, set()) if kept is not None else set()
            for name, (is_dir, identity) in sources.listing(fd).items():
                if is_dir:
                    inner = "%s/%s" % (directory, name) if directory else name
                    _prune(top, inner, wanted, sources, kept)
                    if inner in wanted:
                        left.add(name)
                elif sources.same_file(fd, name, names.get(name), identity):
                    left.add(name)
                else:
                    os.unlink(name, dir_fd=fd)
        finally:
            os.close(fd)
    finally:
        if not directory:
            sources.close()


# file systems whose directory entries give each file's true inode (d_ino is st_ino); on others
# (overlayfs, FUSE...) every file is looked at with stat()
TRUE_ENTRY_INODES = ("ext2", "ext3", "ext4", "xfs", "tmpfs")
LISTED_AFTER = 64  # a source directory asked for more files than this is listed once


class _OpenDirs:
    """The directories of source files, each opened once to look its files up by name (or,
    when many are looked up, listed once)."""

    def __init__(self):
        self.fds, self.asked, self.listed = {}, {}, {}

    def listing(self, fd):
        """{name: (whether a directory, (inode, device) of a regular file or None: not known
        from the listing)} of the open directory FD."""
        device = os.fstat(fd).st_dev
        exact = inodes_listed(device)
        found = {}
        with os.scandir(fd) as entries:
            for entry in entries:
                is_dir = entry.is_dir(follow_symlinks=False)
                known = exact and not is_dir and entry.is_file(follow_symlinks=False)
                found[entry.name] = (is_dir, (entry.inode(), device) if known else None)
        return found

    def same_file(self, fd, name, source, identity=None):
        """Whether NAME in the open directory FD (not followed; IDENTITY: its (inode, device)
        when known) is the file SOURCE names (None: no file)."""
        if source is None:
            return False
        directory, base = os.path.split(source)
        try:
            if identity is None:
                mine = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISREG(mine.st_mode):
                    return False
                identity = (mine.st_ino, mine.st_dev)
            return identity == self._source(directory, base)
        except OSError:
            return False

    def _source(self, directory, base):
        """(inode, device) of the file BASE in DIRECTORY, the file a symlink names."""
        if directory not in self.fds:
            self.fds[directory] = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY)
        fd = self.fds[directory]
        self.asked[directory] = self.asked.get(directory, 0) + 1
        if self.asked[directory] > LISTED_AFTER and directory not in self.listed:
            self.listed[directory] = _files_listed(self, fd)
        known = self.listed.get(directory, {}).get(base)
        if known is not None:
            return known
        theirs = os.stat(base, dir_fd=fd)
        return (theirs.st_ino, theirs.st_dev)

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}


_LISTINGS = {}  # (device, inode) of a source directory: (its mtime and ctime, its files' identities)
SETTLED = 2.0  # seconds: a directory changed longer ago than this is listed for the next tree too


def _files_listed(dirs, fd):
    """{name: (inode, device)} of the regular files of the open directory FD, as its listing
    gives them (dirs.listing); kept for the next tree while the directory's times stay as they
    are (they move with every name added, removed or renamed), when they were settled as it
    was listed (a change within the same tick of the clock would leave them as they were)."""
    import time

    st = os.fstat(fd)
    key, when = (st.st_dev, st.st_ino), (st.st_mtime_ns, st.st_ctime_ns)
    kept = _LISTINGS.get(key)
    if kept is not None and kept[0] == when:
        return kept[1]
    listed = {name: identity for name, (_is_dir, identity) in dirs.listing(fd).items() if identity is not None}
    if time.time_ns() - max(when) > SETTLED * 1e9:
        _LISTINGS[key] = (when, listed)
    return listed


def inodes_listed(device):
    """Whether the directory entries of the file system of DEVICE give the true inode of each
    file (its type in /proc/self/mountinfo is one of TRUE_ENTRY_INODES)."""
    return _mounted_types().get((os.major(device), os.minor(device))) in TRUE_ENTRY_INODES


@functools.lru_cache(maxsize=None)
def _mounted_types():
    """{(major, minor): file system type} of the mounts /proc/self/mountinfo lists ({} without it);
    a device mounted with two types counts as none of them."""
    found = {}
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return found
    for line in lines:
        fields, _sep, rest = line.partition(" - ")
        parts, kinds = fields.split(), rest.split()
        if len(parts) < 3 or not kinds or ":" not in parts[2]:
            continue
        major, _colon, minor = parts[2].partition(":")
        if not (major.isdigit() and minor.isdigit()):
            continue
        key = (int(major), int(minor))
        found[key] = kinds[0] if found.get(key, kinds[0]) == kinds[0] else None
    return found


def build_dir(target, files, link_type="hardlink-or-copy", keep=()):
    """Make directory TARGET hold exactly FILES, [(source path, path relative to TARGET)], and
    the subdirectories named in KEEP as TARGET had them (hard links: the old TARGET stays whole
    until the new one replaces it)."""
    with dirs.replaced(target) as tmp:
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
