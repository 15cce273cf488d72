"""Yum repositories as inputs: local paths, file:// and http(s) URLs, read from their repodata.

A remote repo's metadata files are downloaded into a cache directory (one
subdirectory per URL); a local repo is read where it is. Every failure is a
PunjiError naming the repo.
"""

import contextlib
import functools
import hashlib
import os
import shutil
import sys
import tempfile
import urllib.parse
from xml.etree import ElementTree

from ..config.repo_refs import is_remote, local_path
from ..errors import PunjiError
from ..log import command_name, log, warn


class CorruptMetadata(PunjiError):
    """Metadata KIND of a repo that matches repomd.xml but cannot be parsed."""

    def __init__(self, message, kind):
        super().__init__(message)
        self.kind = kind


def join(repo, location, base=None):
    """Where the file at LOCATION of REPO is (an absolute path, or a URL); BASE is its xml:base."""
    top = base or repo
    if is_remote(top):
        return urllib.parse.urljoin(top.rstrip("/") + "/", location)
    directory = local_dir(top)
    if _plain(location) and directory != "/":  # most: nothing to normalize (a nightly joins tens of thousands)
        return directory + "/" + location
    return os.path.normpath(os.path.join(directory, location))


def _plain(location):
    """Whether LOCATION is a relative path that normpath leaves as it is (no empty, "." or
    ".." part)."""
    return bool(location) and location[0] != "/" and location[-1] != "/" and "//" not in location and \
        "/." not in "/" + location


@functools.lru_cache(maxsize=None)
def local_dir(repo):
    """The absolute directory of the local repo REPO (a path or file:// URL)."""
    return os.path.abspath(local_path(repo))


def cache_dir(cache, repo):
    """CACHE/<sha1 of the URL>: where a remote repo's downloaded files go."""
    return os.path.join(cache, hashlib.sha1(repo.encode("utf-8")).hexdigest()[:16])


def download(url, path, repo):
    """Fetch URL into PATH atomically."""
    import urllib.request

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as answer:
            shutil.copyfileobj(answer, out)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise PunjiError("repo %s: cannot download %s: %s" % (repo, url, one_line(exc)))


def cache_path(top, href, repo):
    """Where the file at HREF of remote REPO goes in its cache directory TOP; a PunjiError for an
    href that would land outside it."""
    path = os.path.normpath(os.path.join(top, href))
    if os.path.isabs(href) or not path.startswith(os.path.normpath(top) + os.sep):
        raise PunjiError("repo %s: location %r leaves the repository" % (repo, href))
    return path


def file_checksum(path, kind):
    """The hex digest of file PATH with hashlib algorithm KIND ('sha' is sha1, as in repodata)."""
    import hashlib

    kind = {"sha": "sha1"}.get(kind, kind)
    try:
        digest = hashlib.new(kind)
    except ValueError:
        raise PunjiError("%s: unknown checksum type %r in the repodata" % (path, kind))
    with open(path, "rb", buffering=0) as f:
        # one buffer read into, not a new bytes object a block: a quarter less time on big files
        view = memoryview(bytearray(min(os.fstat(f.fileno()).st_size, 1 << 20) or 1))
        for length in iter(lambda: f.readinto(view), 0):
            digest.update(view[:length])
    return digest.hexdigest()


def fetch_package(record, cache):
    """The local copy of a package of an http(s) repo (a packages.json RECORD) in CACHE,
    downloaded unless a whole one is there, checked by size and checksum."""
    local = cache_path(cache_dir(cache, record["repo"]), record["location"], record["repo"])
    if os.path.isfile(local) and os.path.getsize(local) == record["size"]:
        if file_checksum(local, record["checksum_type"]) == record["checksum"]:
            return local
    download(record["path"], local, record["repo"])
    if os.path.getsize(local) != record["size"] or \
            file_checksum(local, record["checksum_type"]) != record["checksum"]:
        os.unlink(local)
        raise PunjiError("repo %s: %s does not match its repodata (size or %s checksum)"
                         % (record["repo"], record["path"], record["checksum_type"]))
    return local


@contextlib.contextmanager
def c_stderr_to_log():
    """Send what C code writes to stderr meanwhile (createrepo_c's GLib messages about a
    corrupt file, which its exception repeats) to the log, not the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode("utf-8", "replace").splitlines():
                log.info("createrepo_c: %s", line)


def one_line(exc):
    return " ".join(str(exc).split())


def repomd_records(path):
    """[(type, location href, (checksum type, checksum))] of each data record in repomd.xml PATH.
    Read with the standard library: createrepo_c's module costs a command ~25 ms to import."""
    return _records(ElementTree.parse(path).getroot())


