"""The text of packages as Pungi and rpm write it: debug package names, name globs, NEVRAs,
EVRs, source package file names and rich dependencies."""

import functools
import re

# Pungi's names of debug packages: *-debuginfo, *-debuginfo-*, *-debugsource (so
# elfutils-debuginfod-client is an ordinary package)
DEBUG_NAME = re.compile(r"^(?:.*-debuginfo(?:-.*)?|.*-debugsource)$")
# how Pungi tells a debug input pattern: those globs as regexps matched at the start only
DEBUG_INPUT = re.compile(r".+-debuginfo|.+-debugsource")


def is_debug(name):
    return DEBUG_NAME.match(name) is not None


def is_debug_input(pattern):
    return DEBUG_INPUT.match(pattern) is not None


def is_glob(pattern):
    return any(c in pattern for c in "*?[")


# libsolv's spelling of the boolean operators of rich dependencies -> rpm's
RICH_OPS = {" & ": " and ", " | ": " or ", " + ": " with ", " - ": " without ", " IF ": " if ",
            " UNLESS ": " unless ", " ELSE ": " else "}


def rich_text(text):
    """A dependency as rpm writes it: libsolv's 'a | b' is rpm's '(a or b)'."""
    if not any(op in text for op in RICH_OPS):
        return text
    for op, word in RICH_OPS.items():
        text = text.replace(op, word)
    return "(%s)" % text


def nevra_parts(text):
    """(name, epoch, version, release, arch) of a NEVRA text (epoch "" when it has none)."""
    rest, _dot, arch = text.rpartition(".")
    name, epoch_version, release = rest.rsplit("-", 2)
    epoch, _colon, version = epoch_version.rpartition(":")
    return name, epoch, version, release, arch


def file_nvra(text):
    """The stem of the file name of the package of NEVRA TEXT: name-version-release.arch."""
    name, _epoch, version, release, arch = nevra_parts(text)
    return "%s-%s-%s.%s" % (name, version, release, arch)


def nevra_of(s):
    return nevra_text(s.name, s.arch, s.evr)


def nevra_text(name, arch, evr):
    if ":" not in evr.split("-")[0]:
        evr = "0:" + evr
    return "%s-%s.%s" % (name, evr, arch)


@functools.lru_cache(maxsize=None)
def evr_parts(evr):
    """(epoch, version, release) of EVR, epoch "0" when it has none."""
    epoch, _colon, rest = evr.rpartition(":")
    version, release = rest.rsplit("-", 1)
    return epoch or "0", version, release


def source_nvr(sourcerpm):
    """(name, version, release) of a sourcerpm file name; 'x-1-2.nosrc.rpm' and 'x-1-2.src.rpm'
    name the same source package."""
    nvr = sourcerpm[:-len(".rpm")] if sourcerpm.endswith(".rpm") else sourcerpm
    nvr = nvr.rsplit(".", 1)[0]
    parts = nvr.rsplit("-", 2)
    return tuple(parts) if len(parts) == 3 else None
