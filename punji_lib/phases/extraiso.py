"""ISOs holding several variants (Pungi's extra_isos), one variant.arch at a time.

extra_isos maps variant uid regexes to blocks ({regex: [block, ...]} or one bare
block); every block matching a variant of type 'variant' (Pungi makes extra ISOs of
no other type) gives it one image on each of its arches (only those in the
block's 'arches', when given) and one of its source tree unless 'skip_src'.

An image holds, as Pungi lays it out, for the variant and then every variant of
'include_variants' that has a tree on that arch: <uid>/Packages and
<uid>/repodata copied from the tree (each directory a repository of its own),
with 'inherit_extra_files' also the files punji-extrafiles put into the tree
(<uid>/<file>); at the top a .treeinfo (the variant tree's, every variant of the
image listed with its <uid> paths, [media] disc 1 of 1), the tree's .discinfo, a
media.repo, and the block's 'extra_files' (scm dicts fetched with punji_lib.scm;
'target' a subdirectory) with an extra_files.json listing them; extra files win
over everything but the .treeinfo. The tree's isolinux/, images/ (not boot.iso)
and EFI/ come too, and make the image bootable, when the tree has boot files.

The name is 'filename' (Pungi's format keys, plus 'filename': the name
image_name_format gives disc 1 of the tree), by default that image_name_format
name, which must then differ from punji-createiso's image of the tree; the volume
id the first of 'volid' that fits in 32 characters (plus key 'volid': the tree's
own volume id), by default the tree's own. Writer, iso_level,
createiso_break_hardlinks, implantisomd5 and the .manifest are createiso's. The
images go into compose/<variant>/<arch>/iso (compose/<variant>/source/iso) beside
createiso's, written under a temporary name and renamed; their records (productmd
image fields, type dvd, unified with additional_variants) go to
work/<arch>/extraiso/<variant>.json, which punji-createiso --assemble adds to
images.json. An image bigger than the smallest of 'max_size' and
createiso_max_size is a warning, an error with createiso_max_size_is_strict.

A block's image that fails on an arch of its 'failable_arches' is a warning; the
other blocks' images are still made. A rerun with the same options, trees and
extra files keeps the images.
"""

import hashlib
import os
import re
import shutil

from .. import iso, jsonio, layout, state, treeinfo, variants
from ..cli import log, warn
from ..errors import PunjiError

PROG = "punji-extraiso"
PHASE = "extraiso"
IMAGE_TYPE = "dvd"
TMP = ".extraiso-tmp"


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createiso")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.by_uid(tree).get(variant)
    if v is None or (arch != "src" and arch not in v["arches"]):
        raise PunjiError("variant %s has no arch %s in this compose" % (variant, arch))
    record_path = layout.at(topdir, layout.extraiso_json(variant, arch))
    work = layout.at(topdir, layout.extraiso_work_dir(variant, arch))
    blocks, reason = applicable_blocks(conf, v, arch)
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
        plans, failed = [], []
        for number, block in enumerate(blocks, 1):
            try:
                plans.append(plan(topdir, conf, tree, v, arch, number, block, os.path.join(work, "image%d" % number)))
            except PunjiError as exc:
                failed.append(_failable(v, arch, number, block, exc))
        _check_names(topdir, v, arch, plans)
        inputs = _inputs(topdir, conf, v, arch, plans)
        if state.same_inputs(topdir, PHASE, variant, arch, inputs) and _images_intact(topdir, variant, arch):
            log.info("extraiso %s.%s: the same trees, extra files and options as the last run; nothing to do",
                     variant, arch)
            _clear_leftovers(topdir, variant, arch)
            state.keep(topdir, PHASE, variant, arch)
            return
        records = make_images(topdir, conf, v, arch, plans, work, old_names, failed)
    except BaseException:
        # a failed run leaves no extra images of this variant.arch (failable_deliverables may let it fail)
        _remove_images(topdir, variant, arch, old_names)
        _forget(record_path)
        raise
    finally:
        _clean(work)
    state.write(topdir, PHASE, variant, arch, images=[os.path.basename(r["path"]) for r in records],
                failed_images=failed, skipped=None, result=layout.extraiso_json(variant, arch),
                inputs=None if failed else inputs)


