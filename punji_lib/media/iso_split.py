"""How Pungi splits a tree too big for one disc: its files in the order the file system lists
them, those outside Packages/ first, filling one disc after the other in whole sectors, the
extra files and media.repo on every disc."""

import os

from ..errors import NotFailable
from . import iso


def sector_bytes(size):
    """Bytes a file of SIZE bytes takes on an ISO: whole 2048-byte sectors."""
    return -(-size // iso.SECTOR) * iso.SECTOR


def plan(order, sizes, sticky, capacity, uid, arch):
    """The discs of a tree, [[path in the tree, ...], ...], as Pungi's media splitter makes
    them: ORDER (split_order) taken in turn, each file in whole 2048-byte sectors (SIZES:
    {path: bytes}), a new disc when the next file would pass CAPACITY bytes (None, or 0 as
    Pungi reads it: one disc), the STICKY files (extra files, media.repo) on every disc. A file
    whose sectors alone pass CAPACITY gets a disc of its own, too big, as in Pungi; one whose
    bytes pass it fails the compose (Pungi splits in its phase's own run, which
    failable_deliverables does not cover)."""
    if capacity is not None:
        _check_sizes(order, sizes, capacity, uid, arch)
    capacity = capacity or None
    blocks = {rel: sector_bytes(sizes[rel]) for rel in order}
    fixed = [rel for rel in order if rel in sticky]
    fixed_size = sum(blocks[rel] for rel in fixed)
    discs, used = [], 0
    for rel in order:
        if rel in sticky:
            continue
        if not discs or (capacity is not None and used + blocks[rel] > capacity):
            discs.append(list(fixed))
            used = fixed_size
        discs[-1].append(rel)
        used += blocks[rel]
    return discs or [fixed], (used if len(discs) <= 1 else None)


def _check_sizes(order, sizes, capacity, uid, arch):
    """Pungi's media splitter refuses a file of more bytes than a disc holds (a capacity of 0
    being no limit), whatever the file."""
    for rel in order:
        if capacity and sizes[rel] > capacity:
            what = "package " + os.path.basename(rel) if rel.endswith(".rpm") else rel
            raise NotFailable("%s.%s: %s (%d bytes) is larger than a disc (iso_size less split_iso_reserve: "
                              "%d bytes)" % (uid, arch, what, sizes[rel], capacity))


def plan_tree(top, files, sizes, sticky, capacity, uid, arch):
    """plan() of tree TOP's FILES (image_files.of_tree) in split_order(); without that walk of the
    tree when all of them fit on one disc (or CAPACITY is None: one disc whatever the size), where
    the order changes nothing of the answer."""
    if capacity is None or (capacity and sum(sector_bytes(sizes[rel]) for rel in files) <= capacity):
        order = [rel for rel in files if not rel.startswith("repodata/")]
        return plan(order, sizes, sticky, capacity, uid, arch)
    return plan(split_order(top, files), sizes, sticky, capacity, uid, arch)


def split_order(top, files):
    """The paths of FILES (image_files.of_tree of tree TOP) but the tree's repodata/, in the
    order Pungi's split takes them: as os.walk lists the tree (the file system's order),
    the files outside Packages/ first."""
    others, packages = [], []
    for root, subdirs, names in os.walk(top):
        base = os.path.relpath(root, top)
        if base == ".":
            subdirs[:] = [d for d in subdirs if d != "repodata"]
        for name in names:
            rel = name if base == "." else os.path.join(base, name)
            if rel in files:
                (packages if rel.startswith("Packages/") else others).append(rel)
    return others + packages
