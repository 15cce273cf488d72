"""punji-status: what a compose has done, is doing, failed and has yet to do."""

import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-status",
        "Show the compose's STATUS and each make target (a phase for one scope) as done, running, "
        "failed, interrupted or pending, with the log to read for each failure.",
        "punji-status /mnt/composes/PDL-1-20261125.n.0\npunji-status --json . | jq .targets",
    )
    p.add_argument("compose", nargs="?", default=".", help="the compose directory (default: .)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--all", action="store_true", help="list done targets too, not only a count of them")
    return p


def _label(target):
    scope = ".".join(x for x in (target["variant"], target["arch"]) if x) or "global"
    return "%-14s %s" % (target["phase"], scope)


def _show(args):
    import os

    from ..compose import jsonio, layout, status
    from ..errors import PunjiError

    topdir = os.path.abspath(args.compose)
    if not os.path.exists(layout.at(topdir, layout.targets_json())):
        raise PunjiError("%s: not a punji compose (no %s)" % (topdir, layout.targets_json()))
    report = status.report(topdir)
    if args.json:
        sys.stdout.write(jsonio.dumps(report))
        return
    print("%s  %s%s" % (report["compose_id"], report["status"], "" if report["up_to_date"] else "  (make has work to do)"))
    counts = {}
    for t in report["targets"]:
        counts[t["state"]] = counts.get(t["state"], 0) + 1
        if t["state"] != "done" or args.all:
            print("  %-18s %s  log: %s" % (t["state"], _label(t), t["log"]))
            if t.get("error"):
                print("  %18s %s" % ("", t["error"]))
    print("  " + ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())))


def main(argv=None):
    return cli.run(build_parser(), _show, argv)


if __name__ == "__main__":
    sys.exit(main())
