"""punji-productimg: product.img for the installer of one variant.arch."""

import sys

from . import cli

DESCRIPTION = """\
Make images/product.img in one variant.arch's os tree (Pungi's old productimg
phase), when option productimg is true and buildinstall put installer images
there: a gzip'd cpio image holding run/install/product/.buildstamp (Product,
Version and BugURL from the os-release of the tree's release package, IsFinal,
UUID <compose id>.<arch>) and the install class of productimg_install_class
(a path relative to the config file's directory, or an scm dict) in
run/install/product/installclasses/. createrepo lists it in .treeinfo.
Options: productimg, productimg_install_class."""

EXAMPLE = """\
punji-productimg --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("productimg", DESCRIPTION, EXAMPLE)


if __name__ == "__main__":
    sys.exit(main())
