"""The package set of one compose arch, read from yum repositories (pkgset_source = "repos").

For compose arch A the repos of pkgset_repos[A] and then pkgset_repos["*"] are read
from their repodata (createrepo_c). Packages of the arches installable on A
(arches.compatible: native, multilib partner, noarch) and source packages are kept;
of every name.arch only the highest EVR, the first repo winning a tie. The result is
work/<A>/pkgset/packages.json and a yum repo over it in work/<A>/repo, whose
metadata is written from the source repos' metadata: no package is read again.
"""

import os

from .. import arches, jsonio, layout, repodata, state
from ..cli import log
from ..errors import PunjiError
from ..repos import Repo, file_checksum, is_remote

SOURCE_ARCHES = ("src", "nosrc")


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("pkgset")))
    source = SOURCES.get(conf.get("pkgset_source"))
    if source is None:
        raise PunjiError("option 'pkgset_source': %r is not implemented yet" % conf.get("pkgset_source"))
    chosen = source(topdir, conf, arch)
    facts = getattr(chosen, "facts", {})
    if getattr(chosen, "reused", False):  # the previous run's outputs stand (pkgset_allow_reuse)
        state.write(topdir, "pkgset", arch=arch, **facts)
        return
    packages = [record for record, _pkg in chosen]
    # the repo's revision and timestamps: the newest build time, so the same set gives the same repodata
    revision = max([pkg.time_build or 0 for _record, pkg in chosen] or [0])
    repo_dir = layout.at(topdir, layout.pkgset_repo(arch))
    repodata.write_repo(repo_dir, [(record["path"], pkg) for record, pkg in chosen], revision)
    jsonio.write_json(layout.at(topdir, layout.pkgset_json(arch)),
                      {"header": state.header("pkgset-packages"), "arch": arch, "packages": packages})
    state.write(topdir, "pkgset", arch=arch, **dict(facts, count=len(packages), packages=layout.pkgset_json(arch)))


def from_repos(topdir, conf, arch):
    """The package set of pkgset_source = "repos": [(record, createrepo_c Package)] by NEVRA.
    A package source returns this; the record has the fields of packages.json."""
    repos = repos_for(conf.get("pkgset_repos") or {}, arch)
    if not repos:
        raise PunjiError("option 'pkgset_repos': no repository for arch %s (nor '*')" % arch)
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    chosen = latest(arch, [(Repo(r, cache), r) for r in repos])
    headers = HeaderCache(layout.at(topdir, layout.pkgset_headers(arch)))
    result = [(_record(repo, pkg, headers), pkg) for repo, pkg in chosen]
    headers.save()
    log.info("pkgset %s: %d packages from %d repos", arch, len(result), len(repos))
    return result


def from_koji(topdir, conf, arch):
    """The package set of pkgset_source = "koji" (punji_lib/pkgset_koji.py)."""
    from .. import pkgset_koji

    return pkgset_koji.from_koji(topdir, conf, arch)


SOURCES = {"repos": from_repos, "koji": from_koji}


def repos_for(pkgset_repos, arch):
    """The repos of ARCH then those of '*', each once, in config order."""
    result = []
    for key in (arch, "*"):
        value = pkgset_repos.get(key) or []
        for repo in [value] if isinstance(value, str) else value:
            if repo not in result:
                result.append(repo)
    return result


def latest(arch, repos):
    """[(Repo, Package)] of the highest EVR of every name.arch installable on ARCH, sorted by NEVRA."""
    wanted = set(arches.compatible(arch)) | set(SOURCE_ARCHES)
    chosen = {}
    for repo, _name in repos:
        for pkg in repo.packages(with_files=True, with_other=True):
            if pkg.arch not in wanted:
                continue
            key = (pkg.name, pkg.arch)
            old = chosen.get(key)
            if old is None or compare_evr(pkg, old[1]) > 0:
                chosen[key] = (repo, pkg)
    return sorted(chosen.values(), key=lambda rp: nevra(rp[1]))


def nevra(pkg):
    return "%s-%s:%s-%s.%s" % (pkg.name, pkg.epoch or "0", pkg.version, pkg.release, pkg.arch)


def compare_evr(a, b):
    """rpm's ordering of the (epoch, version, release) of packages A and B: -1, 0, 1."""
    import rpm

    return rpm.labelCompare((a.epoch or "0", a.version, a.release), (b.epoch or "0", b.version, b.release))


def _record(repo, pkg, headers):
    """The packages.json record of PKG. A package of a local repo is checked here (header,
    checksum); one of an http(s) repo is only downloaded, and checked, when gather takes it."""
    path = repo.package_path(pkg)
    remote = is_remote(path)
    if not remote and not os.path.isfile(path):
        raise PunjiError("repo %s: package %s is missing" % (repo.repo, path))
    return record(pkg, path, repo.repo, pkg.location_href, pkg.checksum_type,
                  None if remote else headers.check(path, pkg))


