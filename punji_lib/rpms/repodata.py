"""Writing yum repodata with createrepo_c from package metadata already in memory."""

import functools
import os
import shutil

from ..compose import dirs, jsonio, state
from ..config.repo_refs import is_remote
from ..errors import PunjiError, low_space
from . import xml_chunks

KINDS = ("primary", "filelists")
WITH_CHANGELOGS = KINDS + ("other",)


def write_repo(repo_dir, packages, revision=0, earlier=(), changelogs=False, sources=()):
    """A yum repo in REPO_DIR over PACKAGES (see build_repo), built in a directory beside
    REPO_DIR, then renamed into place."""
    with dirs.replaced(repo_dir) as tmp:
        build_repo(tmp, packages, revision, earlier, changelogs, sources)


def build_repo(top, packages, revision=0, earlier=(), changelogs=False, sources=()):
    """A yum repo in the directory TOP over PACKAGES, [(file path or URL, createrepo_c
    Package)]: each package where it is, its xml:base the directory of its file (as Pungi's
    package set repo points at its packages: no link of tens of thousands of files per
    compose), the metadata written from the Package objects (see write_metadata for
    CHANGELOGS). A package's XML is copied from a repo of EARLIER written here (TOP/chunks.json
    says where it is) when it has the package: the same checksum, file time and location; else
    from the repos.Repo of SOURCES it was read from (see _source_chunks). Their locations are
    left as they were."""
    moved = [_location(path) for path, _pkg in packages]
    changelogs = changelogs and not _other_unreadable(sources)
    kinds = WITH_CHANGELOGS if changelogs else KINDS
    known = _known_chunks(earlier, kinds)
    keys = [(pkg.pkgId, pkg.time_file, base, href) for (_path, pkg), (href, base) in zip(packages, moved)]
    unknown = [pkg for (_path, pkg), key in zip(packages, keys) if key not in known]
    given, local = _source_chunks(sources, [pkg for _path, pkg in packages], unknown, kinds, changelogs)
    if changelogs and _other_unreadable(sources):  # found corrupt just now: createrepo reads the packages
        return build_repo(top, packages, revision, earlier, False, sources)
    # only the XML written here (not copied from an earlier repo) reads the packages' new locations
    written = [(pkg, location) for (_path, pkg), key, location in zip(packages, keys, moved) if key not in known]
    kept = [(pkg.location_href, pkg.location_base) for pkg, _new in written]
    try:
        for pkg, (href, base) in written:
            pkg.location_href, pkg.location_base = href, base
        write_metadata(top, [pkg for _path, pkg in packages], revision, known, changelogs, given, local, keys)
    finally:
        for (pkg, _new), (href, base) in zip(written, kept):
            pkg.location_href, pkg.location_base = href, base
    os.chmod(top, 0o755)


def _other_unreadable(sources):
    """Whether a repo of SOURCES has other metadata that could not be parsed: the package set's
    repo then has no changelogs, as when a repo has no other metadata."""
    return any("other" in getattr(source, "unreadable", ()) for source in sources)


def _location(path):
    """(href, xml:base) of the package file (or URL) PATH in a package set's repo."""
    if is_remote(path):
        where, href = path.rsplit("/", 1)
        return href, where + "/"
    where, slash, href = path.rpartition("/")
    if where.startswith("/") and href not in ("", ".", ".."):  # tens of thousands in a few directories
        return href, _file_base(where)
    where, href = os.path.split(os.path.abspath(path))
    return href, "file://" + where + "/"


@functools.lru_cache(maxsize=None)
def _file_base(directory):
    """The xml:base of the files in the absolute DIRECTORY."""
    return "file://" + os.path.abspath(directory) + "/"


# Indexing a repo's XML costs about as much as reading its packages whole and writing a
# quarter of them anew
WRITTEN_ANEW_SHARE = 4


