"""createiso across composes: the images of a tree taken over from the old compose when the
tree, the options and the volume id are the same (createiso_allow_reuse), renamed for this
compose. An image's content does not name its compose (its file name does), so the image
a fresh run would write is the old one (apart from its timestamps). Where they cannot be
taken over as a whole, each disc whose content and options are the same is (disc_key)."""

import hashlib
import os
import shutil

from ..compose import dirs, jsonio, layout, request, reuse, state
from ..errors import PunjiError
from ..log import log
from . import boot_iso, jigdo, naming

SMALL = 1 << 16  # smaller files (.treeinfo, .discinfo, media.repo: rewritten by every compose) go by content


def key(topdir, conf, v, arch, files, stats, chrp=None, namesakes=()):
    """What the images of tree V.ARCH are made from, as far as it can be the same in two
    composes: the options, the volume id, every file (a package or metadata file by size,
    mtime and inode: a taken-over or linked file keeps them; a small file by its content), how
    a ppc image boots (CHRP) and the trees of NAMESAKES ([(variant, files, stats)]: those
    that give a disc of theirs the name of one of V's, whose content that disc then holds)."""
    substs = naming.substitutions(conf, topdir)
    cr_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo")))
    supported = ["supported"] if request.supported(topdir) else []  # implantisomd5's flag
    others = [[other["uid"], other, _identity(of_files, of_stats)] for other, of_files, of_stats in namesakes]
    return state.digest("createiso", conf, cr_conf, v, naming.volume_id(conf, substs, v, arch),
                        _identity(files, stats), *supported, *([chrp] if chrp else []), *([others] if others else []))


def _identity(files, stats):
    """A digest of every file of a tree: a package or metadata file by size, mtime and inode,
    a small one by its content (one text hashed: a list of ten thousand files costs more to
    encode as JSON than to hash)."""
    records = []
    for rel in sorted(stats):
        st = stats[rel]
        if st.st_size < SMALL and not rel.endswith(".rpm"):
            with open(files[rel], "rb") as f:
                records.append("%s\0%s" % (rel, hashlib.sha256(f.read()).hexdigest()))
        else:
            records.append(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}")
    return _hashed(records)


def content_times(stats):
    """A digest of the modification times of the files key() has by their content (STATS:
    path -> os.stat of every file of a tree)."""
    return _hashed(sorted("%s\0%d" % (rel, st.st_mtime_ns) for rel, st in stats.items()
                          if st.st_size < SMALL and not rel.endswith(".rpm")))


def _hashed(records):
    # no name holds a NUL, and every field is there: two NULs end a record
    return hashlib.sha256("\0\0".join(records).encode("utf-8", "surrogateescape")).hexdigest()


def take_over(topdir, conf, v, arch, reuse_key, real_dir):
    """(The image records of V.ARCH, {image name: disc key}) when the old compose made its
    images from REUSE_KEY: the images and their manifests hard-linked into REAL_DIR under this
    compose's names; None when there is nothing to take over."""
    old = reuse.old_compose(topdir)
    if old is None or not conf.get("createiso_allow_reuse", True) or conf.get("symlink_isos_to"):
        return None
    try:
        record = state.read(old, "createiso", v["uid"], arch)
        result = jsonio.read_json(layout.at(old, layout.createiso_json(v["uid"], arch)))
    except (OSError, ValueError, PunjiError):
        return None
    if record.get("failed") or record.get("reuse_key") != reuse_key or not result.get("images"):
        return None
    substs = naming.substitutions(conf, topdir)
    count = len(result["images"])
    names = [naming.image_name(conf, substs, v, arch, n) for n in range(1, count + 1)]
    staged = dirs.aside(real_dir)
    jigdos = dirs.aside(jigdo.directory(topdir, v["uid"], arch)) if jigdo.wanted(conf, v) else None
    images, old_keys, disc_keys = [], record.get("disc_keys") or {}, {}
    try:
        for image, name in zip(result["images"], names):
            if os.path.basename(image["path"]) in old_keys:
                disc_keys[name] = old_keys[os.path.basename(image["path"])]
            source = os.path.join(old, "compose", image["path"])
            if image.get("size") not in (None, os.stat(source).st_size):
                raise OSError("%s is not the size it was made" % source)
            os.link(source, os.path.join(staged, name))
            os.link(source + ".manifest", os.path.join(staged, name + ".manifest"))
            if jigdos:
                jigdo.take_over(jigdo.directory(old, v["uid"], arch), os.path.basename(source), jigdos, name)
            path = os.path.relpath(os.path.join(layout.iso_dir(v["uid"], arch), name), "compose")
            images.append(dict(image, path=path, checksums={}))
        boot_iso.carry(topdir, v["uid"], arch, staged)
        os.chmod(staged, 0o755)
        dirs.swap(staged, real_dir)
        jigdo.place(jigdo.directory(topdir, v["uid"], arch), jigdos)
    except OSError as exc:  # an image gone, another file system: made anew
        for made in (staged, jigdos):
            if made:
                shutil.rmtree(made, ignore_errors=True)
        log.info("createiso %s.%s: images not taken over from %s: %s", v["uid"], arch, old, exc)
        return None
    log.info("createiso %s.%s: %d image(s) taken over from %s (same tree, options and volume id)",
             v["uid"], arch, len(images), old)
    return images, disc_keys


