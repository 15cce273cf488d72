"""product.img for the installer of one variant.arch (Pungi's old productimg phase).

For a variant of type 'variant' whose os tree has buildinstall output (images/) and
with option productimg true, the tree's release package (a binary package providing
system-release, named *-release*; the one named *-release-<variant id> first) is
unpacked and its os-release gives the .buildstamp's Product (NAME), Version
(VERSION_ID) and BugURL (BUG_REPORT_URL), falling back to release_name and
release_version; IsFinal is true for a production compose, UUID is
<compose id>.<arch>. The image holds run/install/product/.buildstamp and, with
productimg_install_class (a path relative to the config file's directory, or
Pungi's scm dict whose 'file' may use %(variant_id)s), the install class in
run/install/product/installclasses/, with Pungi's compatibility symlinks
(installclasses, run/install/product/pyanaconda/installclasses). No root is needed
to build it: it is a gzip'd cpio (newc) archive, an image anaconda reads like an
updates image. It is written atomically to images/product.img of the os tree,
where createrepo lists it in .treeinfo. Otherwise images/product.img is removed.
"""

import fnmatch
import gzip
import io
import os
import shutil
import tempfile

from ..compose import jsonio, layout, request, state
from ..config import scm, variants
from ..errors import PunjiError
from ..log import log

PHASE = "productimg"
IMAGE = "images/product.img"
PRODUCT = "run/install/product"
DEFAULT_BUGURL = "your distribution provided bug reporting tool"


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.by_uid(tree).get(variant)
    if v is None or arch not in v["arches"]:
        raise PunjiError("variant %s has no arch %s in this compose" % (variant, arch))
    top = layout.at(topdir, layout.os_tree(variant, arch))
    target = os.path.join(top, IMAGE)
    tmp = os.path.join(top, "images", ".product.img.tmp")
    _remove(tmp)
    reason = skip_reason(conf, v, top)
    if reason:
        log.info("productimg %s.%s: nothing to do (%s)", variant, arch, reason)
        _remove(target)
        return state.write(topdir, PHASE, variant, arch, skipped=reason, image=None)
    _forget(topdir, variant, arch)

    req = request.read(topdir)
    package = release_package(topdir, v, arch)
    workroot = layout.at(topdir, "work/%s/productimg" % arch)
    os.makedirs(workroot, exist_ok=True)
    for name in os.listdir(workroot):
        if name.startswith(".%s." % variant):
            shutil.rmtree(os.path.join(workroot, name), ignore_errors=True)
    work = tempfile.mkdtemp(prefix=".%s." % variant, dir=workroot)
    try:
        release = os_release(scm.extract_rpm(package["path"], os.path.join(work, "rpm"), "productimg"))
        stamp = buildstamp(conf, req, arch, release)
        entries = [(PRODUCT + "/.buildstamp", stamp.encode("utf-8"))]
        entries += [("%s/installclasses/%s" % (PRODUCT, name), data)
                    for name, data in install_class(topdir, conf, v, os.path.join(work, "class"))]
        links = [("installclasses", PRODUCT + "/installclasses"),
                 (PRODUCT + "/pyanaconda/installclasses", "../installclasses")] if len(entries) > 1 else []
        with open(tmp, "wb") as f:
            f.write(cpio_gz(entries, links))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        _remove(tmp)
        shutil.rmtree(work, ignore_errors=True)
    log.info("productimg %s.%s: %s from %s", variant, arch, IMAGE, package["nevra"])
    return state.write(topdir, PHASE, variant, arch, skipped=None,
                       image=layout.os_tree(variant, arch) + "/" + IMAGE,
                       release_package=package["nevra"], files=sorted(e[0] for e in entries))


def skip_reason(conf, v, top):
    if not conf.get("productimg"):
        return "option productimg is off"
    if v["type"] != "variant":
        return "%s (product.img is made for variants of type 'variant' only)" % v["type"]
    if v.get("is_empty"):
        return "empty variant"
    if not os.path.isdir(os.path.join(top, "images")):
        return "the os tree has no buildinstall output (images/)"
    return None


