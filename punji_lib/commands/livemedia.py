"""punji-livemedia: the Koji live media (live_media) of the whole compose."""

import sys

from . import cli

DESCRIPTION = """\
Build the live media of Pungi's live_media in Koji: one buildImage task of
type livemedia per block and matching variant (the call `koji
spin-livemedia` makes), all submitted at once with the koji_profile's
credentials and waited for together. Each task's ISOs are linked from the
hub's topdir, or downloaded from its topurl, into compose/<variant>/<arch>/iso/
and recorded as live images for images.json (punji-createiso --assemble). A
failed task fails the phase with one line naming the task and the hub's error,
unless its block is failable ('failable' arches or failable_deliverables
"live-media"): then the compose goes on and finishes FINISHED_INCOMPLETE.
Options: live_media, live_media_ksurl, live_media_target, live_media_release,
live_media_version, global_ksurl, global_target, global_release,
global_version, translate_paths, failable_deliverables, koji_profile,
link_type."""

EXAMPLE = """\
punji-livemedia /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("livemedia", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
