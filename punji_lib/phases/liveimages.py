"""Live CDs and appliances built by Koji's spin-livecd / spin-appliance (Pungi's
live_images), all blocks at once.

live_images is a variant/arch mapping [(variant regex, {arch: block or [blocks]})].
Every block a variant gets on one of its arches gives one Koji task,
buildImage(name, version, arch, target, kickstart, type, opts) — the call
`koji spin-livecd` (type 'live', the default: Koji's livecd) or `koji
spin-appliance` (type 'appliance') makes — with:

    name          the block's, default <release_short>-<variant uid>
    version       the block's, live_images_version, global_version or image_version
    target        the block's, live_images_target, live_target or global_target
    opts          repo (the block's 'repo': variant uids become their os trees
                  ('$basearch', through translate_paths), other strings are kept, then
                  the variant's own tree), ksurl (block, live_images_ksurl, global_ksurl),
                  release (block, live_images_release, global_release; null:
                  <date><type suffix>.<respin>), scratch; an appliance format raw

Each closed createLiveCD / createAppliance child gives its .iso (live) or
.raw.xz (appliance) files; they go into compose/<variant>/<arch>/iso/ (live) or
images/ (appliance), renamed by image_name_format (disc type 'live' or
'appliance' through disc_types, no disc number) unless live_images_no_rename,
and are recorded as productmd images (live/iso, bootable, volume id and
implanted MD5 read from the ISO; raw-xz/raw.xz). 'specfile' (RPM-wrapped images)
and 'sign' are not supported: an error. A block with 'failable' true (or
failable_deliverables "live" on its arch) may fail: a warning, the state records
failed; any other failed task fails the phase in one line.
"""

from ..compose import jsonio, layout
from ..config.lookup import va_data
from ..errors import PunjiError
from ..koji import images
from ..media import iso, naming

PHASE = "liveimages"
PROG = "punji-liveimages"
DELIVERABLE = "live"
METHOD = "buildImage"
KOJI_TYPES = {"live": ("livecd", "createLiveCD", ".iso", "live", "iso"),
              "appliance": ("appliance", "createAppliance", ".raw.xz", "raw-xz", "raw.xz")}


def plan(topdir, conf, tree):
    by_uid = {v["uid"]: v for v in tree}
    substs = naming.substitutions(conf, topdir)
    jobs = []
    for v in tree:
        for arch in sorted(a for a in v["arches"] if a != "src"):
            for number, block in enumerate(va_data(conf.get("live_images"), v["uid"], arch), 1):
                where = "option 'live_images' (variant %s, arch %s, block %d)" % (v["uid"], arch, number)
                kind = block.get("type") or "live"
                if kind not in KOJI_TYPES:
                    raise PunjiError("%s: type %r is neither 'live' nor 'appliance'" % (where, kind))
                for key in ("specfile", "sign"):
                    if block.get(key):
                        raise PunjiError("%s: '%s' (RPM-wrapped or signed live images) is not supported" % (where, key))
                img_type, child, suffix, image_type, image_format = KOJI_TYPES[kind]
                target = images.pick(conf, block, "target", "live_images_target") or conf.get("live_target")
                if not target:
                    raise PunjiError("%s: no Koji target (set 'target', live_images_target or global_target)" % where)
                version = images.version(topdir, conf, block, "live_images_version")
                repos = block.get("repo") or []
                repos = ([repos] if isinstance(repos, str) else list(repos)) + [v["uid"]]
                opts = {"repo": [images.repository_url(topdir, conf, by_uid[r], "$basearch") if r in by_uid else r
                                 for r in dict.fromkeys(repos)]}
                ksurl = images.pick(conf, block, "ksurl", "live_images_ksurl")
                if ksurl:
                    opts["ksurl"] = ksurl
                release = images.release(topdir, conf, block, "live_images_release")
                if release:
                    opts["release"] = release
                if block.get("scratch"):
                    opts["scratch"] = True
                if kind == "appliance":
                    opts["format"] = "raw"
                rename = None
                if not conf.get("live_images_no_rename"):
                    fmt = naming.name_format(conf, v["uid"])
                    disc = (conf.get("disc_types") or {}).get(kind, kind)
                    rename = iso.format_value(fmt, dict(substs, variant=v["uid"], arch=arch, disc_type=disc,
                                                        disc_num="", suffix=suffix), "image_name_format")
                name = block.get("name") or "%s-%s" % (conf["release_short"], v["uid"])
                jobs.append({
                    "method": METHOD, "children": [child],
                    "what": "live_images %s of %s.%s (block %d)" % (name, v["uid"], arch, number),
                    "variant": v["uid"], "block": number, "arches": [arch], "suffix": suffix,
                    "kind": kind, "image_type": image_type, "image_format": image_format, "rename": rename,
                    "subvariant": block.get("subvariant") or v["uid"],
                    "can_fail": bool(block.get("failable")) or DELIVERABLE in va_data(
                        conf.get("failable_deliverables"), v["uid"], arch),
                    "optional": [],
                    "args": [name, version, arch, target, block["kickstart"], img_type], "opts": opts,
                })
    names = [(j["variant"], j["arches"][0], j["rename"]) for j in jobs if j["rename"]]
    if len(set(names)) != len(names):
        raise PunjiError("option 'image_name_format': two live_images of one variant.arch get the same name "
                         "(set live_images_no_rename)")
    return jobs


def take(topdir, job, arch, name):
    if not name.endswith(job["suffix"]):
        return None
    directory = layout.iso_dir if job["kind"] == "live" else layout.image_dir
    return {"dir": directory(job["variant"], arch), "type": job["image_type"], "format": job["image_format"],
            "rename": job["rename"]}


def finish(topdir, record):
    if record["type"] == "live":
        images.live_iso_fields(topdir, record)


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take, finish=finish)
