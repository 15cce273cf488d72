"""The Koji image phases across composes (image_build_allow_reuse, osbs_allow_reuse): a job whose
inputs fingerprint is the one a job of the old compose (punji_lib.compose.reuse.old_compose)
finished with, without any failure, sends no task to Koji. Its images are hard-linked from the
old compose under the same names and its records (the old task's ids and metadata) are kept,
as Pungi reuses an old task's results.

A phase run that computed fingerprints lists its jobs in its state file: {"what", "inputs",
"task", "images" (compose-relative paths), "failed", "reused_from" (taken over), "rpmlist" (osbs:
the packages Koji lists in its images)}."""

import os

from ..compose import jsonio, layout, reuse, state
from ..errors import PunjiError
from ..log import log


def old_jobs(topdir, phase):
    """(old compose, {inputs: job record}) of the jobs PHASE finished without failure in the old
    compose; None when there is none."""
    old = reuse.old_compose(topdir)
    if old is None:
        return None
    try:
        record = state.read(old, phase)
    except (OSError, ValueError, PunjiError):
        return None
    done = {j["inputs"]: j for j in record.get("jobs") or [] if j.get("inputs") and not j.get("failed")}
    return (old, done) if done else None


def record_for(old, job):
    """The job record of OLD (old_jobs) made from JOB's inputs, or None."""
    return (old and job.get("inputs") and old[1].get(job["inputs"])) or None


def taken(old, job, record):
    """JOB is RECORD's job of the old compose OLD taken over: its task (and image packages) kept."""
    job.update(task=record["task"], reused_from=os.path.basename(old[0]), rpmlist=record.get("rpmlist"))
    log.info("%s: taken over from %s (same inputs; task %s)", job["what"], old[0], record["task"])


def take_images(topdir, phase, old, job):
    """The images.json entries of JOB when OLD (old_jobs) holds a job of its inputs: its images
    hard-linked here, JOB taken(); None when it must be built."""
    record = record_for(old, job)
    if not record:
        return None
    top = old[0]
    wanted = set(record["images"])
    try:
        entries = [e for e in jsonio.read_json(layout.at(top, layout.koji_images_json(phase)))["images"]
                   if e["image"]["path"] in wanted]
        if len(entries) != len(wanted):
            return None
        for entry in entries:
            rel = os.path.join("compose", entry["image"]["path"])
            reuse.link_over(layout.at(top, rel), layout.at(topdir, rel))
    except (OSError, ValueError) as exc:  # an image gone, another file system: built anew
        log.info("%s: not taken over from %s: %s", job["what"], top, exc)
        return None
    taken(old, job, record)
    return entries


def boot_files_made(topdir, uids, arches):
    """The first "variant.arch" of UIDS x ARCHES whose boot files buildinstall made in this compose
    (rather than skipped them or took them over, which Pungi's reuse asks for); None when none."""
    for uid in uids:
        for arch in arches:
            path = layout.at(topdir, layout.state_file("buildinstall", uid, arch))
            record = jsonio.read_json(path) if os.path.isfile(path) else {}
            if record.get("images") and not record.get("reused_from"):
                return "%s.%s" % (uid, arch)
    return None


def job_records(jobs, images):
    """The state file's "jobs": one record per job that has an inputs fingerprint. IMAGES:
    {task: [compose-relative paths]}; a job["failed"] job failed in part or whole."""
    records = []
    for job in jobs:
        if not job.get("inputs"):
            continue
        record = {"what": job["what"], "inputs": job["inputs"], "task": job.get("task"),
                  "images": sorted(images.get(job.get("task"), [])), "failed": bool(job.get("failed"))}
        for key in ("reused_from", "rpmlist"):
            if job.get(key) is not None:
                record[key] = job[key]
        records.append(record)
    return records
