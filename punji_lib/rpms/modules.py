"""Module streams (modulemd) read and written with libmodulemd: a repo's modules metadata,
the streams of one arch, the streams a variant asks for, and a repo's modules.yaml.

A stream is a record {"nsvca", "nsvc", "name", "stream", "version", "context", "arch",
"artifacts"}; its artifacts are the NEVRAs (epoch always given) of its RPMs, source
packages included. An index is a libmodulemd ModuleIndex of stream documents and
modulemd-defaults documents.
"""

import bz2
import fnmatch
import gzip
import lzma
import os
import tempfile

from .. import arches
from ..errors import PunjiError

OPENERS = {".gz": gzip.open, ".xz": lzma.open, ".bz2": bz2.open}


def modulemd():
    """The Modulemd namespace of libmodulemd (gi), or a PunjiError saying what to install."""
    try:
        import gi

        gi.require_version("Modulemd", "2.0")
        from gi.repository import Modulemd
    except (ImportError, ValueError):
        raise PunjiError("modules need libmodulemd 2 with PyGObject (python3-gi and gir1.2-modulemd-2.0 on "
                         "Debian, python3-gobject-base and python3-libmodulemd on Fedora)")
    return Modulemd


def parse(text, where):
    """The ModuleIndex of modulemd YAML TEXT; a PunjiError naming WHERE when it is not valid."""
    index = modulemd().ModuleIndex.new()
    from gi.repository import GLib

    try:
        ok, failures = index.update_from_string(text, True)
    except GLib.Error as exc:
        raise PunjiError("%s: corrupt modules metadata: %s" % (where, " ".join(exc.message.split())))
    if failures or not ok:
        message = failures[0].get_gerror().message if failures else "not modulemd YAML"
        raise PunjiError("%s: corrupt modules metadata: %s" % (where, " ".join(message.split())))
    return index


def repo_index(repo):
    """The ModuleIndex of a repos.Repo's modules metadata, or None when it has none."""
    path = repo.metadata("modules", verify=True)
    if path is None:
        return None
    where = "repo %s: %s" % (repo.repo, repo.hrefs["modules"])
    opener = next((o for suffix, o in OPENERS.items() if path.endswith(suffix)), open)
    try:
        with opener(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError) as exc:
        raise PunjiError("%s: corrupt modules metadata: %s" % (where, exc))
    return parse(text, where)


def defaults_in(directory, what, overrides=None):
    """{module: default stream} of the modulemd-defaults in the *.yaml files of DIRECTORY
    (module_defaults_dir), those of OVERRIDES (a directory) replacing them; a PunjiError for a
    file libmodulemd cannot read or a module given two default streams (Pungi's check)."""
    import glob

    streams = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            index = parse(f.read(), "%s: %s" % (what, os.path.basename(path)))
        for name in index.get_module_names():
            defaults = index.get_module(name).get_defaults()
            if defaults is not None:
                streams.setdefault(name, set()).add(defaults.get_default_stream() or "")
    twice = sorted(name for name, found in streams.items() if len(found) > 1)
    if twice:
        raise PunjiError("%s: module %s has multiple defaults: %s"
                         % (what, twice[0], ", ".join(sorted(streams[twice[0]]))))
    if overrides:
        return {name: defaults.get_default_stream() or "" for name, defaults in _read_defaults(directory, overrides)}
    return {name: found.pop() for name, found in streams.items()}


def _read_defaults(directory, overrides=None):
    """[(module, its ModuleDefaults)] of DIRECTORY, those of OVERRIDES (a directory) merged over
    them by libmodulemd, as Pungi reads module_defaults_dir; without DIRECTORY (no
    module_defaults_dir: Pungi's is an empty directory) those of OVERRIDES alone."""
    if not os.path.isdir(directory):
        directory, overrides = overrides, None
    index = modulemd().ModuleIndex.new()
    try:
        index.update_from_defaults_directory(directory, False, overrides)
    except Exception as exc:  # GLib.Error: the message names the file
        raise PunjiError("%s: module defaults: %s" % (overrides or directory, getattr(exc, "message", exc)))
    found = ((name, index.get_module(name).get_defaults()) for name in index.get_module_names())
    return [(name, defaults) for name, defaults in found if defaults is not None]


def obsoletes_in(directory, what):
    """{file name: module} of the modulemd-obsoletes files (*.yaml) of DIRECTORY
    (module_obsoletes_dir): the module of each file's first document; a PunjiError for a file
    libmodulemd cannot read."""
    import glob

    found = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            index = parse(f.read(), "%s: %s" % (what, os.path.basename(path)))
        names = index.get_module_names()
        if names:
            found[os.path.basename(path)] = names[0]
    return found


