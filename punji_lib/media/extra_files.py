"""Extra files (extra_files, and those of extra_isos): where an entry's files go, the package
set an rpm source takes them from, and the extra_files.json that lists them with checksums."""

import hashlib
import io
import os
import posixpath

from .. import arches
from ..compose import jsonio, layout
from ..errors import NotReady, PunjiError

DEFAULT_CHECKSUMS = ["md5", "sha1", "sha256"]


def target(value, what, tree_rel):
    """The subdirectory of the tree an entry's files go to: '' for the top."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PunjiError("%s: 'target' must be a string, got %r" % (what, value))
    rel = posixpath.normpath(value.lstrip("/")) if value.strip("/") else ""
    if rel == "." or rel == "":
        return ""
    if rel == ".." or rel.startswith("../"):
        raise PunjiError("%s: target '%s' leaves the tree %s" % (what, value, tree_rel))
    return rel


def check_copied_over(entry, exported, target, made, number, what):
    """Pungi 4.3.2 copies a directory ENTRY's subdirectories with shutil.copytree, which fails on
    one an earlier entry made: so does entry NUMBER here (EXPORTED: its files, under TARGET).
    MADE: {directory: the entry that made it first}, which this entry's directories join."""
    if "file" not in entry:
        for top in sorted({rel.split("/", 1)[0] for rel in exported if "/" in rel}):
            path = posixpath.join(target, top) if target else top
            if path in made:
                raise PunjiError("%s: directory %s is there already (entry %d made it), and Pungi 4.3.2 fails"
                                 " copying a directory over it; give the entries other targets" % (what, path, made[path]))
    for rel in exported:
        parent = posixpath.dirname(posixpath.join(target, rel) if target else rel)
        while parent and parent not in made:
            made[parent] = number
            parent = posixpath.dirname(parent)


def needs_pkgset(repo):
    items = [repo] if isinstance(repo, str) else list(repo or [])
    return any(not item.startswith("/") and "://" not in item for item in items)


def package_set(topdir, arch, what):
    if arch == "src":
        # Pungi 4.3.2 looks in the source RPMs, none of which its rpm sources take: no match
        return []
    if not os.path.isfile(layout.at(topdir, layout.state_file("pkgset", arch=arch))):
        raise NotReady("%s: an rpm source needs the package set of %s: run punji-pkgset --arch %s first"
                         % (what, arch, arch))
    from ..rpms.package_text import is_debug

    packages = jsonio.read_json(layout.at(topdir, layout.pkgset_json(arch)))["packages"]
    # Pungi 4.3.2 takes an rpm source from its pkg_is_rpm packages only: no debug package
    return sorted((p for p in packages if not is_debug(p["name"])), key=_pungi_order(arch))


def _pungi_order(arch):
    """The sort key of the order Pungi 4.3.2's package set of ARCH lists its packages in: by
    arch, the native ones first, then the multilib ones, noarch, sources last (by path within
    an arch)."""
    order = arches.compatible(arch, multilib=True)
    return lambda p: (order.index(p["arch"]) if p["arch"] in order else len(order), p["path"])


def checksum_types(topdir):
    """media_checksums (an option of imagechecksum, read from its slice), each known to hashlib."""
    path = layout.at(topdir, layout.config_slice("imagechecksum"))
    types = jsonio.read_json(path).get("media_checksums") if os.path.isfile(path) else None
    types = types or DEFAULT_CHECKSUMS
    for name in types:
        if name not in hashlib.algorithms_available:
            raise PunjiError("option 'media_checksums': unknown checksum type %r" % name)
    return list(types)


def describe(path, checksum_types):
    hashes = {name: hashlib.new(name) for name in checksum_types}
    size = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            for h in hashes.values():
                h.update(chunk)
    return {"size": size, "checksums": {name: h.hexdigest() for name, h in sorted(hashes.items())}}


def tree_list(variant, arch, listed):
    """The tree's extra_files.json, as Pungi writes it (productmd ExtraFiles.dump_for_tree)."""
    from productmd.extra_files import ExtraFiles

    metadata = ExtraFiles()
    for item in listed:
        metadata.add(variant, arch, item["file"], item["size"], item["checksums"])
    out = io.StringIO()
    metadata.dump_for_tree(out, variant, arch, "")
    return out.getvalue().rstrip("\n") + "\n"
