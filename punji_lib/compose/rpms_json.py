"""compose/metadata/rpms.json, as Pungi writes it (productmd), from the packages gather placed in
the trees; or, when every gather result was taken over from the old compose, the old file's text
under this compose's id, without rendering tens of thousands of entries again. A nightly whose
trees changed in a few packages takes the text of every source package whose entries are the old
compose's from the old file, and renders the others (write_patched)."""

import json
import re

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
    if write_patched(topdir, tree, placed):
        return
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


def write_from_old(topdir):
    """rpms.json written as the old compose's with this compose's id and date, when the gather
    results were all taken over from it (the same packages in the same places): the text
    write() would write, without rendering tens of thousands of entries again. False when
    the old file does not start as write() starts it."""
    import shutil

    old = reuse.old_compose(topdir)
    try:
        old_head, new_head = (_rpms_head(top).encode("utf-8") for top in (old, topdir))
        with open(layout.at(old, layout.rpms_json()), "rb") as f:
            if f.read(len(old_head)) != old_head:
                return False
            # the rest copied as it is, never held whole: it is megabytes of a big compose
            jsonio.write_file(layout.at(topdir, layout.rpms_json()),
                              lambda out: (out.write(new_head), shutil.copyfileobj(f, out)))
    except (OSError, TypeError, PunjiError):
        return False
    return True


def _rpms_head(topdir):
    """The text of TOPDIR's rpms.json up to its payload's "rpms" value."""
    text = _productmd_text(_rpms_of(topdir))
    key = '"rpms": '
    return text[:text.index(key) + len(key)]


# -- a nightly's: the old file's text where the entries are the old ones ----------------------

INDENT = 4  # productmd's
SRPM_LEVEL = 5  # header/payload > rpms > variant > arch > source package: its value's nesting
KEY_LINE = re.compile(r'\n( {12}| {16}| {20})("(?:[^"\\\n]|\\.)*"): \{')


def write_patched(topdir, tree, placed):
    """write()'s file, made from the old compose's rpms.json: each source package's block of
    entries that is the old one's is its old text, the others are rendered. False, writing
    nothing, without an old compose whose rpms.json starts and is laid out as write() writes it,
    or when two entries would share a place (write() keeps the last: rendered whole then)."""
    old = reuse.old_compose(topdir)
    if old is None:
        return False
    try:
        with open(layout.at(old, layout.rpms_json()), encoding="utf-8") as f:
            old_text = f.read()
        old_head, (new_head, tail) = _rpms_ends(old)[0], _rpms_ends(topdir)
        if not old_text.startswith(old_head) or not old_text.endswith(tail):
            return False
        old_rpms = json.loads(old_text)["payload"]["rpms"]
    except (OSError, ValueError, KeyError, TypeError, PunjiError):
        return False
    new = _entries(tree, placed, old_rpms)
    patched = patched_rpms(old_text, len(old_head), old_rpms, new) if new is not None else None
    if patched is None:
        return False
    jsonio.write_text(layout.at(topdir, layout.rpms_json()), new_head + patched[0] + tail)
    log.info("rpms.json: %d of its %d source packages' entries as in %s, the others written anew", patched[1],
             sum(len(s) for by_arch in new.values() for s in by_arch.values()), old)
    return True


def patched_rpms(old_text, start, old_rpms, new):
    """(the text pretty() gives NEW, the "rpms" value {variant: {arch: {source package:
    entries}}}, at its place in rpms.json, how many source packages' text is taken from OLD_TEXT):
    each source package's whose entries are those of OLD_RPMS, the old file's payload, whose
    "rpms" value begins at START in OLD_TEXT. None when OLD_TEXT is not laid out so."""
    spans = _srpm_spans(old_text, start)
    if spans is None or len(spans) != sum(len(s) for by_arch in old_rpms.values() for s in by_arch.values()):
        return None
    kept = [0]

    def srpm_text(uid, arch, srpm, value):
        span = spans.get((uid, arch, srpm))
        if span is not None and old_rpms[uid][arch].get(srpm) == value:
            kept[0] += 1
            return old_text[span[0]:span[1]]
        inner = "\n" + " " * (INDENT * SRPM_LEVEL)
        return jsonio.pretty(value, indent=INDENT, ensure_ascii=True).replace("\n", inner)

    rendered = _render({uid: {arch: {srpm: (uid, arch, srpm, value) for srpm, value in by_srpm.items()}
                              for arch, by_srpm in by_arch.items()} for uid, by_arch in new.items()},
                       2, lambda leaf: srpm_text(*leaf))
    return rendered, kept[0]


