"""What changed between two composes, per variant.arch, from their productmd metadata.

load(topdir) reads compose/metadata/composeinfo.json and rpms.json (both must be there) and
images.json (Pungi writes it only when an image phase ran: no file, no images) with productmd.
compare(old, new) gives the report punji-diff prints (its JSON shape is in docs/design.md):

- packages by name.arch: added, removed, upgraded or downgraded by rpm's EVR order
  (rpm.labelCompare). A name.arch with several EVRs in a tree (install-only packages) pairs its
  vanished and new EVRs oldest first; the ones left over are removed or added.
- images by productmd's identity (subvariant, type, format, arch, disc number, unified,
  additional variants): added, removed, or changed in size, checksums or path (the compose id in
  the path aside).
- the release (name, short name, version, type), when it differs.

Compose ids and dates are no difference: a compose and a copy of it under another id compare equal.
"""

import functools
import json
import os

from ..errors import PunjiError
from . import layout

VERSION = "1.0"
PACKAGE_CHANGES = ("added", "removed", "upgraded", "downgraded")
IMAGE_CHANGES = ("added", "removed", "changed")
IMAGE_IDENTITY = ("subvariant", "type", "format", "arch", "disc_number")
RELEASE_FIELDS = ("name", "short", "version", "type")


def load(topdir, packages=True):
    """{"compose_id", "date", "path", "release", "rpms": {(variant, arch): Tree},
    "images": {(variant, arch): {identity: image}}} of the compose at TOPDIR; without PACKAGES,
    "rpms" is empty and rpms.json is not read (see same_packages)."""
    import productmd.composeinfo
    import productmd.images
    import productmd.rpms

    topdir = os.path.abspath(topdir)
    if not os.path.isdir(topdir):
        raise PunjiError("%s: no such directory" % topdir)
    info_path = layout.at(topdir, layout.composeinfo_json())
    if not os.path.isfile(info_path):
        raise PunjiError("%s: not a compose (no %s)" % (topdir, layout.composeinfo_json()))
    info = _read(productmd.composeinfo.ComposeInfo, info_path)
    rpms_path = layout.at(topdir, layout.rpms_json())
    if not os.path.isfile(rpms_path):
        raise PunjiError("%s: missing (an unfinished compose?)" % rpms_path)
    images_path = layout.at(topdir, layout.images_json())
    images = _read(productmd.images.Images, images_path).images if os.path.exists(images_path) else {}
    compose_id = info.compose.id
    return {
        "compose_id": compose_id,
        "date": info.compose.date,
        "path": topdir,
        "release": {field: getattr(info.release, field) for field in RELEASE_FIELDS},
        "rpms": _packages(_read(productmd.rpms.Rpms, rpms_path).rpms, rpms_path) if packages else {},
        "images": _images(images, compose_id, images_path),
    }


def same_packages(old, new):
    """Whether the rpms.json of the composes at OLD and NEW are the same text from their payload's
    "rpms" key on (the same packages in every tree, as a nightly taken over from OLD writes it),
    so that comparing them needs neither read."""
    try:
        with open(layout.at(old, layout.rpms_json()), "rb") as a, open(layout.at(new, layout.rpms_json()), "rb") as b:
            return _payload_at(a) is not None and _payload_at(b) is not None and _same_rest(a, b)
    except OSError:
        return False


def _payload_at(f):
    """Seek the rpms.json open as F to its payload's "rpms" key (in its first block, after the
    header and compose sections); None when it is not there."""
    head = f.read(HEAD_BLOCK)
    at = head.find(b'"rpms":')
    return None if at < 0 else f.seek(at)


HEAD_BLOCK = 1 << 16


def _same_rest(a, b, size=1 << 18):
    """Whether the files A and B hold the same bytes from where each stands on; read in blocks
    into two buffers, never whole (each new page read into costs a page fault)."""
    blocks = [memoryview(bytearray(size)), memoryview(bytearray(size))]
    while True:
        counts = [f.readinto(block) for f, block in zip((a, b), blocks)]
        if counts[0] != counts[1] or blocks[0][:counts[0]] != blocks[1][:counts[1]]:
            return False
        if not counts[0]:
            return True


