"""The package set of one compose arch, read from yum repositories (pkgset_source = "repos").

As Pungi does, a solver run for every compose arch B over the repos of
pkgset_repos[B] and pkgset_repos["*"] decides what is in (rpms.reach), and the
package set of compose arch A is what any of those runs reached, read from the
repodata (createrepo_c) of A's repos and then the other arches': packages of the
arches installable on A (arches.compatible: native, noarch, and the multilib
partner's only when some variant has multilib methods on A, as Pungi's
is_arch_multilib decides) and source packages; of every name.arch the highest EVR, the first repo winning
a tie. The result is
work/<A>/pkgset/packages.json and a yum repo over it in work/<A>/repo, whose
metadata is written from the source repos' metadata: no package is read again.

Repos carrying modules metadata add the module streams of A (rpms.modules):
kept with their modules' defaults in work/<A>/pkgset/modules.yaml and put into
the repo over the set, every artifact of theirs in the set whatever its EVR.
That only when some variant lists <modules>: Pungi 4.3.2 reads no modules from
repos and its solver sees modular packages as any others (module_hotfixes), so a
compose whose variants name no module (an EL9 rebuild from its repos) takes them
so too, the newest build of each name.arch whatever its stream.
"""

import os
import shutil

from .. import arches
from ..compose import dirs, jsonio, layout, reuse, state
from ..config import repo_refs
from ..config.lookup import is_arch_multilib
from ..errors import PunjiError
from ..log import log, warn
from ..rpms import packages, pkgpool, pkgset_inputs, repodata
from ..rpms.headers import HeaderCache
from ..rpms.repos import Repo


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("pkgset")))
    source = SOURCES.get(conf.get("pkgset_source"))
    if source is None:
        raise PunjiError("option 'pkgset_source': %r is not implemented yet" % conf.get("pkgset_source"))
    inputs = pkgset_inputs.fingerprint(topdir, conf, arch, _compose_arches(topdir)) if source is from_repos else None
    if inputs and reuse.take_over(topdir, "pkgset", None, arch, inputs, layout.pkgset_outputs(arch),
                                  _files_unchanged, optional=[layout.pkgset_cache(arch), layout.pkgset_modules(arch),
                                                              layout.pkgset_files(arch), layout.reach_json(arch)],
                                  allowed=conf.get("pkgset_allow_reuse", True)):
        return
    chosen = source(topdir, conf, arch)
    facts = getattr(chosen, "facts", {"inputs": inputs})
    if getattr(chosen, "reused", False):  # the previous run's outputs stand (pkgset_allow_reuse)
        state.write(topdir, "pkgset", arch=arch, **facts)
        return
    # Koji's packages are read from their files, changelogs too; a repo's come from its metadata
    changelogs, ahead = getattr(chosen, "changelogs", True), getattr(chosen, "ahead", None)
    sources = getattr(chosen, "sources", ())
    chosen = _arch_split(conf, arch, chosen, sets=getattr(chosen, "sets", None))
    records = [record for record, _pkg in chosen]
    repo_dir = layout.at(topdir, layout.pkgset_repo(arch))
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    if ahead and ahead.packages == {id(pkg) for _record, pkg in chosen}:  # made over these very packages
        log.info("pkgset %s: its repo was made ahead, while the headers were read", arch)
        warmed = ahead.taken(repo_dir, cache, lambda: _made_here(topdir, conf, arch, chosen, changelogs, sources)())
        _write_set_repos(topdir, arch, chosen, repo_dir, changelogs, sources)  # one set: none
    else:
        if ahead:
            log.info("pkgset %s: its repo made ahead holds other packages: it is made again", arch)
            ahead.drop()
        warmed = _made_here(topdir, conf, arch, chosen, changelogs, sources)
    try:
        jsonio.write_json(layout.at(topdir, layout.pkgset_json(arch)),
                          {"header": state.header("pkgset-packages"), "arch": arch, "packages": records}, compact=True)
    finally:
        warmed()
    state.write(topdir, "pkgset", arch=arch, **dict(facts, count=len(records), packages=layout.pkgset_json(arch),
                                                    output_sizes=reuse.file_sizes(topdir, [layout.pkgset_json(arch)])))


