"""Variants XML, read with Pungi's semantics and filtered by tree_arches / tree_variants.

A variant is a plain dict (see `_variant`); children (addon, optional,
layered-product) get the uid `<parent uid>-<id>` and the parent's arches
unless they list their own, which must be among the parent's.
"""

import os
import re

from .. import arches
from ..errors import PunjiError
from . import xmlfile

DTD_PATH = os.path.join(os.path.dirname(__file__), "data", "variants.dtd")


def load(path, tree_arches=None, tree_variants=None, warnings=None):
    """Parse PATH and return the variants left in the compose by TREE_ARCHES and TREE_VARIANTS
    (uids, parents before children), as Pungi 4.3.2 reads the file.

    Top-level addons and layered products are templates that a variant's <ref id="X"/> makes its
    child `<Parent>-X`; has_optional adds an `optional` child when none is added; a child's arches
    are those it shares with its parent. Pungi reads no more of a variant tree_arches leaves no
    arch (nor of its children), so its checks apply to the variants it reads only. WARNINGS (a
    list, when given) gets a line for each thing of the file Pungi ignores."""
    return _Reader(path, tree_arches, tree_variants, checks=True, warnings=warnings).variants()


def declared(path):
    """Every variant PATH declares, tree_arches and tree_variants aside (what a variant pattern of
    the config may name); the checks Pungi makes of a variant it reads are left to `load`."""
    return _Reader(path, None, None, checks=False).variants()


TEMPLATE_TYPES = ("addon", "layered-product")


