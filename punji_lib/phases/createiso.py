"""The ISO images of one tree (Pungi's createiso phase), and images.json.

Which trees get images, as in Pungi: variants of type variant and
layered-product (optional ones with create_optional_isos; addons and empty
variants never), on each arch and on
'src' (the source tree), unless createiso_skip says so ('*' does not cover
'src'), and only when the tree holds RPMs. Every tree but an addon's, an empty
variant's or one createiso_skip names gets its volume id made first, an
optional variant's without create_optional_isos too (none fitting fails it).
A tree that gets none for want of RPMs (or of a bootable buildinstall) keeps
an empty iso directory, as Pungi's has (composeinfo.json then lists it).

An image holds everything in the tree but images/boot.iso. A tree is split
as Pungi's media splitter does it: its files but repodata/ in the order the
file system lists them (the ones outside Packages/ first), each in whole
2048-byte sectors, fill a disc of iso_size less split_iso_reserve and then the
next; the extra files and media.repo are on every disc, and each disc gets its
own repodata over its own packages (createrepo_c with sqlite databases and no
group file, as Pungi's discs have) listed in its .treeinfo. Every disc carries
.treeinfo and .discinfo with its disc number. A tree whose images boot (a
'variant' with isolinux/isolinux.bin or images/efiboot.img: El Torito BIOS and
EFI entries, hybrid MBR and GPT) is never split: one disc, with Pungi's warning
when it is bigger than a disc.

Names come from image_name_format (disc type from disc_types["dvd"]), volume
ids from image_volid_formats (layered products: image_volid_layered_product_formats
first) with volume_id_substitutions and restricted_volid. genisoimage (xorriso
with createiso_use_xorrisofs) writes each image into a directory built aside,
isohybrid adds the hybrid MBR of a bootable one, implantisomd5 implants its MD5,
a .manifest lists its files; the directory replaces compose/<variant>/<arch>/iso
(or <symlink_isos_to>/<compose id>/..., symlinked from there) only when every
image is done. With create_jigdo, jigdo-file makes each image's .jigdo and .template
(media.jigdo) into a directory built aside that replaces compose/<variant>/<arch>/jigdo
then. The records (productmd image fields, checksums left to
punji-imagechecksum) go to work/<arch>/createiso/<variant>.json;
run_assemble() writes compose/metadata/images.json from all of them.

With runroot_method koji or openssh for createiso, the image tools (the writer,
isohybrid, implantisomd5) run there as one script, as Pungi runs them: a Koji
runroot task on the tree's arch for a bootable image, else on x86_64 when the
runroot tag has it (any builder can write an image that does not boot).
"""

import os
import shutil

from ..compose import dirs, jsonio, layout, notify, request, state
from ..config import variants
from ..config.lookup import createiso_passed_reason, createiso_skip_reason, iso_size_problems, va_data
from ..errors import NotFailable, PunjiError
from ..koji import runroot
from ..log import log, warn
from ..media import boot_iso, image_digests, image_files, iso, iso_reuse, iso_split, jigdo, naming

