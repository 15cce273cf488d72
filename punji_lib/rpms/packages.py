"""Package records: NEVRAs, rpm's EVR order, the newest package of each name.arch, and the
record packages.json keeps of a package (which every package source writes)."""

from .. import arches

SOURCE_ARCHES = ("src", "nosrc")


def chooser(arch, repos, modular=frozenset(), multilib=True):
    """REPOS read once for choose(keep=None): [(Repo, Package)] of the highest EVR of every
    name.arch installable on ARCH (its multilib partner's arches only with MULTILIB), sorted by
    NEVRA; with KEEP (a set of NEVRAs), of those packages only. The packages of MODULAR (NEVRAs
    of module streams' artifacts) are all taken, the first repo's of a NEVRA, whatever their EVR."""
    import functools

    wanted = set(arches.compatible(arch, multilib)) | set(SOURCE_ARCHES)
    builds, streams = {}, {}
    for repo, _name in repos:
        for pkg in repo.packages():
            if pkg.arch not in wanted:
                continue
            key = nevra(pkg)
            if key in modular:
                streams.setdefault(key, (key, repo, pkg))
            else:
                builds.setdefault((pkg.name, pkg.arch), []).append((key, repo, pkg))
    # highest EVR first; of equal EVRs the first read (a stable sort)
    newest_first = functools.cmp_to_key(lambda a, b: compare_evr(b[2], a[2]))
    ranked = [each if len(each) == 1 else sorted(each, key=newest_first) for each in builds.values()]

    def choose(keep=None):
        chosen = list(streams.values())
        for each in ranked:
            found = each[0] if keep is None else next((b for b in each if b[0] in keep), None)
            if found is not None:
                chosen.append(found)
        return [(repo, pkg) for _key, repo, pkg in sorted(chosen, key=lambda b: b[0])]

    return choose


def nevra(pkg):
    return "%s-%s:%s-%s.%s" % (pkg.name, pkg.epoch or "0", pkg.version, pkg.release, pkg.arch)


def compare_evr(a, b):
    """rpm's ordering of the (epoch, version, release) of packages A and B: -1, 0, 1."""
    import rpm

    return rpm.labelCompare((a.epoch or "0", a.version, a.release), (b.epoch or "0", b.version, b.release))


def record(pkg, path, repo, location, checksum_type, header, pkg_nevra=None):
    """A packages.json record: createrepo_c package PKG, its file PATH (or URL), where it came from,
    what its RPM HEADER says (rpms.headers facts; None when it was not read: a remote file).
    PKG_NEVRA: nevra(PKG), when known."""
    found = {
        "name": pkg.name,
        "epoch": pkg.epoch or "0",
        "version": pkg.version,
        "release": pkg.release,
        "arch": pkg.arch,
        "nevra": pkg_nevra or nevra(pkg),
        "path": path,
        "repo": repo,
        "location": location,
        "sourcerpm": pkg.rpm_sourcerpm or None,
        "checksum": pkg.pkgId,
        "checksum_type": checksum_type,
        "size": pkg.size_package,
        "build_time": pkg.time_build or 0,
        "sigkey": header["listed_sigkey"] if header else None,
    }
    for key in ("excludearch", "exclusivearch"):
        if header and header.get(key):
            found[key] = header[key]
    if header and header.get("file_mtime") is not None:  # read from a local file (HeaderCache.check)
        found["mtime"] = header["file_mtime"]
    return found
