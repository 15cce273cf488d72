"""test: sanity checks of every image of the compose (Pungi's test phase; repoclosure is
its own phase, punji_lib.phases.repoclosure).

Image checks, for every image of compose/metadata/images.json (an image listed
under several arches, like a source ISO, is checked once; a file two records
describe, an extra ISO that overwrote createiso's image of the same name, passes
when it matches either): the file exists and
has the size images.json gives. An ISO must also have a valid ISO 9660 volume
descriptor set (read from its first sectors: media.iso_facts), be no shorter
than its volume descriptor says (truncated), have the volume id images.json
gives, and pass `checkisomd5` when images.json says an md5 was implanted (and
carry that md5), unless the phase that wrote it checked that md5 against its content
and it is the same file (media.isomd5.was_checked); images are checked two at a time per CPU. checkisomd5 also checks fragment
sums, which it gets wrong on images under about 1.4 MB; when it fails, the md5
is computed as isomd5sum defines it, and an image whose md5 matches passes.
A bootable ISO must have an El Torito boot catalog on x86_64, i386 and
aarch64, an EFI (0xEF) boot entry on x86_64 and aarch64, and a hybrid MBR
(0x55AA and a partition entry) on x86_64 and i386; other arches boot otherwise
(ppc64le chrp, s390x) and get no boot check.
The results are in work/global/test/image-checks.json.

As Pungi's test phase, every other ISO of images.json (a boot.iso, a Koji phase's live ISO) is
held to the first createiso_max_size of its variant and of the arch it is listed under: over it
a warning, an error with createiso_max_size_is_strict that failable_deliverables does not
excuse. createiso and extraiso check the images they make as they make them.

A compose with images but no images.json (no phase that writes it ran: extra ISOs
with createiso in skip_phases) fails here, as Pungi 4.3.2's test phase fails
reading images.json back.

A failed image check is an error (one line: the first problem, and how many
there are), except for an image failable_deliverables allows to fail (its
variant and arch list 'iso' for createiso images, 'buildinstall' for boot.iso,
'live' for live images; '*' does not cover src, as in Pungi): that is a warning,
and the state file says failed, so the compose finishes FINISHED_INCOMPLETE.

make reruns the phase whenever any earlier state file is newer; when the options,
images.json and the image files (size, mtime, inode) are what the last successful
run checked, its results stand and nothing is checked again.
"""

import os
import re
import shutil
import subprocess

from ..compose import jsonio, layout, state
from ..config.lookup import iso_size_problems
from ..errors import PunjiError
from ..log import log, warn
from ..media import isomd5
from ..media.iso_facts import iso_facts

PHASE = "test"
PROG = "punji-test"
SIZE_OPTIONS = ("createiso_max_size", "createiso_max_size_is_strict")

BOOT_CATALOG_ARCHES = ("x86_64", "i386", "aarch64")
EFI_ARCHES = ("x86_64", "aarch64")
MBR_ARCHES = ("x86_64", "i386")
DELIVERABLE = {"dvd": "iso", "cd": "iso", "dvd-debuginfo": "iso", "dvd-ostree": "iso", "dvd-ostree-osbuild": "iso",
               "boot": "buildinstall", "live": "live"}


def run(topdir, variant=None, arch=None):
    conf = _with_size_options(topdir, jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE))))
    check_listed(topdir)
    inputs = fingerprint(topdir, conf)
    if state.same_inputs(topdir, PHASE, None, None, inputs):
        log.info("the images and options are as the last run checked them: its results stand (%s)",
                 layout.image_checks_json())
        state.keep(topdir, PHASE)
        return
    images = check_images(topdir, conf)
    errors = [i for i in images if i["problems"] and not i["failable"]]
    failable = [i for i in images if i["problems"] and i["failable"]]
    for image in images:
        if image["problems"]:
            message = "compose/%s: %s" % (image["path"], "; ".join(image["problems"]))
            if image["failable"]:
                warn(PROG, message + " (failable)")
            else:
                log.error("%s", message)
    if errors:
        first = errors[0]
        raise PunjiError("image check: compose/%s: %s (%d images failed; see %s)"
                         % (first["path"], first["problems"][0], len(errors), layout.image_checks_json()))
    check_sizes(topdir, conf)
    state.write(topdir, PHASE, failed=bool(failable), inputs=inputs, images=len(images),
                failed_images=sorted(i["path"] for i in failable), reports=[layout.image_checks_json()])


