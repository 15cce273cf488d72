"""punji-gather: the packages of one variant.arch, or (--assemble) every tree and rpms.json."""

import sys

from . import cli

DESCRIPTION = """\
Decide which binary, debug and source packages go into one variant.arch, with
the rules of Pungi's gather phase (gather_method, greedy_method, gather_fulltree,
gather_selfhosting, multilib, additional_packages, filter_packages,
gather_lookaside_repos, the variant types), solved with libsolv over the arch's
package set, and write work/<arch>/gather/<variant>.solved.json, which says
why each package is in.

With --assemble (after every variant.arch): apply Pungi's rules across
variants and arches (an addon drops what its parent has and moves into it
what only the parent's sources brought; optional variants and layered
products drop the addons' packages), link every tree (os/Packages,
debug/tree/Packages, source/tree/Packages; an addon's in its parent's
os/addons/<id>; link_type, hashed_directories), and write
work/<arch>/gather/<variant>.json and compose/metadata/rpms.json."""

EXAMPLE = """\
punji-gather --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0
punji-gather --assemble /mnt/composes/PDL-1-20261125.t.0"""


build_parser, main = cli.phase_command(
    "gather", DESCRIPTION, EXAMPLE,
    assemble="apply the rules across variants, link every tree and write rpms.json from every variant.arch's result")


if __name__ == "__main__":
    sys.exit(main())
