"""The files of a compose tree that go on an ISO image, and the level of the image."""

import os
import shutil
import stat

from ..config.lookup import va_data
from ..errors import PunjiError

BOOT_DIRS = ("isolinux/", "images/", "EFI/")
EXCLUDED = ("images/boot.iso",)


def of_tree(top, stats=None, walked=None):
    """{path in the tree: absolute path} of every file of tree TOP but images/boot.iso, each
    directory's files before its subdirectories (sorted; lost+found and symlinks to directories
    left out), as os.walk goes. STATS: a dict that gets the os.stat() of each file too (looked
    up by name in its open directory; one that cannot be is left out). WALKED: a dict that gets
    {"DIR/": absolute path} of every directory below TOP gone through, and the paths left out
    (None), for directories() without a walk of its own."""
    found = {}
    _files_of(top.rstrip("/") or "/", "", found, stats, walked)
    return found


def _files_of(directory, base, found, stats, walked=None):
    # os.path.join and relpath would cost more than the directory listing of a big tree
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    subdirs = []
    try:
        with os.scandir(fd) as listing:
            for entry in listing:
                name = entry.name
                if entry.is_dir():
                    if name != "lost+found" and not entry.is_symlink():
                        subdirs.append(name)
                    continue
                rel = base + name
                if rel in EXCLUDED:
                    if walked is not None:
                        walked[rel] = None
                    continue
                found[rel] = directory + "/" + name
                if stats is not None:
                    try:
                        stats[rel] = entry.stat()
                    except OSError:  # the caller stats it again and says why it cannot
                        pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for name in sorted(subdirs):
        if walked is not None:
            walked[base + name + "/"] = directory + "/" + name + "/"
        _files_of(directory + "/" + name, base + name + "/", found, stats, walked)


def stat_of(path):
    """os.stat(PATH) of a file to go on an image; one that cannot be read is a PunjiError."""
    try:
        return os.stat(path)
    except OSError as exc:
        raise PunjiError("cannot read %s: %s" % (path, exc.strerror))


def directories(top, files=None, walked=None):
    """{ISO path "DIR/": absolute path} of the directories of tree TOP that a single-disc image
    grafts as directories, as Pungi's graft points do: a directory is grafted unless a path
    sorting after it (a file's directory, or a directory grafted already) starts with its name,
    so in effect its empty directories (an addon tree's Packages/ when the parent has none).
    FILES and WALKED: of_tree's answer for TOP and what it gave WALKED, which stand for a walk
    of the tree."""
    if walked is None or files is None:
        walked, files = {}, None
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d != "lost+found"]
            base = os.path.relpath(root, top)
            if base != ".":
                walked[base + "/"] = root + "/"
            for name in names:
                walked[name if base == "." else os.path.join(base, name)] = None
    entries = dict.fromkeys(files or (), None)
    entries.update(walked)
    grafted, seen = {}, set()
    for rel in sorted(entries, reverse=True):
        parent = os.path.dirname(rel)
        # a plain string prefix, as Pungi compares: an empty "doc/" goes when "docs/x" is there
        if rel.endswith("/") and not any(d.startswith(parent) for d in seen):
            grafted[rel] = entries[rel]
        seen.add(parent)
    return grafted


def iso_level(conf, uid, arch):
    level = conf.get("iso_level")
    if isinstance(level, list):
        found = va_data(level, uid, arch)
        return found[-1] if found else None
    return level


def break_hardlinks(content, copies_dir, copies):
    """CONTENT with every file that has other hard links replaced by a copy in COPIES_DIR
    (COPIES: disk path -> its copy, shared between the discs)."""
    result = {}
    for rel, path in content.items():
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1 and not path.startswith(copies_dir + os.sep):
            if path not in copies:
                copy = os.path.join(copies_dir, rel)
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(path, copy)
                copies[path] = copy
            path = copies[path]
        result[rel] = path
    return result