def record(pkg, path, repo, location, checksum_type, sigkey):
    """A packages.json record: createrepo_c package PKG, its file PATH (or URL), where it came from."""
    return {
        "name": pkg.name,
        "epoch": pkg.epoch or "0",
        "version": pkg.version,
        "release": pkg.release,
        "arch": pkg.arch,
        "nevra": nevra(pkg),
        "path": path,
        "repo": repo,
        "location": location,
        "sourcerpm": pkg.rpm_sourcerpm or None,
        "checksum": pkg.pkgId,
        "checksum_type": checksum_type,
        "size": pkg.size_package,
        "sigkey": sigkey,
    }


class HeaderCache:
    """What the package files are: their RPM headers' NEVRA and signing key, and their
    checksum, kept in work/<arch>/pkgset/headers.json by path, size and mtime so a rerun
    reads only new files."""

    def __init__(self, path):
        self.path = path
        self.old = jsonio.read_json(path)["files"] if os.path.isfile(path) else {}
        self.new = {}

    def check(self, path, pkg):
        """The package's signing key id (8 hex digits) or None; a PunjiError when the file
        is not the package the repodata describes."""
        st = os.stat(path)
        key = "%s %d %d" % (path, st.st_size, st.st_mtime_ns)
        facts = dict(self.old.get(key) or read_header(path))
        kind = {"sha": "sha1"}.get(pkg.checksum_type, pkg.checksum_type)
        if facts.get("checksum_type") != kind:
            facts.update(checksum_type=kind, checksum=file_checksum(path, kind))
        self.new[key] = facts
        expected = nevra(pkg)
        if facts["nevra"] != expected:
            raise PunjiError("package %s: its RPM header says %s, the repodata says %s"
                             % (path, facts["nevra"], expected))
        if st.st_size != pkg.size_package:
            raise PunjiError("package %s: %d bytes, the repodata says %d (truncated or replaced)"
                             % (path, st.st_size, pkg.size_package))
        if facts["checksum"] != pkg.pkgId:
            raise PunjiError("package %s: its %s checksum differs from the repodata's (corrupt or replaced)"
                             % (path, kind))
        return facts["sigkey"]

    def check_header(self, path, expected_nevra, payloadhash, sigkey, check_sigkey):
        """The header facts of PATH ({"nevra", "sigkey", "payloadhash"}), checked against what
        Koji says: its NEVRA, its payload hash (RPMTAG_SIGMD5, the same in every signed copy)
        and, when CHECK_SIGKEY, its signing key; a PunjiError when one differs. None skips a check."""
        facts = self._facts(path)
        if expected_nevra is not None and facts["nevra"] != expected_nevra:
            raise PunjiError("package %s: its RPM header says %s, koji says %s" % (path, facts["nevra"], expected_nevra))
        if payloadhash and facts["payloadhash"] != payloadhash.lower():
            raise PunjiError("package %s: its payload hash %s differs from koji's %s (corrupt or replaced)"
                             % (path, facts["payloadhash"], payloadhash.lower()))
        if check_sigkey and facts["sigkey"] != sigkey:
            raise PunjiError("package %s: signed with %s, koji says key %s" % (path, facts["sigkey"] or "no key", sigkey))
        return facts

    def sigkey(self, path):
        return self._facts(path)["sigkey"]

    def _facts(self, path):
        st = os.stat(path)
        key = "%s %d %d" % (path, st.st_size, st.st_mtime_ns)
        facts = self.new.get(key) or self.old.get(key)
        if not facts or "payloadhash" not in facts:
            facts = dict(facts or {}, **read_header(path))
        self.new[key] = facts
        return facts

    def save(self):
        jsonio.write_json_if_changed(self.path, {"header": state.header("pkgset-headers"), "files": self.new})


def read_header(path):
    """{"nevra", "sigkey", "payloadhash"} from the RPM header of PATH (signatures are not verified here)."""
    import re

    import rpm

    ts = rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            hdr = ts.hdrFromFdno(fd)
        finally:
            os.close(fd)
    except (OSError, rpm.error) as exc:
        raise PunjiError("package %s: cannot read its RPM header: %s (corrupt, or not an RPM)" % (path, exc))
    epoch = hdr[rpm.RPMTAG_EPOCH]
    arch = "src" if hdr[rpm.RPMTAG_SOURCEPACKAGE] else hdr[rpm.RPMTAG_ARCH]
    if arch == "src" and hdr[rpm.RPMTAG_NOSOURCE]:
        arch = "nosrc"
    text = "%s-%s:%s-%s.%s" % (hdr[rpm.RPMTAG_NAME], epoch if epoch is not None else 0, hdr[rpm.RPMTAG_VERSION],
                               hdr[rpm.RPMTAG_RELEASE], arch)
    signature = hdr.format("%{RSAHEADER:pgpsig}%{DSAHEADER:pgpsig}")
    match = re.search(r"Key ID ([0-9a-fA-F]+)", signature)
    sigmd5 = hdr[rpm.RPMTAG_SIGMD5]
    return {"nevra": text, "sigkey": match.group(1)[-8:].lower() if match else None,
            "payloadhash": sigmd5.hex() if sigmd5 else None}