# -- one disc at a time ---------------------------------------------------------------------
# Pungi 4.3.2 takes over each disc of a tree on its own (its old metadata per variant, arch,
# disc number and count); punji does so where a tree's images as a whole cannot be taken
# over: a disc whose content (every file, those made for the disc by content) and options
# are those an image of the old compose was made from is that image.


def disc_key(conf, v, arch, volid, how, content, made_here, stats=None):
    """What one disc is made from: the options, V, the volume id, HOW it is written (boot
    options, ISO level, writer, supported flag) and its CONTENT ({ISO path: file, a directory
    ending in "/"}), the files under MADE_HERE (made for the disc) by content. STATS: {ISO
    path: os.stat} the caller took of some of the files just before."""
    identity, stats = [], stats or {}
    for rel in sorted(content):
        path = content[rel]
        if rel.endswith("/"):
            identity.append([rel])
            continue
        st = stats.get(rel) or os.stat(path)
        if path.startswith(made_here + os.sep) or (st.st_size < SMALL and not rel.endswith(".rpm")):
            identity.append([rel, state.file_digest(path)])
        else:
            identity.append([rel, st.st_size, st.st_mtime_ns, st.st_ino])
    return state.digest("createiso-disc", conf, v, arch, volid, how, identity)


def old_discs(topdir, conf, v, arch):
    """{disc key: (image file, record)} of the images of V.ARCH the old compose made
    (createiso_allow_reuse; not with symlink_isos_to), or {}."""
    old = reuse.old_compose(topdir)
    if old is None or not conf.get("createiso_allow_reuse", True) or conf.get("symlink_isos_to"):
        return {}
    return images_by_key(old, "createiso", v["uid"], arch, "disc_keys", layout.createiso_json(v["uid"], arch))


def images_by_key(old, phase, uid, arch, keys_field, records):
    """{key: (image file, record)} of the images the compose OLD lists in RECORDS (a
    compose-relative JSON file of "images") whose keys the state of PHASE for UID.ARCH keeps
    in KEYS_FIELD ({image name: key}); {} when OLD has not both."""
    try:
        keys = state.read(old, phase, uid, arch).get(keys_field) or {}
        images = jsonio.read_json(layout.at(old, records))["images"]
    except (OSError, ValueError, KeyError, PunjiError):
        return {}
    found = {}
    for image in images:
        key = keys.get(os.path.basename(image["path"]))
        if key:
            found[key] = (os.path.join(old, "compose", image["path"]), image)
    return found


def take_over_disc(old_disc, output, rel):
    """The record of the old image OLD_DISC ((file, record)) hard-linked to OUTPUT with its
    manifest, listed at REL (compose-relative); None when it cannot be (gone, changed size,
    another file system): the disc is made."""
    source, image = old_disc
    try:
        if image.get("size") not in (None, os.stat(source).st_size):
            raise OSError("%s is not the size it was made" % source)
        os.link(source, output)
        os.link(source + ".manifest", output + ".manifest")
    except OSError as exc:
        for path in (output, output + ".manifest"):
            if os.path.lexists(path):
                os.unlink(path)
        log.info("%s not taken over: %s", os.path.basename(output), exc)
        return None
    log.info("%s: taken over from %s (the same content and options)", os.path.basename(output), source)
    return dict(image, path=rel, checksums={})
