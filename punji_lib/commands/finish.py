"""punji-finish: write compose/metadata/composeinfo.json and set STATUS."""

import sys

from .. import cli


def build_parser():
    p = cli.parser(
        "punji-finish",
        "The compose's last target: write composeinfo.json with every variant and the paths of "
        "its trees, then STATUS: FINISHED, or FINISHED_INCOMPLETE when a failable deliverable failed.",
        "punji-finish /mnt/composes/PDL-1-20261125.n.0",
    )
    cli.add_scope(p, variant=False, arch=False)
    return p


def main(argv=None):
    def job(topdir, variant, arch):
        from ..phases import finish

        finish.run(topdir)

    return cli.run_phase(build_parser(), "finish", job, argv)


if __name__ == "__main__":
    sys.exit(main())
