"""punji-test: repoclosure of every repository and sanity checks of every image."""

import sys

from . import cli

DESCRIPTION = """\
Check the compose: repoclosure of every repository with libsolv (an addon's or
optional variant's parent as lookaside; repoclosure_strictness: lenient by
default, so problems are reported in the log and the compose goes on), and
every ISO: a valid ISO 9660 header, volume id and size as images.json says,
the El Torito catalog, EFI image and hybrid MBR of bootable images, and
checkisomd5."""

EXAMPLE = "punji-test /mnt/composes/PDL-1-20261125.t.0"


build_parser, main = cli.phase_command("test", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
