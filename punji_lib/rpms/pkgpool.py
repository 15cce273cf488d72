"""Yum repos loaded into a libsolv pool, with the indexes the gather rules need.

Only the newest package of every name.arch is visible (the first repo wins a
tie), separately for the main repos and the lookaside repos. A main-repo
package with the same NEVRA as a lookaside one counts as a lookaside package.
Packages are libsolv solvable ids; everything else here maps ids to facts.
"""

import fnmatch
import os

from .. import arches
from ..errors import PunjiError
from .repos import Repo, join, one_line

SOURCE_ARCHES = ("src", "nosrc")


def is_debug(name):
    return "-debuginfo" in name or name.endswith("-debugsource")


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


def rpm_filename(s):
    """name-version-release.arch.rpm, as binary packages name their source in sourcerpm."""
    evr = s.evr
    head = evr.split("-")[0]
    if ":" in head:
        evr = evr.split(":", 1)[1]
    return "%s-%s.%s.rpm" % (s.name, evr, s.arch)


def load_repo(pool, spec, cache):
    """Add the repo SPEC (path or URL) to the libsolv POOL from its primary and filelists
    metadata; returns (libsolv repo, repos.Repo)."""
    import solv

    repo = Repo(spec, cache)
    handle = pool.add_repo(spec)
    for kind, flags in (("primary", 0), ("filelists", solv.Repo.REPO_EXTEND_SOLVABLES)):
        path = repo.metadata(kind)
        if path is None:
            continue
        f = solv.xfopen(path)
        if f is None:
            raise PunjiError("repo %s: cannot open %s" % (spec, path))
        ok = handle.add_rpmmd(f, None, flags)
        f.close()
        if not ok:
            raise PunjiError("repo %s: corrupt %s metadata %s: %s"
                             % (spec, kind, repo.hrefs[kind], one_line(pool.errstr)))
    return handle, repo


