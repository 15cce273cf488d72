"""Container builds by OSBS through Koji (koji-containerbuild's buildContainer), shared by the
osbs and image_container phases: submitting the tasks, waiting for them, recording the builds
in compose/metadata/osbs.json as Pungi does, the two phases' builds together."""

import os

from ..compose import flock, jsonio, layout, request, state
from ..errors import PunjiError
from ..log import log, warn
from . import adopt
from . import tasks as kojitasks

METHOD = "buildContainer"
# the phases whose container builds make up compose/metadata/osbs.json, as in Pungi
PARTS = ("osbs", "imagecontainer")


def build_all(topdir, conf, prog, jobs, phase):
    """Submit the buildContainer task of every job of JOBS ({"what", "variant", "args", "priority",
    "can_fail", "scratch", ...}) of PHASE at once and wait for them all: (metadata {variant: {arch: [entries]}},
    {nvr: job} of the builds, [messages of failable failures]); any other failure: one PunjiError."""
    metadata, nvrs, failed = {}, {}, []
    if not jobs:
        return metadata, nvrs, failed
    compose_id = request.read(topdir)["compose_id"]
    session = kojitasks.TaskSession(conf.get("koji_profile"))
    session.login()
    record = adopt.TaskRecord(topdir, phase)
    try:
        return _build(session, record, metadata, nvrs, failed, compose_id, prog, jobs)
    except BaseException:
        record.forget()
        raise


def _build(session, record, metadata, nvrs, failed, compose_id, prog, jobs):
    """build_all's tasks: submitted (or taken over from a killed run, RECORD), waited for, their
    builds recorded."""
    errors = []
    for job in jobs:
        kwargs = {"priority": job["priority"]} if job["priority"] is not None else {}
        job["task"] = record.submit(session, METHOD, *job["args"], **kwargs)
    infos = session.wait([job["task"] for job in jobs])
    for job in jobs:
        info = infos[job["task"]]
        if info["state"] != kojitasks.CLOSED:
            message = "%s: %s" % (job["what"], session.error(job["task"], info))
            if job["can_fail"]:
                warn(prog, message + " (failable: the compose goes on without it)")
                failed.append(message)
                job["failed"] = True
            else:
                errors.append(message)
            continue
        nvr, archives = add_metadata(session, metadata, compose_id, job)
        if job.get("inputs"):
            job["rpmlist"] = rpm_list(session, archives)
        if nvr:
            nvrs[nvr] = job
    if errors:
        raise PunjiError(errors[0] + ("" if len(errors) == 1 else " (and %d more failed tasks; see the log)"
                                      % (len(errors) - 1)))
    return metadata, nvrs, failed


def drop_part(topdir, phase):
    """Forget PHASE's builds until this run of it has finished."""
    path = layout.at(topdir, layout.osbs_part(phase))
    if os.path.exists(path):
        os.unlink(path)


def publish(topdir, phase, metadata):
    """Record PHASE's builds (work/global/<phase>/osbs.json), then write compose/metadata/osbs.json
    from the builds of every phase of PARTS that has recorded them. The two phases may finish at
    once: the lock makes the last writer see both parts."""
    jsonio.write_json(layout.at(topdir, layout.osbs_part(phase)), {"header": state.header(phase + "-builds"),
                                                                  "builds": metadata})
    with flock.held(layout.at(topdir, layout.osbs_lock())):
        merged = {}
        for name in PARTS:
            path = layout.at(topdir, layout.osbs_part(name))
            if not os.path.isfile(path):
                continue
            for uid, by_arch in jsonio.read_json(path)["builds"].items():
                for arch, entries in by_arch.items():
                    merged.setdefault(uid, {}).setdefault(arch, []).extend(entries)
        for by_arch in merged.values():
            for entries in by_arch.values():
                entries.sort(key=lambda e: (e.get("nvr") or "", e.get("filename") or "", e["koji_task"]))
        jsonio.write_json(layout.at(topdir, layout.osbs_json()), merged)


def add_metadata(session, metadata, compose_id, job):
    """Record the build of JOB's task in METADATA; (its NVR, its image archives' ids), (None, [])
    for a scratch build."""
    result = session.result(job["task"]) or {}
    entry = {"compose_id": compose_id, "koji_task": job["task"]}
    if job["scratch"]:
        entry["repositories"] = result.get("repositories") or []
        metadata.setdefault(job["variant"], {}).setdefault("scratch", []).append(entry)
        return None, []
    builds = result.get("koji_builds") or []
    if not builds:
        raise PunjiError("%s: koji task %s gives no koji_builds in its result" % (job["what"], job["task"]))
    build = session.call("getBuild", int(builds[0]), strict=True)
    archives = session.call("listArchives", buildID=int(builds[0]), type="image")
    nvr = "%(name)s-%(version)s-%(release)s" % build
    entry.update(name=build["name"], version=build["version"], release=build["release"], nvr=nvr,
                 creation_time=build["creation_time"])
    for archive in archives:
        data = {"filename": archive["filename"], "size": archive["size"], "checksum": archive["checksum"]}
        data.update(archive.get("extra") or {})
        data.update(entry)
        arch = ((archive.get("extra") or {}).get("image") or {}).get("arch") or "noarch"
        metadata.setdefault(job["variant"], {}).setdefault(arch, []).append(data)
        log.info("%s: %s.%s (%s)", job["what"], nvr, arch, archive["filename"])
    return nvr, [archive["id"] for archive in archives]


def rpm_list(session, archives):
    """The NEVRAs (as rpms.json writes them) of the packages in the image ARCHIVES, sorted (Pungi
    keeps them to check that a reused image's packages are still in the compose)."""
    found = set()
    for archive in archives:
        for rpm in session.call("listRPMs", imageID=archive) or []:
            found.add(nevra(rpm))
    return sorted(found)


def nevra(rpm):
    """name-epoch:version-release.arch of a Koji rpm record (epoch 0 when it has none)."""
    return "%s-%s:%s-%s.%s" % (rpm["name"], rpm.get("epoch") or 0, rpm["version"], rpm["release"], rpm["arch"])
