"""Comps filtered for one variant and arch, as Pungi's init phase writes them.

First on the XML, as Pungi's comps_filter: packages, groups and environments
whose `arch` or `variant` attribute excludes the arch or variant go; then
groups left empty (but `conflicts` and `conflicts-<variant>`), the category
entries and environment grouplist entries naming a group that is gone
(the parent variant's groups count as there) and categories and environments
left without such entries. Then as Pungi's CompsWrapper: a variant that lists
groups, or is not a top-level variant, keeps only the groups it lists (with
its default/uservisible overrides); one that lists groups or environments
keeps only the environments it lists when comps_filter_environments is on.
Environment lists are not pruned again. The XML is written as Pungi's
generate_comps does: groups and environments sorted by id, requirements by
type then name, lists by name, default and uservisible always.
"""

import fnmatch
import os
import re
import tempfile

from ..errors import PunjiError
from . import xmlfile

EMPTY_NUMBER_RE = re.compile(rb"<(uservisible|biarchonly|display_order)(?:\s[^>]*)?(?:/>|>\s*</\1\s*>)")
# the remarks of libcomps on a comps file Pungi composes with (an element out of place, which
# libcomps drops, is one too, but punji refuses it: a typo like <package> loses a requirement;
# not the translatable <_name> and <_description> of a comps.xml.in, whose text is a name)
TOLERATED_RE = re.compile(r"^\w+ is empty at line|^Element (name|description) is required|"
                          r"^<(name|description)> content missing|has been already found|"
                          r"<_(name|description)> found with no suitable parent")
LINE_RE = re.compile(r"\s*at line:\s*(\d+)\s*col(?:umn)?\s*:\s*\d+")


def read(path):
    """A libcomps.Comps from PATH, or one error line naming the file."""
    import libcomps

    if not os.path.isfile(path):
        what = "is a directory, not a comps file" if os.path.isdir(path) else "comps file does not exist"
        raise PunjiError("%s: %s" % (path, what))
    _check_root(path)
    _check_empty_numbers(path)
    comps = libcomps.Comps()
    try:
        failed = comps.fromxml_f(path) not in (0, 1)  # 1: parsed, with warnings
    except Exception:  # libcomps raises its ParserError for malformed XML
        failed = True
    problems = [" ".join(str(e).split()) for e in comps.get_last_errors()]
    # libcomps answers 1 for a file it read with remarks. Pungi composes through most of them (an
    # empty list, a missing or empty name or description, an element twice; attributes it does
    # not know pass silently) and fails on a missing id or package name: those are rejections
    problems = [p for p in problems if not TOLERATED_RE.search(p)]
    if failed or problems:
        raise PunjiError("%s: libcomps rejects the comps file: %s" % (path, _first_problem(path, problems)))
    _check_package_names(path, comps)
    return comps


def _check_package_names(path, comps):
    """As Pungi's comps validation: no package name of a group with blanks around it."""
    for group in comps.groups:
        for package in group.packages:
            if package.name != package.name.strip():
                raise PunjiError("%s: group '%s': package name %r has leading or trailing whitespace"
                                 % (path, group.id, package.name))


def check_package_types(path, comps):
    """Every requirement of the groups of COMPS (a variant.arch's) of a known type: Pungi fails
    writing such a group (libcomps reads a type it does not know as 'unknown')."""
    import libcomps

    for group in comps.groups:
        for package in group.packages:
            if package.type == libcomps.PACKAGE_TYPE_UNKNOWN:
                raise PunjiError("%s: group '%s': package '%s' has an unknown type (one of %s)"
                                 % (path, group.id, package.name, ", ".join(TYPES)))


def _check_empty_numbers(path):
    """No blank uservisible, biarchonly or display_order element: libcomps 0.1.19 crashes on
    them (and Pungi with it). A scan of the text, cheaper than parsing it once more."""
    with open(path, "rb") as f:
        text = f.read()
    found = EMPTY_NUMBER_RE.search(text)
    if found:
        raise PunjiError("%s: line %d: empty <%s> element (libcomps cannot read it)"
                         % (path, text.count(b"\n", 0, found.start()) + 1, found.group(1).decode()))


