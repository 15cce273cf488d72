"""Pungi's gather rules over a libsolv pool: which binary, source and debug packages go in.

solve(request) takes the request punji-depsolve reads (REQUEST_SCHEMA) and returns a
Result. The rules, in Pungi's order (a step that adds something sends the loop
back to dependencies): requested packages, groups and prepopulate; then until
nothing changes: Requires (greedy none/all/build), selfhosting (BuildRequires of
included sources), fulltree (siblings from one source rpm), langpacks, multilib,
comps conditionals. Then the source and debug packages of what is in. Every
package keeps the first reason it got in, for --explain.
"""

from ..errors import PunjiError
from . import multilib
from .pkgpool import PackagePool, is_debug

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
    },
}
DEFAULTS = {"lookaside_repos": [], "packages": [], "groups": [], "groups_with_optional": False, "nodeps": False,
            "greedy": "none", "fulltree": False, "fulltree_excludes": [], "selfhosting": False,
            "multilib_methods": [], "multilib_blacklist": [], "multilib_whitelist": [], "prepopulate": [],
            "langpacks": False, "exclude_source": False, "exclude_debug": False}


def check_request(request, where="request"):
    """REQUEST with defaults filled in; a PunjiError naming the key when it is invalid."""
    import jsonschema

    try:
        jsonschema.validate(request, REQUEST_SCHEMA)
    except jsonschema.ValidationError as exc:
        key = ".".join(str(p) for p in exc.absolute_path)
        if exc.validator == "additionalProperties":
            extra = sorted(set(request) - set(REQUEST_SCHEMA["properties"]))
            raise PunjiError("%s: unknown key %s" % (where, ", ".join(repr(k) for k in extra)))
        raise PunjiError("%s: key '%s': %s" % (where, key or exc.validator, exc.message))
    return dict(DEFAULTS, **request)


class Result:
    """What solve() found: PACKAGES {id: (category, reason)} with category rpm/srpm/debuginfo,
    MISSING patterns and UNRESOLVED (NEVRA, capability) pairs, over POOL."""

    def __init__(self, pool):
        self.pool = pool
        self.packages = {}
        self.missing = set()
        self.unresolved = set()

    def ids(self, category):
        return sorted(i for i, (cat, _why) in self.packages.items() if cat == category)

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
    return Solver(pool, request).run()


