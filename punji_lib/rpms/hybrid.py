"""Pungi 4.3.2's "hybrid" gather method: the fus solver run until nothing new comes in.

Pungi runs the external fus ("Funny Solver") for it; fus is libsolv's own solver
over the repos with their modules as solvables, which this module reproduces on
a PackagePool's libsolv pool:

- every module stream of the repos (lookaside ones too) is a solvable
  "module:NAME:STREAM:VERSION:CONTEXT" of the stream's arch providing module(),
  module(NAME), module(NAME:STREAM) = VERSION, conflicting with module(NAME) (one
  stream of a module at a time) and requiring its runtime module dependencies; a
  default stream's also provides module-default(); each RPM artifact of a stream
  requires its module solvable and provides modular-package(). A platform stream
  (the one the modules require) is an installed module.
- excludes (filter_packages, by name or name.arch, no globs) hide packages, but never
  a modular or a lookaside one.
- an input (name, glob, provide or name.arch) takes the best of what it selects, less
  the packages of non-default streams and the non-modular packages that provide a name
  of a default stream's package; a NEVRA takes that package whatever it is. A module
  input, module(NAME:STREAM), takes its stream.
- each package of the pile is installed on its own (Requires, Recommends and
  Supplements as libsolv resolves them) while the non-default streams and their
  packages are off, and so are the non-modular packages named like a package of the
  streams left (unless the pile has them); what comes in joins the pile, its packages
  as done. A module is installed with each combination of the modules it needs
  (libsolv's alternatives, favored and disfavored level by level as fus does), then,
  in each, every package of those modules on its own, the non-default streams not in
  the combination off. A module libsolv cannot install still brings its packages,
  without their dependencies.
- the result is the pile less lookaside and installed packages; modular packages are
  flagged so.

Then Pungi's own loop: the non-modular packages of each result bring as new inputs
their multilib builds (same NVR, a multilib method wanting them; native-arch packages
only), their -debuginfo and -debugsource packages of the same arch and source RPM,
and the langpacks of their names; fus runs on the new inputs alone (modules are not
asked again), until no new input comes. Source packages are those of the binaries
(not those filter_packages names as "name.src", not lookaside ones); a package whose
file a lookaside repo has is left out.
"""

import fnmatch
import os

from ..errors import PunjiError
from .package_text import is_debug
from .packages import SOURCE_ARCHES

MODULE = "module:"
LANGPACK_NEVER = ("-devel", "-static")


class Result:
    """PACKAGES {id: (category, why)} of the main repos, MODULES the NSVCs fus gave, PROBLEMS
    (package, problem) of installs libsolv could not solve, MISSING inputs that matched nothing."""

    def __init__(self):
        self.packages = {}
        self.modules = set()
        self.problems = []
        self.missing = []


def gather(pool, request):
    """Result of the hybrid method on POOL (a PackagePool, changed for it) for REQUEST: {"packages"
    (inputs), "modules" (NAME:STREAM), "exclude", "streams" (the module indexes: main, lookaside),
    "platform", "modular" (NEVRAs wildcards never match), "multilib_methods", "multilib_blacklist",
    "multilib_whitelist", "langpacks" {name: pattern}}."""
    fus = Fus(pool, request)
    result = Result()
    found = {}  # id -> step of the first fus run that gave it
    inputs = ["module(%s)" % m for m in sorted(request["modules"])] + sorted(_expand(pool, request))
    seen = {"multilib": set(), "debuginfo": set(), "langpacks": set()}
    step = 0
    while inputs:
        step += 1
        output = fus.run(inputs, result)
        for i in output:
            found.setdefault(i, step)
        inputs = _more(pool, request, fus, output, seen)
    for i, step in found.items():
        if _file(pool, i) not in fus.lookaside_files:
            category = "debuginfo" if is_debug(pool.name(i)) else "rpm"
            result.packages[i] = (category, {"reason": "hybrid", "step": step, "modular": i in fus.modular})
    _add_sources(pool, request, fus, result)
    return result


