"""imagechecksum: the checksums of every image in compose/metadata/images.json.

Each image file is read once, in large blocks, and every algorithm of
media_checksums is fed from the same buffers, each in its own thread (hashlib
releases the GIL on large updates, so md5, sha1 and sha256 run on separate
cores while the next block is read). An image listed more than once (a source
ISO under every binary arch) is read once.

The checksum files are Pungi's, in the BSD tagged format that
`sha256sum -c`, `md5sum -c` and `cksum -c` read, each entry after a comment
with the image's size (its images.json record's, as in Pungi):

    # PDL-1-Server-x86_64-dvd1.iso: 1234567 bytes
    SHA256 (PDL-1-Server-x86_64-dvd1.iso) = 6a2f...

* media_checksum_one_file = False (default): per image `<image>.<ALG>SUM`
  (that image alone) and per directory `<base><ALG>SUM` (every image of the
  directory), one file per algorithm: MD5SUM, SHA1SUM, SHA256SUM.
* media_checksum_one_file = True: per directory one `<base>CHECKSUM`. As in
  Pungi this needs exactly one algorithm in media_checksums; anything else is
  an error naming both options.

`<base>` is empty, or media_checksum_base_filename formatted with Pungi's keys
(both %(key)s and {key} work) followed by "-": compose_id, release_short,
version, date, respin, type, type_suffix, label, label_major_version (a compose
without a label formats them as "None", as Pungi does), variant, arch (the
binary arch an image is listed under) and, with media_checksum_one_file, dirname
(the name of the image's directory).

The checksums replace the records' "checksums" in images.json, which is then
validated and written by productmd (atomically), as Pungi 4.3.2 writes it: two
records alike in every attribute productmd keeps unique get in (Pungi adds its
images before they have checksums), and punji-test fails reading the file back,
as Pungi's test phase does. A checksum file an earlier run
wrote and this one does not (the option changed, an image went away) is
removed. No images.json, or one without images, is nothing to do.

A rerun (createiso's images.json is rewritten whenever any tree's images are)
reads again only the images that changed: the state file keeps each image's
size, mtime (ns) and inode with its digests, and an image whose file still has
all three keeps its digests.
"""

import hashlib
import os
import time

from ..compose import jsonio, layout, reuse, state
from ..errors import PunjiError
from ..log import log
from ..media.image_digests import file_digests

PHASE = "imagechecksum"


def check_algorithms(algorithms, one_file):
    """The media_checksums names, checked: hashlib knows them, and one_file has just one."""
    if not algorithms:
        raise PunjiError("option 'media_checksums' is empty: name at least one checksum type, e.g. ['sha256']")
    for name in algorithms:
        try:
            h = hashlib.new(name)
        except (ValueError, TypeError):
            raise PunjiError("option 'media_checksums': %r is not a checksum type hashlib knows (e.g. md5, sha1, sha256)" % name)
        if h.digest_size == 0:  # shake_*: no fixed length
            raise PunjiError("option 'media_checksums': %r has no fixed digest length" % name)
    if len(set(algorithms)) != len(algorithms):
        raise PunjiError("option 'media_checksums' names a checksum type twice: %s" % ", ".join(algorithms))
    if one_file and len(algorithms) != 1:
        raise PunjiError("option 'media_checksum_one_file' needs exactly one type in 'media_checksums', which has %d: %s"
                         % (len(algorithms), ", ".join(algorithms)))


# -- names ---------------------------------------------------------------------------------


def format_keys(topdir):
    """Pungi's format substitutions for this compose (without variant, arch, dirname)."""
    from ..media import naming

    return naming.substitutions(jsonio.read_json(layout.at(topdir, layout.config_json())), topdir)


def base_filename(template, keys):
    """media_checksum_base_filename with KEYS substituted, plus '-'; '' when unset."""
    if not template:
        return ""
    try:
        name = (template % keys).format(**keys)
    except KeyError as exc:
        raise PunjiError("option 'media_checksum_base_filename': unknown key %s in %r (known: %s)"
                         % (exc, template, ", ".join(sorted(keys))))
    except (ValueError, TypeError, IndexError) as exc:
        raise PunjiError("option 'media_checksum_base_filename': %r: %s" % (template, exc))
    if "/" in name:
        raise PunjiError("option 'media_checksum_base_filename': %r gives %r, which is no file name" % (template, name))
    return name + "-"


def checksum_text(entries):
    """The text of one checksum file: ENTRIES are (file name, size, algorithm, hex digest)."""
    lines = []
    for name, size, algorithm, digest in sorted(entries):
        lines.append("# %s: %d bytes\n" % (name, size))
        lines.append("%s (%s) = %s\n" % (algorithm.upper(), name, digest))
    return "".join(lines)