def _records(root):
    """repomd_records() of the parsed repomd.xml ROOT."""
    records = []
    for data in root:
        if _local_name(data.tag) != "data":
            continue
        children = {_local_name(child.tag): child for child in data}
        location, checksum = children.get("location"), children.get("checksum")
        if location is None or not location.get("href"):
            raise ElementTree.ParseError("data %r has no location href" % data.get("type"))
        records.append((data.get("type"), location.get("href"),
                        (checksum.get("type"), (checksum.text or "").strip()) if checksum is not None else (None, None)))
    return records


def _location_bases(root):
    """{type: xml:base} of the data records of the parsed repomd.xml ROOT whose location has one."""
    found = {}
    for data in root:
        for child in data:
            if _local_name(child.tag) == "location" and child.get(XML_BASE):
                found[data.get("type")] = child.get(XML_BASE)
    return found


XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def _local_name(tag):
    return tag.rsplit("}", 1)[-1]


# what createrepo_c says when a callback raised, as a signal handler does in one
# (commands.cli turns SIGTERM into a KeyboardInterrupt carrying its number)
INTERRUPTED = "Parsing interrupted"


def _interruption(text):
    """The KeyboardInterrupt createrepo_c's parser turned into TEXT, with its signal number."""
    stop = KeyboardInterrupt()
    number = text.rsplit(":", 1)[-1].strip()
    if number.isdigit():
        stop.signum = int(number)
    return stop


# {path: (checksum type, checksum, size, mtime)} of the metadata files this process wrote, summed
# as they were written: a pool loading the repo just written (the package set's) need not read
# them again
WRITTEN_SUMS = {}


def written_here(path, checksum_type, checksum):
    """Metadata file PATH was written by this process, whose CHECKSUM_TYPE sum was CHECKSUM."""
    info = os.stat(path)
    WRITTEN_SUMS[path] = (checksum_type, checksum, info.st_size, info.st_mtime_ns)


