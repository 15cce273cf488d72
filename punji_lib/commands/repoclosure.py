"""punji-repoclosure: the requires nothing provides in one variant.arch's repository."""

import sys

from . import cli

DESCRIPTION = """\
Run repoclosure over one variant.arch's os repository with libsolv, the trees
it builds on (an addon's parent, an optional variant's parent and its addons)
and its gather_lookaside_repos as lookaside. repoclosure_strictness decides
what unresolved requires do: lenient (the default) warns and the compose goes
on, fatal fails the phase with one line, off skips the tree. The packages with
unresolved requires are in work/<arch>/repoclosure/<variant>.json and the log.
Options: repoclosure_strictness, repoclosure_backend, gather_lookaside_repos."""

EXAMPLE = "punji-repoclosure --variant Server --arch x86_64 /mnt/composes/PDL-1-20261125.t.0"


build_parser, main = cli.phase_command("repoclosure", DESCRIPTION, EXAMPLE)


if __name__ == "__main__":
    sys.exit(main())
