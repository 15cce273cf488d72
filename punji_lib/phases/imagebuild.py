"""Images built by Koji's image-build (Pungi's image_build), all blocks of the compose at once.

image_build maps variant uid regexes to blocks {"image-build": {...},
"factory-parameters": {...}}. Every block matching a variant gives one Koji
task, buildImageOz(name, version, arches, target, install_tree, opts) — the
call `koji image-build` makes for Pungi's config file — with:

    arches        the block's 'arches' that the variant has (all its arches when not given);
                  none left: no task
    install_tree  the os tree of 'install_tree_from' (a variant uid, an absolute path or a
                  URL; default the variant, or its parent for an addon/optional/layered
                  product), '$arch' for the arch, through translate_paths
    opts          kickstart, ksurl (block, image_build_ksurl, global_ksurl), distro,
                  disk_size ('disk_size' or 'disc_size'), format (the format names:
                  [format, suffix] pairs give their format), repo (the block's 'repo':
                  variant uids become their os trees as install_tree, other strings are
                  kept, then the variant's own tree), release (block, image_build_release,
                  global_release; null: <date><type suffix>.<respin>), scratch,
                  factory_parameter ([key, value] pairs of factory-parameters, sorted),
                  optional_arches (the block's 'failable' arches when not all of them)
    name, version the block's, image_build_version or global_version or image_version;
    target        the block's, image_build_target or global_target

The tasks are submitted together, then waited for together (punji_lib.koji.tasks).
Each closed createImage child task (one per arch) gives its files whose names end
with a suffix of the block's formats (Pungi's EXTENSIONS); they are linked or
downloaded into compose/<variant>/<arch>/images/ under the name Koji gave them,
and recorded as productmd images (type: the format, format: the suffix,
subvariant: the block's or the variant uid) in work/global/imagebuild/images.json,
which punji-createiso --assemble adds to images.json.

Failures: a block whose 'failable' covers all its arches (or "*"), or whose
variant's failable_deliverables name "image-build" on every arch, may fail:
its error is a warning and the state file records failed (the compose finishes
FINISHED_INCOMPLETE). A failed optional arch loses only that arch's images. Any
other failed task fails the phase with one line naming the task and the hub's
error. Images of an earlier run that this run did not make again are removed.
"""


from ..compose import jsonio, layout
from ..errors import PunjiError
from ..koji import images

PHASE = "imagebuild"
PROG = "punji-imagebuild"
DELIVERABLE = "image-build"
METHOD = "buildImageOz"

# -- shared by the Koji image phases ------------------------------------------------------


# -- image_build ------------------------------------------------------------------------------

def plan(topdir, conf, tree):
    """[job]: one per (variant, block) with arches left: the call's arguments and what to keep."""
    by_uid = {v["uid"]: v for v in tree}
    jobs = []
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(images.blocks(conf, "image_build", v)):
            ib = block.get("image-build") or {}
            where = "option 'image_build' (variant %s, block %d)" % (v["uid"], number + 1)
            wanted = sorted(set(ib["arches"]) & set(arches)) if ib.get("arches") else arches
            if not wanted:
                continue
            formats = [f[0] if isinstance(f, (list, tuple)) else f
                       for f in (ib.get("format") if isinstance(ib.get("format"), list) else [ib.get("format")])
                       if f]
            if not formats:
                raise PunjiError("%s: 'format' is missing" % where)
            unknown = [f for f in formats if f not in images.EXTENSIONS]
            if unknown:
                raise PunjiError("%s: unknown format %s (known: %s)" % (where, ", ".join(unknown),
                                                                         ", ".join(sorted(images.EXTENSIONS))))
            for key in ("name", "kickstart"):
                if not ib.get(key):
                    raise PunjiError("%s: '%s' is missing" % (where, key))
            target = images.pick(conf, ib, "target", "image_build_target")
            if not target:
                raise PunjiError("%s: no Koji target (set 'target', image_build_target or global_target)" % where)
            version = images.version(topdir, conf, ib, "image_build_version")
            source = ib.get("install_tree_from")
            if source is None:
                source = v["uid"] if v["type"] == "variant" or not v.get("parent") else v["parent"]
            if "://" in source:
                install_tree = source
            elif source.startswith("/"):
                install_tree = layout.translate_path(source, conf.get("translate_paths"))
            elif source in by_uid:
                install_tree = images.tree_url(topdir, conf, source)
            else:
                raise PunjiError("%s: install_tree_from %r is no variant of the compose" % (where, source))
            repos = ib.get("repo") or []
            repos = ([repos] if isinstance(repos, str) else list(repos)) + [v["uid"]]
            failable = images.failable_arches(ib, wanted)
            opts = {"kickstart": ib["kickstart"], "format": formats,
                    "repo": images.repo_urls(topdir, conf, repos, by_uid, where)}
            ksurl = images.pick(conf, ib, "ksurl", "image_build_ksurl")
            if ksurl:
                opts["ksurl"] = ksurl
            for key in ("distro", "ksversion", "specfile", "ova_option"):
                if ib.get(key) is not None:
                    opts[key] = ib[key]
            size = ib.get("disk_size", ib.get("disc_size"))
            if size is not None:
                opts["disk_size"] = size
            rel = images.release(topdir, conf, ib, "image_build_release")
            if rel:
                opts["release"] = rel
            if ib.get("scratch"):
                opts["scratch"] = True
            if block.get("factory-parameters"):
                opts["factory_parameter"] = [[k, str(val)] for k, val in sorted(block["factory-parameters"].items())]
            if failable and failable != wanted:
                opts["optional_arches"] = failable
            jobs.append({
                "method": METHOD, "children": ["createImage"],
                "what": "image_build of %s (block %d)" % (v["uid"], number + 1),
                "variant": v["uid"], "block": number + 1, "arches": wanted, "formats": formats,
                "subvariant": ib.get("subvariant") or v["uid"],
                "can_fail": failable == wanted or images.failable_everywhere(conf, v["uid"], wanted, DELIVERABLE),
                "optional": failable, "args": [ib["name"], version, wanted, target, install_tree],
                "opts": opts,
            })
    return jobs


def matching(formats, filename):
    """(format, suffix) of the first of FORMATS whose suffix FILENAME ends with, else None."""
    for fmt in formats:
        for suffix in images.EXTENSIONS[fmt]:
            if filename.endswith("." + suffix):
                return fmt, suffix
    return None


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take)


def take(topdir, job, arch, name):
    """Where the file NAME of a createImage task goes and its productmd type and format, or None."""
    kind = matching(job["formats"], name)
    if not kind:
        return None
    return {"dir": layout.image_dir(job["variant"], arch), "type": kind[0], "format": kind[1]}


# -- shared by the Koji image phases: submit every job, wait, fetch, record ------------------


