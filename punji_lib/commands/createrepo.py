"""punji-createrepo: repodata, .treeinfo and .discinfo of one variant's trees."""

import sys

from . import cli

DESCRIPTION = """\
Write the repodata of one variant.arch's os and debug trees (the variant's
filtered comps as group file) with createrepo_c, reusing the metadata of
unchanged packages, and the tree's .treeinfo and .discinfo. With --arch src:
the variant's source tree. Options: createrepo_checksum, createrepo_use_xz,
createrepo_num_workers, createrepo_database, createrepo_extra_args."""

EXAMPLE = """\
punji-createrepo --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-createrepo --variant Server --arch src /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("createrepo", DESCRIPTION, EXAMPLE)


if __name__ == "__main__":
    sys.exit(main())