def _written_so(path, checksum_type, checksum):
    """Whether PATH is a file written_here() with that checksum, of the same size and mtime since."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return WRITTEN_SUMS.get(path) == (checksum_type, checksum, info.st_size, info.st_mtime_ns)


# packages whose files or changelogs complete() reads from their own elements, not a whole file
FEW = 32


class Repo:
    """One repo's repodata: REPO is the path or URL, CACHE where remote files go."""

    def __init__(self, repo, cache):
        self.repo = repo
        self.cache = cache_dir(cache, repo)
        self._parsed = {}
        self._paths = {}
        if is_remote(repo):
            self.top = cache_dir(cache, repo)
            repomd = os.path.join(self.top, "repodata", "repomd.xml")
            download(join(repo, "repodata/repomd.xml"), repomd, repo)
        else:
            self.top = local_path(repo)
            if not os.path.isdir(self.top):
                what = "is a file, not a repository's directory" if os.path.exists(self.top) else "does not exist"
                raise PunjiError("repo %s: %s" % (repo, what))
            repomd = os.path.join(self.top, "repodata", "repomd.xml")
            if not os.path.isfile(repomd):
                raise PunjiError("repo %s: no repodata/repomd.xml (not a yum repository)" % repo)
        self.repomd = repomd
        self._verified = set()
        self.unreadable = set()  # kinds of metadata found corrupt, read from the packages instead
        self._completed = set()  # (id of a Package, metadata kind) complete() read
        try:
            root = ElementTree.parse(repomd).getroot()
            records = _records(root)
        except (ElementTree.ParseError, OSError) as exc:
            raise PunjiError("repo %s: corrupt repodata/repomd.xml: %s" % (repo, one_line(exc)))
        self.hrefs = {kind: href for kind, href, _checksum in records}
        self.checksums = {kind: checksum for kind, _href, checksum in records}
        self.bases = _location_bases(root)
        if "primary" not in self.hrefs:
            raise PunjiError("repo %s: repodata/repomd.xml lists no primary metadata" % repo)

    def metadata(self, kind, verify=False):
        """The local path of metadata KIND (primary, filelists, other, group...), or None. VERIFY:
        refuse a file whose checksum is not repomd.xml's (what reads the file itself asks it:
        a look at its size and mtime need not read it all)."""
        href = self.hrefs.get(kind)
        if href is None:
            return None
        # repomd.xml may place a file elsewhere (xml:base), as dnf reads it: a remote one is downloaded
        base = self.bases.get(kind)
        where = join(self.repo, href, base) if base else self.repo
        path = os.path.join(self.top, href)
        if is_remote(where):
            path = cache_path(cache_dir(self.cache, base) if base else self.top, href, self.repo)
        elif base:
            path = where
        if is_remote(where) and not (os.path.isfile(path) and self._matches(kind, path)):
            download(where if base else join(self.repo, href), path, self.repo)  # absent, or a stale copy
        if not os.path.isfile(path):
            raise PunjiError("repo %s: %s metadata %s is missing" % (self.repo, kind, href))
        if verify:
            self._verify(kind, path)
        if path.endswith(".zst"):
            path = self._unzstd(path)
        return path

    def _matches(self, kind, path):
        """Whether metadata file PATH has the checksum repomd.xml gives KIND (or it gives none)."""
        checksum_type, expected = self.checksums.get(kind, (None, None))
        if expected and path not in self._verified:
            if not _written_so(path, checksum_type.lower(), expected) and \
                    file_checksum(path, checksum_type.lower()) != expected:
                return False
            self._verified.add(path)
        return True

    def _verify(self, kind, path):
        """Refuse metadata PATH whose checksum is not the one repomd.xml gives it, as dnf does."""
        if not self._matches(kind, path):
            checksum_type, expected = self.checksums[kind]
            raise PunjiError("repo %s: %s metadata %s does not match its %s checksum in repodata/repomd.xml "
                             "(%s there, %s here)" % (self.repo, kind, self.hrefs[kind], checksum_type, expected,
                                                      file_checksum(path, checksum_type.lower())))

    def _unzstd(self, path):
        """A plain copy of zstd-compressed metadata (this createrepo_c cannot read zstd),
        made once in the repo's cache directory."""
        import subprocess

        target = os.path.join(self.cache, "unpacked", os.path.basename(path)[:-len(".zst")])
        if os.path.isfile(target):
            return target
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = "%s.%d.part" % (target, os.getpid())  # the package set's reach, in a child, may unpack it too
        try:
            done = subprocess.run(["zstd", "-q", "-d", "-f", "-o", tmp, path], stderr=subprocess.PIPE, text=True)
        except FileNotFoundError:
            raise PunjiError("repo %s: zstd is needed to read %s (package zstd)" % (self.repo, path))
        if done.returncode != 0:
            raise PunjiError("repo %s: corrupt metadata %s: %s" % (self.repo, os.path.basename(path),
                                                                  one_line(done.stderr) or "zstd failed"))
        os.replace(tmp, target)
        return target

    def comps(self):
        """The path of the repo's comps (group) metadata, or None."""
        for kind in ("group", "group_gz", "group_xz", "group_zst"):
            if kind in self.hrefs:
                return self.metadata(kind, verify=True)
        return None

    def packages(self, with_files=False, with_changelogs=False):
        """The repo's packages as createrepo_c Package objects (with their files, and their
        changelogs from the other metadata, when asked), parsed once per Repo object."""
        key = (with_files, with_changelogs)
        if key not in self._parsed:
            self._parsed[key] = self._parse(with_files, with_changelogs)
        return self._parsed[key]

    def _parse(self, with_files, with_changelogs):
        import createrepo_c

        found, by_id = [], {}

        def keep(pkg):
            found.append(pkg)
            by_id[pkg.pkgId] = pkg
            return True

        self._read([("primary", lambda p: createrepo_c.xml_parse_primary(p, pkgcb=keep, do_files=False))])
        self._read(self._details(by_id, with_files, with_changelogs))
        log.info("repo %s: %d packages", self.repo, len(found))
        return found

    def complete(self, packages, with_changelogs=False):
        """Read the files (and, WITH_CHANGELOGS, the changelogs) of those of PACKAGES that
        packages() gave without them: what their XML is written anew from (the rest of a
        package's XML is copied as the repo has it, xml_chunks)."""
        mine = {id(pkg) for (with_files, _changelogs), parsed in self._parsed.items() if not with_files
                for pkg in parsed}
        kinds = ["filelists"] + (["other"] if with_changelogs and "other" not in self.unreadable else [])
        for kind in kinds:
            # once a package's: createrepo_c's parser adds what it reads to what a package has
            wanted = {pkg.pkgId: pkg for pkg in packages if id(pkg) in mine and (id(pkg), kind) not in self._completed}
            if wanted:
                self._complete(kind, wanted)
                self._completed.update((id(pkg), kind) for pkg in wanted.values())

    def _complete(self, kind, wanted):
        """The metadata KIND (filelists, other) of the Packages WANTED ({pkgId: Package}) read."""
        if kind in self.unreadable:
            self._from_package_files(kind, wanted.values())
            return
        if len(wanted) <= FEW and self._complete_from_own_elements(kind, wanted):
            return
        (part,) = self._details(wanted, kind == "filelists", kind == "other")
        try:
            self._read([part])
        except CorruptMetadata as exc:
            self._give_up_on(kind, exc)
            self._from_package_files(kind, wanted.values())

    def _complete_from_own_elements(self, kind, wanted):
        """Whether the metadata KIND (filelists, other) of WANTED ({pkgId: Package}) was read
        from each one's own element of the file, found by its pkgid (once), rather than the
        whole file parsed: what a nightly's few new packages need. False (nothing read) when
        one is not found so, or its element cannot be parsed: the whole file is parsed then."""
        import createrepo_c

        from . import xml_chunks

        text = xml_chunks.plain_text(self.metadata(kind, verify=True))
        if text is None:
            return False
        elements = {pkg_id: xml_chunks.own_element(text, pkg_id) for pkg_id in wanted}
        if not all(elements.values()):
            return False
        parse = {"filelists": createrepo_c.xml_parse_filelists_snippet,
                 "other": createrepo_c.xml_parse_other_snippet}[kind]
        try:
            with c_stderr_to_log():
                for element in elements.values():  # each parsed aside first: none is half read
                    parse(element, newpkgcb=lambda _pkgid, _name, _arch: createrepo_c.Package())
                for pkg_id, element in elements.items():
                    parse(element, newpkgcb=lambda pkgid, _name, _arch, want=pkg_id: wanted[want] if pkgid == want else None)
        except (createrepo_c.CreaterepoCError, ValueError):
            return False
        log.info("repo %s: the %s of %d packages read from their own elements", self.repo, kind, len(wanted))
        return True

    def _give_up_on(self, kind, exc):
        """Pungi reads neither a repo's filelists nor its other metadata for the package set's
        repo (createrepo_c reads the packages), so a corrupt one is a warning, not a stop."""
        if is_remote(self.repo):
            raise exc
        self.unreadable.add(kind)
        warn(command_name(), "%s: %s" % (exc, "its packages' files are read from the packages instead"
                                          if kind == "filelists" else "the changelogs are read from the packages instead"))

    def _from_package_files(self, kind, packages):
        """The files of PACKAGES read from their RPM files, for the filelists of this repo that
        could not be parsed. The changelogs (other) are left to the caller: see repodata.build_repo."""
        if kind != "filelists":
            return
        import createrepo_c

        for pkg in packages:
            path = self.package_path(pkg)
            try:
                files = createrepo_c.package_from_rpm(path, createrepo_c.SHA256, pkg.location_href, None, 0).files
            except (createrepo_c.CreaterepoCError, OSError) as exc:
                raise PunjiError("repo %s: %s: %s" % (self.repo, path, one_line(exc)))
            pkg.files = files[::-1]  # the binding's setter prepends each: this keeps the header's order

    def _details(self, by_id, with_files, with_changelogs):
        """The parts of _read() filling the Packages BY_ID (pkgId) with their files, changelogs."""
        import createrepo_c

        def existing(pkgid, name, arch):
            return by_id.get(pkgid)

        parts = []
        if with_files:
            parts.append(("filelists", lambda p: createrepo_c.xml_parse_filelists(p, newpkgcb=existing)))
        if with_changelogs:
            parts.append(("other", lambda p: createrepo_c.xml_parse_other(p, newpkgcb=existing)))
        return parts

    def _read(self, parts):
        """Call each parse(path) of PARTS, [(metadata kind, parse)], on that metadata of the repo."""
        import createrepo_c

        for kind, parse in parts:
            path = self.metadata(kind, verify=True)
            if path is None:
                raise PunjiError("repo %s: repodata/repomd.xml lists no %s metadata" % (self.repo, kind))
            try:
                with c_stderr_to_log():
                    parse(path)
            except (createrepo_c.CreaterepoCError, OSError) as exc:
                if str(exc).startswith(INTERRUPTED):
                    raise _interruption(str(exc)) from None
                raise CorruptMetadata("repo %s: corrupt %s metadata %s: %s"
                                      % (self.repo, kind, self.hrefs[kind], one_line(exc)), kind)

    def package_path(self, pkg):
        """Where PKG's file is: a path for a local repo, a URL for a remote one."""
        key = (pkg.location_href, pkg.location_base)
        path = self._paths.get(key)
        if path is None:
            path = self._paths[key] = join(self.repo, *key)
        return path
