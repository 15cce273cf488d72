"""punji-extraiso: the extra ISOs (extra_isos) of one variant.arch."""

import sys

from . import cli

DESCRIPTION = """\
Make the extra ISOs (Pungi's extra_isos) of one variant.arch (--arch src: of
its source tree): for every extra_isos block matching the variant, one image
holding <uid>/Packages and <uid>/repodata of the variant and of each variant
in include_variants, the variant's .treeinfo (listing them all) and
.discinfo, a media.repo and the block's extra_files; named by 'filename',
volume id from 'volid', MD5 implanted with implantisomd5, a .manifest beside
it, in compose/<variant>/<arch>/iso. Honours arches, skip_src,
inherit_extra_files, failable_arches and max_size. punji-createiso --assemble
lists the images in images.json."""

EXAMPLE = """\
punji-extraiso --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-extraiso --variant Server --arch src /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("extraiso", DESCRIPTION, EXAMPLE)


if __name__ == "__main__":
    sys.exit(main())
