"""Pungi's gather rules over a libsolv pool: which binary, source and debug packages go in.

solve(request) takes the request punji-depsolve reads (REQUEST_SCHEMA) and returns a
Result; the rules themselves are in solver.py. This module checks requests and
reads the comps groups and langpacks they ask for.
"""

import os

from ..errors import PunjiError
from . import multilib, solver
from .pkgpool import PackagePool

STRINGS = {"type": "array", "items": {"type": "string"}}
REQUEST_SCHEMA = {
    "type": "object",
    "required": ["repos", "arch"],
    "additionalProperties": False,
    "properties": {
        "repos": dict(STRINGS, minItems=1),
        "lookaside_repos": STRINGS,
        "arch": {"type": "string", "minLength": 1},
        "packages": STRINGS,
        "groups": STRINGS,
        "groups_with_optional": {"type": "boolean"},
        "nodeps": {"type": "boolean"},
        "greedy": {"enum": ["none", "all", "build"]},
        "fulltree": {"type": "boolean"},
        "fulltree_excludes": STRINGS,
        "selfhosting": {"type": "boolean"},
        "multilib_methods": {"type": "array", "items": {"enum": list(multilib.METHODS)}},
        "multilib_blacklist": STRINGS,
        "multilib_whitelist": STRINGS,
        "prepopulate": STRINGS,
        "langpacks": {"type": "boolean"},
        "exclude_source": {"type": "boolean"},
        "exclude_debug": {"type": "boolean"},
        "modules": {"type": "boolean"},
        "module_streams": {"type": "array", "items": {"type": "string", "pattern": "^[^:]+:[^:]+$"}},
        "method": {"enum": ["deps", "hybrid"]},
    },
}
DEFAULTS = {"lookaside_repos": [], "packages": [], "groups": [], "groups_with_optional": False, "nodeps": False,
            "greedy": "none", "fulltree": False, "fulltree_excludes": [], "selfhosting": False,
            "multilib_methods": [], "multilib_blacklist": [], "multilib_whitelist": [], "prepopulate": [],
            "langpacks": False, "exclude_source": False, "exclude_debug": False, "modules": None,
            "module_streams": [], "method": "deps"}


def check_request(request, where="request"):
    """REQUEST with defaults filled in; a PunjiError naming the key when it is invalid."""
    from ..compose import schema

    try:
        schema.validate(request, REQUEST_SCHEMA)
    except schema.SchemaError as exc:
        key = ".".join(str(p) for p in exc.path)
        if exc.keyword == "additionalProperties":
            extra = sorted(set(request) - set(REQUEST_SCHEMA["properties"]))
            raise PunjiError("%s: unknown key %s" % (where, ", ".join(repr(k) for k in extra)))
        raise PunjiError("%s: key '%s': %s" % (where, key or exc.keyword, exc.message))
    return dict(DEFAULTS, **request)


class Result:
    """What solve() found: PACKAGES {id: (category, reason)} with category rpm/srpm/debuginfo,
    DEBUG_TOO {id: reason} of the rpms listed as debuginfo as well, MISSING patterns and
    UNRESOLVED (NEVRA, capability) pairs, over POOL."""

    def __init__(self, pool):
        self.pool = pool
        self.packages = {}
        # a debug package one provider choice put in Pungi's binary and debug results both
        self.debug_too = {}
        self.lookaside = {}  # {id: (category, reason)} taken from lookaside repos, not delivered
        self.missing = set()
        self.unresolved = set()
        self.problems = []  # (package, problem) of the hybrid method's installs libsolv could not solve

    def ids(self, category):
        found = [i for i, (cat, _why) in self.packages.items() if cat == category]
        return sorted(found + list(self.debug_too) if category == "debuginfo" else found)

    def entries(self):
        """(id, category, reason) of every package, those of DEBUG_TOO twice."""
        return [(i, cat, why) for i, (cat, why) in self.packages.items()] + \
            [(i, "debuginfo", why) for i, why in self.debug_too.items()]

    def answer(self, explain=False):
        pool = self.pool
        result = {cat: sorted(pool.path(i) for i in self.ids(cat)) for cat in ("rpm", "srpm", "debuginfo")}
        result["missing"] = sorted(self.missing)
        result["unresolved"] = [{"package": p, "requires": c} for p, c in sorted(self.unresolved)]
        if explain:
            result["explain"] = {pool.path(i): why for i, (_cat, why) in self.packages.items()}
        return result


def solve(request, cache=None):
    """Solve a checked REQUEST (see check_request); returns a Result."""
    pool = PackagePool(request["arch"], request["repos"], request["lookaside_repos"], cache)
    if request["method"] == "hybrid":
        return _hybrid(pool, request, cache)
    if _filters_modules(request):
        _filter_modular(pool, request, cache)
    return Solver(pool, request).run()


def _filters_modules(request):
    """Whether the deps method hides modular packages as dnf does: when the request says so
    ("modules": true) or names streams to enable. Otherwise every package is seen, the newest
    build of each name.arch whatever its stream, as Pungi's solver sees a repo with modules
    metadata (it adds repos with module_hotfixes) and as gather takes them for a variant
    listing no <modules>."""
    return request["modules"] if request["modules"] is not None else bool(request["module_streams"])


