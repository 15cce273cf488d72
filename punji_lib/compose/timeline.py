"""When each make target of a compose last ran, from its log: where a compose's seconds go."""

import datetime
import re

from . import layout

CPU = re.compile(r" \((\d+(?:\.\d+)?) s CPU\)$")  # the run's last line (log.finished)

STAMP = "%Y-%m-%d %H:%M:%S,%f"
STAMPED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")  # a line that starts with one


def last_run(path):
    """(start, end, CPU seconds) of the last run logged in PATH: datetimes from its last
    'started:' line to the last timestamped line after it, and what its last line says
    (None when it has none); None when it has no run."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            stamped = [line for line in f.read().splitlines() if STAMPED.match(line)]
    except FileNotFoundError:
        return None
    if not stamped:
        return None
    starts = [n for n, line in enumerate(stamped) if " started: " in line]
    run = stamped[starts[-1] if starts else 0:]
    said = [CPU.search(line) for line in run]
    cpu = next((float(m.group(1)) for m in reversed(said) if m), None)
    start, end = _stamp(run[0]), _stamp(run[-1])
    return (start, end or start, cpu) if start else None


def _stamp(line):
    try:
        return datetime.datetime.strptime(line[:23], STAMP)
    except ValueError:  # not a date after all
        return None


def spans(topdir, targets):
    """[{target fields..., 'start': s, 'seconds': d, 'cpu': c}] for the TARGETS that have a
    logged run, S counted from the first start, in start order; C its CPU seconds, start-up
    included (None when its log does not say)."""
    rows = []
    for target in targets:
        run = last_run(layout.at(topdir, target["log"]))
        if run:
            rows.append((run, target))
    if not rows:
        return []
    first = min(run[0] for run, _target in rows)
    rows.sort(key=lambda row: row[0][0])
    return [dict(target, start=round((s - first).total_seconds(), 3), seconds=round((e - s).total_seconds(), 3),
                 cpu=cpu) for (s, e, cpu), target in rows]


def summary(rows):
    """{'wall': first start to last end, 'busy': the targets' seconds added up, 'cpu': their
    CPU seconds added up (of those whose log says)}."""
    wall = max((r["start"] + r["seconds"] for r in rows), default=0.0)
    return {"wall": round(wall, 3), "busy": round(sum(r["seconds"] for r in rows), 3),
            "cpu": round(sum(r["cpu"] or 0.0 for r in rows), 3), "targets": len(rows)}

