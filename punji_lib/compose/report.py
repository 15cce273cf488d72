"""One compose on one page: what it made, how long each make target took, what failed and what
changed since the compose before it.

collect(topdir) gathers the facts (punji-report --json prints them; their shape is in
docs/design.md): the compose (id, STATUS, release, wall time, the command that resumes it),
every make target with its outcome and its last run from its log (compose.timeline), per
variant.arch the packages by category with their size and the images (compose/metadata
rpms.json and images.json), the failures with the end of their logs, and the punji-diff
report against the newest finished compose before it in the same target directory
(reuse.old_compose). write() renders them (reportpage) into logs/global/report.html, atomically.
"""

import os

from ..errors import PunjiError
from . import diff, jsonio, layout, reuse, state, status, timeline

LOG_TAIL = 15
# target state -> outcome; a done target is further told apart by its state file (_outcome)
OUTCOMES = {"failed (failable)": "failable-failed", "failed": "failed", "running": "running",
            "interrupted": "interrupted", "pending": "pending"}
FAILURES = ("failed", "failable-failed", "interrupted")


def collect(topdir):
    """The report of the compose at TOPDIR as JSON-able data."""
    topdir = os.path.abspath(topdir)
    if not os.path.exists(layout.at(topdir, layout.targets_json())):
        raise PunjiError("%s: not a punji compose (no %s)" % (topdir, layout.targets_json()))
    targets = _targets(topdir)
    summary = timeline.summary([t for t in targets if t["start"] is not None])
    counts = {}
    for t in targets:
        counts[t["outcome"]] = counts.get(t["outcome"], 0) + 1
    return {
        "header": state.header("report"),
        "compose": _compose(topdir, summary),
        "outcomes": counts,
        "targets": targets,
        "trees": _trees(topdir, targets),
        "failures": [_failure(topdir, t) for t in targets if t["outcome"] in FAILURES],
        "changes": _changes(topdir),
    }


def _targets(topdir):
    """Every make target with its outcome, error line and last run (start and seconds from
    the first start, None when its log has no run), in start order, the ones not run last."""
    targets = jsonio.read_json(layout.at(topdir, layout.targets_json()))["targets"]
    rows = []
    for target in targets:
        row = dict(target, outcome=_outcome(topdir, target), error=None, start=None, seconds=None, cpu=None)
        if row["outcome"] in FAILURES:
            row["error"] = status.error_line(topdir, target) or None
        rows.append(row)
    ran = {row["target"]: row for row in timeline.spans(topdir, rows)}
    return list(ran.values()) + [row for row in rows if row["target"] not in ran]


def _outcome(topdir, target):
    """done, kept (the inputs were those of the last run), reused (taken over from an older
    compose), failed, failable-failed, running, interrupted or pending."""
    found = status.target_state(topdir, target)
    if found != "done":
        return OUTCOMES[found]
    record = jsonio.read_json(layout.at(topdir, target["target"]))
    if record.get("kept"):
        return "kept"
    return "reused" if record.get("reused_from") else "done"


def _compose(topdir, summary):
    conf = _read_json(layout.at(topdir, layout.config_json())) or {}
    req = _read_json(layout.at(topdir, layout.compose_request_json())) or {}
    return {
        "id": _read(layout.at(topdir, layout.compose_id_file())),
        "status": _read(layout.at(topdir, layout.status_file())),
        "path": topdir,
        "release": {field: conf.get("release_" + field) for field in diff.RELEASE_FIELDS},
        "compose_type": req.get("compose_type"),
        "label": req.get("label"),
        "wall_seconds": summary["wall"],
        "busy_seconds": summary["busy"],
        "cpu_seconds": summary["cpu"],
        "resume": "make -C %s" % topdir,
    }


def _read(path):
    return (jsonio.read_text(path) or "").strip() or None


def _read_json(path):
    try:
        return jsonio.read_json(path)
    except FileNotFoundError:
        return None