def release_package(topdir, v, arch):
    """The gather record of the tree's release package (provides system-release, named *-release*)."""
    import rpm

    packages = jsonio.read_json(layout.at(topdir, layout.gather_json(v["uid"], arch)))["packages"]
    found = []
    ts = rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    for p in sorted(packages, key=lambda p: p["nevra"]):
        if p["category"] != "binary" or not fnmatch.fnmatchcase(p["name"], "*-release*"):
            continue
        with open(p["path"], "rb") as f:
            provides = [n.decode() if isinstance(n, bytes) else n for n in ts.hdrFromFdno(f.fileno())[rpm.RPMTAG_PROVIDENAME]]
        if "system-release" in provides:
            found.append(p)
    if not found:
        raise PunjiError("productimg: variant %s.%s has no release package (a *-release* package providing "
                         "system-release) in %s" % (v["uid"], arch, layout.gather_json(v["uid"], arch)))
    own = [p for p in found if p["name"].endswith("-release-" + v["id"].lower())]
    return (own or sorted(found, key=lambda p: (len(p["name"]), p["nevra"])))[0]


def os_release(root):
    """The KEY=value pairs of the unpacked release package's os-release ({} without one)."""
    for rel in ("usr/lib/os-release", "etc/os-release"):
        path = os.path.join(root, rel)
        if os.path.isfile(path) and os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
            values = {}
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    key, eq, value = line.strip().partition("=")
                    if eq and not key.startswith("#"):
                        values[key] = value.strip().strip("\"'")
            return values
    return {}


def buildstamp(conf, request, arch, release):
    lines = ["[Main]",
             "Product=%s" % (release.get("NAME") or conf["release_name"]),
             "Version=%s" % (release.get("VERSION_ID") or conf["release_version"]),
             "BugURL=%s" % (release.get("BUG_REPORT_URL") or DEFAULT_BUGURL),
             "IsFinal=%s" % ("True" if request["compose_type"] == "production" else "False"),
             "UUID=%s.%s" % (request["compose_id"], arch),
             "[Compose]",
             "Punji=%s" % request["compose_id"]]
    return "\n".join(lines) + "\n"


def install_class(topdir, conf, v, work):
    """[(file name, bytes)] of productimg_install_class for V, [] without one."""
    entry = conf.get("productimg_install_class")
    if not entry:
        return []
    base = request.config_dir(topdir)
    if isinstance(entry, str):
        path = os.path.join(base, entry)
        if not os.path.isfile(path):
            raise PunjiError("option 'productimg_install_class': no file %s" % path)
        with open(path, "rb") as f:
            return [(os.path.basename(path), f.read())]
    if not isinstance(entry, dict) or not entry.get("file"):
        raise PunjiError("option 'productimg_install_class': a path or an scm dict with a 'file' is needed")
    files = entry["file"] if isinstance(entry["file"], list) else [entry["file"]]
    entry = dict(entry, file=[f % {"variant_id": v["id"].lower()} for f in files])
    result = []
    for rel in scm.export(entry, work, "option 'productimg_install_class'", base):
        with open(os.path.join(work, rel), "rb") as f:
            result.append((os.path.basename(rel), f.read()))
    return sorted(result)


# -- the image: a newc cpio archive, gzip'd, byte for byte the same for the same content --------


def cpio_gz(files, links):
    """FILES [(path, bytes)] and LINKS [(path, target)] with their parent directories as a cpio.gz."""
    dirs = set()
    for path, _ in list(files) + list(links):
        parts = path.split("/")[:-1]
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    entries = [(d, 0o040755, b"") for d in sorted(dirs)]
    entries += [(p, 0o100644, data) for p, data in sorted(files)]
    entries += [(p, 0o120777, t.encode("utf-8")) for p, t in sorted(links)]
    out = io.BytesIO()
    for ino, (path, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        name = path.encode("utf-8") + b"\0"
        nlink = 2 if mode & 0o170000 == 0o040000 else 1
        fields = [0 if path == "TRAILER!!!" else ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name), 0]
        out.write(b"070701" + b"".join(b"%08X" % n for n in fields) + name)
        out.write(b"\0" * (-(110 + len(name)) % 4))
        out.write(data + b"\0" * (-len(data) % 4))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as gz:
        gz.write(out.getvalue())
    return packed.getvalue()


def _forget(topdir, uid, arch):
    try:
        os.unlink(layout.at(topdir, layout.state_file(PHASE, uid, arch)))
    except FileNotFoundError:
        pass


def _remove(path):
    if os.path.lexists(path):
        os.unlink(path)
