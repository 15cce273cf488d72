"""punji-imagecontainer: containers embedding an image of the compose (Pungi's image_container)."""

import sys

from . import cli

DESCRIPTION = """\
Build the containers of Pungi's image_container in OSBS through Koji: for each
block and matching variant, the one image of compose/metadata/images.json
whose fields match the block's image_spec (regexes; arches from arch_override)
gets a .repo file in work/global/imagecontainer/ pointing at it (through
translate_paths), and one buildContainer task is submitted with yum_repourls
naming that file; all tasks at once, with the koji_profile's credentials. The
builds are recorded in compose/metadata/osbs.json beside punji-osbs's. An
image_spec matching no image or several, or a failed task, fails the phase
with one line, unless the block is failable ('failable' true or
failable_deliverables "osbs"): then the compose goes on and finishes
FINISHED_INCOMPLETE. Runs after punji-imagechecksum. Options: image_container,
translate_paths, failable_deliverables, koji_profile."""

EXAMPLE = """\
punji-imagecontainer /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("imagecontainer", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
