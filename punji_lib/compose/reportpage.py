"""The compose report (report.collect's data) as one self-contained HTML page: inline CSS and
an inline SVG timeline, no script, no font, nothing fetched, so it opens from a file, a mail or
a web server alike."""

import html
import os

from . import diff

OUTCOME_TEXT = {"done": "done", "kept": "kept (inputs unchanged)", "reused": "reused from an older compose",
                "failed": "failed", "failable-failed": "failed (failable)", "running": "running",
                "interrupted": "interrupted", "pending": "not run"}
COLOURS = {"done": "#3f7fbf", "kept": "#9cc3e6", "reused": "#4fa35a", "failed": "#d0393b",
           "failable-failed": "#f0a030", "running": "#8a8a8a", "interrupted": "#555555", "pending": "#dddddd"}
STATUS_CLASS = {"FINISHED": "good", "FINISHED_INCOMPLETE": "warn", "DOOMED": "bad", "TERMINATED": "bad"}

CSS = """\
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
td.num { text-align: right; }
code, pre { font-family: monospace; }
td code { word-break: break-all; font-size: 0.8em; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
.status { font-weight: bold; padding: 0.1em 0.4em; border-radius: 3px; }
.good { background: #cfeccf; } .warn { background: #fbe3b4; } .bad { background: #f6c4c4; }
.legend span { display: inline-block; margin-right: 1em; }
.legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; vertical-align: middle; }
.failure { border-left: 4px solid #d0393b; padding-left: 0.8em; margin-bottom: 1em; }
.failure.failable-failed { border-color: #f0a030; }
svg text { font-family: monospace; font-size: 11px; }
"""


def render(data, page_dir):
    """The page of DATA (report.collect), its links relative to PAGE_DIR (where it is written)."""
    compose = data["compose"]
    title = "%s %s" % (compose["id"] or "compose", compose["status"] or "")
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>%s</title>" % _e(title), "<style>\n%s</style>" % CSS, "</head>", "<body>"]
    parts += _summary(data)
    parts += _timeline(data["targets"], compose["wall_seconds"])
    parts += _failures(data["failures"])
    parts += _trees(data["trees"])
    parts += _changes(data["changes"], page_dir)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _e(text):
    return html.escape("" if text is None else str(text))


def _scope(variant, arch):
    return ".".join(x for x in (variant, arch) if x) or "global"


def _summary(data):
    c = data["compose"]
    release = c["release"]
    stopped = ", ".join("%s %s" % (f["phase"], _scope(f["variant"], f["arch"]))
                        for f in data["failures"] if f["outcome"] == "failed")
    rows = [("Release", _e("%s (%s-%s %s)" % (release["name"], release["short"], release["version"], release["type"]))),
            ("Compose type", _e(c["compose_type"] + (", label %s" % c["label"] if c["label"] else ""))
             if c["compose_type"] else None),
            ("Directory", _e(c["path"])),
            ("Wall time", _e("%s (%s of work in the targets)" % (seconds_text(c["wall_seconds"]),
                                                                seconds_text(c["busy_seconds"])))),
            ("Targets", _e(", ".join("%d %s" % (n, OUTCOME_TEXT[o]) for o, n in sorted(data["outcomes"].items())))),
            ("Stopped by", _e(stopped) if stopped else None),
            ("Resume with", "<code>%s</code>" % _e(c["resume"]))]
    lines = ['<h1 id="compose">%s <span class="status %s" id="status">%s</span></h1>'
             % (_e(c["id"]), STATUS_CLASS.get(c["status"], "warn"), _e(c["status"])),
             '<table id="summary">']
    lines += ["<tr><th>%s</th><td>%s</td></tr>" % (name, value) for name, value in rows if value is not None]
    return lines + ["</table>"]


def seconds_text(seconds):
    """12.3 s, 4 min 05 s, 1 h 02 min."""
    if seconds < 60:
        return "%.1f s" % seconds
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return "%d min %02d s" % (minutes, secs)
    return "%d h %02d min" % divmod(minutes, 60)


