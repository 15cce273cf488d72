"""Yum repos loaded into a libsolv pool, with the indexes the gather rules need.

As in Pungi's gather: of the packages left after the exclusions, only the
newest of every name.arch is visible, across the main and lookaside repos
together (equal newest builds in two repos are both visible). Exclusion
patterns hide main-repo packages only; the multilib blacklist hides multilib
builds in every repo. Packages are libsolv solvable ids; everything else here
maps ids to facts.
"""

import bisect
import functools
import itertools
import os
import sys

from ..config.repo_refs import is_remote
from . import globs
from .package_text import evr_parts, is_debug, is_glob, nevra_of, nevra_text, rich_text, source_nvr
from .packages import SOURCE_ARCHES
from .repos import Repo, join, local_dir
from .solvcache import add_repo, read_keys, read_snapshot, solv_key, write_snapshot

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


def start_warming(tree_arch, repos, cache):
    """Load REPOS exactly as the gather of a variant without lookaside repos on TREE_ARCH does,
    in a child process, so their .solv files and sack keys are in CACHE when the gathers start;
    returns the function that waits for it. A failure is left to the gather, which loads anew."""
    from .. import ahead

    return ahead.start("package pool of %s" % ", ".join(repos), PackagePool, solver_arch(tree_arch), list(repos),
                       cache=cache, warming=True)


def _sack_key(arch, loading):
    """What names the cached files of a pool for ARCH loading LOADING, [(repos.Repo, lookaside)]."""
    import hashlib

    text = " ".join([arch] + ["%s:%s" % ("lookaside" if side else "main", solv_key(repo)) for repo, side in loading])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def sack_keys(arch, repos, cache):
    """The sack keys a pool of REPOS (no lookaside) for ARCH loaded exactly kept in CACHE (see
    PackagePool._sack_ids); None when there are none."""
    loading = [(Repo(r, cache), False) for r in repos]
    return read_keys(os.path.join(cache, "solv", _sack_key(arch, loading)) + ".keys.json")


def gather_arches(arch):
    """(native, multilib) package arches Pungi's gather uses for a tree of ARCH."""
    base = BASE_ARCH.get(arch, arch)
    return GATHER_ARCHES.get(base, ([base], []))


@functools.lru_cache(maxsize=None)
def _base_dir(base):
    """The local directory an xml:base names (join() then joins a location to it), None for a
    remote one."""
    return None if is_remote(base) else local_dir(base)


# what PackagePool._index makes, kept in a snapshot for the next pool of the same repos
SNAPSHOT = ("facts", "_sourcerpms", "_locations", "_repo_index", "candidates", "lookaside", "all_by_name",
            "_binaries_by_sourcerpm", "_debug_names", "visible", "_twins", "by_name", "_src_by_name", "debug",
            "names")


class _Solvables(dict):
    """{id: libsolv solvable}, each made when first asked for and kept (libsolv's own lookup
    makes a new Python object each time)."""

    def __init__(self, pool):
        super().__init__()
        self.pool = pool
        self.misses = 0

    def __missing__(self, i):
        self.misses += 1
        if self.misses == 500:  # many asked for: all made at once, each then costs a third
            self.update((s.id, s) for s in self.pool.solvables_iter() if s.id not in self)
            if i in self:
                return self[i]
        s = self[i] = self.pool.solvables[i]
        return s