def add_obsoletes_from(index, directory):
    """INDEX merged with the obsoletes files of DIRECTORY (module_obsoletes_dir) about the modules
    INDEX has (a file counts for the module of its first document), as newer Pungi merges them."""
    import glob

    names = set(index.get_module_names())
    merger = modulemd().ModuleIndexMerger.new()
    merger.associate_index(index, 0)
    kept = []  # the merger holds pointers only: keep the indexes alive until it resolves
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            one = parse(f.read(), path)
        if one.get_module_names() and one.get_module_names()[0] in names:
            kept.append(one)
            merger.associate_index(one, 0)
    return merger.resolve() if kept else index


def add_defaults_from(index, directory, overrides=None):
    """Put into INDEX the defaults in DIRECTORY (module_defaults_dir; those of OVERRIDES, a
    directory, replacing them) of the modules INDEX has streams of, in place of any it had, as
    Pungi takes them."""
    names = set(index.get_module_names())
    for name, defaults in _read_defaults(directory, overrides):
        if name in names:
            index.add_defaults(defaults)
    return index


def merge(indexes):
    """One ModuleIndex of every stream and defaults document of INDEXES (the first defaults of
    a module win)."""
    merged = modulemd().ModuleIndex.new()
    for index in indexes:
        for name in index.get_module_names():
            module = index.get_module(name)
            for stream in module.get_all_streams():
                merged.add_module_stream(stream)
            defaults, known = module.get_defaults(), merged.get_module(name)
            if defaults is not None and (known is None or known.get_defaults() is None):
                merged.add_defaults(defaults)
    return merged


def of_arch(index, arch):
    """A ModuleIndex of the streams of INDEX built for compose ARCH, with their modules' defaults."""
    wanted = set(arches.family(arch)) | {"noarch"}
    return _kept(index, lambda s: s.get_arch() in wanted)


def _kept(index, keep):
    """A ModuleIndex of the streams of INDEX that KEEP(stream) takes, with their modules' defaults."""
    result = modulemd().ModuleIndex.new()
    for name in index.get_module_names():
        module = index.get_module(name)
        kept = [s for s in module.get_all_streams() if keep(s)]
        for stream in kept:
            result.add_module_stream(stream)
        if kept and module.get_defaults() is not None:
            result.add_defaults(module.get_defaults())
    return result


def streams(index):
    """The stream records of INDEX, sorted by NSVCA."""
    found = []
    for name in index.get_module_names():
        for s in index.get_module(name).get_all_streams():
            nsvc = _nsvc(s)
            found.append({"nsvca": "%s:%s" % (nsvc, s.get_arch()), "nsvc": nsvc, "name": s.get_module_name(),
                          "stream": s.get_stream_name(), "version": s.get_version(), "context": s.get_context(),
                          "arch": s.get_arch(), "artifacts": sorted(s.get_rpm_artifacts())})
    return sorted(found, key=lambda r: r["nsvca"])


def _nsvc(stream):
    return "%s:%s:%d:%s" % (stream.get_module_name(), stream.get_stream_name(), stream.get_version(),
                            stream.get_context())


def dump(index):
    """INDEX as modules.yaml text."""
    return index.dump_to_string()


def load(path):
    """The ModuleIndex of the modules.yaml at PATH (one punji wrote)."""
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path)


def _spec(text):
    """NAME:STREAM[:VERSION[:CONTEXT]] of a variants file <module> as 4 globs (missing: '*')."""
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 4 or not all(parts):
        raise PunjiError("variants file: module %r is not NAME:STREAM[:VERSION[:CONTEXT]]" % text)
    return (parts + ["*", "*"])[:4]


def select(specs, records, filters=()):
    """The stream records a variant's <module> entries SPECS ({name, glob}) pick from RECORDS:
    '*' picks all; NAME:STREAM[:VERSION[:CONTEXT]] (globs) the matching streams, and without a
    version only the newest version of each name:stream. FILTERS (filter_modules, NAME[:STREAM]
    globs) leave streams out."""
    chosen = {}
    for spec in specs:
        if spec["name"] == "*":
            picked = list(records)
        else:
            name, stream, version, context = _spec(spec["name"])
            picked = [r for r in records if fnmatch.fnmatchcase(r["name"], name)
                      and fnmatch.fnmatchcase(r["stream"], stream)
                      and fnmatch.fnmatchcase(str(r["version"]), version)
                      and fnmatch.fnmatchcase(r["context"], context)]
            if version == "*":
                newest = {}
                for r in picked:
                    key = (r["name"], r["stream"])
                    newest[key] = max(newest.get(key, 0), r["version"])
                picked = [r for r in picked if r["version"] == newest[(r["name"], r["stream"])]]
        chosen.update((r["nsvca"], r) for r in picked)
    return [chosen[k] for k in sorted(chosen) if not _filtered(chosen[k], filters)]


