"""punji-diff: what changed between two composes, per variant.arch."""

import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-diff",
        "Compare two composes' metadata (compose/metadata: composeinfo.json, rpms.json, images.json) and "
        "list, per variant.arch, the packages added, removed, upgraded and downgraded (rpm's version "
        "order) and the images added, removed or changed (size, checksums, path). Compose ids and dates "
        "are no difference. Exit status, as diff(1): 0 the same, 1 different, 2 trouble (a directory "
        "that is not a compose, metadata missing or corrupt).",
        "punji-diff /mnt/composes/PDL-1-20261125.n.0 /mnt/composes/PDL-1-20261126.n.0\n"
        "punji-diff --json OLD NEW | jq '.trees[] | select(.variant == \"Server\") | .packages.upgraded'",
    )
    p.add_argument("old", help="the older compose directory")
    p.add_argument("new", help="the newer compose directory")
    p.add_argument("--json", action="store_true",
                   help='print the report as JSON: {"header": {"type": "punji.diff", "version": "1.0"}, '
                        '"old", "new", "differ", "release", "trees", "summary"} (see docs/design.md)')
    return p


def _diff(args):
    from ..compose import diff, jsonio

    report = diff.compare(diff.load(args.old), diff.load(args.new))
    if args.json:
        sys.stdout.write(jsonio.dumps(report))
    else:
        print("\n".join(diff.text(report)))
    return 1 if report["differ"] else 0


def main(argv=None):
    return cli.run(build_parser(), _diff, argv, error_status=2)


if __name__ == "__main__":
    sys.exit(main())
