"""Yum repos loaded into a libsolv pool, with the indexes the gather rules need.

As in Pungi's gather: of the packages left after the exclusions, only the
newest of every name.arch is visible, across the main and lookaside repos
together (equal newest builds in two repos are both visible). Exclusion
patterns hide main-repo packages only; the multilib blacklist hides multilib
builds in every repo. Packages are libsolv solvable ids; everything else here
maps ids to facts.
"""

import bisect
import itertools
import os
import re

from ..config.repo_refs import is_remote
from ..log import log
from . import globs
from .repos import Repo, join, local_dir
from .solvcache import read_keys, add_repo, solv_key

SOURCE_ARCHES = ("src", "nosrc")

# Pungi's names of debug packages: *-debuginfo, *-debuginfo-*, *-debugsource (so
# elfutils-debuginfod-client is an ordinary package)
DEBUG_NAME = re.compile(r"^(?:.*-debuginfo(?:-.*)?|.*-debugsource)$")
# how Pungi tells a debug input pattern: those globs as regexps matched at the start only
DEBUG_INPUT = re.compile(r".+-debuginfo|.+-debugsource")


# Pungi's gather arches (from yum's arch tree, as dnf names the base arch of the tree arch):
# base arch -> (native arches, multilib arches), best first; noarch comes after all of them
GATHER_ARCHES = {
    "x86_64": (["x86_64"], ["athlon", "i686", "i586", "i486", "i386"]),
    "i386": (["i686", "i586", "i486", "i386"], []),
    "ppc64": (["ppc64"], ["ppc"]),
    "s390x": (["s390x"], ["s390"]),
    "armhfp": (["armv7hnl", "armv7hl", "armv6hl"], []),
}
BASE_ARCH = {"amd64": "x86_64", "ia32e": "x86_64", "i686": "i386", "i586": "i386", "i486": "i386",
             "athlon": "i386", "geode": "i386", "ppc64p7": "ppc64", "armv7hl": "armhfp", "armv7hnl": "armhfp"}
# the arch Pungi's gather phase gives its solver for a tree arch (pungi.arch's yum arch)
TREE_SOLVER_ARCH = {"i386": "i686", "armhfp": "armv7hnl"}


def solver_arch(tree_arch):
    return TREE_SOLVER_ARCH.get(tree_arch, tree_arch)


def start_warming(tree_arch, repo, cache):
    """Load REPO exactly as the gather of a variant without lookaside repos on TREE_ARCH does,
    in a child process, so its .solv file and sack keys are in CACHE when the gathers start;
    returns the function that waits for it. A failure is left to the gather, which loads anew."""
    import multiprocessing

    try:
        child = multiprocessing.get_context("fork").Process(target=_warm, args=(tree_arch, repo, cache))
        child.start()
    except OSError as exc:
        log.info("package pool of %s not loaded ahead: %s", repo, exc)
        return lambda: None
    return child.join


def _warm(tree_arch, repo, cache):
    try:
        PackagePool(solver_arch(tree_arch), [repo], cache=cache)
    except Exception as exc:  # the child's error is the gather's to report
        log.info("package pool of %s not loaded ahead: %s", repo, exc)


def gather_arches(arch):
    """(native, multilib) package arches Pungi's gather uses for a tree of ARCH."""
    base = BASE_ARCH.get(arch, arch)
    return GATHER_ARCHES.get(base, ([base], []))


def is_debug(name):
    return DEBUG_NAME.match(name) is not None


def is_debug_input(pattern):
    return DEBUG_INPUT.match(pattern) is not None


def is_glob(pattern):
    return any(c in pattern for c in "*?[")


# libsolv's spelling of the boolean operators of rich dependencies -> rpm's
RICH_OPS = {" & ": " and ", " | ": " or ", " + ": " with ", " - ": " without ", " IF ": " if ",
            " UNLESS ": " unless ", " ELSE ": " else "}


def rich_text(text):
    """A dependency as rpm writes it: libsolv's 'a | b' is rpm's '(a or b)'."""
    if not any(op in text for op in RICH_OPS):
        return text
    for op, word in RICH_OPS.items():
        text = text.replace(op, word)
    return "(%s)" % text


def nevra_of(s):
    evr = s.evr
    if ":" not in evr.split("-")[0]:
        evr = "0:" + evr
    return "%s-%s.%s" % (s.name, evr, s.arch)


