"""Images built by Koji's image-build (Pungi's image_build), all blocks of the compose at once.

image_build maps variant uid regexes to blocks {"image-build": {...},
"factory-parameters": {...}}. Every block matching a variant gives one Koji
task, buildImageOz(name, version, arches, target, install_tree, opts) — the
call `koji image-build` makes for Pungi's config file — with:

    arches        the block's 'arches' that the variant has (all its arches when not given);
                  none left: no task
    install_tree  the os tree of 'install_tree_from' (a variant uid, an absolute path or a
                  URL; default the variant, or its parent for an addon/optional/layered
                  product), '$arch' for the arch, through translate_paths
    opts          kickstart, ksurl (block, image_build_ksurl, global_ksurl), distro,
                  disk_size ('disk_size' or 'disc_size'), format (the format names:
                  [format, suffix] pairs give their format), repo (the block's 'repo':
                  variant uids become their os trees as install_tree, other strings are
                  kept, then the variant's own tree), release (block, image_build_release,
                  global_release; null: <date><type suffix>.<respin>), scratch,
                  factory_parameter ([key, value] pairs of factory-parameters, sorted),
                  optional_arches (the block's 'failable' arches when not all of them)
    name, version the block's, image_build_version or global_version or release_version;
    target        the block's, image_build_target or global_target

The tasks are submitted together, then waited for together (punji_lib.kojitasks).
Each closed createImage child task (one per arch) gives its files whose names end
with a suffix of the block's formats (Pungi's EXTENSIONS); they are linked or
downloaded into compose/<variant>/<arch>/images/ under the name Koji gave them,
and recorded as productmd images (type: the format, format: the suffix,
subvariant: the block's or the variant uid) in work/global/imagebuild/images.json,
which punji-createiso --assemble adds to images.json.

Failures: a block whose 'failable' covers all its arches (or "*"), or whose
variant's failable_deliverables name "image-build" on every arch, may fail:
its error is a warning and the state file records failed (the compose finishes
FINISHED_INCOMPLETE). A failed optional arch loses only that arch's images. Any
other failed task fails the phase with one line naming the task and the hub's
error. Images of an earlier run that this run did not make again are removed.
"""

import copy
import os
import re

from .. import config, jsonio, kojitasks, layout, state
from ..cli import log, warn
from ..errors import PunjiError

PHASE = "imagebuild"
PROG = "punji-imagebuild"
DELIVERABLE = "image-build"
METHOD = "buildImageOz"

# image-build format -> the file name endings of its images (as Koji names them)
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


# -- shared by the Koji image phases ------------------------------------------------------

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


def image_release(topdir):
    """<date><type suffix>.<respin>: Pungi's image_release."""
    from . import init

    req = init.request(topdir)
    suffix = {"production": "", "test": ".t", "nightly": ".n", "ci": ".ci"}.get(req["compose_type"], "")
    return "%s%s.%s" % (req["date"], suffix, req["respin"])


def release(topdir, conf, block, phase_option):
    """The release of a block: its 'release', else the phase's, else global_release; a null
    (or !RELEASE_FROM_LABEL_DATE_TYPE_RESPIN) one is image_release; never set: None."""
    for source, name in ((block, "release"), (conf, phase_option), (conf, "global_release")):
        if name in source:
            value = source[name]
            if value is None or value == "!RELEASE_FROM_LABEL_DATE_TYPE_RESPIN":
                return image_release(topdir)
            return value
    return None


def tree_url(topdir, conf, uid, arch="$arch"):
    """The os tree of variant UID (ARCH may be '$arch') as Koji's builders see it (translate_paths)."""
    return kojitasks.translate_path(layout.at(topdir, layout.os_tree(uid, arch)), conf.get("translate_paths"))


def repo_urls(topdir, conf, repos, by_uid):
    """Variant uids -> their os trees ('$arch'), other strings (URLs, paths) as they are."""
    result = []
    for repo in repos:
        url = tree_url(topdir, conf, repo) if repo in by_uid else repo
        if url not in result:
            result.append(url)
    return result