# -- which images ------------------------------------------------------------------------


def blocks_for(conf, uid):
    """The extra_isos blocks of variant UID, in config order (Pungi's get_variant_data)."""
    found = []
    for pattern, blocks in (conf.get("extra_isos") or {}).items():
        if re.match(pattern, uid):
            found.extend(blocks if isinstance(blocks, list) else [blocks])
    return found


def applicable_blocks(conf, v, arch):
    """([block, ...], None) of the images V gets on ARCH, or ([], why not)."""
    blocks = blocks_for(conf, v["uid"])
    if not blocks:
        return [], "no extra_isos block matches %s" % v["uid"]
    if v["type"] != "variant":
        return [], "%s (Pungi makes extra ISOs of variants only)" % v["type"]
    if arch == "src":
        chosen = [b for b in blocks if not b.get("skip_src")]
        return chosen, None if chosen else "skip_src"
    chosen = [b for b in blocks if not b.get("arches") or arch in b["arches"]]
    return chosen, None if chosen else "%s is not in the blocks' arches" % arch


def _included(tree, v, arch, block):
    """The variants whose content goes on V's image on ARCH: V, then 'include_variants' in
    order (those without a tree on ARCH left out)."""
    by_uid = variants.by_uid(tree)
    names = block["include_variants"]
    names = [names] if isinstance(names, str) else list(names)
    result = [v]
    for uid in names:
        other = by_uid.get(uid)
        if other is None:
            raise PunjiError("option 'extra_isos' (%s): include_variants names %r, which is not a variant of this "
                             "compose (variants: %s)" % (v["uid"], uid, ", ".join(sorted(by_uid))))
        if other in result:
            continue
        if arch != "src" and arch not in other["arches"]:
            log.info("extraiso %s.%s: %s has no %s tree; nothing of it goes on the image", v["uid"], arch, uid, arch)
            continue
        result.append(other)
    return result


# -- naming --------------------------------------------------------------------------------


def image_name(conf, substs, v, arch, fmt):
    """FMT ('filename') filled with Pungi's keys and 'filename', the image_name_format name of
    disc 1; no FMT: that name."""
    from . import createiso

    base = createiso.image_name(conf, substs, v, arch, 1)
    if not fmt:
        return base
    values = dict(substs, variant=v["uid"], arch=arch, disc_type=createiso.disc_type(conf), disc_num=1,
                  suffix=".iso", filename=base)
    name = iso.format_value(fmt, values, "extra_isos")
    if not name or "/" in name or name.startswith("."):
        raise PunjiError("option 'extra_isos': filename %r gives %r, not a file name" % (fmt, name))
    return name


def volume_id(conf, substs, v, arch, formats):
    """The first of FORMATS ('volid', a string or a list) that fits, with key 'volid' the
    tree's own volume id; no FORMATS: that volume id."""
    from . import createiso

    own = createiso.volume_id(conf, substs, v, arch)
    formats = [formats] if isinstance(formats, str) else list(formats or [])
    if not formats:
        return own
    values = dict(substs, variant=v["uid"], arch=arch, disc_type=createiso.disc_type(conf), volid=own,
                  base_product_short=conf.get("base_product_short") or "",
                  base_product_version=conf.get("base_product_version") or "")
    return iso.volume_id(formats, values, conf.get("volume_id_substitutions"), conf.get("restricted_volid"),
                         option="extra_isos")


# -- planning ------------------------------------------------------------------------------


