"""Files from Pungi's scm dicts: a local file or directory, a git repository, a package's payload.

    files = scm.export(entry, dest, what="option 'extra_files' (Server.x86_64)",
                       config_dir="/etc/pungi", packages=pkgset_records, workdir=tmp)

An scm dict is {"scm": "file" | "git" | "rpm", "repo": ..., "branch": ...,
"file": path or [paths] | "dir": path or [paths]}. As in Pungi:

- every exported file lands in DEST under its base name; the contents of an
  exported directory land in DEST (for "rpm", "dir" without a trailing slash
  brings the directory itself, "dir/" its contents);
- "file": local paths (globs allowed), relative ones relative to CONFIG_DIR;
  "repo" must be empty; an empty directory is an error;
- "git": "repo" is a URL or a local path (relative to CONFIG_DIR), "branch" a
  branch, tag or commit (default: master); fetched with git into WORKDIR;
- "rpm": "repo" is a glob (or a list) of package names, "name.arch" or NEVRAs
  of PACKAGES (the package set's records), or an absolute path glob of RPM
  files; the files are taken from the package payloads (globs allowed).

Inside a git checkout or a package payload, a path or symlink that leaves it is
refused; local files and directories are read wherever their symlinks lead.
Everything ends up as a regular file in DEST. Every failure is a PunjiError of
one line starting with WHAT.
"""

import fnmatch
import glob
import os
import posixpath
import re
import shlex
import shutil
import stat
import subprocess
import tempfile

from ..arches import FAMILY
from ..errors import PunjiError
from ..log import log

URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
SCP_RE = re.compile(r"^[\w.+-]+@[\w.-]+:")
SHA_RE = re.compile(r"^[0-9a-f]{7,64}$")
PACKAGE_ARCHES = {a for family in FAMILY.values() for a in family} | {"noarch"}
DEFAULT_GIT_BRANCH = "master"
SUPPORTED = ("file", "git", "rpm")
UNSUPPORTED = ("cvs", "koji")  # Pungi knows them


class MissingSource(PunjiError):
    """What an scm dict names is not there (a path that matches nothing)."""


def check(entry, what, unsupported_ok=False, prefer="file"):
    """Check the shape of scm dict ENTRY without fetching anything; return (kind, paths).
    An scm punji cannot fetch (cvs, koji) is an error unless UNSUPPORTED_OK."""
    kind, paths = _kind_and_paths(entry, what, prefer)
    scm = entry.get("scm")
    if scm not in SUPPORTED and not (unsupported_ok and scm in UNSUPPORTED):
        raise PunjiError("%s: scm %r is not supported (punji supports %s)" % (what, scm, ", ".join(SUPPORTED)))
    if scm == "file" and entry.get("repo"):
        raise PunjiError("%s: scm 'file' takes no 'repo' (got %r)" % (what, entry["repo"]))
    if scm in ("git", "rpm") and not entry.get("repo"):
        raise PunjiError("%s: scm '%s' needs a 'repo'%s" % (what, scm, " (a package name)" if scm == "rpm" else ""))
    return kind, paths


def unsupported(entry):
    """Why punji cannot fetch scm dict ENTRY (an scm Pungi knows but punji does not), or None."""
    if isinstance(entry, dict) and entry.get("scm") in UNSUPPORTED:
        return "scm %r is not supported (punji supports %s): fetching it fails" % (entry["scm"], ", ".join(SUPPORTED))
    return None


def is_local(entry):
    """Whether ENTRY (a path or an scm dict) names a local file: nothing to fetch."""
    return not isinstance(entry, dict) or (entry.get("scm") == "file" and not entry.get("repo"))


