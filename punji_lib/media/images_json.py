"""compose/metadata/images.json (punji-createiso --assemble): the images of every tree, the
extra ISOs, the boot.iso of buildinstall and the images of the Koji image phases."""

import os

from ..compose import jsonio, layout, request, state
from ..log import log

PHASE = "createiso"

KOJI_IMAGE_PHASES = ("imagebuild", "livemedia", "osbs", "liveimages", "ostreeinstaller", "kiwibuild", "imagebuilder",
                     "osbuild", "ostreecontainer")


# the Pungi phases (and, but for createiso, the option each needs) of which one not skipped
# makes Pungi 4.3.2 write images.json; its image_checksum phase sums the images all the same
IMAGE_PHASES = (("buildinstall", "buildinstall_method"), ("ostree_installer", "ostree_installer"),
                ("createiso", None), ("live_images", "live_images"), ("live_media", "live_media"),
                ("image_build", "image_build"), ("osbuild", "osbuild"))


def images_listed(conf):
    """Whether Pungi writes compose/metadata/images.json for config CONF."""
    skipped = set(conf.get("skip_phases") or [])
    return any(name not in skipped and (option is None or conf.get(option)) for name, option in IMAGE_PHASES)


def write(topdir):
    """compose/metadata/images.json: every tree's images and the extra ISOs punji-extraiso
    made (work/<arch>/extraiso/<variant>.json), in productmd's format. A source image is
    listed under each arch of its variant, as Pungi does; the checksums are
    punji-imagechecksum's to fill. Where Pungi writes no images.json (images_listed), the
    list goes to work/global/images.json (fuzz-compose --repos --outputs seed 15108)."""
    import productmd.images

    req = request.read(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    images = productmd.images.Images()
    images.compose.id, images.compose.type = req["compose_id"], req["compose_type"]
    images.compose.date, images.compose.respin = req["date"], req["respin"]
    data = {}
    images.header.serialize(data)
    data["payload"] = {"images": {}}
    images.compose.serialize(data["payload"])
    count = 0
    for v in tree:
        for arch in v["arches"] + ["src"]:
            for record in _tree_images(topdir, v, arch):
                count += 1
                for listed in v["arches"] if arch == "src" else [arch]:
                    data["payload"]["images"].setdefault(v["uid"], {}).setdefault(listed, []).append(record)
    for entry in _koji_images(topdir):
        count += 1
        data["payload"]["images"].setdefault(entry["variant"], {}).setdefault(entry["arch"], []).append(entry["image"])
    for by_arch in data["payload"]["images"].values():
        for listed in by_arch.values():
            listed.sort(key=lambda r: r["path"])
    target = layout.images_json()
    if not images_listed(jsonio.read_json(layout.at(topdir, layout.config_json()))):
        target = layout.unlisted_images_json()
        if os.path.exists(layout.at(topdir, layout.images_json())):  # an earlier run's
            os.unlink(layout.at(topdir, layout.images_json()))
    jsonio.write_json(layout.at(topdir, target), data)
    log.info("%s: %d images", target, count)
    state.write(topdir, PHASE, images=count, result=target)


def _tree_images(topdir, v, arch):
    """The image records of tree V.ARCH: its images, the extra ISOs punji-extraiso made for it
    (extra_isos) and the boot.iso punji-buildinstall put into its os tree."""
    compose_dir = layout.at(topdir, "compose")
    for phase, path in ((PHASE, layout.createiso_json(v["uid"], arch)),
                        ("extraiso", layout.extraiso_json(v["uid"], arch)),
                        ("buildinstall", layout.buildinstall_json(v["uid"], arch))):
        path = layout.at(topdir, path)
        done = layout.at(topdir, layout.state_file(phase, v["uid"], arch))
        if not os.path.isfile(done) or jsonio.read_json(done).get("failed") or not os.path.isfile(path):
            continue
        for record in jsonio.read_json(path)["images"]:
            if phase != PHASE and not os.path.isfile(os.path.join(compose_dir, record["path"])):
                continue  # gone with the iso directory createiso made again; punji-extraiso makes it anew
            yield record


def _koji_images(topdir):
    """The {variant, arch, image} entries of the Koji image phases' images (punji-imagebuild,
    ...: work/global/<phase>/images.json) that are in the compose."""
    compose_dir = layout.at(topdir, "compose")
    for phase in KOJI_IMAGE_PHASES:
        path = layout.at(topdir, layout.koji_images_json(phase))
        if not os.path.isfile(layout.at(topdir, layout.state_file(phase))) or not os.path.isfile(path):
            continue
        for entry in jsonio.read_json(path)["images"]:
            if os.path.isfile(os.path.join(compose_dir, entry["image"]["path"])):
                yield entry