PROG = "punji-createiso"
PHASE = "createiso"
IMAGE_TYPE = "dvd"
PER_DISC = (".treeinfo", ".discinfo")


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.by_uid(tree).get(variant)
    if v is None or (arch != "src" and arch not in v["arches"]):
        raise PunjiError("variant %s has no arch %s in this compose" % (variant, arch))
    reason = skipped = createiso_skip_reason(conf, v, arch)
    files, stats = {}, {}
    if not createiso_passed_reason(conf, v, arch):
        # Pungi 4.3.2 makes the tree's volume id before it looks into the tree or at
        # create_optional_isos: none fitting fails a tree without RPMs (fuzz-compose --repos
        # --outputs --comps seed 15203) and an optional variant's tree that gets no ISO too,
        # in its phase's run, so the compose too, whatever failable_deliverables says
        try:
            naming.volume_id(conf, naming.substitutions(conf, topdir), v, arch)
        except PunjiError as exc:
            raise NotFailable(exc.message, exc.hint) from None
    method = _to_be_bootable(topdir, v, arch)
    if not reason:
        if not os.path.isfile(layout.at(topdir, layout.state_file("createrepo", variant, arch))):
            raise PunjiError("no repodata in the %s.%s tree yet: run punji-createrepo --variant %s --arch %s first"
                             % (variant, arch, variant, arch))
        files = image_files.of_tree(layout.at(topdir, layout.tree_dir(variant, arch)), stats)
        if not any(rel.endswith(".rpm") for rel in files):
            reason = "no RPMs in %s" % layout.tree_dir(variant, arch)
            warn(PROG, "No RPMs found for %s.%s, skipping ISO" % (variant, arch))
        elif _buildinstall_failed(topdir, variant, arch):  # a failable buildinstall: Pungi makes no ISO
            reason = "buildinstall failed"
            warn(PROG, "ISO should be bootable, but buildinstall failed. Skipping for %s.%s" % (variant, arch))
        else:
            _check_boot_files(conf, v, arch, files, method)
    if reason:
        log.info("createiso %s.%s: no images (%s)", variant, arch, reason)
        _remove_images(topdir, conf, v, arch)
        if not skipped:
            # Pungi makes a tree's iso directory before it looks into the tree: it stays, empty
            _make_empty_iso_dir(topdir, conf, variant, arch)
        boot_iso.carry(topdir, variant, arch, layout.at(topdir, layout.iso_dir(variant, arch)))
        return _finish(topdir, v, arch, [], None, skipped=reason)
    stats = {rel: stats.get(rel) or image_files.stat_of(path) for rel, path in files.items()}
    chrp = iso.chrp_mode(conf, arch) if method else None  # how a ppc image is to boot
    inputs = _inputs(topdir, conf, v, stats, chrp)
    if state.same_inputs(topdir, PHASE, variant, arch, inputs) and _images_intact(topdir, conf, v, arch):
        log.info("createiso %s.%s: the same tree and options as the last run; nothing to do", variant, arch)
        _clear_leftovers(topdir, conf, variant, arch)
        state.keep(topdir, PHASE, variant, arch)
        return
    _forget(topdir, variant, arch)
    reuse_key = iso_reuse.key(topdir, conf, v, arch, files, stats, chrp)
    images = iso_reuse.take_over(topdir, conf, v, arch, reuse_key, _real_iso_dir(topdir, conf, variant, arch))
    if images is not None:
        return _finish(topdir, v, arch, images, inputs, reuse_key=reuse_key)
    try:
        images = make_images(topdir, conf, v, arch, files, {rel: st.st_size for rel, st in stats.items()}, chrp)
    except BaseException:
        # a failed run leaves no images of this tree (failable_deliverables may let it fail) but
        # the boot.iso buildinstall linked there
        _remove_images(topdir, conf, v, arch)
        boot_iso.carry(topdir, variant, arch, layout.at(topdir, layout.iso_dir(variant, arch)))
        raise
    return _finish(topdir, v, arch, images, inputs, reuse_key=reuse_key)


def _finish(topdir, v, arch, images, inputs, skipped=None, reuse_key=None):
    record = {"header": state.header("createiso-result"), "variant": v["uid"], "arch": arch,
              "images": images, "skipped": skipped}
    jsonio.write_json(layout.at(topdir, layout.createiso_json(v["uid"], arch)), record)
    state.write(topdir, PHASE, v["uid"], arch, images=[os.path.basename(i["path"]) for i in images],
                skipped=skipped, bootable=any(i["bootable"] for i in images),
                result=layout.createiso_json(v["uid"], arch), inputs=inputs, reuse_key=reuse_key)


def _inputs(topdir, conf, v, stats, chrp):
    """The fingerprint of what the images of a tree are made from: the options, the compose's
    identity (names, volume ids), every file of the tree (STATS: path -> os.stat) by size
    and modification time, and how a ppc image boots (CHRP)."""

    files = [[rel, stats[rel].st_size, stats[rel].st_mtime_ns] for rel in sorted(stats)]
    cr_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo")))
    req = {k: x for k, x in request.read(topdir).items() if k != "header"}
    return state.digest(conf, cr_conf, v, req, files, *([chrp] if chrp else []))