def _source_chunks(sources, packages, unknown, kinds, changelogs):
    """(for each of PACKAGES, createrepo_c Packages read from SOURCES: None or the function
    returning its XML as its repo has it; whether that XML is as createrepo_c here writes it,
    see _as_dumped). When UNKNOWN, the packages an earlier repo has no XML of, are few, they
    are read whole (files, changelogs) to be written anew, and no repo is indexed; so are
    those the sources have no XML of to copy."""
    if not unknown:
        return (), True
    given, local = (), True
    if len(unknown) * WRITTEN_ANEW_SHARE > len(packages):
        copied = {}  # not kept: the sources' texts take as much memory as their parsed packages
        for source in sources:
            index = xml_chunks.index(source, kinds)
            local = local and _as_dumped(index, packages, kinds)
            copied.update(index)
        given = [copied.get((pkg.pkgId, pkg.location_href, pkg.location_base or "")) for pkg in packages]
        unknown = [pkg for pkg, chunk in zip(packages, given) if chunk is None]
    if unknown:
        for source in sources:
            source.complete(unknown, with_changelogs=changelogs)
    return given, local


def write_metadata(top, packages, revision=0, known=None, changelogs=False, given=(), local=True, keys=None):
    """TOP/repodata: primary and filelists (and other, with the packages' changelogs, when
    CHANGELOGS: the package set's repo then gives createrepo_c the metadata of the trees'
    packages, as Pungi's does) and repomd.xml for PACKAGES. The XML is not compressed (only
    solvers and createrepo_c read it), and a package's XML is copied from KNOWN (_known_chunks
    of earlier repos written here) when it has the package. GIVEN: for each package, None or
    the function returning its XML as the repo it was read from has it, copied with its
    location; LOCAL: whether that XML is as createrepo_c here writes it (see _as_dumped).
    createrepo_c writes the rest. KEYS: each package's _chunk_key, when known (then only the
    packages KNOWN does not have need their new locations set)."""
    import createrepo_c as cr

    kinds = WITH_CHANGELOGS if changelogs else KINDS
    dump = {"primary": cr.xml_dump_primary, "filelists": cr.xml_dump_filelists, "other": cr.xml_dump_other}
    repodata = os.path.join(top, "repodata")
    os.makedirs(repodata)
    known = known or {}
    paths = {kind: os.path.join(repodata, "%s.xml" % kind) for kind in kinds}
    ends = {kind: ends_of(kind, len(packages)) for kind in kinds}
    index = []
    files = {}
    offsets = [len(ends[kind][0]) for kind in kinds]
    try:
        for kind in kinds:
            files[kind] = _Summed(open(paths[kind], "wb"))
            files[kind].write(ends[kind][0])
        run = _Run(files, kinds)
        for pkg, source, key in zip(packages, given or [None] * len(packages), keys or map(_chunk_key, packages)):
            found = known.get(key)
            entry = list(key)
            if found:
                (earlier_texts, spans), was_local = found
                local = local and was_local
                run.add(earlier_texts, spans)
                lengths = spans[1::2]
            else:
                run.flush()
                if source:
                    texts = source()
                    texts[0] = xml_chunks.relocated(texts[0], pkg.location_href, pkg.location_base)
                else:
                    texts = [dump[kind](pkg).encode("utf-8") for kind in kinds]
                for kind, text in zip(kinds, texts):
                    files[kind].write(text)
                lengths = [len(text) for text in texts]
            for n, length in enumerate(lengths):
                entry += [offsets[n], length]
                offsets[n] += length
            index.append(entry)
        run.flush()
        for kind in kinds:
            files[kind].write(ends[kind][1])
    except cr.CreaterepoCError as exc:
        raise PunjiError("cannot write repodata in %s: %s%s" % (top, exc, low_space(top)))
    finally:
        for f in files.values():
            f.close()
    sums = {kind: f.sums() for kind, f in files.items()}
    paths = write_repomd(repodata, paths, revision, sums=sums)
    from .repos import written_here

    for kind in kinds:
        written_here(os.path.join(repodata, paths[kind]), "sha256", sums[kind][0])
    jsonio.write_json(os.path.join(top, CHUNKS), {"header": state.header("repodata-chunks"), "files": paths,
                                                  "packages": index, "local": local}, compact=True)


