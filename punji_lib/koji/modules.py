"""The module streams of each variant read from Koji module builds (pkgset_source = "koji"), as
Pungi 4.3.2's Koji package set finds them.

For each variant, in Pungi's order of its variants (variants, then addons and layered products,
then optional variants, each kind by uid):
  * with <kojitag> entries in its <modules>, or with pkgset_koji_module_tag and <module>
    entries: the module builds tagged in those tags (across their inheritance; of a
    name:stream only the builds of the nearest tag that has it), those its <module> entries
    name (NAME:STREAM[:VERSION[:CONTEXT]], exact; '*' takes all) when it has any, and of
    each name:stream every context of the highest version. An entry no tag has is a warning;
  * else, with <module> entries: each entry's module builds found by Koji's build search
    (the entry as a glob over <name>-<stream>-<version>.<context>), finished before the
    compose's event, not deleted; without a version in the entry only those of the highest
    version found. An entry nothing matches is an error;
  * the builds of pkgset_koji_module_builds (N:S:V:C), whose name:stream leave out the
    other builds of that name:stream found above;
  * in test composes, the scratch module builds of pkgset_scratch_modules, from the Module
    Build Service at mbs_api_url (their modulemd and content tag come from there).
A module build counts when it has more than one "module" archive (the modulemd.txt of
old builds alone is skipped): its stream on a variant arch is the modulemd.<arch>.txt
document in the build's files/module directory, unless filter_modules leaves the
name:stream out of that variant.arch. Its packages are the latest RPM builds of its content
tag (extra.typeinfo.module.content_koji_tag; across the tag's inheritance with
pkgset_koji_inherit_modules), of those only the RPMs whose name.arch is an artifact of
a stream using that tag, and every source RPM.
"""

import fnmatch
import os
import re

from ..config.lookup import va_data
from ..errors import PunjiError
from ..log import log, warn
from ..rpms import modules as mmd

PROG = "punji-pkgset"
BUILD_DELETED = 2


class Found:
    """What the module builds give: .streams {uid: {arch: {nsvc: ModuleStream}}}, .tags
    {nsvc: content tag}, .content_tags [tag] in the order they were found."""

    def __init__(self):
        self.streams = {}
        self.tags = {}
        self.content_tags = []

    def add(self, uid, nsvc, tag, by_arch):
        for arch, stream in by_arch.items():
            self.streams.setdefault(uid, {}).setdefault(arch, {})[nsvc] = stream
        self.tags[nsvc] = tag
        if tag not in self.content_tags:
            self.content_tags.append(tag)

    def artifacts(self, tag):
        """{(name, arch)} of the RPM artifacts of every stream using content TAG."""
        found = set()
        for by_arch in self.streams.values():
            for streams in by_arch.values():
                for nsvc, stream in streams.items():
                    if self.tags.get(nsvc) == tag:
                        for nevra in stream.get_rpm_artifacts():
                            rest, _dot, arch = nevra.rpartition(".")
                            found.add((rest.rsplit("-", 2)[0], arch))
        return found

    def of_variant(self, uid, arch):
        return self.streams.get(uid, {}).get(arch, {})

    def content_tags_of(self, uid):
        """The content tags of variant UID's streams on any of its arches, sorted: Pungi's deps
        method sees their package sets on every arch of the variant."""
        return sorted({self.tags[nsvc] for streams in self.streams.get(uid, {}).values() for nsvc in streams})

    def index(self, arch):
        """A ModuleIndex of every stream any variant has on ARCH."""
        index = mmd.modulemd().ModuleIndex.new()
        for by_arch in self.streams.values():
            for stream in by_arch.get(arch, {}).values():
                index.add_module_stream(stream)
        return index


def wanted(conf, tree):
    """Whether the compose asks for module builds at all."""
    return bool(conf.get("pkgset_koji_module_builds") or conf.get("pkgset_scratch_modules")
                or any(v.get("modules") or v.get("modular_koji_tags") for v in tree))


