"""What goes on one extra ISO (extra_isos): the trees of the variant and the variants it
includes, extra files, a .treeinfo listing them all, its name and volume id.
punji_lib/phases/extraiso.py makes the images from these plans."""

import os

from ..compose import jsonio, layout, request
from ..config import variants
from ..errors import NotReady, PunjiError
from ..log import log, warn
from ..media import extra_files, image_files, naming
from . import iso, treeinfo

PROG = "punji-extraiso"


def _included(tree, v, arch, block):
    """(the variants whose content goes on V's image on ARCH: V, then 'include_variants' in
    order, those without a tree on ARCH left out; the variants the image's .treeinfo lists:
    V and every one named, as Pungi lists them whatever their arches)."""
    by_uid = variants.by_uid(tree)
    result, listed = [v], [v]
    for uid in include_variants(block):
        other = by_uid.get(uid)
        if other is None:
            raise PunjiError("option 'extra_isos' (%s): include_variants names %r, which is not a variant of this "
                             "compose (variants: %s)" % (v["uid"], uid, ", ".join(sorted(by_uid))))
        if other in listed:
            continue
        listed.append(other)
        if arch != "src" and arch not in other["arches"]:
            log.info("extraiso %s.%s: %s has no %s tree; nothing of it goes on the image", v["uid"], arch, uid, arch)
            continue
        result.append(other)
    return result, listed


def _make_package_dirs(topdir, tree, members, listed, arch):
    """Make the package directory on ARCH of every variant of the image (MEMBERS) and of every
    one it names without a tree there (LISTED), as Pungi's extra ISOs do: an is_empty member's
    (composeinfo then lists its trees), an empty compose/<uid>/<arch>/os/Packages for a named
    variant without ARCH. Left out: an addon without ARCH whose parent has a tree on ARCH, as
    that directory would be inside the parent's tree, which Pungi's createiso phase reads at
    the same time (a race) and punji's createiso would graft."""
    by_uid = variants.by_uid(tree)
    for v in listed:
        owner = by_uid.get(v["parent"], v) if v["type"] == "addon" else v
        if v in members or arch not in owner["arches"]:
            os.makedirs(layout.at(topdir, layout.packages_dir(v, arch)), exist_ok=True)


def include_variants(block):
    """The block's 'include_variants' as a list, as configured."""
    names = block["include_variants"]
    return [names] if isinstance(names, str) else list(names)


# -- naming --------------------------------------------------------------------------------


def image_name(conf, substs, v, arch, fmt):
    """FMT ('filename') filled with Pungi's keys and 'filename', the image_name_format name of
    disc 1; no FMT: that name."""

    base = naming.image_name(conf, substs, v, arch, 1)
    if not fmt:
        return base
    values = dict(substs, variant=v["uid"], arch=arch, disc_type=naming.disc_type(conf), disc_num=1,
                  suffix=".iso", filename=base)
    name = iso.format_value(fmt, values, "extra_isos")
    if not name or "/" in name or name.startswith("."):
        raise PunjiError("option 'extra_isos': filename %r gives %r, not a file name" % (fmt, name))
    return name


def volume_id(conf, substs, v, arch, formats):
    """The first of FORMATS ('volid', a string or a list) that fits, with key 'volid' the
    tree's own volume id; no FORMATS: that volume id."""

    own = naming.volume_id(conf, substs, v, arch)
    formats = [formats] if isinstance(formats, str) else list(formats or [])
    if not formats:
        return own
    values = dict(substs, variant=v["uid"], arch=arch, disc_type=naming.disc_type(conf), volid=own,
                  base_product_short=conf.get("base_product_short") or "",
                  base_product_version=conf.get("base_product_version") or "")
    return iso.volume_id(formats, values, conf.get("volume_id_substitutions"), conf.get("restricted_volid"),
                         option="extra_isos")


# -- planning ------------------------------------------------------------------------------


