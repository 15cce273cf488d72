"""Live media built by Koji's spin-livemedia (Pungi's live_media), all blocks at once.

live_media maps variant uid regexes to blocks. Every block matching a variant
gives one Koji task, buildImage(name, version, arches, target, kickstart,
"livemedia", opts) — the call `koji spin-livemedia` makes — with:

    arches        the block's 'arches' the variant has (default all its arches); none: no task
    kickstart     the block's (a file name in ksurl's repository)
    opts          install_tree (the os tree of 'install_tree_from', default the variant,
                  '$basearch' for the arch, through translate_paths), repo (the block's:
                  variant uids become their os trees, then the variant's own), ksurl (block,
                  live_media_ksurl, global_ksurl), release (block, live_media_release,
                  global_release; null: <date><type suffix>.<respin>), ksversion, title,
                  scratch, skip_tag, nomacboot, optional_arches (the block's 'failable'
                  arches when not all of them)
    name, version the block's name; version from the block, live_media_version,
                  global_version or image_version; target likewise (live_media_target,
                  global_target)

Each closed createLiveMedia child (one per arch) gives its .iso files; they go
into compose/<variant>/<arch>/iso/ and are recorded as productmd images (type
live, format iso, bootable, their volume id and implanted MD5, subvariant the
block's or the variant uid). Failable blocks and arches: as punji-imagebuild
(failable_deliverables name "live-media").
"""

from ..compose import jsonio, layout
from ..errors import PunjiError
from ..koji import images

PHASE = "livemedia"
PROG = "punji-livemedia"
DELIVERABLE = "live-media"
METHOD = "buildImage"


def plan(topdir, conf, tree):
    by_uid = {v["uid"]: v for v in tree}
    jobs = []
    for v, number, block, wanted in images.block_arches(conf, "live_media", tree):
        where = "option 'live_media' (variant %s, block %d)" % (v["uid"], number)
        for key in ("name", "kickstart"):
            if not block.get(key):
                raise PunjiError("%s: '%s' is missing" % (where, key))
        target = images.pick(conf, block, "target", "live_media_target")
        if not target:
            raise PunjiError("%s: no Koji target (set 'target', live_media_target or global_target)" % where)
        version = images.version(topdir, conf, block, "live_media_version")
        source = block.get("install_tree_from") or v["uid"]
        if source not in by_uid:
            raise PunjiError("%s: install_tree_from %r is no variant of the compose" % (where, source))
        repos = block.get("repo") or []
        repos = ([repos] if isinstance(repos, str) else list(repos)) + [v["uid"]]
        failable = images.failable_arches(block, wanted)
        opts = {"install_tree": images.tree_url(topdir, conf, by_uid[source], "$basearch"),
                "repo": [images.repository_url(topdir, conf, by_uid[r], "$basearch") if r in by_uid else r
                         for r in dict.fromkeys(repos)]}
        ksurl = images.pick(conf, block, "ksurl", "live_media_ksurl")
        if ksurl:
            opts["ksurl"] = ksurl
        release = images.release(topdir, conf, block, "live_media_release")
        if release:
            opts["release"] = release
        for key in ("ksversion", "title"):
            if block.get(key):
                opts[key] = block[key]
        for key in ("scratch", "skip_tag", "nomacboot"):
            if block.get(key):
                opts[key] = True
        if failable and failable != wanted:
            opts["optional_arches"] = failable
        jobs.append({
            "method": METHOD, "children": ["createLiveMedia"],
            "what": "live_media %s of %s (block %d)" % (block["name"], v["uid"], number),
            "variant": v["uid"], "block": number, "arches": wanted,
            "subvariant": block.get("subvariant") or v["uid"],
            "can_fail": failable == wanted or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
            "optional": failable,
            "args": [block["name"], version, wanted, target, block["kickstart"], "livemedia"],
            "opts": opts,
        })
    return jobs


def take(topdir, job, arch, name):
    """A createLiveMedia task's ISOs go to the tree's iso/ directory as live images."""
    if not name.endswith(".iso"):
        return None
    return {"dir": layout.iso_dir(job["variant"], arch), "type": "live", "format": "iso"}


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take, finish=images.live_iso_fields)