def find(koji, conf, gather_conf, tree, event, compose_type, cache):
    """The Found of the variants TREE at Koji EVENT; CACHE: where modulemd files downloaded
    from topurl go."""
    found = Found()
    reader = Reader(koji, cache)
    module_tags = [str(t) for t in _strings(conf.get("pkgset_koji_module_tag"))]
    filters = gather_conf.get("filter_modules")
    for v in sorted(tree, key=_pungi_order):
        specs = list(v.get("modules") or [])
        extra = _variant_data(conf.get("pkgset_koji_module_builds"), v["uid"])
        exclude = {":".join(nsvc.split(":")[:2]) for nsvc in extra}
        adder = Adder(koji, reader, v, filters, exclude, found)
        if v.get("modular_koji_tags") or (module_tags and specs):
            _from_tags(koji, event, v, specs, list(v.get("modular_koji_tags") or []) + module_tags, adder)
        elif specs:
            _from_search(koji, event, specs, adder)
        for nsvc in extra:
            _extra_build(koji, nsvc, v, adder)
        scratch = _variant_data(conf.get("pkgset_scratch_modules"), v["uid"])
        if scratch:
            _scratch(conf, compose_type, scratch, v, found)
    for uid, by_arch in sorted(found.streams.items()):
        for arch, streams in sorted(by_arch.items()):
            log.info("pkgset: variant %s.%s has module streams %s", uid, arch, ", ".join(sorted(streams)))
    return found


def _pungi_order(v):
    """Where Pungi 4.3.2's compose.all_variants has variant V: which error comes first, in which order
    the content tags are read."""
    return {"variant": 0, "addon": 1, "layered-product": 1}.get(v["type"], 2), v["uid"]


# -- module builds in tags -----------------------------------------------------------------


def _from_tags(koji, event, v, specs, tags, adder):
    expected = {s["name"] for s in specs}
    for tag in tags:
        builds = koji.call("listTagged", tag, event=event, inherit=True, type="module")
        builds = _nearest(koji, event, builds, tag)
        if specs:
            builds = _whitelisted(builds, specs, expected)
        for build in _latest(builds):
            build = koji.call("getBuild", build["build_id"])
            nsvc = adder.add(build)
            if nsvc:
                specs.append({"name": nsvc, "glob": False})
    if expected:
        warn(PROG, "variant %s: module entries %s match no module build in the tags %s"
             % (v["uid"], ", ".join(sorted(expected)), ", ".join(tags)))


def _nearest(koji, event, builds, top):
    """BUILDS less those of a name:stream that a tag nearer to TOP in its inheritance has."""
    order = [top] + [t["name"] for t in koji.call("getFullInheritance", top, event=event)]
    result = []
    for ns in sorted({(b["name"], b["version"]) for b in builds}):
        mine = [b for b in builds if (b["name"], b["version"]) == ns]
        nearest = next((t for t in order if any(b["tag_name"] == t for b in mine)), None)
        result += [b for b in mine if b["tag_name"] == nearest]
    return result


def _whitelisted(builds, specs, expected):
    """BUILDS the entries SPECS name (exact name and stream, version and context when given);
    the entries that match leave EXPECTED."""
    if any(s["name"] == "*" for s in specs):
        expected.clear()
        return builds
    patterns = [(_parse_spec(s["name"]), s["name"]) for s in specs]
    kept = []
    for build in builds:
        version, _dot, context = build["release"].partition(".")
        for (name, stream, want_version, want_context), text in patterns:
            # an empty version or context ("N:S::C") is none here, as Pungi 4.3.2 reads it
            if build["name"] == name and build["version"] == stream.replace("-", "_") \
                    and (not want_version or want_version == version) \
                    and (not want_context or want_context == context):
                kept.append(build)
                expected.discard(text)
                break
    return kept


def _latest(builds):
    """Of each name:stream of BUILDS, the builds (every context) of the highest version."""
    newest = {}
    for build in builds:
        key = (build["name"], build["version"])
        newest[key] = max(newest.get(key, -1), int(build["release"].split(".")[0]))
    chosen = [b for b in builds if int(b["release"].split(".")[0]) == newest[(b["name"], b["version"])]]
    return sorted(chosen, key=lambda b: (b["name"], b["version"], int(b["release"].split(".")[0]),
                                         b["release"].partition(".")[2]), reverse=True)


