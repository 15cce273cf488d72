"""Images built by osbuild through Koji (Pungi's osbuild, the koji-osbuild plugin), all blocks at once.

osbuild maps variant uid regexes to blocks. Every block matching a variant gives
one Koji task, osbuildImage(name, version, distro, image_types, target, arches,
opts=opts) — the call Pungi makes — with:

    arches        the block's 'arches' the variant has (all its arches when the block has
                  no 'arches'); none left: no task
    version       the block's, osbuild_version or global_version (Pungi's generators such as
                  !VERSION_FROM_VERSION resolved), else release_version (_<milestone> of a label)
    target        the block's, osbuild_target or global_target
    image_types   the block's (one string becomes a list, as the hub takes it)
    opts          repo: the block's 'repo' entries and then the variant itself (unless it is
                  is_empty or listed already): a variant uid becomes its os tree ('$arch'), an
                  absolute path is translated (translate_paths), a URL is kept, a
                  {baseurl, package_sets} dict keeps its keys with baseurl resolved alike;
                  release (block, osbuild_release, global_release; null or a generator:
                  <date><type suffix>.<respin> or the label's release); ostree {url, ref,
                  parent} from ostree_url/ostree_ref/ostree_parent; upload_options;
                  customizations

The koji-osbuild builder imports one Koji build per task; the task result names it
({"koji": {"build": id}}). Its archives whose type Pungi knows (image-build's
formats, iso, vhd-compressed) and that carry extra.image.arch are linked from the
build's images/ directory on the hub's topdir, or downloaded from topurl, into
compose/<variant>/<arch>/images/ — iso/ for an ISO — and recorded as productmd
images: type manifest_type, else the archive type (an ISO: dvd-ostree-osbuild,
live-osbuild, boot or dvd by its file name), format the matching file name
suffix, not bootable, subvariant the block's or the variant uid. They go to
work/global/osbuild/images.json, which punji-createiso --assemble adds to
images.json.

Failures: a block with 'failable' arches, or whose variant's failable_deliverables
name "osbuild" on every arch, may fail (Pungi fails the whole task then, so any
failable arch makes the block failable): its failed task, or a build whose
images cannot be taken, is a warning, and the state file records failed (the
compose finishes FINISHED_INCOMPLETE). Any other failure fails the phase with one
line naming the block, the task and the hub's error.
"""

import os

from ..compose import jsonio, layout
from ..errors import PunjiError
from ..koji import images
from ..log import log, warn

PHASE = "osbuild"
PROG = "punji-osbuild"
DELIVERABLE = "osbuild"
METHOD = "osbuildImage"

# archive type -> the file name endings of its images: image-build's and what osbuild adds
EXTENSIONS = dict(images.EXTENSIONS, **{"iso": ["iso"], "vhd-compressed": ["vhd.gz", "vhd.xz"]})


def plan(topdir, conf, tree):
    """[job]: one per (variant, block) with arches left: the call's arguments and what to keep."""
    by_uid = {v["uid"]: v for v in tree}
    jobs = []
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(images.blocks(conf, "osbuild", v), 1):
            where = "option 'osbuild' (variant %s, block %d)" % (v["uid"], number)
            wanted = sorted(set(block["arches"]) & set(arches)) if "arches" in block else arches
            if not wanted:
                continue
            target = images.koji_target(conf, block, "osbuild_target", where)
            failable = block.get("failable") or []
            failable = wanted if failable == ["*"] else sorted(failable)
            image_types = block["image_types"]
            jobs.append({
                "method": METHOD, "what": "osbuild %s of %s (block %d)" % (block["name"], v["uid"], number),
                "variant": v["uid"], "images_in": images.images_home(v), "block": number, "arches": wanted,
                "subvariant": block.get("subvariant") or v["uid"], "manifest_type": block.get("manifest_type"),
                "can_fail": bool(failable) or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
                "args": [block["name"], str(images.version(topdir, conf, block, "osbuild_version")),
                         block["distro"], [image_types] if isinstance(image_types, str) else image_types,
                         target, wanted],
                "opts": options(topdir, conf, block, v, by_uid, where),
            })
    return jobs