def _images_intact(topdir, conf, v, arch):
    """Whether the images the last run recorded are still there, as they were written, with
    their jigdo files when create_jigdo asks for them."""
    try:
        images = jsonio.read_json(layout.at(topdir, layout.createiso_json(v["uid"], arch)))["images"]
    except (OSError, ValueError, KeyError):
        return False
    names = [os.path.basename(image["path"]) for image in images]
    return iso.images_intact(topdir, images) and \
        (not jigdo.wanted(conf, v) or jigdo.intact(jigdo.directory(topdir, v["uid"], arch), names))


def _clear_leftovers(topdir, conf, uid, arch):
    """Remove what a killed run left: its scratch directory, images half written aside."""
    _clean(layout.at(topdir, layout.createiso_work_dir(uid, arch)))
    dirs.clear_aside(jigdo.directory(topdir, uid, arch))
    real_dir = _real_iso_dir(topdir, conf, uid, arch)
    parent, prefix = os.path.dirname(real_dir), ".%s." % os.path.basename(real_dir)
    if os.path.isdir(parent):
        for name in os.listdir(parent):
            if name.startswith(prefix):
                _clean(os.path.join(parent, name))


def _forget(topdir, uid, arch):
    """Drop the record of the last run: until this one finishes, no images of the tree are known."""
    try:
        os.unlink(layout.at(topdir, layout.createiso_json(uid, arch)))
    except FileNotFoundError:
        pass


def _to_be_bootable(topdir, v, arch):
    """buildinstall_method when tree V.ARCH is to get a bootable image, as Pungi decides it (a
    variant's binary tree, buildinstall_skip not true for it), else None."""
    boot_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("buildinstall")))
    method = boot_conf.get("buildinstall_method")
    if arch != "src" and v["type"] == "variant" and method and \
            va_data(boot_conf.get("buildinstall_skip"), v["uid"], arch) != [True]:
        return method
    return None


def _check_boot_files(conf, v, arch, files, method):
    """iso.require_boot_files for tree V.ARCH when it is to get a bootable image (METHOD:
    _to_be_bootable's answer)."""
    if method:
        iso.require_boot_files("the ISO of %s.%s" % (v["uid"], arch), method, arch, files,
                               iso.chrp_mode(conf, arch))


def _buildinstall_failed(topdir, uid, arch):
    path = layout.at(topdir, layout.state_file("buildinstall", uid, arch))
    try:
        return bool(jsonio.read_json(path).get("failed"))
    except (OSError, ValueError):
        return False


# -- planning ----------------------------------------------------------------------------


def _sticky(topdir, uid, arch):
    """What Pungi puts on every disc of a split tree: its extra files and media.repo."""
    path = layout.at(topdir, layout.extrafiles_json(uid, arch))
    listed = jsonio.read_json(path).get("files", []) if os.path.isfile(path) else []
    return {f["file"] for f in listed} | {"media.repo"}


# -- making ------------------------------------------------------------------------------


