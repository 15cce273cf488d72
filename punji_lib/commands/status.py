"""punji-status: what a compose has done, is doing, failed and has yet to do."""

import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-status",
        "Show the compose's STATUS and each make target (a phase for one scope) as done, running, "
        "failed, interrupted or pending, with the log to read for each failure.",
        "punji-status /mnt/composes/PDL-1-20261125.n.0\npunji-status --json . | jq .targets\n"
        "punji-status --timeline .",
    )
    p.add_argument("compose", nargs="?", default=".", help="the compose directory (default: .)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--all", action="store_true", help="list done targets too, not only a count of them")
    p.add_argument("--timeline", action="store_true",
                   help="when each target last ran, for how long and its CPU seconds (from its log), "
                        "in start order")
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
    if args.timeline:
        return _timeline(topdir, report, args.json)
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


def _timeline(topdir, report, as_json):
    from ..compose import jsonio, timeline

    rows = timeline.spans(topdir, report["targets"])
    total = timeline.summary(rows)
    if as_json:
        sys.stdout.write(jsonio.dumps({"compose_id": report["compose_id"], "summary": total, "targets": rows}))
        return
    print("%s  %s" % (report["compose_id"], report["status"]))
    print("  %8s %8s %8s  %s" % ("start s", "took s", "CPU s", "target"))
    for row in rows:
        cpu = "-" if row["cpu"] is None else "%.2f" % row["cpu"]
        print("  %8.2f %8.2f %8s  %s" % (row["start"], row["seconds"], cpu, _label(row)))
    print("  %d targets over %.2f s of wall time, %.2f s of work in them, %.2f s CPU"
          % (total["targets"], total["wall"], total["busy"], total["cpu"]))


def main(argv=None):
    return cli.run(build_parser(), _show, argv)


if __name__ == "__main__":
    sys.exit(main())