def options(topdir, conf, block, v, by_uid, where):
    """The opts of a block's osbuildImage call."""
    repos = list(block.get("repo") or [])
    if not v.get("is_empty") and v["uid"] not in repos:
        repos.append(v["uid"])
    opts = {"repo": [repo_url(topdir, conf, r, by_uid, where) for r in repos]}
    ostree = {key: block["ostree_" + key] for key in ("url", "ref", "parent") if block.get("ostree_" + key)}
    if ostree:
        opts["ostree"] = ostree
    for key in ("upload_options", "customizations"):
        if block.get(key):
            opts[key] = block[key]
    release = images.release(topdir, conf, block, "osbuild_release")
    if release:
        opts["release"] = release
    return opts


def repo_url(topdir, conf, repo, by_uid, where):
    """A repo entry as Koji's builders reach it: a variant uid -> its os tree ('$arch'), an
    absolute path translated, a URL as it is; a dict keeps its keys, baseurl resolved."""
    if isinstance(repo, dict):
        return dict(repo, baseurl=repo_url(topdir, conf, repo["baseurl"], by_uid, where))
    if repo.startswith("/"):
        return layout.translate_path(repo, conf.get("translate_paths"))
    if "://" in repo:
        return repo
    if repo not in by_uid:
        raise PunjiError("%s: repo %r is no variant of the compose, no URL and no absolute path" % (where, repo))
    return images.repository_url(topdir, conf, by_uid[repo])


def take(topdir, job, arch, archive):
    """Where an archive of the build goes and its productmd type and format, or None (a type
    Pungi does not take)."""
    name, kind = archive["filename"], archive["type_name"]
    if kind not in EXTENSIONS:
        return None
    suffix = next((s for s in EXTENSIONS[kind] if name.endswith(s)), None)
    if suffix is None:
        raise PunjiError("%s: archive %s of type %s ends with none of %s"
                         % (job["what"], name, kind, ", ".join(EXTENSIONS[kind])))
    if kind == "iso":
        return {"dir": layout.iso_dir(job["variant"], arch), "type": job["manifest_type"] or iso_type(name),
                "format": suffix}
    return {"dir": layout.image_dir(job["images_in"], arch), "type": job["manifest_type"] or kind, "format": suffix}


def iso_type(filename):
    """The productmd type Pungi gives an osbuild ISO, by its file name."""
    name = filename.lower()
    if "ostree" in name:
        return "dvd-ostree-osbuild"
    if "live" in name:
        return "live-osbuild"
    if "netinst" in name or "boot" in name:
        return "boot"
    return "dvd"


def collect(topdir, conf, session, job, failed, prog, chooser, finish=None):
    """The images of one closed task: the image archives of the build its result names, fetched.
    A failable block's build that cannot be taken is a warning and a failure, as in Pungi."""
    try:
        return fetch_build(topdir, conf, session, job, chooser)
    except PunjiError as exc:
        if not job["can_fail"]:
            raise
        warn(prog, "%s (failable: the compose goes on without it)" % exc)
        failed.append(str(exc))
        return []


def fetch_build(topdir, conf, session, job, chooser):
    """The records of the chosen archives of JOB's build, every one checked before any is fetched."""
    result = session.result(job["task"]) or {}
    build_id = (result.get("koji") or {}).get("build")
    if not build_id:
        raise PunjiError("%s: koji task %s names no build in its result" % (job["what"], job["task"]))
    build = session.call("getBuild", int(build_id), strict=True)
    chosen = []
    for archive in sorted(session.call("listArchives", buildID=int(build_id)), key=lambda a: a["filename"]):
        arch = ((archive.get("extra") or {}).get("image") or {}).get("arch")
        if archive["type_name"] in EXTENSIONS and not arch:
            raise PunjiError("%s: archive %s of build %s has no architecture (extra.image.arch)"
                             % (job["what"], archive["filename"], build["nvr"]))
        where = chooser(topdir, job, arch, archive)
        if where:
            chosen.append((archive, arch, where))
    found = []
    for archive, arch, where in chosen:
        rel = os.path.join(where["dir"], archive["filename"])
        source = "%s/images/%s" % (session.build_dir(build), archive["filename"])
        digest = session.fetch_file(source, layout.at(topdir, rel), conf.get("link_type"), int(archive["size"]),
                                    "koji build %s" % build["nvr"])
        log.info("%s: %s from build %s (sha256 %s)", job["what"], rel, build["nvr"], digest)
        found.append({"variant": job["variant"], "arch": arch, "task": job["task"], "build": build["nvr"],
                      "sha256": digest, "can_fail": job["can_fail"],
                      "image": images.image_record(topdir, rel, arch, where["type"], where["format"],
                                                   job["subvariant"])})
    return found


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take, collector=collect)
