"""createrepo_c, which writes a tree's repodata: its command line for the createrepo options, and running it."""

import subprocess

from ..errors import PunjiError
from ..log import log

CHECKSUMS = {"sha": "sha1"}


def command(conf, path, pkglist, comps=None, revision=0):
    """The createrepo_c argument list for the options of CONF."""
    checksum = conf.get("createrepo_checksum") or "sha256"
    cmd = ["createrepo_c", "--update", "--quiet", "--pkglist", pkglist, "--checksum", CHECKSUMS.get(checksum, checksum),
           "--revision", str(revision), "--set-timestamp-to-revision", "--retain-old-md", "0"]
    cmd.append("--database" if conf.get("createrepo_database") else "--no-database")
    if conf.get("createrepo_use_xz"):
        cmd.append("--xz")
    workers = conf.get("createrepo_num_workers")
    if workers:
        cmd += ["--workers", str(workers)]
    if comps:
        cmd += ["--groupfile", comps]
    return cmd + list(conf.get("createrepo_extra_args") or []) + [path]


def run(conf, path, pkglist, comps, revision):
    cmd = command(conf, path, pkglist, comps, revision)
    log.info("running %s", " ".join(cmd))
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError:
        raise PunjiError("createrepo_c is not installed (package createrepo-c on Debian, createrepo_c on Fedora)")
    if done.stdout:
        log.info("%s", done.stdout.rstrip())
    if done.returncode != 0:
        last = (done.stdout.strip().splitlines() or [""])[-1]
        raise PunjiError("createrepo_c returned exit code %d on %s: %s" % (done.returncode, path, last))
