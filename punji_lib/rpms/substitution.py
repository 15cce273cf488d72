"""Whether a package set differs from an older one only by rebuilds the gather solver cannot
tell apart, and the older solve's answer with those packages swapped.

A rebuild is a *substitution* when it takes the place of the old build in the package set's
repo (the same position, name and arch, a higher EVR), and nothing the solver reads of it
differs but its own EVR: its dependencies of every kind (a versioned entry naming its own EVR
maps to the new one), its files, its source package's name. Every package built from the same
source package must be rebuilt with it (the source package too, when the set has it), no
package outside them may name one of their EVR-versioned capabilities with a version of its
own, and their EVRs must stand to every other build of their names as the old ones did. The
package pool's solvable ids are then the old ones; the order Pungi's solver visits
dependencies in follows the ids DNF's sack gives them (the sack keys), which must be the old
ones under the same mapping. When all of this holds, the solver takes the very steps it took
before, and its answer is the old answer with the new builds' names: find() says whether it
holds, Swap maps the old answer. When anything is in doubt, find() says no and the gather
solves anew.
"""

import functools
import html
import re

from . import repodata
from .package_text import source_nvr

DEP_KINDS = (b"provides", b"requires", b"conflicts", b"obsoletes", b"suggests", b"recommends", b"supplements",
             b"enhances")
BLOCK = re.compile(rb"<rpm:(%s)>(.*?)</rpm:\1>" % b"|".join(DEP_KINDS), re.S)
BLOCK_ANY = re.compile(rb"<rpm:([a-z]+)>")
ENTRY = re.compile(rb'<rpm:entry name="([^"]*)"([^>]*)/>')
FILE = re.compile(rb"<file(?: type=\"[a-z]+\")?>[^<]*</file>")
NAME = re.compile(rb"<name>([^<]*)</name>")
ARCH = re.compile(rb"<arch>([^<]*)</arch>")
SOURCERPM = re.compile(rb"<rpm:sourcerpm>([^<]*)</rpm:sourcerpm>|<rpm:sourcerpm/>")
VERSION = re.compile(rb'<version epoch="([^"]*)" ver="([^"]*)" rel="([^"]*)"/>')
VERSIONED_TEXT = re.compile(r"^(\S+) (=|<|>|<=|>=) (\S+)$")
OWN_EVR = b"@EVR@"
SOURCE_ARCHES = ("src", "nosrc")


class NotASubstitution(Exception):
    """Why the new package set is not the old one with substitutions (for the log)."""


def _epoch(value):
    return value or "0"


def evr_text(record):
    """A record's EVR as libsolv writes it in a dependency: no epoch when it is 0."""
    epoch = _epoch(record.get("epoch"))
    text = "%s-%s" % (record["version"], record["release"])
    return text if epoch == "0" else "%s:%s" % (epoch, text)


def _triples(record):
    """The spellings of RECORD's own EVR in createrepo_c's rpm:entry attributes."""
    epoch, version, release = _epoch(record.get("epoch")), record["version"], record["release"]
    attrs = ' epoch="%s" ver="%s" rel="%s"' % (epoch, version, release)
    found = [attrs.encode()]
    if epoch == "0":
        found.append((' ver="%s" rel="%s"' % (version, release)).encode())
    return found


def _source_file(record):
    """The file name source package RECORD's binaries name as their sourcerpm."""
    return "%s-%s-%s.%s.rpm" % (record["name"], record["version"], record["release"], record["arch"])


def _source_name(sourcerpm):
    return sourcerpm.rsplit("-", 2)[0] if sourcerpm else None


def pairs(old_xml, new_records):
    """[(old record, new record)] of the packages the old package set's repo (OLD_XML, a RepoXml)
    and NEW_RECORDS (a package set's, in its repo's order) hold at the same position as
    different builds of one name.arch; NotASubstitution when the sets differ otherwise (a
    package more or less, another order)."""
    order = old_xml.order()
    if len(order) != len(new_records):
        raise NotASubstitution("the package set has %d packages, the old one %d" % (len(new_records), len(order)))
    found = []
    for checksum, new in zip(order, new_records):
        if checksum == new["checksum"]:
            continue
        old = old_xml.record(checksum)
        if (old["name"], old["arch"]) != (new["name"], new["arch"]) or old["nevra"] == new["nevra"]:
            raise NotASubstitution("%s is where the old package set had %s" % (new["nevra"], old["nevra"]))
        found.append((old, new))
    return found


def _compare(a, b):
    import rpm

    return rpm.labelCompare((_epoch(a.get("epoch")), a["version"], a["release"]),
                            (_epoch(b.get("epoch")), b["version"], b["release"]))