def plan(topdir, conf, tree, v, arch, number, block, scratch):
    """What one block's image is made of: {"name", "volid", "content": {ISO path: file},
    "boot", "included": [uid, ...], "block", "generated": [ISO paths of files made here]}.
    SCRATCH: a directory for the files made for this image (.treeinfo, .discinfo, media.repo,
    the fetched extra files)."""
    from . import createiso

    uid = v["uid"]
    substs = createiso.substitutions(conf, topdir)
    try:
        name = image_name(conf, substs, v, arch, block.get("filename"))
        volid = volume_id(conf, substs, v, arch, block.get("volid"))
    except PunjiError as exc:
        raise PunjiError("%s.%s, image %d: %s" % (uid, arch, number, exc)) from None
    members = _included(tree, v, arch, block)
    for member in members:
        if not os.path.isfile(layout.at(topdir, layout.state_file("createrepo", member["uid"], arch))):
            raise PunjiError("no repodata in the %s.%s tree yet: run punji-createrepo --variant %s --arch %s first"
                             % (member["uid"], arch, member["uid"], arch))
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    content, boot = {}, None
    if arch != "src":
        boot_files = {}
        for sub in createiso.BOOT_DIRS:
            for rel, path in createiso.tree_files(os.path.join(top, sub)).items():
                if sub + rel not in createiso.EXCLUDED:
                    boot_files[sub + rel] = path
        boot = iso.boot_options(boot_files, arch)
        if boot:
            content.update(boot_files)
    for member in members:
        member_top = layout.at(topdir, layout.tree_dir(member["uid"], arch))
        for sub in ("Packages", "repodata"):
            for rel, path in createiso.tree_files(os.path.join(member_top, sub)).items():
                content["%s/%s/%s" % (member["uid"], sub, rel)] = path
        if block.get("inherit_extra_files"):
            for rel in _extra_files_of(topdir, member["uid"], arch):
                if os.path.isfile(os.path.join(member_top, rel)):
                    content["%s/%s" % (member["uid"], rel)] = os.path.join(member_top, rel)
    os.makedirs(scratch)
    generated = _media_files(topdir, conf, v, arch, scratch)
    generated.update(_fetch_extra_files(topdir, conf, v, arch, number, block, os.path.join(scratch, "extra")))
    content.update(generated)
    path = os.path.join(scratch, ".treeinfo")
    _write_treeinfo(topdir, conf, tree, v, arch, members, content, path)
    content[".treeinfo"] = generated[".treeinfo"] = path
    content = {rel: p for rel, p in content.items()
               if "lost+found" not in rel.split("/") and os.path.basename(rel) != "boot.iso"}
    return {"name": name, "volid": volid, "content": content, "boot": boot, "block": block, "number": number,
            "included": [m["uid"] for m in members[1:]], "generated": sorted(generated)}


def _extra_files_of(topdir, uid, arch):
    """The files punji-extrafiles put into tree UID.ARCH (its extra_files.json too)."""
    path = layout.at(topdir, layout.extrafiles_json(uid, arch))
    if not os.path.isfile(path):
        return []
    return sorted(jsonio.read_json(path).get("placed") or [])


def _media_files(topdir, conf, v, arch, scratch):
    """The image's .discinfo (the tree's; for a source tree, made as createrepo makes one)
    and media.repo: {ISO path: file in SCRATCH}."""
    source = os.path.join(layout.at(topdir, layout.tree_dir(v["uid"], arch)), ".discinfo")
    if os.path.isfile(source):
        with open(source, encoding="utf-8") as f:
            text = f.read()
    else:
        text = treeinfo.discinfo_text(conf, v, arch, _timestamp(topdir, v, arch))
    lines = text.splitlines() + ["", ""]
    files = {".discinfo": os.path.join(scratch, ".discinfo"), "media.repo": os.path.join(scratch, "media.repo")}
    jsonio.write_text(files[".discinfo"], text)
    jsonio.write_text(files["media.repo"], "[InstallMedia]\nname=%s\nmediaid=%s\nmetadata_expire=-1\ngpgcheck=0\n"
                                           "cost=500\n" % (lines[1], lines[0]))
    return files


def _timestamp(topdir, v, arch):
    """The build time createrepo recorded for tree V.ARCH (its newest package)."""
    facts = jsonio.read_json(layout.at(topdir, layout.state_file("createrepo", v["uid"], arch))).get("repos") or {}
    times = [r.get("build_time") or 0 for r in facts.values()]
    return max(times or [0])