class Solver:
    def __init__(self, pool, request):
        self.pool = pool
        self.req = request
        self.result = Result(pool)
        self.binary = set()   # binary ids in (debug ones included), lookaside ones too
        self.done = {step: set() for step in ("deps", "selfhosting", "fulltree", "langpacks", "multilib")}
        self.conditionals = []  # (package name, required name, group)
        self.langpacks = {}
        self.provider_cache = {}
        self.sources_done = set()

    # -- adding ------------------------------------------------------------------------

    def add(self, i, why):
        """Put binary package I in with reason WHY; False when it was already in."""
        if i in self.binary:
            return False
        self.binary.add(i)
        if i not in self.pool.lookaside:
            category = "debuginfo" if is_debug(self.pool.name(i)) else "rpm"
            self.result.packages[i] = (category, why)
        return True

    def add_pattern(self, pattern, why):
        found = self.pool.match(pattern)
        if not found and not self.pool.was_excluded(pattern):
            self.result.missing.add(pattern)
        return [self.add(i, dict(why)) for i in found]

    # -- the loop ----------------------------------------------------------------------

    def run(self):
        req, pool = self.req, self.pool
        excluded = [p[1:] for p in req["packages"] if p.startswith("-")]
        if excluded:
            pool.exclude(excluded)
        for pattern in req["packages"]:
            if not pattern.startswith("-"):
                self.add_pattern(pattern, {"reason": "requested", "pattern": pattern})
        for pattern in req["prepopulate"]:
            for i in pool.match(pattern):
                self.add(i, {"reason": "prepopulate", "pattern": pattern})
        self.add_groups()
        steps = [self.step_multilib]
        if not req["nodeps"]:
            steps = [self.step_deps, self.step_selfhosting, self.step_fulltree, self.step_langpacks,
                     self.step_multilib, self.step_conditional]
        while any(step() for step in steps):
            pass
        if not req["exclude_debug"]:
            self.add_debuginfo()
        if not req["exclude_source"]:
            self.add_sources()
        return self.result

    def pending(self, step):
        """Included binary packages STEP has not looked at yet, in NEVRA order; marks them done."""
        todo = sorted((i for i in self.binary if i not in self.done[step] and i not in self.pool.lookaside),
                      key=self.pool.nevra)
        self.done[step].update(todo)
        return todo

    # -- comps ---------------------------------------------------------------------------

    def add_groups(self):
        import libcomps

        if not self.req["groups"] and not self.req["langpacks"]:
            return
        comps = libcomps.Comps()
        for _repo, path in self.pool.comps_files:
            one = libcomps.Comps()
            one.fromxml_f(path)
            comps += one
        groups = {g.id: g for g in comps.groups}
        kinds = {libcomps.PACKAGE_TYPE_MANDATORY, libcomps.PACKAGE_TYPE_DEFAULT}
        if self.req["groups_with_optional"]:
            kinds.add(libcomps.PACKAGE_TYPE_OPTIONAL)
        for gid in self.req["groups"]:
            group = groups.get(gid)
            if group is None:
                self.result.missing.add("@" + gid)
                continue
            for pkg in group.packages:
                if pkg.type == libcomps.PACKAGE_TYPE_CONDITIONAL:
                    self.conditionals.append((pkg.name, pkg.requires, gid))
                elif pkg.type in kinds:
                    self.add_pattern(pkg.name, {"reason": "group", "group": gid})
        if self.req["langpacks"]:
            self.langpacks = {name: comps.langpacks[name] for name in comps.langpacks}

    def step_conditional(self):
        names = {self.pool.name(i) for i in self.binary}
        added = False
        for name, required, gid in self.conditionals:
            if required in names:
                because = next(self.pool.nevra(i) for i in sorted(self.binary) if self.pool.name(i) == required)
                for i in self.pool.match(name):
                    added |= self.add(i, {"reason": "conditional", "group": gid, "because": because})
        return added

    def step_langpacks(self):
        added = False
        for i in self.pending("langpacks"):
            install = self.langpacks.get(self.pool.name(i))
            if not install:
                continue
            for j in self.pool.match(install.replace("%s", "*")):
                added |= self.add(j, {"reason": "langpack", "because": self.pool.nevra(i)})
        return added

    # -- dependencies ----------------------------------------------------------------------

    def step_deps(self):
        added = False
        while True:
            todo = self.pending("deps")
            if not todo:
                return added
            for i in todo:
                for dep, text, rich in self.pool.requires(i):
                    added |= self.satisfy(i, dep, text, "requires", rich)

    def step_selfhosting(self):
        if not self.req["selfhosting"]:
            return False
        added = False
        for i in self.pending("selfhosting"):
            src = self.pool.sources.get(self.pool.sourcerpm(i))
            if src is None or src in self.sources_done:
                continue
            self.sources_done.add(src)
            for dep, text, rich in self.pool.requires(src):
                added |= self.satisfy(src, dep, text, "selfhosting", rich)
        return added

    def satisfy(self, requirer, dep, text, reason, rich=False):
        """Add what requirement DEP of REQUIRER needs; True when something was added.
        A rich dependency is only checked: some package must provide it."""
        providers = self.provider_cache.get(dep)
        if providers is None:
            providers = self.provider_cache[dep] = self.pool.providers(dep)
        if not providers:
            self.result.unresolved.add((self.pool.nevra(requirer), text))
            return False
        if rich or any(p in self.binary or p in self.pool.lookaside for p in providers):
            return False
        why = {"reason": reason, "by": self.pool.nevra(requirer), "capability": text}
        added = False
        for p in self.choose(requirer, providers):
            added |= self.add(p, dict(why))
        return added

    def choose(self, requirer, providers):
        """The providers greedy_method takes (none of them in yet)."""
        pool = self.pool
        want_multilib = pool.is_multilib_arch(requirer)
        first = [p for p in providers if pool.is_multilib_arch(p) == want_multilib or pool.arch_of(p) == "noarch"]
        candidates = first or providers
        if self.req["greedy"] == "all":
            return candidates
        best = min(candidates, key=lambda p: (len(pool.name(p)), pool.name(p), pool.arch_rank(p)))
        if self.req["greedy"] == "build":
            source = pool.sourcerpm(best)
            return [p for p in candidates if pool.sourcerpm(p) == source]
        return [best]

    # -- siblings, multilib ---------------------------------------------------------------------

    def step_fulltree(self):
        if not self.req["fulltree"]:
            return False
        pool, added = self.pool, False
        excludes = set(self.req["fulltree_excludes"])
        for i in self.pending("fulltree"):
            if pool.is_multilib_arch(i) or is_debug(pool.name(i)) or pool.source_name(i) in excludes:
                continue
            source = pool.sourcerpm(i)
            src = pool.sources.get(source)
            why = {"reason": "fulltree", "source": pool.nevra(src) if src is not None else source}
            for j in pool.by_source.get(source, []):
                if not pool.is_multilib_arch(j) and not is_debug(pool.name(j)):
                    added |= self.add(j, dict(why))
        return added

    def step_multilib(self):
        req, pool, added = self.req, self.pool, False
        if not pool.multilib:
            return False
        for i in self.pending("multilib"):
            if pool.arch_of(i) == "noarch" or pool.is_multilib_arch(i) or is_debug(pool.name(i)):
                continue
            evr = pool.solvable(i).evr
            for j in pool.by_name.get(pool.name(i), []):
                if not pool.is_multilib_arch(j) or pool.solvable(j).evr != evr or j in self.binary:
                    continue
                method = multilib.why(pool, j, req["multilib_methods"], req["multilib_blacklist"],
                                      req["multilib_whitelist"])
                if method:
                    added |= self.add(j, {"reason": "multilib", "of": pool.nevra(i), "method": method})
        return added

    # -- sources and debuginfo ----------------------------------------------------------------

    def shipped_binaries(self):
        return [i for i in sorted(self.binary) if i not in self.pool.lookaside]

    def add_debuginfo(self):
        pool = self.pool
        for i in self.shipped_binaries():
            if pool.arch_of(i) == "noarch" or is_debug(pool.name(i)):
                continue
            for j in pool.by_source.get(pool.sourcerpm(i), []):
                if is_debug(pool.name(j)) and pool.arch_of(j) == pool.arch_of(i):
                    self.add(j, {"reason": "debuginfo", "of": pool.nevra(i)})

    def add_sources(self):
        pool = self.pool
        for i in self.shipped_binaries():
            src = pool.sources.get(pool.sourcerpm(i))
            if src is None or src in pool.lookaside or src in self.result.packages:
                continue
            self.result.packages[src] = ("srpm", {"reason": "source", "of": pool.nevra(i)})
