"""Pungi 4.3.2's gather solver (pungi.gather_dnf.Gather) over a PackagePool.

First the input: exclusions and the multilib blacklist hide packages, then
every requested name (or glob, or "name.+" for its multilib builds) gives its
best build, prepopulate its name.arch. Then passes, each one running the steps
below in this order and starting over as soon as one adds something, until a
pass adds nothing: comps conditionals, Requires, BuildRequires of the included
sources (selfhosting), source packages, debug packages, Requires of the debug
packages (among debug packages), fulltree, langpacks, multilib. nodeps turns off
the conditionals and every kind of Requires.

A requirement's provider is chosen once per requirement (and kept for every
package with the same requirement, binary or debug: a debug package chosen for a
debug package's requirement is a binary package's provider too, and the answer
lists it as both) by best(): the candidates split into a
native class (native arches and noarch) and a multilib class (multilib arches
and noarch); the first non-empty of: native ones already in, multilib ones
already in, native, multilib; in it the best by arch order, shortest name,
name. greedy "build" adds every candidate of that class from the same source
rpm, greedy "all" takes every candidate.

As "already in" depends on what came before, every step visits packages in
Pungi's order: that of its Python sets of hawkey packages, which hash to their
solvable ids. The pool's ids are the sack's, so the sets here are Python sets of
those ids, filled and copied as Pungi fills and copies its own; the steps that
sort them sort by name, evr, arch as hawkey compares packages.

Every package keeps the first reason it got in, for --explain.
"""

from . import multilib
from .package_text import is_debug_input


class _Evr:
    """A sort key of package I's EVR in rpm version order; libsolv compares only EVRs that differ
    as text."""

    __slots__ = ("pool", "i", "evr")

    def __init__(self, pool, i, evr):
        self.pool, self.i, self.evr = pool, i, evr

    def __eq__(self, other):
        return self.evr == other.evr or self.pool.solvable(self.i).evrcmp(self.pool.solvable(other.i)) == 0

    def __lt__(self, other):
        return self.evr != other.evr and self.pool.solvable(self.i).evrcmp(self.pool.solvable(other.i)) < 0

STEPS = ("conditional", "deps", "source_deps", "sources", "debug", "debug_deps", "fulltree",
         "langpacks", "multilib")
LANGPACK_NEVER = ("*-devel", "*-static")
LANGPACK_EXCEPTIONS = ("man-pages-overrides",)