def _fetch_extra_files(topdir, conf, v, arch, number, block, dest):
    """The block's extra_files fetched into DEST, and extra_files.json listing them:
    {ISO path: file}."""
    from .. import scm
    from . import extrafiles, init

    entries = block.get("extra_files") or []
    entries = [entries] if isinstance(entries, dict) else list(entries)
    if not entries:
        return {}
    config_dir = os.path.dirname(init.request(topdir)["config"])
    packages = None
    files = {}
    for index, entry in enumerate(entries, 1):
        what = "option 'extra_isos' (%s.%s, image %d, extra file %d)" % (v["uid"], arch, number, index)
        target = extrafiles._target(entry.get("target"), what, "the image")
        entry = {k: x for k, x in entry.items() if k != "target"}
        if entry.get("scm") == "rpm" and packages is None and extrafiles._needs_pkgset(entry.get("repo")):
            # rpm sources name binary packages: a source image takes them from the variant's first arch
            packages = extrafiles._package_set(topdir, sorted(v["arches"])[0] if arch == "src" else arch, what)
        where = os.path.join(dest, "entry-%d" % index)
        for rel in scm.export(entry, where, what, config_dir, packages=packages, workdir=dest,
                              warn=lambda message: warn(PROG, message)):
            on_iso = "%s/%s" % (target, rel) if target else rel
            if on_iso in (".treeinfo", "extra_files.json"):
                raise PunjiError("%s: %s is made by punji-extraiso; put the file elsewhere (another 'target')"
                                 % (what, on_iso))
            files[on_iso] = os.path.join(where, rel)
    checksum_types = extrafiles._checksum_types(topdir)
    listed = [dict(extrafiles._describe(path, checksum_types), file=rel) for rel, path in sorted(files.items())]
    listing = os.path.join(dest, "extra_files.json")
    jsonio.write_text(listing, extrafiles._tree_list(v["uid"], arch, listed))
    files["extra_files.json"] = listing
    return files


def _write_treeinfo(topdir, conf, tree, v, arch, members, content, target):
    """The image's .treeinfo: the tree's (a source tree's made here), disc 1 of 1, its
    variants and those MEMBERS put on the image with <uid> paths, others dropped; images and
    checksums only of files the image holds at the same path."""
    from productmd.treeinfo import TreeInfo, Variant

    uid = v["uid"]
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    source = os.path.join(top, ".treeinfo")
    if os.path.isfile(source):
        ti = TreeInfo()
        try:
            ti.load(source)
        except Exception as exc:
            raise PunjiError("%s: cannot read it: %s" % (source, exc))
    else:
        ti = treeinfo.treeinfo(conf, v, tree, arch, _timestamp(topdir, v, arch), top)
    ti.media.discnum, ti.media.totaldiscs = 1, 1
    for platform in list(ti.images.images):
        images = ti.images.images[platform]
        for kind, path in list(images.items()):
            if path not in content or kind == "boot.iso":
                del images[kind]
        if not images:
            del ti.images.images[platform]
    if ti.stage2.mainimage and ti.stage2.mainimage not in content:
        ti.stage2.mainimage = None
    for path in list(ti.checksums.checksums):
        if path not in content or path.startswith("repodata/"):
            del ti.checksums.checksums[path]
    wanted = {m["uid"]: m for m in members}
    present = {}

    def keep(container):
        for key, var in list(container.items()):
            if var.uid not in wanted:
                del container[key]
                continue
            var.paths.repository = var.uid
            var.paths.packages = var.uid + "/Packages"
            present[var.uid] = var
            keep(var.variants)

    keep(ti.variants.variants)
    for member in members:
        if member["uid"] in present:
            continue
        var = Variant(ti)
        var.id, var.uid, var.name = member["id"], member["uid"], member["name"]
        var.type = "variant" if member["type"] == "layered-product" else member["type"]
        var.paths.repository = member["uid"]
        var.paths.packages = member["uid"] + "/Packages"
        parent = present.get(member.get("parent"))
        container = parent.variants if parent is not None and member["type"] == "addon" else ti.variants.variants
        if var.id in container:
            raise PunjiError("option 'extra_isos' (%s): the image's .treeinfo cannot list %s: it has another variant "
                             "with id %s" % (uid, member["uid"], var.id))
        if parent is not None and member["type"] == "addon":
            parent.add(var)
        else:
            ti.variants.add(var)
        present[member["uid"]] = var
    main = v["id"] if v["id"] in ti.variants.variants else next(iter(sorted(ti.variants.variants)), None)
    try:
        text = treeinfo.dumps(ti, main)
    except Exception as exc:
        raise PunjiError("%s.%s: cannot make the extra ISO's .treeinfo: %s" % (uid, arch, exc))
    jsonio.write_text(target, text)


