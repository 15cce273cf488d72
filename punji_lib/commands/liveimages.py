"""punji-liveimages: the Koji live CDs and appliances (live_images) of the whole compose."""

import sys

from . import cli

DESCRIPTION = """\
Build the live CDs and appliances of Pungi's live_images in Koji: one
buildImage task (type livecd or appliance: the calls `koji spin-livecd` and
`koji spin-appliance` make) per block, variant and arch, all submitted at once
with the koji_profile's credentials and waited for together. Each task's ISO
(or raw.xz appliance) is linked from the hub's topdir, or downloaded from its
topurl, into compose/<variant>/<arch>/iso/ (appliances: images/), named by
image_name_format unless live_images_no_rename, and recorded for images.json
(punji-createiso --assemble). A failed task fails the phase with one line
naming the task and the hub's error, unless its block is failable ('failable'
or failable_deliverables "live"): then the compose goes on and finishes
FINISHED_INCOMPLETE. Options: live_images, live_images_no_rename,
live_images_ksurl, live_images_target, live_images_release,
live_images_version, live_target, global_ksurl, global_target,
global_release, global_version, image_name_format, disc_types,
translate_paths, failable_deliverables, koji_profile, link_type."""

EXAMPLE = """\
punji-liveimages /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("liveimages", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
