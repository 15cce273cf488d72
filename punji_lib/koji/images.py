"""What the Koji image phases share: their config blocks, the task options Pungi's precedence
gives, submitting the tasks and waiting for them all, fetching the images and recording them
for images.json."""

import copy
import os
import re

from ..compose import jsonio, layout, request, state
from ..config.lookup import va_data
from ..errors import PunjiError
from ..log import log, warn
from . import adopt
from . import reuse as kojireuse
from . import tasks as kojitasks

# image_build's formats -> the file name endings of their images (Pungi's EXTENSIONS)
EXTENSIONS = {
    "docker": ["tar.gz", "tar.xz"],
    "liveimg-squashfs": ["liveimg.squashfs"],
    "qcow": ["qcow"],
    "qcow2": ["qcow2"],
    "raw": ["raw"],
    "raw-xz": ["raw.xz"],
    "rhevm-ova": ["rhevm.ova"],
    "tar-gz": ["tar.gz"],
    "vagrant-hyperv": ["vagrant-hyperv.box"],
    "vagrant-libvirt": ["vagrant-libvirt.box"],
    "vagrant-virtualbox": ["vagrant-virtualbox.box"],
    "vagrant-vmware-fusion": ["vagrant-vmware-fusion.box"],
    "vdi": ["vdi"],
    "vmdk": ["vmdk"],
    "vpc": ["vhd"],
    "vsphere-ova": ["vsphere.ova"],
}

# (type, ending, format) of the kiwi and image-builder images whose endings EXTENSIONS lacks or
# would name wrongly (oci.tar.xz is no docker image); tried before EXTENSIONS, as Pungi does
BUNDLE_ENDINGS = [
    ("vagrant-libvirt", "vagrant.libvirt.box", "vagrant-libvirt.box"),
    ("vagrant-virtualbox", "vagrant.virtualbox.box", "vagrant-virtualbox.box"),
    ("vhd-compressed", "vhdfixed.xz", "vhdfixed.xz"),
    ("container", "oci.tar.xz", "tar.xz"),
    ("wsl2", "wsl", "wsl"),
    ("boot", "iso", "iso"),
] + [("fex", ending, ending) for ending in ("erofs.xz", "erofs.gz", "erofs", "squashfs.xz", "squashfs.gz",
                                            "squashfs")]


def blocks(conf, name, v):
    """The blocks of v_map option NAME matching variant V, in config order (deep copies)."""
    found = []
    for pattern, value in (conf.get(name) or {}).items():
        if re.match(pattern, v["uid"]):
            found.extend(copy.deepcopy(value if isinstance(value, list) else [value]))
    return found


def pick(conf, block, key, phase_option):
    """A block's KEY, else the phase's option, else global_<key> (Pungi's precedence)."""
    for source, name in ((block, key), (conf, phase_option), (conf, "global_" + key)):
        if source.get(name) is not None:
            return source[name]
    return None


def koji_target(conf, block, phase_option, where, old_option=None):
    """The Koji target of a block (pick()'s precedence, then OLD_OPTION, the phase option's old
    name); none: one error line naming WHERE."""
    target = pick(conf, block, "target", phase_option) or (old_option and conf.get(old_option))
    if not target:
        raise PunjiError("%s: no Koji target (set 'target', %s or global_target)" % (where, phase_option))
    return target


def require_keys(block, keys, where):
    """Fail with one line naming WHERE when a block lacks one of KEYS (or has it empty)."""
    for key in keys:
        if not block.get(key):
            raise PunjiError("%s: '%s' is missing" % (where, key))


def release(topdir, conf, block, phase_option):
    """The release of a block: its 'release', else the phase's, else global_release, through
    generated(); a null or empty one is image_release; never set: None."""
    for source, name in ((block, "release"), (conf, phase_option), (conf, "global_release")):
        if name in source:
            return generated(topdir, conf, source[name], name) or request.image_release(topdir)
    return None