class PackagePool:
    """REPOS and LOOKASIDE (paths or URLs) read for compose ARCH; CACHE holds remote metadata."""

    def __init__(self, arch, repos, lookaside=(), cache=None):
        import solv

        self.solv = solv
        self.arch = arch
        self.native = set(arches.family(arch))
        self.multilib = set(arches.compatible(arch)) - self.native - {"noarch"}
        self.arch_order = arches.family(arch) + ["noarch"] + [a for a in arches.compatible(arch) if a in self.multilib]
        self.pool = solv.Pool()
        self.where = {}  # libsolv repo -> repo path or URL
        self.comps_files = []
        cache = cache or os.path.join(os.path.expanduser("~"), ".cache", "punji", "repos")
        main = [self._load(r, cache, lookaside=False) for r in repos]
        side = [self._load(r, cache, lookaside=True) for r in lookaside]
        self.pool.addfileprovides()
        self.pool.createwhatprovides()
        self.visible = self._newest(main)
        side_ids = self._newest(side)
        side_nevras = {nevra_of(self.pool.solvables[i]) for i in side_ids}
        self.lookaside = side_ids | {i for i in self.visible if self.nevra(i) in side_nevras}
        self.visible |= side_ids
        self.excluded = set()  # NEVRAs hidden by exclude()
        self._index()

    def _load(self, spec, cache, lookaside):
        handle, repo = load_repo(self.pool, spec, cache)
        self.where[handle] = spec
        if not lookaside:
            comps = repo.comps()
            if comps:
                self.comps_files.append((spec, comps))
        return handle

    def _newest(self, handles):
        wanted = self.native | self.multilib | {"noarch"} | set(SOURCE_ARCHES)
        best = {}
        for handle in handles:
            for s in handle.solvables:
                if s.arch not in wanted:
                    continue
                key = (s.name, s.arch)
                old = best.get(key)
                if old is None or s.evrcmp(old) > 0:
                    best[key] = s
        return {s.id for s in best.values()}

    def _index(self):
        self.by_name = {}      # name -> [binary ids]
        self.by_source = {}    # source rpm file name -> [binary ids, debug ones included]
        self.sources = {}      # source rpm file name -> src id
        for i in sorted(self.visible):
            s = self.pool.solvables[i]
            if s.arch in SOURCE_ARCHES:
                self.sources.setdefault(rpm_filename(s), i)
                continue
            self.by_name.setdefault(s.name, []).append(i)
            self.by_source.setdefault(s.lookup_sourcepkg() or "", []).append(i)

    # -- facts about one package -------------------------------------------------------

    def solvable(self, i):
        return self.pool.solvables[i]

    def name(self, i):
        return self.pool.solvables[i].name

    def arch_of(self, i):
        return self.pool.solvables[i].arch

    def nevra(self, i):
        return nevra_of(self.pool.solvables[i])

    def sourcerpm(self, i):
        return self.pool.solvables[i].lookup_sourcepkg() or ""

    def source_name(self, i):
        """The name of the source package of binary package I (from its sourcerpm file name)."""
        return self.sourcerpm(i).rsplit("-", 2)[0]

    def is_source(self, i):
        return self.arch_of(i) in SOURCE_ARCHES

    def is_multilib_arch(self, i):
        return self.arch_of(i) in self.multilib

    def path(self, i):
        """The package's file: its repo's location joined with its location_href."""
        s = self.pool.solvables[i]
        href = s.lookup_location()[0]
        base = s.lookup_str(self.solv.SOLVABLE_MEDIABASE)
        return join(self.where[s.repo], href, base)

    def requires(self, i):
        """[(dep id, text as rpm writes it, is it a rich dep)] of package I, Requires(pre)
        and Requires(post) included, rpmlib() ones left out."""
        deps = self.pool.solvables[i].lookup_deparray(self.solv.SOLVABLE_REQUIRES, 0)
        result = []
        for d in deps:
            text = str(d)
            if d.id == self.solv.SOLVABLE_PREREQMARKER or text.startswith("rpmlib("):
                continue
            rpm_text = rich_text(text)
            result.append((d.id, rpm_text, rpm_text != text))
        return result

    def provides(self, i):
        return [str(d) for d in self.pool.solvables[i].lookup_deparray(self.solv.SOLVABLE_PROVIDES)]

    def files(self, i):
        flags = self.solv.Dataiterator.SEARCH_FILES | self.solv.Dataiterator.SEARCH_COMPLETE_FILELIST
        return [d.str for d in self.pool.solvables[i].Dataiterator(self.solv.SOLVABLE_FILELIST, None, flags)]

    def providers(self, dep_id):
        """The visible packages providing dependency DEP_ID."""
        return [s.id for s in self.pool.whatprovides(dep_id) if s.id in self.visible]

    def arch_rank(self, i):
        arch = self.arch_of(i)
        return self.arch_order.index(arch) if arch in self.arch_order else len(self.arch_order)

    # -- patterns --------------------------------------------------------------------------

    def match(self, pattern):
        """The binary packages PATTERN (name, name.arch, globs) stands for, as Pungi reads it:
        per matching name its native or noarch packages, its multilib one only when it has none;
        name.arch exactly that arch."""
        name_pat, arch_pat = self.split(pattern)
        names = self._names(name_pat)
        if arch_pat is not None:
            return sorted(i for n in names for i in self.by_name[n] if fnmatch.fnmatchcase(self.arch_of(i), arch_pat))
        result = []
        for n in names:
            ids = self.by_name[n]
            native = [i for i in ids if not self.is_multilib_arch(i)]
            result += native or ids
        return sorted(result)

    def was_excluded(self, pattern):
        """Whether PATTERN matches nothing only because exclude() hid what it matched."""
        name_pat, _arch = self.split(pattern)
        return any(fnmatch.fnmatchcase(n.rsplit("-", 2)[0], name_pat) for n in self.excluded)

    def _names(self, pattern):
        if any(c in pattern for c in "*?["):
            return sorted(n for n in self.by_name if fnmatch.fnmatchcase(n, pattern))
        return [pattern] if pattern in self.by_name else []

    def split(self, pattern):
        """(name pattern, arch pattern or None): 'foo.i686' names an arch, 'python3.11' does not."""
        if "." in pattern:
            head, tail = pattern.rsplit(".", 1)
            if any(fnmatch.fnmatchcase(a, tail) for a in self.arch_order + list(SOURCE_ARCHES)):
                return head, tail
        return pattern, None

    def exclude(self, patterns):
        """Hide the packages PATTERNS match (every binary arch of a plain name)."""
        hidden = set()
        for pattern in patterns:
            name_pat, arch_pat = self.split(pattern)
            hidden |= {i for i in self.visible if fnmatch.fnmatchcase(self.name(i), name_pat)
                       and (fnmatch.fnmatchcase(self.arch_of(i), arch_pat) if arch_pat else not self.is_source(i))}
        self.excluded |= {self.nevra(i) for i in hidden}
        self.visible -= hidden
        self.lookaside -= hidden
        if hidden:
            self._index()