def fetch_file(entry, dest, what, config_dir, workdir=None):
    """The one file scm dict ENTRY names, exported into directory DEST (as Pungi's init exports
    variants_file and comps_file); return its path. DEST keeps its mtime when the content is the same."""
    kind, paths = check(entry, what)
    if kind != "file" or len(paths) != 1:
        raise PunjiError("%s: give one file ('file': a path), not %s %r" % (what, kind, entry[kind]))
    name = posixpath.basename(paths[0].rstrip("/"))
    os.makedirs(dest, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".fetch-", dir=dest)
    try:
        written = export(entry, stage, what, config_dir, workdir=workdir)
        if name not in written:
            raise PunjiError("%s: %s was not exported (got %s)" % (what, name, ", ".join(written) or "nothing"))
        target = os.path.join(dest, name)
        if os.path.isfile(target) and same_content(target, os.path.join(stage, name)):
            return target
        os.replace(os.path.join(stage, name), target)
        return target
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def export(entry, dest, what, config_dir, packages=None, workdir=None, warn=None, prefer="file"):
    """Put the files of scm dict ENTRY into directory DEST; return their paths relative to DEST, sorted.
    PREFER: the key read when ENTRY has both 'file' and 'dir'. A git entry's 'command' runs in
    the checkout first (as Pungi runs it, with a shell), to make the files. CONFIG_DIR: the
    folder relative local paths start from, or a list of folders tried in turn (a relative git
    repo starts from the first)."""
    kind, paths = check(entry, what, prefer=prefer)
    scm = entry.get("scm")
    bases = list(config_dir) if isinstance(config_dir, (list, tuple)) else [config_dir or os.getcwd()]
    os.makedirs(dest, exist_ok=True)
    out = _Output(dest, what, warn or log.warning)
    if scm == "file":
        _export_local(kind, paths, out, bases, what)
    else:
        tmp = tempfile.mkdtemp(prefix=".scm-", dir=workdir)
        try:
            if scm == "git":
                repo = entry.get("repo")
                root = git_checkout(repo, entry.get("branch"), tmp, what, bases[0],
                                    (entry.get("options") or {}).get("credential_helper"))
                if entry.get("command"):
                    run_command(entry["command"], root, what)
                _export_from_root(kind, paths, out, root, "git repository %s" % repo, what, whole_dir=False)
            else:
                rpms = find_rpms(entry.get("repo"), packages, what)
                found = {p: False for p in paths}
                for number, path in enumerate(rpms):
                    root = extract_rpm(path, os.path.join(tmp, str(number)), what)
                    for p in paths:
                        # a file may be in some of the packages only; Pungi copies a 'dir' out of
                        # every package matched and fails on one without it
                        found[p] |= _export_from_root(kind, [p], out, root, "package %s" % os.path.basename(path),
                                                      what, whole_dir=True, missing_ok=kind == "file")
                missing = [p for p in paths if not found[p]]
                if missing:
                    names = ", ".join(os.path.basename(p) for p in rpms)
                    raise PunjiError("%s: %s %s is in no package of %s" % (what, kind, missing[0], names))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return sorted(out.written)


def _kind_and_paths(entry, what, prefer="file"):
    """('file' or 'dir', [paths]): with both keys, as in Pungi, the one the option reads (PREFER)."""
    if not isinstance(entry, dict):
        raise PunjiError("%s: expected an scm dict, got %r" % (what, entry))
    given = [key for key in ("file", "dir") if entry.get(key) is not None]
    if not given:
        raise PunjiError("%s: give 'file' or 'dir'" % what)
    kind = prefer if prefer in given else given[0]
    value = entry[kind]
    paths = [value] if isinstance(value, str) else list(value or [])
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise PunjiError("%s: '%s' must be a path or a list of paths" % (what, kind))
    return kind, paths


class _Output:
    """DEST being filled: a later file of the same name wins (as in Pungi), with a warning if it differs."""

    def __init__(self, dest, what, warn):
        self.dest = dest
        self.what = what
        self.warn = warn
        self.written = set()

    def copy(self, source, rel, origin):
        target = os.path.join(self.dest, rel)
        if rel in self.written:
            if not same_content(source, target):
                self.warn("%s: %s from %s replaces a different file of the same name" % (self.what, rel, origin))
            os.unlink(target)
        elif os.path.isdir(target):
            raise PunjiError("%s: %s from %s clashes with a directory of the same name" % (self.what, rel, origin))
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
        except OSError:
            raise PunjiError("%s: %s from %s clashes with a file named like one of its directories"
                             % (self.what, rel, origin))
        copy_file(source, target)
        self.written.add(rel)