def _expand(pool, request):
    """The inputs with each glob (a '*' in its name) turned into the NEVRAs of the non-debug,
    non-modular main-repo packages it names (of its arch, else of the tree arch or noarch)."""
    from .nodeps import split_name_arch

    found = []
    main = [i for i in pool.candidates if i not in pool.lookaside and pool.arch_of(i) not in SOURCE_ARCHES]
    for pattern in request["packages"]:
        name, arch = split_name_arch(pattern)
        if "*" not in name:
            found.append(pattern)
            continue
        for i in main:
            if not fnmatch.fnmatch(pool.name(i), name) or is_debug(pool.name(i)):
                continue
            if pool.arch_of(i) != arch if arch else pool.arch_of(i) not in ("noarch", pool.arch):
                continue
            if pool.nevra(i) not in request["modular"]:
                found.append(_nevra_text(pool, i))
    return found


def _nevra_text(pool, i):
    """NAME-[EPOCH:]VERSION-RELEASE.ARCH (no epoch when it is 0), as Pungi names packages to fus."""
    return "%s-%s.%s" % (pool.name(i), pool.evr(i), pool.arch_of(i))


def _more(pool, request, fus, output, seen):
    """The new inputs Pungi makes of OUTPUT: multilib builds, debuginfo and langpacks of its
    non-modular packages (each package or name looked at once, as SEEN keeps them)."""
    plain = [i for i in output if i not in fus.modular]
    more = []
    for kind, add in (("multilib", _multilib), ("debuginfo", _debuginfo)):
        if kind == "multilib" and not request["multilib_methods"]:
            continue
        added = set()
        for i in plain:
            key = (pool.name(i), pool.evr(i), pool.arch_of(i))
            if key not in seen[kind]:
                seen[kind].add(key)
                added |= add(pool, request, i)
        more += ["%s.%s" % na for na in sorted(added)]
    langpacks = set()
    for i in plain:
        if request["langpacks"] and pool.name(i) not in seen["langpacks"]:
            seen["langpacks"].add(pool.name(i))
            langpacks |= fus.langpacks.get(pool.name(i), set())
    return more + sorted(langpacks)


def _multilib(pool, request, i):
    """{(name, arch)} of the multilib builds of native package I a multilib method wants."""
    from . import multilib

    if pool.arch_of(i) != pool.arch:
        return set()
    found = set()
    for j in pool.all_by_name.get(pool.name(i), []):
        if (j not in pool.lookaside and pool.arch_of(j) in pool.multilib and pool.evr(j) == pool.evr(i)
                and multilib.why(pool, j, request["multilib_methods"], request["multilib_blacklist"],
                                 request["multilib_whitelist"], match=fnmatch.fnmatch)):
            found.add((pool.name(j), pool.arch_of(j)))
    return found


def _debuginfo(pool, _request, i):
    """{(name, arch)} of the NAME-debuginfo and NAME-debugsource packages of I's arch and source RPM."""
    found = set()
    for name in (pool.name(i) + "-debuginfo", pool.name(i) + "-debugsource"):
        for j in pool.all_by_name.get(name, []):
            if (j not in pool.lookaside and pool.arch_of(j) == pool.arch_of(i)
                    and pool.sourcerpm(j) == pool.sourcerpm(i)):
                found.add((name, pool.arch_of(j)))
    return found


def _add_sources(pool, request, fus, result):
    """The source package of each binary of RESULT, unless filtered as NAME.src or a lookaside
    repo has its file."""
    sources = {_file(pool, i): i for i in pool.candidates
               if pool.arch_of(i) in SOURCE_ARCHES and i not in pool.lookaside}
    filtered = {p[:-len(".src")] for p in request["exclude"] if p.endswith(".src")}
    for i in list(result.packages):
        src = sources.get(pool.sourcerpm(i))
        if src is not None and pool.name(src) not in filtered and pool.sourcerpm(i) not in fus.lookaside_files:
            result.packages.setdefault(src, ("srpm", {"reason": "source", "of": pool.sourcerpm(i)}))


def _file(pool, i):
    """The file name of package I (Pungi tells lookaside packages by it)."""
    return os.path.basename(pool.path(i))


