"""init across composes: what init makes from the config, variants and comps files (the
normalized config and its slices, variants.json, the filtered comps, the Makefile) depends on
those files alone. A compose whose inputs are byte for byte those of a finished compose beside
it (a nightly's, most days) copies these outputs from that compose instead of reading, checking
and filtering its inputs again: that compose's init checked the very same bytes.

Not for inputs init fetches (scm dicts) or exports (module defaults and obsoletes
directories): their content is not known before they are fetched."""

import os
import shutil

from . import jsonio, layout, state
from .reuse import FINISHED

KEPT = 5  # the newest finished composes looked at: a nightly's inputs are those of one of the last


def inputs_key(config_path, config, compose_type, options):
    """The fingerprint of what init reads to make its outputs from CONFIG (init.load_config's,
    read from CONFIG_PATH), or None when something it reads cannot be fingerprinted here."""
    from .. import __version__
    from ..config import reader
    from . import makefile

    conf = config["config"]
    if any(isinstance(conf.get(name), dict) for name in reader.scm_options()):
        return None
    if any(conf.get(name) for name in ("module_defaults_dir", "module_obsoletes_dir", "module_defaults_override_dir")):
        return None
    files = list(config["files"])
    files += [reader.local_file(conf, name) for name in ("variants_file", "comps_file") if conf.get(name)]
    contents = [[path, state.file_digest(path)] for path in files]
    if any(digest is None for _path, digest in contents):
        return None
    return state.digest("init", __version__, makefile.bin_dir(), os.path.abspath(config_path), compose_type or "",
                        options or {}, contents)


def source(where, key):
    """The newest of the last finished composes in the directories WHERE whose init recorded
    KEY (state "inputs"), and whose outputs are all there; or None."""
    if key is None:
        return None
    for top in _newest_finished(where)[:KEPT]:
        try:
            record = jsonio.read_json(layout.at(top, layout.state_file("init")))
        except (OSError, ValueError):
            continue
        if record.get("inputs") == key and not record.get("failed") and whole(top, record):
            return top
    return None


def whole(top, record):
    """Whether the outputs of the init of compose TOP (its state RECORD) are the files it made: each
    one made before the state has the sha256 the state records, the Makefile the one targets.json
    records (a compose of an older punji, which recorded none, is no source)."""
    made = record.get("files")
    if not isinstance(made, dict) or sorted(made) != sorted(outputs(top, record)):
        return False
    if any(state.file_digest(layout.at(top, rel)) != digest for rel, digest in made.items()):
        return False
    try:
        targets = jsonio.read_json(layout.at(top, layout.targets_json()))
    except (OSError, ValueError):
        return False
    return isinstance(targets, dict) and targets.get("makefile_sha256") is not None and \
        state.file_digest(layout.at(top, layout.makefile())) == targets["makefile_sha256"]


def digests(topdir, record):
    """{output: sha256} of what init made before its state (RECORD's facts) in the compose TOPDIR."""
    return {rel: state.file_digest(layout.at(topdir, rel)) for rel in outputs(topdir, record)}


def _newest_finished(where):
    found = []
    for parent in where:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            top = os.path.join(parent, name)
            status = layout.at(top, layout.status_file())
            if os.path.islink(top) or not os.path.isdir(top):  # a latest-* link, a file beside the composes
                continue
            try:
                with open(status, encoding="utf-8") as f:
                    finished, mtime = f.read().strip() in FINISHED, os.fstat(f.fileno()).st_mtime_ns
            except (OSError, UnicodeDecodeError):  # unreadable, or bytes that are no status: no finished compose
                continue
            if finished:
                found.append((mtime, top))
    return [top for _mtime, top in sorted(found, reverse=True)]


def outputs(top, record):
    """The files (compose-relative) init made in the compose TOP before its state (RECORD):
    the config, its slices and copies, the variants and the comps."""
    made = [layout.config_json(), layout.config_files_json(), layout.variants_json()]
    for directory in (os.path.dirname(layout.config_slice("init")), "logs/global/config-copy"):
        try:
            made += [os.path.join(directory, name) for name in sorted(os.listdir(layout.at(top, directory)))]
        except OSError:
            pass
    return made + list(record.get("comps") or [])


def made_last():
    """What init writes after its state: make remakes the Makefile when the state is newer."""
    return [layout.targets_json(), layout.makefile()]


def take_over(topdir, top):
    """Copy what init made before its state in the compose TOP into TOPDIR; the state record
    of TOP's init."""
    record = jsonio.read_json(layout.at(top, layout.state_file("init")))
    copy(topdir, top, outputs(top, record))
    return record


def copy(topdir, top, files):
    """Copy FILES (compose-relative) of the compose TOP into TOPDIR, each whole or not at all
    (jsonio.write_file), as init writes them: a kill or a full disk mid-copy leaves no empty or
    half Makefile for make to run."""
    for rel in files:
        with open(layout.at(top, rel), "rb") as source:
            jsonio.write_file(layout.at(topdir, rel), lambda f: shutil.copyfileobj(source, f))
