"""Pungi 4.3.2's "nodeps" gather method: the packages named, no solving.

Unlike the solver with requirements turned off (punji-depsolve's "nodeps"),
this method takes every binary package of the arch's package set whose name
matches an input (a glob with only '*' special), of the input's arch or
noarch; an input without an arch takes every arch the package set holds,
and a comps group's packages take the tree arch (so i686 builds never match
on an i386 tree, as in Pungi). Then the source package of each, and the debug
packages of those sources on the arches a binary of theirs was taken. There
are no langpacks, multilib or fulltree; everything counts as input.

For the module source the inputs are packages (the streams' artifacts), not
names: exactly those binary packages are taken, whatever version the pool
shows, then their source and debug packages among every package not hidden.
"""

import re

from .. import arches
from .package_text import is_debug
from .packages import SOURCE_ARCHES

PACKAGE_ARCHES = {a for family in arches.FAMILY.values() for a in family} | {"noarch"}


def split_name_arch(pattern):
    """("name", "arch") for "name.arch" when the suffix is a package arch, else (pattern, None)."""
    name, dot, arch = pattern.rpartition(".")
    return (name, arch) if dot and arch in PACKAGE_ARCHES else (pattern, None)


def gather(pool, wanted, result):
    """Fill RESULT.packages {id: (category, why)} from POOL's main repos for WANTED, a list of
    (name glob, package arch or None): every version of a name the package set holds (Pungi's
    method reads the package set itself, where builds named in pkgset_koji_builds or scratch
    tasks stand next to the tags' latest ones)."""
    main = _every(pool)
    seen = {}  # source rpm file name -> arches of its binaries taken
    for i in main:
        if pool.is_source(i) or is_debug(pool.name(i)):
            continue
        for pattern, arch in wanted:
            if _matches(pattern, pool.name(i)) and (arch is None or pool.arch_of(i) in (arch, "noarch")):
                asked = "%s.%s" % (pattern, arch) if arch else pattern
                result.packages.setdefault(i, ("rpm", {"reason": "requested", "pattern": asked}))
                seen.setdefault(pool.sourcerpm(i), set()).add(pool.arch_of(i))
    # the package set's source package, though a lookaside repo has the same file (Pungi's
    # method reads the package set only)
    sources = {}
    for i in main:
        if pool.is_source(i):
            sources.setdefault(_file_name(pool, i), i)
    for sourcerpm in seen:
        if sourcerpm in sources:
            result.packages.setdefault(sources[sourcerpm], ("srpm", {"reason": "source", "of": sourcerpm}))
    for i in main:
        if is_debug(pool.name(i)) and not pool.is_source(i) and _built_here(seen.get(pool.sourcerpm(i)), pool.arch_of(i)):
            result.packages.setdefault(i, ("debuginfo", {"reason": "debuginfo", "of": pool.sourcerpm(i)}))
    return result


def gather_exact(pool, ids, result):
    """Fill RESULT.packages from the binary packages IDS of POOL (module artifacts), their
    source packages and the debug packages built with them."""
    every = _every(pool)
    seen = {}
    for i in sorted(ids):
        if pool.arch_of(i) in SOURCE_ARCHES or is_debug(pool.name(i)):
            continue
        result.packages.setdefault(i, ("rpm", {"reason": "requested", "pattern": pool.nevra(i)}))
        seen.setdefault(pool.sourcerpm(i), set()).add(pool.arch_of(i))
    for i in every:
        if pool.arch_of(i) in SOURCE_ARCHES and _file_name(pool, i) in seen:
            result.packages.setdefault(i, ("srpm", {"reason": "source", "of": _file_name(pool, i)}))
        elif is_debug(pool.name(i)) and _built_here(seen.get(pool.sourcerpm(i)), pool.arch_of(i)):
            result.packages.setdefault(i, ("debuginfo", {"reason": "debuginfo", "of": pool.sourcerpm(i)}))
    return result


def _every(pool):
    """Every package of POOL's main repos, older versions too, but the hidden ones."""
    return sorted(i for i in pool.candidates if i not in pool.lookaside and i not in pool.hidden)


def _file_name(pool, i):
    """name-version-release.arch.rpm of package I."""
    return "%s-%s.%s.rpm" % (pool.name(i), pool.evr(i).rpartition(":")[2], pool.arch_of(i))


def _matches(pattern, name):
    regex = pattern.replace(".", "\\.").replace("+", "\\+").replace("*", ".*") + "$"
    try:
        return re.match(regex, name) is not None
    except re.error:
        return False


def _built_here(binary_arches, arch):
    """Whether a debug package of ARCH goes with binaries of BINARY_ARCHES: one of the same
    arch family (never because of noarch ones)."""
    if not binary_arches:
        return False
    family = next((f for f in arches.FAMILY.values() if arch in f), [arch])
    return bool(set(family) & (binary_arches - {"noarch"}))