def make_images(topdir, conf, v, arch, files, sizes, chrp=None):
    """Build every image of tree V.ARCH from its FILES ({path in the tree: absolute path}) of
    SIZES ({path in the tree: bytes}), a ppc one bootable as CHRP says (iso.chrp_mode); returns
    their records (productmd image fields)."""
    uid = v["uid"]
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    log_path = layout.log_file(PHASE, uid, arch)
    substs = naming.substitutions(conf, topdir)
    volid = naming.volume_id(conf, substs, v, arch)
    capacity = iso.parse_size(conf.get("iso_size", 4700000000), "iso_size") - \
        iso.parse_size(conf.get("split_iso_reserve", 10485760), "split_iso_reserve")
    if capacity <= 0:
        raise PunjiError("options 'iso_size', 'split_iso_reserve': they leave no room for files on a disc")
    boot = iso.boot_options(files, arch, chrp) if v["type"] == "variant" and arch != "src" else None
    # as Pungi does, a bootable tree is never split: one disc, with a warning when it is too big
    discs, single = iso_split.plan(iso_split.split_order(top, files), sizes, _sticky(topdir, uid, arch),
                                   None if boot else capacity, uid, arch)
    if single is not None and single > capacity:
        warn(PROG, "ISO for %s.%s does not fit on single media! It is %d bytes too big. (Total size: %d B)"
             % (uid, arch, single - capacity, single))
    if len(discs) == 1:
        discs = [sorted(files)]  # the whole tree, its repodata too
    level = image_files.iso_level(conf, uid, arch)
    tool = "xorriso" if conf.get("createiso_use_xorrisofs") else "genisoimage"
    names = [naming.image_name(conf, substs, v, arch, n) for n in range(1, len(discs) + 1)]
    if len(set(names)) != len(names):
        raise PunjiError("option 'image_name_format': the %d discs of %s.%s get the same name %s (use {disc_num})"
                         % (len(names), uid, arch, names[0]))
    log.info("createiso %s.%s: %d disc(s), volume id %r, %s", uid, arch, len(discs), volid,
             "bootable" if boot else "not bootable")

    work = layout.at(topdir, layout.createiso_work_dir(uid, arch))
    _clean(work)
    os.makedirs(work)
    real_dir = _real_iso_dir(topdir, conf, uid, arch)
    notify.send(topdir, "createiso-targets", deliverables=[os.path.join(real_dir, n) for n in names])
    staged = dirs.aside(real_dir)
    name = names[0]
    try:
        _check_space(staged, sizes, discs)
        copies = {}
        records = []
        for number, (name, members) in enumerate(zip(names, discs), 1):
            disc_dir = os.path.join(work, "disc%d" % number)
            content = _disc_content(topdir, top, files, members, disc_dir, number, len(discs), v, log_path)
            if len(discs) == 1:
                content.update(image_files.directories(top))
            if boot and boot["bios"]:  # the writer puts the boot info table into the file it is given
                content[iso.BIOS_IMAGE] = os.path.join(disc_dir, iso.BIOS_IMAGE)
                os.makedirs(os.path.dirname(content[iso.BIOS_IMAGE]))
                shutil.copyfile(files[iso.BIOS_IMAGE], content[iso.BIOS_IMAGE])
            if conf.get("createiso_break_hardlinks"):
                content = image_files.break_hardlinks(content, os.path.join(work, "copies"), copies)
                log.info("createiso_break_hardlinks: %d files with other hard links copied aside", len(copies))
            output = os.path.join(staged, name)
            log.info("writing %s: %d files", name, len(content))
            runner = _runroot_runner(topdir, conf, arch, work, log_path, bool(boot), name)
            made = iso.make_image(output, content, volid, work, boot, level, log_path, tool, runner,
                                  request.supported(topdir), arch)
            records.append(_record(topdir, conf, v, arch, output, name, number, len(discs), bool(boot), log_path,
                                   made.md5))
            made.flushed()
        boot_iso.carry(topdir, uid, arch, staged)
        jigdos = _make_jigdos(topdir, conf, v, arch, staged, names, top, log_path)
        os.chmod(staged, 0o755)
        iso.fsync_dir(staged)
        dirs.swap(staged, real_dir)
        jigdo.place(jigdo.directory(topdir, uid, arch), jigdos)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        notify.send(topdir, "createiso-imagefail", file=os.path.join(real_dir, name), arch=arch, variant=uid)
        raise
    finally:
        _clean(work)
    _link_iso_dir(topdir, conf, uid, arch, real_dir)
    for name in names:
        notify.send(topdir, "createiso-imagedone", file=os.path.join(real_dir, name), arch=arch, variant=uid)
    return records


def _make_jigdos(topdir, conf, v, arch, staged, names, top, log_path):
    """With create_jigdo, the jigdo files of the images NAMES in STAGED, made aside of the
    tree's jigdo directory; None without."""
    if not jigdo.wanted(conf, v):
        return None
    made = dirs.aside(jigdo.directory(topdir, v["uid"], arch))
    try:
        for name in names:
            jigdo.make(os.path.join(staged, name), top, made, log_path)
    except BaseException:
        shutil.rmtree(made, ignore_errors=True)
        raise
    return made


def _runroot_runner(topdir, conf, arch, work, log_path, bootable, name):
    """None when the image tools run here (runroot_method local); else a runner of them as
    Pungi runs them: a Koji runroot task (on the tree's arch when the image boots, else on
    any arch, x86_64 first) or the arch's openssh host, with Pungi's package list."""
    rr_conf = runroot.options(topdir)
    how = runroot.method(rr_conf, PHASE)
    if how == "local":
        return None
    packages = ["coreutils", "xorriso" if conf.get("createiso_use_xorrisofs") else "genisoimage", "isomd5sum"]
    if bootable:
        packages += ["lorax", "which"]
    task_arch = runroot.any_arch(rr_conf, arch) if how == "koji" and not bootable else arch
    return runroot.script_runner(rr_conf, PHASE, task_arch, work, log_path, packages, "createiso-" + name)