def _check_names(topdir, v, arch, plans):
    """Each image gets a name of its own, none of createiso's of the tree."""
    seen = {}
    own = _createiso_names(topdir, v["uid"], arch)
    for p in plans:
        if p["name"] in own:
            raise PunjiError("option 'extra_isos' (%s.%s, image %d): %s is the name of punji-createiso's image of "
                             "the tree; give the block a 'filename'" % (v["uid"], arch, p["number"], p["name"]))
        if p["name"] in seen:
            raise PunjiError("option 'extra_isos' (%s.%s): images %d and %d get the same name %s; give them "
                             "different 'filename's" % (v["uid"], arch, seen[p["name"]], p["number"], p["name"]))
        seen[p["name"]] = p["number"]


def _createiso_names(topdir, uid, arch):
    path = layout.at(topdir, layout.createiso_json(uid, arch))
    try:
        return {os.path.basename(i["path"]) for i in jsonio.read_json(path)["images"]}
    except (OSError, ValueError, KeyError):
        return set()


def _inputs(topdir, conf, v, arch, plans):
    """The fingerprint of the images: options, compose identity, names, volume ids, and every
    file by size and modification time (the files made for the images by content)."""
    from . import init

    req = {k: x for k, x in init.request(topdir).items() if k != "header"}
    images = []
    for p in plans:
        generated = set(p["generated"])
        files = []
        for rel in sorted(p["content"]):
            path = p["content"][rel]
            if rel in generated:
                files.append([rel, _sha256(path)])
            else:
                st = _stat(path)
                files.append([rel, st.st_size, st.st_mtime_ns])
        images.append([p["name"], p["volid"], p["boot"], p["included"], files])
    return state.digest(conf, v, arch, req, images)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stat(path):
    try:
        return os.stat(path)
    except OSError as exc:
        raise PunjiError("cannot read %s: %s" % (path, exc.strerror))


# -- making --------------------------------------------------------------------------------


def make_images(topdir, conf, v, arch, plans, work, old_names, failed):
    """Write the image of every plan into the tree's iso directory; returns their records.
    An image that fails on an arch of its block's failable_arches is added to FAILED. Until
    all are done, the record file names every image this run may leave."""
    uid = v["uid"]
    record_path = layout.at(topdir, layout.extraiso_json(uid, arch))
    names = [p["name"] for p in plans]
    jsonio.write_json(record_path, _result(uid, arch, [], sorted(set(old_names) | set(names))))
    _remove_images(topdir, uid, arch, old_names)
    iso_dir = layout.at(topdir, layout.iso_dir(uid, arch))
    os.makedirs(iso_dir, exist_ok=True)
    _clear_leftovers(topdir, uid, arch)
    _check_space(iso_dir, plans)
    records = []
    try:
        for p in plans:
            try:
                records.append(_make_image(topdir, conf, v, arch, p, iso_dir, work))
            except PunjiError as exc:
                failed.append(_failable(v, arch, p["number"], p["block"], exc))
                _remove_images(topdir, uid, arch, [p["name"]])
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


