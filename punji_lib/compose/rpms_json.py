"""compose/metadata/rpms.json, as Pungi writes it (productmd), from the packages gather placed in
the trees; or, when every gather result was taken over from the old compose, the old file's text
under this compose's id, without rendering tens of thousands of entries again."""

from ..errors import PunjiError
from ..log import log
from . import jsonio, layout, request, reuse


def _header_nevra(nevra, filename):
    """NEVRA with the arch its RPM header gives: a .nosrc.rpm is 'src' in repodata, 'nosrc' in
    its header and in Pungi's rpms.json."""
    if filename.endswith(".nosrc.rpm") and nevra.endswith(".src"):
        return nevra[:-len("src")] + "nosrc"
    return nevra


def _productmd_text(metadata):
    """METADATA.dumps(), the same text, written by jsonio.pretty (rpms.json is large)."""
    metadata.validate()
    parser = {}
    metadata.serialize(parser)
    return jsonio.pretty(parser, indent=4, ensure_ascii=True)


def _srpm_header_nevra(p):
    """The srpm_nevra of record P as rpms.json keys it (a nosrc source's header arch)."""
    if p["srpm_nevra"] is None:
        return None
    return _header_nevra(p["srpm_nevra"], p.get("sourcerpm") or "")


def write(topdir, tree, placed):
    """compose/metadata/rpms.json of the compose at TOPDIR: the packages PLACED in the trees of
    its variants TREE ({(uid, arch): gather records with their "file"})."""
    rpms = _rpms_of(topdir)
    for v in tree:
        for arch in v["arches"]:
            for p in placed[(v["uid"], arch)]:
                rpms.add(v["uid"], arch, _header_nevra(p["nevra"], p["file"]), p["file"][len("compose/"):],
                         p["sigkey"], p["category"], _srpm_header_nevra(p))
    jsonio.write_text(layout.at(topdir, layout.rpms_json()), _productmd_text(rpms))


def _rpms_of(topdir):
    """An empty productmd Rpms of the compose at TOPDIR (its id, type, date and respin)."""
    from productmd.rpms import Rpms

    req = request.read(topdir)
    rpms = Rpms()
    rpms.compose.id, rpms.compose.type = req["compose_id"], req["compose_type"]
    rpms.compose.date, rpms.compose.respin = req["date"], req["respin"]
    return rpms


def write_from_old(topdir, old_record):
    """rpms.json written as the old compose's with this compose's id and date, when the gather
    results were all taken over from it (the same packages in the same places): the text
    write() would write, without rendering tens of thousands of entries again. Its sha256;
    None when the old file is not the one its gather wrote (OLD_RECORD's rpms_sha256: cut
    short, changed since, or of a punji that recorded none) or does not start as write() starts it."""
    import hashlib

    old = reuse.old_compose(topdir)
    if not old_record.get("rpms_sha256"):
        log.info("rpms.json of %s is not taken over: its gather recorded no checksum of it", old)
        return None
    try:
        old_head, new_head = (_rpms_head(top).encode("utf-8") for top in (old, topdir))
        with open(layout.at(old, layout.rpms_json()), "rb") as f:
            if f.read(len(old_head)) != old_head:
                return None
            old_sum, new_sum = hashlib.sha256(old_head), hashlib.sha256(new_head)

            def copy(out):
                out.write(new_head)
                # the rest copied as it is, never held whole: it is megabytes of a big compose
                for block in iter(lambda: f.read(COPY_BLOCK), b""):
                    old_sum.update(block)
                    new_sum.update(block)
                    out.write(block)
                if old_sum.hexdigest() != old_record["rpms_sha256"]:
                    raise ValueError("not the file the old compose's gather wrote")

            jsonio.write_file(layout.at(topdir, layout.rpms_json()), copy)
    except (OSError, TypeError, ValueError, PunjiError) as exc:
        log.warning("rpms.json of %s is not taken over: %s", old, exc)
        return None
    return new_sum.hexdigest()


COPY_BLOCK = 1 << 20


def _rpms_head(topdir):
    """The text of TOPDIR's rpms.json up to its payload's "rpms" value."""
    text = _productmd_text(_rpms_of(topdir))
    key = '"rpms": '
    return text[:text.index(key) + len(key)]
