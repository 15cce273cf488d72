"""punji-extrafiles: the extra_files of one variant.arch, or (--assemble) extra_files.json."""

import sys

from . import cli

DESCRIPTION = """\
Copy the extra_files configured for one variant.arch (sources: a local file or
directory, a git repository, files from a package of the package set) into its
os tree, with the list of them (extra_files.json) beside them. A target path
that leaves the tree is refused. With --assemble: write
compose/metadata/extra_files.json from every tree's files."""

EXAMPLE = """\
punji-extrafiles --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-extrafiles --assemble /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command(
    "extrafiles", DESCRIPTION, EXAMPLE,
    assemble="write compose/metadata/extra_files.json from every tree's extra files")


if __name__ == "__main__":
    sys.exit(main())