def _made_here(topdir, conf, arch, chosen, changelogs, sources):
    """The package set's repo (and those of its sets) made over CHOSEN in this process; returns
    the function that waits for its pool warmed in a child."""
    repo_dir = layout.at(topdir, layout.pkgset_repo(arch))
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    dirs.clear_aside(cache)  # a killed run's pool warmed ahead
    repodata.write_repo(repo_dir, *_repo_contents(topdir, conf, arch, chosen), changelogs=changelogs,
                        sources=sources)
    modules_yaml = layout.at(topdir, layout.pkgset_modules(arch))
    if os.path.isfile(modules_yaml):  # Pungi puts the arch's modules into the package set's repo
        from ..rpms import modules

        modules.add_to_repo(repo_dir, jsonio.read_text(modules_yaml))
    set_repos = _write_set_repos(topdir, arch, chosen, repo_dir, changelogs, sources)
    return pkgpool.start_warming(arch, set_repos or [repo_dir], cache)


def _write_set_repos(topdir, arch, chosen, repo_dir, changelogs, sources):
    """The repos of work/<arch>/pkgset/sets, one over each package set's part of CHOSEN (their
    records' "sets"), their XML copied from the repo REPO_DIR over them all; their paths, in
    the sets' order ([] with one set, the directory then gone)."""
    top = layout.at(topdir, layout.pkgset_set_repos(arch))
    if os.path.lexists(top):
        shutil.rmtree(top)
    by_set = {}
    for record, pkg in chosen:
        for index in record.get("sets", ()):
            by_set.setdefault(index, []).append((_file_in_set(record, index), pkg))
    if not by_set:
        return []
    os.makedirs(top)
    revision = _repo_contents(topdir, {}, arch, chosen)[1]
    paths = []
    for index, contents in sorted(by_set.items()):
        paths.append(layout.at(topdir, layout.pkgset_set_repo(arch, index)))
        repodata.write_repo(paths[-1], contents, revision, [repo_dir], changelogs=changelogs, sources=sources)
    return paths


def _file_in_set(record, index):
    """The file of RECORD's NEVRA in package set INDEX: a scratch task's ("twin_sets") where a
    module content tag's set holds the build's own."""
    return record["twins"][0] if index in record.get("twin_sets", ()) else record["path"]


def _repo_contents(topdir, conf, arch, chosen):
    """(packages, revision, earlier repos) of repodata.write_repo for CHOSEN, [(record, Package)]
    of the split set. The revision and timestamps are the newest build time, so the same set
    gives the same repodata."""
    revision = max([pkg.time_build or 0 for _record, pkg in chosen] or [0])
    return [(record["path"], pkg) for record, pkg in chosen], revision, _earlier_repos(topdir, conf, arch)


class Ahead:
    """The package set's repo built aside, and its package pool warmed into a cache aside, by a
    child process while this one reads the headers and makes the records (and the reach runs):
    over the newest packages, split by arch as if no ExcludeArch/ExclusiveArch applied (the set
    the reach lets in is most often exactly this). run() takes it when the set it splits is
    these PACKAGES (ids), else drops it."""

    def __init__(self, topdir, conf, arch, newest, changelogs, sources):
        from .. import ahead

        chosen = _unlimited_split(newest)
        self.arch, self.packages, self.building = arch, {id(pkg) for _record, pkg in chosen}, None
        self.repo = self.cache = None
        try:
            self.repo = dirs.aside(layout.at(topdir, layout.pkgset_repo(arch)))
            self.cache = dirs.aside(layout.at(topdir, layout.pkgset_cache(arch)))
        except BaseException:
            self.drop()
            raise
        self.building = ahead.start("the package set's repo of %s" % arch, _build_and_warm, arch, self.repo,
                                    self.cache, _repo_contents(topdir, conf, arch, chosen), changelogs, sources)

    def _wait_building(self):
        """Whether the child built the repo (its pool warmed or not)."""
        building, self.building = self.building, None
        return bool(building and building())

    def taken(self, repo_dir, cache, made_here):
        """The function that waits for the child, then puts the repo in REPO_DIR and what the
        warming cached into CACHE; MADE_HERE() makes them when the child could not."""
        def wait():
            try:
                built = self._wait_building()
                if built:
                    _move_files(self.cache, cache)
                    dirs.swap(self.repo, repo_dir)
            finally:
                self.drop()
            if not built:
                log.info("pkgset %s: the repo made ahead failed: it is made again", self.arch)
                made_here()
        return wait

    def drop(self):
        if self.building:  # its pool is not warmed if the child has not begun yet
            try:
                with open(os.path.join(self.cache, UNWANTED), "w"):
                    pass
            except OSError:
                pass
        self._wait_building()
        for path in (self.repo, self.cache):
            if path and os.path.lexists(path):
                shutil.rmtree(path, ignore_errors=True)


# a file Ahead.drop() puts into the cache of a repo made ahead: nobody will take its pool
UNWANTED = "unwanted"