class _Reader:
    """One reading of a variants file in Pungi 4.3.2's order, with or without the CHECKS Pungi
    makes as it reads a variant (those stop it only for the variants it reads)."""

    def __init__(self, path, tree_arches, tree_variants, checks, warnings=None):
        self.path = path
        self.root = _parse_valid(path)
        self.templates = {n.get("id"): n for n in self.root.findall("variant") if n.get("type") in TEMPLATE_TYPES}
        self.referenced = {r.get("id") for r in self.root.iterfind("variant/variants/ref")}
        self.tree_arches = tree_arches
        self.tree_variants = tree_variants
        self.checks = checks
        self.warnings = warnings if warnings is not None else []
        self.lines = {}  # id() of a variant read -> its line

    def variants(self):
        """The variants of the top-level ones Pungi keeps, each followed by its children; a later
        variant of the same id takes the place of the first, as in Pungi's dict of variants."""
        for ref in self.root.findall("ref"):
            self.warnings.append("%s:%s: <ref id='%s'> outside a variant, which Pungi 4.3.2 ignores"
                                 % (self.path, ref.sourceline, ref.get("id")))
        kept = {}
        for node in self.root.findall("variant"):
            if not self._is_a_top_level_variant(node):
                continue
            subtree = self._read(node, None)
            if subtree is None or self._excluded(subtree[0]["uid"]):
                continue
            if node.get("id") in kept:
                self.warnings.append("%s:%s: variant '%s' is defined twice (line %s first): Pungi 4.3.2 takes the last"
                                     % (self.path, node.sourceline, node.get("id"), self.lines[id(kept[node.get("id")][0])]))
            kept[node.get("id")] = subtree
        result = [v for subtree in kept.values() for v in subtree]
        if self.checks:  # only of the variants Pungi keeps: it composes beside any other
            for variant in result:
                _check_id(self.path, self.lines[id(variant)], variant)
            self._check_unique_uids(result)
        return result

    def _is_a_top_level_variant(self, node):
        """Whether Pungi reads top-level NODE as a variant of its own: an addon or layered product
        is one a <ref> names (an addon nothing names is refused: a likely mistake), an optional
        one Pungi ignores."""
        kind, where = node.get("type"), "%s:%s: variant '%s'" % (self.path, node.sourceline, node.get("id"))
        if kind == "variant" or (kind in TEMPLATE_TYPES and node.get("id") in self.referenced):
            return kind == "variant"
        if kind == "addon":
            raise PunjiError("%s: an addon must be nested in a parent variant or named by a <ref> in one" % where)
        self.warnings.append("%s: a top-level %s%s, which Pungi 4.3.2 ignores"
                             % (where, kind, " no <ref> names" if kind in TEMPLATE_TYPES else ""))
        return False

    def _read(self, node, parent):
        """The variant of NODE under PARENT followed by the children Pungi adds to it; None when
        tree_arches leaves it no arch (Pungi reads no further)."""
        variant = _variant(node, parent)
        where = "%s:%s: variant '%s'" % (self.path, node.sourceline, variant["uid"])
        _check_place(variant, parent, where)
        if parent is None and not variant["arches"]:
            raise PunjiError("%s: lists no <arches>" % where)
        arches = [a for a in variant["arches"] if not self.tree_arches or a in self.tree_arches]
        if not arches:
            return None
        if self.checks:
            _check_arches(arches, where)
        variant["arches"] = arches
        self.lines[id(variant)] = node.sourceline
        if self.checks:
            _check_read(self.path, node, variant, where)
        subtree = [variant]
        added = {}
        has_optional = False
        for child in node.findall("variants/variant"):
            made = self._add(variant, child, self._read(child, variant), subtree, added)
            has_optional = has_optional or (made is not None and made["type"] == "optional")
        if variant["has_optional"] and not has_optional:
            self._add_optional(node, variant, subtree, added, where)
        for ref in node.findall("variants/ref"):
            target = self.templates.get(ref.get("id"))
            if target is None and self.checks:
                raise PunjiError("%s:%s: variant '%s' references %r, which is no top-level addon or layered-product"
                                 % (self.path, ref.sourceline, variant["uid"], ref.get("id")))
            if target is not None:
                self._add(variant, target, self._read(target, variant), subtree, added)
        variant["has_optional"] = variant["has_optional"] or any(v["type"] == "optional" for v in added.values())
        return subtree

    def _add_optional(self, node, variant, subtree, added, where):
        """has_optional: an optional child of the variant's arches, unless tree_variants leaves it
        out (before Pungi would refuse it on a variant of another type)."""
        uid = variant["uid"] + "-optional"
        if self._excluded(uid):
            return
        if variant["type"] != "variant" and self.checks:
            raise PunjiError("%s: has_optional on a variant of type %s, which Pungi 4.3.2 refuses (only a variant of "
                             "type variant can have children)" % (where, variant["type"]))
        optional = dict(_variant(node, variant), id="optional", uid=uid, name="optional",
                        type="optional", arches=list(variant["arches"]), groups=[], environments=[],
                        is_empty=False, has_optional=False, release=None, buildinstallpackages=[],
                        modules=None, modular_koji_tags=[], children=[])
        self.lines[id(optional)] = node.sourceline
        self._add(variant, node, [optional], subtree, added)

    def _add(self, parent, node, child_subtree, subtree, added):
        """Add the child variant heading CHILD_SUBTREE (read from NODE) to PARENT's SUBTREE as
        Pungi does; the child, or None when left out by tree_arches or tree_variants (the first
        child of an id wins, and counts as added too)."""
        if child_subtree is None or self._excluded(child_subtree[0]["uid"]):
            return None
        child = child_subtree[0]
        if child["id"] in added:
            return child
        where = "%s:%s: variant '%s'" % (self.path, node.sourceline, child["uid"])
        shared = sorted(set(child["arches"]) & set(parent["arches"]))
        if self.checks:
            _check_child(child, parent, shared, where)
        elif parent["type"] != "variant" or not shared:
            return None
        child["arches"] = shared
        parent["children"].append(child["uid"])
        added[child["id"]] = child
        subtree.extend(child_subtree)
        return child

    def _excluded(self, uid):
        return bool(self.tree_variants) and uid not in self.tree_variants

    def _check_unique_uids(self, variants):
        seen = set()
        for variant in variants:
            if variant["uid"] in seen:
                raise PunjiError("%s:%s: variant '%s' is defined twice"
                                 % (self.path, self.lines[id(variant)], variant["uid"]))
            seen.add(variant["uid"])


def _parse_valid(path):
    from lxml import etree

    if os.path.isdir(path):
        raise PunjiError("%s: is a directory, not a variants file" % path)
    if not os.path.lexists(path):
        raise PunjiError("%s: variants file does not exist" % path)  # as a comps file's (lxml says it thrice)
    try:
        tree = xmlfile.parse(path, remove_comments=True)
    except OSError as exc:
        raise PunjiError("%s: cannot read the variants file: %s" % (path, exc.strerror or exc))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise PunjiError("%s:%s: not well-formed XML: %s" % (path, line, exc.msg))
    with open(DTD_PATH, "rb") as f:
        dtd = etree.DTD(f)
    if not dtd.validate(tree.getroot()):
        err = dtd.error_log.filter_from_errors()[0]
        raise PunjiError("%s:%s: does not match the variants DTD: %s" % (path, err.line, err.message))
    _check_whitespace(path, tree.getroot())
    return tree.getroot()


def _bool(node, attr, default=None):
    value = node.get(attr)
    return default if value is None else value == "true"


ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
# the elements whose text Pungi's variants validation refuses with leading or trailing whitespace
NO_WHITESPACE = ("arch", "environment", "group", "kojitag", "module", "name", "package")