def _with_size_options(topdir, conf):
    """CONF with createiso_max_size and createiso_max_size_is_strict (createiso's options)."""
    size = jsonio.read_json(layout.at(topdir, layout.config_slice("createiso")))
    return dict(conf, **{name: size.get(name) for name in SIZE_OPTIONS})


def check_sizes(topdir, conf):
    """Pungi 4.3.2's test phase holds every ISO of images.json to the first createiso_max_size
    of its variant and of the arch it is listed under: over it a warning, an error with
    createiso_max_size_is_strict that failable_deliverables does not excuse. createiso and
    extraiso check the images they make as they make them; this checks the others (a boot.iso,
    a Koji phase's live ISO)."""
    path = layout.at(topdir, layout.images_json())
    if not os.path.exists(path):
        return
    listed = jsonio.read_json(path)["payload"]["images"]
    made = _checked_when_made(topdir)
    for uid in sorted(listed):
        for arch in sorted(listed[uid]):
            for image in listed[uid][arch]:
                if image.get("format") == "iso" and image["path"] not in made:
                    _check_size(conf, uid, arch, image)


def _check_size(conf, uid, arch, image):
    for message, strict in iso_size_problems(conf, {"uid": uid, "arches": [arch]}, arch, image["path"], image["size"]):
        if strict:
            raise PunjiError(message + " (createiso_max_size_is_strict)")
        warn(PROG, message)


def _checked_when_made(topdir):
    """The paths of the images createiso and extraiso made."""
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    paths = set()
    for v in tree:
        for arch in v["arches"] + ["src"]:
            for result in (layout.createiso_json(v["uid"], arch), layout.extraiso_json(v["uid"], arch)):
                result = layout.at(topdir, result)
                if os.path.isfile(result):
                    paths.update(r["path"] for r in jsonio.read_json(result)["images"])
    return paths


def check_listed(topdir):
    """Pungi 4.3.2's test phase reads images.json back whenever the compose made images. When
    no phase that writes it ran (say extra ISOs with createiso in skip_phases: punji-createiso
    --assemble listed them in work/global/images.json) there is none, and it fails
    (fuzz-compose --outputs --comps --repos seed 23500)."""
    unlisted = layout.at(topdir, layout.unlisted_images_json())
    if os.path.exists(layout.at(topdir, layout.images_json())) or not os.path.exists(unlisted):
        return
    images = jsonio.read_json(unlisted)["payload"]["images"]
    count = sum(len(records) for by_arch in images.values() for records in by_arch.values())
    if count:
        raise PunjiError("%s: missing, though the compose has %d images (listed in %s): no phase that writes it "
                         "ran (createiso, buildinstall, ostree_installer, live_images, live_media, image_build, "
                         "osbuild), and Pungi 4.3.2's test phase fails reading it; add 'test' to skip_phases to "
                         "finish without it" % (layout.images_json(), count, layout.unlisted_images_json()))


def fingerprint(topdir, conf):
    """What the checks read: the options, images.json and the size, mtime and inode of every
    image file."""
    compose = layout.at(topdir, "compose")
    images = jsonio.read_text(layout.at(topdir, layout.images_json()))
    stats = {}
    if images:
        try:
            listed = jsonio.read_json(layout.at(topdir, layout.images_json()))["payload"]["images"]
            paths = {i["path"] for by_arch in listed.values() for records in by_arch.values() for i in records}
        except (ValueError, KeyError, TypeError, AttributeError):
            paths = set()
        for rel in sorted(paths):
            try:
                st = os.stat(os.path.join(compose, rel))
                stats[rel] = [st.st_size, st.st_mtime_ns, st.st_ino]
            except OSError:
                stats[rel] = None
    return state.digest(conf, images, stats)