def _build_and_warm(arch, repo, cache, contents, changelogs, sources):
    """In Ahead's child: the repo built in REPO over CONTENTS (_repo_contents), then its pool
    warmed into CACHE (a failure of the warming is left to the gathers, which load anew)."""
    repodata.build_repo(repo, *contents, changelogs=changelogs, sources=sources)
    if os.path.exists(os.path.join(cache, UNWANTED)):
        return
    try:
        pkgpool.PackagePool(pkgpool.solver_arch(arch), [repo], cache=cache, warming=True)
    except Exception as exc:  # noqa: BLE001 - the gathers load the pool anew and report
        log.info("package pool of %s not made ahead: %s", repo, exc)


def _unlimited_split(newest):
    """What _arch_split keeps of NEWEST, [(Repo, Package)] of one set, before the headers, which
    say the arch limits, are read (as if there were none): every binary package, and each
    source package some binary package is built from; [(record, Package)], each record holding
    what the repo over them reads (the path)."""
    built = {pkg.rpm_sourcerpm.rsplit("-", 2)[0] for _repo, pkg in newest
             if pkg.arch not in packages.SOURCE_ARCHES and pkg.rpm_sourcerpm}
    return [({"path": repo.package_path(pkg)}, pkg) for repo, pkg in newest
            if pkg.arch not in packages.SOURCE_ARCHES or pkg.name in built]


def _move_files(source, target):
    """Every file under SOURCE moved to the same place under TARGET."""
    for top, _dirs, files in os.walk(source):
        where = os.path.join(target, os.path.relpath(top, source))
        os.makedirs(where, exist_ok=True)
        for name in files:
            os.replace(os.path.join(top, name), os.path.join(where, name))


def _ahead(topdir, conf, arch, newest, changelogs, sources):
    """An Ahead of NEWEST when the package set has no modules (their metadata goes into its
    repo afterwards); None otherwise, or when it cannot be made (the repo is then made as
    usual, which says why)."""
    if _modular(topdir):
        return None
    try:
        return Ahead(topdir, conf, arch, newest, changelogs, sources)
    except (PunjiError, OSError) as exc:
        log.info("pkgset %s: its repo not made ahead: %s", arch, exc)
        return None


def _earlier_repos(topdir, conf, arch):
    """The package set repos of ARCH whose package metadata a new one copies: this compose's
    last one and the old compose's."""
    old = reuse.old_compose(topdir) if conf.get("pkgset_allow_reuse", True) else None
    return [layout.at(top, layout.pkgset_repo(arch)) for top in (topdir, old) if top]


def _arch_split(conf, arch, chosen, quiet=False, sets=None):
    """CHOSEN, [(record, Package)], as Pungi splits a package set by arch: less the noarch
    packages whose source package's ExcludeArch/ExclusiveArch (their own when the source is not
    in the set or pkgset_inherit_exclusive_arch_to_noarch is off) leave out ARCH's native arches
    (noarch counting as one of them unless pkgset_exclusive_arch_considers_noarch is off), and
    less the source packages no binary package of the set is built from. Pungi splits each of
    its package sets on its own: SETS, {NEVRA: indexes of the sets holding it} (koji: a tag's,
    a module content tag's), None for one set; a package stays when some set of its keeps it."""
    native = set(arches.compatible(arch, multilib=False))
    if not conf.get("pkgset_exclusive_arch_considers_noarch", True):
        native.discard("noarch")
    inherit = conf.get("pkgset_inherit_exclusive_arch_to_noarch", True)

    single = {0}  # never changed: each step below makes a new set
    holders = (lambda record: sets.get(record["nevra"], single)) if sets else (lambda _record: single)

    sources = {(s, os.path.basename(r["path"])): r for r, _pkg in chosen
               if inherit and r["arch"] in packages.SOURCE_ARCHES for s in holders(r)}
    kept = []
    for record, pkg in chosen:
        within = holders(record)
        if record["arch"] == "noarch":
            within = {s for s in within if not _arch_excluded(sources.get((s, record["sourcerpm"]), record), native)}
        if not within:
            if not quiet:
                limits = sources.get((min(holders(record)), record["sourcerpm"]), record)
                log.info("pkgset %s: %s left out by ExcludeArch %s / ExclusiveArch %s", arch, record["nevra"],
                         limits.get("excludearch", []), limits.get("exclusivearch", []))
            continue
        kept.append((record, pkg, within))
    # a source package's name split off once per source package, not once per binary package
    pairs = {(s, r["sourcerpm"]) for r, _pkg, within in kept if r["sourcerpm"] for s in within}
    built = {(s, sourcerpm.rsplit("-", 2)[0]) for s, sourcerpm in pairs}
    several = _several_sets(sets)
    result = []
    for record, pkg, within in kept:
        if record["arch"] in packages.SOURCE_ARCHES:
            within = {s for s in within if (s, record["name"]) in built}
            if not within:
                continue
        if several:
            record["sets"] = sorted(within)
        result.append((record, pkg))
    return result


