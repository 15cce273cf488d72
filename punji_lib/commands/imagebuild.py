"""punji-imagebuild: the Koji image-build images (image_build) of the whole compose."""

import sys

from . import cli

DESCRIPTION = """\
Build the images of Pungi's image_build in Koji: one buildImageOz task per
block and matching variant (the call `koji image-build` makes), all submitted
at once with the koji_profile's credentials and waited for together. Each
task's images (the files matching the block's formats) are linked from the
hub's topdir, or downloaded from its topurl, into
compose/<variant>/<arch>/images/ and recorded for images.json (punji-createiso
--assemble). A failed task fails the phase with one line naming the task and
the hub's error, unless its block is failable ('failable' arches or
failable_deliverables "image-build"): then the compose goes on and finishes
FINISHED_INCOMPLETE. Options: image_build, image_build_ksurl,
image_build_target, image_build_release, image_build_version, global_ksurl,
global_target, global_release, global_version, translate_paths,
failable_deliverables, koji_profile, link_type."""

EXAMPLE = """\
punji-imagebuild /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("imagebuild", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