def version(topdir, conf, block, phase_option):
    """The version of a block: its 'version', else the phase's, else global_version, through
    generated(); none set: image_version (release_version, _<milestone> of a label)."""
    value = pick(conf, block, "version", phase_option)
    return str(generated(topdir, conf, value, "version") or value or
               request.image_version(topdir, conf["release_version"]))


def generated(topdir, conf, value, option):
    """VALUE, or the value a Pungi generator ('!VERSION_FROM_VERSION', ...) stands for."""
    try:
        return request.generated_version(topdir, conf["release_version"], value)
    except PunjiError as exc:
        raise PunjiError("option '%s': %s" % (option, exc))


def tree_url(topdir, conf, v, arch="$arch"):
    """The os tree of variant V (a variants.json record; ARCH may be '$arch') as Koji's builders
    see it (translate_paths); an addon's is its parent's (Pungi's paths.compose.os_tree)."""
    return layout.translate_path(layout.at(topdir, layout.os_tree(images_home(v), arch)), conf.get("translate_paths"))


def repository_url(topdir, conf, v, arch="$arch"):
    """Variant V as a repository, as Koji's builders see it (Pungi's paths.compose.repository):
    its os tree, an addon's repository inside its parent's (<tree>/addons/<id>)."""
    return layout.translate_path(layout.at(topdir, layout.repo_dir(v, arch)), conf.get("translate_paths"))


def images_home(v):
    """The variant whose images/ directory variant V's images go to: an addon's parent's (Pungi's
    paths.compose.image_dir), else V's own."""
    return v["parent"] if v["type"] == "addon" else v["uid"]


def repo_url(topdir, conf, repo, by_uid, where):
    """A repository as Koji's builders see it (Pungi's get_repo_url): a variant uid is its
    repository ('$arch'), an absolute path goes through translate_paths, a URL stays."""
    if repo in by_uid:
        return repository_url(topdir, conf, by_uid[repo])
    if repo.startswith("/"):
        return layout.translate_path(repo, conf.get("translate_paths"))
    if "://" not in repo:
        raise PunjiError("%s: repo %r is no variant of the compose, absolute path nor URL" % (where, repo))
    return repo


def repo_urls(topdir, conf, repos, by_uid, where):
    """REPOS (each as repo_url gives it; a {"baseurl"} dict: its baseurl), without repeats."""
    urls = []
    for repo in repos:
        if isinstance(repo, dict):
            repo = repo_base(repo, where)
        urls.append(repo_url(topdir, conf, repo, by_uid, where))
    return list(dict.fromkeys(urls))


def repo_base(repo, where):
    """The baseurl of a repository given as a dict."""
    if not repo.get("baseurl"):
        raise PunjiError("%s: repo %r has no baseurl" % (where, repo))
    return repo["baseurl"]


def with_variant(repos, uid):
    """A block's repos (a string or a list) followed by the variant's own, when not listed."""
    repos = [repos] if isinstance(repos, str) else list(repos or [])
    return repos if uid in repos else repos + [uid]


def block_arches(conf, option, tree):
    """(variant, block number, block, its arches) of every block of v_map OPTION whose
    'arches' (default: all the variant's binary arches) leave any of the variant's."""
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(blocks(conf, option, v)):
            wanted = sorted(set(block["arches"]) & set(arches)) if block.get("arches") else arches
            if wanted:
                yield v, number + 1, block, wanted


def failable_arches(block, wanted):
    """The arches of WANTED a block's 'failable' names ("*": all of them)."""
    failable = block.get("failable") or []
    return list(wanted) if failable == ["*"] else sorted(set(failable) & set(wanted))


def bundle_kind(name):
    """(type, format) of an image file NAME of a kiwi or image-builder task (BUNDLE_ENDINGS,
    then EXTENSIONS), or None for other files (package lists, manifests, checksums)."""
    for image_type, ending, image_format in BUNDLE_ENDINGS:
        if name.endswith("." + ending):
            return image_type, image_format
    for image_type, endings in EXTENSIONS.items():
        for ending in endings:
            if name.endswith("." + ending):
                return image_type, ending
    return None


