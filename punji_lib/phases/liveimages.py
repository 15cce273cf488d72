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
    opts          as the koji CLI sends what Pungi gives it: repo (the variant's own
                  repository unless it is_empty, then the block's 'repo': variant uids become
                  their repositories for the arch itself, absolute paths are translated, URLs
                  kept), ksurl (block, live_images_ksurl, global_ksurl), release (block,
                  live_images_release, global_release; null: <date><type suffix>.<respin>),
                  scratch always (Pungi builds non-scratch only RPM-wrapped images); an
                  appliance format raw

Each closed createLiveCD / createAppliance child gives its .iso (live) or
.raw.xz (appliance) files; they go into compose/<variant>/<arch>/iso/ (live) or
images/ (appliance), renamed as Pungi 4.3.2 does unless live_images_no_rename:
<name>-<version>-<variant>-<arch>-<disc type>.iso with the block's name, else
<compose id>-<variant>-<arch>-<disc type>.iso (image_name_format is not used; the
disc type is disc_types' 'live' and the suffix .iso for an appliance too), and are
recorded as productmd images (live/iso or raw-xz/raw.xz, bootable, no volume id
nor implanted MD5); a live ISO gets its .manifest (the files in it) beside it.
'specfile' (RPM-wrapped images) and 'sign' are not supported: an error. A block with 'failable' true (or
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
                kind = _kind(block, where)
                img_type, child, suffix, image_type, image_format = KOJI_TYPES[kind]
                target = images.koji_target(conf, block, "live_images_target", where, old_option="live_target")
                version = images.version(topdir, conf, block, "live_images_version")
                opts = _task_opts(topdir, conf, block, v, arch, kind, by_uid, where)
                rename = None
                if not conf.get("live_images_no_rename"):
                    rename = iso.format_value(file_name_format(block, version),
                                              dict(substs, variant=v["uid"], arch=arch, disc_num="",
                                                   disc_type=(conf.get("disc_types") or {}).get("live", "live"),
                                                   suffix=".iso"), "live_images")
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


def _kind(block, where):
    """The image type of a block: "live" or "appliance"; another, or an RPM-wrapped or signed
    image: one error line naming WHERE."""
    kind = block.get("type") or "live"
    if kind not in KOJI_TYPES:
        raise PunjiError("%s: type %r is neither 'live' nor 'appliance'" % (where, kind))
    for key in ("specfile", "sign"):
        if block.get(key):
            raise PunjiError("%s: '%s' (RPM-wrapped or signed live images) is not supported" % (where, key))
    return kind


def _task_opts(topdir, conf, block, v, arch, kind, by_uid, where):
    """The options of the image task of a block of variant V on ARCH: its repos (the variant's
    own first), ksurl, release and, for an appliance, the raw format."""
    repos = [] if v.get("is_empty") else [v["uid"]]
    repos += [block["repo"]] if isinstance(block.get("repo"), str) else list(block.get("repo") or [])
    # always a scratch build: Pungi builds non-scratch only RPM-wrapped images (specfile)
    opts = {"repo": [images.repository_url(topdir, conf, by_uid[r], arch) if r in by_uid
                     else images.repo_url(topdir, conf, r, by_uid, where) for r in repos],
            "scratch": True}
    ksurl = images.pick(conf, block, "ksurl", "live_images_ksurl")
    if ksurl:
        opts["ksurl"] = ksurl
    release = images.release(topdir, conf, block, "live_images_release")
    if release:
        opts["release"] = release
    if kind == "appliance":
        opts["format"] = "raw"
    return opts


def file_name_format(block, version):
    """Pungi's name of a live image in the compose: <name>-<version>-<variant>-<arch>-<disc type>
    .iso with the block's name, else <compose id>-<variant>-..., whatever image_name_format says
    (and .iso with disc type 'live' for an appliance too)."""
    tail = "-%(variant)s-%(arch)s-%(disc_type)s%(disc_num)s%(suffix)s"
    return ("%s-%s" % (block["name"], version) if block.get("name") else "%(compose_id)s") + tail


def take(topdir, job, arch, name):
    if not name.endswith(job["suffix"]):
        return None
    directory = layout.iso_dir if job["kind"] == "live" else layout.image_dir
    return {"dir": directory(job["variant"], arch), "type": job["image_type"], "format": job["image_format"],
            "rename": job["rename"], "bootable": True}


def finish(topdir, record):
    """A live ISO gets its .manifest beside it, as Pungi writes one (isoinfo -R -f's listing)."""
    if record["type"] == "live":
        path = layout.at(topdir, "compose/" + record["path"])
        jsonio.write_text(path + ".manifest", "".join(line + "\n" for line in iso.manifest(path)))


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images.run_jobs(topdir, conf, PHASE, PROG, plan(topdir, conf, tree), take, finish=finish)
