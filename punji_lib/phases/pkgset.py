"""The package set of one compose arch, read from yum repositories (pkgset_source = "repos").

For compose arch A the repos of pkgset_repos[A] and then pkgset_repos["*"] are read
(their primary metadata, with createrepo_c). Packages of the arches installable on A
(arches.compatible: native, multilib partner, noarch) and source packages are kept;
of every name.arch only the highest EVR, the first repo winning a tie. The result is
work/<A>/pkgset/packages.json and a yum repo over it in work/<A>/repo.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
import urllib.parse

from .. import arches, jsonio, layout, state
from ..cli import log
from ..errors import PunjiError

SOURCE_ARCHES = ("src", "nosrc")
REMOTE_SCHEMES = ("http", "https")


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("pkgset")))
    source = conf.get("pkgset_source")
    if source != "repos":
        raise PunjiError("option 'pkgset_source': %r is not implemented yet" % source)
    repos = repos_for(conf.get("pkgset_repos") or {}, arch)
    if not repos:
        raise PunjiError("option 'pkgset_repos': no repository for arch %s (nor '*')" % arch)
    wanted = set(arches.compatible(arch)) | set(SOURCE_ARCHES)
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    chosen = {}
    for repo in repos:
        for pkg in read_repo(repo, cache):
            if pkg["arch"] not in wanted:
                continue
            key = (pkg["name"], pkg["arch"])
            old = chosen.get(key)
            if old is None or compare_evr(pkg, old) > 0:
                chosen[key] = pkg
    packages = sorted(chosen.values(), key=lambda p: (p["nevra"], p["repo"]))
    # the repo's revision and timestamps: the newest build time, so the same set gives the same repodata
    revision = max([p.pop("buildtime") or 0 for p in packages] or [0])
    log.info("pkgset %s: %d packages from %d repos", arch, len(packages), len(repos))
    jsonio.write_json(layout.at(topdir, layout.pkgset_json(arch)),
                      {"header": state.header("pkgset-packages"), "arch": arch, "packages": packages})
    make_repo(layout.at(topdir, layout.pkgset_repo(arch)), packages, cache, revision)
    state.write(topdir, "pkgset", arch=arch, count=len(packages), packages=layout.pkgset_json(arch))


def repos_for(pkgset_repos, arch):
    """The repos of ARCH then those of '*', each once, in config order."""
    result = []
    for key in (arch, "*"):
        value = pkgset_repos.get(key) or []
        for repo in [value] if isinstance(value, str) else value:
            if repo not in result:
                result.append(repo)
    return result


def is_remote(repo):
    return urllib.parse.urlparse(repo).scheme in REMOTE_SCHEMES


def local_path(repo):
    """The directory of a local repo: a path, or a file:// URL."""
    parsed = urllib.parse.urlparse(repo)
    if parsed.scheme == "file":
        return urllib.parse.unquote(parsed.path)
    return repo


def _join(repo, location, base=None):
    """Where the file at LOCATION of REPO is: an absolute path, or a URL."""
    if base:
        if urllib.parse.urlparse(base).scheme in REMOTE_SCHEMES:
            return urllib.parse.urljoin(base.rstrip("/") + "/", location)
        base = local_path(base)
        return os.path.normpath(os.path.join(base, location))
    if is_remote(repo):
        return urllib.parse.urljoin(repo.rstrip("/") + "/", location)
    return os.path.normpath(os.path.join(os.path.abspath(local_path(repo)), location))


def _cache_dir(cache, repo):
    """work/<arch>/pkgset/cache/<sha1 of the URL>: a remote repo's downloaded files."""
    return os.path.join(cache, hashlib.sha1(repo.encode("utf-8")).hexdigest()[:16])


def _download(url, path, what):
    import urllib.request

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as answer:
            shutil.copyfileobj(answer, out)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise PunjiError("repo %s: cannot download %s: %s" % (what, url, exc))


def _metadata_files(repo, cache):
    """(repomd.xml path, directory the repo's locations are relative to) for REPO, local or remote."""
    if is_remote(repo):
        where = _cache_dir(cache, repo)
        repomd = os.path.join(where, "repodata", "repomd.xml")
        _download(_join(repo, "repodata/repomd.xml"), repomd, repo)
        return repomd, where
    top = local_path(repo)
    if not os.path.isdir(top):
        raise PunjiError("repo %s: does not exist (option 'pkgset_repos')" % repo)
    repomd = os.path.join(top, "repodata", "repomd.xml")
    if not os.path.isfile(repomd):
        raise PunjiError("repo %s: no repodata/repomd.xml (not a yum repository)" % repo)
    return repomd, top