class Fus:
    """POOL with fus's modules, excludes and masks; run() is one fus run."""

    def __init__(self, pool, request):
        import solv

        self.solv = solv
        self.pkgpool = pool
        self.pool = pool.pool
        self.system = self.pool.add_repo("@system")
        self.pool.installed = self.system
        self.lookaside_repos = set(pool.side_repos) | {self.system}
        for handle in pool.side_repos:
            handle.subpriority = 100
        self.modules = {}  # module solvable id -> nsvc
        self.by_nevra = {}
        for i, facts in pool.facts.items():
            self.by_nevra.setdefault(facts, []).append(i)
        if request["platform"]:
            self._add_platform(request["platform"])
        main, side = request["streams"]
        defaults = {}
        self._add_modules(self.pool.add_repo("@modules"), main, defaults)
        if side is not None:
            handle = self.pool.add_repo("@lookaside-modules")
            self.lookaside_repos.add(handle)
            self._add_modules(handle, side, defaults)
        self.pool.createwhatprovides()
        self._mark_defaults(defaults)
        self.pool.createwhatprovides()
        self.modular = {s.id for s in self.pool.whatprovides(self.pool.str2id("modular-package()"))}
        self.excludes = self._excluded(request["exclude"])
        self.considered = [s.id for s in self.pool.solvables_iter() if s.id not in self.excludes]
        self.considered_key = "unset"
        every, default = self.pool.str2id("module()"), self.pool.str2id("module-default()")
        self.non_default = [s.id for s in self.pool.whatprovides(self.pool.rel2id(every, default,
                                                                                 self.solv.REL_WITHOUT))]
        self.packages_of = {m: {s.id for s in self._artifacts(self.pool.solvables[m])} for m in self.modules}
        self.masks = {}
        self.disconsider = self._disconsider()
        self.lookaside_files = {_file(pool, i) for i in pool.lookaside}
        self.langpacks = _langpack_names(pool, request["langpacks"]) if request["langpacks"] else {}

    # -- the pool ----------------------------------------------------------------------------

    def _add_platform(self, stream):
        """The platform module stream STREAM, installed and default, as fus adds it."""
        s = self._module_solvable(self.system, "platform", stream, 0, "00000000", self.pkgpool.arch)
        s.add_provides(self.solv.Dep(self.pool, self.pool.str2id("module-default()")))

    def _add_modules(self, handle, index, defaults):
        """Each stream of INDEX (a ModuleIndex) as a module solvable in repo HANDLE, its
        artifacts requiring it; INDEX's default streams go into DEFAULTS {name: stream}."""
        if index is None:
            return
        for name, stream in index.get_default_streams().items():
            defaults.setdefault(name, stream)
        for name in index.get_module_names():
            for stream in index.get_module(name).get_all_streams():
                s = self._module_solvable(handle, name, stream.get_stream_name(), stream.get_version(),
                                          stream.get_context(), stream.get_arch() or "noarch")
                requires = self._module_requires(stream)
                if requires:
                    s.add_deparray(self.solv.SOLVABLE_REQUIRES, requires)
                self._mark_artifacts(s, stream.get_rpm_artifacts())

    def _mark_defaults(self, defaults):
        """Every module solvable of a default stream of DEFAULTS provides module-default()."""
        pool = self.pool
        for name, stream in sorted(defaults.items()):
            for s in pool.whatprovides(pool.str2id("module(%s:%s)" % (name, stream))):
                s.add_provides(self.solv.Dep(pool, pool.str2id("module-default()")))

    def _module_solvable(self, handle, name, stream, version, context, arch):
        pool, solv = self.pool, self.solv
        s = handle.add_solvable()
        s.name = "%s%s:%s:%s:%s" % (MODULE, name, stream, version, context)
        s.evr = ""
        s.arch = arch
        s.add_provides(solv.Dep(pool, pool.rel2id(s.nameid, s.archid, solv.REL_ARCH)))
        for text in ("module()", "module(%s)" % name):
            s.add_provides(solv.Dep(pool, pool.str2id(text)))
        s.add_provides(solv.Dep(pool, pool.rel2id(pool.str2id("module(%s:%s)" % (name, stream)),
                                                  pool.str2id(str(version)), solv.REL_EQ)))
        s.add_conflicts(solv.Dep(pool, pool.str2id("module(%s)" % name)))
        self.modules[s.id] = "%s:%s:%s:%s" % (name, stream, version, context)
        return s

    def _module_requires(self, stream):
        """The runtime module dependencies of STREAM as one rich dependency id (0: none): of each
        dependency set (alternatives) all its modules, each module(NAME) with one of its streams
        (or without the streams it names negated)."""
        pool, solv = self.pool, self.solv
        requires = 0
        for deps in stream.get_dependencies():
            one = 0
            for module in deps.get_runtime_modules():
                streams = deps.get_runtime_streams(module)
                wanted = [s for s in streams if not s.startswith("-")]
                unwanted = [s[1:] for s in streams if s.startswith("-")]
                req = pool.str2id("module(%s)" % module)
                if wanted or unwanted:
                    either = 0
                    for s in wanted or unwanted:
                        either = _rel(pool, either, pool.str2id("module(%s:%s)" % (module, s)), solv.REL_OR)
                    req = pool.rel2id(req, either, solv.REL_WITH if wanted else solv.REL_WITHOUT)
                one = _rel(pool, one, req, solv.REL_AND)
            requires = _rel(pool, requires, one, solv.REL_OR)
        return requires

    def _mark_artifacts(self, module, artifacts):
        """Make the packages of ARTIFACTS (NEVRAs) require MODULE and provide modular-package()."""
        pool, solv = self.pool, self.solv
        sdep = pool.rel2id(module.nameid, module.archid, solv.REL_ARCH)
        for nevra in artifacts:
            name_evr, _dot, arch = nevra.rpartition(".")
            name, version, release = name_evr.rsplit("-", 2)
            if version.startswith("0:"):
                version = version[2:]
            if arch in SOURCE_ARCHES:
                continue
            for i in self.by_nevra.get((name, arch, "%s-%s" % (version, release)), []):
                s = pool.solvables[i]
                s.add_deparray(solv.SOLVABLE_REQUIRES, sdep)
                s.add_provides(solv.Dep(pool, pool.str2id("modular-package()")))

    def _excluded(self, patterns):
        """The ids filter_packages PATTERNS hide (by name or name.arch; never modular or lookaside ones)."""
        flags = self.solv.Selection.SELECTION_NAME | self.solv.Selection.SELECTION_DOTARCH
        hidden = set()
        for pattern in patterns:
            for s in self.pool.select(pattern, flags).solvables():
                if s.repo not in self.lookaside_repos and s.id not in self.modular:
                    hidden.add(s.id)
        return hidden

    def _disconsider(self):
        """The Selection inputs never take: the packages of non-default streams and the
        non-modular packages providing the name of a default stream's package."""
        pool, solv = self.pool, self.solv
        canon = solv.Selection.SELECTION_CANON
        every, default = pool.str2id("module()"), pool.str2id("module-default()")
        selection = pool.Selection()
        for module in pool.whatprovides(pool.rel2id(every, default, solv.REL_WITHOUT)):
            for s in self._artifacts(module):
                selection.add(pool.select(str(s), canon))
        bare = pool.Selection()
        for module in pool.whatprovides(pool.rel2id(every, default, solv.REL_WITH)):
            for s in self._artifacts(module):
                dep = pool.rel2id(s.nameid, pool.str2id("modular-package()"), solv.REL_WITHOUT)
                for other in pool.whatprovides(dep):
                    bare.add(pool.select(str(other), canon))
        selection.add(bare)
        return selection

    def _artifacts(self, module):
        dep = self.pool.rel2id(module.nameid, module.archid, self.solv.REL_ARCH)
        return self.pool.whatcontainsdep(self.solv.SOLVABLE_REQUIRES, dep)

    # -- one fus run -------------------------------------------------------------------------

    def run(self, inputs, result):
        """The ids one fus run gives for INPUTS (main-repo packages; the modules it installed go
        to RESULT.modules)."""
        self._consider()
        pile = Pile()
        for text in inputs:
            self._select(text, pile, result)
        if not pile.ids:  # fus stops with "No solvables matched", and Pungi with it
            raise PunjiError("the hybrid solver's inputs match no package%s" % (
                " (%s)" % ", ".join(inputs[:5] + ["..."] * (len(inputs) > 5)) if inputs else ": it has none"))
        tested = set()
        i = 0
        while i < len(pile.ids):
            p = pile.ids[i]
            i += 1
            if p in tested:
                continue
            tested.add(p)
            if p in self.modules:
                self._install_module(p, pile, tested, result)
            else:
                self._consider(frozenset(), pile)
                self._install(p, pile, tested, result)
        output = []
        for p in pile.ids:
            if self.pool.solvables[p].repo in self.lookaside_repos:
                continue
            if p in self.modules:
                result.modules.add(self.modules[p])
            else:
                output.append(p)
        return output

    def _consider(self, kept=None, pile=None):
        """Let the solver see every package but the excluded ones, and with KEPT (a combination's
        modules, or none: a frozenset) not the non-default streams but KEPT, their packages, and
        the non-modular packages named like a package of the streams left, unless PILE has them."""
        if kept is None:
            key = None
        else:
            off, bare = self._masks(kept)
            key = (kept, bare & pile.members)
        if key == self.considered_key:
            return
        self.considered_key = key
        if key is None:
            self.pool.set_considered_list(self.considered)
            return
        hidden = off | (bare - pile.members)
        self.pool.set_considered_list([i for i in self.considered if i not in hidden])

    def _masks(self, kept):
        """(the non-default streams but KEPT with their packages, the non-modular packages named
        like a package of the other streams)."""
        if kept not in self.masks:
            off = set()
            for m in self.non_default:
                if m not in kept:
                    off.add(m)
                    off |= self.packages_of[m]
            available = self.modular - off
            names = {self.pkgpool.name(i) for i in available}
            bare = {s.id for n in names for s in self.pool.whatprovides(self.pool.str2id(n))
                    if s.nameid == self.pool.str2id(n) and s.id not in available}
            self.masks[kept] = (frozenset(off), frozenset(bare))
        return self.masks[kept]

    def _select(self, text, pile, result):
        """Add to PILE the best of what TEXT names (less the masked packages) or is the NEVRA of."""
        sel = self.solv.Selection
        chosen = self.pool.select(text, sel.SELECTION_NAME | sel.SELECTION_PROVIDES | sel.SELECTION_GLOB
                                  | sel.SELECTION_DOTARCH)
        chosen.subtract(self.disconsider)
        chosen.add(self.pool.select(text, sel.SELECTION_CANON))
        found = chosen.solvables()
        if not found:
            result.missing.append(text)
            return
        for s in self.pool.best_solvables(found, 0):
            pile.add(s.id)

    def _install(self, p, pile, tested, result):
        """Install P; what that installs joins PILE, its packages (not its modules) TESTED."""
        solver = self._solve(self._jobs([p]), result, str(self.pool.solvables[p]))
        if solver is None:
            return
        for s in solver.transaction().newsolvables() + list(self.system.solvables_iter()):
            pile.add(s.id)
            if s.id not in self.modules:
                tested.add(s.id)

    def _solve(self, jobs, result, what):
        """The libsolv Solver having solved JOBS, or None, the problems noted for WHAT in RESULT."""
        solver = self.pool.Solver()
        problems = solver.solve(jobs)
        if problems:
            result.problems += [(what, str(problem)) for problem in problems]
            return None
        return solver

    def _jobs(self, ids, how=None):
        how = how or self.solv.Job.SOLVER_INSTALL
        return [self.pool.Job(self.solv.Job.SOLVER_SOLVABLE | how, p) for p in ids]

    def _install_module(self, module, pile, tested, result):
        """Install MODULE in each combination of the modules it needs, then, in each, every
        package of those modules on its own, the non-default streams not among them off. A
        module libsolv cannot install still brings its packages (without their dependencies)."""
        self._consider()
        self.pool.setpooljobs(self._jobs([module]))
        try:
            combinations = []
            self._alternatives(combinations, [], set(), 1, result)
        finally:
            self.pool.setpooljobs([])
        if not combinations:
            pile.add(module)
            for p in sorted(self.packages_of[module]):
                pile.add(p)
        for combination in combinations:
            self._consider(frozenset(combination), pile)
            self.pool.setpooljobs(self._jobs(combination))
            try:
                for m in combination:
                    pile.add(m)
                    for p in sorted(self.packages_of.get(m, ())):
                        pile.add(p)
                        self._install(p, pile, tested, result)
            finally:
                self.pool.setpooljobs([])

    def _alternatives(self, combinations, favor, tested, level, result):
        """Add to COMBINATIONS what installing the pool job installs with each alternative of its
        module dependencies, as fus enumerates them: solved favoring FAVOR and disfavoring TESTED;
        the choices of LEVEL are tried one by one, then those of the next level."""
        job = self.pool.getpooljobs()[0]
        solver = self._solve(self._jobs(favor, self.solv.Job.SOLVER_FAVOR)
                             + self._jobs(sorted(tested), self.solv.Job.SOLVER_DISFAVOR), result, str(job))
        if solver is None:
            return
        combinations.append([s.id for s in solver.transaction().newsolvables()]
                            + [s.id for s in self.system.solvables_iter()])
        alternatives = [a for a in solver.alternatives() if a.type == a.SOLVER_ALTERNATIVE_TYPE_RULE]
        if not alternatives:
            return
        choices, choice = [], 0
        deeper_favor, deeper_tested = [], set()
        for a in alternatives:
            if a.level <= level:
                deeper_favor.append(a.chosen_id)
            if a.level == level + 1:
                deeper_tested.add(a.chosen_id)
            if a.level == level:
                choices += [abs(c) for c in a.choices_raw()]
                choice = a.chosen_id
        tested.add(choice)
        while not set(choices) <= tested:
            before = len(tested)
            self._alternatives(combinations, favor, tested, level, result)
            if len(tested) == before:
                break
        if level < max(a.level for a in alternatives):
            self._alternatives(combinations, deeper_favor, deeper_tested, level + 1, result)


