"""punji-imagebuilder: the Koji image-builder images (imagebuilder) of the whole compose."""

import sys

from . import cli

DESCRIPTION = """\
Build the images of Pungi's imagebuilder in Koji: one imageBuilderBuild task
(the koji-image-builder plugin's hub call) per block and matching variant, all
submitted at once with the koji_profile's credentials and waited for together.
Each task's images are linked from the hub's topdir, or downloaded from its
topurl, into compose/<variant>/<arch>/images/ (ISOs into iso/), typed by their
file name endings, and recorded for images.json (punji-createiso --assemble).
A failed task fails the phase with one line naming the task and the hub's
error, unless its block is failable ('failable' naming all its arches, or
failable_deliverables "imageBuilderBuild"): then the compose goes on and
finishes FINISHED_INCOMPLETE. Options: imagebuilder, imagebuilder_target,
imagebuilder_release, imagebuilder_version, global_target, global_release,
global_version, translate_paths, failable_deliverables, koji_profile,
link_type."""

EXAMPLE = """\
punji-imagebuilder /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("imagebuilder", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
