"""punji-osbuild: the osbuild images (osbuild) of the whole compose, built through Koji."""

import sys

from . import cli

DESCRIPTION = """\
Build the images of Pungi's osbuild through Koji's osbuild plugin: one
osbuildImage task per block and matching variant (with the arguments Pungi
sends), all submitted at once with the koji_profile's credentials and waited
for together. The image archives of each task's Koji build are linked from the
hub's topdir, or downloaded from its topurl, into
compose/<variant>/<arch>/images/ (ISOs: iso/) and recorded for images.json
(punji-createiso --assemble). A failed task fails the phase with one line
naming the task and the hub's error, unless its block is failable ('failable'
arches or failable_deliverables "osbuild"): then the compose goes on and
finishes FINISHED_INCOMPLETE. Options: osbuild, osbuild_target,
osbuild_release, osbuild_version, global_target, global_release,
global_version, translate_paths, failable_deliverables, koji_profile,
link_type."""

EXAMPLE = """\
punji-osbuild /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("osbuild", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
