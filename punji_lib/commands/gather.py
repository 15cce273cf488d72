"""punji-gather: the packages of one variant.arch, or (--assemble) the source trees and rpms.json."""

import sys

from . import cli

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


build_parser, main = cli.phase_command(
    "gather", DESCRIPTION, EXAMPLE,
    assemble="link the source trees and write rpms.json from every variant.arch's result")


if __name__ == "__main__":
    sys.exit(main())
