"""Containers embedding an image of this compose, built by OSBS through Koji (Pungi's image_container).

image_container maps variant uid regexes to a block or a list of blocks. For
every block matching a variant, the image to embed is looked up in
compose/metadata/images.json (after punji-imagechecksum): the images of the
variant on the block's 'arch_override' arches (space-separated; default every
arch images.json lists for the variant) whose fields all match the block's
image_spec {productmd image field: regex} (re.match; a field that is not a
string is matched as its JSON text). Each path has its arch replaced by
'$basearch', so one image built for several arches counts once; any other
count than one is an error naming the block. A .repo file,
work/global/imagecontainer/image-container-<variant>-<n>.repo, points at it:

    [image-to-include]
    name=Location of image to embed
    baseurl=<the image's path, through translate_paths>
    enabled=0
    gpgcheck=0

Then one Koji task per block, buildContainer(url, target, opts,
priority=priority), opts being the block's keys but url, target, priority,
failable and image_spec, plus yum_repourls: [the URL of that .repo file]. The
tasks are submitted and waited for together, and their builds recorded as
punji-osbs records its own, in the same compose/metadata/osbs.json (see
punji_lib.koji.containers). A block with 'failable' true (or failable_deliverables
"osbs" on all the variant's arches, Pungi's deliverable name for both phases)
may fail, its image_spec included: a warning, the state file records failed;
any other failure fails the phase with one line.
"""

import json
import os
import re

from ..compose import jsonio, layout, state
from ..errors import PunjiError
from ..koji import adopt, containers, images
from ..log import log, warn

PHASE = "imagecontainer"
PROG = "punji-imagecontainer"
DELIVERABLE = "osbs"
OWN_KEYS = ("url", "target", "priority", "failable", "image_spec")
# the fields of a productmd image (productmd.images.Image)
FIELDS = ("path", "mtime", "size", "volume_id", "type", "format", "arch", "disc_number", "disc_count",
          "checksums", "implant_md5", "bootable", "subvariant", "unified", "additional_variants")


def compose_images(topdir):
    """{variant: {arch: [productmd image records]}} of compose/metadata/images.json."""
    path = layout.at(topdir, layout.images_json())
    if not os.path.isfile(path):
        raise PunjiError("option 'image_container': %s does not exist (punji-createiso --assemble writes it)"
                         % layout.images_json())
    return jsonio.read_json(path)["payload"]["images"]


def field_text(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def chosen_image(by_arch, block, what):
    """The compose-relative path ('$basearch' for the arch) of the one image BLOCK's image_spec picks."""
    spec = block["image_spec"]
    unknown = sorted(set(spec) - set(FIELDS))
    if unknown:
        raise PunjiError("%s: image_spec key %r is no image field (known: %s)" % (what, unknown[0], ", ".join(FIELDS)))
    for key, pattern in spec.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise PunjiError("%s: image_spec %s: %r is no regular expression: %s" % (what, key, pattern, exc))
    paths = set()
    for arch in (block.get("arch_override") or "").split() or sorted(by_arch):
        for record in by_arch.get(arch, []):
            if all(re.match(pattern, field_text(record.get(key))) for key, pattern in spec.items()):
                paths.add(record["path"].replace(arch, "$basearch"))
    if len(paths) != 1:
        found = " (%s)" % ", ".join(sorted(paths)) if paths else ""
        raise PunjiError("%s: image_spec %s matches %d images in %s%s; exactly one is needed"
                         % (what, json.dumps(spec, sort_keys=True), len(paths), layout.images_json(), found))
    return paths.pop()


def repo_url(topdir, conf, uid, number, image_path):
    """Write the .repo file of block NUMBER of UID pointing at IMAGE_PATH; its URL."""
    rel = layout.imagecontainer_repo_file(uid, number)
    baseurl = layout.translate_path(layout.at(topdir, os.path.join("compose", image_path)),
                                       conf.get("translate_paths"))
    lines = ["[image-to-include]", "name=Location of image to embed", "baseurl=%s" % baseurl, "enabled=0",
             "gpgcheck=0"]
    jsonio.write_text(layout.at(topdir, rel), "\n".join(lines) + "\n")
    return layout.translate_path(layout.at(topdir, rel), conf.get("translate_paths"))


def plan(topdir, conf, tree):
    """(jobs, [messages of failable blocks whose image_spec failed])."""
    found = None
    jobs, failed = [], []
    for v in tree:
        arches = sorted(a for a in v["arches"] if a != "src")
        for number, block in enumerate(images.blocks(conf, "image_container", v), 1):
            what = "option 'image_container' (variant %s, block %d)" % (v["uid"], number)
            can_fail = bool(block.get("failable")) or images.failable_everywhere(conf, v["uid"], arches,
                                                                                 DELIVERABLE)
            try:
                found = compose_images(topdir) if found is None else found
                image_path = chosen_image(found.get(v["uid"]) or {}, block, what)
            except PunjiError as exc:
                if not can_fail:
                    raise
                warn(PROG, "%s (failable: the compose goes on without it)" % exc)
                failed.append(str(exc))
                continue
            opts = {k: value for k, value in sorted(block.items()) if k not in OWN_KEYS}
            opts["yum_repourls"] = [repo_url(topdir, conf, v["uid"], number, image_path)]
            log.info("%s: embeds %s", what, image_path)
            jobs.append({
                "what": "image_container build of %s (block %d, %s)" % (v["uid"], number, block["url"]),
                "variant": v["uid"], "block": number, "can_fail": can_fail, "scratch": bool(block.get("scratch")),
                "args": [block["url"], block["target"], opts], "priority": block.get("priority"),
            })
    return jobs, failed


def run(topdir, variant=None, arch=None):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    containers.drop_part(topdir, PHASE)
    jobs, failed = plan(topdir, conf, tree)
    metadata, nvrs, task_failed = containers.build_all(topdir, conf, PROG, jobs, PHASE)
    failed += task_failed
    containers.publish(topdir, PHASE, metadata)
    facts = {"tasks": sorted(job["task"] for job in jobs), "result": layout.osbs_json(), "builds": sorted(nvrs)}
    if failed:
        facts["error"] = failed[0] + ("" if len(failed) == 1 else " (and %d more)" % (len(failed) - 1))
    state.write(topdir, PHASE, failed=bool(failed), errors=failed, **facts)
    adopt.forget(topdir, PHASE)