def _read(cls, path):
    """A productmd metadata object CLS loaded from PATH; a PunjiError naming PATH when it cannot be."""
    data = cls()
    try:
        data.load(path)
    except OSError as exc:
        raise PunjiError("%s: cannot read it: %s" % (path, exc.strerror or exc))
    except json.JSONDecodeError as exc:
        raise PunjiError("%s: not valid JSON: %s" % (path, exc))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise PunjiError("%s: not valid %s metadata: %s: %s" % (path, data.header.metadata_type, type(exc).__name__, exc))
    return data


def _packages(rpms, path):
    """{(variant, arch): Tree} of rpms.json's payload, each NEVRA checked to be one."""
    found = {}
    try:
        for variant, by_arch in rpms.items():
            for arch, by_srpm in by_arch.items():
                found[(variant, arch)] = Tree(by_srpm, _checked(variant, arch, by_srpm, path))
    except (AttributeError, TypeError) as exc:
        raise PunjiError("%s: not valid productmd.rpms metadata: %s: %s" % (path, type(exc).__name__, exc))
    return found


def _checked(variant, arch, by_srpm, path):
    """The NEVRAs of one variant.arch of rpms.json, a PunjiError naming the first that is no N-E:V-R.A."""
    from productmd.common import RPM_NVRA_RE

    nevras = [n for packages in by_srpm.values() for n in packages]
    if not all(map(RPM_NVRA_RE.match, nevras)):
        bad = next(n for n in nevras if not RPM_NVRA_RE.match(n))
        raise PunjiError("%s: %s.%s: %r is no N-E:V-R.A" % (path, variant, arch, bad))
    return nevras


class Tree:
    """The packages of one variant.arch of rpms.json: BY_SRPM, its entries by source package,
    and NEVRAS, every package's. A mapping {(name, arch): {(epoch, version, release)}} made when
    asked for (mapping()); two trees are compared through the source packages whose entries
    differ (changed_parts), as a nightly's and its last compose's mostly have the same."""

    def __init__(self, by_srpm, nevras):
        self.by_srpm, self.nevras = by_srpm, nevras

    def mapping(self, names=None):
        """{(name, arch): {evr}} of the tree's packages (of those whose name is in NAMES, when given)."""
        tree = {}
        nevras = self.nevras
        if names is not None:
            prefixes = tuple(name + "-" for name in names)
            nevras = [n for n in nevras if n.startswith(prefixes)]
        for nevra in nevras:
            key, evr = _nevra_parts(nevra)
            if names is None or key[0] in names:
                tree.setdefault(key, set()).add(evr)
        return tree


def changed_parts(old, new):
    """Two {(name, arch): {evr}} of the trees OLD and NEW (Tree or such mappings), holding at
    least every name.arch whose EVRs differ, each with all its EVRs in that tree."""
    if not (isinstance(old, Tree) and isinstance(new, Tree)):
        return _mapping(old), _mapping(new)
    differ = [s for s in old.by_srpm.keys() | new.by_srpm.keys() if old.by_srpm.get(s) != new.by_srpm.get(s)]
    names = {_nevra_parts(n)[0][0] for tree in (old, new) for s in differ for n in tree.by_srpm.get(s, ())}
    return old.mapping(names), new.mapping(names)


def _mapping(tree):
    return tree.mapping() if isinstance(tree, Tree) else tree


@functools.lru_cache(maxsize=1 << 17)  # two composes' rpms.json name mostly the same packages
def _nevra_parts(nevra):
    """((name, arch), (epoch, version, release)) of an rpms.json N-E:V-R.A, None for another string."""
    from productmd.common import RPM_NVRA_RE

    p = RPM_NVRA_RE.match(nevra)
    if not p:
        return None
    return (p.group("name"), p.group("arch")), (p.group("epoch") or "0", p.group("version"), p.group("release"))