class _Summed:
    """A file written, with the sha256 and size of what was written (what createrepo_c's
    RepomdRecord.fill() would read the file again for)."""

    def __init__(self, f):
        import hashlib

        self.f, self.digest, self.size = f, hashlib.sha256(), 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        self.f.write(data)

    def close(self):
        self.f.close()

    def sums(self):
        """write_repomd's SUMS of a file not compressed: (checksum, size)."""
        return self.digest.hexdigest(), self.size


class _Run:
    """Packages' XML copied from an earlier repo written here, written a run at a time: the chunks
    of packages that follow each other there as here (a nightly's package set repo, which has the
    last one's packages but a few) are one slice and one write per file, not one per package."""

    def __init__(self, files, kinds):
        self.files, self.kinds = files, kinds
        self.texts, self.starts, self.ends = None, None, None

    def add(self, texts, spans):
        """The chunk at SPANS ([offset, length] of each kind) of the earlier repo's TEXTS."""
        starts = spans[::2]
        if texts is not self.texts or starts != self.ends:
            self.flush()
            self.texts, self.starts = texts, starts
        self.ends = [at + length for at, length in zip(starts, spans[1::2])]

    def flush(self):
        if self.texts is not None:
            for n, kind in enumerate(self.kinds):
                self.files[kind].write(self.texts[n][self.starts[n]:self.ends[n]])
        self.texts = None


def write_comps_repo(repo_dir, comps, checksum="sha256"):
    """A yum repo of no packages in REPO_DIR with COMPS as its group file (Pungi's comps repo of
    a variant: `createrepo_c --groupfile`), its revision the comps file's time."""
    with dirs.replaced(repo_dir) as tmp:
        repodata = os.path.join(tmp, "repodata")
        os.makedirs(repodata)
        paths = {}
        for kind in WITH_CHANGELOGS:
            paths[kind] = os.path.join(repodata, "%s.xml" % kind)
            with open(paths[kind], "wb") as f:
                f.write(b"".join(ends_of(kind, 0)))
        paths["group"] = os.path.join(repodata, "comps.xml")
        shutil.copyfile(comps, paths["group"])
        write_repomd(repodata, paths, int(os.path.getmtime(comps)), checksum, group_gz=True)
        os.chmod(tmp, 0o755)


def write_repomd(repodata, paths, revision, checksum="sha256", group_gz=False, sums=None):
    """REPODATA/repomd.xml over the metadata files PATHS, {kind: path}, each renamed to carry
    its CHECKSUM, with its timestamp and mtime REVISION; with GROUP_GZ the "group" file
    compressed beside it as createrepo_c does. SUMS: {kind: (checksum, size, checksum and size
    uncompressed)} of files whose caller knows them (createrepo_c would read them again).
    Returns {kind: its new file name}."""
    import createrepo_c as cr

    try:
        return _write_repomd(cr, repodata, paths, revision, checksum, group_gz, sums)
    except cr.CreaterepoCError as exc:  # its metadata files compressed or read: a full disk, most often
        raise PunjiError("cannot write repodata in %s: %s%s" % (repodata, exc, low_space(repodata)))


def _write_repomd(cr, repodata, paths, revision, checksum, group_gz, sums):
    repomd = cr.Repomd()
    repomd.set_revision(str(revision))
    names = {}
    kind_of_checksum = cr.checksum_type(checksum)
    for kind, path in paths.items():
        records = [cr.RepomdRecord(kind, path)]
        if kind in (sums or {}):
            _set_sums(records[0], checksum, *sums[kind])
        else:
            records[0].fill(kind_of_checksum)
        if kind == "group" and group_gz:
            records.append(records[0].compress_and_fill(kind_of_checksum, cr.GZ_COMPRESSION))
        for record in records:
            record.set_timestamp(int(revision))
            record.rename_file()
            repomd.set_record(record)
            names[record.type] = os.path.basename(record.location_href)
    repomd.sort_records()
    with open(os.path.join(repodata, "repomd.xml"), "w", encoding="utf-8") as f:
        f.write(repomd.xml_dump())
    return names