def _boot_files(topdir, uid, arch, top, method):
    """{ISO path: file} of the boot files of an extra image of tree UID.ARCH (at TOP): with
    buildinstall_method, all that lorax made for the tree but boot.iso, as Pungi takes them, the
    tree's images/efiboot.img in place of lorax's (the buildinstall phase may have changed it);
    else (or without lorax's output) the tree's isolinux/, images/ and EFI/."""
    made = layout.at(topdir, layout.buildinstall_dir(uid, arch))
    if method and os.path.isdir(made):
        files = image_files.of_tree(made)
        if iso.EFI_IMAGE in files and os.path.isfile(os.path.join(top, iso.EFI_IMAGE)):
            files[iso.EFI_IMAGE] = os.path.join(top, iso.EFI_IMAGE)
        return files
    found = {}
    for sub in image_files.BOOT_DIRS:
        for rel, path in image_files.of_tree(os.path.join(top, sub)).items():
            if sub + rel not in image_files.EXCLUDED:
                found[sub + rel] = path
    return found


def _boot_method(topdir):
    """buildinstall_method: an extra ISO is to be bootable when it is set, whatever the variant."""
    return jsonio.read_json(layout.at(topdir, layout.config_slice("buildinstall"))).get("buildinstall_method")


def plan(topdir, conf, tree, v, arch, number, block, scratch):
    """What one block's image is made of: {"name", "volid", "content": {ISO path: file},
    "boot", "included": [uid, ...], "block", "generated": [ISO paths of files made here]}.
    SCRATCH: a directory for the files made for this image (.treeinfo, .discinfo, media.repo,
    the fetched extra files)."""

    uid = v["uid"]
    substs = naming.substitutions(conf, topdir)
    try:
        name = image_name(conf, substs, v, arch, block.get("filename"))
        volid = volume_id(conf, substs, v, arch, block.get("volid"))
    except PunjiError as exc:
        raise PunjiError("%s.%s, image %d: %s" % (uid, arch, number, exc)) from None
    members, listed = _included(tree, v, arch, block)
    # Pungi 4.3.2 makes the iso directory once it has the name and volume id: an image failing
    # after that (failable_arches) leaves it, and composeinfo lists it (hand case xiso-twice-f)
    os.makedirs(layout.at(topdir, layout.iso_dir(uid, arch)), exist_ok=True)
    if v.get("is_empty"):
        # Pungi 4.3.2 fails reading the .treeinfo of the variant's tree, which it never writes,
        # after looking up the variants the block includes (a missing one fails first) and making
        # the directories it left (failable_arches: composeinfo then lists them)
        _make_package_dirs(topdir, tree, members, listed, arch)
        raise PunjiError("%s.%s, image %d: %s is is_empty and has no tree, so no .treeinfo for an extra ISO"
                         % (uid, arch, number, uid))
    _check_repodata(topdir, members, arch)
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    content, boot = {}, None
    if arch != "src":
        method = _boot_method(topdir)
        boot_files = _boot_files(topdir, uid, arch, top, method)
        chrp = iso.chrp_mode(conf, arch) if method else None
        boot = iso.boot_options(boot_files, arch, chrp)
        if boot:
            content.update(boot_files)
    _make_package_dirs(topdir, tree, members, listed, arch)
    if arch != "src" and method:
        # after the package directories: Pungi makes them, then its writer fails on the boot files
        iso.require_boot_files("%s.%s, image %d" % (uid, arch, number), method, arch, boot_files, chrp)
    for member in members:
        content.update(_member_content(topdir, member, arch, block.get("inherit_extra_files")))
    os.makedirs(scratch)
    generated = _media_files(topdir, conf, v, arch, scratch)
    generated.update(_fetch_extra_files(topdir, conf, v, arch, number, block, os.path.join(scratch, "extra")))
    content.update(generated)
    path = os.path.join(scratch, ".treeinfo")
    named = [variants.by_uid(tree)[name] for name in include_variants(block)]
    _write_treeinfo(topdir, conf, tree, v, arch, listed, content, path, named)
    content[".treeinfo"] = generated[".treeinfo"] = path
    content = {rel: p for rel, p in content.items()
               if "lost+found" not in rel.split("/") and os.path.basename(rel) != "boot.iso"}
    return {"name": name, "volid": volid, "content": content, "boot": boot, "block": block, "number": number,
            "included": [m["uid"] for m in members[1:]], "generated": sorted(generated)}


def _check_repodata(topdir, members, arch):
    """Fail with one line when a tree of MEMBERS on ARCH has no repodata yet (an is_empty
    variant gets none, nor a createrepo target)."""
    for member in members:
        if not member.get("is_empty") and \
                not os.path.isfile(layout.at(topdir, layout.state_file("createrepo", member["uid"], arch))):
            raise NotReady("no repodata in the %s.%s tree yet: run punji-createrepo --variant %s --arch %s first"
                             % (member["uid"], arch, member["uid"], arch))