def copy_file(source, target):
    """Copy the content of SOURCE (symlinks followed) to new file TARGET: mode 0644, or 0755
    when SOURCE is executable; SOURCE's mtime."""
    info = os.stat(source)
    shutil.copyfile(source, target)
    os.chmod(target, 0o755 if info.st_mode & 0o111 else 0o644)
    os.utime(target, (info.st_mtime, info.st_mtime))


def same_content(a, b):
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True


# -- local files ---------------------------------------------------------------------------------


def _export_local(kind, paths, out, bases, what):
    """Copy PATHS, each looked up from the first of the folders BASES where it is, into OUT."""
    for path in paths:
        tried = [os.path.normpath(os.path.join(base, os.path.expanduser(path))) for base in bases]
        full, matches = tried[0], []
        for candidate in tried:
            matches = [candidate] if os.path.exists(candidate) else \
                sorted(glob.glob(candidate)) if glob.has_magic(candidate) else []
            if matches:
                break
        if not matches:
            raise MissingSource("%s: %s does not exist" % (what, full))
        for match in matches:
            if kind == "file":
                if not os.path.isfile(match):
                    raise PunjiError("%s: %s is not a regular file%s" % (what, match, _dir_hint(match)))
                out.copy(match, os.path.basename(match), match)
            else:
                if not os.path.isdir(match):
                    raise PunjiError("%s: %s is not a directory" % (what, match))
                if not os.listdir(match):  # Pungi's copy of a directory refuses an empty one
                    raise PunjiError("%s: source directory %s is empty" % (what, match))
                _copy_dir(match, "", out, None, what, match)


def _dir_hint(path):
    return " (use 'dir' for a directory)" if os.path.isdir(path) else ""


def _copy_dir(source, rel, out, root, what, origin, chain=(), within=None):
    """Copy the files under directory SOURCE into OUT at REL; with ROOT, refuse what leads out of it;
    with WITHIN (a directory copied out of a package), a symlink leading out of WITHIN too: Pungi
    copies the symlink itself and fails where it leads nowhere."""
    real = os.path.realpath(source)
    if real in chain:
        raise PunjiError("%s: %s: a symlink loop" % (what, source))
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        target_rel = posixpath.join(rel, name) if rel else name
        if root is not None:
            _check_inside(root, path, what, origin)
        if within is not None and os.path.islink(path):
            _check_inside(within, path, what, "directory /%s of %s" % (os.path.relpath(within, root), origin))
        if os.path.isdir(path):
            _copy_dir(path, target_rel, out, root, what, origin, chain + (real,), within)
        elif os.path.isfile(path):
            out.copy(path, target_rel, origin)
        elif os.path.islink(path) and not os.path.exists(path):
            raise PunjiError("%s: %s in %s is a broken symlink" % (what, _shown(path, root), origin))
        else:
            raise PunjiError("%s: %s in %s is not a regular file" % (what, _shown(path, root), origin))


def _shown(path, root):
    return os.path.relpath(path, root) if root else path


# -- a checkout or a payload -------------------------------------------------------------------