def _text(node):
    """NODE's text as Pungi reads it: str() of it, so an empty element names 'None' (a group
    or environment no comps file has)."""
    return str(node.text)


def _check_whitespace(path, root):
    """As Pungi 4.3.2's variants validation: a group, arch, module... named with spaces or a
    newline around it is refused (an indented <group>\n  core\n</group> too)."""
    for element in root.iter(*NO_WHITESPACE):
        if element.text is not None and element.text != element.text.strip():
            raise PunjiError("%s:%s: <%s> %r has leading or trailing whitespace, which Pungi refuses"
                             % (path, element.sourceline, element.tag, element.text))


def _display_order(environment):
    """An environment's display_order as Pungi 4.3.2 reads it, by int(); None when it is not given
    (or not a whole number: `_check_read` refuses that for the variants Pungi reads)."""
    value = environment.get("display_order")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _variant(node, parent):
    variant_id = node.get("id")
    release = node.find("release")
    return {
        "id": variant_id,
        "uid": "%s-%s" % (parent["uid"], variant_id) if parent else variant_id,
        "name": node.get("name"),
        "type": node.get("type"),
        "parent": parent["uid"] if parent else None,
        "arches": sorted({a.text.strip() for a in node.findall("arches/arch") if a.text}),
        "groups": [
            {
                "name": _text(g),
                "glob": _bool(g, "glob", False),
                "default": _bool(g, "default"),
                "uservisible": _bool(g, "uservisible"),
            }
            for g in node.findall("groups/group")
        ],
        "environments": [
            {
                "name": _text(e),
                "display_order": _display_order(e),
                "optional": False,  # Pungi 4.3.2's DTD has no such attribute
            }
            for e in node.findall("environments/environment")
        ],
        "is_empty": node.get("is_empty") is not None,  # Pungi: bool("false") is True
        "has_optional": _bool(node, "has_optional", False),
        "release": dict(release.attrib) if release is not None else None,
        "buildinstallpackages": [_text(p) for p in node.findall("buildinstallpackages/package")],
        "modules": _modules(node),
        "modular_koji_tags": [_text(t) for t in node.findall("modules/kojitag")],
        "children": [],
    }


def _modules(node):
    """The <modules><module> entries ({name, glob}, sorted by name) as Pungi reads them; None
    without a <modules> element (an empty one still makes the variant modular)."""
    if node.find("modules") is None:
        return None
    return sorted(({"name": m.text.strip(), "glob": _bool(m, "glob", False)}
                   for m in node.findall("modules/module") if m.text and m.text.strip()),
                  key=lambda m: m["name"])


def _check_id(path, line, variant):
    """One error line when VARIANT's id (of the file PATH, at LINE) has characters punji's
    paths and make's targets cannot hold."""
    if not ID_RE.match(variant["id"] or ""):
        raise PunjiError("%s:%s: variant id %r: only letters, digits, '_', '-' and '.' (not leading)"
                         % (path, line, variant["id"]))


def _check_arches(kept, where):
    """One error line when an arch of KEPT (a variant's, after tree_arches) is none punji knows."""
    unknown = [a for a in kept if not arches.is_compose_arch(a)]
    if unknown:
        known = sorted(set(arches.FAMILY) - {"src"} | set(arches.COMPATIBLE_NEXT))
        raise PunjiError("%s: unknown arch %r (arches: %s)" % (where, unknown[0], ", ".join(known)))


def _check_place(variant, parent, where):
    """One error line when VARIANT is nested under PARENT as a top-level type."""
    if parent is not None and variant["type"] == "variant":
        raise PunjiError("%s: a nested variant must be of type addon, optional or layered-product" % where)


def _check_read(path, node, variant, where):
    """What Pungi 4.3.2 refuses as it reads a variant (one with an arch tree_arches leaves): an
    environment's display_order int() refuses, a layered product's <release> without name,
    version or short (in that order: a KeyError on the first missing)."""
    for element in node.findall("environments/environment"):
        value = element.get("display_order")
        if value is not None and _display_order(element) is None:
            raise PunjiError("%s:%s: <environment> %r: display_order %r is not a whole number, which Pungi needs"
                             % (path, element.sourceline, element.text, value))
    if variant["type"] != "layered-product":
        return
    if variant["release"] is None:
        raise PunjiError("%s: a layered-product needs a <release> element" % where)
    missing = [a for a in ("name", "version", "short") if a not in variant["release"]]
    if missing:
        raise PunjiError("%s: its <release> has no %s attribute, which Pungi 4.3.2 needs" % (where, missing[0]))


