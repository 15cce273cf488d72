"""punji-createiso: the ISO images of one tree, or (--assemble) images.json."""

import sys

from . import cli

DESCRIPTION = """\
Make the ISO images of one variant.arch tree (--arch src: its source tree):
Packages, repodata, .treeinfo, .discinfo and extra files, split into several
images when the tree exceeds iso_size, bootable when buildinstall put boot
files in the tree, volume ids from image_volid_formats, MD5 implanted with
implantisomd5, a .manifest beside each image, with create_jigdo its .jigdo and
.template in the tree's jigdo directory. Honours createiso_skip and
createiso_break_hardlinks. With --assemble: write compose/metadata/images.json
from every tree's images."""

EXAMPLE = """\
punji-createiso --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-createiso --assemble /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command(
    "createiso", DESCRIPTION, EXAMPLE,
    assemble="write compose/metadata/images.json from every tree's images")


if __name__ == "__main__":
    sys.exit(main())
