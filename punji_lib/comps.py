"""Comps filtered for one variant and arch, as Pungi's init phase writes them.

Packages, groups and environments whose `arch` attribute excludes the arch
go. A variant that lists groups, or is not a top-level variant, keeps only
the groups it lists (with its default/uservisible overrides) and, when
comps_filter_environments is on, only the environments it lists; a top-level
variant that lists none (an "Everything") keeps them all. Groups left empty,
then environments and categories left empty, go last.
"""

import fnmatch

from . import arches
from .errors import PunjiError


def read(path):
    """A libcomps.Comps from PATH, or one error line naming the file."""
    import libcomps

    comps = libcomps.Comps()
    try:
        errors = comps.fromxml_f(path)
    except (IOError, OSError, SystemError, TypeError) as exc:
        raise PunjiError("%s: cannot read the comps file: %s" % (path, exc))
    problems = [str(e).strip() for e in comps.get_last_errors()]
    if errors < 0 or problems:
        raise PunjiError("%s: libcomps rejects the comps file: %s" % (path, problems[0] if problems else "parse error"))
    return comps


def filtered(comps, variant, arch, filter_environments=True):
    """A new libcomps.Comps with what VARIANT may see on ARCH, and the names of
    the groups the variant lists that the comps file lacks."""
    result = comps.arch_filter(arches.family(arch) + ["noarch"])
    missing = []
    if variant["groups"] or variant["type"] != "variant":
        present = [g.id for g in comps.groups]
        missing = [w["name"] for w in variant["groups"] if not any(_matches(gid, [w]) for gid in present)]
        _keep_groups(result, variant["groups"])
        if filter_environments:
            _keep_environments(result, variant["environments"])
    _drop_empty(result)
    return result, missing


def _matches(name, wanted):
    for entry in wanted:
        if entry["name"] == name or (entry.get("glob") and fnmatch.fnmatchcase(name, entry["name"])):
            return entry
    return None


def _keep_groups(comps, wanted):
    for index in reversed(range(len(comps.groups))):
        group = comps.groups[index]
        entry = _matches(group.id, wanted)
        if entry is None:
            del comps.groups[index]
            continue
        if entry.get("default") is not None:
            group.default = entry["default"]
        if entry.get("uservisible") is not None:
            group.uservisible = entry["uservisible"]


def _keep_environments(comps, wanted):
    for index in reversed(range(len(comps.environments))):
        env = comps.environments[index]
        entry = _matches(env.id, wanted)
        if entry is None:
            del comps.environments[index]
        elif entry.get("display_order") is not None:
            env.display_order = entry["display_order"]


def _drop_empty(comps):
    for index in reversed(range(len(comps.groups))):
        if not len(comps.groups[index].packages):
            del comps.groups[index]
    group_ids = {g.id for g in comps.groups}
    for collection in (comps.environments, comps.categories):
        for index in reversed(range(len(collection))):
            item = collection[index]
            _prune_ids(item.group_ids, group_ids)
            if hasattr(item, "option_ids"):
                _prune_ids(item.option_ids, group_ids)
            if not len(item.group_ids) and not len(getattr(item, "option_ids", [])):
                del collection[index]


def _prune_ids(id_list, keep):
    for index in reversed(range(len(id_list))):
        if id_list[index].name not in keep:
            del id_list[index]


def to_xml(comps):
    return comps.xml_str()
