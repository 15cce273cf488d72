"""punji-ostreeinstaller: the ostree installer ISOs of Pungi's ostree_installer (lorax through runroot)."""

import sys

from . import cli

DESCRIPTION = """\
Make the installer ISOs of Pungi's ostree_installer: for each variant and arch a
block matches, run lorax through the phase's runroot method (runroot_method
"ostree_installer") with punji-buildinstall's argument list, the block's repos
(variant uids become this compose's os trees) after the arch's package set
repo, its release, installpkgs, templates (relative ones from template_repo at
template_branch) and template variables, rootfs_size and skip_branding, and
the volume id of disc type disc_types["ostree"]. lorax's images/boot.iso goes
into compose/<variant>/<arch>/iso/ named by image_name_format (disc type
"ostree") and is recorded as a "dvd-ostree" image for images.json
(punji-createiso --assemble). A variant.arch where buildinstall runs too is an
error unless ostree_installer_overwrite is true. A block whose 'failable'
names the arch (or failable_deliverables "ostree-installer") may fail: a
warning, and the compose finishes FINISHED_INCOMPLETE. Options:
ostree_installer, ostree_installer_overwrite, disc_types, image_name_format,
image_volid_formats, failable_deliverables and the runroot options."""

EXAMPLE = """\
punji-ostreeinstaller /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("ostreeinstaller", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