def check_versions(found, new_records):
    """Each new build newer than the old one, and standing to every other build of its name
    (any arch) as the old one did: rpm's order and equal version-release alike."""
    swapped = {id(new): old for old, new in found}
    by_name = {new["name"]: [] for _old, new in found}
    for record in new_records:
        if record["name"] in by_name:
            by_name[record["name"]].append(record)
    for old, new in found:
        if _compare(new, old) <= 0:
            raise NotASubstitution("%s is no newer than %s" % (new["nevra"], old["nevra"]))
        for other in by_name[new["name"]]:
            if other is new:
                continue
            other_old = swapped.get(id(other), other)
            if _compare(new, other) != _compare(old, other_old) or \
                    ((new["version"], new["release"]) == (other["version"], other["release"])) != \
                    ((old["version"], old["release"]) == (other_old["version"], other_old["release"])):
                raise NotASubstitution("%s stands otherwise to %s than %s did" % (new["nevra"], other["nevra"],
                                                                                   old["nevra"]))


def check_sources(found, new_records):
    """The packages built from each rebuilt source package all rebuilt with it, from a source
    package of the same name, the source package too when the set has it; {old sourcerpm file
    name: new one}."""
    changed = {}
    for old, new in found:
        if old["arch"] in SOURCE_ARCHES:
            before, after = _source_file(old), _source_file(new)
        else:
            before, after = old.get("sourcerpm"), new.get("sourcerpm")
        if not before or not after or _source_name(before) != _source_name(after):
            raise NotASubstitution("%s is built from %s, %s from %s" % (new["nevra"], after, old["nevra"], before))
        if changed.setdefault(before, after) != after:
            raise NotASubstitution("the builds of %s are rebuilt from two sources" % before)
    if len(set(changed.values())) != len(changed):
        raise NotASubstitution("two source packages rebuilt as one")
    touched = set(changed) | set(changed.values())
    swapped = {id(new) for _old, new in found}
    for record in new_records:
        if id(record) in swapped:
            continue
        source = _source_file(record) if record["arch"] in SOURCE_ARCHES else record.get("sourcerpm")
        if source in touched:
            raise NotASubstitution("%s is built from %s, not rebuilt with it" % (record["nevra"], source))
    return changed


class RepoXml:
    """The primary and filelists XML of a package set repo written here (its chunks.json says
    where each package's is), read only where asked: a nightly needs a few packages' of it."""

    ENTRY_START = re.compile(rb'\["([0-9a-f]+)",')

    def __init__(self, top):
        import json
        import os

        try:
            with open(os.path.join(top, repodata.CHUNKS), "rb") as f:
                self.index = f.read()
            files = json.loads(re.search(rb'^\{"files":(\{[^}]*\})', self.index).group(1))
            if sorted(files) not in (sorted(repodata.KINDS), sorted(repodata.WITH_CHANGELOGS)):
                raise ValueError("other kinds of metadata")
            self.texts = [repodata.mapped_file(os.path.join(top, "repodata", files[kind])) for kind in repodata.KINDS]
        except (OSError, ValueError, AttributeError) as exc:
            raise NotASubstitution("%s has no chunks.json over its primary and filelists: %s" % (top, exc))

    def order(self):
        """The checksums of the repo's packages, in its order."""
        return [m.decode("ascii") for m in self.ENTRY_START.findall(self.index)]

    def package(self, checksum):
        """[primary, filelists] XML of the package of CHECKSUM."""
        import json

        at = self.index.find(b'["%s",' % checksum.encode("ascii"))
        try:
            entry, _end = json.JSONDecoder().raw_decode(self.index[at:at + 4096].decode("utf-8", "replace"))
            spans = entry[4:8]
        except (ValueError, TypeError):
            entry = spans = None
        if at < 0 or not spans or not repodata.spans_fit(self.texts, spans):
            raise NotASubstitution("no XML of the package %s" % checksum)
        return repodata.slices(self.texts, spans)

    def record(self, checksum):
        """What a package set record says of the package of CHECKSUM that the checks here read,
        from its XML."""
        primary = bytes(self.package(checksum)[0])
        try:
            epoch, version, release = VERSION.search(primary).groups()
            name, arch = NAME.search(primary).group(1), ARCH.search(primary).group(1)
            sourcerpm = SOURCERPM.search(primary)
        except AttributeError:
            raise NotASubstitution("the XML of the package %s does not read" % checksum)
        text = [html.unescape(x.decode("utf-8")) for x in (name, arch, epoch, version, release)]
        return {"name": text[0], "arch": text[1], "epoch": text[2], "version": text[3], "release": text[4],
                "sourcerpm": html.unescape(sourcerpm.group(1).decode("utf-8")) if sourcerpm and sourcerpm.group(1)
                else None, "checksum": checksum,
                "nevra": "%s-%s:%s-%s.%s" % (text[0], _epoch(text[2]), text[3], text[4], text[1])}