def _hybrid(pool, request, cache):
    """Pungi's hybrid method (rpms.hybrid) for REQUEST: its packages, groups (every package of
    each) and prepopulate as inputs, "-name" patterns as excludes, module_streams as the
    modules (with "modules": false the repos' modules metadata is not read)."""
    from . import hybrid, modules

    main, side = _module_indexes(request, cache) if request["modules"] is not False else (None, None)
    every = modules.streams(main) if main is not None else []
    enabled = modules.active(every, {}, request["module_streams"])
    comps = [path for _repo, path in pool.comps_files]
    found = hybrid.gather(pool, {
        "packages": [p for p in request["packages"] if not p.startswith("-")]
        + sorted(set(hybrid.group_names(comps, request["groups"]))) + request["prepopulate"],
        "modules": request["module_streams"], "exclude": [p[1:] for p in request["packages"] if p.startswith("-")],
        "streams": (main, side), "platform": hybrid.platform(main, side, {r["nsvca"] for r in enabled}),
        "modular": {n for r in enabled for n in r["artifacts"]},
        "multilib_methods": request["multilib_methods"], "multilib_blacklist": request["multilib_blacklist"],
        "multilib_whitelist": request["multilib_whitelist"],
        "langpacks": hybrid.langpacks_of(comps) if request["langpacks"] else {}})
    result = Result(pool)
    dropped = {"srpm"} if request["exclude_source"] else set()
    dropped |= {"debuginfo"} if request["exclude_debug"] else set()
    result.packages = {i: entry for i, entry in found.packages.items() if entry[0] not in dropped}
    result.missing = set(found.missing)
    result.problems = found.problems
    return result


def _module_indexes(request, cache):
    """(the ModuleIndex of the repos' modules metadata for the arch, that of the lookaside repos);
    None for those without any."""
    from . import modules
    from .repos import Repo

    cache = cache or os.path.join(os.path.expanduser("~"), ".cache", "punji", "repos")
    found = []
    for repos in (request["repos"], request["lookaside_repos"]):
        indexes = [i for i in (modules.repo_index(Repo(r, cache)) for r in repos) if i is not None]
        found.append(modules.of_arch(modules.merge(indexes), request["arch"]) if indexes else None)
    return tuple(found)


def _filter_modular(pool, request, cache):
    """Hide what dnf's modular filtering hides: the packages of every stream not active (a
    stream of module_streams, else its module's default stream; the newest version of each)
    and the non-modular packages named like an active stream's packages."""
    from .repos import Repo

    cache = cache or os.path.join(os.path.expanduser("~"), ".cache", "punji", "repos")
    repos = [Repo(r, cache) for r in request["lookaside_repos"] + request["repos"]]
    if not request["module_streams"] and not any("modules" in repo.hrefs for repo in repos):
        return  # libmodulemd not even loaded
    from . import modules

    indexes = [i for i in (modules.repo_index(repo) for repo in repos) if i is not None]
    if not indexes and not request["module_streams"]:
        return
    index = modules.of_arch(modules.merge(indexes), request["arch"]) if indexes else None
    records = modules.streams(index) if index is not None else []
    active = modules.active(records, index.get_default_streams() if index is not None else {},
                            request["module_streams"])
    modular = {n for r in records for n in r["artifacts"]}
    mine = {n for r in active for n in r["artifacts"]}
    names = {n.rsplit("-", 2)[0] for n in mine}
    pool.hide_nevras((modular - mine) | {pool.nevra(i) for i in pool.candidates
                                         if pool.name(i) in names and pool.nevra(i) not in modular})


class Solver:
    """The gather solver on POOL for a checked REQUEST; run() returns a Result."""

    def __init__(self, pool, request):
        self.pool = pool
        self.req = request

    def run(self):
        result = Result(self.pool)
        groups, langpacks = self.read_comps(result)
        return solver.Solver(self.pool, self.req, result, langpacks).run(groups)

    def read_comps(self, result):
        """([(group id, [package names], [(name, requires)])], {langpack name: pattern}) of the
        requested groups (mandatory and default packages, optional ones with
        groups_with_optional) from the pool's comps files, the lookaside repos' first (Pungi's
        DNF merges every repo's, a later group's package types winning); a missing group is a
        missing '@id'."""
        import libcomps

        req = self.req
        if not req["groups"] and not req["langpacks"]:
            return [], {}
        comps = libcomps.Comps()
        for _repo, path in self.pool.lookaside_comps_files + self.pool.comps_files:
            one = libcomps.Comps()
            one.fromxml_f(path)
            comps += one
        by_id = {g.id: g for g in comps.groups}
        kinds = {libcomps.PACKAGE_TYPE_MANDATORY, libcomps.PACKAGE_TYPE_DEFAULT}
        if req["groups_with_optional"]:
            kinds.add(libcomps.PACKAGE_TYPE_OPTIONAL)
        groups = []
        for gid in req["groups"]:
            group = by_id.get(gid)
            if group is None:
                result.missing.add("@" + gid)
                continue
            names = [p.name for p in group.packages if p.type in kinds]
            conditionals = [(p.name, p.requires) for p in group.packages
                            if p.type == libcomps.PACKAGE_TYPE_CONDITIONAL]
            groups.append((gid, names, conditionals))
        langpacks = {name: comps.langpacks[name] for name in comps.langpacks} if req["langpacks"] else {}
        return groups, langpacks