def _several_sets(sets):
    """Whether SETS ({NEVRA: indexes of the sets holding it}) makes several package sets whose
    repos the gather reads one by one, as Pungi's does: those of several tags or module content
    tags (negative)."""
    indexes = set().union(*sets.values()) if sets else set()
    return len(indexes) > 1


def _arch_excluded(limits, native):
    """Whether LIMITS' (a record's) ExcludeArch names an arch of NATIVE, or its ExclusiveArch none."""
    return bool(set(limits.get("excludearch", ())) & native) or \
        bool(limits.get("exclusivearch") and not set(limits["exclusivearch"]) & native)


def from_repos(topdir, conf, arch):
    """The package set of pkgset_source = "repos": [(record, createrepo_c Package)] by NEVRA.
    A package source returns this; the record has the fields of packages.json."""
    if not repo_refs.repos_for(conf.get("pkgset_repos") or {}, arch):
        raise PunjiError("option 'pkgset_repos': no repository for arch %s (nor '*')" % arch)
    compose_arches = _compose_arches(topdir)
    # Pungi pools what every arch's run reached in that arch's repos, then splits the pool by arch
    repos = pkgset_inputs.repos_of(conf, arch, compose_arches)
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    opened = [(Repo(r, cache), r) for r in repos]
    streams = _modules(topdir, [repo for repo, _r in opened], arch) if _modular(topdir) else _no_modules(topdir, arch)
    gather_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    old = reuse.old_compose(topdir) if conf.get("pkgset_allow_reuse", True) else None
    # the solver runs in a child while the records of the repos' newest packages (it usually
    # reaches most) are made, their headers read by workers; it starts once the repos are read,
    # whose packages a nightly's reach taken over from the old compose's lists (rpms.rebuilds)
    from ..rpms import reach

    choose = packages.chooser(arch, opened, modular={n for s in streams for n in s["artifacts"]},
                              multilib=is_arch_multilib(gather_conf, arch))
    reaching, ahead = reach.start(topdir, conf, gather_conf, compose_arches, first=arch,
                                  opened={r: repo for repo, r in opened}), None
    try:
        newest = choose()
        changelogs = all([_has_changelogs(repo) for repo, _r in opened])  # each broken one warned of
        # a reach already done (taken over, or kept by a killed run) says what the repo is over
        chosen = None if reaching.running() else choose(keep=reach.reached(topdir, conf, gather_conf, compose_arches,
                                                                            first=arch))
        # made by a child while the reach runs and the headers are read
        ahead = _ahead(topdir, conf, arch, newest if chosen is None else chosen, changelogs,
                       [repo for repo, _r in opened])
        headers = HeaderCache(layout.at(topdir, layout.pkgset_headers(arch)),
                              layout.at(old, layout.pkgset_headers(arch)) if old else None,
                              keys_path=layout.at(topdir, layout.pkgset_files(arch)))
        headers.prefetch(_local_files(newest))
        early = {id(pkg): _early_record(repo, pkg, headers) for repo, pkg in newest}
    except BaseException:
        if ahead:
            ahead.drop()
        raise
    finally:
        reaching()
    if chosen is None:
        chosen = choose(keep=reach.reached(topdir, conf, gather_conf, compose_arches, first=arch))
    log.info("pkgset %s: %d packages reached by Pungi's package set runs of %s",
             arch, len(chosen), ", ".join(compose_arches))
    headers.prefetch(_local_files([(repo, pkg) for repo, pkg in chosen if id(pkg) not in early]))
    try:
        result = ReposSet((_made(early.get(id(pkg))) or _record(repo, pkg, headers), pkg) for repo, pkg in chosen)
    except BaseException:
        if ahead:
            ahead.drop()
        raise
    result.changelogs, result.ahead, result.sources = changelogs, ahead, [repo for repo, _r in opened]
    headers.save()
    log.info("pkgset %s: %d packages from %d repos", arch, len(result), len(repos))
    return result


def _has_changelogs(repo):
    """Whether REPO's other metadata is there and matches repomd.xml, so the package set takes
    its packages' changelogs from it. Pungi reads them from the packages, and so does createrepo_c
    when a set has none: a broken other metadata is a warning, not a stop."""
    if "other" not in repo.hrefs:
        return False
    try:
        repo.metadata("other", verify=True)
    except PunjiError as exc:
        warn("punji-pkgset", "%s: the changelogs are read from the packages instead" % exc)
        return False
    return True