def manifest_type(block, where):
    """A block's manifest_type (the images' productmd type instead of the one their endings
    give), None when unset; one productmd knows."""
    import productmd.images

    wanted = block.get("manifest_type")
    if wanted and wanted not in productmd.images.SUPPORTED_IMAGE_TYPES:
        raise PunjiError("%s: manifest_type %r is no productmd image type (known: %s)"
                         % (where, wanted, ", ".join(sorted(productmd.images.SUPPORTED_IMAGE_TYPES))))
    return wanted


def take_bundle(topdir, job, arch, name):
    """A kiwi or image-builder file goes to images/ (an ISO: iso/, bootable) typed by
    bundle_kind, the block's manifest_type winning."""
    kind = bundle_kind(name)
    if not kind:
        return None
    image_type, image_format = kind
    iso = image_format == "iso"
    home = job["variant"] if iso else job.get("images_in", job["variant"])
    return {"dir": (layout.iso_dir if iso else layout.image_dir)(home, arch),
            "type": job.get("manifest_type") or image_type, "format": image_format, "bootable": iso}


def failable_everywhere(conf, uid, arches, deliverable):
    """Whether failable_deliverables lets DELIVERABLE of variant UID fail on all ARCHES."""
    return bool(arches) and all(deliverable in va_data(conf.get("failable_deliverables"), uid, a)
                                for a in arches)


def publish(topdir, conf, phase, images, failed, facts):
    """Put the fetched images in place, record them, remove the last run's leftovers, write
    the state. IMAGES: [{"variant", "arch", "image": productmd fields}] already in place."""
    path = layout.at(topdir, layout.koji_images_json(phase))
    old = jsonio.read_json(path)["images"] if os.path.isfile(path) else []
    keep = {i["image"]["path"] for i in images}
    for record in old:
        if record["image"]["path"] not in keep:
            stale = layout.at(topdir, os.path.join("compose", record["image"]["path"]))
            if os.path.lexists(stale):
                os.unlink(stale)
    images = sorted(images, key=lambda i: (i["variant"], i["arch"], i["image"]["path"]))
    jsonio.write_json(path, {"header": state.header(phase + "-result"), "images": images, "failed": failed})
    if failed:
        facts = dict(facts, error=failed[0] + ("" if len(failed) == 1 else " (and %d more)" % (len(failed) - 1)))
    state.write(topdir, phase, failed=bool(failed), errors=failed, images=len(images),
                result=layout.koji_images_json(phase), **facts)


def image_record(topdir, rel, arch, image_type, suffix, subvariant):
    """The productmd image fields of file REL (compose-relative to topdir) as Pungi fills them."""
    st = os.stat(layout.at(topdir, rel))
    return {"path": os.path.relpath(rel, "compose"), "mtime": int(st.st_mtime), "size": st.st_size,
            "volume_id": None, "type": image_type, "format": suffix, "arch": arch, "disc_number": 1,
            "disc_count": 1, "checksums": {}, "implant_md5": None, "bootable": False, "subvariant": subvariant}


