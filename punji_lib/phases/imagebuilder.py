"""Images built by Koji's image-builder plugin (Pungi's imagebuilder), all blocks at once.

imagebuilder maps variant uid regexes to blocks. Every block matching a variant
gives one Koji task, imageBuilderBuild(target, arches, types=, name=, version=,
opts=) — the hub call of koji-image-builder, as Pungi makes it — with:

    arches        the block's 'arches' the variant has (default all its arches); none: no task
    target        the block's, imagebuilder_target or global_target
    types         the block's image types: one (the plugin builds one type per task)
    name          the block's
    version       block, imagebuilder_version, global_version, else image_version
    opts          repos (the block's: variant uids become their os trees, '$arch' for the
                  arch, through translate_paths; absolute paths through translate_paths;
                  {"baseurl"} dicts give their baseurl; then the variant's own tree unless
                  listed), release (block, imagebuilder_release, global_release; null:
                  <date><type suffix>.<respin>), and when set seed, scratch, ostree
                  ({url, ref, parent}) and blueprint

Each closed imageBuilderBuildArch child task (one per arch) lists its outputs;
the image files among them (typed by their endings as Pungi does: .oci.tar.xz
is a container, .iso boot, .vagrant.libvirt.box vagrant-libvirt, then
image_build's endings, e.g. .qcow2, .raw.xz) are linked or downloaded into
compose/<variant>/<arch>/images/ — ISOs into iso/, bootable — and recorded for
images.json with the block's manifest_type as type when given and subvariant
the block's or the variant uid. Manifests and SBOMs stay out.

Failures: the plugin has no optional arches, so a failed arch fails the whole
task. A block whose 'failable' covers all its arches, or whose variant's
failable_deliverables name "imageBuilderBuild" on every arch, may fail (a
warning, the compose finishes FINISHED_INCOMPLETE); any other failed task fails
the phase with one line naming the task and the hub's error.
"""

from ..compose import jsonio, layout
from ..errors import PunjiError
from ..koji import images

PHASE = "imagebuilder"
PROG = "punji-imagebuilder"
DELIVERABLE = "imageBuilderBuild"
METHOD = "imageBuilderBuild"


def plan(topdir, conf, tree):
    """[job]: one per (variant, block) with arches left: the call's arguments and what to keep."""
    by_uid = {v["uid"]: v for v in tree}
    jobs = []
    for v, number, block, wanted in images.block_arches(conf, "imagebuilder", tree):
        where = "option 'imagebuilder' (variant %s, block %d)" % (v["uid"], number)
        target = images.koji_target(conf, block, "imagebuilder_target", where)
        types = block.get("types") or []
        types = [types] if isinstance(types, str) else types
        if len(types) != 1:
            raise PunjiError("%s: 'types' names %d image types; the image-builder plugin builds exactly one"
                             % (where, len(types)))
        version = images.version(topdir, conf, block, "imagebuilder_version")
        jobs.append({
            "method": METHOD, "children": ["imageBuilderBuildArch"],
            "what": "imagebuilder %s of %s (block %d)" % (block["name"], v["uid"], number),
            "variant": v["uid"], "images_in": images.images_home(v), "block": number, "arches": wanted,
            "subvariant": block.get("subvariant") or v["uid"], "manifest_type": images.manifest_type(block, where),
            "can_fail": images.failable_arches(block, wanted) == wanted
            or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
            "optional": [],
            "args": [target, wanted],
            "kwargs": {"types": list(types), "name": block["name"], "version": version,
                       "opts": options(topdir, conf, block, v["uid"], by_uid, where)},
        })
    return jobs


def options(topdir, conf, block, uid, by_uid, where):
    """The task's opts: repos, and release, seed, scratch, ostree and blueprint when set."""
    opts = {"repos": images.repo_urls(topdir, conf, images.with_variant(block.get("repos"), uid), by_uid, where)}
    release = images.release(topdir, conf, block, "imagebuilder_release")
    if release:
        opts["release"] = release
    for key in ("seed", "scratch"):
        if images.pick(conf, block, key, "imagebuilder_" + key):
            opts[key] = images.pick(conf, block, key, "imagebuilder_" + key)
    for key in ("ostree", "blueprint"):
        if block.get(key):
            opts[key] = block[key]
    return opts


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), images.take_bundle)
