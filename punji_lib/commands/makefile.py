"""punji-makefile: (re)generate a compose's Makefile from the fragments in mk/."""

import argparse
import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-makefile",
        "Write COMPOSE/Makefile: one target per phase and scope (global, arch, variant.arch), "
        "each the phase's state file, with prerequisites from the mk/ fragments. The Makefile "
        "runs this itself when the init phase has run again.",
        "punji-makefile /mnt/composes/PDL-1-20261125.n.0\nmake -n -C /mnt/composes/PDL-1-20261125.n.0",
    )
    cli.add_scope(p, variant=False, arch=False)
    p.add_argument("--claim", action="store_true",
                   help="make the calling make the only one running in the compose; print why not and exit 1 "
                        "(the Makefile does this when it is read)")
    p.add_argument("--whole", action="store_true",
                   help="with --claim: that make makes the whole compose; when it ends leaving STATUS STARTED "
                        "(a command killed), STATUS becomes DOOMED")
    p.add_argument("--goals", default=None, help=argparse.SUPPRESS)  # older Makefiles pass their goals instead
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.claim:
        from ..compose import makelock

        def claim(a):
            makelock.claim(a.compose, whole=a.whole or (a.goals or "").split() == ["compose"])

        return cli.run(parser, claim, argv)

    def job(topdir, variant, arch):
        from ..compose import makefile

        makefile.write(topdir)

    return cli.run_phase(build_parser(), "makefile", job, argv)


if __name__ == "__main__":
    sys.exit(main())
