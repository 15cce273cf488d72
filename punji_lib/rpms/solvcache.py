"""Repos into a libsolv pool: each read once from its XML, then from a .solv file kept in a
cache directory and keyed by what it is made from (solv_key); beside them, the snapshots
of what a PackagePool reads of every package (read_snapshot, write_snapshot)."""

import os

from ..errors import PunjiError
from ..log import command_name, warn
from .repos import Repo, one_line


def load_repo(pool, spec, cache, exact=False, once=False):
    """Add the repo SPEC (path or URL) to the libsolv POOL; returns (libsolv repo, repos.Repo).
    See add_repo; CACHE holds remote metadata and the .solv files."""
    repo = Repo(spec, cache)
    return add_repo(pool, repo, cache, exact, once), repo


def add_repo(pool, repo, cache, exact=False, once=False, keep=True, writes=None):
    """Add REPO (a repos.Repo) to POOL from its cached .solv file (solv_path), or, when there is
    none or EXACT, as DNF's sack reads a repo on a cold cache: repomd.xml, the primary XML
    parsed, written to a .solv file and read back, then the filelists XML. Only that way are
    the pool's string and dependency ids the sack's, which the order of Pungi's sets of
    dependencies follows (see PackagePool.sack_keys); solvable ids and every package's
    Requires are the same either way. The .solv file is then written for the next load.
    ONCE: a repo read for one check whose answer no id order changes (repoclosure of a tree
    just made): its XML read straight in, no .solv file written (nobody would read it).
    KEEP: whether the .solv file is written when there is none. WRITES: a list where the
    function waiting for that file is appended when a forked child writes it (a big repo: the
    caller goes on with the pool meanwhile, and waits before it is done)."""
    import tempfile

    import solv

    handle = pool.add_repo(repo.repo)
    f = solv.xfopen(repo.repomd)
    handle.add_repomdxml(f, 0)
    f.close()
    cached = solv_path(repo, cache)
    if not exact and os.path.exists(cached):
        _add_solv(handle, cached)
        return handle
    _add_xml(pool, handle, repo, "primary", 0)
    if once:
        _add_xml(pool, handle, repo, "filelists", solv.Repo.REPO_EXTEND_SOLVABLES)
        return handle
    with tempfile.TemporaryDirectory(prefix="punji-solv-") as tmp:
        _write_solv(handle, os.path.join(tmp, "primary.solv"))
        handle.empty(True)
        _add_solv(handle, os.path.join(tmp, "primary.solv"))
    _add_xml(pool, handle, repo, "filelists", solv.Repo.REPO_EXTEND_SOLVABLES)
    if keep and not os.path.exists(cached):
        if writes is not None and handle.nsolvables >= WRITTEN_ASIDE_FROM and (os.cpu_count() or 1) > 1:
            writes.append(_write_cached_aside(handle, cached))
        else:
            _write_cached(handle, cached)
    return handle


# solvables from which a repo's .solv file is written by a child (when there is a second CPU):
# writing filelists takes libsolv about as long as the pool's indexes take the caller, and a
# fork costs about what writing a repo of a thousand packages does
WRITTEN_ASIDE_FROM = 2000


def _write_cached(handle, cached):
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    tmp = "%s.%d.tmp" % (cached, os.getpid())  # written aside: concurrent loads share it
    _write_solv(handle, tmp)
    os.replace(tmp, cached)


def _write_cached_aside(handle, cached):
    """_write_cached() of the repo HANDLE as it is now, in a forked child; returns the function
    that waits for it. A child that fails leaves no file: the next load reads the XML again."""
    from .. import ahead

    return ahead.start("the cached repo %s" % cached, _write_cached, handle, cached)


def _add_solv(handle, path):
    import solv

    f = solv.xfopen(path)
    handle.add_solv(f, 0)
    f.close()


def _write_solv(handle, path):
    import solv

    f = solv.xfopen(path, "w")
    handle.write(f)
    f.close()


def _add_xml(pool, handle, repo, kind, flags):
    import solv

    path = repo.metadata(kind, verify=True)
    if path is None:
        return
    f = solv.xfopen(path)
    if f is None:
        raise PunjiError("repo %s: cannot open %s" % (repo.repo, path))
    ok = handle.add_rpmmd(f, None, flags)
    f.close()
    if ok:
        return
    problem = "repo %s: corrupt %s metadata %s: %s" % (repo.repo, kind, repo.hrefs[kind], one_line(pool.errstr))
    if kind != "filelists":
        raise PunjiError(problem)
    # DNF's sack goes on without the rest of a filelists it cannot parse, so Pungi's solver does
    warn(command_name(), "%s: the files it lists up to there are the packages' only ones" % problem)


def solv_key(repo):
    """What REPO's .solv file is made from: repomd.xml, the primary and filelists files (size,
    mtime: a file changed under an unchanged repomd.xml counts) and the libsolv build."""
    import hashlib

    digest = hashlib.sha256(_libsolv_build().encode("utf-8"))
    with open(repo.repomd, "rb") as f:
        digest.update(f.read())
    for kind in ("primary", "filelists"):
        path = repo.metadata(kind)
        if path:
            info = os.stat(path)
            digest.update(("%s %d %d" % (kind, info.st_size, info.st_mtime_ns)).encode("utf-8"))
    return digest.hexdigest()[:32]


def repo_keys(specs, cache):
    """solv_key of each repo of SPECS (paths or URLs): what they hold, for a fingerprint."""
    return [solv_key(Repo(spec, cache)) for spec in specs]


def solv_path(repo, cache):
    return os.path.join(cache, "solv", solv_key(repo) + ".solv")


def read_keys(path):
    import json

    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _libsolv_build():
    """Which libsolv writes the cache: its extension module's path, size and mtime."""
    import _solv

    info = os.stat(_solv.__file__)
    return "%s %d %d" % (_solv.__file__, info.st_size, int(info.st_mtime))


SNAPSHOT_FORMAT = 1


def read_snapshot(path):
    """What write_snapshot kept at PATH, or None (no file, another format, a broken one)."""
    import marshal

    try:
        with open(path, "rb") as f:
            kept = marshal.loads(f.read())  # marshal.load() reads a file in small pieces
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(kept, dict) or kept.get("format") != SNAPSHOT_FORMAT:
        return None
    return kept


def write_snapshot(path, data):
    """Keep DATA (a dict of plain values) at PATH for the next pool of the same repos, written
    aside first: concurrent pools write it too."""
    import marshal

    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(marshal.dumps(dict(data, format=SNAPSHOT_FORMAT)))
    os.replace(tmp, path)