def _rpms_ends(topdir):
    """(the text of TOPDIR's rpms.json up to its payload's "rpms" value, the text after it)."""
    text = _productmd_text(_rpms_of(topdir))
    key = '"rpms": {}'
    at = text.index(key) + len(key) - 2
    return text[:at], text[at + 2:]


def _srpm_spans(text, start):
    """{(variant, arch, source package): (start, end) of its value's text} of the rpms.json TEXT
    (from START, where the "rpms" value begins), found by the indentation pretty() gives each
    level; None when a key line is not where that layout puts it."""
    spans, uid, arch = {}, None, None
    closing = "\n" + " " * (INDENT * SRPM_LEVEL) + "}"
    for match in KEY_LINE.finditer(text, start):
        depth, key = len(match.group(1)) // INDENT, json.loads(match.group(2))
        if depth == 3:
            uid, arch = key, None
        elif depth == 4:
            arch = key
        elif uid is None or arch is None:
            return None
        else:
            begin = match.end() - 1
            end = text.find(closing, begin)
            if end < 0:
                return None
            spans[(uid, arch, key)] = (begin, end + len(closing))
    return spans


def _entries(tree, placed, old_rpms):
    """{variant: {arch: {source package: {NEVRA: entry}}}} of what write() adds to productmd's Rpms
    for the packages PLACED, as Rpms.add makes it: an entry the same as one of OLD_RPMS (the old
    file's payload) is taken as it is, the others go through Rpms.add (its checks, its spelling of
    a NEVRA). None when two entries would share a place."""
    from productmd.rpms import Rpms

    made, checked = {}, Rpms()
    for v in tree:
        for arch in v["arches"]:
            old_arch = old_rpms.get(v["uid"], {}).get(arch, {})
            for p in placed[(v["uid"], arch)]:
                nevra, srpm = _header_nevra(p["nevra"], p["file"]), _srpm_header_nevra(p)
                path, sigkey, category = p["file"][len("compose/"):], p["sigkey"], p["category"]
                entry = {"sigkey": sigkey.lower() if sigkey is not None else None, "path": path,
                         "category": category}
                where = srpm or nevra
                if (category == "source") == (srpm is None) and old_arch.get(where, {}).get(nevra) == entry:
                    if not _place(made, v["uid"], arch, where, nevra, entry):
                        return None
                else:
                    checked.add(v["uid"], arch, nevra, path, sigkey, category, srpm)
    for uid, by_arch in checked.rpms.items():
        for arch, by_srpm in by_arch.items():
            for where, by_nevra in by_srpm.items():
                for nevra, entry in by_nevra.items():
                    if not _place(made, uid, arch, where, nevra, entry):
                        return None
    return made


def _place(made, uid, arch, where, nevra, entry):
    """ENTRY put at its place in MADE; False when one is there already."""
    entries = made.setdefault(uid, {}).setdefault(arch, {}).setdefault(where, {})
    if nevra in entries:
        return False
    entries[nevra] = entry
    return True


def _render(value, level, leaf):
    """jsonio.pretty's text (INDENT, ASCII) of the dict VALUE nested at LEVEL, whose values three
    levels down (variant > arch > source package) are LEAF(value) already rendered."""
    if not value:
        return "{}"
    inner = "\n" + " " * (INDENT * (level + 1))
    out = ["{"]
    for n, key in enumerate(sorted(value)):
        item = value[key]
        text = leaf(item) if level == SRPM_LEVEL - 1 else _render(item, level + 1, leaf)
        out.append(("," if n else "") + inner + json.dumps(key) + ": " + text)
    out.append("\n" + " " * (INDENT * level) + "}")
    return "".join(out)
