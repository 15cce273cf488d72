"""A package set reach whose answer no order of the solver's steps can change, taken over by a
nightly whose repos differ from the old compose's only by rebuilds.

The reach (rpms.reach) solves, over the source repos, a request that often takes in every
package they hold (an Everything variant's "*" with fulltree, selfhosting and multilib). Which
provider of a requirement the solver takes depends on what it took before, so in general only
a solve says what a changed repo's reach is. But when the packages taken by the steps whose
choices depend on nothing taken before (the request's names and groups, each package's source
package, its debuginfo and debugsource packages, its one multilib partner) are already every
package of the repos, every order of the steps gives that answer: the solve is *forced*.

Those steps read only the names, arches, version-release equalities, source packages and
groups of the packages, not their dependencies or files. A repo whose packages are the old
ones but for rebuilds (each name.arch in one repo only, as before; every package built from
a rebuilt source package rebuilt with it, from a source package of the same name; builds of a
name equal in version-release where the old ones were) gives the same forced solve, its answer
every package of the new repos. forced() says whether a solve was forced (what reach.json keeps
for the next compose); taken_over() gives a nightly's answer without a solve when it holds.

Source and debug packages take nothing in after them: the binary packages those steps take
(by name, arch and version-release equalities alone) are then every binary package, whatever
the changed packages' source packages are, so a repo whose source and debug packages each
belong to one of its binary packages as those steps see it (leaves_taken) gives a forced solve
too: a package rebuilt from a source package of another name (one of its own, not in the
repos) while the rest of its old source package's builds stay.
"""

from .package_text import file_nvra, is_debug, nevra_parts, source_nvr
from .packages import SOURCE_ARCHES, nevra


def forced(pool, request, result, inputs):
    """{"forced": ...} for reach.json when RESULT, the reach's solve of REQUEST over POOL, is
    every package of the pool and forced (see the module); {} otherwise. INPUTS: what the reach
    read besides the packages (reach._inputs)."""
    every = {s.id for handle in pool.where for s in handle.solvables}
    if set(result.packages) != every or _taken_whatever_the_order(pool, request) != every:
        return {}
    return {"forced": {"inputs": inputs, "repos": [[[pool.nevra(s.id), _source_of(pool.arch_of(s.id), pool.sourcerpm(s.id))]
                                                    for s in handle.solvables] for handle in pool.where]}}


def _source_of(arch, sourcerpm):
    return "" if arch in SOURCE_ARCHES else sourcerpm or ""


def _taken_whatever_the_order(pool, request):
    """The packages of POOL a solve of REQUEST takes whatever the order of its steps: the
    request's packages and groups, then, until nothing more comes, the source packages, the
    debug packages and the single multilib partners of what is taken."""
    from . import depsolve, solver

    result = depsolve.Result(pool)
    groups, langpacks = depsolve.Solver(pool, request).read_comps(result)
    taking = solver.Solver(pool, request, result, langpacks)
    wanted = [(p, {"reason": "requested"}) for p in request["packages"] if not p.startswith("-")]
    taking.add_initial(wanted + [(n, {"reason": "group"}) for _gid, names, _conditionals in groups for n in names])
    while any([taking.step_sources(), taking.step_debug(), _single_partners(taking)]):
        pass
    return taking.binary | taking.debug | taking.source


def _single_partners(taking):
    """The multilib step of solver.Solver for the packages with one multilib partner (whose
    choice depends on nothing taken before); whether one was added."""
    from . import multilib

    pool, req, added = taking.pool, taking.req, False
    if not pool.multilib:
        return False
    done = taking.done.setdefault("single_partner", set())
    for i in [i for i in taking.binary if i not in done]:
        done.add(i)
        partners = pool.multilib_partners(i)
        if len(partners) == 1 and taking.best(partners) == partners and \
                multilib.why(pool, partners[0], req["multilib_methods"], req["multilib_blacklist"],
                             req["multilib_whitelist"]):
            added |= taking.add(partners[0], {"reason": "multilib"})
    return added


def taken_over(old, inputs, repos, cache, opened=None):
    """(NEVRAs, {"forced": ...}) of a reach of the local REPOS whose solve OLD (the old compose's
    reach.json) found forced with the same INPUTS, when the repos differ from its only by
    rebuilds: every package of the repos, without a solve; None otherwise. OPENED: {repo:
    repos.Repo} of repos already read."""
    from ..config.repo_refs import is_remote
    from .repos import Repo

    kept = old.get("forced")
    if not kept or kept.get("inputs") != inputs or any(is_remote(spec) for spec in repos):
        return None
    opened = opened or {}
    now = [[[nevra(pkg), _source_of(pkg.arch, pkg.rpm_sourcerpm)] for pkg in (opened.get(spec) or Repo(spec, cache)).packages()]
           for spec in repos]
    if not only_rebuilds(kept["repos"], now):
        return None
    return sorted({n for listed in now for n, _source in listed}), {"forced": {"inputs": inputs, "repos": now}}