def _check_root(path):
    """A file whose root element is not <comps> (libcomps 0.1.19 crashes on some of them).
    Read with expat, which stops at the root: a gather reads a comps file, and lxml costs
    its start ~20 ms."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator="}")
    root = []

    def start(tag, _attributes):
        root.append(("{" + tag if "}" in tag else tag, parser.CurrentLineNumber))
        raise _RootFound

    parser.StartElementHandler = start
    try:
        with open(path, "rb") as f:
            parser.ParseFile(f)
    except _RootFound:
        pass
    except expat.ExpatError as exc:
        raise PunjiError("%s: libcomps rejects the comps file: line %s: %s"
                         % (path, exc.lineno, expat.errors.messages[exc.code]))
    tag, line = root[0] if root else (None, 1)
    if tag != "comps":
        raise PunjiError("%s: libcomps rejects the comps file: line %d: the root element is <%s>, not <comps>"
                         % (path, line, tag))


class _RootFound(Exception):
    pass


def _first_problem(path, problems):
    """The fatal message if there is one, else the first, with its line: 'comps.xml:12: ...'."""
    fatal = [p for p in problems if p.startswith("ERROR")]
    text = (fatal or problems or ["parse error"])[0]
    match = LINE_RE.search(text)
    if match:
        rest = (text[:match.start()] + text[match.end():]).replace("ERROR: ", "").strip()
        return "line %s: %s" % (match.group(1), rest)
    return text


def _attribute_tree(path, arch, variant_uid):
    """The lxml tree of PATH with Pungi's comps_filter attribute filter applied: a packagereq,
    group or environment whose `arch` (or `variant`) attribute does not list ARCH (VARIANT_UID),
    split on commas and spaces, goes; where it does, the attribute goes. libcomps would drop
    the attributes unread, so this runs on the XML. With no VARIANT_UID only the arch applies."""
    tree = xmlfile.parse(path, remove_blank_text=True)
    filters = [("arch", arch)] + ([("variant", variant_uid)] if variant_uid else [])
    for xpath in ("/comps/group/packagelist/packagereq", "/comps/group", "/comps/environment"):
        for attr, value in filters:
            for element in tree.xpath("%s[@%s]" % (xpath, attr)):
                if value in [x for x in re.split(r"[, ]+", element.get(attr)) if x]:
                    del element.attrib[attr]
                else:
                    element.getparent().remove(element)
    return tree


def attribute_filtered(path, arch, variant_uid):
    """The XML text (bytes) of _attribute_tree()."""
    return _as_comps_filter_writes(_attribute_tree(path, arch, variant_uid))


def _as_comps_filter_writes(tree):
    """TREE as bytes, as Pungi's comps_filter writes its output: reindented, a newline after."""
    from lxml import etree

    return etree.tostring(tree, pretty_print=True, xml_declaration=True, encoding="UTF-8") + b"\n"


def _read_back(data):
    """A libcomps.Comps of the XML DATA read from a file, as Pungi reads comps_filter's output.
    libcomps reads a file 1 KiB at a time and drops a piece of text that is only blanks, so a
    blank cut off at a piece's edge is lost (`Tools &amp; more` cut after the space reads as
    `Tools &more`); the same text read from a string keeps it."""
    import libcomps

    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(data)
        f.flush()
        comps = libcomps.Comps()
        comps.fromxml_f(f.name)
    return comps


def _cleanup(tree, keep_empty, lookaside):
    """comps_filter's clean-up: empty groups go unless their id matches a KEEP_EMPTY glob; then
    category and environment grouplist entries naming no group left (or, for environments, no
    group of LOOKASIDE) and those left with none. Option lists stay as they are."""
    for group in tree.xpath("/comps/group[not(packagelist/packagereq)]"):
        if not any(fnmatch.fnmatchcase(gid, k) for gid in group.xpath("id/text()") for k in keep_empty):
            group.getparent().remove(group)
    present = set(tree.xpath("/comps/group/id/text()"))
    _prune_lists(tree, "category", present)
    _prune_lists(tree, "environment", present | set(lookaside))


def _prune_lists(tree, kind, present):
    for item in tree.xpath("/comps/" + kind):
        for groupid in item.xpath("grouplist/groupid"):
            if groupid.text not in present:
                groupid.getparent().remove(groupid)
        if not item.xpath("grouplist/groupid"):
            item.getparent().remove(item)


def filtered(path, variant, arch, filter_environments=True, lookaside=()):
    """A libcomps.Comps of the comps file PATH with what VARIANT may see on ARCH, and the names
    of the groups the variant lists that match no group there. LOOKASIDE: the group names the
    parent variant lists, which environments may keep naming."""
    tree = _attribute_tree(path, arch, variant["uid"])
    _cleanup(tree, ("conflicts", "conflicts-" + variant["uid"].lower()), lookaside)
    comps = _read_back(_as_comps_filter_writes(tree))
    missing = []
    # Pungi filters the groups of a modular variant (one with a <modules> element) too
    if variant["groups"] or variant.get("modules") is not None or variant["modular_koji_tags"] or variant["type"] != "variant":
        missing = _keep_groups(comps, variant["groups"])
    if filter_environments and (variant["groups"] or variant["environments"]):
        _keep_environments(comps, variant["environments"])
    return comps, missing


