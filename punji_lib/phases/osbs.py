"""Container images built by OSBS through Koji (Pungi's osbs), all blocks at once.

osbs maps variant uid regexes to a block or a list of blocks. Every block
matching a variant gives one Koji task, buildContainer(url, target, opts,
priority=priority), with opts the block's keys but url, target, priority,
gpgkey, repo, failable and registry, plus yum_repourls: for the variant and
then each entry of the block's 'repo' a URL of a .repo file — an entry with
'://' is used as it is ($COMPOSE_ID replaced), a variant uid or an absolute
path gets a .repo file written in work/global/osbs/ whose baseurl is that
variant's os tree ('$basearch') or that path, both through translate_paths,
gpgcheck from 'gpgkey'.

The tasks are submitted together and waited for together. For each finished
build (the task result's koji_builds) the build and its image archives
(listArchives type image) become entries of compose/metadata/osbs.json
{variant: {arch: [{filename, size, checksum, <archive extra>, compose_id,
koji_task, name, version, release, nvr, creation_time}]}}; a scratch build
gives {compose_id, koji_task, repositories} under the arch "scratch". As in
Pungi, image_container's builds go into the same file: each of the two phases
records its own in work/global/<phase>/osbs.json and writes osbs.json from
both (punji_lib.koji.containers). The images stay in the registry; nothing is copied into the
compose. With
osbs_registries, the registry of each NVR (the first matching glob) goes to
logs/global/osbs-registries.json. A block with 'failable' true (or
failable_deliverables "osbs" on all the variant's arches) may fail: a warning,
the state file records failed; any other failed task fails the phase with one
line naming the task and the hub's error.

With osbs_allow_reuse, a block whose inputs are those a block of the old compose was built
from sends no task: its builds' records are taken over (the old task and archives, this
compose's id), as Pungi reuses the old task (punji_lib.koji.reuse). Its inputs, as in Pungi:
the block as given (but 'failable'), the image-build.conf of its git source (url#ref, else
git_branch) with its ksurl's ref resolved to a commit (no image-build.conf or no ksurl: never
reused), and buildinstall (made anew for the variant on an arch of image-build.conf: built
again); beyond Pungi, the source's ref resolved too. The packages Koji lists in the old images
(listRPMs of each archive, asked for after a build when the option is on) must all still be
in the compose (rpms.json).
"""

import fnmatch
import os
import tempfile

from ..compose import jsonio, layout, request, state
from ..config import scm
from ..errors import PunjiError
from ..koji import adopt, containers, images
from ..koji import reuse as kojireuse
from ..log import log

PHASE = "osbs"
PROG = "punji-osbs"
DELIVERABLE = "osbs"
OWN_KEYS = ("url", "target", "priority", "gpgkey", "repo", "failable", "registry")
REUSE = "osbs_allow_reuse"
IMAGE_CONF = "image-build.conf"


def repo_url(topdir, conf, compose_id, uid, number, repo, by_uid, gpgkey):
    """The URL of a .repo file for REPO (a URL, a variant uid or an absolute path)."""
    if "://" in repo:
        return repo.replace("$COMPOSE_ID", compose_id)
    if repo.startswith("/"):
        baseurl, label = repo, "local"
    elif repo in by_uid:
        baseurl, label = layout.at(topdir, layout.os_tree(repo, "$basearch")), repo
    else:
        raise PunjiError("option 'osbs' (variant %s, block %d): repo %r is no variant of the compose, no URL "
                         "and no absolute path" % (uid, number, repo))
    rel = layout.osbs_repo_file(uid, number, label)
    lines = ["[%s-%s-%d]" % (compose_id, label, number), "name=Compose %s (RPMs) - %s" % (compose_id, label),
             "baseurl=%s" % layout.translate_path(baseurl, conf.get("translate_paths")), "enabled=1",
             "gpgcheck=%d" % (1 if gpgkey else 0)] + (["gpgkey=%s" % gpgkey] if gpgkey else [])
    jsonio.write_text(layout.at(topdir, rel), "\n".join(lines) + "\n")
    return layout.translate_path(layout.at(topdir, rel), conf.get("translate_paths"))


def plan(topdir, conf, tree):
    by_uid = {v["uid"]: v for v in tree}
    compose_id = request.read(topdir)["compose_id"]
    jobs = []
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(images.blocks(conf, "osbs", v), 1):
            repos = block.get("repo") or []
            repos = [v["uid"]] + ([repos] if isinstance(repos, str) else list(repos))
            opts = {k: value for k, value in sorted(block.items()) if k not in OWN_KEYS}
            opts["yum_repourls"] = [repo_url(topdir, conf, compose_id, v["uid"], number, r, by_uid,
                                             block.get("gpgkey")) for r in dict.fromkeys(repos)]
            jobs.append({
                "what": "osbs build of %s (block %d, %s)" % (v["uid"], number, block["url"]),
                "variant": v["uid"], "block": number, "arches": arches,
                "can_fail": bool(block.get("failable"))
                or images.failable_everywhere(conf, v["uid"], arches, DELIVERABLE),
                "scratch": bool(block.get("scratch")), "registry": block.get("registry"),
                "args": [block["url"], block["target"], opts], "priority": block.get("priority"),
            })
            if conf.get(REUSE):
                jobs[-1]["inputs"] = fingerprint(topdir, block, jobs[-1])
    return jobs


