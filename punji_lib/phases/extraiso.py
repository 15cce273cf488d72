"""ISOs holding several variants (Pungi's extra_isos), one variant.arch at a time.

extra_isos maps variant uid regexes to blocks ({regex: [block, ...]} or one bare
block); every block matching a variant of type 'variant' (Pungi makes extra ISOs of
no other type) gives it one image on each of its arches (only those in the
block's 'arches', when given) and one of its source tree unless 'skip_src'.

An image holds, as Pungi lays it out, for the variant and then every variant of
'include_variants' that has a tree on that arch: <uid>/Packages and
<uid>/repodata copied from the tree (each directory a repository of its own),
with 'inherit_extra_files' also the files punji-extrafiles put into the tree
(<uid>/<file>); a named variant without a tree on that arch gets an empty package
directory there, as Pungi's phase makes it (not an addon's inside its parent's
tree); at the top a .treeinfo (the variant tree's, every variant of the image
listed with its <uid> paths, [media] disc 1 of 1), the tree's .discinfo, a
media.repo, and the block's 'extra_files' (scm dicts fetched with punji_lib.config.scm;
'target' a subdirectory) with an extra_files.json listing them; extra files win
over everything but the .treeinfo. With buildinstall_method, all lorax made for the
tree (not boot.iso; the tree's images/efiboot.img, which buildinstall_kickstart may have
changed) comes too and makes the image bootable, as Pungi takes it; without lorax's output,
the tree's isolinux/, images/ and EFI/ do, when the tree has boot files.

The name is 'filename' (Pungi's format keys, plus 'filename': the name
image_name_format gives disc 1 of the tree), by default that image_name_format
name. An extra image named as punji-createiso's image of the tree (a block without
'filename' on a tree createiso makes an image of) overwrites it, as Pungi 4.3.2's does
(a warning): images.json then lists both records at that one path, the file being
the extra image (make runs createiso of the tree first, so a rerun ends the same); the volume
id the first of 'volid' that fits in 32 characters (plus key 'volid': the tree's
own volume id), by default the tree's own. Writer, iso_level,
createiso_break_hardlinks, implantisomd5, the .manifest and create_jigdo's files (made
against the variant's own tree) are createiso's, and so is the runroot method the tools run
through (createiso's, as Pungi's extra_isos phase runs them). The
images go into compose/<variant>/<arch>/iso (compose/<variant>/source/iso) beside
createiso's, written under a temporary name and renamed; their records (productmd
image fields, type dvd, unified with additional_variants) go to
work/<arch>/extraiso/<variant>.json, which punji-createiso --assemble adds to
images.json. An image bigger than its block's 'max_size' (when set, else the first
createiso_max_size, as Pungi) is a warning, an error with createiso_max_size_is_strict.

A block's image that fails on an arch of its 'failable_arches' is a warning; the
other blocks' images are still made. A rerun with the same options, trees and
extra files keeps the images. With extraiso_allow_reuse (the default), an image
the newest finished compose in the target directory made from the same block,
options, volume id and files (packages and tree files by size, mtime and inode:
a taken-over tree keeps them; the files made for the image by content) is
hard-linked from it under this compose's name instead of being written again.
"""

import os
import shutil

from ..compose import jsonio, layout, request, state
from ..config import variants
from ..config.lookup import extra_iso_blocks, iso_size_problems
from ..errors import NotFailable, PunjiError
from ..koji import runroot
from ..log import log, warn
from ..media import image_digests, image_files, iso, jigdo
from ..media.extraiso_content import include_variants, plan
from ..rpms.repos import file_checksum

