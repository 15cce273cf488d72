"""The files of a compose tree that go on an ISO image, and the level of the image."""

import os
import shutil

from ..config.lookup import va_data

BOOT_DIRS = ("isolinux/", "images/", "EFI/")
EXCLUDED = ("images/boot.iso",)


def of_tree(top):
    """{path in the tree: absolute path} of every file of tree TOP but images/boot.iso."""
    found = {}
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "lost+found")
        base = os.path.relpath(root, top)
        for name in names:
            rel = name if base == "." else os.path.join(base, name)
            if rel not in EXCLUDED:
                found[rel] = os.path.join(root, name)
    return found


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
        if st.st_nlink > 1 and not path.startswith(copies_dir + os.sep):
            if path not in copies:
                copy = os.path.join(copies_dir, rel)
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(path, copy)
                copies[path] = copy
            path = copies[path]
        result[rel] = path
    return result