class Solver:
    def __init__(self, pool, request, result, langpacks=None):
        self.pool = pool
        self.req = request
        self.result = result
        self.greedy = request["greedy"]
        self.binary = set()  # Pungi's result_binary_packages (lookaside ones too)
        self.debug = set()   # result_debug_packages
        self.source = set()  # result_source_packages
        self.why = {}        # id -> the first reason it got in
        self.hidden_from_answer = set()  # sources and debug packages of lookaside packages
        self.source_by_rpm = {}  # sourcerpm file name -> source id or None
        self.chosen = {}   # dep id -> providers chosen for it (shared by every requirer)
        self.done = {step: set() for step in STEPS}
        self.conditionals = {}  # trigger name -> [(name to install, group)]
        self.langpacks = langpacks or {}  # name -> install pattern ("name-%s")

    # -- choosing --------------------------------------------------------------------

    def best(self, candidates, for_requirement=False):
        """The packages Pungi takes of CANDIDATES (all debug or all non-debug, in Pungi's order
        of them)."""
        pool = self.pool
        candidates = list(candidates)
        if not candidates:
            return []
        if self.greedy == "all":
            return candidates
        facts, native_arches, multilib_arches = pool.facts, pool.native, pool.multilib
        if len(candidates) == 1:  # what the rules below leave of one candidate
            arch = facts[candidates[0]][1]
            return candidates if arch == "noarch" or arch in native_arches or arch in multilib_arches else []
        lookaside = pool.lookaside
        if lookaside:
            side = {facts[i][::2] for i in candidates if i in lookaside}  # (name, evr)
            candidates = [i for i in candidates if i in lookaside or facts[i][::2] not in side]
        distinct = len({facts[i][:2] for i in candidates}) == len(candidates)  # no two of one name.arch
        if distinct and (self.greedy != "build" or not for_requirement):
            return self._best_of_distinct(candidates)
        # Pungi makes these sets from queries, which yield packages by id
        native = set(sorted(i for i in candidates if facts[i][1] == "noarch" or facts[i][1] in native_arches))
        multi = set(sorted(i for i in candidates if facts[i][1] == "noarch" or facts[i][1] in multilib_arches))
        chosen = native & self.binary or multi & self.binary or native or multi
        if not chosen:
            return []
        rank, last = pool.rank, len(pool.arch_order)
        match = min(chosen, key=lambda i: (rank.get(facts[i][1], last), len(facts[i][0]), facts[i][0]))
        if self.greedy == "build" and for_requirement:
            source = pool.sourcerpm(match)
            return [i for i in (native if pool.is_native(match) else multi) if pool.sourcerpm(i) == source]
        return [match]

    def _best_of_distinct(self, candidates):
        """best() of CANDIDATES of distinct names.arches: no two tie, so the order of Pungi's
        sets does not count."""
        pool, binary = self.pool, self.binary
        facts, native_arches, multilib_arches = pool.facts, pool.native, pool.multilib
        native = [i for i in candidates if facts[i][1] == "noarch" or facts[i][1] in native_arches]
        multi = [i for i in candidates if facts[i][1] == "noarch" or facts[i][1] in multilib_arches]
        chosen = [i for i in native if i in binary] or [i for i in multi if i in binary] or native or multi
        if not chosen:
            return []
        rank, last = pool.rank, len(pool.arch_order)
        return [min(chosen, key=lambda i: (rank.get(facts[i][1], last), len(facts[i][0]), facts[i][0]))]

    def deps_of(self, i, debug=False, record=True):
        """[(provider, capability text)] for the Requires of package I (of a source: its
        BuildRequires) in the order of Pungi's set of (package, reldep) pairs; lookaside
        packages have none."""
        pool = self.pool
        if i in pool.lookaside:
            return []
        found, texts, known = set(), {}, self.chosen
        for dep, key, text in pool.requires(i):
            texts[key] = text
            chosen = known.get(dep)
            if chosen:
                for p in chosen:
                    found.add((p, key))
                continue
            if debug and self.greedy == "all":
                providers = pool.all_debug_providers(dep)
            else:
                providers = pool.providers(dep, debug=debug)
            if not providers:
                if record:
                    self.result.unresolved.add((pool.nevra(i), text))
                continue
            chosen = self.best(sorted(providers), for_requirement=True)
            known.setdefault(dep, set()).update(chosen)
            found.update((p, key) for p in chosen)
        return [(p, texts[key]) for p, key in found]

    # -- adding ------------------------------------------------------------------------

    def add(self, i, why, into=None):
        """Put package I into INTO (the binary packages by default); False when it was in."""
        into = self.binary if into is None else into
        if i in into:
            return False
        into.add(i)
        self.why.setdefault(i, why)
        return True

    def pending(self, step, among, sort=False):
        """The packages of AMONG (in its order, or hawkey's with SORT) that STEP has not looked
        at yet; marks them."""
        done = self.done[step]
        todo = [i for i in among if i not in done]
        if sort:
            todo = self.hawkey_sorted(todo)  # stable: as if all were sorted, then filtered
        done.update(todo)
        return todo

    def hawkey_sorted(self, ids):
        """IDS as Python sorts hawkey packages: by name, evr, arch (stable for equal NEVRAs)."""
        pool, facts = self.pool, self.pool.facts
        return sorted(ids, key=lambda i: (facts[i][0], _Evr(pool, i, facts[i][2]), facts[i][1]))

    # -- the input ---------------------------------------------------------------------

    def run(self, groups=()):
        """Solve into the Result; GROUPS are (group id, [package names], [(name, requires)])
        of the requested comps groups."""
        req, pool = self.req, self.pool
        excluded = [p[1:] for p in req["packages"] if p.startswith("-")]
        if excluded:
            pool.exclude(excluded)
        if req["multilib_blacklist"]:
            pool.exclude_multilib(req["multilib_blacklist"])
        wanted = [(p, {"reason": "requested", "pattern": p}) for p in req["packages"] if not p.startswith("-")]
        for gid, names, _conditionals in groups:
            wanted += [(n, {"reason": "group", "group": gid}) for n in names]
        for gid, _names, conditionals in sorted(groups):  # Pungi reads groups by id
            for name, trigger in conditionals:
                if all(name != n for n, _gid in self.conditionals.get(trigger, [])):
                    self.conditionals.setdefault(trigger, []).append((name, gid))
        self.add_initial(wanted)
        added = set()
        for pattern in req["prepopulate"]:
            name, _dot, arch = pattern.rpartition(".")
            found = [i for i in pool.by_name.get(name, []) if pool.arch_of(i) == arch and not pool.is_debug(i)]
            for i in self.best(pool.one_per_nevra(found)):
                added.add(i)
                self.why.setdefault(i, {"reason": "prepopulate", "pattern": pattern})
        for i in added:  # one by one: a set's update() can lay it out otherwise
            self.binary.add(i)
        steps = [getattr(self, "step_" + step) for step in STEPS]
        while any(step() for step in steps):
            pass
        return self.answer()

    def add_initial(self, wanted):
        """Every input pattern's best build per matching name, computed before any is added.
        (Pungi's order of the patterns is that of a Python set of strings, which changes with
        the hash seed; here it is the request's.)"""
        pool = self.pool
        added, added_debug = set(), set()
        for pattern, why in wanted:
            debug = is_debug_input(pattern)
            if pattern == "system-release" and self.greedy == "all":
                named = {}
                for i in sorted(pool.providers(pool.pool.Dep("system-release").id, debug=False)):
                    named.setdefault(pool.name(i), []).append(i)
            else:
                named = self.input_named(pattern, debug)
                if not any(named.values()):
                    if not pool.was_excluded(pattern):
                        self.result.missing.add(pattern)
                    continue
            for ids in sorted(named.values()):  # Pungi goes by name in the order of their first ids
                for i in self.best(ids):
                    (added_debug if debug else added).add(i)
                    self.why.setdefault(i, dict(why))
        for i in added:
            self.binary.add(i)
        for i in added_debug:
            self.debug.add(i)

    def input_named(self, pattern, debug):
        """{name: [ids]} an input PATTERN matches: names only, with nodeps too ("name.arch" is
        a name; Pungi's nodeps gather method, which reads it, is rpms.nodeps)."""
        pool = self.pool
        multilib_only = pattern.endswith(".+")
        glob = pattern[:-2] if multilib_only else pattern
        if debug and self.greedy == "all" and not multilib_only:
            named = pool.all_debug_named(glob)
        else:
            named = pool.named(glob, debug=debug)
        if multilib_only:
            named = {n: [i for i in ids if pool.is_multilib_class(i)] for n, ids in named.items()}
        return named

    # -- the steps ---------------------------------------------------------------------

    def step_conditional(self):
        if self.req["nodeps"] or not self.conditionals:
            return False
        pool, added = self.pool, False
        for i in self.pending("conditional", self.binary.copy()):
            deps, whys = set(), {}
            for name, gid in self.conditionals.get(pool.name(i), []):
                found = [j for j in pool.by_name.get(name, []) if not pool.is_debug(j)]
                for j in self.best(found):
                    deps.add(j)
                    whys.setdefault(j, {"reason": "conditional", "group": gid, "because": pool.nevra(i)})
            for j in deps:
                added |= self.add(j, whys[j])
        return added

    def step_deps(self):
        if self.req["nodeps"]:
            return False
        added, binary = False, self.binary
        for i in self.pending("deps", binary.copy()):
            for p, text in self.deps_of(i):
                if p not in binary:
                    added = self.add(p, {"reason": "requires", "by": self.pool.nevra(i), "capability": text})
        return added

    def step_source_deps(self):
        req = self.req
        if req["nodeps"] or not req["selfhosting"] or req["exclude_source"]:
            return False
        added, binary = False, self.binary
        for src in self.pending("source_deps", self.source):
            for p, text in self.deps_of(src):
                if p not in binary:
                    added = self.add(p, {"reason": "selfhosting", "by": self.pool.nevra(src), "capability": text})
        return added

    def step_sources(self):
        if self.req["exclude_source"]:
            return False
        pool, added, lookaside, by_rpm = self.pool, False, self.pool.lookaside, self.source_by_rpm
        for i in self.pending("sources", self.binary):
            # one source package per sourcerpm name, the first one found (so a main-repo
            # binary and its lookaside twin share it)
            sourcerpm = pool.sourcerpm(i)
            src = by_rpm.get(sourcerpm, False)
            if src is False:
                src = by_rpm[sourcerpm] = pool.source_of(i)
            if src is None:
                continue
            if src in lookaside or i in lookaside:
                self.hidden_from_answer.add(src)
            if src not in self.source:
                added = self.add(src, {"reason": "source", "of": pool.nevra(i)}, self.source)
        return added

    def step_debug(self):
        if self.req["exclude_debug"]:
            return False
        pool, added, facts, lookaside = self.pool, False, self.pool.facts, self.pool.lookaside
        for i in self.pending("debug", self.binary):
            name, arch, _evr = facts[i]
            for j in pool.sourcerpm_builds(pool.sourcerpm(i), debug=True):
                debug_name, debug_arch, _evr = facts[j]
                if debug_arch != arch:
                    continue
                if "-debugsource" not in debug_name and debug_name != name + "-debuginfo":
                    continue
                if i in lookaside or j in lookaside:
                    self.hidden_from_answer.add(j)
                if j not in self.debug:
                    added = self.add(j, {"reason": "debuginfo", "of": pool.nevra(i)}, self.debug)
        return added

    def step_debug_deps(self):
        if self.req["nodeps"] or self.req["exclude_debug"]:
            return False
        added = False
        for i in self.pending("debug_deps", self.debug.copy()):
            for p, text in self.deps_of(i, debug=True, record=False):
                if p not in self.binary and p not in self.debug:
                    added = self.add(p, {"reason": "requires", "by": self.pool.nevra(i), "capability": text},
                                     self.debug)
        return added

    def step_fulltree(self):
        if not self.req["fulltree"]:
            return False
        pool, added, binary, facts = self.pool, False, self.binary, self.pool.facts
        excludes = set(self.req["fulltree_excludes"])
        done = self.done["fulltree"]
        for i in self.hawkey_sorted(i for i in binary if i not in done):
            if i in done or (excludes and pool.source_name(i) in excludes):
                continue
            siblings = [j for j in pool.sourcerpm_builds(pool.sourcerpm(i)) if j not in pool.debug]
            native = [j for j in siblings if facts[j][1] in pool.native]
            multi = [j for j in siblings if facts[j][1] in pool.multilib]
            if not native:
                pull_native = False
            elif any(j in binary for j in native):
                pull_native = True
            else:
                pull_native = not any(j in binary for j in multi)
            take = []
            if pull_native or self.greedy == "all":
                take += native
            if not pull_native or self.greedy == "all":
                take += multi
            take += [j for j in siblings if facts[j][1] == "noarch"]
            why = None
            for j in take:
                if j not in binary:
                    if why is None:
                        src = pool.source_of(i)
                        source = pool.nevra(src) if src is not None else pool.sourcerpm(i)
                        why = {"reason": "fulltree", "source": source}
                    added = self.add(j, dict(why))
                done.add(j)  # siblings taken here are not looked at again
            done.add(i)
        return added

    def step_langpacks(self):
        if not self.req["langpacks"] or not self.langpacks:
            return False
        import fnmatch

        pool, added = self.pool, False
        for i in self.pending("langpacks", self.binary, sort=True):
            install = self.langpacks.get(pool.name(i))
            if not install:
                continue
            for name in pool.glob_names(install.replace("%s", "*")):
                if name in LANGPACK_EXCEPTIONS or any(fnmatch.fnmatchcase(name, p) for p in LANGPACK_NEVER):
                    continue
                found = {j for j in pool.by_name[name] if not pool.is_debug(j)}
                for j in self.best(found)[:1]:  # greedy "all": the first of Pungi's set
                    added |= self.add(j, {"reason": "langpack", "because": pool.nevra(i)})
        return added

    def step_multilib(self):
        req, pool, added = self.req, self.pool, False
        if not pool.multilib:
            return False
        for i in self.pending("multilib", self.binary, sort=True):
            for j in self.best(pool.multilib_partners(i)):
                method = multilib.why(pool, j, req["multilib_methods"], req["multilib_blacklist"],
                                      req["multilib_whitelist"])
                if method:  # one already in counts as added too: Pungi then starts another pass
                    self.add(j, {"reason": "multilib", "of": pool.nevra(i), "method": method})
                    added = True
        return added

    # -- the answer --------------------------------------------------------------------

    def answer(self):
        """Fill the Result: what is in, lookaside packages and what they brought apart (Pungi
        keeps them in a variant's result, flagged, but links none into its trees)."""
        pool, packages = self.pool, self.result.packages
        for category, found in (("rpm", self.binary), ("debuginfo", self.debug), ("srpm", self.source)):
            # Pungi lists a result by file: a main-repo package whose very file a lookaside
            # package of the same result has (a variant lookaside repo's twin) is that one
            side_files = {pool.path(i) for i in found if pool.in_lookaside(i) and pool.shares_file(i)}
            for i in found:
                if i in packages:
                    if category == "debuginfo":  # chosen as the provider of a debug and a binary package
                        self.result.debug_too[i] = self.why[i]
                    continue
                if side_files and not pool.in_lookaside(i) and pool.path(i) in side_files:
                    continue
                if pool.in_lookaside(i) or i in self.hidden_from_answer:
                    self.result.lookaside.setdefault(i, (category, self.why[i]))
                else:
                    packages[i] = (category, self.why[i])
        return self.result