def _trees(topdir, targets):
    """[{variant, arch, packages: {category: {count, size}}, isos, images, failed}] per
    variant.arch of rpms.json and images.json (an image under the arch it is made for: a
    source ISO under src), FAILED the [{phase, outcome}] that failed there."""
    trees = {}

    def tree(variant, arch):
        return trees.setdefault((variant, arch), {"packages": {c: {"count": 0, "size": 0} for c in ("binary", "debug", "source")},
                                                  "isos": [], "images": [], "failed": []})

    sizes = _gather_sizes(topdir)
    rpms = (_metadata(topdir, layout.rpms_json()) or {}).get("rpms", {}) if sizes is None else {}
    compose = layout.at(topdir, "compose")
    for variant, by_arch in rpms.items():
        for arch, by_srpm in by_arch.items():
            packages = tree(variant, arch)["packages"]
            for info in (info for nevras in by_srpm.values() for info in nevras.values()):
                counted = packages.setdefault(info["category"], {"count": 0, "size": 0})
                counted["count"] += 1
                counted["size"] += _size(os.path.join(compose, info["path"]))
    for key, by_category in (sizes or {}).items():
        variant, arch = key.rsplit(".", 1)
        for category, (count, size) in by_category.items():
            tree(variant, arch)["packages"][category] = {"count": count, "size": size}
    seen = set()
    for variant, by_arch in ((_metadata(topdir, layout.images_json()) or {}).get("images", {})).items():
        for image in (image for records in by_arch.values() for image in records):
            if (variant, image["path"]) not in seen:
                seen.add((variant, image["path"]))
                kind = "isos" if image.get("format") == "iso" else "images"
                tree(variant, image["arch"])[kind].append(
                    {k: image.get(k) for k in ("path", "type", "format", "subvariant", "size", "checksums")})
    for t in targets:
        if t["outcome"] in FAILURES and t["variant"] and t["arch"]:
            tree(t["variant"], t["arch"])["failed"].append({"phase": t["phase"], "outcome": t["outcome"]})
    return [dict(trees[key], variant=key[0], arch=key[1]) for key in sorted(trees)]


def _gather_sizes(topdir):
    """What gather's assemble step counted of the packages rpms.json lists, per variant.arch and
    category ([count, bytes]), when it counted them and rpms.json is its; else None."""
    try:
        record = state.read(topdir, "gather")
        sizes, rpms = record.get("sizes"), layout.at(topdir, layout.rpms_json())
        if sizes is None or os.path.getmtime(rpms) > os.path.getmtime(layout.at(topdir, layout.state_file("gather"))):
            return None
    except (OSError, ValueError, PunjiError):
        return None
    return sizes


def _metadata(topdir, relpath):
    """The payload of a productmd metadata file of the compose, None when it is not there."""
    path = layout.at(topdir, relpath)
    try:
        return jsonio.read_json(path)["payload"]
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise PunjiError("%s: not valid metadata: %s" % (path, exc))


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _failure(topdir, target):
    return {"phase": target["phase"], "variant": target["variant"], "arch": target["arch"],
            "outcome": target["outcome"], "error": target["error"], "log": target["log"],
            "log_tail": _tail(layout.at(topdir, target["log"]), LOG_TAIL)}


def _tail(path, count):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()[-count:]
    except FileNotFoundError:
        return []


def _packages_taken_over(old, topdir):
    """Whether gather took its last step over from the compose OLD (the same inputs: the same
    packages in every tree), so that neither rpms.json need be read to say so."""
    try:
        return state.read(topdir, "gather").get("reused_from") == os.path.basename(old)
    except (OSError, ValueError, PunjiError):
        return False


def _changes(topdir):
    """What changed since the newest finished compose before this one in the same target directory
    (punji-diff's report; "error" instead when one of them has no metadata), with where that
    compose's page is; None when there is no such compose."""
    old = reuse.old_compose(topdir, older_only=True)
    if old is None:
        return None
    page = layout.at(old, layout.report_html())
    result = {"old": os.path.basename(old), "old_path": old,
              "old_report": page if os.path.isfile(page) else None, "diff": None, "error": None}
    try:
        read = not (_packages_taken_over(old, topdir) or diff.same_packages(old, topdir))
        result["diff"] = diff.compare(diff.load(old, packages=read), diff.load(topdir, packages=read))
    except PunjiError as exc:
        result["error"] = str(exc)
    return result


def write(topdir, output=None, as_json=False):
    """Write the report of the compose at TOPDIR to OUTPUT (default: its logs/global/report.html),
    atomically: the page, or with AS_JSON its data. Returns OUTPUT."""
    from . import reportpage

    output = os.path.abspath(output or layout.at(topdir, layout.report_html()))
    data = collect(topdir)
    text = jsonio.dumps(data) if as_json else reportpage.render(data, os.path.dirname(output))
    jsonio.write_text(output, text)
    return output


def write_quietly(topdir, prog):
    """write() the compose's page, a failure only a warning: a report never changes how a compose ends.
    Nothing when the compose has no Makefile targets yet (a phase run on a bare directory)."""
    from ..log import warn

    if not os.path.exists(layout.at(topdir, layout.targets_json())):
        return
    try:
        write(topdir)
    except Exception as exc:  # whatever it is, the compose's outcome stands
        warn(prog, "logs/global/report.html not written: %s: %s" % (type(exc).__name__, exc))