PROG = "punji-extraiso"
PHASE = "extraiso"
IMAGE_TYPE = "dvd"
TMP = ".extraiso-tmp"


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createiso")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.with_arch(tree, variant, arch)
    record_path = layout.at(topdir, layout.extraiso_json(variant, arch))
    work = layout.at(topdir, layout.extraiso_work_dir(variant, arch))
    blocks, reason = extra_iso_blocks(conf, v, arch)
    if not blocks:
        log.info("extraiso %s.%s: no images (%s)", variant, arch, reason)
        _remove_images(topdir, variant, arch, _previous_names(record_path))
        _clean(work)
        jsonio.write_json(record_path, _result(variant, arch, [], []))
        state.write(topdir, PHASE, variant, arch, images=[], skipped=reason, result=layout.extraiso_json(variant, arch))
        return
    _clean(work)
    os.makedirs(work)
    old_names = _previous_names(record_path)
    try:
        plans, failed, unbootable = _plans(topdir, conf, tree, v, arch, blocks, work)
        overwritten = _check_names(topdir, v, arch, plans)
        inputs = _inputs(topdir, conf, v, arch, plans)
        if state.same_inputs(topdir, PHASE, variant, arch, inputs) and \
                _images_intact(topdir, variant, arch, _jigdo_dir(topdir, conf, v, arch)):
            log.info("extraiso %s.%s: the same trees, extra files and options as the last run; nothing to do",
                     variant, arch)
            _clear_leftovers(topdir, variant, arch)
            state.keep(topdir, PHASE, variant, arch)
            return
        keys = {p["name"]: _reuse_key(conf, v, arch, p) for p in plans}
        reusable = _reusable(topdir, conf, v, arch)
        records = make_images(topdir, conf, v, arch, plans, work, old_names, failed,
                              {name: reusable[key] for name, key in keys.items() if key in reusable})
    except BaseException:
        # a failed run leaves no extra images of this variant.arch (failable_deliverables may let it fail)
        _remove_images(topdir, variant, arch, old_names, keep_dir=bool(v.get("is_empty")))
        _forget(record_path)
        raise
    finally:
        _clean(work)
    if unbootable:
        # Pungi's writer fails on the boot files after it made the iso directory (fuzz-compose
        # --realconf --multiarch seed 52004): it stays
        os.makedirs(layout.at(topdir, layout.iso_dir(variant, arch)), exist_ok=True)
    _warn_overwritten(v, arch, overwritten, records)
    state.write(topdir, PHASE, variant, arch, images=[os.path.basename(r["path"]) for r in records],
                failed_images=failed, skipped=None, result=layout.extraiso_json(variant, arch),
                inputs=None if failed else inputs, reuse_keys=keys)


# -- which images ------------------------------------------------------------------------


def _plans(topdir, conf, tree, v, arch, blocks, work):
    """(plans, failed, unbootable) of the images of BLOCKS for tree V.ARCH: what each is made
    of, the failable ones that cannot be made, and whether one of those lacks boot files."""
    plans, failed, unbootable = [], [], False
    for number, block in enumerate(blocks, 1):
        try:
            plans.append(plan(topdir, conf, tree, v, arch, number, block, os.path.join(work, "image%d" % number)))
        except iso.MissingBootFiles as exc:
            # the writer fails on them in Pungi, or its runroot before it
            failed.append(_failable(v, arch, number, block, runroot.image_tools_refusal(topdir) or exc))
            unbootable = True
        except PunjiError as exc:
            failed.append(_failable(v, arch, number, block, exc))
    return plans, failed, unbootable


def _check_names(topdir, v, arch, plans):
    """Each image gets a name of its own; returns those that are also names of createiso's
    images of the tree, which the extra images overwrite (fuzz-compose seed 22005)."""
    seen = {}
    for p in plans:
        if p["name"] in seen:
            raise PunjiError("option 'extra_isos' (%s.%s): images %d and %d get the same name %s; give them "
                             "different 'filename's" % (v["uid"], arch, seen[p["name"]], p["number"], p["name"]))
        seen[p["name"]] = p["number"]
    return sorted(set(seen) & _createiso_names(topdir, v["uid"], arch))


def _warn_overwritten(v, arch, overwritten, records):
    made = {os.path.basename(r["path"]) for r in records}
    for name in overwritten:
        if name in made:
            warn(PROG, "%s.%s: the extra ISO %s overwrote the tree's ISO of the same name, as Pungi 4.3.2 does "
                 "(images.json lists both; give the extra_isos block a 'filename' to keep the tree's)"
                 % (v["uid"], arch, name))


def _createiso_names(topdir, uid, arch):
    path = layout.at(topdir, layout.createiso_json(uid, arch))
    try:
        return {os.path.basename(i["path"]) for i in jsonio.read_json(path)["images"]}
    except (OSError, ValueError, KeyError):
        return set()


def _inputs(topdir, conf, v, arch, plans):
    """The fingerprint of the images: options, compose identity, names, volume ids, and every
    file by size and modification time (the files made for the images by content)."""

    req = {k: x for k, x in request.read(topdir).items() if k != "header"}
    images = [[p["name"], p["volid"], p["boot"], p["included"], _files(p)] for p in plans]
    return state.digest(conf, v, arch, req, images)


