"""punji-ostree: the OSTree commits of Pungi's ostree option (rpm-ostree through runroot)."""

import sys

from . import cli

DESCRIPTION = """\
Make the OSTree commits of Pungi's ostree option, as pungi-make-ostree does:
for each block and matching variant and arch, check out config_url at
config_branch, point the treefile at the block's repos (variant uids become
this compose's os trees; keep_original_sources keeps the treefile's own) and
ostree_ref, run `rpm-ostree compose tree --repo=<ostree_repo>
--write-commitid-to=...` through the phase's runroot method, point
refs/heads/<ref> at the new commit (unless tag_ref is false) and, with
update_summary, run `ostree summary --update`. The commits and refs go into
compose/metadata/ostree.json. A block whose 'failable' names the arch (or
failable_deliverables "ostree") may fail: a warning, and the compose finishes
FINISHED_INCOMPLETE. Options: ostree, failable_deliverables, runroot_method and
the other runroot options."""

EXAMPLE = """\
punji-ostree /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command("ostree", DESCRIPTION, EXAMPLE, scope="compose")


if __name__ == "__main__":
    sys.exit(main())
