"""punji-finish: write compose/metadata/composeinfo.json and set STATUS."""

import sys

from . import cli

DESCRIPTION = """\
The compose's last target: write composeinfo.json with every variant and the paths of
its trees, then STATUS: FINISHED, or FINISHED_INCOMPLETE when a failable deliverable failed."""

EXAMPLE = """\
punji-finish /mnt/composes/PDL-1-20261125.n.0"""


build_parser, main = cli.phase_command("finish", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