def _member_content(topdir, member, arch, inherit_extra_files):
    """{ISO path: file} of variant MEMBER's tree on an extra ISO: <uid>/Packages, <uid>/repodata
    and, with INHERIT_EXTRA_FILES, its extra files."""
    content = {}
    repo = layout.at(topdir, layout.repo_dir(member, arch))
    # an addon's package directory is its repository's: Pungi 4.3.2 puts its repodata under
    # <uid>/Packages too (hand case xiso-otheraddon)
    for rel, path in image_files.of_tree(layout.at(topdir, layout.packages_dir(member, arch))).items():
        content["%s/Packages/%s" % (member["uid"], rel)] = path
    for rel, path in image_files.of_tree(os.path.join(repo, "repodata")).items():
        content["%s/repodata/%s" % (member["uid"], rel)] = path
    if inherit_extra_files:
        extra_top, configured = _extra_files_of(topdir, member["uid"], arch)
        for rel in configured:
            if os.path.isfile(os.path.join(extra_top, rel)):
                content["%s/%s" % (member["uid"], rel)] = os.path.join(extra_top, rel)
    return content


def _extra_files_of(topdir, uid, arch):
    """(tree, [files]): the extra files configured for UID.ARCH as punji-extrafiles put them into
    a tree (an addon's are in its parent's tree); not the tree's extra_files.json, which Pungi
    4.3.2 leaves off, taking the files from its work copy of the variant's extra files."""
    path = layout.at(topdir, layout.extrafiles_json(uid, arch))
    if not os.path.isfile(path):
        return "", []
    record = jsonio.read_json(path)
    return layout.at(topdir, record["tree"]), sorted(f["file"] for f in record.get("files") or [])


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
    # Pungi writes its extra images' media.repo with no media id: "None"
    jsonio.write_text(files["media.repo"], "[InstallMedia]\nname=%s\nmediaid=None\nmetadata_expire=-1\ngpgcheck=0\n"
                                           "cost=500\n" % lines[1])
    return files


def _timestamp(topdir, v, arch):
    """The build time createrepo recorded for tree V.ARCH (its newest package)."""
    facts = jsonio.read_json(layout.at(topdir, layout.state_file("createrepo", v["uid"], arch))).get("repos") or {}
    times = [r.get("build_time") or 0 for r in facts.values()]
    return max(times or [0])


def _fetch_extra_files(topdir, conf, v, arch, number, block, dest):
    """The block's extra_files fetched into DEST, and extra_files.json listing them:
    {ISO path: file}."""
    from ..config import scm

    entries = block.get("extra_files") or []
    entries = [entries] if isinstance(entries, dict) else list(entries)
    if not entries:
        return {}
    config_dir = request.scm_file_bases(topdir)
    files, made = {}, {}
    for index, entry in enumerate(entries, 1):
        what = "option 'extra_isos' (%s.%s, image %d, extra file %d)" % (v["uid"], arch, number, index)
        target = extra_files.target(entry.get("target"), what, "the image")
        entry = {k: x for k, x in entry.items() if k != "target"}
        if entry.get("scm") == "rpm" and extra_files.needs_pkgset(entry.get("repo")):
            # Pungi 4.3.2 looks names up in the package set for extra_files only: here it globs
            # 'repo' as paths (relative ones against the directory it runs in) and fails
            raise PunjiError("%s: scm 'rpm' repo %r: an extra ISO's rpm source is the path of RPM files "
                             "(Pungi 4.3.2 takes no package of the package set here); give an absolute path"
                             % (what, entry.get("repo")))
        where = os.path.join(dest, "entry-%d" % index)
        exported = scm.export(entry, where, what, config_dir, workdir=dest,
                              warn=lambda message: warn(PROG, message))
        extra_files.check_copied_over(entry, exported, target, made, index, what)
        for rel in exported:
            on_iso = "%s/%s" % (target, rel) if target else rel
            if on_iso in (".treeinfo", "extra_files.json"):
                raise PunjiError("%s: %s is made by punji-extraiso; put the file elsewhere (another 'target')"
                                 % (what, on_iso))
            files[on_iso] = os.path.join(where, rel)
    checksum_types = extra_files.checksum_types(topdir)
    listed = [dict(extra_files.describe(path, checksum_types), file=rel) for rel, path in sorted(files.items())]
    listing = os.path.join(dest, "extra_files.json")
    jsonio.write_text(listing, extra_files.tree_list(v["uid"], arch, listed))
    files["extra_files.json"] = listing
    return files


