"""punji-osbs: the Koji container images (osbs) of the whole compose."""

import sys

from . import cli

DESCRIPTION = """\
Build the container images of Pungi's osbs in OSBS through Koji: one
buildContainer task per block and matching variant, all submitted at once
with the koji_profile's credentials and waited for together; yum_repourls
point at .repo files of the variant's tree and the block's repos (written in
work/global/osbs/, paths through translate_paths). Each build's image archives
are recorded in compose/metadata/osbs.json (scratch builds: their
repositories), registries from osbs_registries in
logs/global/osbs-registries.json. A failed task fails the phase with one line
naming the task and the hub's error, unless its block is failable ('failable'
true or failable_deliverables "osbs"): then the compose goes on and finishes
FINISHED_INCOMPLETE. Options: osbs, osbs_registries, translate_paths,
failable_deliverables, koji_profile."""

EXAMPLE = """\
punji-osbs /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("osbs", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