def platform(index, lookaside, enabled):
    """The platform stream fus is given: what the streams of INDEX that ENABLED (NSVCAs) names
    and every stream of LOOKASIDE (ModuleIndexes or None) require at runtime; None when none
    does, a PunjiError when they ask for more than one."""
    found = set()
    for source, every in ((index, False), (lookaside, True)):
        for stream in _all_streams(source):
            nsvca = "%s:%s:%d:%s:%s" % (stream.get_module_name(), stream.get_stream_name(), stream.get_version(),
                                        stream.get_context(), stream.get_arch())
            if every or nsvca in enabled:
                for deps in stream.get_dependencies():
                    found |= set(deps.get_runtime_streams("platform") or [])
    if len(found) > 1:
        raise PunjiError("the modules require conflicting platform streams: %s" % ", ".join(sorted(found)))
    return found.pop() if found else None


def _all_streams(index):
    if index is None:
        return []
    return [s for name in index.get_module_names() for s in index.get_module(name).get_all_streams()]


def group_names(paths, groups):
    """The names of every package of GROUPS, each group from the first comps file of PATHS having it."""
    found = {}
    for comps in _last_first(paths):
        found.update({g.id: [p.name for p in g.packages] for g in comps.groups})
    return [name for gid in groups for name in found.get(gid, [])]


