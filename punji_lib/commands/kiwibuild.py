"""punji-kiwibuild: the Koji kiwi images (kiwibuild) of the whole compose."""

import sys

from . import cli

DESCRIPTION = """\
Build the images of Pungi's kiwibuild in Koji: one kiwiBuild task (the kiwi
plugin's hub call) per block and matching variant, all submitted at once with
the koji_profile's credentials and waited for together. Each task's images
are linked from the hub's topdir, or downloaded from its topurl, into
compose/<variant>/<arch>/images/ (ISOs into iso/), typed by their file name
endings, and recorded for images.json (punji-createiso --assemble). A failed
task fails the phase with one line naming the task and the hub's error,
unless its block is failable ('failable' arches or failable_deliverables
"kiwibuild"): then the compose goes on and finishes FINISHED_INCOMPLETE.
Options: kiwibuild, kiwibuild_description_scm, kiwibuild_description_path,
kiwibuild_target, kiwibuild_release, kiwibuild_version, kiwibuild_type,
kiwibuild_type_attr, kiwibuild_bundle_name_format, kiwibuild_repo_releasever,
global_target, global_release, global_version, translate_paths,
failable_deliverables, koji_profile, link_type."""

EXAMPLE = """\
punji-kiwibuild /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("kiwibuild", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