def _solver_facts(record, primary, filelists):
    """What the solver reads of a package, from its XML: name, arch, its dependencies (its own
    EVR spelt OWN_EVR), its files; and the names of the capabilities its own EVR versions."""
    primary, filelists = bytes(primary), bytes(filelists)
    blocks, mapped = [], set()
    for kind, body in BLOCK.findall(primary):
        entries = []
        for name, attrs in ENTRY.findall(body):
            for spelling in _triples(record):
                if spelling + b" " in attrs + b" " and (b"epoch=" in spelling or b"epoch=" not in attrs):
                    attrs = attrs.replace(spelling, b" " + OWN_EVR, 1)
                    mapped.add(name)
                    break
            entries.append((name, attrs))
        blocks.append((kind, entries))
    kinds = set(BLOCK_ANY.findall(primary)) - set(DEP_KINDS) - {b"license", b"vendor", b"group", b"buildhost",
                                                                 b"sourcerpm", b"header-range"}
    if kinds:  # a kind of metadata the solver may read that is not compared here
        raise NotASubstitution("%s has rpm:%s metadata" % (record["nevra"], sorted(kinds)[0].decode()))
    files, paths = _files(record, FILE.findall(primary) + [None] + FILE.findall(filelists))
    return (NAME.findall(primary), ARCH.findall(primary), blocks, files), mapped, paths


def _files(record, entries):
    """ENTRIES, the <file> elements of a package, with its own version-release in a path spelt
    OWN_EVR (debuginfo and debugsource paths hold it); the paths that hold it (text)."""
    own = ("%s-%s" % (record["version"], record["release"])).encode()
    found, paths = [], []
    for entry in entries:
        if entry is not None and own in entry:
            paths.append(html.unescape(entry[entry.index(b">") + 1:entry.rindex(b"<")].decode("utf-8")))
            entry = entry.replace(own, OWN_EVR)
        found.append(entry)
    return found, paths


def check_packages(found, old_xml, new_xml):
    """Each rebuild's dependencies and files the old build's, but for its own EVR; ({capability
    name (text): (old EVR, new EVR)} of those its own EVR versions, {name: its XML text}, the
    paths of their files that hold an own version-release)."""
    from .multilib import runtime_file

    renamed, escaped, paths = {}, {}, set()
    for old, new in found:
        old_facts, old_mapped, old_paths = _solver_facts(old, *old_xml.package(old["checksum"]))
        new_facts, new_mapped, new_paths = _solver_facts(new, *new_xml.package(new["checksum"]))
        if old_facts != new_facts or old_mapped != new_mapped:
            raise NotASubstitution("%s's dependencies or files are not %s's" % (new["nevra"], old["nevra"]))
        # a path holding the version-release: the multilib methods must judge it alike
        if any(runtime_file(a) != runtime_file(b) for a, b in zip(old_paths, new_paths)):
            raise NotASubstitution("%s's files are judged otherwise by the multilib methods" % new["nevra"])
        paths.update(old_paths + new_paths)
        for name in new_mapped:
            text = html.unescape(name.decode("utf-8"))
            escaped[text] = name
            if renamed.setdefault(text, (evr_text(old), evr_text(new))) != (evr_text(old), evr_text(new)):
                raise NotASubstitution("%s is versioned by two rebuilds" % text)
    return renamed, escaped, paths


def check_outsiders(found, new_xml, escaped):
    """No package but the rebuilds names a capability their own EVR versions (ESCAPED: {name:
    its XML text}) with a version."""
    import collections

    if not escaped:
        return
    named = re.compile(rb'<rpm:entry name="(%s)" flags=' % b"|".join(re.escape(t) for t in escaped.values()))
    inside = collections.Counter()
    for _old, new in found:
        inside.update(named.findall(bytes(new_xml.package(new["checksum"])[0])))
    everywhere = collections.Counter(named.findall(new_xml.texts[0]))  # one pass over the whole repo
    for name, text in escaped.items():
        if everywhere[text] != inside[text]:
            raise NotASubstitution("a package not rebuilt names %s with a version" % name)