def fingerprint(topdir, block, job):
    """The inputs of JOB (its BLOCK as given) when two composes can share them; None when its
    image-build.conf or ksurl cannot be read or buildinstall made the variant's boot files anew."""
    import configparser

    what = "option 'osbs' (variant %s, block %d)" % (job["variant"], job["block"])
    repo, _sep, ref = block["url"].partition("#")
    try:
        with tempfile.TemporaryDirectory(prefix="punji-osbs-") as tmp:
            scm.export({"scm": "git", "repo": repo, "branch": ref or block.get("git_branch"), "file": IMAGE_CONF},
                       tmp, what, None, workdir=tmp)
            with open(os.path.join(tmp, IMAGE_CONF), encoding="utf-8") as f:
                text = f.read()
        parser = configparser.ConfigParser()
        parser.read_string(text)
        ksurl = parser.get("image-build", "ksurl", fallback=None)
        if not ksurl:
            raise PunjiError("%s of %s has no ksurl" % (IMAGE_CONF, block["url"]))
        ksurl = scm.resolve_git_url(ksurl, what)
        source = scm.resolve_git_url("%s#%s" % (repo, ref or block.get("git_branch")), what)
    except (PunjiError, OSError, configparser.Error) as exc:
        log.info("%s: not reusable: %s", job["what"], exc)
        return None
    arches = [a.strip() for a in parser.get("image-build", "arches", fallback="").split(",") if a.strip()]
    made = kojireuse.boot_files_made(topdir, [job["variant"]], arches or job["arches"])
    if made:
        log.info("%s: not reusable: buildinstall made %s anew", job["what"], made)
        return None
    given = {k: value for k, value in block.items() if k != "failable"}
    return state.digest(given, text, ksurl, source, job["can_fail"])


def take_over(old, job, compose_id, packages):
    """{variant: {arch: [osbs.json entries]}} of JOB's builds in the old compose OLD (old_jobs),
    under COMPOSE_ID, when it built them from JOB's inputs and every package Koji listed in its
    images is among PACKAGES; None when the block must be built."""
    record = kojireuse.record_for(old, job)
    if record is None:
        return None
    gone = sorted(set(record.get("rpmlist") or []) - packages)
    if gone:
        log.info("%s: not taken over from %s: %s of its image is not in the compose", job["what"], old[0], gone[0])
        return None
    try:
        parts = jsonio.read_json(layout.at(old[0], layout.osbs_part(PHASE)))["builds"].get(job["variant"], {})
    except (OSError, ValueError, KeyError) as exc:
        log.info("%s: not taken over from %s: %s", job["what"], old[0], exc)
        return None
    builds = {arch: [dict(e, compose_id=compose_id) for e in entries if e["koji_task"] == record["task"]]
              for arch, entries in parts.items()}
    builds = {arch: entries for arch, entries in builds.items() if entries}
    if not builds:
        return None
    kojireuse.taken(old, job, record)
    return {job["variant"]: builds}


def _compose_nevras(topdir):
    """Every NEVRA of rpms.json (empty before gather wrote it)."""
    path = layout.at(topdir, layout.rpms_json())
    if not os.path.isfile(path):
        return set()
    return {n for arches in jsonio.read_json(path)["payload"]["rpms"].values() for sources in arches.values()
            for nevras in sources.values() for n in nevras}


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    jobs = plan(topdir, conf, tree)
    containers.drop_part(topdir, PHASE)
    old = kojireuse.old_jobs(topdir, PHASE) if conf.get(REUSE) else None
    taken, fresh = [], []
    packages = _compose_nevras(topdir) if old else set()
    for job in jobs:
        builds = take_over(old, job, request.read(topdir)["compose_id"], packages)
        if builds is None:
            fresh.append(job)
        else:
            taken.append((job, builds))
    metadata, nvrs, failed = containers.build_all(topdir, conf, PROG, fresh, PHASE)
    for job, builds in taken:
        for uid, by_arch in builds.items():
            for arch, entries in by_arch.items():
                metadata.setdefault(uid, {}).setdefault(arch, []).extend(entries)
                nvrs.update({e["nvr"]: job for e in entries if e.get("nvr")})
    registries = {}
    for nvr, job in nvrs.items():
        registry = registry_for(conf, nvr, job["registry"])
        if registry:
            registries[nvr] = registry
    containers.publish(topdir, PHASE, metadata)
    if registries:
        jsonio.write_json(layout.at(topdir, layout.osbs_registries_json()), registries)
    elif os.path.exists(layout.at(topdir, layout.osbs_registries_json())):
        os.unlink(layout.at(topdir, layout.osbs_registries_json()))
    facts = {"tasks": sorted(job["task"] for job in jobs), "result": layout.osbs_json(),
             "builds": sorted(registries) if registries else sorted(nvrs)}
    if failed:
        facts["error"] = failed[0] + ("" if len(failed) == 1 else " (and %d more)" % (len(failed) - 1))
    records = kojireuse.job_records(jobs, {})
    if records:
        facts["jobs"] = records
    state.write(topdir, PHASE, failed=bool(failed), errors=failed, **facts)
    adopt.forget(topdir, PHASE)


def registry_for(conf, nvr, fallback=None):
    for pattern, registry in (conf.get("osbs_registries") or {}).items():
        if fnmatch.fnmatch(nvr, pattern):
            return registry
    return fallback