def _clean(path):
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)


def _real_iso_dir(topdir, conf, uid, arch):
    """Where the images are written: the compose's iso directory, or with symlink_isos_to
    <symlink_isos_to>/<compose id>/compose/<variant>/<arch>/iso."""
    target = conf.get("symlink_isos_to")
    if not target:
        return layout.at(topdir, layout.iso_dir(uid, arch))

    return os.path.join(os.path.abspath(target), request.read(topdir)["compose_id"], layout.iso_dir(uid, arch))


def _link_iso_dir(topdir, conf, uid, arch, real_dir):
    """With symlink_isos_to, make the compose's iso directory a symlink to REAL_DIR."""
    link = layout.at(topdir, layout.iso_dir(uid, arch))
    if link == real_dir:
        return
    if os.path.islink(link) and os.readlink(link) == real_dir:
        return
    if os.path.isdir(link) and not os.path.islink(link):
        old = dirs.aside(link)
        os.rename(link, os.path.join(old, "x"))
        shutil.rmtree(old, ignore_errors=True)
    dirs.place(link, lambda tmp: os.symlink(real_dir, tmp))


def _make_empty_iso_dir(topdir, conf, uid, arch):
    real_dir = _real_iso_dir(topdir, conf, uid, arch)
    os.makedirs(real_dir, exist_ok=True)
    _link_iso_dir(topdir, conf, uid, arch, real_dir)


def _remove_images(topdir, conf, v, arch):
    """Take away the images of an earlier run (the tree is skipped or failed now)."""
    link = layout.at(topdir, layout.iso_dir(v["uid"], arch))
    _clean(jigdo.directory(topdir, v["uid"], arch))
    for path in {link, _real_iso_dir(topdir, conf, v["uid"], arch)}:
        if os.path.islink(path):
            os.unlink(path)
        elif os.path.isdir(path):
            old = dirs.aside(path)
            os.rename(path, os.path.join(old, "x"))
            shutil.rmtree(old, ignore_errors=True)


def _check_space(directory, sizes, discs):
    """Fail early, with the numbers, when the file system cannot take the images."""
    need = sum(iso_split.sector_bytes(sizes[rel]) for disc in discs for rel in disc) + len(discs) * iso.OVERHEAD
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    if free < need:
        raise PunjiError("not enough free space for the images in %s: they need at least %.1f MiB, %.1f MiB are free"
                         % (os.path.dirname(directory), need / 2.0 ** 20, free / 2.0 ** 20))


def _disc_content(topdir, top, files, members, disc_dir, number, count, v, log_path):
    """{ISO path: disk path} of one disc: its tree files, with its own .treeinfo and
    .discinfo (and, when the tree is split, repodata over the disc's part of Packages/) from DISC_DIR."""
    os.makedirs(disc_dir)
    content = {rel: files[rel] for rel in members if rel not in PER_DISC}
    packages = [rel for rel in members if rel.startswith("Packages/") and rel.endswith(".rpm")]
    if count > 1 and packages:  # a disc of addons' packages alone gets no repodata (Pungi's)
        _disc_repodata(topdir, top, disc_dir, packages, log_path)
        for root, _dirs, names in os.walk(os.path.join(disc_dir, "repodata")):
            for name in names:
                path = os.path.join(root, name)
                content[os.path.relpath(path, disc_dir)] = path
    if ".treeinfo" in files:
        path = os.path.join(disc_dir, ".treeinfo")
        checksum = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo"))).get("createrepo_checksum")
        _write_treeinfo(files[".treeinfo"], path, number, count, v, disc_dir if count > 1 else None,
                        checksum or "sha256")
        content[".treeinfo"] = path
    if ".discinfo" in files:
        path = os.path.join(disc_dir, ".discinfo")
        _write_discinfo(files[".discinfo"], path, number)
        content[".discinfo"] = path
    return content