class Swap:
    """The old answer's names mapped to the rebuilds': NEVRAs, source package files and the
    dependency texts versioned by a rebuild's own EVR."""

    def __init__(self, found, sources, renamed, paths=()):
        self.nevras = {old["nevra"]: new["nevra"] for old, new in found}
        self.sources = sources
        self.renamed = renamed
        self.paths = paths  # the rebuilds' paths holding their version-release, old and new

    def text(self, text):
        """A dependency text (libsolv's, or rpm's of a rich one) with a rebuild's EVR."""
        match = VERSIONED_TEXT.match(text)
        if match is None:
            return text
        name, op, evr = match.groups()
        versions = self.renamed.get(name)
        if versions is None or versions[0] != evr:
            return text
        return "%s %s %s" % (name, op, versions[1])

    def name(self, value):
        """A NEVRA or a source package file name of the old answer, the rebuild's."""
        return self.nevras.get(value, self.sources.get(value, value))

    def keys(self, keys):
        """The old pool's sack keys {dependency text: id} as the rebuilds' pool must have them;
        NotASubstitution for a rich dependency naming a capability a rebuild's EVR versions, and
        for a dependency on a file whose path holds a rebuild's version-release."""
        for text in keys:
            if text.startswith("(") and any(_mentions(text, name) for name in self.renamed):
                raise NotASubstitution("the rich dependency %s names a rebuilt capability" % text)
            if "/" in text and any(path in text for path in self.paths):
                raise NotASubstitution("the dependency %s names a rebuilt file" % text)
        mapped = {self.text(text): key for text, key in keys.items()}
        if len(mapped) != len(keys):
            raise NotASubstitution("a rebuilt dependency's text is another one's")
        return mapped

    WHY_NAMES = ("by", "of", "because", "source")  # the reasons' values naming a package

    def answer(self, solved, records):
        """SOLVED, an old gather result, with the rebuilds: each package's record from the
        package set's RECORDS (by NEVRA), the NEVRAs and capabilities of its reasons and
        unresolved dependencies mapped; NotASubstitution when it cannot be."""
        packages = []
        for old in solved["packages"]:
            if "lookaside" in old["flags"] or old.get("twins"):
                raise NotASubstitution("the old result has lookaside packages or twins")
            known = records.get(self.name(old["nevra"]))
            if known is None:
                raise NotASubstitution("%s is not in the package set" % old["nevra"])
            packages.append(dict(
                old, nevra=known["nevra"], name=known["name"], arch=known["arch"], path=known["path"],
                sigkey=known["sigkey"], sourcerpm=known["sourcerpm"], checksum=known["checksum"],
                build_time=known.get("build_time"), size=known.get("size"), srpm_nevra=self._srpm_nevra(old, known),
                why={k: self.name(x) if k in self.WHY_NAMES else self.text(x) if k == "capability" else x
                     for k, x in old["why"].items()}))
            packages[-1].pop("mtime", None)
            if "mtime" in known:
                packages[-1]["mtime"] = known["mtime"]
        unresolved = sorted((self.name(u["package"]), self.text(u["requires"])) for u in solved["unresolved"])
        return dict({k: solved[k] for k in ("inputs", "modules", "unmatched_modules", "missing")},
                    unresolved=[{"package": p, "requires": c} for p, c in unresolved],
                    packages=sorted(packages, key=lambda r: (r["category"], r["nevra"])))

    def _srpm_nevra(self, old, known):
        """The srpm_nevra of a record of the old result for the package set record KNOWN: the
        rebuilt source package's, or, for a rebuild whose source package the set lacks, made
        from its sourcerpm as the gather makes it."""
        value = old.get("srpm_nevra")
        if value is None or value in self.nevras or old["nevra"] not in self.nevras:
            return self.name(value) if value else value
        name, version, release = source_nvr(known["sourcerpm"] or "")
        return "%s-%s:%s-%s.src" % (name, known["epoch"], version, release)


@functools.lru_cache(maxsize=None)
def _word(name):
    return re.compile(r"(?<![^\s(])%s(?![^\s)])" % re.escape(name))


def _mentions(text, name):
    return _word(name).search(text) is not None


def find(new_records, old_repo, new_repo):
    """The Swap turning the answer of a solve over the old package set whose repo is OLD_REPO
    into that of one over NEW_RECORDS (its repo NEW_REPO); NotASubstitution (saying why) when
    it is not the old set with substitutions only. The sack keys are checked apart (Swap.keys)."""
    old_xml = RepoXml(old_repo)
    found = pairs(old_xml, new_records)
    if not found:
        return Swap([], {}, {})
    check_versions(found, new_records)
    sources = check_sources(found, new_records)
    new_xml = RepoXml(new_repo)
    renamed, escaped, paths = check_packages(found, old_xml, new_xml)
    check_outsiders(found, new_xml, escaped)
    return Swap(found, sources, renamed, paths)
