"""What Pungi 4.3.2 lets into a package set read from repos: what its solver reaches.

Pungi does not take whole repositories. For every compose arch it solves,
over that arch's repos, everything any variant could ask for: every group
of the arch's comps (optional packages too), every additional_packages entry and gather_source_mapping
name of the arch (whatever variant pattern they carry), gather_prepopulate,
and system-release (a group's packages are those of the arch's comps merged
with the groups of the same id in the repos' own group files, as DNF reads
every repo's); with fulltree, selfhosting, multilib "all", greedy
"none", and the arch as given (for i386 that means only i386 and noarch
packages answer a requirement). The package set of each arch is then every
package any of these runs reached, of the arches that arch can hold.
"""

import os

from .. import ahead
from ..compose import layout
from ..config.lookup import json_file, va_data
from ..config.repo_refs import repos_for
from ..log import log
from . import depsolve, input_arches, rebuilds
from .pkgpool import PackagePool


def reached(topdir, conf, gather_conf, compose_arches, first=None, opened=None):
    """The NEVRAs of every package the runs of all COMPOSE_ARCHES reach (the run of FIRST
    made first). Each run is kept in work/<arch>/pkgset/reach.json with a fingerprint of
    its inputs, so the package sets of the other arches, made at the same time, need not
    make it again. OPENED: {repo: repos.Repo} of repos already read."""
    found = set()
    for arch in sorted(compose_arches, key=lambda a: a != first):
        found.update(_run(topdir, conf, gather_conf, arch, opened or {}))
    return found


def start(topdir, conf, gather_conf, compose_arches, first=None, opened=None):
    """reached() in a child process, which leaves its runs in their reach.json files for the
    reached() of this one; returns the function that waits for it. A failure is left to
    that reached(), which makes the runs anew and says why."""
    return ahead.start("package set reach", reached, topdir, conf, gather_conf, compose_arches, first, opened)


def _run(topdir, conf, gather_conf, arch, opened):
    from ..compose import jsonio, state
    from .solvcache import repo_keys

    request = _request(topdir, gather_conf, arch)
    repos = repos_for(conf.get("pkgset_repos") or {}, arch)
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    comps = layout.at(topdir, layout.arch_comps_file(arch))
    key = state.digest(request, repo_keys(repos, cache), jsonio.read_text(comps))
    path = layout.at(topdir, layout.reach_json(arch))
    try:
        kept = jsonio.read_json(path)
        if kept.get("key") == key:
            return kept["nevras"]
    except (OSError, ValueError):
        pass
    inputs = _inputs(request, repos, cache, comps)
    taken = rebuilds.taken_over(_old_reach(topdir, conf, arch), inputs, repos, cache, opened)
    if taken is not None:
        nevras, forced = taken
        log.info("pkgset reach of %s: every package of its repos, as the old compose's solve, which no order "
                 "of its steps changes, with rebuilt packages in their places: not solved again", arch)
    else:
        # nothing kept for a next pool: the next reach of these repos is in reach.json, and a
        # nightly's new compose has a cache of its own
        pool = PackagePool(arch, repos, cache=cache, keep_caches=False)
        # the group files of the repos themselves count too: DNF merges them with the compose's comps
        pool.comps_files += [("comps", comps)] if os.path.isfile(comps) else []
        result = depsolve.Solver(pool, request).run()
        nevras = sorted(pool.nevra(i) for i in result.packages)
        forced = rebuilds.forced(pool, request, result, inputs)
    jsonio.write_shared(path, jsonio.dumps(dict({"key": key, "nevras": nevras}, **forced), compact=True))
    return nevras


def _inputs(request, repos, cache, comps):
    """What a reach that answers every package of its repos reads besides their packages: the
    request, the repos, the compose's comps for the arch and the repos' own group files."""
    from ..compose import jsonio, state
    from .repos import Repo

    groups = [state.file_digest(Repo(spec, cache).comps() or os.devnull) for spec in repos]
    return state.digest(request, list(repos), jsonio.read_text(comps), groups)


def _old_reach(topdir, conf, arch):
    """The reach.json of ARCH of the old compose a nightly reuses ({} when there is none)."""
    from ..compose import jsonio, reuse

    old = reuse.old_compose(topdir) if conf.get("pkgset_allow_reuse", True) else None
    try:
        return jsonio.read_json(layout.at(old, layout.reach_json(arch))) if old else {}
    except (OSError, ValueError):
        return {}


def _request(topdir, gather_conf, arch):
    comps = layout.at(topdir, layout.arch_comps_file(arch))
    additional = va_data(gather_conf.get("additional_packages"), None, arch)
    input_arches.check("additional_packages", additional, arch)
    prepopulate = _prepopulate(gather_conf, arch)
    input_arches.check("gather_prepopulate", prepopulate, arch, arch_needed=True)
    packages = additional + _mapping(gather_conf, arch)
    if "system-release" not in packages:
        packages.append("system-release")
    return dict(depsolve.DEFAULTS, repos=[], arch=arch, packages=sorted(set(packages)),
                groups=_groups(comps), groups_with_optional=True, prepopulate=prepopulate,
                fulltree=True, selfhosting=True, multilib_methods=["all"], langpacks=True)


def _groups(path):
    """Every group id of the arch's comps (read as XML: Pungi keeps groups the arch filter
    emptied, which libcomps would refuse)."""
    if not os.path.isfile(path):
        return []
    from lxml import etree

    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True))
    return sorted({i.text.strip() for i in tree.xpath("/comps/group/id") if i.text})


def _mapping(gather_conf, arch):
    """gather_source_mapping of every variant for ARCH: name, or name.arch."""
    found = []
    for by_arch in json_file(gather_conf, "gather_source_mapping").values():
        for name, pkg_arches in (by_arch.get(arch) or {}).items():
            found += [name if a is None else "%s.%s" % (name, a) for a in pkg_arches or [None]]
    return found


def _prepopulate(gather_conf, arch):
    found = set()
    for by_arch in json_file(gather_conf, "gather_prepopulate").values():
        for names in (by_arch.get(arch) or {}).values():
            found.update(names)
    return sorted(found)
