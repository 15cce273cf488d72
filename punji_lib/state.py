"""Phase state files: the make targets, written last, each with a typed header."""

import os

from . import jsonio, layout

VERSION = "1.0"


def header(kind):
    """{"type": "punji.<kind>", "version": "1.0"} — the first key of every state file."""
    return {"type": "punji.%s" % kind, "version": VERSION}


def write(topdir, phase, variant=None, arch=None, **data):
    """Write the state file of PHASE for its scope; call it after every other output."""
    record = dict(data, header=header(phase), phase=phase, variant=variant, arch=arch)
    record.setdefault("failed", False)
    path = layout.at(topdir, layout.state_file(phase, variant, arch))
    jsonio.write_json(path, record)
    clear_marks(topdir, phase, variant, arch)
    return path


def _mark(topdir, phase, variant, arch, suffix):
    return layout.at(topdir, layout.state_file(phase, variant, arch)) + suffix


def mark_running(topdir, phase, variant=None, arch=None):
    """Leave work/<scope>/state/<name>.json.pid while the phase runs, for punji-status."""
    jsonio.write_text(_mark(topdir, phase, variant, arch, ".pid"), "%d\n" % os.getpid())
    _remove(_mark(topdir, phase, variant, arch, ".error"))


def mark_failed(topdir, phase, variant, arch, message):
    """Record the one-line error of a failed run next to the (absent) state file."""
    jsonio.write_text(_mark(topdir, phase, variant, arch, ".error"), message + "\n")
    _remove(_mark(topdir, phase, variant, arch, ".pid"))


def clear_marks(topdir, phase, variant=None, arch=None):
    for suffix in (".pid", ".error"):
        _remove(_mark(topdir, phase, variant, arch, suffix))


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
