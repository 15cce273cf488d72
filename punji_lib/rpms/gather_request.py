"""What one variant.arch's gather asks the solver, as Pungi's gather sources give it.

Source "comps" is every group of the variant's filtered comps (optional packages included),
additional_packages and gather_prepopulate; source "json" is gather_source_mapping; source
"module" the packages of the variant's module streams the package set has. filter_packages
is the exclusion; a child variant (addon, layered product, optional) takes the comps inputs of
the variants it builds on too. request() makes a punji-depsolve request of one source's inputs
with the variant type's rules (fulltree, selfhosting, the parent's source packages as
fulltree_excludes).
"""

import os

from ..compose import layout
from ..config.lookup import arch_data, json_file, va_data
from . import gather_streams, input_arches
from .depsolve import DEFAULTS

SOURCES = ("module", "comps", "json")  # Pungi's order
# the source whose inputs a child variant takes from its parent: Pungi's get_variant_packages returns
# the json and module sources' own packages only, and reads gather_prepopulate per variant
INHERITED = ("comps",)


def inputs(topdir, conf, v, arch, pool, tree, earlier, streams):
    """{"module": {packages}, "comps": {packages, groups}, "json": {packages}, "prepopulate": [...],
    "exclude": [...]} of variant V on ARCH, with the comps and json inputs of the variants it
    builds on; the module source's packages are the NEVRAs of its STREAMS' artifacts the
    package set has."""
    groups = _comps_groups(layout.at(topdir, layout.comps_file(v["uid"], arch)))
    packages = va_data(conf.get("additional_packages"), v["uid"], arch)
    input_arches.check("additional_packages", packages, arch)
    exclude = va_data(conf.get("filter_packages"), v["uid"], arch)
    if conf.get("filter_system_release_packages", True):
        best, others = _system_release(pool, v, tree)
        packages += best
        exclude += others
    held = gather_streams.content_held(topdir, arch)
    result = {"module": {"packages": gather_streams.available(pool, streams, held)},
              "comps": {"packages": packages, "groups": groups},
              "json": {"packages": _mapping(conf, v["uid"], arch)},
              "prepopulate": _prepopulate(conf, v["uid"], arch),
              "exclude": exclude, "missing": set(), "unresolved": set()}
    for other in earlier:
        for source in INHERITED:
            for key, values in other["inputs"][source].items():
                result[source][key] = result[source][key] + [x for x in values if x not in result[source][key]]
    return result


def _comps_groups(path):
    if not os.path.isfile(path):
        return []
    from ..config import comps

    return sorted(g.id for g in comps.read(path).groups)


def _system_release(pool, v, tree):
    """([system-release package to add], [ones to exclude]): none, as Pungi 4.3.2 finds them.
    Its package set asks kobo 0.20's is_system_release, which looks for b"system-release"
    among str provides and so never finds one: every release package stays a plain package."""
    return [], []


def _mapping(conf, uid, arch):
    """gather_source_mapping {variant: {arch: {name: [arch or null]}}} as name / name.arch patterns."""
    found = []
    for name, pkg_arches in sorted(json_file(conf, "gather_source_mapping").get(uid, {}).get(arch, {}).items()):
        for pkg_arch in pkg_arches or [None]:
            found.append(name if pkg_arch is None else "%s.%s" % (name, pkg_arch))
    return found


def _prepopulate(conf, uid, arch):
    """gather_prepopulate {variant: {arch: {build: [name.arch]}}} for one variant.arch."""
    by_build = json_file(conf, "gather_prepopulate").get(uid, {}).get(arch, {})
    return sorted({p for names in by_build.values() for p in names})


def request(conf, v, arch, given, source, method, earlier):
    """The punji-depsolve request of SOURCE's inputs of GIVEN (inputs()) for variant V on ARCH,
    solved by METHOD ("deps" or "nodeps"), after the variants of EARLIER ({uid: result})."""
    optional = v["type"] == "optional"
    child = v["type"] in ("addon", "layered-product")
    excludes = set()
    if child:
        parent = earlier.get(v["parent"], {"packages": []})
        excludes = {p["name"] for p in parent["packages"] if p["category"] == "source"}
    packages = given[source]["packages"]
    if source == "comps" and method == "deps":
        packages = _kickstart_packages(packages, given["exclude"])
    return dict(
        DEFAULTS, repos=[], arch=arch, packages=packages,
        groups=given[source].get("groups", []), groups_with_optional=True,
        prepopulate=given["prepopulate"] if source == "comps" else [],
        nodeps=method == "nodeps", greedy=conf.get("greedy_method") or "none",
        fulltree=bool(conf.get("gather_fulltree")) or optional or child, fulltree_excludes=sorted(excludes),
        selfhosting=(bool(conf.get("gather_selfhosting")) or optional) and not child,
        multilib_methods=va_data(conf.get("multilib"), v["uid"], arch),
        multilib_blacklist=arch_data(conf.get("multilib_blacklist"), arch),
        multilib_whitelist=arch_data(conf.get("multilib_whitelist"), arch),
        langpacks=True)


def _kickstart_packages(packages, excludes):
    """PACKAGES as Pungi's deps method reads them from its kickstart file: pykickstart takes its
    %packages section line by line, and an exclude line (written after the includes) takes out
    the include of the same text, so a pattern both added and filtered is no input at all (not
    even one a lookaside repo would answer; fuzz-compose 41730)."""
    excluded = set(excludes)
    return [p for p in packages if p not in excluded]
