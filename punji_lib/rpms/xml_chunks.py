"""The XML of each package in a repo's primary, filelists and other metadata, as the repo has it:
a package set's repo copies it (with its own location for the package) instead of writing it
again from the parsed package, which costs several times more."""

import bz2
import functools
import gzip
import lzma
import re
import zlib

ROOTS = {"primary": b"<metadata", "filelists": b"<filelists", "other": b"<otherdata"}
# the namespaces createrepo_c's files declare at their root, which a copied package's XML uses
NAMESPACES = {"primary": (b'xmlns="http://linux.duke.edu/metadata/common"',
                          b'xmlns:rpm="http://linux.duke.edu/metadata/rpm"'),
              "filelists": (b'xmlns="http://linux.duke.edu/metadata/filelists"',),
              "other": (b'xmlns="http://linux.duke.edu/metadata/other"',)}
PKGID = re.compile(rb'<checksum [^>]*pkgid="YES"[^>]*>([^<]+)</checksum>')
LOCATION = re.compile(rb"<location [^>]*/>")
HREF, BASE = re.compile(rb' href="([^"]*)"'), re.compile(rb' xml:base="([^"]*)"')
OWNER = re.compile(rb'<package pkgid="([^"]+)"')
OPENERS = {".gz": gzip.open, ".xz": lzma.open, ".bz2": bz2.open}


def index(repo, kinds):
    """{(pkgId, location_href, location_base or ""): function returning the package's XML of
    each of KINDS} of the packages of REPO (a repos.Repo) whose XML can be copied: none when
    a file's root does not declare createrepo_c's namespaces or cannot be read as it is
    compressed, nor for a checksum whose filelists or other the repo lists twice."""
    texts = {}
    for kind in kinds:
        path = repo.metadata(kind)
        if path is None:
            return {}
        opener = OPENERS.get(path[path.rfind("."):], open)
        try:
            with opener(path, "rb") as f:
                texts[kind] = f.read()
        except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):  # its XML is then written anew
            return {}
    spans = {kind: _spans(texts[kind], kind) for kind in kinds}
    if any(found is None for found in spans.values()):
        return {}
    owned = {kind: _by_owner(texts[kind], spans[kind]) for kind in kinds if kind != "primary"}
    found = {}
    primary = texts["primary"]
    for start, end in spans["primary"]:
        pkg_id = PKGID.search(primary, start, end)
        location = LOCATION.search(primary, start, end)
        href, base = (HREF.search(location.group(0)), BASE.search(location.group(0))) if location else (None, None)
        if not (pkg_id and href):
            continue
        pkg_id = pkg_id.group(1).decode("ascii", "replace")
        where = [(start, end)] + [owned[kind].get(pkg_id) for kind in kinds if kind != "primary"]
        if all(where):
            key = (pkg_id, _text(href.group(1)), _text(base.group(1)) if base else "")
            found[key] = functools.partial(_slices, [texts[kind] for kind in kinds], where)
    return found


def plain_text(path):
    """The bytes of metadata file PATH, uncompressed; None when there is none or it cannot be read."""
    if path is None:
        return None
    opener = OPENERS.get(path[path.rfind("."):], open)
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):
        return None


def own_element(text, pkg_id):
    """The <package> element of a filelists or other TEXT whose pkgid is PKG_ID, as text; None
    unless there is exactly one."""
    opening = b'<package pkgid="%s"' % pkg_id.encode("ascii", "replace")
    start = text.find(opening)
    if start < 0 or text.find(opening, start + 1) >= 0:
        return None
    end = text.find(b"</package>", start)
    if end < 0:
        return None
    try:
        return text[start:end + len(b"</package>")].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _slices(texts, where):
    return [text[start:end] for text, (start, end) in zip(texts, where)]


def relocated(primary, href, base):
    """A package's primary XML PRIMARY with its location HREF under BASE (or none), written
    as createrepo_c writes it."""
    where = (b' xml:base="%s"' % _attribute(base) if base else b"") + b' href="%s"' % _attribute(href)
    return LOCATION.sub(lambda _m: b"<location%s/>" % where, primary, 1)


def _spans(text, kind):
    """[(start, end)] of each <package> element of TEXT (its line end included), or None when
    its root does not declare the namespaces of KIND."""
    root = text.find(ROOTS[kind])
    head_end = text.find(b">", root)
    if root < 0 or head_end < 0 or not all(ns in text[root:head_end] for ns in NAMESPACES[kind]):
        return None
    spans, at = [], text.find(b"<package", head_end)
    while at >= 0:
        end = text.find(b"</package>", at)
        if end < 0:
            return None
        end += len(b"</package>") + (text[end + 10:end + 11] == b"\n")
        spans.append((at, end))
        at = text.find(b"<package", end)
    return spans


def _by_owner(text, spans):
    """{pkgid: span} of a filelists or other file; a pkgid listed twice maps to None."""
    found = {}
    for start, end in spans:
        owner = OWNER.match(text, start)
        if owner:
            pkg_id = owner.group(1).decode("ascii", "replace")
            found[pkg_id] = None if pkg_id in found else (start, end)
    return found


# (xml.sax.saxutils has escape and unescape, but imports urllib.request, and with it http,
# email and ssl: more than the launcher's copies need of all the standard library)
UNESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))
ESCAPES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ('"', "&quot;"))


def _text(value):
    text = value.decode("utf-8")
    if "&" in text:
        for entity, char in UNESCAPES:
            text = text.replace(entity, char)
    return text


def _attribute(value):
    if "&" in value or "<" in value or ">" in value or '"' in value:
        for char, entity in ESCAPES:
            value = value.replace(char, entity)
    return value.encode("utf-8")
