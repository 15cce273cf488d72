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
first) with volume_id_substitutions and restricted_volid. Where images of two
trees of one arch get one name, each holds the content of that name's disc of
the tree last in Pungi's order of variants (each its own volume id), as Pungi's
shared work/<arch>/iso/<name> makes them. genisoimage (xorriso
with createiso_use_xorrisofs) writes each image into a directory built aside,
isohybrid adds the hybrid MBR of a bootable one, implantisomd5 implants its MD5,
a .manifest lists its files; the directory replaces compose/<variant>/<arch>/iso
(or <symlink_isos_to>/<compose id>/..., symlinked from there) only when every
image is done (with failable_deliverables "iso", a disc that fails goes alone, as Pungi
writes each disc in a failable task of its own: the others stay). With create_jigdo,
jigdo-file makes each image's .jigdo and .template (media.jigdo) into a directory built
aside that replaces compose/<variant>/<arch>/jigdo then. The records (productmd image fields, checksums left to
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
from ..config import lookup, variants
from ..config.lookup import createiso_passed_reason, createiso_skip_reason, iso_size_problems, va_data
from ..errors import NotFailable, NotReady, PunjiError
from ..koji import runroot
from ..log import log, warn
from ..media import (boot_iso, image_digests, image_files, images_json, iso, iso_discs, iso_reuse, iso_split, jigdo,
                     naming)

PROG = "punji-createiso"
PHASE = "createiso"
IMAGE_TYPE = "dvd"


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.with_arch(tree, variant, arch)
    reason = skipped = createiso_skip_reason(conf, v, arch)
    files, stats, walked = {}, {}, {}
    if not createiso_passed_reason(conf, v, arch):
        _check_volume_id(topdir, conf, v, arch)
    method = _to_be_bootable(topdir, v, arch)
    if not reason:
        files, reason = _tree_files(topdir, conf, v, arch, method, stats, walked)
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
    namesakes = _sharing_names(topdir, conf, v, arch, files, stats, chrp, _namesakes(topdir, conf, v, arch))
    reuse_key = iso_reuse.key(topdir, conf, v, arch, files, stats, chrp, namesakes)
    inputs = _inputs(topdir, reuse_key, stats)
    if state.same_inputs(topdir, PHASE, variant, arch, inputs) and _images_intact(topdir, conf, v, arch):
        log.info("createiso %s.%s: the same tree and options as the last run; nothing to do", variant, arch)
        _clear_leftovers(topdir, conf, variant, arch)
        state.keep(topdir, PHASE, variant, arch)
        return
    _forget(topdir, variant, arch)
    taken = iso_reuse.take_over(topdir, conf, v, arch, reuse_key, _real_iso_dir(topdir, conf, variant, arch))
    if taken is not None:
        return _finish(topdir, v, arch, taken[0], inputs, reuse_key=reuse_key, disc_keys=taken[1])
    try:
        images, failed, disc_keys = make_images(topdir, conf, v, arch, files,
                                                {rel: st.st_size for rel, st in stats.items()}, chrp, namesakes,
                                                (stats, walked))
    except BaseException:
        _leave_no_images(topdir, conf, v, arch)
        raise
    if failed:  # a run that failed in part is made again whole, never kept nor taken over whole
        inputs = reuse_key = None
    made = {os.path.basename(i["path"]) for i in images}
    return _finish(topdir, v, arch, images, inputs, reuse_key=reuse_key, failed=failed,
                   disc_keys={name: key for name, key in disc_keys.items() if name in made})


def _check_volume_id(topdir, conf, v, arch):
    """Pungi 4.3.2 makes the tree's volume id before it looks into the tree or at
    create_optional_isos: none fitting fails a tree without RPMs (fuzz-compose --repos
    --outputs --comps seed 15203) and an optional variant's tree that gets no ISO too, in its
    phase's run, so the compose too, whatever failable_deliverables says."""
    try:
        naming.volume_id(conf, naming.substitutions(conf, topdir), v, arch)
    except PunjiError as exc:
        raise NotFailable(exc.message, exc.hint) from None


def _tree_files(topdir, conf, v, arch, method, stats, walked):
    """(files, why the tree gets no images: None when it does) of tree V.ARCH, as
    image_files.of_tree gives them (filling in STATS and WALKED); a tree to be bootable (METHOD)
    that lacks its boot files fails, leaving no images."""
    variant = v["uid"]
    if not os.path.isfile(layout.at(topdir, layout.state_file("createrepo", variant, arch))):
        raise NotReady("no repodata in the %s.%s tree yet: run punji-createrepo --variant %s --arch %s first"
                         % (variant, arch, variant, arch))
    files = image_files.of_tree(layout.at(topdir, layout.tree_dir(variant, arch)), stats, walked)
    if not any(rel.endswith(".rpm") for rel in files):
        warn(PROG, "No RPMs found for %s.%s, skipping ISO" % (variant, arch))
        return files, "no RPMs in %s" % layout.tree_dir(variant, arch)
    if _buildinstall_failed(topdir, variant, arch):  # a failable buildinstall: Pungi makes no ISO
        warn(PROG, "ISO should be bootable, but buildinstall failed. Skipping for %s.%s" % (variant, arch))
        return files, "buildinstall failed"
    try:
        _check_boot_files(conf, v, arch, files, method)
    except iso.MissingBootFiles as exc:
        # Pungi fails in its writer, after it made the iso directory (fuzz-compose
        # --realconf --multiarch seed 52007: a failable tree's stays), or, with a Koji
        # runroot, as the writer's runroot starts (fuzz-compose --realconf seed 50051)
        _leave_no_images(topdir, conf, v, arch)
        raise runroot.image_tools_refusal(topdir) or exc
    except PunjiError:
        _leave_no_images(topdir, conf, v, arch)
        raise
    return files, None


def _finish(topdir, v, arch, images, inputs, skipped=None, reuse_key=None, failed=(), disc_keys=None):
    """Record the images of tree V.ARCH; FAILED: the discs that failed (failable_deliverables),
    which make the compose FINISHED_INCOMPLETE (finish.failures); DISC_KEYS: {image name:
    iso_reuse.disc_key}, by which a later compose may take each over."""
    record = {"header": state.header("createiso-result"), "variant": v["uid"], "arch": arch,
              "images": images, "skipped": skipped}
    jsonio.write_json(layout.at(topdir, layout.createiso_json(v["uid"], arch)), record)
    state.write(topdir, PHASE, v["uid"], arch, images=[os.path.basename(i["path"]) for i in images],
                skipped=skipped, bootable=any(i["bootable"] for i in images),
                result=layout.createiso_json(v["uid"], arch), inputs=inputs, reuse_key=reuse_key,
                disc_keys=disc_keys or {}, **({"failed_images": list(failed)} if failed else {}))


def _inputs(topdir, reuse_key, stats):
    """The fingerprint of what the images of a tree are made from in this compose: REUSE_KEY
    (iso_reuse.key: the options, the volume id, every file of the tree, how a ppc image boots,
    the trees of its namesakes), the compose's identity, and the modification time of each
    small file the key has by its content (an image records the time of every file). STATS:
    path -> os.stat of every file of the tree."""
    req = {k: x for k, x in request.read(topdir).items() if k != "header"}
    return state.digest(reuse_key, req, iso_reuse.content_times(stats))


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


def _boot(v, arch, files, chrp):
    """The boot options of tree V.ARCH's images (iso.boot_options), None when they do not boot."""
    return iso.boot_options(files, arch, chrp) if v["type"] == "variant" and arch != "src" else None


def _discs(topdir, conf, substs, v, arch, files, sizes, boot, capacity, warned=True):
    """([the files of each disc], [the name of each disc]) of tree V.ARCH. As Pungi does, a
    bootable tree is never split: one disc, with a warning (if WARNED) when it is too big."""
    uid = v["uid"]
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    discs, single = iso_split.plan_tree(top, files, sizes, _sticky(topdir, uid, arch), None if boot else capacity,
                                        uid, arch)
    if warned and boot and single is not None and single > capacity:
        warn(PROG, "ISO for %s.%s does not fit on single media! It is %d bytes too big. (Total size: %d B)"
             % (uid, arch, single - capacity, single))
    if len(discs) == 1:
        discs = [sorted(files)]  # the whole tree, its repodata too
    names = [naming.image_name(conf, substs, v, arch, n) for n in range(1, len(discs) + 1)]
    if len(set(names)) != len(names):
        raise PunjiError("option 'image_name_format': the %d discs of %s.%s get the same name %s (use {disc_num})"
                         % (len(names), uid, arch, names[0]))
    return discs, names


def _namesakes(topdir, conf, v, arch):
    """[(variant, files, stats)] of the trees on ARCH after V's in Pungi's order that get images
    and whose names may be V's (lookup.images_may_share_names). Pungi 4.3.2 prepares every
    image before it writes any, the graft points and the disc's .treeinfo and .discinfo of
    an image in work/<arch>/iso/<image name>: the last tree prepared gives its disc's content
    to every image of that name (fuzz-compose-koji --modules --gather --comps --outputs --seed
    6534: two layered products of one parent and release)."""
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    found = []
    for other in sorted(tree, key=lookup.pungi_variant_order):
        later = lookup.pungi_variant_order(other) > lookup.pungi_variant_order(v)
        if not later or createiso_skip_reason(conf, other, arch) or (arch != "src" and arch not in other["arches"]) \
                or not lookup.images_may_share_names(conf, v, other):
            continue
        if not os.path.isfile(layout.at(topdir, layout.state_file("createrepo", other["uid"], arch))):
            raise PunjiError("no repodata in the %s.%s tree yet, whose images may take the names of %s.%s's"
                             % (other["uid"], arch, v["uid"], arch))
        stats = {}
        files = image_files.of_tree(layout.at(topdir, layout.tree_dir(other["uid"], arch)), stats)
        if any(rel.endswith(".rpm") for rel in files) and not _buildinstall_failed(topdir, other["uid"], arch):
            stats = {rel: stats.get(rel) or image_files.stat_of(path) for rel, path in files.items()}
            found.append((other, files, stats))
    return found


def _sharing_names(topdir, conf, v, arch, files, stats, chrp, namesakes):
    """Those of NAMESAKES (_namesakes: the trees whose images may get the names of V.ARCH's)
    that do give one of their discs the name of one of V's (a layered product is named after
    its parent, yet with a compose id of its own)."""
    if not namesakes:
        return []
    substs = naming.substitutions(conf, topdir)
    _members, names = _discs(topdir, conf, substs, v, arch, files, {rel: st.st_size for rel, st in stats.items()},
                             _boot(v, arch, files, chrp), _capacity(conf), warned=False)
    owners = {shared[0]["uid"] for shared in _shared_discs(topdir, conf, substs, v, arch, names, _capacity(conf),
                                                            namesakes).values()}
    return [n for n in namesakes if n[0]["uid"] in owners]


def _capacity(conf):
    """The bytes of files a disc holds: iso_size less split_iso_reserve."""
    return iso.parse_size(conf.get("iso_size", 4700000000), "iso_size") - \
        iso.parse_size(conf.get("split_iso_reserve", 10485760), "split_iso_reserve")


def _shared_discs(topdir, conf, substs, v, arch, names, capacity, namesakes):
    """{name of a disc of V: (variant, files, members, disc number, disc count)} of the last
    of NAMESAKES that gives a disc of its own that name."""
    shared = {}
    for other, files, stats in namesakes:
        chrp = iso.chrp_mode(conf, arch) if _to_be_bootable(topdir, other, arch) else None
        discs, other_names = _discs(topdir, conf, substs, other, arch, files,
                                    {rel: st.st_size for rel, st in stats.items()}, _boot(other, arch, files, chrp),
                                    capacity, warned=False)
        for number, (name, members) in enumerate(zip(other_names, discs), 1):
            if name in names:
                shared[name] = (other, files, members, number, len(discs))
    return shared


# -- making ------------------------------------------------------------------------------


def make_images(topdir, conf, v, arch, files, sizes, chrp=None, namesakes=None, looked=None):
    """Build every image of tree V.ARCH from its FILES ({path in the tree: absolute path}) of
    SIZES ({path in the tree: bytes}), a ppc one bootable as CHRP says (iso.chrp_mode); a disc
    whose name a tree of NAMESAKES (_namesakes) gives one of its discs too holds that disc's
    content; returns their records (productmd image fields). LOOKED: (the os.stat of each of
    FILES, what image_files.of_tree gave its WALKED) when the caller has them: the tree is not
    gone through again."""
    stats, walked = looked or ({}, None)
    uid = v["uid"]
    log_path = layout.log_file(PHASE, uid, arch)
    substs = naming.substitutions(conf, topdir)
    volid = naming.volume_id(conf, substs, v, arch)
    capacity = _capacity(conf)
    boot = _boot(v, arch, files, chrp)
    discs, names = _discs(topdir, conf, substs, v, arch, files, sizes, boot, capacity)
    shared = _shared_discs(topdir, conf, substs, v, arch, names, capacity, namesakes or [])
    level = image_files.iso_level(conf, uid, arch)
    tool = "xorriso" if conf.get("createiso_use_xorrisofs") else "genisoimage"
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
        records, failed, disc_keys = [], [], {}
        old_discs = iso_reuse.old_discs(topdir, conf, v, arch)
        for number, (name, members) in enumerate(zip(names, discs), 1):
            disc_dir = os.path.join(work, "disc%d" % number)
            if name in shared:
                log.info("%s: the content of the %s tree's disc of that name, as Pungi gives it", name,
                         shared[name][0]["uid"])
            content = _disc_content(topdir, arch, shared.get(name, (v, files, members, number, len(discs))),
                                    disc_dir, log_path, None if name in shared else walked)
            if boot and boot["bios"]:
                _copy_bios_image(content, files, disc_dir)
            output = os.path.join(staged, name)
            disc_keys[name] = iso_reuse.disc_key(conf, v, arch, volid, [boot, level, tool, request.supported(topdir)],
                                                 content, work, _stats_of(content, files, stats))
            taken = old_discs.get(disc_keys[name]) and iso_reuse.take_over_disc(
                old_discs[disc_keys[name]], output, _compose_path(uid, arch, name))
            if taken:
                records.append(taken)
                continue
            if conf.get("createiso_break_hardlinks"):
                content = image_files.break_hardlinks(content, os.path.join(work, "copies"), copies)
                log.info("createiso_break_hardlinks: %d files with other hard links copied aside", len(copies))
            log.info("writing %s: %d files", name, len(content))
            try:
                runner = _runroot_runner(topdir, conf, arch, work, log_path, bool(boot), name)
                made = iso.make_image(output, content, volid, work, boot, level, log_path, tool, runner,
                                      request.supported(topdir), arch)
                records.append(_record(topdir, conf, v, arch, output, name, number, len(discs), bool(boot),
                                       log_path, made.md5))
                made.flushed()
            except Exception as exc:
                failed.append((iso_discs.failed_disc(conf, v, arch, output, number, exc), exc))
        if failed and not records:
            raise failed[0][1]  # no disc made: the tree failed as a whole
        failed = [iso_discs.warn_failed_disc(PROG, v, arch, disc) for disc, _exc in failed]
        made_names = [os.path.basename(r["path"]) for r in records]
        _publish(topdir, conf, v, arch, staged, real_dir, made_names, log_path)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        notify.send(topdir, "createiso-imagefail", file=os.path.join(real_dir, name), arch=arch, variant=uid)
        raise
    finally:
        _clean(work)
    _link_iso_dir(topdir, conf, uid, arch, real_dir)
    for name in made_names:
        notify.send(topdir, "createiso-imagedone", file=os.path.join(real_dir, name), arch=arch, variant=uid)
    for disc in failed:
        notify.send(topdir, "createiso-imagefail", file=os.path.join(real_dir, disc["image"]), arch=arch,
                    variant=uid)
    return records, failed, disc_keys


def _disc_content(topdir, arch, disc, disc_dir, log_path, walked):
    """{ISO path: file} of DISC ((variant, the files of its ARCH tree, the disc's members, its
    number, the count of discs)), made in DISC_DIR by iso_discs.disc_content; the one disc of a
    tree also gets the tree's directories (from WALKED, image_files.of_tree's, when given)."""
    owner, owner_files, members, number, count = disc
    owner_top = layout.at(topdir, layout.tree_dir(owner["uid"], arch))
    content = iso_discs.disc_content(topdir, owner_top, owner_files, members, disc_dir, number, count, owner,
                                     log_path)
    if count == 1:
        content.update(image_files.directories(owner_top, owner_files if walked is not None else None, walked))
    return content


def _copy_bios_image(content, files, disc_dir):
    """Give disc CONTENT a copy of the tree's BIOS boot image in DISC_DIR: the writer puts the
    boot info table into the file it is given."""
    content[iso.BIOS_IMAGE] = os.path.join(disc_dir, iso.BIOS_IMAGE)
    os.makedirs(os.path.dirname(content[iso.BIOS_IMAGE]))
    shutil.copyfile(files[iso.BIOS_IMAGE], content[iso.BIOS_IMAGE])


def _publish(topdir, conf, v, arch, staged, real_dir, made_names, log_path):
    """Put the images of V.ARCH written into STAGED, with the boot.iso and the jigdo files of
    MADE_NAMES, in REAL_DIR's place."""
    uid = v["uid"]
    boot_iso.carry(topdir, uid, arch, staged)
    top = layout.at(topdir, layout.tree_dir(uid, arch))
    jigdos = _make_jigdos(topdir, conf, v, arch, staged, made_names, top, log_path)
    os.chmod(staged, 0o755)
    iso.fsync_dir(staged)
    dirs.swap(staged, real_dir)
    jigdo.place(jigdo.directory(topdir, uid, arch), jigdos)


def _stats_of(content, files, stats):
    """{ISO path: os.stat} of the files of disc CONTENT that are tree FILES of known STATS."""
    return {rel: stats[rel] for rel, path in content.items() if rel in stats and files.get(rel) == path}


def _compose_path(uid, arch, name):
    """Image NAME of tree UID.ARCH as images.json lists it (relative to compose/)."""
    return os.path.relpath(os.path.join(layout.iso_dir(uid, arch), name), "compose")


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
    writer = "xorriso" if conf.get("createiso_use_xorrisofs") else "genisoimage"
    return runroot.image_tools_runner(topdir, writer, arch, work, log_path, bootable, "createiso-" + name)


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


def _leave_no_images(topdir, conf, v, arch):
    """A failed run leaves no images of tree V.ARCH (failable_deliverables may let it fail) but
    the boot.iso buildinstall linked there, in the iso directory Pungi made before it split the
    tree: it stays."""
    _remove_images(topdir, conf, v, arch)
    _make_empty_iso_dir(topdir, conf, v["uid"], arch)
    boot_iso.carry(topdir, v["uid"], arch, layout.at(topdir, layout.iso_dir(v["uid"], arch)))


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


def _record(topdir, conf, v, arch, output, name, number, count, bootable, log_path, md5=None):
    """The productmd image fields of one written image, its .manifest beside it. MD5: the one
    implanted into it as make_image computed it from its bytes, if it did."""
    uid = v["uid"]
    volid = iso.read_volume_id(output)
    listing = iso.start_manifest(output, log_path)
    implant = md5 or iso.implanted_md5(output, log_path)
    st = os.stat(output)
    rel = _compose_path(uid, arch, name)
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


# images.json, written by punji-createiso --assemble
images_listed, run_assemble = images_json.images_listed, images_json.write
