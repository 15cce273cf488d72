"""Comps filtered for one variant and arch, as Pungi's init phase writes them.

Packages, groups and environments whose `arch` attribute excludes the arch
go. A variant that lists groups, or is not a top-level variant, keeps only
the groups it lists (with its default/uservisible overrides) and, when
comps_filter_environments is on, only the environments it lists; a top-level
variant that lists none (an "Everything") keeps them all. Groups left empty,
then environments and categories left empty, go last.
"""

import fnmatch
import os
import re

from .. import arches
from ..errors import PunjiError

_PATHS = {}
LINE_RE = re.compile(r"\s*at line:\s*(\d+)\s*col(?:umn)?\s*:\s*\d+")


def read(path):
    """A libcomps.Comps from PATH, or one error line naming the file."""
    import libcomps

    if not os.path.isfile(path):
        raise PunjiError("%s: comps file does not exist" % path)
    _check_root(path)
    comps = libcomps.Comps()
    try:
        failed = comps.fromxml_f(path) not in (0, 1)  # 1: parsed, with warnings
    except Exception:  # libcomps raises its ParserError for malformed XML
        failed = True
    problems = [" ".join(str(e).split()) for e in comps.get_last_errors()]
    # libcomps answers 1 for a file it read with remarks; only a remark it makes is a rejection
    # (a missing id or empty packagereq); attributes it does not know (arch, variant) pass silently
    if failed or problems:
        raise PunjiError("%s: libcomps rejects the comps file: %s" % (path, _first_problem(path, problems)))
    _PATHS[id(comps)] = (path, comps)  # filtered() rereads the XML for Pungi's attribute filter
    return comps


def _check_root(path):
    """A file whose root element is not <comps> (libcomps 0.1.19 crashes on some of them)."""
    from lxml import etree

    try:
        for _event, element in etree.iterparse(path, events=("start",), resolve_entities=False, no_network=True):
            if element.tag != "comps":
                raise PunjiError("%s: libcomps rejects the comps file: line %d: the root element is <%s>, not <comps>"
                                 % (path, element.sourceline, element.tag))
            return
    except etree.XMLSyntaxError as exc:
        raise PunjiError("%s: libcomps rejects the comps file: line %s: %s" % (path, exc.lineno, exc.msg))


def _first_problem(path, problems):
    """The fatal message if there is one, else the first, with its line: 'comps.xml:12: ...'."""
    fatal = [p for p in problems if p.startswith("ERROR")]
    text = (fatal or problems or ["parse error"])[0]
    match = LINE_RE.search(text)
    if match:
        rest = (text[:match.start()] + text[match.end():]).replace("ERROR: ", "").strip()
        return "line %s: %s" % (match.group(1), rest)
    return text


def attribute_filtered(path, arch, variant_uid):
    """The comps XML text of PATH with Pungi's comps_filter applied: a packagereq, group or
    environment whose `arch` (or `variant`) attribute does not list ARCH (VARIANT_UID), split
    on commas and spaces, goes; where it does, the attribute goes. libcomps would drop the
    attributes unread, so this runs on the XML before libcomps sees it. With no VARIANT_UID
    only the arch filter applies."""
    from lxml import etree

    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True))
    filters = [("arch", arch)] + ([("variant", variant_uid)] if variant_uid else [])
    for xpath in ("/comps/group/packagelist/packagereq", "/comps/group", "/comps/environment"):
        for attr, value in filters:
            for element in tree.xpath("%s[@%s]" % (xpath, attr)):
                if value in [x for x in re.split(r"[, ]+", element.get(attr)) if x]:
                    del element.attrib[attr]
                else:
                    element.getparent().remove(element)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def filtered(comps, variant, arch, filter_environments=True):
    """A new libcomps.Comps with what VARIANT may see on ARCH, and the names of
    the groups the variant lists that the comps file lacks."""
    import libcomps

    path = _PATHS.get(id(comps), (None, None))[0]
    if path:
        comps = libcomps.Comps()
        comps.fromxml_str(attribute_filtered(path, arch, variant["uid"]).decode("utf-8"))
    result = comps.arch_filter(arches.family(arch) + ["noarch"])
    for name in comps.langpacks:  # arch_filter drops them; keys()/items() crash libcomps 0.1.19
        result.langpacks[name] = comps.langpacks[name]
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


def _keep(collection, wanted, overrides):
    """Drop the items of COLLECTION that WANTED does not match; set the attributes
    OVERRIDES names from the matching entry where it gives them."""
    for index in reversed(range(len(collection))):
        item = collection[index]
        entry = _matches(item.id, wanted)
        if entry is None:
            del collection[index]
            continue
        for attr in overrides:
            if entry.get(attr) is not None:
                setattr(item, attr, entry[attr])


def _keep_groups(comps, wanted):
    _keep(comps.groups, wanted, ("default", "uservisible"))


def _keep_environments(comps, wanted):
    _keep(comps.environments, wanted, ("display_order",))


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