def _files(p, inode=False):
    """[path on the image, its identity] of plan P's files: the files made for the image by
    content, the others by size and mtime (and INODE)."""
    generated = set(p["generated"])
    files = []
    for rel in sorted(p["content"]):
        path = p["content"][rel]
        if rel in generated:
            files.append([rel, file_checksum(path, "sha256")])
        else:
            st = image_files.stat_of(path)
            files.append([rel, st.st_size, st.st_mtime_ns] + ([st.st_ino] if inode else []))
    return files


def _reuse_key(conf, v, arch, p):
    """What the image of plan P is made from, as far as two composes can share it: the block,
    the options, the volume id and every file (files made for the image by content, the
    others by size, mtime and inode: a taken-over or linked file keeps them)."""
    return state.digest("extraiso", conf, v["uid"], arch, p["block"], p["volid"], p["boot"], p["included"],
                        _files(p, inode=True))


def _reusable(topdir, conf, v, arch):
    """{reuse key: (image file, record)} of the extra images of V.ARCH the old compose made
    (extraiso_allow_reuse), or {}."""
    from ..compose import reuse

    from ..media.iso_reuse import images_by_key

    old = reuse.old_compose(topdir) if conf.get("extraiso_allow_reuse", True) else None
    if old is None:
        return {}
    return images_by_key(old, PHASE, v["uid"], arch, "reuse_keys", layout.extraiso_json(v["uid"], arch))


def _jigdo_dir(topdir, conf, v, arch):
    """The jigdo directory of V.ARCH when its images get jigdo files (create_jigdo), else None."""
    return jigdo.directory(topdir, v["uid"], arch) if jigdo.wanted(conf, v) else None


def _link_image(v, arch, p, iso_dir, source, old_record, jigdo_dir=None):
    """The record of image P hard-linked from the old compose's SOURCE (and its manifest, and
    into JIGDO_DIR its jigdo files), or None when it cannot be (gone, another file system):
    then it is made anew."""
    final = os.path.join(iso_dir, p["name"])
    tmp = os.path.join(iso_dir, ".%s%s" % (p["name"], TMP))
    manifest_tmp = os.path.join(iso_dir, ".%s.manifest%s" % (p["name"], TMP))
    try:
        if jigdo_dir:  # the old compose's beside its iso directory
            old_jigdos = os.path.join(os.path.dirname(os.path.dirname(source)), "jigdo")
            jigdo.take_over(old_jigdos, os.path.basename(source), jigdo_dir, p["name"])
        os.link(source + ".manifest", manifest_tmp)
        os.link(source, tmp)
    except OSError as exc:
        for path in (tmp, manifest_tmp):
            if os.path.lexists(path):
                os.unlink(path)
        log.info("extraiso %s.%s: %s not taken over from %s: %s", v["uid"], arch, p["name"], source, exc)
        return None
    os.replace(manifest_tmp, final + ".manifest")
    os.replace(tmp, final)
    for path in (tmp, manifest_tmp):  # a rename onto a link of the same file (a resumed takeover) does nothing
        if os.path.lexists(path):
            os.unlink(path)
    iso.fsync_dir(iso_dir)
    log.info("extraiso %s.%s: %s taken over from %s (same block, options, volume id and files)",
             v["uid"], arch, p["name"], source)
    return dict(old_record, path=os.path.relpath(os.path.join(layout.iso_dir(v["uid"], arch), p["name"]), "compose"),
                checksums={})


# -- making --------------------------------------------------------------------------------