class PackagePool:
    """REPOS and LOOKASIDE (paths or URLs) read for compose ARCH; CACHE holds remote metadata
    and, unless not KEEP_CACHES, what the next pool of the same repos loads faster from (the
    repos' .solv files, the sack keys, the snapshot)."""

    def __init__(self, arch, repos, lookaside=(), cache=None, keep_caches=True, warming=False):
        """WARMING: a pool loaded for its cached files alone (start_warming): the sack keys are
        written by a child while it is indexed, and not kept here."""
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
        # loading-order indexes of lookaside repos whose files no package set file can be (see shares_file)
        self.own_files = set()
        self.comps_files = []
        # the lookaside repos' comps: DNF reads them too (Pungi 4.3.2 asks it not to under a
        # misspelt name), merged before the others
        self.lookaside_comps_files = []
        cache = cache or os.path.join(os.path.expanduser("~"), ".cache", "punji", "repos")
        # lookaside repos first, as DNF loads them (by priority): solvable ids are then the
        # sack's, starting at 2
        loading = [(Repo(r, cache), True) for r in lookaside] + [(Repo(r, cache), False) for r in repos]
        sack = os.path.join(cache, "solv", _sack_key(arch, loading))
        self.sack_keys = read_keys(sack + ".keys.json")
        exact = self.sack_keys is None
        writes = []  # what waits for the .solv files children write while the pool is indexed
        try:
            for repo, side in loading:
                self._load(repo, cache, side, exact, keep_caches, writes)
            self._indexed(sack, exact, keep_caches, writes if warming else None)
        finally:
            for wait in writes:
                wait()

    def _indexed(self, sack, exact, keep_caches, aside=None):
        """The pool loaded made ready for lookups: its indexes made, or read from the snapshot
        SACK.pool a pool of the same repos kept (KEEP_CACHES: kept here when made). ASIDE: a list
        where the function waiting for the sack keys a child writes meanwhile is appended (they
        are then not kept here)."""
        self.pool.addfileprovides()
        self.pool.createwhatprovides()
        # the path or URL and the local directory (None for a remote one) of each repo, in loading order
        self._specs = list(self.where.values())
        self._tops = [None if is_remote(r) else local_dir(r) for r in self._specs]
        if exact and keep_caches and aside is not None:
            from .. import ahead

            keys = sack + ".keys.json"
            aside.append(ahead.start("the sack keys %s" % keys, self._sack_ids, keys))
            self.sack_keys = {}
        elif exact:
            self.sack_keys = self._sack_ids(sack + ".keys.json" if keep_caches else None)
        self.wanted = self.native | self.multilib | {"noarch"} | set(SOURCE_ARCHES)
        self._solvables = _Solvables(self.pool)
        self._handles = list(self.where)
        self._nevras, self._requirements = {}, {}
        self.hidden = set()
        self.absent = set()  # not in the variant's repos at all: no lookup sees them
        self._lists = {}
        kept = read_snapshot(sack + ".pool")
        if kept is not None and kept.get("counts") == [h.nsolvables for h in self._handles] \
                and set(kept.get("indexes", ())) == set(SNAPSHOT):
            self.__dict__.update(kept["indexes"])
        else:
            self._index()
            if keep_caches:
                write_snapshot(sack + ".pool", {"counts": [h.nsolvables for h in self._handles],
                                                "indexes": {key: getattr(self, key) for key in SNAPSHOT}})

    def _index(self):
        """The facts of every package (libsolv answers one lookup at a time, slowly from Python:
        they are kept, with the indexes made of them, in a snapshot read by the next pool of
        the same repos) and the visible packages."""
        intern, mediabase = sys.intern, self.solv.SOLVABLE_MEDIABASE  # interned: kept once in the snapshot
        self.facts = {}  # id -> (name, arch, evr): the rules ask often
        self._sourcerpms, self._locations, self._repo_index = {}, {}, {}
        for n, handle in enumerate(self._handles):
            for s in handle.solvables:
                i = s.id
                self.facts[i] = (intern(s.name), intern(s.arch), intern(s.evr))
                self._sourcerpms[i] = intern(s.lookup_sourcepkg() or "")
                self._locations[i] = (s.lookup_location()[0], s.lookup_str(mediabase))
                self._repo_index[i] = n
        self.candidates = [i for i, f in self.facts.items() if f[1] in self.wanted]
        side = {n for n, h in enumerate(self._handles) if h in self.side_repos}
        self.lookaside = {i for i in self.candidates if self._repo_index[i] in side}
        self.all_by_name = {}  # name -> [ids of every version, hidden ones too]
        for i in self.candidates:
            self.all_by_name.setdefault(self.facts[i][0], []).append(i)
        self._debug_names = {n for n in self.all_by_name if is_debug(n)}
        self._binaries_by_sourcerpm = {}  # sourcerpm -> [binary ids, hidden ones too], by id
        for i in sorted(self.candidates):
            if self.facts[i][1] not in SOURCE_ARCHES:
                self._binaries_by_sourcerpm.setdefault(self._sourcerpms[i], []).append(i)
        self._refresh()

    def _load(self, repo, cache, lookaside, exact, keep, writes):
        handle = add_repo(self.pool, repo, cache, exact, keep=keep, writes=writes)
        self.where[handle] = repo.repo
        comps = repo.comps()
        if lookaside:
            self.side_repos.add(handle)
        if comps:
            (self.lookaside_comps_files if lookaside else self.comps_files).append((repo.repo, comps))

    def _sack_ids(self, path):
        """{dependency text: its id in DNF's sack} for every Requires of the pool, as the pool
        loaded exactly has them; kept at PATH (unless None) so a pool loaded from .solv files,
        whose ids differ, orders dependencies as the sack does."""
        keys = {}
        for handle in self.where:
            for s in handle.solvables:
                for d in s.lookup_deparray(self.solv.SOLVABLE_REQUIRES, 0):
                    keys[str(d)] = d.id
        if path:
            from ..compose import jsonio

            jsonio.write_shared(path, jsonio.dumps(keys, compact=True))  # concurrent pools write it too
        return keys

    def _refresh(self):
        """The visible packages (the newest of each name.arch not hidden) and their indexes."""
        best = {}
        facts, solvables, hidden = self.facts, self._solvables, self.hidden
        for i in self.candidates:
            if i in hidden:
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
        self._twins = {i for group in best.values() if len(group) > 1 for i in group}  # one name.arch
        self.by_name = by_name = {}  # name -> [visible binary ids, debug ones included]
        self._src_by_name = {}  # name -> [visible source ids]
        self.debug = set()
        debug_names = self._debug_names
        for i in self.visible:
            name, arch, _evr = facts[i]
            if arch in SOURCE_ARCHES:
                self._src_by_name.setdefault(name, []).append(i)
                continue
            if name in debug_names:
                self.debug.add(i)
            ids = by_name.get(name)
            if ids is None:
                by_name[name] = [i]
            else:
                ids.append(i)
        for ids in itertools.chain(by_name.values(), self._src_by_name.values()):
            if len(ids) > 1:
                ids.sort()
        self.names = sorted(by_name)
        self._lists = {}

    # Each of Pungi's per-source and per-NVR lists keeps one package of a NEVRA, the lookaside
    # one (its lookaside repos are read first), and two packages of one NEVRA built from
    # different sources are in both sources' lists; each list here is made when first asked for.

    def sourcerpm_builds(self, sourcerpm, debug=False):
        """The visible binary packages built from SOURCERPM (a file name); DEBUG: the debug ones."""
        key = ("sourcerpm", sourcerpm, debug)
        found = self._lists.get(key)
        if found is None:
            ids = [i for i in self._binaries_by_sourcerpm.get(sourcerpm, ()) if i in self.visible]
            found = self._lists[key] = [i for i in self._one_per_nevra(ids) if not debug or i in self.debug]
        return found

    def nvr_builds(self, name, version, release):
        """The visible binary packages of NAME, VERSION and RELEASE (every epoch and arch)."""
        return self._nvr_builds(self.by_name, name, version, release)

    def source_builds(self, name, version, release):
        """The visible source packages of NAME, VERSION and RELEASE."""
        return self._nvr_builds(self._src_by_name, name, version, release)

    def source_file(self, sourcerpm):
        """The visible source package whose file name is SOURCERPM (.src.rpm or .nosrc.rpm), or None."""
        for each in SOURCE_ARCHES:
            suffix = ".%s.rpm" % each
            if sourcerpm.endswith(suffix):
                nvr = sourcerpm[:-len(suffix)].rsplit("-", 2)
                found = self.source_builds(*nvr) if len(nvr) == 3 else []
                return found[0] if found else None
        return None

    def _nvr_builds(self, by_name, name, version, release):
        key = (by_name is self.by_name, name, version, release)
        found = self._lists.get(key)
        if found is None:
            ids = [i for i in by_name.get(name, ()) if evr_parts(self.facts[i][2])[1:] == (version, release)]
            found = self._lists[key] = self._one_per_nevra(ids)
        return found

    def _one_per_nevra(self, ids):
        """IDS (ordered by id) lookaside ones first, the first of each NEVRA only."""
        if self.lookaside:
            ids = sorted(ids, key=lambda i: i not in self.lookaside)
        if len(ids) < 2 or self._twins.isdisjoint(ids):  # no two of one name.arch: no two of one NEVRA
            return ids
        found, seen, facts = [], set(), self.facts
        for i in ids:
            name, arch, evr = facts[i]
            nevra = (name, arch) + evr_parts(evr)
            if nevra not in seen:
                seen.add(nevra)
                found.append(i)
        return found

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
            facts = self.facts.get(i)
            text = self._nevras[i] = nevra_text(*facts) if facts else nevra_of(self._solvables[i])
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
        found = self.source_builds(*nvr) if nvr else None
        if not found:
            return None
        repo = self._repo_index[i]
        return next((j for j in found if self._repo_index[j] == repo), found[0])

    def is_source(self, i):
        return self.arch_of(i) in SOURCE_ARCHES

    def is_debug(self, i):
        return i in self.debug

    def in_lookaside(self, i):
        return i in self.lookaside

    def shares_file(self, i):
        """Whether lookaside package I's file may be a package set file too: not when its repo
        is one of own_files."""
        return self._repo_index[i] not in self.own_files

    def is_multilib_arch(self, i):
        return self.arch_of(i) in self.multilib

    def multilib_partners(self, i):
        """The builds of a multilib arch (no debug package) of native package I's name, version
        and release; none for a noarch or multilib package."""
        if self.arch_of(i) == "noarch" or self.is_multilib_arch(i):
            return []
        name, _arch, evr = self.facts[i]
        if self.by_name.get(name) == [i]:  # no other build of the name: no partner
            return []
        version, release = evr.split(":", 1)[-1].rsplit("-", 1)
        return [j for j in self.nvr_builds(name, version, release) if self.is_multilib_arch(j) and not self.is_debug(j)]

    def is_native(self, i):
        """Native arch or noarch (Pungi's native class)."""
        arch = self.arch_of(i)
        return arch == "noarch" or arch in self.native

    def is_multilib_class(self, i):
        """Multilib arch or noarch (Pungi's multilib class)."""
        arch = self.arch_of(i)
        return arch == "noarch" or arch in self.multilib

    def path(self, i):
        """The package's file: its repo's location joined with its location_href."""
        href, base = self._locations[i]
        n = self._repo_index[i]
        # a package set repo's packages have their directory as xml:base (file://)
        top = _base_dir(base) if base else self._tops[n]
        if top and top != "/" and not href.startswith((".", "/")) and "/." not in href and "//" not in href:
            return top + "/" + href  # what join() gives, without normalising a plain path
        return join(self._specs[n], href, base)

    def requires(self, i):
        """[(dep id, its hash in DNF's sack, text as rpm writes it)] of package I, Requires(pre)
        and Requires(post) included, rpmlib() ones left out. (A hawkey Reldep hashes to its
        libsolv id in the sack, unsigned.)"""
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
        return d, self.sack_keys.get(text, d) & 0xFFFFFFFF, rich_text(text)

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
        unfiltered query of debug packages, which greedy "all" answers from), but absent ones."""
        if is_glob(pattern):
            matches = globs.matcher(pattern)
            names = [n for n in self.all_by_name if matches(n)]
        else:
            names = [pattern] if pattern in self.all_by_name else []
        found = {n: [i for i in self.all_by_name[n] if not self.is_source(i) and i not in self.absent]
                 for n in names if is_debug(n)}
        return {n: ids for n, ids in found.items() if ids}

    def all_debug_providers(self, dep_id):
        """Every debug package providing DEP_ID, hidden and older ones too, but absent ones."""
        return [s.id for s in self.pool.whatprovides(dep_id) if s.arch in self.wanted
                and s.arch not in SOURCE_ARCHES and is_debug(s.name) and s.id not in self.absent]

    def providers(self, dep_id, debug=None):
        """The visible binary packages providing dependency DEP_ID (a rich one as libsolv
        reads it); DEBUG True/False keeps only debug/non-debug ones."""
        visible, facts, debug_ids = self.visible, self.facts, self.debug
        return [i for i in (s.id for s in self.pool.whatprovides(dep_id))
                if i in visible and facts[i][1] not in SOURCE_ARCHES
                and (debug is None or (i in debug_ids) == debug)]

    # -- patterns --------------------------------------------------------------------------

    def glob_names(self, pattern):
        """The visible binary names matching the glob PATTERN."""
        if not is_glob(pattern):
            return [pattern] if pattern in self.by_name else []
        prefix, matches = globs.literal_prefix(pattern), globs.matcher(pattern)
        if not prefix:
            return [n for n in self.names if matches(n)]
        names = itertools.islice(self.names, bisect.bisect_left(self.names, prefix), None)  # sorted: prefix's run
        return [n for n in itertools.takewhile(lambda n: n.startswith(prefix), names) if matches(n)]

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
        """Hide the main-repo packages of NEVRAS (modular packages of streams not enabled), from
        the lookups that see hidden packages too: they are absent (not in Pungi's repos)."""
        self.hide_absent({i for i in self.candidates if i not in self.lookaside and self.nevra(i) in nevras})

    def hide_absent(self, ids):
        """Hide IDS as hide_nevras does."""
        self.absent |= ids
        self._hide(ids)

    def of_repos(self, indexes):
        """The packages of the repos at INDEXES of the loading order (lookaside repos first)."""
        return {i for i in self.candidates if self._repo_index[i] in indexes}

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
            matches = globs.matcher(glob)
            names = [n for n in self.all_by_name if matches(n)]
        else:
            names = [glob] if glob in self.all_by_name else []
        return {i for n in names for i in self.all_by_name[n]
                if not (main_only and i in self.lookaside) and keep(self.pool.solvables[i])}

    def _hide(self, ids):
        if ids - self.hidden:
            self.hidden |= ids
            self._refresh()