def active(records, defaults, enabled):
    """The stream records dnf makes active: of each module the stream ENABLED names
    ("name:stream" entries) or else its DEFAULTS' stream ({module: stream}), the newest version
    of it; a PunjiError for an enabled stream RECORDS do not have."""
    chosen = dict(defaults)
    for entry in enabled:
        name, stream = entry.split(":", 1)
        if not any(r["name"] == name and r["stream"] == stream for r in records):
            raise PunjiError("key 'module_streams': no module stream %s in the repos" % entry)
        chosen[name] = stream
    return select([{"name": "%s:%s" % kv, "glob": False} for kv in sorted(chosen.items())
                   if any(r["name"] == kv[0] and r["stream"] == kv[1] for r in records)], records)


def _filtered(record, filters):
    for pattern in filters:
        name, _, stream = pattern.partition(":")
        if fnmatch.fnmatchcase(record["name"], name) and fnmatch.fnmatchcase(record["stream"], stream or "*"):
            return True
    return False


def add_single_stream(index, path):
    """Add to INDEX the stream Pungi 4.3.2 takes from the modulemd file PATH
    (createrepo_extra_modulemd): the first stream of the module whose name sorts first, the
    file's other documents (more streams, defaults, ones libmodulemd refuses) left unread as
    Pungi leaves them; its record (no artifacts needed). A PunjiError when that module has no
    stream, or the stream clashes with one INDEX holds (Pungi fails on both too)."""
    from gi.repository import GLib

    found = _first_stream(_read_leniently(path))
    if found is None:
        raise PunjiError("%s: no module stream where Pungi takes one (the first module's first stream)" % path)
    try:
        index.add_module_stream(found)
    except GLib.Error as exc:
        raise PunjiError("%s: %s" % (path, " ".join(exc.message.split())))
    return streams(_only(found))[0]


def _read_leniently(path):
    """The ModuleIndex of the documents of modulemd file PATH libmodulemd reads, the others left
    out (Pungi reads extra modulemd files so); a PunjiError when it is not YAML at all."""
    from gi.repository import GLib

    index = modulemd().ModuleIndex.new()
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        index.update_from_string(text, True)
    except GLib.Error as exc:
        raise PunjiError("%s: corrupt modules metadata: %s" % (path, " ".join(exc.message.split())))
    return index


def _first_stream(index):
    names = index.get_module_names()
    found = index.get_module(names[0]).get_all_streams() if names else []
    return found[0] if found else None


def _only(stream):
    index = modulemd().ModuleIndex.new()
    index.add_module_stream(stream)
    return index


def subset(index, records):
    """A ModuleIndex of the streams RECORDS names, taken from INDEX, with their modules' defaults."""
    wanted = {r["nsvca"] for r in records}
    return _kept(index, lambda s: "%s:%s" % (_nsvc(s), s.get_arch()) in wanted)


def compose_streams(topdir, arch, streams):
    """A ModuleIndex of the compose's package set STREAMS on ARCH with their modules' defaults
    (those of module_defaults_dir and its overrides in place of the repos'), as Pungi collects them."""
    from ..compose import layout

    index = subset(load(layout.at(topdir, layout.pkgset_modules(arch))), streams)
    defaults = layout.at(topdir, layout.module_defaults_dir())
    overrides = defaults_overrides(topdir)
    if os.path.isdir(defaults) or overrides:
        add_defaults_from(index, defaults, overrides)
    return index


def defaults_overrides(topdir):
    """The copy of module_defaults_override_dir init made, or None; a PunjiError when the option
    names a directory that is not there (Pungi fails on it as it collects module defaults)."""
    from ..compose import layout, state

    if os.path.isfile(layout.at(topdir, layout.state_file("init"))):
        missing = state.read(topdir, "init").get("module_defaults_override_missing")
        if missing:
            raise PunjiError("option 'module_defaults_override_dir': %s: no such directory (a relative one is "
                             "read against the directory the compose was started in, as Pungi reads it)" % missing)
    overrides = layout.at(topdir, layout.module_defaults_overrides_dir())
    return overrides if os.path.isdir(overrides) else None


def add_to_repo(repo_dir, text):
    """Put modules.yaml TEXT into the repodata of REPO_DIR (modifyrepo_c --mdtype=modules), as
    Pungi does; its record gets the primary record's time stamp (createrepo.modifyrepo)."""
    from .createrepo import modifyrepo

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "modules.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        modifyrepo(repo_dir, path, "modules")