def langpacks_of(paths):
    """{name: install pattern} of the langpacks of the comps files PATHS (the first one wins)."""
    found = {}
    for comps in _last_first(paths):
        found.update({name: comps.langpacks[name] for name in comps.langpacks})
    return found


def _last_first(paths):
    """The comps files PATHS read by libcomps, the last first (so the first one's entries win)."""
    import libcomps

    for path in reversed(paths):
        comps = libcomps.Comps()
        comps.fromxml_f(path)
        yield comps


class Pile:
    """fus's pile: the ids in the order they came (IDS), and as a set (MEMBERS)."""

    def __init__(self):
        self.ids = []
        self.members = set()

    def add(self, i):
        if i not in self.members:
            self.members.add(i)
            self.ids.append(i)


def _rel(pool, left, right, flags):
    return pool.rel2id(left, right, flags) if left else right


def _langpack_names(pool, langpacks):
    """{package name: the names of its langpacks}: of each langpack entry the main-repo binary
    names matching its install pattern, less -devel, -static and debug packages."""
    names = sorted({pool.name(i) for i in pool.candidates
                    if i not in pool.lookaside and pool.arch_of(i) not in SOURCE_ARCHES})
    found = {}
    for name, pattern in langpacks.items():
        glob = pattern.replace("%s", "*")
        found[name] = {n for n in names if fnmatch.fnmatch(n, glob) and not n.endswith(LANGPACK_NEVER)
                       and not is_debug(n)}
    return found
