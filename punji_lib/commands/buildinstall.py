"""punji-buildinstall: installer boot images of one variant.arch with lorax."""

import sys

from . import cli

DESCRIPTION = """\
Run lorax (buildinstall_method "lorax") for one variant.arch through the
runroot method of the buildinstall phase (runroot_method, local or openssh),
over the arch's package set repo and lorax_extra_sources, with Pungi's lorax
arguments (lorax_options). Its output goes to work/<arch>/buildinstall/<variant>
and, but for its .treeinfo and .discinfo, into the variant's os tree (images/,
isolinux/, EFI/), where createrepo lists it in .treeinfo and createiso makes
bootable DVDs of it; images/boot.iso is recorded for images.json. Options:
buildinstall_method, lorax_options, lorax_extra_sources, buildinstall_skip,
buildinstall_topdir, buildinstall_packages, runroot_method,
global_runroot_method, runroot_ssh_*."""

EXAMPLE = """\
punji-buildinstall --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("buildinstall", DESCRIPTION, EXAMPLE)


if __name__ == "__main__":
    sys.exit(main())