# -- images --------------------------------------------------------------------------------


def failable(conf, uid, arch, deliverable):
    """Whether failable_deliverables lets DELIVERABLE of UID on ARCH fail ('*' is no 'src')."""
    for pattern, by_arch in conf.get("failable_deliverables") or []:
        if not re.match(pattern, uid):
            continue
        for key, values in by_arch.items():
            if key == arch or (key == "*" and arch != "src"):
                if deliverable in (values if isinstance(values, list) else [values]):
                    return True
    return False


def check_images(topdir, conf):
    """Check every image of images.json; write the report; return its records."""
    listed = _listed(topdir)
    verdicts = _earlier_verdicts(topdir)
    checks = [(image, _verdict_key(topdir, image)) for _uid, records in listed for image in records]
    for image, key in checks:
        if key in verdicts:
            log.info("compose/%s: checked before, unchanged since", image.path)
    todo = [image for image, key in checks if key not in verdicts]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:  # checkisomd5 runs apart
        found = dict(zip(map(id, todo), pool.map(lambda i: image_problems(topdir, i), todo)))
    results = []
    for uid, records in listed:
        judged = [(image, key, verdicts[key] if key in verdicts else found[id(image)])
                  for image, key in checks if image in records]
        image, key, problems = next((j for j in judged if not j[2]), judged[0])
        deliverable = DELIVERABLE.get(image.type, image.type)
        results.append({"path": image.path, "variant": uid, "arch": image.arch, "type": image.type,
                        "format": image.format, "bootable": image.bootable, "problems": problems,
                        "failable": bool(problems) and failable(conf, uid, image.arch, deliverable),
                        "verdict": key})
    jsonio.write_json(layout.at(topdir, layout.image_checks_json()),
                      {"header": state.header("image-checks"), "images": results})
    log.info("image checks: %d images, %d with problems", len(results), sum(1 for r in results if r["problems"]))
    return results


def _listed(topdir):
    """[(variant uid, [productmd Image, ...])] of images.json, each image file once (an image
    listed under several arches, like a source ISO) with its records that differ: an extra ISO
    that overwrote createiso's image of the same name is listed beside it (fuzz-compose seed
    22005), and the file passes as either."""
    path = layout.at(topdir, layout.images_json())
    if not os.path.exists(path):
        return []
    from productmd.images import Images

    manifest = Images()
    try:
        manifest.load(path)
    except Exception as exc:  # productmd raises plain ValueError/KeyError/TypeError on bad metadata
        raise PunjiError("%s: not valid productmd images metadata: %s" % (layout.images_json(), " ".join(str(exc).split())))
    listed, by_path = [], {}
    for uid in sorted(manifest.images):
        for arch in sorted(manifest.images[uid]):
            for image in sorted(manifest.images[uid][arch], key=_record_order):
                if image.path not in by_path:
                    by_path[image.path] = []
                    listed.append((uid, by_path[image.path]))
                if not any(_record_order(image) == _record_order(other) for other in by_path[image.path]):
                    by_path[image.path].append(image)
    return listed


def _record_order(image):
    """An image's path, then all it says of the file (a deterministic order for images at one path)."""
    return (image.path, image.size, str(image.volume_id), image.bootable, image.arch, image.format,
            str(image.implant_md5), bool(image.unified), repr(image.additional_variants))


def _verdict_key(topdir, image):
    """The image file's identity (inode, size, mtime) and what its record says, or None for a
    missing file: the same key, the same findings."""
    try:
        st = os.stat(os.path.join(layout.at(topdir, "compose"), image.path))
    except OSError:
        return None
    said = [image.size, image.volume_id, image.bootable, image.arch, image.format, image.implant_md5]
    return "%d %d %d %s" % (st.st_ino, st.st_size, st.st_mtime_ns, jsonio.dumps(said, compact=True).strip())