def size_text(size):
    """1.4 MiB, 812 KiB, 100 B."""
    if size < 1024:
        return "%d B" % size
    value = size / 1024.0
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return "%.1f %s" % (value, unit)
        value /= 1024
    return "%.1f GiB" % value


LABEL_WIDTH, CHART_WIDTH, ROW, TOP = 280, 760, 16, 24


def _timeline(targets, wall):
    """An SVG Gantt chart: a row per target that ran, a bar from its start to its end."""
    ran = [t for t in targets if t["start"] is not None]
    lines = ['<h2 id="timeline-title">Timeline</h2>', '<p class="legend">%s</p>' % "".join(
        '<span><i style="background:%s"></i>%s</span>' % (COLOURS[o], _e(OUTCOME_TEXT[o]))
        for o in ("done", "kept", "reused", "failed", "failable-failed", "running", "interrupted"))]
    if not ran:
        return lines + ['<p id="timeline">No target has run yet.</p>']
    scale = CHART_WIDTH / wall if wall > 0 else 0
    height = TOP + ROW * len(ran) + BUSY_HEIGHT + 12
    width = LABEL_WIDTH + CHART_WIDTH + 10
    svg = ['<svg id="timeline" width="%d" height="%d" viewBox="0 0 %d %d">'
           % (width, height, width, height)]
    for tick in _ticks(wall):
        x = LABEL_WIDTH + tick * scale
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e4e4"/>' % (x, TOP - 6, x, height))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, TOP - 10, _e(seconds_text(tick))))
    for n, t in enumerate(ran):
        y = TOP + n * ROW
        label = "%s %s" % (t["phase"], _scope(t["variant"], t["arch"]))
        tip = "%s: %s, from %s for %s" % (label, OUTCOME_TEXT[t["outcome"]], seconds_text(t["start"]), seconds_text(t["seconds"]))
        svg.append('<g class="bar %s"><title>%s</title>' % (t["outcome"], _e(tip + (": " + t["error"] if t["error"] else ""))))
        svg.append('<text x="4" y="%d">%s</text>' % (y + ROW - 4, _e(label)))
        svg.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (LABEL_WIDTH + t["start"] * scale, y + 2, max(1.0, t["seconds"] * scale), ROW - 4, COLOURS[t["outcome"]]))
        svg.append("</g>")
    svg += _busy(ran, scale, TOP + ROW * len(ran) + 8)
    svg.append("</svg>")
    return lines + svg


BUSY_HEIGHT = 40


def _busy(ran, scale, top):
    """A strip under the bars: how many targets ran at each moment (the idle cores show as dips)."""
    changes = sorted([(t["start"], 1) for t in ran] + [(t["start"] + t["seconds"], -1) for t in ran])
    peak = running = 0
    points = []
    for when, step in changes:
        running += step
        peak = max(peak, running)
        points.append((when, running))
    unit = BUSY_HEIGHT / max(peak, 1)
    base = top + BUSY_HEIGHT
    path = "M%.1f %d" % (LABEL_WIDTH, base)
    level = 0
    for when, count in points:
        x = LABEL_WIDTH + when * scale
        path += " L%.1f %.1f L%.1f %.1f" % (x, base - level * unit, x, base - count * unit)
        level = count
    return ['<g id="busy"><title>targets running at once, at most %d</title>' % peak,
            '<text x="4" y="%d">targets at once (at most %d)</text>' % (base - 4, peak),
            '<path d="%s Z" fill="#c9d6e3" stroke="#3f7fbf"/>' % path, "</g>"]


