"""punji-imagechecksum: checksums of every image of the compose."""

import sys

from . import cli

DESCRIPTION = """\
Checksum every image listed in compose/metadata/images.json (each image is
read once for all of media_checksums), write the CHECKSUM files beside the
images in the BSD style (media_checksum_one_file,
media_checksum_base_filename) and store the checksums in images.json."""

EXAMPLE = "punji-imagechecksum /mnt/composes/PDL-1-20261125.t.0"


build_parser, main = cli.phase_command("imagechecksum", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