def _keep_groups(comps, wanted):
    """Keep the groups WANTED matches, the first entry by name deciding (Pungi sorts them), with
    its default/uservisible where given; return the names of the entries that match none."""
    wanted = sorted(wanted, key=lambda w: w["name"])
    used = set()
    for index in reversed(range(len(comps.groups))):
        group = comps.groups[index]
        entry = next((w for w in wanted if _matches(group.id, w)), None)
        if entry is None:
            del comps.groups[index]
            continue
        used.update(w["name"] for w in wanted if _matches(group.id, w))
        for attr in ("default", "uservisible"):
            if entry[attr] is not None:
                setattr(group, attr, entry[attr])
    return [w["name"] for w in wanted if w["name"] not in used]


def _matches(group_id, entry):
    return fnmatch.fnmatchcase(group_id, entry["name"]) if entry["glob"] else group_id == entry["name"]


def _keep_environments(comps, wanted):
    orders = {w["name"]: w["display_order"] for w in reversed(wanted)}  # the first entry wins
    for index in reversed(range(len(comps.environments))):
        env = comps.environments[index]
        if env.id not in orders:
            del comps.environments[index]
        elif orders[env.id] is not None:
            env.display_order = orders[env.id]


# -- writing, as Pungi's CompsWrapper.generate_comps ---------------------------------------

HEADER = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE comps\n"
          "  PUBLIC '-//Red Hat, Inc.//DTD Comps info//EN'\n  'comps.dtd'>\n")
TYPES = ("mandatory", "default", "optional", "conditional")
TEXT_RE = re.compile(r">[^<]+<")


def to_xml(comps):
    """The XML text of COMPS as Pungi writes it. Categories keep their order, and with their
    environments name only groups that are there; an environment without a group goes."""
    from lxml import etree

    root = etree.Element("comps")
    for group in sorted(comps.groups, key=lambda g: g.id):
        _group(root, group)
    present = {g.id for g in comps.groups}
    for category in comps.categories:
        ids = [g for g in category.group_ids if g.name in present]
        if ids:
            node = _common(root, "category", category)
            _listing(node, category, ids, ())
    for env in sorted(comps.environments, key=lambda e: e.id):
        if len(env.group_ids):
            _listing(_common(root, "environment", env), env, env.group_ids, env.option_ids)
    if comps.langpacks:
        node = etree.SubElement(root, "langpacks")
        for name in sorted(comps.langpacks):
            _add(node, "match", install=comps.langpacks[name], name=name)
    text = etree.tostring(root, pretty_print=True, encoding="unicode")
    # minidom, Pungi's writer, escapes a double quote in text too (lxml escapes no raw > or < in
    # attribute values, so what lies between > and < is text)
    return HEADER + TEXT_RE.sub(lambda m: m.group(0).replace('"', "&quot;"), text)


def _add(parent, tag, text=None, **attrs):
    from lxml import etree

    node = etree.SubElement(parent, tag)
    for key in sorted(attrs):
        node.set(key, attrs[key])
    node.text = text or None
    return node


def _common(parent, tag, item, description=False):
    """TAG with id, names and (when it has one, or DESCRIPTION) descriptions, translations by lang."""
    node = _add(parent, tag)
    _add(node, "id", item.id)
    _translated(node, "name", item.name, item.name_by_lang)
    if item.desc or description:
        _translated(node, "description", item.desc, item.desc_by_lang)
    return node


def _translated(node, tag, text, by_lang):
    _add(node, tag, text)
    for lang in sorted(by_lang):
        _add(node, tag, by_lang[lang]).set("{http://www.w3.org/XML/1998/namespace}lang", lang)


def _group(root, group):
    import libcomps

    node = _common(root, "group", group, description=True)
    _add(node, "default", "true" if group.default else "false")
    _add(node, "uservisible", "true" if group.uservisible else "false")
    if group.lang_only:
        _add(node, "langonly", group.lang_only)
    packages = _add(node, "packagelist")
    codes = [getattr(libcomps, "PACKAGE_TYPE_" + t.upper()) for t in TYPES]
    for package in sorted(group.packages, key=lambda p: (codes.index(p.type), p.name)):
        extra = {"requires": package.requires or ""} if package.type == libcomps.PACKAGE_TYPE_CONDITIONAL else {}
        _add(packages, "packagereq", package.name, type=TYPES[codes.index(package.type)], **extra)


def _listing(node, item, group_ids, option_ids):
    """display_order, then the grouplist and (if any) optionlist, each name once, sorted."""
    if item.display_order is not None:
        _add(node, "display_order", str(item.display_order))
    for tag, ids in (("grouplist", group_ids), ("optionlist", option_ids)):
        if tag == "grouplist" or len(ids):
            lst = _add(node, tag)
            for gid in sorted({(g.name, bool(g.default)) for g in ids}):
                _add(lst, "groupid", gid[0], **({"default": "true"} if gid[1] else {}))