def _keep_what_the_image_holds(ti, content):
    """Drop from TreeInfo TI the images (and boot.iso) and checksums of files the image CONTENT
    does not hold at the same path, and the checksums of the repodata."""
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


def _add_members(ti, members, uid):
    """Add to TreeInfo TI the variants of MEMBERS it does not list, each at the top level with
    <uid> paths, as Pungi 4.3.2 adds them (an addon named beside its parent too: fuzz-compose
    --variants --failable --sources --multiarch --outputs seed 67029); one that would take the id
    of another, or whose id productmd refuses: one error line naming UID's block."""
    from productmd.treeinfo import Variant

    present = {var.uid for var in ti.variants.get_variants(recursive=True)}
    for member in members:
        if member["uid"] in present:
            continue
        var = Variant(ti)
        var.id, var.uid, var.name = member["id"], member["uid"], member["name"]
        var.type = "variant" if member["type"] == "layered-product" else member["type"]
        var.paths.repository = member["uid"]
        var.paths.packages = member["uid"] + "/Packages"
        if var.id in ti.variants.variants:
            raise PunjiError("option 'extra_isos' (%s): the image's .treeinfo cannot list %s: it has another variant "
                             "with id %s" % (uid, member["uid"], var.id))
        try:
            ti.variants.add(var)
        except ValueError as exc:  # productmd refuses the id (a dash in it), as it fails Pungi 4.3.2
            raise PunjiError("option 'extra_isos' (%s): the image's .treeinfo cannot list %s: %s"
                             % (uid, member["uid"], exc)) from None
        present.add(member["uid"])


def _check_pungi_can_list(ti, uid, named):
    """One error line where Pungi 4.3.2 fails listing NAMED (the block's include_variants, as
    written) in the tree's .treeinfo TI: it adds each at the top level, refusing an id that is
    there already (UID itself, a variant named twice, two of one id), and then cannot write a
    second section of an addon the tree lists (hand cases xiso-self, xiso-twice, xiso-addon)."""
    ids = set(ti.variants.variants)
    nested = {var.uid for var in ti.variants.get_variants(recursive=True)} - \
        {var.uid for var in ti.variants.variants.values()}
    for member in named:
        if member["id"] in ids:
            raise PunjiError("option 'extra_isos' (%s): include_variants names %s, whose id %s the image's .treeinfo "
                             "already lists (Pungi 4.3.2 fails: Variant ID already exists)"
                             % (uid, member["uid"], member["id"]))
        if member["uid"] in nested:
            raise PunjiError("option 'extra_isos' (%s): include_variants names %s, an addon the tree's .treeinfo "
                             "already lists (Pungi 4.3.2 fails: section 'addon-%s' already exists)"
                             % (uid, member["uid"], member["uid"]))
        ids.add(member["id"])


def _write_treeinfo(topdir, conf, tree, v, arch, members, content, target, named=()):
    """The image's .treeinfo, as Pungi tweaks the tree's (a source tree's made here): disc 1
    of 1, the tree's variants (its addons too, their paths kept) and the MEMBERS named by the
    block, the top-level ones with <uid> paths; images and checksums only of files the image
    holds at the same path. NAMED: include_variants as written, checked as Pungi lists them."""
    uid = v["uid"]
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    source = os.path.join(top, ".treeinfo")
    if os.path.isfile(source):
        ti = treeinfo.load(source)
    else:
        ti = treeinfo.treeinfo(conf, v, tree, arch, _timestamp(topdir, v, arch), top)
    ti.media.discnum, ti.media.totaldiscs = 1, 1
    _check_pungi_can_list(ti, uid, named)
    _keep_what_the_image_holds(ti, content)
    _add_members(ti, members, uid)
    for var in ti.variants.variants.values():  # Pungi points the top-level ones at their directory
        var.paths.repository = var.uid
        var.paths.packages = var.uid + "/Packages"
    try:
        text = treeinfo.dumps(ti, None)  # [general] names the first variant by id, as on Pungi's images
    except Exception as exc:
        raise PunjiError("%s.%s: cannot make the extra ISO's .treeinfo: %s" % (uid, arch, exc))
    jsonio.write_text(target, text)
