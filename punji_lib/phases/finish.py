"""The last target: composeinfo.json for what the compose holds, then STATUS."""

import glob
import os

from .. import jsonio, layout, state
from ..phases import init

# composeinfo path name -> tree directory relative to compose/, by arch
TREE_PATHS = {
    "os_tree": "{v}/{a}/os",
    "packages": "{v}/{a}/os/Packages",
    "repository": "{v}/{a}/os",
    "isos": "{v}/{a}/iso",
    "images": "{v}/{a}/images",
    "debug_tree": "{v}/{a}/debug/tree",
    "debug_packages": "{v}/{a}/debug/tree/Packages",
    "debug_repository": "{v}/{a}/debug/tree",
}
SOURCE_PATHS = {
    "source_tree": "{v}/source/tree",
    "source_packages": "{v}/source/tree/Packages",
    "source_repository": "{v}/source/tree",
    "source_isos": "{v}/source/iso",
}


def composeinfo(topdir):
    """A productmd ComposeInfo for the compose: release, compose id, variants and
    the paths of the trees that exist."""
    from productmd.composeinfo import Variant

    from .. import composeid

    req = init.request(topdir)
    conf = jsonio.read_json(layout.at(topdir, layout.config_json()))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    ci = composeid.compose_info(conf, req["compose_type"], req["label"], req["date"], req["respin"])
    ci.compose.id = req["compose_id"]
    made = {}
    for v in tree:
        variant = Variant(ci)
        variant.id, variant.uid, variant.name, variant.type = v["id"], v["uid"], v["name"], v["type"]
        variant.arches = set(v["arches"])
        if v["type"] == "layered-product" and v["release"]:
            variant.release.name = v["release"].get("name")
            variant.release.short = v["release"].get("short")
            variant.release.version = v["release"].get("version")
            variant.release.type = "ga"
        _set_paths(topdir, variant, v)
        made[v["uid"]] = variant
        if v["parent"]:
            made[v["parent"]].add(variant)
        else:
            ci.variants.add(variant)
    return ci


def _set_paths(topdir, variant, v):
    compose = layout.at(topdir, "compose")
    for arch in v["arches"]:
        for name, pattern in TREE_PATHS.items():
            rel = pattern.format(v=v["uid"], a=arch)
            if os.path.isdir(os.path.join(compose, rel)):
                getattr(variant.paths, name)[arch] = rel
        for name, pattern in SOURCE_PATHS.items():
            rel = pattern.format(v=v["uid"])
            if os.path.isdir(os.path.join(compose, rel)):
                getattr(variant.paths, name)[arch] = rel


def failures(topdir):
    """The state files that record a failed (failable) deliverable."""
    found = []
    for path in sorted(glob.glob(layout.at(topdir, "work/*/state/*.json"))):
        data = jsonio.read_json(path)
        if data.get("failed"):
            found.append(os.path.relpath(path, topdir))
    return found


def run(topdir, variant=None, arch=None):
    ci = composeinfo(topdir)
    jsonio.write_text(layout.at(topdir, layout.composeinfo_json()), ci.dumps())
    status = "FINISHED_INCOMPLETE" if failures(topdir) else "FINISHED"
    jsonio.write_text(layout.at(topdir, layout.status_file()), status + "\n")
    state.write(topdir, "finish", status=status)