def _check_child(child, parent, shared, where):
    """What Pungi 4.3.2 refuses as it adds CHILD (not left out by tree_arches or tree_variants)
    to PARENT, SHARED being their common arches (both after tree_arches)."""
    if parent["type"] != "variant":
        raise PunjiError("%s: only a variant of type variant can have children" % where)
    if child["id"] == parent["id"]:
        raise PunjiError("%s: a child's id must differ from its parent's" % where)
    if not shared:
        raise PunjiError("%s: arches %s are not arches of its parent '%s'"
                         % (where, ", ".join(child["arches"]), parent["uid"]))


COMPOSEINFO_ID_RE = re.compile(r"^[A-Za-z0-9]+$")


def check_productmd_ids(path, tree):
    """Refuse the variant ids and names productmd makes Pungi 4.3.2 fail on, for the variants
    left in the compose (TREE). As it starts, writing composeinfo: an id of anything but letters
    and digits once its '-' are dropped, a blank name, and a child's id with a '-' (productmd
    takes the id without it, so the child's uid is no longer its parent's uid, '-', its id).
    After gathering, writing the .treeinfo of a layered product (not is_empty): a parent id with
    a '-', which Pungi hands productmd as the tree's variant id without dropping it."""
    for variant in _composeinfo_order(tree):
        fault = _composeinfo_fault(variant)
        if fault:
            raise PunjiError("%s:%s: variant '%s': %s, which Pungi 4.3.2 refuses as it writes composeinfo"
                             % (path, _line_of(path, variant["id"]), variant["uid"], fault))
    for variant in tree:
        if variant["type"] == "layered-product" and not variant["is_empty"] and "-" in variant["parent"]:
            raise PunjiError("%s:%s: variant '%s': a layered product under a variant whose id has a '-' (%r), "
                             "which Pungi 4.3.2 refuses as it writes the layered product's .treeinfo"
                             % (path, _line_of(path, variant["id"]), variant["uid"], variant["parent"]))


def _composeinfo_order(tree):
    """TREE's variants in the order productmd checks them: top-level ones by id, each after its
    children (in the order of the variants file)."""
    uids = by_uid(tree)

    def subtree(variant):
        for child in variant["children"]:
            yield from subtree(uids[child])
        yield variant

    for top in sorted((v for v in tree if v["parent"] is None), key=lambda v: v["id"]):
        yield from subtree(top)


def _composeinfo_fault(variant):
    if not COMPOSEINFO_ID_RE.match(variant["id"].replace("-", "")):
        return "its id %r has characters other than letters, digits and '-'" % variant["id"]
    if not variant["name"]:
        return "its name is blank"
    if variant["parent"] is not None and "-" in variant["id"]:
        return "the id %r of a child variant has a '-'" % variant["id"]
    return None


def _line_of(path, variant_id):
    """The line of the first <variant> of id VARIANT_ID in PATH."""
    from lxml import etree

    node = next(etree.parse(path).iterfind(".//variant[@id='%s']" % variant_id), None)
    return node.sourceline if node is not None else 0


def by_uid(variants):
    return {v["uid"]: v for v in variants}


def with_arch(variants, uid, arch, source=True):
    """The variant UID of VARIANTS when it has a tree of ARCH (with SOURCE, also "src": every
    variant has a source tree); else one error line."""
    v = by_uid(variants).get(uid)
    if v is None:
        raise PunjiError("no variant %s in this compose (its variants: %s)"
                         % (uid, ", ".join(sorted(x["uid"] for x in variants))))
    arches = v["arches"] + (["src"] if source else [])
    if arch not in arches:
        raise PunjiError("variant %s has no arch %s in this compose (its arches: %s)" % (uid, arch, ", ".join(arches)))
    return v


def all_arches(variants):
    """The sorted arches of every variant."""
    return sorted({a for v in variants for a in v["arches"]})



def builds_on(variant, variants, arch):
    """The uids whose gather results the gather of VARIANT on ARCH reads: an addon's parent;
    a layered product's parent and the parent's addons; an optional variant's parent with
    the parent's addons and layered products. Top-level variants build on nothing."""
    parent = variant["parent"]
    if not parent:
        return []
    siblings = [v for v in variants if v["parent"] == parent and arch in v["arches"] and v is not variant]
    kinds = {"addon": (), "layered-product": ("addon",), "optional": ("addon", "layered-product")}
    return [parent] + [v["uid"] for v in siblings if v["type"] in kinds.get(variant["type"], ())]
