"""punji-ostreecontainer: the ostree native containers of Pungi's ostree_container (rpm-ostree through runroot)."""

import sys

from . import cli

DESCRIPTION = """\
Make the ostree native containers of Pungi's ostree_container, as
pungi-make-ostree container does: for each block and matching variant and
arch, check out config_url at config_branch (default main), point the treefile
at the block's repos (variant uids become this compose's os trees;
keep_original_sources keeps the treefile's own) and set its
automatic-version-prefix to the version, run `rpm-ostree compose image
--initialize ...` through the runroot method of ostree_container, and move the
OCI archive to compose/<variant>/<arch>/images/<name>-<arch>-<version>.ociarchive
(name: the block's, else release_short-subvariant). The archives are recorded
for images.json (type and format ociarchive). A block whose 'failable' names
the arch (or failable_deliverables "ostree-container") may fail: a warning,
and the compose finishes FINISHED_INCOMPLETE. Options: ostree_container,
failable_deliverables, runroot_method and the other runroot options."""

EXAMPLE = """\
punji-ostreecontainer /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("ostreecontainer", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