# -- the phase -----------------------------------------------------------------------------


def _previous(topdir):
    """The last run's state (files written, digests by image), or {}."""
    try:
        return jsonio.read_json(layout.at(topdir, layout.state_file(PHASE)))
    except (FileNotFoundError, ValueError):
        return {}


def _identity(stamp):
    return "file %(inode)d %(size)d %(mtime_ns)d" % stamp


def _stamp(path):
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _digests(path, rel, algorithms, known, record):
    """(digests, stamp, bytes read) of the image at PATH; KNOWN digests (the last run's by
    image path, the old compose's too by file identity) stand while the file is unchanged:
    an image taken over from the old compose is the same file (inode). So do those the
    phase that wrote the image put in its RECORD while the file has the record's size and mtime."""
    stamp = _stamp(path)
    old = known.get(rel)
    if not (old and old["stamp"] == stamp):
        old = known.get(_identity(stamp))
    if old and old["stamp"] == stamp and all(a in old["checksums"] for a in algorithms):
        log.info("compose/%s is unchanged since the last run: its checksums stand", rel)
        return {a: old["checksums"][a] for a in algorithms}, stamp, 0
    written = record.get("checksums") or {}
    if (record.get("size"), record.get("mtime")) == (stamp["size"], stamp["mtime_ns"] // 10**9) and \
            all(a in written for a in algorithms):
        log.info("compose/%s: checksums taken when it was written", rel)
        return {a: written[a] for a in algorithms}, stamp, 0
    t0 = time.monotonic()
    digests, size = file_digests(path, algorithms)
    log.info("checksummed compose/%s: %d bytes in %.2f s", rel, size, time.monotonic() - t0)
    if _stamp(path) != stamp or size != stamp["size"]:
        raise PunjiError("compose/%s changed while it was being checksummed" % rel)
    return digests, stamp, size


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    algorithms = list(conf.get("media_checksums") or [])
    one_file = bool(conf.get("media_checksum_one_file"))
    check_algorithms(algorithms, one_file)
    images_path = layout.at(topdir, _images_list(topdir))
    last = _previous(topdir)
    previous, known = last.get("files", []), _known_digests(topdir, last)

    data = jsonio.read_json(images_path) if os.path.exists(images_path) else None
    by_variant = (data or {}).get("payload", {}).get("images", {})
    records = [(v, a, rec) for v in sorted(by_variant) for a in sorted(by_variant[v]) for rec in by_variant[v][a]]
    if not records:
        log.info("no images in %s: nothing to checksum", layout.images_json())
        _remove_stale(topdir, previous, set())
        state.write(topdir, PHASE, images=0, algorithms=algorithms, files=[], digests={})
        return

    template = conf.get("media_checksum_base_filename") or ""
    keys = format_keys(topdir) if template else {}
    compose_dir = layout.at(topdir, "compose")
    done = {}  # compose-relative image path -> (digests, stamp)
    files = {}  # checksum file path (compose-relative) -> set of entries
    phase_sums = _written_checksums(records)
    started, total = time.monotonic(), 0  # bytes read
    for uid, arch, record in records:
        rel = _image_path(record, uid, arch)
        path = os.path.join(compose_dir, rel)
        if rel not in done:
            if not os.path.isfile(path):
                raise PunjiError("%s: image compose/%s is listed but missing" % (layout.images_json(), rel))
            digests, stamp, read = _digests(path, rel, algorithms, known, dict(record, checksums=phase_sums[rel]))
            done[rel] = (digests, stamp)
            total += read
        digests, stamp = done[rel]
        size = record.get("size") or stamp["size"]  # Pungi's: the record's (two images at one path: two sizes)
        record["checksums"] = dict(digests)
        sub = dict(keys, variant=uid, arch=arch)
        for checksum_file, entry in _entries(rel, size, digests, algorithms, one_file, template, sub):
            files.setdefault(checksum_file, set()).add(entry)

    text = _images_text(data)
    written = set()
    for rel in sorted(files):
        jsonio.write_text_if_changed(os.path.join(compose_dir, rel), checksum_text(files[rel]))
        written.add("compose/" + rel)
    jsonio.write_text_if_changed(images_path, text)
    _remove_stale(topdir, previous, written)
    seconds = time.monotonic() - started
    log.info("%d images, %d bytes read for %s: %.2f s (%.0f MB/s)", len(done), total, ", ".join(algorithms), seconds,
             total / 1e6 / seconds if seconds else 0)
    state.write(topdir, PHASE, images=len(done), algorithms=algorithms, files=sorted(written),
                digests={rel: {"checksums": d, "stamp": stamp} for rel, (d, stamp) in sorted(done.items())})


def _known_digests(topdir, last):
    """{image path, or file identity: digests entry} of the images checksummed by the LAST run of the
    phase, and by the old compose's (by identity)."""
    known = dict(last.get("digests", {}))
    old_compose = reuse.old_compose(topdir)
    for entry in list(_previous(old_compose).get("digests", {}).values()) if old_compose else []:
        known.setdefault(_identity(entry["stamp"]), entry)
    return known


def _entries(rel, size, digests, algorithms, one_file, template, sub):
    """[(checksum file, (name, size, algorithm, digest))] of image REL: with ONE_FILE, one
    entry in its directory's CHECKSUM file; else per algorithm one in <name>.<ALG>SUM and one in
    <base><ALG>SUM (TEMPLATE, SUB: media_checksum_base_filename and its keys)."""
    directory, name = os.path.split(rel)
    if one_file:
        algorithm = algorithms[0]
        target = base_filename(template, dict(sub, dirname=os.path.basename(directory))) + "CHECKSUM"
        return [(os.path.join(directory, target), (name, size, algorithm, digests[algorithm]))]
    base = base_filename(template, sub)
    found = []
    for algorithm in algorithms:
        entry = (name, size, algorithm, digests[algorithm])
        found.append((os.path.join(directory, "%s.%sSUM" % (name, algorithm.upper())), entry))
        found.append((os.path.join(directory, "%s%sSUM" % (base, algorithm.upper())), entry))
    return found


def _written_checksums(records):
    """{compose-relative path: the checksums the phases put in its records}, {} where records
    of one path disagree: an extra ISO that overwrote createiso's image of the same name
    (fuzz-compose seed 22005) may have its size and mtime, never its checksums."""
    found = {}
    for uid, arch, record in records:
        found.setdefault(_image_path(record, uid, arch), []).append(record.get("checksums") or {})
    return {rel: sums[0] if all(s == sums[0] for s in sums) else {} for rel, sums in found.items()}


def _images_list(topdir):
    """Where punji-createiso --assemble listed the images: images.json, or its work file when
    Pungi writes no images.json."""
    path = layout.at(topdir, layout.state_file("createiso"))
    unlisted = os.path.isfile(path) and jsonio.read_json(path).get("result") == layout.unlisted_images_json()
    return layout.unlisted_images_json() if unlisted else layout.images_json()


def _image_path(record, uid, arch):
    """The compose-relative path of an images.json record, checked to stay inside compose/."""
    path = record.get("path") if isinstance(record, dict) else None
    if not isinstance(path, str) or not path:
        raise PunjiError("%s: an image of %s.%s has no path" % (layout.images_json(), uid, arch))
    rel = os.path.normpath(path)
    if os.path.isabs(rel) or rel.split(os.sep)[0] == "..":
        raise PunjiError("%s: image path %r is not inside compose/" % (layout.images_json(), path))
    return rel


def _images_text(data):
    """images.json with the new checksums, as Pungi 4.3.2 writes it: productmd takes the
    records in as the image phases add them, before any checksum (two records alike in every
    attribute productmd keeps unique pass there; reading the file back, punji-test fails on
    them as Pungi's test phase does: fuzz-compose seeds 16507, 25507), then each gets its
    file's. productmd keeps a variant.arch's images in a set and sorts them by path only: two
    at one path (an extra ISO named as createiso's image, seed 22005) are put in the order of
    their text, not left to the set's."""
    import io
    import json

    from productmd.images import Images

    data = json.loads(json.dumps(data))
    sums = {}
    for by_arch in data["payload"]["images"].values():
        for listed in by_arch.values():
            for record in listed:
                sums[record.get("path")] = record.get("checksums") or {}
                record["checksums"] = {"-": "-"}  # alike: productmd's add() compares them
    images = Images()
    parser = {}
    try:
        images.deserialize(data)
        for by_arch in images.images.values():
            for listed in by_arch.values():
                for image in listed:
                    image.checksums = dict(sums[image.path])
        images.validate()
        images.serialize(parser)
    except (ValueError, KeyError, TypeError) as exc:
        raise PunjiError("%s: not valid productmd images metadata: %s" % (layout.images_json(), " ".join(str(exc).split())))
    for by_arch in parser["payload"]["images"].values():
        for listed in by_arch.values():
            listed.sort(key=lambda r: (r["path"], json.dumps(r, sort_keys=True)))
    out = io.StringIO()
    images.build_file(parser, out)
    return out.getvalue()


def _remove_stale(topdir, previous, keep):
    for rel in previous:
        if rel in keep or not rel.startswith("compose/"):
            continue
        try:
            os.unlink(layout.at(topdir, rel))
            log.info("removed %s (written by an earlier run, not by this one)", rel)
        except FileNotFoundError:
            pass
