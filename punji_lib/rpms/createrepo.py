"""createrepo_c, which writes a tree's repodata: its command line for the createrepo options, and
running it; what a tree's repodata is made from, which gather's assemble step records per tree
so that createrepo need not read the tree's package list to know it has nothing to do."""

import os
import re
import subprocess

from .. import tool_output
from ..compose import jsonio, state
from ..errors import PunjiError, low_space
from ..log import log

DISK_FULL = ("No space left on device", "Disk quota exceeded", "File too large")  # what names the cause


def modifyrepo(repo_dir, path, mdtype, *options):
    """Add the file PATH to the repodata of REPO_DIR as MDTYPE with modifyrepo_c and its OPTIONS;
    its record gets the time stamp of the primary record (modifyrepo_c gives it the time of
    day), so that the same inputs give the same repomd.xml."""
    repodata = os.path.join(repo_dir, "repodata")
    cmd = ["modifyrepo_c", "--mdtype=" + mdtype] + list(options) + [path, repodata]
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError:
        raise PunjiError("modifyrepo_c is not installed (it comes with createrepo_c)")
    if done.returncode != 0:
        lines = done.stdout.strip().splitlines() or ["exit code %d" % done.returncode]
        raise PunjiError("modifyrepo_c failed on %s: %s" % (repo_dir, lines[-1]))
    _pin_timestamp(os.path.join(repodata, "repomd.xml"), mdtype)


def _pin_timestamp(repomd, mdtype=None, stamp=None):
    """The <timestamp> of REPOMD's MDTYPE record (None: of every record) set to STAMP, or to that
    of its primary record."""
    with open(repomd, encoding="utf-8") as f:
        text = f.read()
    records = list(re.finditer(r'<data type="([^"]+)">.*?</data>', text, re.S))
    if stamp is None:
        primary = next((m for m in records if m.group(1) == "primary"), None)
        found = re.search(r"<timestamp>(\d+)</timestamp>", primary.group(0)) if primary else None
        if not found:
            return
        stamp = found.group(1)
    pinned = text
    for record in reversed(records):  # from the end: the earlier records' offsets stay valid
        if mdtype is None or record.group(1) == mdtype:
            block = re.sub(r"<timestamp>\d+</timestamp>", "<timestamp>%s</timestamp>" % stamp, record.group(0), count=1)
            pinned = pinned[:record.start()] + block + pinned[record.end():]
    if pinned != text:
        jsonio.write_text(repomd, pinned)


def command(conf, path, pkglist, comps=None, revision=0, deltas=None):
    """The createrepo_c argument list for the options of CONF. The repodata's revision and
    timestamps are REVISION, unless createrepo_extra_args gives the revision (Rocky's
    "--revision=8.7", which createrepo_c cannot take as a timestamp): then it is theirs, and
    run_all gives the records REVISION as their timestamps afterwards."""
    checksum = checksum_of(conf)
    extra = list(conf.get("createrepo_extra_args") or [])
    cmd = ["createrepo_c", "--update", "--quiet", "--pkglist", pkglist, "--checksum", checksum]
    if not any(arg == "--revision" or arg.startswith("--revision=") for arg in extra):
        cmd += ["--revision", str(revision), "--set-timestamp-to-revision"]
    cmd += ["--retain-old-md", "0"]
    cmd.append("--database" if conf.get("createrepo_database") else "--no-database")
    if conf.get("createrepo_use_xz"):
        cmd.append("--xz")
    workers = conf.get("createrepo_num_workers")
    if workers:
        cmd += ["--workers", str(workers)]
    if comps:
        cmd += ["--groupfile", comps]
    if deltas is not None:  # delta RPMs into drpms/ against the packages of these directories
        cmd += ["--deltas"] + ["--oldpackagedirs=%s" % d for d in deltas]
    return cmd + extra + [path]


def checksum_of(conf):
    """The checksum type of the repodata createrepo_checksum asks for."""
    return conf.get("createrepo_checksum") or "sha256"


def run_all(jobs):
    """createrepo_c for every (conf, path, pkglist, comps, revision, update_from, deltas) of
    JOBS, all at once (a tree's os and debug repos are independent); a PunjiError for the first
    that fails. UPDATE_FROM lists repos whose metadata of the same files (name, size, mtime,
    checksum type) createrepo_c takes instead of reading the packages again; DELTAS, see
    command()."""
    import tempfile

    started = []
    try:
        for conf, path, pkglist, comps, revision, update_from, deltas in jobs:
            cmd = command(conf, path, pkglist, comps, revision, deltas)
            for repo in update_from:
                cmd = cmd[:-1] + ["--update-md-path", repo, path]
            log.info("running %s", " ".join(cmd))
            out = tempfile.TemporaryFile(mode="w+")
            started.append((None, out, path, revision))
            try:
                proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True)
            except FileNotFoundError:
                raise PunjiError("createrepo_c is not installed (package createrepo-c on Debian, createrepo_c on Fedora)")
            started[-1] = (proc, out, path, revision)
        for proc, out, path, revision in started:
            _finish(proc, out, path)
            repomd = os.path.join(path, "repodata", "repomd.xml")
            if not os.path.isfile(repomd):
                continue
            if "--set-timestamp-to-revision" in proc.args:
                # createrepo_c (--zck) stamps the zchunk records with the time of day, not the revision
                _pin_timestamp(repomd)
            else:  # the revision createrepo_extra_args gives: createrepo_c stamps every record with the time of day
                _pin_timestamp(repomd, stamp=revision)
    finally:
        for proc, out, _path, _revision in started:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
            out.close()


def _finish(proc, out, path):
    tool_output.wait(proc, "createrepo_c on %s" % path)
    out.seek(0)
    text = tool_output.logged(out.read())
    if proc.returncode != 0:
        lines = text.strip().splitlines() or [""]
        full = [line for line in lines if any(m in line for m in DISK_FULL)]
        raise PunjiError("createrepo_c returned exit code %d on %s: %s%s"
                         % (proc.returncode, path, (full or lines)[-1], "" if full else low_space(path)))


def made_from(packages):
    """What a tree's repodata is made from, per package (gather records), for the fingerprint:
    not why gather took it, which the solver's order may change while the tree stays the same."""
    keys = ("file", "path", "checksum", "category", "build_time", "sigkey", "flags", "mtime")
    return [[p.get(k) for k in keys] for p in packages]


def packages_key(packages):
    """The digest of what the repodata of a tree holding PACKAGES is made from."""
    return state.digest(made_from(packages))


def source_packages(by_arch):
    """The source packages of a variant's source tree: those of each of its arches' gather
    records (BY_ARCH, in the variant's arch order), once each, by file."""
    found = {}
    for packages in by_arch:
        for p in packages:
            if p["category"] == "source":
                found[p["file"]] = p
    return [found[k] for k in sorted(found)]