def failable_everywhere(conf, uid, arches, deliverable):
    """Whether failable_deliverables lets DELIVERABLE of variant UID fail on all ARCHES."""
    return bool(arches) and all(deliverable in config.va_data(conf.get("failable_deliverables"), uid, a)
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


# -- image_build ------------------------------------------------------------------------------

def plan(topdir, conf, tree):
    """[job]: one per (variant, block) with arches left: the call's arguments and what to keep."""
    by_uid = {v["uid"]: v for v in tree}
    jobs = []
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(blocks(conf, "image_build", v)):
            ib = block.get("image-build") or {}
            where = "option 'image_build' (variant %s, block %d)" % (v["uid"], number + 1)
            wanted = sorted(set(ib["arches"]) & set(arches)) if ib.get("arches") else arches
            if not wanted:
                continue
            formats = [f[0] if isinstance(f, (list, tuple)) else f
                       for f in (ib.get("format") if isinstance(ib.get("format"), list) else [ib.get("format")])
                       if f]
            if not formats:
                raise PunjiError("%s: 'format' is missing" % where)
            unknown = [f for f in formats if f not in EXTENSIONS]
            if unknown:
                raise PunjiError("%s: unknown format %s (known: %s)" % (where, ", ".join(unknown),
                                                                         ", ".join(sorted(EXTENSIONS))))
            for key in ("name", "kickstart"):
                if not ib.get(key):
                    raise PunjiError("%s: '%s' is missing" % (where, key))
            target = pick(conf, ib, "target", "image_build_target")
            if not target:
                raise PunjiError("%s: no Koji target (set 'target', image_build_target or global_target)" % where)
            version = pick(conf, ib, "version", "image_build_version") or conf["release_version"]
            source = ib.get("install_tree_from")
            if source is None:
                source = v["uid"] if v["type"] == "variant" or not v.get("parent") else v["parent"]
            if "://" in source:
                install_tree = source
            elif source.startswith("/"):
                install_tree = kojitasks.translate_path(source, conf.get("translate_paths"))
            elif source in by_uid:
                install_tree = tree_url(topdir, conf, source)
            else:
                raise PunjiError("%s: install_tree_from %r is no variant of the compose" % (where, source))
            repos = ib.get("repo") or []
            repos = ([repos] if isinstance(repos, str) else list(repos)) + [v["uid"]]
            failable = ib.get("failable") or []
            failable = wanted if failable == ["*"] else sorted(set(failable) & set(wanted))
            opts = {"kickstart": ib["kickstart"], "format": formats,
                    "repo": repo_urls(topdir, conf, repos, by_uid)}
            ksurl = pick(conf, ib, "ksurl", "image_build_ksurl")
            if ksurl:
                opts["ksurl"] = ksurl
            for key in ("distro", "ksversion", "specfile", "ova_option"):
                if ib.get(key) is not None:
                    opts[key] = ib[key]
            size = ib.get("disk_size", ib.get("disc_size"))
            if size is not None:
                opts["disk_size"] = size
            rel = release(topdir, conf, ib, "image_build_release")
            if rel:
                opts["release"] = rel
            if ib.get("scratch"):
                opts["scratch"] = True
            if block.get("factory-parameters"):
                opts["factory_parameter"] = [[k, str(val)] for k, val in sorted(block["factory-parameters"].items())]
            if failable and failable != wanted:
                opts["optional_arches"] = failable
            jobs.append({
                "method": METHOD, "children": ["createImage"],
                "what": "image_build of %s (block %d)" % (v["uid"], number + 1),
                "variant": v["uid"], "block": number + 1, "arches": wanted, "formats": formats,
                "subvariant": ib.get("subvariant") or v["uid"],
                "can_fail": failable == wanted or failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
                "optional": failable, "args": [ib["name"], str(version), wanted, target, install_tree],
                "opts": opts,
            })
    return jobs


def matching(formats, filename):
    """(format, suffix) of the first of FORMATS whose suffix FILENAME ends with, else None."""
    for fmt in formats:
        for suffix in EXTENSIONS[fmt]:
            if filename.endswith("." + suffix):
                return fmt, suffix
    return None


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take)


def take(topdir, job, arch, name):
    """Where the file NAME of a createImage task goes and its productmd type and format, or None."""
    kind = matching(job["formats"], name)
    if not kind:
        return None
    return {"dir": layout.image_dir(job["variant"], arch), "type": kind[0], "format": kind[1]}


# -- shared by the Koji image phases: submit every job, wait, fetch, record ------------------

def run_jobs(topdir, conf, phase, prog, jobs, chooser, finish=None):
    """Submit JOBS ({"method", "args", "opts", "variant", "block", "what", "children",
    "can_fail", "optional", "subvariant"}) at once, wait for all, fetch the files CHOOSER
    (topdir, job, arch, name) -> {"dir", "type", "format", ["rename": the file's name in the
    compose], [productmd fields]} or None picks
    from each closed child task, record them (FINISH(topdir, record) may add fields read
    from the file) and write the state."""
    if not jobs:
        log.info("%s: no block matches a variant with its arches", phase)
        publish(topdir, conf, phase, [], [], {"tasks": []})
        return
    session = kojitasks.TaskSession(conf.get("koji_profile"))
    session.login()
    for job in jobs:
        job["task"] = session.submit(job["method"], *job["args"], opts=job["opts"])
        log.info("%s: task %s for %s", job["what"], job["task"], ",".join(job["arches"]))
    infos = session.wait([job["task"] for job in jobs])
    images, failed, errors = [], [], []
    for job in jobs:
        info = infos[job["task"]]
        if info["state"] != kojitasks.CLOSED:
            message = "%s: %s" % (job["what"], session.error(job["task"], info))
            if not job["can_fail"]:
                errors.append(message)
                continue
            warn(prog, message + " (failable: the compose goes on without it)")
            failed.append(message)
            continue
        images.extend(collect(topdir, conf, session, job, failed, prog, chooser, finish))
    if errors:
        raise PunjiError(errors[0] + ("" if len(errors) == 1 else " (and %d more failed tasks; see the log)"
                                      % (len(errors) - 1)))
    publish(topdir, conf, phase, images, failed, {"tasks": sorted(job["task"] for job in jobs)})


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