def source_nvr(sourcerpm):
    """(name, version, release) of a sourcerpm file name; 'x-1-2.nosrc.rpm' and 'x-1-2.src.rpm'
    name the same source package."""
    nvr = sourcerpm[:-len(".rpm")] if sourcerpm.endswith(".rpm") else sourcerpm
    nvr = nvr.rsplit(".", 1)[0]
    parts = nvr.rsplit("-", 2)
    return tuple(parts) if len(parts) == 3 else None


class _Solvables(dict):
    """{id: libsolv solvable} of the repos' packages, made once (libsolv's own lookup makes a
    new Python object each time); another id, such as a module's, is looked up in POOL."""

    def __init__(self, pool, items):
        super().__init__(items)
        self.pool = pool

    def __missing__(self, i):
        return self.pool.solvables[i]


class PackagePool:
    """REPOS and LOOKASIDE (paths or URLs) read for compose ARCH; CACHE holds remote metadata."""

    def __init__(self, arch, repos, lookaside=(), cache=None):
        import solv

        self.solv = solv
        self.arch = arch
        native, multilib = gather_arches(arch)
        self.native, self.multilib = set(native), set(multilib)
        self.arch_order = native + multilib + ["noarch"]
        self.rank = {a: n for n, a in enumerate(self.arch_order)}
        self.pool = solv.Pool()
        # requirements are answered, as in Pungi's DNF sack, by the packages of arches libsolv
        # deems installable on ARCH (x86_64: no athlon; i386: no i686), names by every gather arch
        self.pool.setdisttype(solv.Pool.DISTTYPE_RPM)  # a Debian build of libsolv defaults to deb
        self.pool.setarch(arch)
        self.where = {}  # libsolv repo -> repo path or URL
        self.side_repos = set()
        self.comps_files = []
        cache = cache or os.path.join(os.path.expanduser("~"), ".cache", "punji", "repos")
        # lookaside repos first, as DNF loads them (by priority): solvable ids are then the
        # sack's, starting at 2
        loading = [(Repo(r, cache), True) for r in lookaside] + [(Repo(r, cache), False) for r in repos]
        keys_path = os.path.join(cache, "solv", self._sack_key(loading) + ".keys.json")
        self.sack_keys = read_keys(keys_path)
        exact = self.sack_keys is None
        for repo, side in loading:
            self._load(repo, cache, side, exact)
        self.pool.addfileprovides()
        self.pool.createwhatprovides()
        self._local_tops = {h: local_dir(r) for h, r in self.where.items() if not is_remote(r)}
        if exact:
            self.sack_keys = self._write_keys(keys_path)
        self.wanted = wanted = self.native | self.multilib | {"noarch"} | set(SOURCE_ARCHES)
        # (name, arch, evr) of every package, read from libsolv once: the rules ask often
        self._solvables = _Solvables(self.pool, ((s.id, s) for h in self.where for s in h.solvables))
        self.facts = {i: (s.name, s.arch, s.evr) for i, s in self._solvables.items()}
        self.candidates = [i for i, f in self.facts.items() if f[1] in wanted]
        self.lookaside = {s.id for h in self.side_repos for s in h.solvables if s.arch in wanted}
        self.all_by_name = {}  # name -> [ids of every version, hidden ones too]
        for i in self.candidates:
            self.all_by_name.setdefault(self.facts[i][0], []).append(i)
        self._nevras, self._sourcerpms, self._requirements = {}, {}, {}
        self.hidden = set()
        self._refresh()

    def _load(self, repo, cache, lookaside, exact):
        handle = add_repo(self.pool, repo, cache, exact)
        self.where[handle] = repo.repo
        if lookaside:
            self.side_repos.add(handle)
        else:
            comps = repo.comps()
            if comps:
                self.comps_files.append((repo.repo, comps))

    def _sack_key(self, loading):
        import hashlib

        text = " ".join([self.arch] + ["%s:%s" % ("lookaside" if side else "main", solv_key(repo))
                                       for repo, side in loading])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def _write_keys(self, path):
        """{dependency text: its id in DNF's sack} for every Requires of the pool, as the pool
        loaded exactly has them; kept at PATH so a pool loaded from .solv files, whose ids
        differ, orders dependencies as the sack does."""
        keys = {}
        for handle in self.where:
            for s in handle.solvables:
                for d in s.lookup_deparray(self.solv.SOLVABLE_REQUIRES, 0):
                    keys[str(d)] = d.id
        from ..compose import jsonio

        jsonio.write_shared(path, jsonio.dumps(keys, compact=True))  # concurrent pools write it too
        return keys

    def _refresh(self):
        """The visible packages (the newest of each name.arch not hidden) and their indexes."""
        best = {}
        facts, solvables = self.facts, self._solvables
        for i in self.candidates:
            if i in self.hidden:
                continue
            name, arch, evr = facts[i]
            old = best.get((name, arch))
            if old is None:
                best[(name, arch)] = [i]
                continue
            cmp = 0 if evr == facts[old[0]][2] else solvables[i].evrcmp(solvables[old[0]])
            if cmp > 0:
                best[(name, arch)] = [i]
            elif cmp == 0:
                old.append(i)
        self.visible = {i for group in best.values() for i in group}
        self.by_name = {}  # name -> [visible binary ids, debug ones included]
        self.debug = set()
        for i in self.visible:
            name, arch, _evr = facts[i]
            if arch in SOURCE_ARCHES:
                continue
            if is_debug(name):
                self.debug.add(i)
            self.by_name.setdefault(name, []).append(i)
        for ids in self.by_name.values():
            ids.sort()
        self.names = sorted(self.by_name)
        self._binaries = self._sources = None

    def _binary_indexes(self):
        """The binaries by source package and NVR, made when first asked for. Each of Pungi's
        per-source and per-NVR lists keeps one package of a NEVRA, the lookaside one (its
        lookaside repos are read first); two packages of one NEVRA built from different
        sources are in both sources' lists."""
        if self._binaries is None:
            by_sourcerpm = {}  # sourcerpm file name -> [visible binary ids, debug ones included]
            debug_by_sourcerpm = {}  # the same, debug ones only
            by_nvr = {}        # (name, version, release) -> [visible ids] (multilib partners)
            seen = set()
            for i, nevra in self._each_nevra(False):
                nvr = (nevra[0], nevra[3], nevra[4])
                if nevra not in seen:
                    seen.add(nevra)
                    by_nvr.setdefault(nvr, []).append(i)
                sourcerpm = self.sourcerpm(i)
                if nevra + (sourcerpm,) not in seen:
                    seen.add(nevra + (sourcerpm,))
                    by_sourcerpm.setdefault(sourcerpm, []).append(i)
                    if i in self.debug:
                        debug_by_sourcerpm.setdefault(sourcerpm, []).append(i)
            self._binaries = (by_sourcerpm, by_nvr, debug_by_sourcerpm)
        return self._binaries

    def _source_indexes(self):
        """The source packages by NVR and by file name, made when first asked for."""
        if self._sources is None:
            src_by_nvr = {}  # (name, version, release) of a source -> [visible source ids]
            sources = {}     # source rpm file name (.src.rpm and .nosrc.rpm) -> source id
            for i, (name, version, release) in self._first_of_each_nevra(True):
                src_by_nvr.setdefault((name, version, release), []).append(i)
                for each in SOURCE_ARCHES:
                    sources.setdefault("%s-%s-%s.%s.rpm" % (name, version, release, each), i)
            self._sources = (src_by_nvr, sources)
        return self._sources

    def _first_of_each_nevra(self, source):
        """[(id, (name, version, release))] of the visible source (SOURCE) or binary packages,
        the first of each NEVRA only, lookaside ones first."""
        result, seen = [], set()
        for i, nevra in self._each_nevra(source):
            if nevra not in seen:
                seen.add(nevra)
                result.append((i, (nevra[0], nevra[3], nevra[4])))
        return result

    def _each_nevra(self, source):
        """[(id, (name, epoch, arch, version, release))] of the visible source (SOURCE) or
        binary packages, lookaside ones first, then by id."""
        facts, lookaside = self.facts, self.lookaside
        chosen = sorted(i for i in self.visible if (facts[i][1] in SOURCE_ARCHES) == source)
        if lookaside:
            chosen.sort(key=lambda i: i not in lookaside)
        found = []
        for i in chosen:
            name, arch, evr = facts[i]
            epoch, _colon, vr = evr.rpartition(":")
            version, release = vr.rsplit("-", 1)
            found.append((i, (name, epoch or "0", arch, version, release)))
        return found

    by_sourcerpm = property(lambda self: self._binary_indexes()[0])
    by_nvr = property(lambda self: self._binary_indexes()[1])
    debug_by_sourcerpm = property(lambda self: self._binary_indexes()[2])
    src_by_nvr = property(lambda self: self._source_indexes()[0])
    sources = property(lambda self: self._source_indexes()[1])

    # -- facts about one package -------------------------------------------------------

    def solvable(self, i):
        return self._solvables[i]

    def name(self, i):
        return self.facts[i][0]

    def arch_of(self, i):
        return self.facts[i][1]

    def evr(self, i):
        return self.facts[i][2]

    def nevra(self, i):
        text = self._nevras.get(i)
        if text is None:
            text = self._nevras[i] = nevra_of(self._solvables[i])
        return text

    def sourcerpm(self, i):
        text = self._sourcerpms.get(i)
        if text is None:
            text = self._sourcerpms[i] = self._solvables[i].lookup_sourcepkg() or ""
        return text

    def source_name(self, i):
        """The name of the source package of binary package I (from its sourcerpm file name)."""
        return self.sourcerpm(i).rsplit("-", 2)[0]

    def source_of(self, i):
        """The visible source package binary I was built from (one in I's repo first), or None."""
        nvr = source_nvr(self.sourcerpm(i))
        found = self.src_by_nvr.get(nvr) if nvr else None
        if not found:
            return None
        repo = self._solvables[i].repo
        return next((j for j in found if self._solvables[j].repo == repo), found[0])

    def is_source(self, i):
        return self.arch_of(i) in SOURCE_ARCHES

    def is_debug(self, i):
        return i in self.debug

    def in_lookaside(self, i):
        return i in self.lookaside

    def is_multilib_arch(self, i):
        return self.arch_of(i) in self.multilib

    def is_native(self, i):
        """Native arch or noarch (Pungi's native class)."""
        arch = self.arch_of(i)
        return arch == "noarch" or arch in self.native

    def is_multilib_class(self, i):
        """Multilib arch or noarch (Pungi's multilib class)."""
        arch = self.arch_of(i)
        return arch == "noarch" or arch in self.multilib

    def arch_rank(self, i):
        return self.rank.get(self.arch_of(i), len(self.arch_order))

    def path(self, i):
        """The package's file: its repo's location joined with its location_href."""
        s = self._solvables[i]
        href = s.lookup_location()[0]
        base = s.lookup_str(self.solv.SOLVABLE_MEDIABASE)
        top = None if base else self._local_tops.get(s.repo)
        if top and not href.startswith((".", "/")) and "/." not in href and "//" not in href:
            return top + "/" + href  # what join() gives, without normalising a plain path
        return join(self.where[s.repo], href, base)

    def requires(self, i):
        """[(dep id, its id in DNF's sack, text as rpm writes it)] of package I, Requires(pre)
        and Requires(post) included, rpmlib() ones left out."""
        known, result = self._requirements, []
        for d in self._solvables[i].lookup_idarray(self.solv.SOLVABLE_REQUIRES, 0):
            entry = known.get(d, False)
            if entry is False:
                entry = known[d] = self._requirement(d)
            if entry is not None:
                result.append(entry)
        return result

    def _requirement(self, d):
        """requires()' entry of dependency id D, None for one it leaves out."""
        text = self.pool.dep2str(d)
        if d == self.solv.SOLVABLE_PREREQMARKER or text.startswith("rpmlib("):
            return None
        return d, self.sack_keys.get(text, d), rich_text(text)

    def provides(self, i):
        return [str(d) for d in self.pool.solvables[i].lookup_deparray(self.solv.SOLVABLE_PROVIDES)]

    def files(self, i):
        flags = self.solv.Dataiterator.SEARCH_FILES | self.solv.Dataiterator.SEARCH_COMPLETE_FILELIST
        return [d.str for d in self.pool.solvables[i].Dataiterator(self.solv.SOLVABLE_FILELIST, None, flags)]

    def one_per_nevra(self, ids):
        """IDS without main-repo twins of lookaside packages (Pungi's caches keep one per NEVRA)."""
        side = {self.nevra(i) for i in ids if i in self.lookaside}
        return [i for i in ids if i in self.lookaside or self.nevra(i) not in side]

    def all_debug_named(self, pattern):
        """{name: [ids]} of every debug package PATTERN names, hidden and older ones too (Pungi's
        unfiltered query of debug packages, which greedy "all" answers from)."""
        if is_glob(pattern):
            names = [n for n in self.all_by_name if globs.match(n, pattern)]
        else:
            names = [pattern] if pattern in self.all_by_name else []
        found = {n: [i for i in self.all_by_name[n] if not self.is_source(i)] for n in names if is_debug(n)}
        return {n: ids for n, ids in found.items() if ids}

    def all_debug_providers(self, dep_id):
        """Every debug package providing DEP_ID, hidden and older ones too."""
        return [s.id for s in self.pool.whatprovides(dep_id)
                if s.arch in self.wanted and s.arch not in SOURCE_ARCHES and is_debug(s.name)]

    def providers(self, dep_id, debug=None):
        """The visible binary packages providing dependency DEP_ID (a rich one as libsolv
        reads it); DEBUG True/False keeps only debug/non-debug ones."""
        return [s.id for s in self.pool.whatprovides(dep_id)
                if s.id in self.visible and s.arch not in SOURCE_ARCHES
                and (debug is None or (s.id in self.debug) == debug)]

    # -- patterns --------------------------------------------------------------------------

    def glob_names(self, pattern):
        """The visible binary names matching the glob PATTERN."""
        if not is_glob(pattern):
            return [pattern] if pattern in self.by_name else []
        prefix = globs.literal_prefix(pattern)
        names = itertools.islice(self.names, bisect.bisect_left(self.names, prefix), None)  # sorted: prefix's run
        return [n for n in itertools.takewhile(lambda n: n.startswith(prefix), names) if globs.match(n, pattern)]

    def named(self, pattern, debug=False):
        """{name: [visible ids]} of the names PATTERN (a name glob, as Pungi reads it: no arch)
        matches, debug or non-debug packages only."""
        found = {}
        for n in self.glob_names(pattern):
            ids = [i for i in self.by_name[n] if (i in self.debug) == debug]
            if ids:
                found[n] = ids
        return found

    def was_excluded(self, pattern):
        """Whether PATTERN names something only exclusions hid."""
        if pattern.endswith(".+"):
            pattern = pattern[:-2]
        return any(globs.match(self.name(i), pattern) for i in self.hidden)

    def exclude(self, patterns):
        """Hide the main-repo packages PATTERNS match, as Pungi's exclusions do: 'name.+' its
        multilib-arch builds, 'name.src' source packages, a debug-looking name debug packages,
        any other name glob the non-debug binary packages (every version)."""
        hidden = set()
        for pattern in patterns:
            if pattern.endswith(".+"):
                glob, keep = pattern[:-2], lambda s: s.arch in self.multilib and not is_debug(s.name)
            elif pattern.endswith(".src"):
                glob, keep = pattern[:-4], lambda s: s.arch in SOURCE_ARCHES
            elif is_debug(pattern):
                glob, keep = pattern, lambda s: s.arch not in SOURCE_ARCHES and is_debug(s.name)
            else:
                glob, keep = pattern, lambda s: s.arch not in SOURCE_ARCHES and not is_debug(s.name)
            hidden |= self._matching(glob, keep, main_only=True)
        self._hide(hidden)

    def hide_nevras(self, nevras):
        """Hide the main-repo packages of NEVRAS (modular packages of streams not enabled)."""
        self._hide({i for i in self.candidates if i not in self.lookaside and self.nevra(i) in nevras})

    def set_hidden(self, ids):
        """Hide exactly IDS (what was hidden before some exclusions, to undo them)."""
        if ids != self.hidden:
            self.hidden = set(ids)
            self._refresh()

    def exclude_multilib(self, patterns):
        """Hide the multilib-arch builds (non-debug, in every repo) of the names PATTERNS match."""
        keep = lambda s: s.arch in self.multilib and not is_debug(s.name)  # noqa: E731
        self._hide(set().union(*(self._matching(p, keep, main_only=False) for p in patterns)))

    def _matching(self, glob, keep, main_only):
        if is_glob(glob):
            names = [n for n in self.all_by_name if globs.match(n, glob)]
        else:
            names = [glob] if glob in self.all_by_name else []
        return {i for n in names for i in self.all_by_name[n]
                if not (main_only and i in self.lookaside) and keep(self.pool.solvables[i])}

    def _hide(self, ids):
        if ids - self.hidden:
            self.hidden |= ids
            self._refresh()
