"""The latest link of a target directory (latest-<release_short>-<version>...): its name, as
Pungi names it, and what may stand at its place."""

import os

from ..errors import PunjiError


def latest_link_name(conf, components=-1):
    """latest-<release_short>-<release_version's first parts>[-<base_product_short>-<version>]
    as Pungi names it: COMPONENTS parts of the version (0: no version; negative: all but that
    many, at least one)."""
    if components == 0:
        name = "latest-%s" % conf["release_short"]
    else:
        hunks = str(conf["release_version"]).split(".")
        count = min(len(hunks), components) if components > 0 else max(1, len(hunks) + components)
        name = "latest-%s-%s" % (conf["release_short"], ".".join(hunks[:count]))
    if conf.get("base_product_name"):
        name += "-%s-%s" % (conf["base_product_short"], conf["base_product_version"])
    return name


def refuse_what_is_no_link(path):
    """One error line when the latest link's PATH holds a directory or file (a compose copied
    with its links followed): it is not punji's to replace (Pungi fails on it too)."""
    if os.path.lexists(path) and not os.path.islink(path):
        raise PunjiError("%s is a %s, not the latest link: move it away (or compose with --no-latest-link)"
                         % (path, "directory" if os.path.isdir(path) else "file"))


def check_place(target, conf, options):
    """Before a compose into the directory TARGET starts: refuse_what_is_no_link() on the latest
    link it would move at its end (CONF: its config, OPTIONS: its command line's)."""
    if options.get("latest_link", True):
        refuse_what_is_no_link(os.path.join(target, latest_link_name(conf, options.get("latest_link_components", -1))))