def _ticks(wall):
    """Round times from 0 to WALL, at most about ten."""
    if wall <= 0:
        return [0]
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
                 if wall / s <= 10), 3600 * (int(wall // 36000) + 1))
    return [step * n for n in range(int(wall // step) + 1)]


def _failures(failures):
    lines = ['<h2 id="failures-title">Failures</h2>']
    if not failures:
        return lines + ['<p id="failures">Nothing failed.</p>']
    lines.append('<div id="failures">')
    for f in failures:
        lines += ['<div class="failure %s">' % f["outcome"],
                  "<h3>%s %s: %s</h3>" % (_e(f["phase"]), _e(_scope(f["variant"], f["arch"])), _e(OUTCOME_TEXT[f["outcome"]])),
                  '<p class="error">%s</p>' % _e(f["error"] or "(no error line recorded)"),
                  "<p>The end of <code>%s</code>:</p>" % _e(f["log"]),
                  "<pre>%s</pre>" % _e("\n".join(f["log_tail"])), "</div>"]
    return lines + ["</div>"]


def _trees(trees):
    lines = ['<h2 id="trees-title">Variants</h2>']
    if not trees:
        return lines + ['<p id="trees">No tree metadata yet (compose/metadata/rpms.json, images.json).</p>']
    lines += ['<table id="trees">',
              "<tr><th>variant.arch</th><th>binary</th><th>debug</th><th>source</th><th>packages size</th>"
              "<th>ISOs</th><th>other images</th></tr>"]
    for t in trees:
        p = t["packages"]
        size = sum(c["size"] for c in p.values())
        failed = "".join('<br><span class="status %s">%s %s</span>' % (
            "bad" if f["outcome"] == "failed" else "warn", _e(f["phase"]), _e(OUTCOME_TEXT[f["outcome"]])) for f in t["failed"])
        lines.append('<tr><th>%s</th>%s<td class="num" title="%d bytes">%s</td><td>%s</td><td>%s</td></tr>' % (
            _e(_scope(t["variant"], t["arch"])),
            "".join('<td class="num">%s</td>' % (p[c]["count"] if size else "") for c in ("binary", "debug", "source")),
            size, size_text(size) if size else "", _images(t["isos"]) + failed, _images(t["images"])))
    return lines + ["</table>"]


def _images(images):
    return "<br>".join('<span title="%s">%s</span> %s/%s, %s%s' % (
        _e(i["path"]), _e(os.path.basename(i["path"])), _e(i["type"]), _e(i["format"]), size_text(i["size"] or 0),
        "".join("<br><code>%s:%s</code>" % (_e(algo), _e(value)) for algo, value in sorted((i["checksums"] or {}).items())))
        for i in images)


def _changes(changes, page_dir):
    lines = ['<h2 id="changes-title">Changes since the last compose</h2>']
    if changes is None:
        return lines + ['<p id="changes">No earlier finished compose of this release in the target directory.</p>']
    old = _e(changes["old"])
    if changes["old_report"]:
        old = '<a href="%s">%s</a>' % (_e(os.path.relpath(changes["old_report"], page_dir)), old)
    lines.append('<div id="changes"><p>Compared with %s.</p>' % old)
    if changes["error"]:
        return lines + ["<p>No comparison: %s</p></div>" % _e(changes["error"])]
    report = changes["diff"]
    lines.append("<p>%s</p>" % _e(diff.text(report)[-1]))
    if report["release"]:
        lines.append("<p>%s</p>" % _e(diff.text(dict(report, trees=[]))[2]))
    if report["trees"]:
        lines += ['<table id="changed-trees">', "<tr><th>variant.arch</th><th>change</th><th>what</th></tr>"]
        for tree in report["trees"]:
            for kind, what in _tree_changes(tree):
                lines.append("<tr><th>%s</th><td>%s</td><td>%s</td></tr>" % (_e(_scope(tree["variant"], tree["arch"])),
                                                                            _e(kind), _e(what)))
        lines.append("</table>")
    return lines + ["</div>"]


def _tree_changes(tree):
    for kind in diff.PACKAGE_CHANGES:
        for p in tree["packages"][kind]:
            yield kind, "%s.%s %s" % (p["name"], p["arch"], p["evr"] if "evr" in p else "%s -> %s" % (p["old"], p["new"]))
    for kind in diff.IMAGE_CHANGES:
        for i in tree["images"][kind]:
            path = i["path"] if "path" in i else i["new"]["path"]
            yield "image " + kind, "%s/%s %s" % (i["type"], i["format"], path)