def _parse_spec(text):
    """(name, stream, version or None, context or None) of a <module> entry: N:S[:V[:C]], or
    the old N-S[-V] form (V being 14 digits)."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) > 4:
            raise PunjiError("variants file: module %r is not NAME:STREAM[:VERSION[:CONTEXT]]" % text)
        parts += [None] * (4 - len(parts))
        return tuple(parts)
    warn(PROG, "variants file: module %r uses the old NAME-STREAM form; write NAME:STREAM" % text)
    rest, _dash, last = text.rpartition("-")
    version = None
    if re.match(r"^\d{14}$", last):
        version = last
        rest, _dash, last = rest.rpartition("-")
    return rest, last, version, None


# -- module builds found by search ----------------------------------------------------------


def _from_search(koji, event, specs, adder):
    when = koji.call("getEvent", event)["ts"]
    for spec in specs:
        for build in _searched(koji, when, spec["name"]):
            adder.add(build)


def _searched(koji, when, text):
    name, stream, version, context = _parse_spec(text)
    # an empty version or context stays empty in the search, as Pungi 4.3.2 queries: N-S-.C names no build
    query = ("%s-%s-%s.%s" % (name, stream.replace("-", "_"), "*" if version is None else version,
                              "*" if context is None else context)).replace("*.*", "*")
    builds = []
    for hit in koji.call("search", query, "build", "glob"):
        build = koji.call("getBuild", hit["id"])
        if build.get("completion_ts") is None or build["completion_ts"] > when:
            log.info("pkgset: module build %s is newer than the compose's event; left out", hit["name"])
            continue
        info = ((build.get("extra") or {}).get("typeinfo") or {}).get("module") or {}
        if not all(k in info for k in ("content_koji_tag", "stream", "version", "context")):
            continue
        if build["state"] == BUILD_DELETED:
            log.info("pkgset: module build %s is deleted; left out", hit["name"])
            continue
        builds.append(dict(build, module_version=int(info["version"])))
    if not builds:
        raise PunjiError("variants file: no module build found in koji for module %r (searched for %r)"
                         % (text, query))
    if not version:
        newest = max(b["module_version"] for b in builds)
        builds = [b for b in builds if b["module_version"] == newest]
    return builds


# -- module builds named ---------------------------------------------------------------------


def _extra_build(koji, nsvc, v, adder):
    parts = nsvc.split(":")
    if len(parts) != 4:
        raise PunjiError("option 'pkgset_koji_module_builds': %r is not NAME:STREAM:VERSION:CONTEXT" % nsvc)
    nvr = "%s-%s-%s.%s" % tuple(parts)
    build = koji.call("getBuild", nvr)
    if not build:
        raise PunjiError("option 'pkgset_koji_module_builds': koji hub %s has no module build %s"
                         % (koji.server, nvr))
    if "module" not in ((build.get("extra") or {}).get("typeinfo") or {}):
        raise PunjiError("option 'pkgset_koji_module_builds': koji build %s is not a module build" % nvr)
    log.info("pkgset: adding the module build %s to variant %s", nsvc, v["uid"])
    if not adder.add(build, extra=True):
        warn(PROG, "option 'pkgset_koji_module_builds': module build %s gives variant %s no stream"
             % (nsvc, v["uid"]))


class Adder:
    """Adds module builds to variant V of FOUND (Pungi's _add_module_to_variant)."""

    def __init__(self, koji, reader, v, filters, exclude, found):
        self.koji, self.reader, self.v = koji, reader, v
        self.filters, self.exclude, self.found = filters, exclude, found

    def add(self, build, extra=False):
        """The N:S:V:C of BUILD when it gives the variant a stream on some arch, else None."""
        files = {}
        for archive in self.koji.call("listArchives", build["id"]):
            if archive["btype"] != "module":
                continue
            filename = archive["filename"]
            parts = filename.split(".")
            key = "modulemd.%s.txt" % _base_arch(parts[1]) if len(parts) == 3 else filename
            files[key] = "%s/files/module/%s" % (self.koji.build_dir(build), filename)
        if len(files) <= 1:
            log.info("pkgset: module build %s has no modulemd per arch (an old build); left out", build["nvr"])
            return None
        info = build["extra"]["typeinfo"]["module"]
        nsvc = "%(name)s:%(stream)s:%(version)s:%(context)s" % info
        if not extra and "%(name)s:%(stream)s" % info in self.exclude:
            return None
        by_arch = {}
        for arch in self.v["arches"]:
            if _filtered(self.filters, self.v["uid"], arch, info["name"], info["stream"]):
                log.info("pkgset: module %s is filtered out of %s.%s", nsvc, self.v["uid"], arch)
                continue
            rel = files.get("modulemd.%s.txt" % arch)
            if rel is None:
                raise PunjiError("koji module build %s has no modulemd.%s.txt (variant %s)"
                                 % (build["nvr"], arch, self.v["uid"]))
            stream = self.reader.stream(rel, build["nvr"])
            if stream is not None:
                by_arch[arch] = stream
        if not by_arch:
            return None
        self.found.add(self.v["uid"], nsvc, info["content_koji_tag"], by_arch)
        return nsvc


def _filtered(filters, uid, arch, name, stream):
    for pattern in va_data(filters, uid, arch):
        want_name, _colon, want_stream = pattern.partition(":")
        if fnmatch.fnmatch(name, want_name) and fnmatch.fnmatch(stream, want_stream or "*"):
            return True
    return False


def _base_arch(arch):
    import koji as kojilib

    return arch if arch in ("src", "noarch") else kojilib.canonArch(arch)


class Reader:
    """The modulemd files of module builds, under topdir or downloaded from topurl."""

    def __init__(self, koji, cache):
        self.koji = koji
        self.cache = cache

    def stream(self, rel, nvr):
        """The first module stream of the modulemd file REL of build NVR, or None when it has
        none; a PunjiError when the file is missing or not modulemd."""
        path = self.koji.local(rel)
        if path is None and self.koji.topurl:
            target = os.path.join(self.cache, rel)
            if os.path.isfile(target) or self.koji.download(rel, target):
                path = target
        if path is None:
            raise PunjiError("koji module build %s: its modulemd file %s is missing from koji's storage" % (nvr, rel))
        with open(path, encoding="utf-8", errors="replace") as f:
            index = mmd.parse(f.read(), "koji module build %s: %s" % (nvr, rel))
        names = index.get_module_names()
        streams = index.get_module(names[0]).get_all_streams() if names else []
        if len(names) > 1 or len(streams) > 1:
            warn(PROG, "koji module build %s: %s has several module streams; the first is taken" % (nvr, rel))
        return streams[0] if streams else None


# -- scratch module builds (Module Build Service) --------------------------------------------


def _scratch(conf, compose_type, nsvcs, v, found):
    if compose_type != "test":
        warn(PROG, "option 'pkgset_scratch_modules': only test composes take scratch module builds")
        return
    for nsvc in nsvcs:
        build = _mbs_build(conf["mbs_api_url"], nsvc)
        if build is None:
            continue
        documents = _mbs_get(conf["mbs_api_url"], "final-modulemd/%s" % build["id"])
        by_arch = {}
        for arch in v["arches"]:
            if arch in documents:
                index = mmd.parse(documents[arch], "mbs %s: final modulemd of %s" % (conf["mbs_api_url"], nsvc))
                names = index.get_module_names()
                if names:
                    by_arch[arch] = index.get_module(names[0]).get_all_streams()[0]
        if by_arch:
            found.add(v["uid"], nsvc, build["koji_tag"], by_arch)


def _mbs_build(api_url, nsvc):
    parts = nsvc.split(":")
    if len(parts) != 4:
        raise PunjiError("option 'pkgset_scratch_modules': %r is not NAME:STREAM:VERSION:CONTEXT" % nsvc)
    items = _mbs_get(api_url, "module-builds", dict(zip(("name", "stream", "version", "context"), parts)))
    return (items.get("items") or [None])[0]


def _mbs_get(api_url, resource, params=None):
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    url = api_url.rstrip("/") + "/" + resource + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=120) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise PunjiError("option 'mbs_api_url': %s failed: %s" % (url, " ".join(str(exc).split())))


# -- helpers ----------------------------------------------------------------------------------


def _strings(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _variant_data(mapping, uid):
    """The values of a {variant regex: [values]} option for variant UID (Pungi's get_variant_data)."""
    found = []
    for pattern, values in (mapping or {}).items():
        if re.match(pattern, uid):
            found.extend(values if isinstance(values, list) else [values])
    return found
