"""Live media built by Koji's spin-livemedia (Pungi's live_media), all blocks at once.

live_media maps variant uid regexes to blocks. Every block matching a variant
gives one Koji task, buildImage(name, version, arches, target, kickstart,
"livemedia", opts) — the call `koji spin-livemedia` makes — with:

    arches        the block's 'arches' the variant has (default all its arches); none: no task
    kickstart     the block's (a file name in ksurl's repository)
    opts          as `koji spin-livemedia` sends what Pungi passes it (task_opts):
                  install_tree_url (the os tree of 'install_tree_from', default the variant
                  (an addon's: its parent's), '$basearch' for the arch, through translate_paths),
                  repo (the block's: variant uids become their repositories, then the
                  variant's own unless is_empty or listed), ksurl (block, live_media_ksurl,
                  global_ksurl; "None" when unset), release (block, live_media_release,
                  global_release; null: <date><type suffix>.<respin>; "None" when unset),
                  optional_arches (the block's 'failable' as given, "*" all arches; none:
                  [""]), compress_arg [], scratch, skip_tag; title and nomacboot (not in
                  Pungi 4.3.2's schema) as later Pungi passes them; no ksversion
    name, version the block's name; version from the block, live_media_version,
                  global_version or image_version; target likewise (live_media_target,
                  global_target)

Each closed createLiveMedia child (one per arch) gives its .iso files; they go
into compose/<variant>/<arch>/iso/ and are recorded as productmd images (type
live, format iso, bootable, no volume id nor implanted MD5 as Pungi records them,
subvariant the block's or the variant uid). Failable blocks and arches: as punji-imagebuild
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
        images.require_keys(block, ("name", "kickstart"), where)
        target = images.koji_target(conf, block, "live_media_target", where)
        version = images.version(topdir, conf, block, "live_media_version")
        source = block.get("install_tree_from") or v["uid"]
        if source not in by_uid:
            raise PunjiError("%s: install_tree_from %r is no variant of the compose" % (where, source))
        failable = images.failable_arches(block, wanted)
        given = wanted if block.get("failable") == ["*"] else list(block.get("failable") or [])
        opts = task_opts(topdir, conf, block, v, by_uid, where, given)
        opts["install_tree_url"] = images.tree_url(topdir, conf, by_uid[source], "$basearch")
        jobs.append({
            "method": METHOD, "children": ["createLiveMedia"],
            "what": "live_media %s of %s (block %d)" % (block["name"], v["uid"], number),
            "variant": v["uid"], "block": number, "arches": wanted,
            "subvariant": block.get("subvariant") or v["uid"],
            "can_fail": set(given) == set(wanted) or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
            "optional": failable,
            "args": [block["name"], version, wanted, target, block["kickstart"], "livemedia"],
            "opts": opts,
        })
    return jobs


def task_opts(topdir, conf, block, v, by_uid, where, failable):
    """buildImage's opts as `koji spin-livemedia` sends the options Pungi gives it: repo (the
    block's, then the variant's own unless it is_empty or listed; none: no key), ksurl and
    release always (Pungi passes --ksurl and --release with None when unset: "None"),
    optional_arches (FAILABLE as given; none: the CLI's split of "", [""]), compress_arg [] (the
    CLI's default), scratch and skip_tag when set; ksversion is not passed on (Pungi 4.3.2 drops
    it); title and nomacboot, which its schema lacks, as later Pungi passes them."""
    repos = block.get("repo") or []
    repos = [repos] if isinstance(repos, (str, dict)) else list(repos)
    if not v.get("is_empty") and v["uid"] not in repos:
        repos.append(v["uid"])
    opts = {"ksurl": str(images.pick(conf, block, "ksurl", "live_media_ksurl")),
            "release": str(images.release(topdir, conf, block, "live_media_release")),
            "optional_arches": list(failable) or [""], "compress_arg": []}
    if repos:
        opts["repo"] = [images.repository_url(topdir, conf, by_uid[r], "$basearch") if r in by_uid
                        else images.repo_url(topdir, conf, images.repo_base(r, where) if isinstance(r, dict) else r,
                                             by_uid, where) for r in repos]
    if block.get("title"):
        opts["title"] = block["title"]
    for key in ("scratch", "skip_tag", "nomacboot"):
        if block.get(key):
            opts[key] = True
    return opts


def take(topdir, job, arch, name):
    """A createLiveMedia task's ISOs go to the tree's iso/ directory as live images."""
    if not name.endswith(".iso"):
        return None
    return {"dir": layout.iso_dir(job["variant"], arch), "type": "live", "format": "iso", "bootable": True}


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take)


