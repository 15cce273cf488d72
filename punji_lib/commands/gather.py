"""punji-gather: the packages of one variant.arch, or (--assemble) the source trees and rpms.json."""

import sys

from .. import cli

DESCRIPTION = """\
Decide which binary, debug and source packages go into one variant.arch, with
the rules of Pungi's gather phase (gather_method, greedy_method, gather_fulltree,
gather_selfhosting, multilib, additional_packages, filter_packages,
gather_lookaside_repos, the variant types), solved with libsolv over the arch's
package set. Link them into compose/<variant>/<arch>/os/Packages and
debug/tree/Packages (link_type, hashed_directories) and write
work/<arch>/gather/<variant>.json, which says why each package is in.

With --assemble (after every variant.arch): link each variant's source tree
and write compose/metadata/rpms.json."""

EXAMPLE = """\
punji-gather --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-gather --assemble /mnt/composes/PDL-1-20261125.t.0"""


def build_parser():
    p = cli.parser("punji-gather", DESCRIPTION, EXAMPLE)
    cli.add_tree_or_assemble(p, "link the source trees and write rpms.json from every variant.arch's result")
    return p


def main(argv=None):
    return cli.run_tree_or_assemble(build_parser(), "gather", "gather", argv)


if __name__ == "__main__":
    sys.exit(main())
