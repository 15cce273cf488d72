"""punji-test: sanity checks of every image of the compose."""

import sys

from . import cli

DESCRIPTION = """\
Check every image of compose/metadata/images.json: the file and its size,
and for an ISO a valid ISO 9660 header, the volume id images.json gives, the
El Torito catalog, EFI image and hybrid MBR of bootable images, and
checkisomd5. A failed check fails the phase with one line, unless
failable_deliverables lets the image fail. (Repoclosure is punji-repoclosure.)"""

EXAMPLE = "punji-test /mnt/composes/PDL-1-20261125.t.0"


build_parser, main = cli.phase_command("test", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
