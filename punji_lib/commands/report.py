"""punji-report: one self-contained HTML page of a compose."""

import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-report",
        "Write a self-contained HTML page of the compose (inline CSS and SVG, nothing fetched): its "
        "id, STATUS, release, wall time and the command that resumes it; a timeline of every make "
        "target coloured by outcome (done, kept because its inputs were unchanged, reused from an "
        "older compose, failed, failed but failable); per variant.arch the packages (binary, debug, "
        "source) with their size, the ISOs with sizes and checksums and the other images; each "
        "failure with its error line and the end of its log; and what changed since the newest "
        "finished compose before it in the same target directory (as punji-diff says), linking its "
        "page. punji-finish, and the targets that end in a DOOMED compose, write it to "
        "logs/global/report.html by themselves; run this (or `make report`) after a make killed "
        "from outside, or at any other moment.",
        "punji-report /mnt/composes/PDL-1-20261125.n.0\n"
        "punji-report . -o /srv/www/nightly.html\n"
        "punji-report --json . | jq '.failures[].error'",
    )
    p.add_argument("compose", nargs="?", default=".", help="the compose directory (default: .)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to write the page (default: logs/global/report.html in the compose)")
    p.add_argument("--json", action="store_true",
                   help="print the report's data as JSON instead (to FILE with -o); its shape is in docs/design.md")
    return p


def _report(args):
    from ..compose import jsonio, report

    if args.json and not args.output:
        sys.stdout.write(jsonio.dumps(report.collect(args.compose)))
        return
    print(report.write(args.compose, args.output, as_json=args.json))


def main(argv=None):
    return cli.run(build_parser(), _report, argv)


if __name__ == "__main__":
    sys.exit(main())