def _set_sums(record, checksum, digest, size, *open_sums):
    """What RepomdRecord.fill() would put into RECORD of a compressed file (OPEN_SUMS: its
    checksum and size uncompressed) or of a file not compressed (no OPEN_SUMS)."""
    record.checksum, record.checksum_type, record.size = digest, checksum, size
    if open_sums:
        open_digest, open_size = open_sums
        record.checksum_open, record.checksum_open_type, record.size_open = open_digest, checksum, open_size


def write_relocated(top, earlier, hrefs):
    """TOP/repodata over the packages HREFS, {checksum (pkgId): location}, that the repos
    EARLIER written here hold (with other metadata too), each's XML copied from there with
    that location and no xml:base: createrepo_c takes a package's metadata from a repo given
    to --update-md-path only where the location is the one the package has in the repo it
    writes. Returns how many it held."""
    wanted, found = dict(hrefs), []
    for texts, entries, _local in indexes(earlier, WITH_CHANGELOGS):
        for entry in entries:
            href = wanted.pop(entry[0], None)
            if href is not None and spans_fit(texts, entry[4:]):
                found.append((href, slices(texts, entry[4:])))
    parts = {kind: [ends_of(kind, len(found))] for kind in WITH_CHANGELOGS}
    for href, (primary, filelists, other) in found:
        parts["primary"].append(xml_chunks.relocated(primary, href, None))
        parts["filelists"].append(filelists)
        parts["other"].append(other)
    repodata = os.path.join(top, "repodata")
    os.makedirs(repodata)
    paths = {}
    for kind, (ends, *chunks) in parts.items():
        paths[kind] = os.path.join(repodata, "%s.xml" % kind)
        with open(paths[kind], "wb") as f:
            f.write(b"".join([ends[0]] + chunks + [ends[1]]))
    write_repomd(repodata, paths, 0)
    return len(found)


CHUNKS = "chunks.json"  # beside repodata/: where each package's XML is in its primary and filelists


def _chunk_key(pkg):
    """What a package's XML is made from besides its file's content (its checksum)."""
    return pkg.pkgId, pkg.time_file, pkg.location_base or "", pkg.location_href


def ends_of(kind, count):
    """(header, footer) bytes of createrepo_c's KIND XML file of COUNT packages."""
    head, foot = _empty_ends(kind)
    return head.replace(b'packages="0"', b'packages="%d"' % count, 1), foot


@functools.lru_cache(maxsize=None)
def _empty_ends(kind):
    import tempfile

    import createrepo_c as cr

    with tempfile.TemporaryDirectory(prefix="punji-xml-") as tmp:
        path = os.path.join(tmp, "empty.xml")
        xml = {"primary": cr.PrimaryXmlFile, "filelists": cr.FilelistsXmlFile,
               "other": cr.OtherXmlFile}[kind](path, cr.NO_COMPRESSION)
        xml.set_num_of_pkgs(0)
        xml.close()
        with open(path, "rb") as f:
            text = f.read()
    if b'packages="0"' not in text:
        raise PunjiError("createrepo_c writes no package count into %s metadata" % kind)
    cut = text.rindex(b"</")
    return text[:cut], text[cut:]