class ReposSet(list):
    """[(record, Package)] of a package set read from repos; changelogs: whether every repo
    had other metadata, so that the Packages carry their changelogs; ahead: its repo made
    while the reach ran (Ahead), or None; sources: the repos.Repo objects read."""

    changelogs = False
    ahead = None
    sources = ()


def _local_files(chosen):
    """[(path, checksum type)] of the local files of CHOSEN, [(Repo, Package)]."""
    return [(path, pkg.checksum_type) for path, pkg in ((repo.package_path(pkg), pkg) for repo, pkg in chosen)
            if not repo_refs.is_remote(path)]


def _modular(topdir):
    """Whether some variant of the compose lists <modules>."""
    return any(v.get("modules") for v in jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"])


def _no_modules(topdir, arch):
    path = layout.at(topdir, layout.pkgset_modules(arch))
    if os.path.exists(path):
        os.unlink(path)
    return []


def _modules(topdir, repos, arch):
    """The module streams of ARCH in the modules metadata of REPOS, kept with their modules'
    defaults in work/<arch>/pkgset/modules.yaml (no file when there are none); their records."""
    from ..rpms import modules

    path = layout.at(topdir, layout.pkgset_modules(arch))
    indexes = [index for index in (modules.repo_index(repo) for repo in repos) if index is not None]
    index = modules.of_arch(modules.merge(indexes), arch) if indexes else None
    records = modules.streams(index) if index is not None else []
    if not records:
        return _no_modules(topdir, arch)
    jsonio.write_text(path, modules.dump(index))
    log.info("pkgset %s: %d module streams: %s", arch, len(records), ", ".join(r["nsvca"] for r in records))
    return records


def _files_unchanged(old_topdir, record):
    """Whether every package file the old package set read is as it was then (path, size, mtime)."""
    keys = _read_keys(old_topdir, record["arch"])
    if keys is None:
        return False
    by_dir = {}
    try:
        for key in keys:
            path, size, mtime = key.rsplit(" ", 2)
            directory, _slash, name = path.rpartition("/")
            by_dir.setdefault(directory, []).append((name, int(size), int(mtime)))
    except ValueError:  # not a key headers.json writes
        return False
    return all(_dir_unchanged(directory, files) for directory, files in by_dir.items())


def _read_keys(topdir, arch):
    """The keys of the package set's headers.json of ARCH in the compose TOPDIR: from its
    files.txt, or headers.json itself (an older punji's compose); None when neither reads."""
    text = jsonio.read_text(layout.at(topdir, layout.pkgset_files(arch)))
    if text is not None:
        return text.splitlines()
    try:
        return list(jsonio.read_json(layout.at(topdir, layout.pkgset_headers(arch)))["files"])
    except (OSError, ValueError, KeyError):
        return None


def _dir_unchanged(directory, files):
    """Whether each of FILES, [(name, size, mtime)], is so in DIRECTORY (each looked up in the
    open directory: a nightly checks tens of thousands)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        for name, size, mtime in files:
            info = os.stat(name, dir_fd=fd)
            if info.st_size != size or info.st_mtime_ns != mtime:
                return False
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _compose_arches(topdir):
    from ..config import variants

    return variants.all_arches(jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"])


def from_koji(topdir, conf, arch):
    """The package set of pkgset_source = "koji" (punji_lib/koji/package_set.py)."""
    from ..koji import package_set

    return package_set.from_koji(topdir, conf, arch)


SOURCES = {"repos": from_repos, "koji": from_koji}


def _early_record(repo, pkg, headers):
    """_record(), made before the package is known to be in the set: its error kept, for
    _made() to raise if it is."""
    try:
        return _record(repo, pkg, headers)
    except (PunjiError, OSError) as exc:
        return exc


def _made(early):
    """The record _early_record() made, or None; its error raised."""
    if isinstance(early, BaseException):
        raise early
    return early


def _record(repo, pkg, headers):
    """The packages.json record of PKG. A package of a local repo is checked here (header,
    checksum); one of an http(s) repo is only downloaded, and checked, when gather takes it."""
    path, pkg_nevra = repo.package_path(pkg), packages.nevra(pkg)
    remote = repo_refs.is_remote(path)
    try:
        facts = None if remote else headers.check(path, pkg, pkg_nevra)
    except FileNotFoundError:
        raise PunjiError("repo %s: package %s is missing" % (repo.repo, path))
    return packages.record(pkg, path, repo.repo, pkg.location_href, pkg.checksum_type, facts, pkg_nevra)