def _images(images, compose_id, path):
    """{(variant, arch): {identity: record}} of images.json's images, paths with COMPOSE_ID as {compose_id}."""
    from productmd.images import identify_image

    found = {}
    for variant, by_arch in images.items():
        for arch, records in by_arch.items():
            tree = found.setdefault((variant, arch), {})
            for image in records:
                key = tuple(tuple(v) if isinstance(v, list) else v for v in identify_image(image))
                if key in tree:
                    raise PunjiError("%s: %s.%s has two images of subvariant %s, type %s, format %s, arch %s, disc %s"
                                     % (path, variant, arch, image.subvariant, image.type, image.format, image.arch,
                                        image.disc_number))
                tree[key] = _image_record(image, compose_id)
    return found


def _image_record(image, compose_id):
    return {"subvariant": image.subvariant, "type": image.type, "format": image.format, "arch": image.arch,
            "disc_number": image.disc_number, "path": image.path, "size": image.size,
            "checksums": dict(image.checksums), "generic_path": _generic(image.path, {"compose_id": compose_id})}


def compare(old, new):
    """The punji.diff report of composes OLD and NEW (as load() gives them)."""
    trees = []
    for variant, arch in sorted(set(old["rpms"]) | set(new["rpms"]) | set(old["images"]) | set(new["images"])):
        scope = (variant, arch)
        packages = _package_changes(*changed_parts(old["rpms"].get(scope, {}), new["rpms"].get(scope, {})))
        images = _image_changes(old["images"].get(scope, {}), new["images"].get(scope, {}))
        if any(packages.values()) or any(images.values()):
            trees.append({"variant": variant, "arch": arch, "packages": packages, "images": images})
    release = None if old["release"] == new["release"] else {"old": old["release"], "new": new["release"]}
    return {
        "header": {"type": "punji.diff", "version": VERSION},
        "old": {k: old[k] for k in ("compose_id", "date", "path")},
        "new": {k: new[k] for k in ("compose_id", "date", "path")},
        "differ": bool(trees or release),
        "release": release,
        "trees": trees,
        "summary": {
            "trees": len(trees),
            "packages": {c: sum(len(t["packages"][c]) for t in trees) for c in PACKAGE_CHANGES},
            "images": {c: sum(len(t["images"][c]) for t in trees) for c in IMAGE_CHANGES},
        },
    }


def _package_changes(old, new):
    """{"added": [...], "removed": [...], "upgraded": [...], "downgraded": [...]} of two trees'
    {(name, arch): {evr}}."""
    changes = {c: [] for c in PACKAGE_CHANGES}
    for name, arch in sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key)):
        before, after = old.get((name, arch), set()), new.get((name, arch), set())
        gone, came = _by_evr(before - after), _by_evr(after - before)
        paired = min(len(gone), len(came))
        for a, b in zip(gone, came):
            order = _compare_evr(a, b)
            if order:
                kind = "upgraded" if order < 0 else "downgraded"
                changes[kind].append({"name": name, "arch": arch, "old": evr_text(a), "new": evr_text(b)})
            else:  # the same version to rpm, spelt another way
                changes["removed"].append({"name": name, "arch": arch, "evr": evr_text(a)})
                changes["added"].append({"name": name, "arch": arch, "evr": evr_text(b)})
        changes["removed"] += [{"name": name, "arch": arch, "evr": evr_text(e)} for e in gone[paired:]]
        changes["added"] += [{"name": name, "arch": arch, "evr": evr_text(e)} for e in came[paired:]]
    return changes


def _compare_evr(a, b):
    """rpm's order of two (epoch, version, release): -1, 0 or 1."""
    import rpm

    return rpm.labelCompare(a, b)


def _by_evr(evrs):
    return sorted(evrs, key=functools.cmp_to_key(_compare_evr))


def evr_text(evr):
    """[epoch:]version-release, the epoch left out when it is 0 (as rpm -q shows it)."""
    epoch, version, release = evr
    return "%s%s-%s" % ("" if epoch == "0" else epoch + ":", version, release)