def run_jobs(topdir, conf, phase, prog, jobs, chooser, finish=None, collector=None, allow_reuse=False):
    """Submit JOBS ({"method", "args", "opts" (sent as opts=) or "kwargs" (all keyword
    arguments), "variant", "block", "what", "children", "can_fail", "optional", "subvariant",
    ["inputs": fingerprint]}) at once, wait for all, fetch the files CHOOSER (topdir, job, arch,
    name) -> {"dir", "type", "format", ["rename": the file's name in the compose], [productmd
    fields]} or None picks from each closed child task, record them (FINISH(topdir, record) may
    add fields read from the file) and write the state. COLLECTOR (collect's arguments) replaces
    collect for tasks whose images are not their children's files. ALLOW_REUSE: a job of the
    old compose with the same inputs is taken over instead (punji_lib.koji.reuse)."""
    if not jobs:
        log.info("%s: no block matches a variant with its arches", phase)
        publish(topdir, conf, phase, [], [], {"tasks": []})
        return
    old = kojireuse.old_jobs(topdir, phase) if allow_reuse else None
    images, failed, made = [], [], {}
    fresh = []
    for job in jobs:
        taken = kojireuse.take_images(topdir, phase, old, job)
        if taken is None:
            fresh.append(job)
            continue
        images.extend(taken)
        made[job["task"]] = [e["image"]["path"] for e in taken]
    record = adopt.TaskRecord(topdir, phase)
    try:
        errors = _build(topdir, conf, prog, fresh, images, failed, made, chooser, finish, collector, record)
    except BaseException:
        record.forget()
        raise
    if errors:
        record.forget()
        raise PunjiError(errors[0] + ("" if len(errors) == 1 else " (and %d more failed tasks; see the log)"
                                      % (len(errors) - 1)))
    facts = {"tasks": sorted(job["task"] for job in jobs)}
    records = kojireuse.job_records(jobs, made)
    if records:
        facts["jobs"] = records
    publish(topdir, conf, phase, images, failed, facts)
    record.forget()  # only once the state is written: a kill before it leaves the tasks to take over


def _build(topdir, conf, prog, fresh, images, failed, made, chooser, finish, collector, record):
    """Submit (or take over from a killed run, RECORD) the tasks of the FRESH jobs, wait for them,
    collect their images into IMAGES and MADE; the errors of tasks that may not fail."""
    errors = []
    if fresh:
        session = kojitasks.TaskSession(conf.get("koji_profile"))
        session.login()
        for job in fresh:
            keywords = job["kwargs"] if "kwargs" in job else {"opts": job["opts"]}
            job["task"] = record.submit(session, job["method"], *job["args"], **keywords)
            log.info("%s: task %s for %s", job["what"], job["task"], ",".join(job["arches"]))
        infos = session.wait([job["task"] for job in fresh])
    for job in fresh:
        info = infos[job["task"]]
        if info["state"] != kojitasks.CLOSED:
            message = "%s: %s" % (job["what"], session.error(job["task"], info))
            if not job["can_fail"]:
                errors.append(message)
                continue
            warn(prog, message + " (failable: the compose goes on without it)")
            failed.append(message)
            job["failed"] = True
            continue
        before = len(failed)
        found = (collector or collect)(topdir, conf, session, job, failed, prog, chooser, finish)
        job["failed"] = len(failed) > before
        made[job["task"]] = [e["image"]["path"] for e in found]
        images.extend(found)
    return errors


def collect(topdir, conf, session, job, failed, prog, chooser, finish=None):
    """The images of one closed task: its child tasks' chosen files, fetched."""
    found = []
    for child in session.children(job["task"]):
        if child.get("method") not in job["children"]:
            continue
        if child["state"] != kojitasks.CLOSED:
            message = "%s: %s" % (job["what"], session.error(child["id"], child))
            if child.get("arch") in job["optional"] or job["can_fail"]:
                warn(prog, message + " (failable arch: the compose goes on without it)")
                failed.append(message)
                continue
            raise PunjiError(message)
        result = session.result(child["id"])
        arch = result.get("arch") or child.get("arch")
        sizes = session.outputs(child["id"])
        for name in sorted(os.path.basename(f) for f in result.get("files") or []):
            where = chooser(topdir, job, arch, name)
            if not where:
                continue
            rel = os.path.join(where.pop("dir"), where.pop("rename", None) or name)
            digest = session.fetch(child["id"], name, layout.at(topdir, rel), conf.get("link_type"), sizes)
            log.info("%s: %s from task %s (sha256 %s)", job["what"], rel, child["id"], digest)
            record = image_record(topdir, rel, arch, where.pop("type"), where.pop("format"), job["subvariant"])
            record.update(where)
            if finish:
                finish(topdir, record)
            found.append({"variant": job["variant"], "arch": arch, "task": child["id"], "sha256": digest,
                          "can_fail": job["can_fail"], "image": record})
    return found

