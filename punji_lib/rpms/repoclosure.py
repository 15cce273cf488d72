"""Repoclosure with libsolv: the requires of a repository's packages that nothing provides.

A requirement of a package in REPOS is met when some package of REPOS or
LOOKASIDE, of an arch installable on the compose arch (its own family, the
multilib partner's and noarch: arches.compatible), provides it — files
included (filelists are read). That is what `dnf repoclosure` checks for Pungi
with one --arch per valid arch: a multilib package (i686 in an x86_64 tree) is
checked against everything installable beside it, because dnf satisfies its
file and unversioned requires with the x86_64 packages (glibc.i686 needs
glibc-common, which only exists as x86_64); arch-specific requires such as
'libfoo.so.1' or 'foo(x86-32)' can only be met by an i686 package anyway.

Rich dependencies are evaluated by their operators ("a and b" needs both; "a if
b" needs a only when something provides b, ...), not by libsolv's provider
list of the whole expression, which for "and" is the union of both sides.
rpmlib() requires are rpm's own and are left out.

Repos with modules metadata are filtered as dnf filters them with no module
enabled: the packages of every stream but each module's default one, and the
non-modular packages named like a default stream's packages, are neither
checked nor providers.
"""

import os

from .. import arches
from ..errors import PunjiError
from .package_text import nevra_of, rich_text
from .solvcache import load_repo

# libsolv's spelling of the rich operators, by binding strength when unparenthesized
_BINARY = (" ELSE ", " IF ", " UNLESS ", " & ", " | ", " + ", " - ")


class Closure:
    """REPOS and LOOKASIDE (directories or URLs of yum repos) read for compose ARCH.
    CACHE is where remote repos' metadata go."""

    def __init__(self, arch, repos, lookaside=(), cache=None):
        import solv

        self.solv = solv
        self.arch = arch
        self.installable = set(arches.compatible(arch))
        self.pool = solv.Pool()
        self.cache = cache or os.path.join(os.path.expanduser("~"), ".cache", "punji", "repos")
        # a compose tree is read once (its repodata is new), a lookaside repo again for every tree
        loaded = [load_repo(self.pool, r, self.cache, once=True) for r in repos] + \
            [load_repo(self.pool, r, self.cache) for r in lookaside]
        self.main = [handle for handle, _repo in loaded[:len(repos)]]
        self.pool.addfileprovides()
        self.pool.createwhatprovides()
        self.hidden = self._modular_filter([repo for _handle, repo in loaded])
        self._providers = {}

    def _modular_filter(self, repos):
        """The NEVRAs dnf's modular filtering hides in REPOS (repos.Repo) with no module enabled."""
        from . import modules

        indexes = [i for i in (modules.repo_index(r) for r in repos) if i is not None]
        if not indexes:
            return frozenset()
        index = modules.of_arch(modules.merge(indexes), self.arch)
        records = modules.streams(index)
        modular = {n for r in records for n in r["artifacts"]}
        active = {n for r in modules.active(records, index.get_default_streams(), []) for n in r["artifacts"]}
        names = {n.rsplit("-", 2)[0] for n in active}
        return frozenset((modular - active) | {nevra_of(s) for s in self.pool.solvables_iter()
                                               if s.name in names and nevra_of(s) not in modular})

    def packages(self):
        """The solvables of the main repos that the check covers (installable on the arch, not
        hidden by modular filtering)."""
        return [s for handle in self.main for s in handle.solvables
                if s.arch in self.installable and nevra_of(s) not in self.hidden]

    def skipped(self):
        """NEVRAs in the main repos of arches not installable on the compose arch."""
        return sorted(nevra_of(s) for handle in self.main for s in handle.solvables if s.arch not in self.installable)

    def unresolved(self):
        """{NEVRA: [requires, as rpm writes them]} of every package with requires nothing provides."""
        found = {}
        for s in self.packages():
            missing = []
            for dep in s.lookup_deparray(self.solv.SOLVABLE_REQUIRES, 0):
                if dep.id == self.solv.SOLVABLE_PREREQMARKER:
                    continue
                text = str(dep)
                if text.startswith("rpmlib("):
                    continue
                if not self._met(dep.id, text):
                    missing.append(rich_text(text))
            if missing:
                found[nevra_of(s)] = sorted(set(missing))
        return dict(sorted(found.items()))

    # -- dependencies ------------------------------------------------------------------

    def providers(self, dep_id):
        """Ids of the installable packages providing DEP_ID (a plain or versioned dep)."""
        found = self._providers.get(dep_id)
        if found is None:
            found = self._providers[dep_id] = frozenset(
                p.id for p in self.pool.whatprovides(dep_id) if p.arch in self.installable and
                (not self.hidden or nevra_of(p) not in self.hidden))
        return found

    def _met(self, dep_id, text):
        if not _split(text):
            return bool(self.providers(dep_id))
        return self._rich(text)

    def _leaf(self, text):
        dep = self.pool.parserpmrichdep("(%s)" % text)
        if dep is None:
            raise PunjiError("cannot read dependency %r" % text)
        return self.providers(dep.id)

    def _provided(self, text):
        """Whether anything provides TEXT (which may be rich itself)."""
        return self._rich(text) if _split(text) else bool(self._leaf(text))

    def _rich(self, text):
        """Whether the rich dependency TEXT (libsolv's spelling) can be met."""
        parts = _split(text)
        if not parts:
            return bool(self._leaf(text))
        op, left, right = parts
        if op == " & ":
            return self._rich(left) and self._rich(right)
        if op == " | ":
            return self._rich(left) or self._rich(right)
        if op == " + ":  # with: one package providing both
            return bool(self._leaf_set(left) & self._leaf_set(right))
        if op == " - ":  # without
            return bool(self._leaf_set(left) - self._leaf_set(right))
        if op == " ELSE ":  # (a IF b) ELSE c, (a UNLESS b) ELSE c
            cond = _split(left)
            if cond is None or cond[0] not in (" IF ", " UNLESS "):
                raise PunjiError("cannot read dependency %r" % text)
            kind, then, test = cond
            if kind == " IF ":  # b provided: a or c will do (b may be left out); else c
                return (self._rich(then) or self._rich(right)) if self._provided(test) else self._rich(right)
            return self._rich(then) or (self._provided(test) and self._rich(right))
        if op == " IF ":  # needs a only when b gets installed
            return self._rich(left) or not self._provided(right)
        if op == " UNLESS ":  # needs a unless b is installed
            return self._rich(left) or self._provided(right)
        raise PunjiError("cannot read dependency %r" % text)

    def _leaf_set(self, text):
        if _split(text):
            raise PunjiError("cannot read dependency %r ('with' and 'without' take simple dependencies)" % text)
        return self._leaf(text)


def _strip(text):
    """TEXT without parentheses around all of it."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _depth_ok(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _depth_ok(text):
    depth = 0
    for c in text:
        depth += c == "("
        depth -= c == ")"
        if depth < 0:
            return False
    return depth == 0


def _split(text):
    """(operator, left, right) of the loosest-binding top-level rich operator of TEXT, or None."""
    text = _strip(text)
    depth, top = 0, []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == " " and depth == 0:
            for op in _BINARY:
                if text.startswith(op, i):
                    top.append((i, op))
                    break
        i += 1
    for op in _BINARY:
        hits = [i for i, o in top if o == op]
        if hits:
            # ELSE binds last; a chain of one operator ("a & b & c") splits at its first link
            i = hits[0]
            return op, _strip(text[:i]), _strip(text[i + len(op):])
    return None
