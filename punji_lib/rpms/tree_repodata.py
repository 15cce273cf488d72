"""A tree's repodata written from the XML the package set repos hold of its packages: what
createrepo_c writes when it takes every package's metadata from a repo given to
--update-md-path, without its reading that metadata or any package again (several times
faster on a big tree).

It applies only where createrepo_c would take every package's metadata so (the file's size
and mtime those of the metadata, the same checksum type), where that XML is as this
createrepo_c writes it (the package set repo's chunks.json says so), and where no option asks
for more than the XML and the group file (sqlite databases, xz, extra arguments); otherwise
createrepo_c writes the repodata."""

import hashlib
import os
import re
import shutil
import zlib
from concurrent.futures import ThreadPoolExecutor

from ..compose import dirs
from . import repodata, xml_chunks

SIZE, TIME = re.compile(rb'<size package="(\d+)"'), re.compile(rb'<time file="(\d+)"')
CHECKSUM_TYPE = re.compile(rb'<checksum type="([^"]+)" pkgid="YES"')
GZIP_LEVEL = 6  # createrepo_c's: the same bytes as its own files


def applies(conf):
    """Whether the createrepo options CONF ask for nothing but what write() makes."""
    return not (conf.get("createrepo_database") or conf.get("createrepo_use_xz") or conf.get("createrepo_extra_args"))


def write(path, files, sources, checksum, comps=None, revision=0):
    """PATH/repodata over FILES, [(location under PATH, checksum)], from the package set repos
    SOURCES, with the group file COMPS and the REVISION createrepo_c is given; False, writing
    nothing, when createrepo_c would not take some package's metadata from those repos."""
    entries = _entries(path, files, _chunks(sources, {pkg_id for _href, pkg_id in files}), checksum)
    if entries is None:
        return False
    target = os.path.join(path, "repodata")
    with dirs.replaced(target) as top:
        names = {kind: os.path.join(top, "%s.xml.gz" % kind) for kind in repodata.WITH_CHANGELOGS}
        parts = {kind: _parts(n, kind, entries) for n, kind in enumerate(names)}
        with ThreadPoolExecutor(len(names)) as pool:  # zlib and hashlib let the other threads run
            sums = dict(zip(names, pool.map(lambda kind: _compressed(names[kind], parts[kind], revision, checksum),
                                            names)))
        if comps:
            names["group"] = os.path.join(top, os.path.basename(comps))
            shutil.copyfile(comps, names["group"])
        repodata.write_repomd(top, names, revision, checksum, group_gz=bool(comps), sums=sums)
        os.chmod(top, 0o755)
    return True


def _chunks(sources, wanted):
    """{checksum: (the texts of the primary, filelists and other XML it is in, [offset, length]
    in each)} of the packages WANTED (checksums) in the package set repos SOURCES whose XML is
    as this createrepo_c writes it (the first repo holding a package wins)."""
    found = {}
    for texts, entries, local in repodata.indexes(sources, repodata.WITH_CHANGELOGS):
        if not local:
            continue
        views = [memoryview(text) for text in texts]  # slices without a copy
        for entry in entries:
            if entry[0] in wanted and entry[0] not in found and repodata.spans_fit(texts, entry[4:]):
                found[entry[0]] = (views, entry[4:])
    return found


def _entries(path, files, chunks, checksum):
    """[(location, the texts its XML is in, spans)] of FILES in createrepo_c's order (by file
    name), or None when a package has no XML that createrepo_c would take for its file under PATH."""
    entries = []
    for href, pkg_id in files:
        found = chunks.get(pkg_id)
        if found is None or not _takes(os.path.join(path, href), _slice(*found, 0), checksum):
            return None
        entries.append((href,) + found)
    names = [os.path.basename(href) for href, _texts, _spans in entries]
    if len(set(names)) != len(names):  # createrepo_c's order among them is its own
        return None
    return [entry for _name, entry in sorted(zip(names, entries), key=lambda pair: pair[0].encode("utf-8"))]


def _slice(views, spans, n):
    """The Nth text's span of SPANS, a view of VIEWS[N]."""
    return views[n][spans[2 * n]:spans[2 * n] + spans[2 * n + 1]]


def _parts(n, kind, entries):
    """The XML of KIND (the Nth of primary, filelists and other) over ENTRIES, in pieces (views
    of the package set's files but for each package's primary XML, with its location in the tree)."""
    head, foot = repodata.ends_of(kind, len(entries))
    if n == 0:
        texts = [xml_chunks.relocated(bytes(_slice(views, spans, 0)), href, None) for href, views, spans in entries]
    else:
        texts = [_slice(views, spans, n) for _href, views, spans in entries]
    return [head] + texts + [foot]


def _takes(path, primary, checksum):
    """Whether createrepo_c takes the metadata PRIMARY for the file PATH: its size and mtime
    are those the metadata has, and so is the checksum type."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    size, mtime, kind = SIZE.search(primary), TIME.search(primary), CHECKSUM_TYPE.search(primary)
    return bool(size and mtime and kind) and int(size.group(1)) == st.st_size and \
        int(mtime.group(1)) == int(st.st_mtime) and bytes(kind.group(1)).decode() == checksum


BATCH = 1 << 20  # bytes of XML compressed and summed at a time (the GIL is let go for each)


def _compressed(path, parts, revision, checksum):
    """PATH: PARTS, compressed as createrepo_c does (the bytes of gzip at its level, no time in
    the header) a batch at a time, its mtime REVISION; (its CHECKSUM and size, and those of the
    text) for repomd.xml."""
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    text_sum, packed_sum = hashlib.new(checksum), hashlib.new(checksum)
    sizes = [0, 0]
    with open(path, "wb") as f:
        def write(packed):
            packed_sum.update(packed)
            sizes[1] += len(packed)
            f.write(packed)

        for text in _batches(parts):
            text_sum.update(text)
            sizes[0] += len(text)
            write(packer.compress(text))
        write(packer.flush())
    os.utime(path, (revision, revision))
    return packed_sum.hexdigest(), sizes[1], text_sum.hexdigest(), sizes[0]


def _batches(parts):
    """PARTS joined into pieces of BATCH bytes or so."""
    batch, size = [], 0
    for part in parts:
        batch.append(part)
        size += len(part)
        if size >= BATCH:
            yield b"".join(batch)
            batch, size = [], 0
    yield b"".join(batch)