def _make_image(topdir, conf, v, arch, p, iso_dir, work):
    from . import createiso

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
        content = createiso._break_hardlinks(content, os.path.join(scratch, "copies"), {})
    tool = "xorriso" if conf.get("createiso_use_xorrisofs") else "genisoimage"
    name = p["name"]
    final = os.path.join(iso_dir, name)
    tmp = os.path.join(iso_dir, ".%s%s" % (name, TMP))
    log.info("writing %s: %d files, volume id %r, variants %s, %s", name, len(content), p["volid"],
             ", ".join([uid] + p["included"]), "bootable" if p["boot"] else "not bootable")
    iso.make_image(tmp, content, p["volid"], scratch, p["boot"], createiso._iso_level(conf, uid, arch), log_path,
                   tool)
    listing = iso.manifest(tmp, log_path)
    implant = iso.implanted_md5(tmp, log_path)
    volid = iso.read_volume_id(tmp)
    manifest_tmp = os.path.join(iso_dir, ".%s.manifest%s" % (name, TMP))
    jsonio.write_text(manifest_tmp, "".join(line + "\n" for line in listing))
    os.replace(manifest_tmp, final + ".manifest")
    os.replace(tmp, final)
    iso.fsync_dir(iso_dir)
    st = os.stat(final)
    record = {
        "path": os.path.relpath(os.path.join(layout.iso_dir(uid, arch), name), "compose"),
        "mtime": int(st.st_mtime), "size": st.st_size, "volume_id": volid, "type": IMAGE_TYPE,
        "format": "iso", "arch": arch, "disc_number": 1, "disc_count": 1, "checksums": {},
        "implant_md5": implant, "bootable": bool(p["boot"]), "subvariant": uid,
    }
    if p["included"]:
        record.update(unified=True, additional_variants=list(p["included"]))
    _check_size(conf, uid, arch, p["block"], record)
    return record


def _check_size(conf, uid, arch, block, record):
    """Pungi's size check: the smallest of the block's max_size and createiso_max_size; over
    it a warning, an error with createiso_max_size_is_strict."""
    from . import createiso

    limits = list(createiso.va(conf.get("createiso_max_size"), uid, arch))
    if block.get("max_size"):
        limits.append(block["max_size"])
    if not limits or record["size"] <= min(limits):
        return
    message = "ISO %s is too big. Expected max %dB, got %dB" % (record["path"], min(limits), record["size"])
    if any(createiso.va(conf.get("createiso_max_size_is_strict"), uid, arch)):
        raise PunjiError(message + " (createiso_max_size_is_strict)")
    warn(PROG, message)


def _check_space(directory, plans):
    """Fail early, with the numbers, when the file system cannot take the images."""
    need = 0
    for p in plans:
        need += iso.OVERHEAD + sum(-(-_stat(path).st_size // iso.SECTOR) * iso.SECTOR for path in p["content"].values())
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


def _images_intact(topdir, uid, arch):
    """Whether the images the last run recorded are still there, as they were written."""
    try:
        data = jsonio.read_json(layout.at(topdir, layout.extraiso_json(uid, arch)))
    except (OSError, ValueError):
        return False
    if data.get("pending"):
        return False
    return iso.images_intact(topdir, data.get("images") or [])


def _remove_images(topdir, uid, arch, names):
    """Remove the extra images NAMES (and their manifests) of V.ARCH; never createiso's."""
    iso_dir = layout.at(topdir, layout.iso_dir(uid, arch))
    own = _createiso_names(topdir, uid, arch)
    for name in names:
        if name in own:
            continue
        for path in (os.path.join(iso_dir, name), os.path.join(iso_dir, name + ".manifest")):
            if os.path.isfile(path):
                os.unlink(path)
                log.info("removed %s", path)
    _clear_leftovers(topdir, uid, arch)
    try:
        if os.path.isdir(iso_dir) and not os.path.islink(iso_dir) and not os.listdir(iso_dir):
            os.rmdir(iso_dir)
    except OSError:
        pass


def _clear_leftovers(topdir, uid, arch):
    """Remove what a killed run left in the iso directory: images and manifests half written."""
    iso_dir = layout.at(topdir, layout.iso_dir(uid, arch))
    if not os.path.isdir(iso_dir):
        return
    for name in os.listdir(iso_dir):
        if name.startswith(".") and name.endswith(TMP):
            os.unlink(os.path.join(iso_dir, name))


def _clean(path):
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)