def _earlier_verdicts(topdir):
    """{verdict key: findings} of the last run's image checks and the old compose's: an image
    file still the same (a taken-over image is the same file) is not read again."""
    from ..compose import reuse

    found = {}
    for top in (reuse.old_compose(topdir), topdir):
        try:
            images = jsonio.read_json(layout.at(top, layout.image_checks_json()))["images"] if top else []
        except (OSError, ValueError, KeyError):
            continue
        found.update((r["verdict"], r["problems"]) for r in images if r.get("verdict"))
    return found


def image_problems(topdir, image):
    """What is wrong with one productmd IMAGE of the compose: a list of one-line findings."""
    path = os.path.join(layout.at(topdir, "compose"), image.path)
    if not os.path.isfile(path):
        return ["missing"]
    problems = []
    size = os.path.getsize(path)
    if size != image.size:
        problems.append("%d bytes, images.json says %s" % (size, image.size))
    if image.format != "iso":
        return problems
    iso = iso_facts(path)
    if "error" in iso:
        return problems + ["not a valid ISO 9660 image: %s" % iso["error"]]
    if size < iso["volume_size"]:
        problems.append("truncated: %d bytes, its volume descriptor says %d" % (size, iso["volume_size"]))
    if image.volume_id is not None and iso["volume_id"] != image.volume_id:
        problems.append("volume id %r, images.json says %r" % (iso["volume_id"], image.volume_id))
    if image.bootable:
        if image.arch in BOOT_CATALOG_ARCHES and not iso["boot_catalog"]:
            problems.append("bootable, but has no El Torito boot catalog")
        elif image.arch in EFI_ARCHES and not iso["efi"]:
            problems.append("bootable, but its El Torito catalog has no EFI boot image")
        if image.arch in MBR_ARCHES and not iso["mbr"]:
            problems.append("bootable, but has no hybrid MBR (0x55AA signature and a partition)")
    if image.implant_md5:
        problems += implanted_md5_problems(path, image.implant_md5,
                                           isomd5.was_checked(topdir, image.path, image.implant_md5))
    return problems


def implanted_md5_problems(path, expected, checked=False):
    """checkisomd5 over an image with an implanted md5 (which must be EXPECTED); CHECKED: the
    phase that wrote the image checked that md5 against its content, and the file is the same
    (isomd5.was_checked), so it is not read again.

    checkisomd5 also checks 20 fragment sums; on images under about 1.4 MB it skips
    fragments and fails intact images. When it fails, the md5 is computed here as
    isomd5sum defines it (see isomd5.implanted_md5): if that matches, the image is intact."""
    tool = shutil.which("checkisomd5")
    if tool is None:
        raise PunjiError("checkisomd5 not found: install isomd5sum")
    implanted = isomd5.read_implanted(path)
    if implanted is None:
        return ["images.json says an md5 is implanted, but the image carries none"]
    problems = []
    if implanted["md5"] != expected:
        problems.append("implanted md5 %s, images.json says %s" % (implanted["md5"], expected))
    elif checked:
        log.info("%s: its implanted md5 was checked when it was written, and it is the same file", path)
        return problems
    done = subprocess.run([tool, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.info("checkisomd5 %s: exit code %d\n%s", path, done.returncode, done.stdout.rstrip())
    if done.returncode != 0:
        if isomd5.implanted_md5(path, implanted) == implanted["md5"]:
            log.info("%s: its md5 matches the implanted one; checkisomd5 failed on a fragment sum only "
                     "(a small image)", path)
        else:
            result = re.search(r"the result is: (\w+)", done.stdout)
            problems.append("checkisomd5 returned exit code %d (%s)"
                            % (done.returncode, result.group(1) if result else "see logs/global/test.log"))
    return problems


