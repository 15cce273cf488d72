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


def load(path, tree_arches=None, tree_variants=None):
    """Parse PATH and return the flat list of variants (parents before children).

    As Pungi 4.3.2 reads it: top-level addons and layered products are templates
    that a variant's <ref id="X"/> makes its child `<Parent>-X`; has_optional adds
    an `optional` child when none is declared; a child's arches are those it
    shares with its parent."""
    root = _parse_valid(path)
    templates = {n.get("id"): n for n in root.findall("variant") if n.get("type") in ("addon", "layered-product")}
    referenced = {r.get("id") for r in root.iterfind("variant/variants/ref")}
    variants = []
    for node in root.findall("variant"):
        if node.get("type") in ("addon", "layered-product") and node.get("id") in referenced:
            continue
        _collect(path, node, None, variants, templates)
    _check_refs(path, root, variants)
    return filter_tree(variants, tree_arches, tree_variants)


def _parse_valid(path):
    from lxml import etree

    if os.path.isdir(path):
        raise PunjiError("%s: is a directory, not a variants file" % path)
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
    _check_display_orders(path, tree.getroot())
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


def _check_display_orders(path, root):
    """As Pungi 4.3.2 parses the variants file: an environment's display_order is read by int()."""
    for element in root.iter("environment"):
        value = element.get("display_order")
        if value is None:
            continue
        try:
            int(value)
        except ValueError:
            raise PunjiError("%s:%s: <environment> %r: display_order %r is not a whole number, which Pungi needs"
                             % (path, element.sourceline, element.text, value))


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
                "display_order": int(e.get("display_order")) if e.get("display_order") else None,
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


def _check_variant(path, node, variant, parent, where):
    """One error line when VARIANT (of NODE, under PARENT) breaks a rule of the variants XML:
    its id, arches, type and place."""
    if not ID_RE.match(variant["id"] or ""):
        raise PunjiError("%s:%s: variant id %r: only letters, digits, '_', '-' and '.' (not leading)"
                         % (path, node.sourceline, variant["id"]))
    unknown = [a for a in variant["arches"] if not arches.is_compose_arch(a)]
    if unknown:
        known = sorted(set(arches.FAMILY) - {"src"} | set(arches.COMPATIBLE_NEXT))
        raise PunjiError("%s: unknown arch %r (arches: %s)" % (where, unknown[0], ", ".join(known)))
    if parent is None and variant["type"] in ("addon", "optional"):
        raise PunjiError("%s: an %s must be nested in a parent variant or named by a <ref> in one"
                         % (where, variant["type"]))
    if parent is not None and variant["type"] == "variant":
        raise PunjiError("%s: a nested variant must be of type addon, optional or layered-product" % where)
    if parent is not None and parent["type"] != "variant":
        raise PunjiError("%s: only a variant of type variant can have children" % where)
    if parent is not None and variant["id"] == parent["id"]:
        raise PunjiError("%s: a child's id must differ from its parent's" % where)
    if variant["type"] == "layered-product" and variant["release"] is None:
        raise PunjiError("%s: a layered-product needs a <release> element" % where)
    if variant["type"] == "layered-product":
        # in the order Pungi 4.3.2 reads them, failing on the first missing one (a KeyError)
        missing = [a for a in ("name", "version", "short") if a not in variant["release"]]
        if missing:
            raise PunjiError("%s: its <release> has no %s attribute, which Pungi 4.3.2 needs" % (where, missing[0]))


def _collect(path, node, parent, out, templates):
    """Append the variant of NODE (under PARENT), then its children and <ref>s (TEMPLATES: the
    top-level variants a <ref> may name), to OUT; the variant, or None when Pungi leaves it out."""
    variant = _variant(node, parent)
    where = "%s:%s: variant '%s'" % (path, node.sourceline, variant["uid"])
    _check_variant(path, node, variant, parent, where)
    if parent is not None:
        if not variant["arches"]:
            return None  # Pungi leaves out a child that lists no arches
        if variant["uid"] in parent["children"]:
            return None  # the first child of an id wins
        shared = sorted(set(variant["arches"]) & set(parent["arches"]))
        if not shared:
            raise PunjiError("%s: arches %s are not arches of its parent '%s'"
                             % (where, ", ".join(variant["arches"]), parent["uid"]))
        variant["arches"] = shared
        parent["children"].append(variant["uid"])
    elif not variant["arches"]:
        raise PunjiError("%s: lists no <arches>" % where)
    if any(v["uid"] == variant["uid"] for v in out):
        raise PunjiError("%s is defined twice" % where)
    out.append(variant)
    has_optional = False
    for child in node.findall("variants/variant"):
        made = _collect(path, child, variant, out, templates)
        has_optional = has_optional or (made is not None and made["type"] == "optional")
    if variant["has_optional"] and not has_optional and variant["type"] != "variant":
        raise PunjiError("%s: has_optional on a variant of type %s, which Pungi 4.3.2 refuses (only a variant of "
                         "type variant can have children)" % (where, variant["type"]))
    if variant["has_optional"] and not has_optional:
        optional = dict(_variant(node, variant), id="optional", uid=variant["uid"] + "-optional", name="optional",
                        type="optional", arches=list(variant["arches"]), groups=[], environments=[],
                        is_empty=False, has_optional=False, release=None, buildinstallpackages=[],
                        modules=None, modular_koji_tags=[], children=[])
        variant["children"].append(optional["uid"])
        out.append(optional)
    for ref in node.findall("variants/ref"):
        target = templates.get(ref.get("id"))
        if target is None:
            raise PunjiError("%s:%s: variant '%s' references %r, which is no top-level addon or layered-product"
                             % (path, ref.sourceline, variant["uid"], ref.get("id")))
        _collect(path, target, variant, out, templates)
    if any(v["type"] == "optional" for v in out if v["parent"] == variant["uid"]):
        variant["has_optional"] = True
    return variant


def _check_refs(path, root, variants):
    uids = {v["uid"] for v in variants}
    for ref in root.findall("ref"):
        if ref.get("id") not in uids:
            raise PunjiError("%s:%s: <ref id='%s'> names no variant" % (path, ref.sourceline, ref.get("id")))


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


def filter_tree(variants, tree_arches=None, tree_variants=None):
    """Keep the arches in TREE_ARCHES and the variants in TREE_VARIANTS (uids);
    a variant left with no arch, or whose parent is gone, is dropped."""
    kept = {}
    result = []
    for variant in variants:
        variant = dict(variant)
        if variant["parent"] is not None and variant["parent"] not in kept:
            continue
        if tree_variants and variant["uid"] not in tree_variants:
            continue
        if tree_arches:
            variant["arches"] = [a for a in variant["arches"] if a in tree_arches]
        if not variant["arches"]:
            continue
        kept[variant["uid"]] = variant
        result.append(variant)
    for variant in result:
        variant["children"] = [c for c in variant["children"] if c in kept]
    return result


def by_uid(variants):
    return {v["uid"]: v for v in variants}


def with_arch(variants, uid, arch, source=True):
    """The variant UID of VARIANTS when it has a tree of ARCH (with SOURCE, also "src": every
    variant has a source tree); else one error line."""
    v = by_uid(variants).get(uid)
    if v is None or ((arch != "src" or not source) and arch not in v["arches"]):
        raise PunjiError("variant %s has no arch %s in this compose" % (uid, arch))
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
