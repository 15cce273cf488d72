"""Images built by Koji's kiwi plugin (Pungi's kiwibuild), all blocks of the compose at once.

kiwibuild maps variant uid regexes to blocks. Every block matching a variant
gives one Koji task, kiwiBuild(target, arches, desc_url, desc_path, **options)
— the hub call of the kiwi plugin, with the keyword options Pungi passes, each
of them even when unset (None):

    arches        the block's 'arches' the variant has (default all its arches); none: no task
    target        the block's, kiwibuild_target or global_target
    desc_url      'description_scm' (block, kiwibuild_description_scm, global_description_scm)
    desc_path     'description_path' (likewise): the .kiwi file in that repository
    profile       the block's kiwi_profile
    release       block, kiwibuild_release, global_release; null: <date><type suffix>.<respin>
    repos         the block's 'repos' (variant uids become their os trees, '$arch' for the
                  arch, through translate_paths; absolute paths through translate_paths;
                  {"baseurl"} dicts kept with their baseurl so resolved), then the variant's
                  own tree unless listed
    type, type_attr, result_bundle_name_format (from 'bundle_name_format'), version
                  (default image_version), repo_releasever: block, kiwibuild_<key>,
                  global_<key>
    optional_arches  the block's 'failable' arches ("*": all)

Each closed createKiwiImage child task (one per arch) lists its result bundle;
the image files among them (their endings give type and format: Pungi's kiwi
and image-builder endings, e.g. .vagrant.libvirt.box is vagrant-libvirt, then
image_build's, e.g. .qcow2, .raw.xz) are linked or downloaded into
compose/<variant>/<arch>/images/ — ISOs into iso/, bootable — and recorded for
images.json with the block's manifest_type as type when given and subvariant
the block's or the variant uid. Package lists, checksums and logs stay out.

Failures: a block whose 'failable' covers all its arches, or whose variant's
failable_deliverables name "kiwibuild" on every arch, may fail (a warning, the
compose finishes FINISHED_INCOMPLETE); a failed optional arch loses only its
images. Any other failed task fails the phase with one line naming the task and
the hub's error.
"""

from ..compose import jsonio, layout
from ..errors import PunjiError
from ..koji import images

PHASE = "kiwibuild"
PROG = "punji-kiwibuild"
DELIVERABLE = "kiwibuild"
METHOD = "kiwiBuild"


def plan(topdir, conf, tree):
    """[job]: one per (variant, block) with arches left: the call's arguments and what to keep."""
    by_uid = {v["uid"]: v for v in tree}
    jobs = []
    for v, number, block, wanted in images.block_arches(conf, "kiwibuild", tree):
        where = "option 'kiwibuild' (variant %s, block %d)" % (v["uid"], number)
        needed = {key: images.pick(conf, block, key, "kiwibuild_" + key)
                  for key in ("target", "description_scm", "description_path")}
        for key, value in needed.items():
            if not value:
                raise PunjiError("%s: no %s (set '%s', kiwibuild_%s or global_%s)" % (where, key, key, key, key))
        failable = images.failable_arches(block, wanted)
        options = {key: images.pick(conf, block, key, "kiwibuild_" + key)
                   for key in ("type", "type_attr", "repo_releasever")}
        version = images.version(topdir, conf, block, "kiwibuild_version")
        jobs.append({
            "method": METHOD, "children": ["createKiwiImage"],
            "what": "kiwibuild %s of %s (block %d)" % (block["kiwi_profile"], v["uid"], number),
            "variant": v["uid"], "images_in": images.images_home(v), "block": number, "arches": wanted,
            "subvariant": block.get("subvariant") or v["uid"], "manifest_type": images.manifest_type(block, where),
            "can_fail": failable == wanted or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
            "optional": failable,
            "args": [needed["target"], wanted, needed["description_scm"], needed["description_path"]],
            "kwargs": dict(
                options, profile=block["kiwi_profile"], optional_arches=failable, version=version,
                release=images.release(topdir, conf, block, "kiwibuild_release"),
                repos=repos(topdir, conf, block, v["uid"], by_uid, where),
                result_bundle_name_format=images.pick(conf, block, "bundle_name_format",
                                                      "kiwibuild_bundle_name_format")),
        })
    return jobs


def repos(topdir, conf, block, uid, by_uid, where):
    """The block's repos and the variant's as the builders see them; dicts stay dicts."""
    found = []
    for repo in images.with_variant(block.get("repos"), uid):
        if isinstance(repo, dict):
            found.append(dict(repo, baseurl=images.repo_url(topdir, conf, images.repo_base(repo, where),
                                                            by_uid, where)))
        else:
            found.append(images.repo_url(topdir, conf, repo, by_uid, where))
    return found


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), images.take_bundle)