def _image_changes(old, new):
    """{"added": [...], "removed": [...], "changed": [...]} of two trees' {identity: image}."""
    changes = {c: [] for c in IMAGE_CHANGES}
    for key in sorted(set(old) | set(new), key=lambda k: (new.get(k) or old.get(k))["generic_path"]):
        before, after = old.get(key), new.get(key)
        if before is None:
            changes["added"].append(_shown(after))
        elif after is None:
            changes["removed"].append(_shown(before))
        elif not _same_image(before, after):
            changes["changed"].append(dict({k: after[k] for k in IMAGE_IDENTITY},
                                           old=_state(before), new=_state(after)))
    return changes


def _shown(image):
    return {k: v for k, v in image.items() if k != "generic_path"}


def _state(image):
    return {k: image[k] for k in ("path", "size", "checksums")}


def _same_image(a, b):
    """Whether images A and B have the same path (but the compose id), size and checksums (of
    the algorithms both list)."""
    common = set(a["checksums"]) & set(b["checksums"])
    return (a["generic_path"], a["size"]) == (b["generic_path"], b["size"]) and all(
        a["checksums"][c] == b["checksums"][c] for c in common)


def text(report):
    """The lines punji-diff prints for people: the two composes, each differing variant.arch
    with its changes, a summary line."""
    lines = ["--- %s  %s" % (report["old"]["compose_id"], report["old"]["path"]),
             "+++ %s  %s" % (report["new"]["compose_id"], report["new"]["path"])]
    if report["release"]:
        lines.append("release: %s -> %s" % (_release_text(report["release"]["old"]),
                                            _release_text(report["release"]["new"])))
    for tree in report["trees"]:
        lines.append("%s.%s:" % (tree["variant"], tree["arch"]))
        lines += _package_lines(tree["packages"]) + _image_lines(tree["images"], report)
    lines.append(_summary_line(report))
    return lines


def _release_text(release):
    return "%s (%s-%s %s)" % (release["name"], release["short"], release["version"], release["type"])


def _package_lines(changes):
    lines = []
    for kind in PACKAGE_CHANGES:
        for p in changes[kind]:
            change = p["evr"] if "evr" in p else "%s -> %s" % (p["old"], p["new"])
            lines.append("  %-10s %s.%s %s" % (kind, p["name"], p["arch"], change))
    return lines


def _image_lines(changes, report):
    lines = ["  image %-7s %s" % (kind, _image_text(i)) for kind in ("added", "removed") for i in changes[kind]]
    for image in changes["changed"]:
        old, new = image["old"], image["new"]
        what = ["size %s -> %s" % (old["size"], new["size"])] if old["size"] != new["size"] else []
        what += ["%s %s -> %s" % (c, old["checksums"][c][:12], new["checksums"][c][:12]) for c in sorted(old["checksums"])
                 if new["checksums"].get(c, old["checksums"][c]) != old["checksums"][c]]
        if _generic(old["path"], report["old"]) != _generic(new["path"], report["new"]):
            what.append("from %s" % old["path"])
        lines.append("  image changed %s: %s" % (_image_text(dict(image, path=new["path"])), ", ".join(what)))
    return lines


def _generic(path, compose):
    return path.replace(compose["compose_id"], "{compose_id}")


def _image_text(image):
    return "%s/%s %s" % (image["type"], image["format"], image["path"])


def _summary_line(report):
    if not report["differ"]:
        return "identical apart from compose ids and dates"
    summary = report["summary"]
    return "%d variant.arch%s differ%s: packages %s; images %s" % (
        summary["trees"], "" if summary["trees"] == 1 else "es", "s" if summary["trees"] == 1 else "",
        ", ".join("%d %s" % (summary["packages"][c], c) for c in PACKAGE_CHANGES),
        ", ".join("%d %s" % (summary["images"][c], c) for c in IMAGE_CHANGES))
