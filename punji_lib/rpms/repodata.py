"""Writing yum repodata with createrepo_c from package metadata already in memory."""

import functools
import os
import shutil

from ..compose import dirs, jsonio, state
from ..config.repo_refs import is_remote
from ..errors import PunjiError

# no other.xml (changelogs): the package set's repo is read by solvers and installers only
KINDS = ("primary", "filelists")


def write_repo(repo_dir, packages, revision=0, earlier=()):
    """A yum repo in REPO_DIR over PACKAGES, [(file path or URL, createrepo_c Package)]: each
    package where it is, its xml:base the directory of its file (as Pungi's package set repo
    points at its packages: no link of tens of thousands of files per compose), the metadata
    written from the Package objects (see write_metadata for EARLIER). Built in a directory
    beside REPO_DIR, then renamed into place."""
    tmp = dirs.aside(repo_dir)
    try:
        for path, pkg in packages:
            where, pkg.location_href = path.rsplit("/", 1) if is_remote(path) else os.path.split(os.path.abspath(path))
            pkg.location_base = (where if is_remote(path) else "file://" + where) + "/"
        write_metadata(tmp, [pkg for _path, pkg in packages], revision, earlier)
        os.chmod(tmp, 0o755)
        dirs.swap(tmp, repo_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_metadata(top, packages, revision=0, earlier=()):
    """TOP/repodata: primary and filelists and repomd.xml for PACKAGES. The XML is not
    compressed (only solvers read it), and a package's XML is copied from a repo of EARLIER
    written here (TOP/chunks.json says where it is) when it has the package: the same
    checksum, file time and location. createrepo_c writes the rest."""
    import createrepo_c as cr

    repodata = os.path.join(top, "repodata")
    os.makedirs(repodata)
    known = _known_chunks(earlier)
    paths = {kind: os.path.join(repodata, "%s.xml" % kind) for kind in KINDS}
    ends = {kind: _ends(kind, len(packages)) for kind in KINDS}
    index = []
    try:
        with open(paths["primary"], "wb") as primary, open(paths["filelists"], "wb") as filelists:
            primary.write(ends["primary"][0])
            filelists.write(ends["filelists"][0])
            for pkg in packages:
                key = _chunk_key(pkg)
                texts = known.get(key)
                texts = texts() if texts else (cr.xml_dump_primary(pkg).encode("utf-8"),
                                               cr.xml_dump_filelists(pkg).encode("utf-8"))
                index.append(list(key) + [primary.tell(), len(texts[0]), filelists.tell(), len(texts[1])])
                primary.write(texts[0])
                filelists.write(texts[1])
            primary.write(ends["primary"][1])
            filelists.write(ends["filelists"][1])
    except cr.CreaterepoCError as exc:
        raise PunjiError("cannot write repodata in %s: %s" % (top, exc))
    repomd = cr.Repomd()
    repomd.set_revision(str(revision))
    for kind in KINDS:
        record = cr.RepomdRecord(kind, paths[kind])
        record.fill(cr.SHA256)
        record.set_timestamp(int(revision))
        record.rename_file()
        repomd.set_record(record)
        paths[kind] = os.path.basename(record.location_href)
    repomd.sort_records()
    with open(os.path.join(repodata, "repomd.xml"), "w", encoding="utf-8") as f:
        f.write(repomd.xml_dump())
    jsonio.write_json(os.path.join(top, CHUNKS), {"header": state.header("repodata-chunks"), "files": paths,
                                                  "packages": index}, compact=True)


CHUNKS = "chunks.json"  # beside repodata/: where each package's XML is in its primary and filelists


def _chunk_key(pkg):
    """What a package's XML is made from besides its file's content (its checksum)."""
    return pkg.pkgId, pkg.time_file, pkg.location_base or "", pkg.location_href


def _ends(kind, count):
    """(header, footer) bytes of createrepo_c's KIND XML file of COUNT packages."""
    import tempfile

    import createrepo_c as cr

    with tempfile.TemporaryDirectory(prefix="punji-xml-") as tmp:
        path = os.path.join(tmp, "empty.xml")
        xml = {"primary": cr.PrimaryXmlFile, "filelists": cr.FilelistsXmlFile}[kind](path, cr.NO_COMPRESSION)
        xml.set_num_of_pkgs(count)
        xml.close()
        with open(path, "rb") as f:
            text = f.read()
    cut = text.rindex(b"</")
    return text[:cut], text[cut:]


def _known_chunks(earlier):
    """{chunk key: function returning (primary XML, filelists XML) of the package} of the
    repos EARLIER (directories; one without a readable chunks.json, or whose files differ
    from what it says, gives nothing)."""
    known = {}
    for top in earlier:
        try:
            index = jsonio.read_json(os.path.join(top, CHUNKS))
            texts = {}
            for kind in KINDS:
                with open(os.path.join(top, "repodata", index["files"][kind]), "rb") as f:
                    texts[kind] = f.read()
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for entry in index["packages"]:
            key, (p_at, p_len, f_at, f_len) = tuple(entry[:4]), entry[4:]
            if p_at + p_len <= len(texts["primary"]) and f_at + f_len <= len(texts["filelists"]):
                known.setdefault(key, functools.partial(_slices, texts, p_at, p_len, f_at, f_len))
    return known


def _slices(texts, p_at, p_len, f_at, f_len):
    return texts["primary"][p_at:p_at + p_len], texts["filelists"][f_at:f_at + f_len]
