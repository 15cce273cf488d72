"""punji-createiso: the ISO images of one tree, or (--assemble) images.json."""

import sys

from .. import cli

DESCRIPTION = """\
Make the ISO images of one variant.arch tree (--arch src: its source tree):
Packages, repodata, .treeinfo, .discinfo and extra files, split into several
images when the tree exceeds iso_size, bootable when buildinstall put boot
files in the tree, volume ids from image_volid_formats, MD5 implanted with
implantisomd5, a .manifest beside each image. Honours createiso_skip and
createiso_break_hardlinks. With --assemble: write compose/metadata/images.json
from every tree's images."""

EXAMPLE = """\
punji-createiso --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-createiso --assemble /mnt/composes/PDL-1-20261125.t.0"""


def build_parser():
    p = cli.parser("punji-createiso", DESCRIPTION, EXAMPLE)
    cli.add_tree_or_assemble(p, "write compose/metadata/images.json from every tree's images")
    return p


def main(argv=None):
    return cli.run_tree_or_assemble(build_parser(), "createiso", "createiso", argv)


if __name__ == "__main__":
    sys.exit(main())