def only_rebuilds(old, new):
    """Whether NEW, [[NEVRA, sourcerpm ("" for a source package)] of each repo], is OLD but for
    rebuilds (see the module)."""
    if len(old) != len(new):
        return False
    changed, places = {}, {}
    for listed_old, listed_new in zip(old, new):
        by_old, by_new = _by_name_arch(listed_old), _by_name_arch(listed_new)
        if by_old is None or by_new is None or by_old.keys() != by_new.keys():
            return False
        for key, was in by_old.items():
            places[key] = places.get(key, 0) + 1
            if by_new[key] != was:
                changed[key] = (was, by_new[key])
    if any(count > 1 for count in places.values()):  # which build is newest, or which of equal ones is
        return False                                  # taken, would then count
    return (_sources_rebuilt_whole(old, new, changed) or leaves_taken(new)) and \
        _version_releases_alike(old, new, changed)


def leaves_taken(repos):
    """Whether the steps of a forced solve, taking every binary package (not debug, not source)
    of REPOS ([[NEVRA, sourcerpm]] of each repo), take every source and debug package too: each
    source package the only one of its name-version-release and named as the sourcerpm of a
    binary package (solver.Solver.step_sources), each debug package built from the sourcerpm of
    a binary package of its arch, and a debugsource or that package's debuginfo (step_debug)."""
    sources, binaries, debug = {}, {}, []
    for listed in repos:
        for each_nevra, sourcerpm in listed:
            name, _epoch, version, release, arch = nevra_parts(each_nevra)
            if arch in SOURCE_ARCHES:
                sources[(name, version, release)] = sources.get((name, version, release), 0) + 1
            elif is_debug(name):
                debug.append((name, arch, sourcerpm))
            else:
                binaries.setdefault((sourcerpm, arch), set()).add(name)
    named = {source_nvr(sourcerpm) for sourcerpm, _arch in binaries if sourcerpm}
    if any(count != 1 or nvr not in named for nvr, count in sources.items()):
        return False
    return all(sourcerpm and _debug_taken(name, binaries.get((sourcerpm, arch), ())) for name, arch, sourcerpm in debug)


def _debug_taken(name, built_with):
    """Whether step_debug takes the debug package NAME for one of the binary packages of its
    sourcerpm and arch, of the names BUILT_WITH."""
    if not built_with:
        return False
    return "-debugsource" in name or (name.endswith("-debuginfo") and name[:-len("-debuginfo")] in built_with)


def _by_name_arch(listed):
    """{(name, arch): [NEVRA, sourcerpm]} of LISTED; None when a name.arch is there twice."""
    found = {}
    for each in listed:
        name, _e, _v, _r, arch = nevra_parts(each[0])
        if found.setdefault((name, arch), tuple(each)) != tuple(each):
            return None
    return found if len(found) == len(listed) else None


def _sources_rebuilt_whole(old, new, changed):
    """Every package built from a rebuilt source package rebuilt with it, from a source package
    of the same name, the source package too when the repos have it; nothing else built from
    the new one."""
    renamed = {}
    for (was_nevra, was_source), (now_nevra, now_source) in changed.values():
        if nevra_parts(was_nevra)[4] in SOURCE_ARCHES:
            was_source, now_source = file_nvra(was_nevra) + ".rpm", file_nvra(now_nevra) + ".rpm"
        if not was_source or not now_source or was_source.rsplit("-", 2)[0] != now_source.rsplit("-", 2)[0]:
            return False
        if renamed.setdefault(was_source, now_source) != now_source:
            return False
    if len(set(renamed.values())) != len(renamed):
        return False
    touched = set(renamed) | set(renamed.values())
    for listed in old + new:
        for each_nevra, source in listed:
            key = nevra_parts(each_nevra)[::4]
            file = file_nvra(each_nevra) + ".rpm" if key[1] in SOURCE_ARCHES else source
            if file in touched and key not in changed:
                return False
    return True


def _version_releases_alike(old, new, changed):
    """Of each name with a rebuilt package, every two builds (any arch, any repo) equal in
    version-release in NEW where they were in OLD, and unequal where they were not."""
    names = {name for name, _arch in changed}

    def pattern(repos):
        builds = {}
        for n, listed in enumerate(repos):
            for each_nevra, _source in listed:
                name, _epoch, version, release, arch = nevra_parts(each_nevra)
                if name in names:
                    builds.setdefault(name, {})[(n, arch)] = (version, release)
        return {name: {(a, b) for a in by_arch for b in by_arch if by_arch[a] == by_arch[b]}
                for name, by_arch in builds.items()}

    return pattern(old) == pattern(new)