def make_images(topdir, conf, v, arch, plans, work, old_names, failed, reusable=None):
    """Write the image of every plan into the tree's iso directory, or link it from REUSABLE
    ({image name: (the old compose's image file, its record)}); returns their records. An image that fails
    on an arch of its block's failable_arches is added to FAILED. Until all are done, the
    record file names every image this run may leave."""
    uid = v["uid"]
    record_path = layout.at(topdir, layout.extraiso_json(uid, arch))
    names = [p["name"] for p in plans]
    jsonio.write_json(record_path, _result(uid, arch, [], sorted(set(old_names) | set(names))))
    _remove_images(topdir, uid, arch, old_names, keep_dir=bool(v.get("is_empty")))
    iso_dir = layout.at(topdir, layout.iso_dir(uid, arch))
    if plans:  # Pungi makes the iso directory of an image it goes on to write, not of one it failed to name
        os.makedirs(iso_dir, exist_ok=True)
        _check_space(iso_dir, plans)
    _clear_leftovers(topdir, uid, arch)
    jigdo_dir = _jigdo_dir(topdir, conf, v, arch)
    records = []
    try:
        for p in plans:
            try:
                old = (reusable or {}).get(p["name"])
                made = _link_image(v, arch, p, iso_dir, *old, jigdo_dir=jigdo_dir) if old else None
                records.append(made or _make_image(topdir, conf, v, arch, p, iso_dir, work, jigdo_dir))
            except NotFailable:
                raise
            except PunjiError as exc:
                failed.append(_failable(v, arch, p["number"], p["block"], exc))
                _remove_images(topdir, uid, arch, [p["name"]])
                os.makedirs(iso_dir, exist_ok=True)  # Pungi removes the image only: its directory stays
    except BaseException:
        # a failed run leaves no extra images of this variant.arch
        _remove_images(topdir, uid, arch, names)
        _clear_leftovers(topdir, uid, arch)
        raise
    jsonio.write_json(record_path, _result(uid, arch, records, []))
    return records


def _failable(v, arch, number, block, exc):
    """EXC, the failure of image NUMBER, raised again unless ARCH is one of the block's
    failable_arches: then a warning, and what the state file records of it."""
    if arch not in (block.get("failable_arches") or []):
        raise exc
    warn(PROG, "%s (failable_arches: the compose goes on without image %d of %s.%s)" % (exc, number, v["uid"], arch))
    return {"image": number, "error": str(exc)}


def _make_image(topdir, conf, v, arch, p, iso_dir, work, jigdo_dir=None):

    uid = v["uid"]
    log_path = layout.log_file(PHASE, uid, arch)
    scratch = os.path.join(work, "image%d-disc" % p["number"])
    os.makedirs(scratch)
    content = dict(p["content"])
    if p["boot"] and p["boot"]["bios"]:  # the writer puts the boot info table into the file it is given
        copy = os.path.join(scratch, iso.BIOS_IMAGE)
        os.makedirs(os.path.dirname(copy))
        shutil.copyfile(content[iso.BIOS_IMAGE], copy)
        content[iso.BIOS_IMAGE] = copy
    if conf.get("createiso_break_hardlinks"):
        content = image_files.break_hardlinks(content, os.path.join(scratch, "copies"), {})
    tool = "xorriso" if conf.get("createiso_use_xorrisofs") else "genisoimage"
    name = p["name"]
    final = os.path.join(iso_dir, name)
    tmp = os.path.join(iso_dir, ".%s%s" % (name, TMP))
    log.info("writing %s: %d files, volume id %r, variants %s, %s", name, len(content), p["volid"],
             ", ".join([uid] + p["included"]), "bootable" if p["boot"] else "not bootable")
    runner = runroot.image_tools_runner(topdir, tool, arch, scratch, log_path, bool(p["boot"]), "extraiso-" + name)
    made = iso.make_image(tmp, content, p["volid"], scratch, p["boot"], image_files.iso_level(conf, uid, arch),
                          log_path, tool, runner, supported=request.supported(topdir), arch=arch)
    listing = iso.start_manifest(tmp, log_path)
    implant = made.md5 or iso.implanted_md5(tmp, log_path)
    volid = iso.read_volume_id(tmp)
    checksums = image_digests.new_image_checksums(
        topdir, tmp, os.path.relpath(os.path.join(layout.iso_dir(uid, arch), name), "compose"), implant,
        computed=bool(made.md5))
    manifest_tmp = os.path.join(iso_dir, ".%s.manifest%s" % (name, TMP))
    jsonio.write_text(manifest_tmp, "".join(line + "\n" for line in listing()))
    os.replace(manifest_tmp, final + ".manifest")
    made.flushed()
    os.replace(tmp, final)
    iso.fsync_dir(iso_dir)
    if jigdo_dir:
        jigdo.make_into(final, layout.at(topdir, layout.tree_dir(uid, arch)), jigdo_dir,
                        os.path.join(scratch, "jigdo"), log_path)
    st = os.stat(final)
    record = {
        "path": os.path.relpath(os.path.join(layout.iso_dir(uid, arch), name), "compose"),
        "mtime": int(st.st_mtime), "size": st.st_size, "volume_id": volid, "type": IMAGE_TYPE,
        "format": "iso", "arch": arch, "disc_number": 1, "disc_count": 1, "checksums": checksums,
        "implant_md5": implant, "bootable": bool(p["boot"]), "subvariant": uid,
    }
    named = include_variants(p["block"])
    if named:  # Pungi's record names the variants configured, whether or not the image holds them
        record.update(unified=True, additional_variants=named)
    _check_size(conf, v, arch, p["block"], record)
    return record