def _as_dumped(index, packages, kinds, sample=16):
    """Whether the XML of INDEX (xml_chunks.index) is what createrepo_c here writes of the
    same packages, judged on up to SAMPLE of PACKAGES (createrepo_c Packages as read, their
    locations as there): each read again from its XML alone and written back. A repo written
    by another version of createrepo_c may differ in form, which a tree's repodata must not
    copy (tree_repodata)."""
    listed = [index.get((pkg.pkgId, pkg.location_href, pkg.location_base or "")) for pkg in packages]
    listed = [texts for texts in listed if texts]
    step = max(1, len(listed) // sample)
    return all(_written_back(chunks, kinds) == chunks for chunks in (texts() for texts in listed[::step][:sample]))


def _written_back(texts, kinds):
    """The XML of each of KINDS createrepo_c writes of the one package whose XML TEXTS are."""
    import createrepo_c as cr

    from .repos import c_stderr_to_log

    found = []
    try:
        with c_stderr_to_log():
            _read_back(texts, kinds, found)
    except (cr.CreaterepoCError, UnicodeDecodeError):
        return None
    if len(found) != 1:
        return None
    dump = {"primary": cr.xml_dump_primary, "filelists": cr.xml_dump_filelists, "other": cr.xml_dump_other}
    return [dump[kind](found[0]).encode("utf-8") for kind in kinds]


def _read_back(texts, kinds, found):
    """The Package of XML TEXTS (of KINDS) appended to FOUND."""
    import createrepo_c as cr

    cr.xml_parse_primary_snippet(texts[0].decode("utf-8"), pkgcb=lambda pkg: found.append(pkg) or True,
                                 do_files=False)
    parse = {"filelists": cr.xml_parse_filelists_snippet, "other": cr.xml_parse_other_snippet}
    for kind, text in zip(kinds[1:], texts[1:]):
        parse[kind](text.decode("utf-8"), newpkgcb=lambda _pkgid, _name, _arch: found[0] if found else None)


def _known_chunks(earlier, kinds):
    """{chunk key: ((the texts of that repo's KINDS files, the package's [offset, length] in
    each), whether it is as createrepo_c here writes it)} of the repos EARLIER (see indexes)."""
    known = {}
    for texts, entries, local in indexes(earlier, kinds):
        fits = _fitting(texts)
        for entry in entries:
            key, spans = tuple(entry[:4]), entry[4:]
            if fits(spans) and key not in known:
                known[key] = ((texts, spans), local)
    return known


def _fitting(texts):
    """spans_fit(TEXTS, spans) as a function of spans, for the tens of thousands of a repo."""
    sizes = [len(text) for text in texts]
    if len(sizes) == 2:
        first, second = sizes
        return lambda s: len(s) == 4 and s[0] + s[1] <= first and s[2] + s[3] <= second
    if len(sizes) == 3:
        first, second, third = sizes
        return lambda s: len(s) == 6 and s[0] + s[1] <= first and s[2] + s[3] <= second and s[4] + s[5] <= third
    return lambda spans: spans_fit(texts, spans)


def indexes(earlier, kinds):
    """(the texts of its KINDS files, its chunks.json entries, whether its XML is as
    createrepo_c here writes it) of each repo of EARLIER (directories; one without a readable
    chunks.json or with other kinds of metadata gives nothing)."""
    for top in earlier:
        try:
            index = jsonio.read_json(os.path.join(top, CHUNKS))
            if sorted(index["files"]) != sorted(kinds):
                continue
            texts = [mapped_file(os.path.join(top, "repodata", index["files"][kind])) for kind in kinds]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        yield texts, index["packages"], index.get("local") is True


def mapped_file(path):
    """The bytes of file PATH, mapped: what is sliced out of them is read, and the pages are the
    page cache's, shared by the commands that map the same package set repo at once."""
    import mmap

    with open(path, "rb") as f:
        if not os.fstat(f.fileno()).st_size:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def spans_fit(texts, spans):
    """Whether SPANS, [offset, length] of each text, lie within TEXTS (a chunks.json entry
    whose files differ from what it says gives nothing)."""
    return len(spans) == 2 * len(texts) and all(at + length <= len(text) for text, at, length
                                                in zip(texts, spans[::2], spans[1::2]))


def slices(texts, spans):
    return [text[at:at + length] for text, at, length in zip(texts, spans[::2], spans[1::2])]
