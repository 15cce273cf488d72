"""punji-prelink: the old compose's package trees hard-linked aside for gather to take over."""

import sys

from . import cli

DESCRIPTION = """\
When the target directory holds an earlier finished compose of the same release and
every arch's package set has the inputs it had there, hard-link that compose's package
trees (os/Packages, debug/tree/Packages, source/tree/Packages) into work/global/prelink/
while the package set is read. punji-gather --assemble, when it takes the trees over,
puts these copies in place instead of linking every file then. It runs beside
punji-pkgset; without an old compose, or with another package set, it links nothing."""

EXAMPLE = """\
punji-prelink /mnt/composes/PDL-1-20261126.n.0"""


build_parser, main = cli.phase_command("prelink", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