def _check_size(conf, v, arch, block, record):
    """Pungi's size check: the block's max_size, else the first createiso_max_size; over it a
    warning, an error with createiso_max_size_is_strict."""
    for message, strict in iso_size_problems(conf, v, arch, record["path"], record["size"], block.get("max_size")):
        if strict:  # Pungi's test phase checks sizes outside of what failable_arches covers
            raise NotFailable(message + " (createiso_max_size_is_strict)")
        warn(PROG, message)


def _check_space(directory, plans):
    """Fail early, with the numbers, when the file system cannot take the images."""
    need = 0
    for p in plans:
        sizes = (image_files.stat_of(path).st_size for path in p["content"].values())
        need += iso.OVERHEAD + sum(-(-size // iso.SECTOR) * iso.SECTOR for size in sizes)
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    if free < need:
        raise PunjiError("not enough free space for the extra ISOs in %s: they need at least %.1f MiB, %.1f MiB are "
                         "free" % (directory, need / 2.0 ** 20, free / 2.0 ** 20))


# -- records and leftovers -------------------------------------------------------------------


def _result(uid, arch, images, pending):
    return {"header": state.header("extraiso-result"), "variant": uid, "arch": arch, "images": images,
            "pending": pending}


def _forget(record_path):
    try:
        os.unlink(record_path)
    except FileNotFoundError:
        pass


def _previous_names(record_path):
    """The image names the last run recorded, or may have left (a killed run)."""
    try:
        data = jsonio.read_json(record_path)
    except (OSError, ValueError):
        return []
    return sorted({os.path.basename(i["path"]) for i in data.get("images") or []} | set(data.get("pending") or []))


def _images_intact(topdir, uid, arch, jigdo_dir=None):
    """Whether the images the last run recorded are still there, as they were written (with
    their jigdo files in JIGDO_DIR, when given)."""
    try:
        data = jsonio.read_json(layout.at(topdir, layout.extraiso_json(uid, arch)))
    except (OSError, ValueError):
        return False
    if data.get("pending"):
        return False
    images = data.get("images") or []
    return iso.images_intact(topdir, images) and \
        (not jigdo_dir or jigdo.intact(jigdo_dir, [os.path.basename(i["path"]) for i in images]))


def _remove_images(topdir, uid, arch, names, keep_dir=False):
    """Remove the extra images NAMES (and their manifests) of V.ARCH; never createiso's. The
    iso directory goes too when they leave it empty, unless KEEP_DIR: an is_empty variant's
    blocks made it (extraiso_content.plan), as Pungi does before it fails on them."""
    iso_dir = layout.at(topdir, layout.iso_dir(uid, arch))
    own = _createiso_names(topdir, uid, arch)
    jigdo_dir = jigdo.directory(topdir, uid, arch)
    for name in names:
        if name in own:
            continue
        for path in [os.path.join(iso_dir, name), os.path.join(iso_dir, name + ".manifest")] + \
                jigdo.files(jigdo_dir, name):
            if os.path.isfile(path):
                os.unlink(path)
                log.info("removed %s", path)
    _clear_leftovers(topdir, uid, arch)
    if keep_dir or not set(names) - own:
        return  # an empty iso directory createiso left (a tree without RPMs) stays, as in Pungi
    try:
        if os.path.isdir(iso_dir) and not os.path.islink(iso_dir) and not os.listdir(iso_dir):
            os.rmdir(iso_dir)
    except OSError:
        pass


def _clear_leftovers(topdir, uid, arch):
    """Remove what a killed run left in the iso and jigdo directories: files half written."""
    jigdo.clear_leftovers(jigdo.directory(topdir, uid, arch))
    iso_dir = layout.at(topdir, layout.iso_dir(uid, arch))
    if not os.path.isdir(iso_dir):
        return
    for name in os.listdir(iso_dir):
        if name.startswith(".") and name.endswith(TMP):
            os.unlink(os.path.join(iso_dir, name))


def _clean(path):
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)