def _write_treeinfo(source, target, number, count, v, repo_root=None, checksum="sha256"):
    """The tree's .treeinfo for disc NUMBER of COUNT: a [media] section, no boot.iso; with
    REPO_ROOT, the CHECKSUM of repodata/repomd.xml is that of REPO_ROOT's."""
    from productmd.treeinfo import TreeInfo

    from ..media import treeinfo

    ti = TreeInfo()
    try:
        ti.load(source)
    except Exception as exc:
        raise PunjiError("%s: cannot read it: %s" % (source, exc))
    ti.media.discnum, ti.media.totaldiscs = number, count
    for images in ti.images.images.values():
        path = images.pop("boot.iso", None)
        if path:
            ti.checksums.checksums.pop(path, None)
    repomd = "repodata/repomd.xml"
    if repo_root:  # the disc's own repodata, as Pungi lists it
        ti.checksums.checksums.pop(repomd, None)
        if os.path.isfile(os.path.join(repo_root, repomd)):
            ti.checksums.add(repomd, checksum, root_dir=repo_root)
    main = ti.variants.variants.get(v["id"]) and v["id"] or next(iter(sorted(ti.variants.variants)), None)
    jsonio.write_text(target, treeinfo.dumps(ti, main))


def _write_discinfo(source, target, number):
    """The tree's .discinfo with NUMBER as its disc numbers (the fourth line)."""
    with open(source, encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines = (lines + [""] * 4)[:max(4, len(lines))]
    lines[3] = str(number)
    jsonio.write_text(target, "\n".join(lines) + "\n")


def _disc_repodata(topdir, top, disc_dir, packages, log_path):
    """repodata in DISC_DIR over PACKAGES of tree TOP, made as Pungi makes a split disc's:
    createrepo_c reusing the tree's metadata, with sqlite databases and createrepo_checksum,
    and no other createrepo option (no group file: Pungi's discs have none). Its revision and
    time stamps are the tree's repodata revision, not the clock's (Pungi's), so that a disc
    made again (a resumed compose) is the same."""
    cr_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo")))
    checksum = cr_conf.get("createrepo_checksum") or "sha256"
    pkglist = disc_dir + ".pkglist"
    with open(pkglist, "w", encoding="utf-8") as f:
        f.write("".join(rel + "\n" for rel in packages))
    cmd = ["createrepo_c", "--update", "--update-md-path", top, "--database", "--skip-stat", "--pkglist", pkglist,
           "--outputdir", disc_dir, "--checksum", checksum,
           "--revision", _repodata_revision(top), "--set-timestamp-to-revision"]
    if cr_conf.get("createrepo_num_workers"):
        cmd += ["--workers", str(cr_conf["createrepo_num_workers"])]
    iso.run_tool(cmd + [top], log_path, os.path.basename(disc_dir))
    os.unlink(pkglist)


def _repodata_revision(top):
    """The revision of tree TOP's repodata/repomd.xml."""
    import xml.etree.ElementTree as ElementTree

    for element in ElementTree.parse(os.path.join(top, "repodata", "repomd.xml")).getroot():
        if element.tag.rsplit("}", 1)[-1] == "revision":
            return element.text.strip()
    raise PunjiError("%s/repodata/repomd.xml has no revision" % top)


def _record(topdir, conf, v, arch, output, name, number, count, bootable, log_path, md5=None):
    """The productmd image fields of one written image, its .manifest beside it. MD5: the one
    implanted into it as make_image computed it from its bytes, if it did."""
    uid = v["uid"]
    volid = iso.read_volume_id(output)
    listing = iso.start_manifest(output, log_path)
    implant = md5 or iso.implanted_md5(output, log_path)
    st = os.stat(output)
    rel = os.path.relpath(os.path.join(layout.iso_dir(uid, arch), name), "compose")
    record = {
        "path": rel, "mtime": int(st.st_mtime), "size": st.st_size, "volume_id": volid, "type": IMAGE_TYPE,
        "format": "iso", "arch": arch, "disc_number": number, "disc_count": count,
        "checksums": image_digests.new_image_checksums(topdir, output, rel, implant, computed=bool(md5)),
        "implant_md5": implant, "bootable": bootable, "subvariant": uid,
    }
    jsonio.write_text(output + ".manifest", "".join(line + "\n" for line in listing()))
    for message, strict in iso_size_problems(conf, v, arch, record["path"], st.st_size):
        if strict:  # Pungi's test phase checks sizes outside of what failable_deliverables covers
            raise NotFailable(message + " (createiso_max_size_is_strict)")
        warn(PROG, message)
    return record


# -- images.json -------------------------------------------------------------------------


KOJI_IMAGE_PHASES = ("imagebuild", "livemedia", "osbs", "liveimages", "ostreeinstaller", "kiwibuild", "imagebuilder",
                     "osbuild", "ostreecontainer")


# the Pungi phases (and, but for createiso, the option each needs) of which one not skipped
# makes Pungi 4.3.2 write images.json; its image_checksum phase sums the images all the same
IMAGE_PHASES = (("buildinstall", "buildinstall_method"), ("ostree_installer", "ostree_installer"),
                ("createiso", None), ("live_images", "live_images"), ("live_media", "live_media"),
                ("image_build", "image_build"), ("osbuild", "osbuild"))


def images_listed(conf):
    """Whether Pungi writes compose/metadata/images.json for config CONF."""
    skipped = set(conf.get("skip_phases") or [])
    return any(name not in skipped and (option is None or conf.get(option)) for name, option in IMAGE_PHASES)


def run_assemble(topdir):
    """compose/metadata/images.json: every tree's images and the extra ISOs punji-extraiso
    made (work/<arch>/extraiso/<variant>.json), in productmd's format. A source image is
    listed under each arch of its variant, as Pungi does; the checksums are
    punji-imagechecksum's to fill. Where Pungi writes no images.json (images_listed), the
    list goes to work/global/images.json (fuzz-compose --repos --outputs seed 15108)."""
    import productmd.images


    req = request.read(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images = productmd.images.Images()
    images.compose.id, images.compose.type = req["compose_id"], req["compose_type"]
    images.compose.date, images.compose.respin = req["date"], req["respin"]
    data = {}
    images.header.serialize(data)
    data["payload"] = {"images": {}}
    images.compose.serialize(data["payload"])
    count = 0
    compose_dir = layout.at(topdir, "compose")
    for v in tree:
        for arch in v["arches"] + ["src"]:
            # this tree's images, the extra ISOs punji-extraiso made for it (extra_isos) and
            # the boot.iso punji-buildinstall put into its os tree
            for phase, path in ((PHASE, layout.createiso_json(v["uid"], arch)),
                                ("extraiso", layout.extraiso_json(v["uid"], arch)),
                                ("buildinstall", layout.buildinstall_json(v["uid"], arch))):
                path = layout.at(topdir, path)
                done = layout.at(topdir, layout.state_file(phase, v["uid"], arch))
                if not os.path.isfile(done) or jsonio.read_json(done).get("failed") or not os.path.isfile(path):
                    continue
                for record in jsonio.read_json(path)["images"]:
                    if phase != PHASE and not os.path.isfile(os.path.join(compose_dir, record["path"])):
                        continue  # gone with the iso directory createiso made again; punji-extraiso makes it anew
                    count += 1
                    for listed in v["arches"] if arch == "src" else [arch]:
                        data["payload"]["images"].setdefault(v["uid"], {}).setdefault(listed, []).append(record)
    # the images of the Koji image phases (punji-imagebuild, ...): work/global/<phase>/images.json
    for phase in KOJI_IMAGE_PHASES:
        path = layout.at(topdir, layout.koji_images_json(phase))
        if not os.path.isfile(layout.at(topdir, layout.state_file(phase))) or not os.path.isfile(path):
            continue
        for entry in jsonio.read_json(path)["images"]:
            if os.path.isfile(os.path.join(compose_dir, entry["image"]["path"])):
                count += 1
                data["payload"]["images"].setdefault(entry["variant"], {}).setdefault(
                    entry["arch"], []).append(entry["image"])
    for by_arch in data["payload"]["images"].values():
        for listed in by_arch.values():
            listed.sort(key=lambda r: r["path"])
    target = layout.images_json()
    if not images_listed(jsonio.read_json(layout.at(topdir, layout.config_json()))):
        target = layout.unlisted_images_json()
        if os.path.exists(layout.at(topdir, layout.images_json())):  # an earlier run's
            os.unlink(layout.at(topdir, layout.images_json()))
    jsonio.write_json(layout.at(topdir, target), data)
    log.info("%s: %d images", target, count)
    state.write(topdir, PHASE, images=count, result=target)