def read_repo(repo, cache):
    """The packages of REPO's primary metadata, as package-set records."""
    import createrepo_c

    repomd_path, top = _metadata_files(repo, cache)
    try:
        repomd = createrepo_c.Repomd(repomd_path)
    except (createrepo_c.CreaterepoCError, OSError) as exc:
        raise PunjiError("repo %s: corrupt repodata/repomd.xml: %s" % (repo, _one_line(exc)))
    primary = [r for r in repomd.records if r.type == "primary"]
    if not primary:
        raise PunjiError("repo %s: repodata/repomd.xml lists no primary metadata" % repo)
    href = primary[0].location_href
    path = os.path.join(top, href)
    if is_remote(repo):
        _download(_join(repo, href), path, repo)
    if not os.path.isfile(path):
        raise PunjiError("repo %s: primary metadata %s is missing" % (repo, href))
    found = []

    def add(pkg):
        found.append(_record(repo, pkg))
        return True

    try:
        createrepo_c.xml_parse_primary(path, pkgcb=add, do_files=False)
    except (createrepo_c.CreaterepoCError, OSError) as exc:
        raise PunjiError("repo %s: corrupt primary metadata %s: %s" % (repo, href, _one_line(exc)))
    log.info("repo %s: %d packages", repo, len(found))
    return found


def _one_line(exc):
    return " ".join(str(exc).split())


def _record(repo, pkg):
    epoch = pkg.epoch or "0"
    return {
        "name": pkg.name,
        "epoch": epoch,
        "version": pkg.version,
        "release": pkg.release,
        "arch": pkg.arch,
        "nevra": "%s-%s:%s-%s.%s" % (pkg.name, epoch, pkg.version, pkg.release, pkg.arch),
        "path": _join(repo, pkg.location_href, pkg.location_base),
        "repo": repo,
        "location": pkg.location_href,
        "sourcerpm": pkg.rpm_sourcerpm or None,
        "checksum": pkg.pkgId,
        "checksum_type": pkg.checksum_type,
        "size": pkg.size_package,
        "sigkey": None,
        "buildtime": pkg.time_build,
    }


def compare_evr(a, b):
    """rpm's ordering of the (epoch, version, release) of package records A and B: -1, 0, 1."""
    import rpm

    return rpm.labelCompare((a["epoch"], a["version"], a["release"]), (b["epoch"], b["version"], b["release"]))


def _link(source, target):
    """Hard link SOURCE to TARGET where the file system allows it, else a symlink."""
    try:
        os.link(source, target)
    except OSError:
        os.symlink(source, target)


def make_repo(repo_dir, packages, cache, revision=0):
    """A yum repo over PACKAGES in REPO_DIR: built in a temp dir beside it, then renamed into place."""
    parent = os.path.dirname(repo_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".repo.", dir=parent)
    try:
        pkgdir = os.path.join(tmp, "Packages")
        os.makedirs(pkgdir)
        names = set()
        for pkg in packages:
            source = pkg["path"]
            if is_remote(source):
                local = os.path.join(_cache_dir(cache, pkg["repo"]), pkg["location"])
                if not (os.path.isfile(local) and os.path.getsize(local) == pkg["size"]):
                    _download(source, local, pkg["repo"])
                source = local
            elif not os.path.isfile(source):
                raise PunjiError("repo %s: package %s is missing" % (pkg["repo"], source))
            name = os.path.basename(source)
            if name in names:  # the same file name from two repos: keep them apart
                name = "%s-%s" % (pkg["checksum"][:12], name)
            names.add(name)
            _link(os.path.abspath(source), os.path.join(pkgdir, name))
        cmd = ["createrepo_c", "--quiet", "--no-database", "--revision", str(revision),
               "--set-timestamp-to-revision", tmp]
        log.info("running %s", " ".join(cmd))
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.stdout:
            log.info("%s", done.stdout.rstrip())
        if done.returncode != 0:
            last = (done.stdout.strip().splitlines() or ["exit code %d" % done.returncode])[-1]
            raise PunjiError("createrepo_c failed on %s: %s" % (repo_dir, last))
        os.chmod(tmp, 0o755)
        old = None
        if os.path.exists(repo_dir):
            old = tempfile.mkdtemp(prefix=".repo-old.", dir=parent)
            os.rename(repo_dir, os.path.join(old, "repo"))
        os.rename(tmp, repo_dir)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