def _check_inside(root, path, what, origin):
    """PATH, its symlinks followed, must stay inside ROOT."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root + os.sep):
        raise PunjiError("%s: %s in %s is a symlink that leads out of it" % (what, os.path.relpath(path, root), origin))


def _inner_path(path, what, origin):
    """PATH relative to the top of a checkout or payload; one that climbs out of it is refused."""
    rel = posixpath.normpath(path.lstrip("/"))
    if rel == ".." or rel.startswith("../"):
        raise PunjiError("%s: path %s leaves %s" % (what, path, origin))
    return "" if rel == "." else rel


def _export_from_root(kind, paths, out, root, origin, what, whole_dir, missing_ok=False):
    """Export PATHS of the tree ROOT (a checkout or a payload); WHOLE_DIR: a 'dir' without a
    trailing slash brings the directory itself (Pungi's rpm backend). Returns whether anything matched."""
    found = False
    for path in paths:
        rel = _inner_path(path, what, origin)
        full = os.path.join(root, rel) if rel else root
        if os.path.lexists(full):
            matches = [full]
        elif glob.has_magic(rel):
            matches = sorted(glob.glob(full))
        else:
            matches = []
        if not matches:
            if missing_ok:
                continue
            raise MissingSource("%s: %s %s does not exist in %s" % (what, kind, path, origin))
        found = True
        for match in matches:
            _check_inside(root, match, what, origin)
            shown = os.path.relpath(match, root)
            if kind == "file":
                if not os.path.isfile(match):
                    raise PunjiError("%s: %s in %s is not a regular file%s" % (what, shown, origin, _dir_hint(match)))
                out.copy(match, os.path.basename(match), origin)
            else:
                if not os.path.isdir(match):
                    raise PunjiError("%s: %s in %s is not a directory" % (what, shown, origin))
                keep = whole_dir and rel and not path.endswith("/")
                _copy_dir(match, os.path.basename(match) if keep else "", out, root, what, origin,
                          within=match if whole_dir else None)
    return found


# -- git -----------------------------------------------------------------------------------------


def git_url(repo, config_dir):
    """A URL or scp-like address as it is; a local path (relative to CONFIG_DIR) as a file:// URL."""
    if URL_RE.match(repo) or SCP_RE.match(repo):
        return repo
    return "file://" + os.path.normpath(os.path.join(config_dir or os.getcwd(), os.path.expanduser(repo)))


def git_checkout(repo, branch, workdir, what, config_dir=None, credential_helper=None):
    """Check out BRANCH (a branch, tag or commit; default master) of git repository REPO into
    WORKDIR/tree and return that path; git's own files go to WORKDIR/git."""
    branch = branch or DEFAULT_GIT_BRANCH
    url = git_url(repo, config_dir)
    gitdir, tree = os.path.join(workdir, "git"), os.path.join(workdir, "tree")
    os.makedirs(tree)
    git = ["git", "--git-dir", gitdir]
    if credential_helper:
        git += ["-c", "credential.helper=" + credential_helper]
    _git(["git", "init", "-q", "--bare", gitdir], "init", what, repo)
    done = _git(git + ["fetch", "-q", "--depth=1", url, branch], "fetch", what, repo, check=False)
    if done.returncode == 0:
        revision = "FETCH_HEAD"
    else:
        error = _error_line(done.stdout)
        wanted_a_commit = SHA_RE.match(branch) or any(s in error for s in ("unadvertised", "not our ref", "shallow"))
        if "couldn't find remote ref" in error and not SHA_RE.match(branch):
            raise PunjiError("%s: branch '%s' does not exist in git repository %s" % (what, branch, repo))
        if not wanted_a_commit:
            raise PunjiError("%s: git repository %s cannot be cloned: %s" % (what, repo, error))
        # a commit id, or a server that refuses it in a shallow fetch: fetch everything, then look
        done = _git(git + ["fetch", "-q", url, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"],
                    "fetch", what, repo, check=False)
        if done.returncode != 0:
            raise PunjiError("%s: git repository %s cannot be cloned: %s" % (what, repo, _error_line(done.stdout)))
        revision = None
        for candidate in ("refs/remotes/origin/" + branch, "refs/tags/" + branch, branch):
            found = _git(git + ["rev-parse", "-q", "--verify", candidate + "^{commit}"], "rev-parse", what, repo,
                         check=False)
            if found.returncode == 0:
                revision = found.stdout.strip()
                break
        if revision is None:
            raise PunjiError("%s: branch '%s' does not exist in git repository %s" % (what, branch, repo))
    _git(git + ["--work-tree", tree, "checkout", "-q", revision, "--", "."], "checkout", what, repo)
    return tree


def resolve_git_url(url, what):
    """URL (repo#ref) with its ref (a branch or tag; default HEAD) made the commit it names now, as
    Pungi's GitUrlResolver does; a commit id stays."""
    repo, _sep, ref = url.partition("#")
    if SHA_RE.match(ref):
        return url
    done = _git(["git", "ls-remote", repo, ref or "HEAD"], "ls-remote", what, repo)
    found = [line.split("\t")[0] for line in done.stdout.splitlines() if "\t" in line]
    if not found or not SHA_RE.match(found[0]):
        raise PunjiError("%s: ref '%s' does not exist in git repository %s" % (what, ref or "HEAD", repo))
    return "%s#%s" % (repo, found[0])


def run_command(command, cwd, what):
    """Run scm dict 'command' COMMAND with a shell in CWD (a git checkout); its output goes to the log."""
    log.info("running %s in %s", command, cwd)
    done = subprocess.run(command, shell=True, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    if done.stdout.strip():
        log.info("%s", done.stdout.rstrip())
    if done.returncode != 0:
        raise PunjiError("%s: command %r returned exit code %d: %s"
                         % (what, command, done.returncode, _error_line(done.stdout)))


def _git(argv, step, what, repo, check=True):
    """Run git ARGV (no shell, no prompts, C locale), its output into the log."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_ASKPASS="", SSH_ASKPASS="")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    log.info("running %s", " ".join(shlex.quote(a) for a in argv))
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", env=env)
    except FileNotFoundError:
        raise PunjiError("%s: git is not installed (install the git package)" % what)
    if done.stdout.strip():
        log.info("%s", done.stdout.rstrip())
    if check and done.returncode != 0:
        raise PunjiError("%s: git repository %s: git %s returned exit code %d: %s"
                         % (what, repo, step, done.returncode, _error_line(done.stdout)))
    return done


def _error_line(output):
    """The line of git's output that says what went wrong: its first 'fatal:' or 'error:' line, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else "no output"


# -- rpm -----------------------------------------------------------------------------------------


def find_rpms(repo, packages, what):
    """The RPM files REPO names: globs of package names, name.arch or NEVRAs among PACKAGES
    (binary packages of the package set, in its order), or globs of absolute paths (sorted); each once."""
    patterns = [repo] if isinstance(repo, str) else list(repo or [])
    if not patterns:
        raise PunjiError("%s: scm 'rpm' needs a 'repo' (a package name)" % what)
    found = []
    for pattern in patterns:
        if URL_RE.match(pattern):
            raise PunjiError("%s: rpm %s: only packages of the package set or local files can be used"
                             % (what, pattern))
        if pattern.startswith("/"):
            matches = sorted(p for p in glob.glob(pattern) if os.path.isfile(p))
            if not matches:
                raise PunjiError("%s: no RPM file matches %s" % (what, pattern))
        else:
            if packages is None:
                raise PunjiError("%s: rpm %s: no package set to take it from" % (what, pattern))
            # in the package set's order: Pungi extracts them in turn, a later file replacing one
            # of the same name
            matches = [p["path"] for p in packages if package_matches(p, pattern)]
            if not matches:
                raise PunjiError("%s: no package matching '%s' in the package set" % (what, pattern))
        found.extend(m for m in matches if m not in found)
    return found


def package_matches(record, pattern):
    """Whether package set RECORD (name, arch, nevra) matches a name glob, 'name.arch' or a NEVRA (without
    epoch too); source packages never match (Pungi 4.3.2 looks at its pkg_is_rpm ones; the package
    set handed here has no debug packages either)."""
    if record["arch"] in ("src", "nosrc"):
        return False
    name, dot, arch = pattern.rpartition(".")
    if dot and arch in PACKAGE_ARCHES and fnmatch.fnmatchcase(record["name"], name) and record["arch"] == arch:
        return True
    if fnmatch.fnmatchcase(record["name"], pattern):
        return True
    nevra = record["nevra"]
    plain = "%s-%s-%s.%s" % (record["name"], record["version"], record["release"], record["arch"])
    return fnmatch.fnmatchcase(nevra, pattern) or fnmatch.fnmatchcase(plain, pattern)


def extract_rpm(path, dest, what):
    """Unpack the payload of RPM file PATH into new directory DEST (read with rpm's Python module:
    no cpio needed); return DEST. Absolute symlinks become relative to DEST, as if it were '/';
    an entry whose path climbs out or goes through a symlink is left out (logged)."""
    import rpm

    os.makedirs(dest)
    real_dest = os.path.realpath(dest)
    name = os.path.basename(path)
    rpm.setVerbosity(rpm.RPMLOG_CRIT)  # rpm's own line about a corrupt file would be a second error line
    ts = rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    try:
        with open(path, "rb") as f:
            header = ts.hdrFromFdno(f.fileno())
            payload = rpm.fd.open(f, flags=header["payloadcompressor"] or "gzip")
            archive = rpm.files(header).archive(payload, write=False)
            for item in archive:
                target = _payload_target(real_dest, item.name)
                if target is None:
                    log.warning("%s: %s: leaving out %s (its path leaves the payload)", what, name, item.name)
                    continue
                mode = item.mode
                if stat.S_ISDIR(mode):
                    os.makedirs(target, exist_ok=True)
                    continue
                parent = os.path.dirname(target)
                os.makedirs(parent, exist_ok=True)
                if os.path.realpath(parent) != parent:
                    log.warning("%s: %s: leaving out %s (it goes through a symlink)", what, name, item.name)
                    continue
                if os.path.lexists(target):
                    os.unlink(target)
                if stat.S_ISLNK(mode):
                    os.symlink(_relative_link(item.name, item.linkto), target)
                elif stat.S_ISREG(mode):
                    _unpack_file(archive, item, target, real_dest)
                # devices, fifos and sockets have nothing to export
            archive.close()
    except rpm.error as exc:
        raise PunjiError("%s: cannot read package %s: %s" % (what, path, exc))
    except OSError as exc:
        raise PunjiError("%s: cannot unpack package %s: %s" % (what, path, exc.strerror or exc))
    return dest


def _unpack_file(archive, item, target, real_dest):
    """Write the regular file ITEM of ARCHIVE at TARGET. The content of a set of hard links comes
    with the last of them, which is linked to the others then; a file without content is empty."""
    if archive.hascontent():
        _write_payload_file(archive, target, item)
        for sibling in item.links:
            other = _payload_target(real_dest, sibling.name)
            if other and other != target and not os.path.lexists(other):
                os.makedirs(os.path.dirname(other), exist_ok=True)
                if os.path.realpath(os.path.dirname(other)) == os.path.dirname(other):
                    os.link(target, other)
    elif item.nlink <= 1:
        open(target, "wb").close()


def _payload_target(real_dest, name):
    rel = posixpath.normpath(name.lstrip("/"))
    if rel in (".", "") or rel == ".." or rel.startswith("../"):
        return None
    return os.path.join(real_dest, rel)


def _relative_link(name, linkto):
    """An absolute symlink target of payload file NAME, made relative so it stays inside the payload."""
    if not linkto.startswith("/"):
        return linkto
    start = posixpath.dirname("/" + name.lstrip("/"))
    return posixpath.relpath(posixpath.normpath(linkto), start)


def _write_payload_file(archive, target, item):
    """The content of the current payload file ITEM into new file TARGET: mode 0644 (0755 when
    executable, no other bits), the payload's mtime."""
    import rpm

    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as out:
        handle = rpm.fd.open(out, "w")
        archive.readto(handle)
        handle.close()
    os.chmod(target, 0o755 if item.mode & 0o111 else 0o644)
    os.utime(target, (item.mtime, item.mtime))
