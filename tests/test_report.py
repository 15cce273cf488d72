"""punji-report (issue 16): the compose on one self-contained HTML page, opened in a real browser
(headless Chromium). Three composes of the demo in one target directory: one whose failable
Client i386 ISO fails (FINISHED_INCOMPLETE), one whose Server x86_64 ISO fails (DOOMED), and a
good one, which takes most targets over from the first and lists what changed since it."""

import html.parser
import json
import os
import shutil
import subprocess

import pytest

from conftest import assert_one_line_error, command, demo_config, make
from test_compose import failing_image_writer, strict_size_limit

PAGE = "logs/global/report.html"


def compose(conf, target):
    done = command("punji-compose", conf, "--target-dir", target, "--test", "-j", "2")
    return done, done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def composes(tmp_path_factory, demo_repo):
    """{"incomplete", "doomed", "good": compose directory}, made in that order in one target directory."""
    top = tmp_path_factory.mktemp("report")
    found = {}
    for name in ("incomplete", "doomed", "good"):
        conf = demo_config(top / (name + "-config"), demo_repo)
        with pytest.MonkeyPatch.context() as patch:
            if name == "incomplete":  # demo.conf: Client i386 iso is failable
                bin_dir = failing_image_writer(top / "bin", "Client", "i386")
                patch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
            if name == "doomed":
                strict_size_limit(conf.parent, "Server", "x86_64")
            done, found[name] = compose(conf, top / "composes")
        assert (done.returncode == 0) == (name != "doomed"), done.stderr
    return found


def report_json(topdir):
    return json.loads(command("punji-report", "--json", topdir, check=True).stdout)


def read(topdir, rel=PAGE):
    with open(os.path.join(topdir, rel), encoding="utf-8") as f:
        return f.read()


class Elements(html.parser.HTMLParser):
    """The tags of a page, and the attributes of each element with an id."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.by_id, self.links, self.body = [], {}, [], {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "body":
            self.body = attrs
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        self.links += [attrs[a] for a in ("href", "src", "action", "data") if a in attrs]


# once the page has loaded: each element's size, the timeline's bars, what the page fetched
# (a failed fetch too: a resource timing entry per request, file: URLs aside)
MEASURE = """<script>
window.addEventListener("load", () => {
  for (const e of document.querySelectorAll("[id]")) {
    const r = e.getBoundingClientRect();
    e.dataset.size = Math.round(r.width) + "x" + Math.round(r.height);
  }
  document.body.dataset.bars = document.querySelectorAll("#timeline rect").length;
  document.body.dataset.fetched = performance.getEntriesByType("resource").map(r => r.name).join(" ");
});
</script>
"""


def browser():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "no chromium: run tools/install-system-deps"
    return found


def open_in_browser(tmp_path, page):
    """PAGE's DOM after Chromium rendered it and a measuring script ran in it (in a copy of the
    page), and what Chromium logged."""
    copy = tmp_path / "measured.html"
    copy.write_text(page.replace("</body>", MEASURE + "</body>"))
    done = subprocess.run([browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--no-first-run", "--user-data-dir=%s" % (tmp_path / "profile"), "--enable-logging=stderr",
                           "--v=0", "--window-size=1280,1024", "--dump-dom", copy.as_uri()],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return Elements(done.stdout), done.stderr


def size(elements, element_id):
    width, height = elements.by_id[element_id]["data-size"].split("x")
    return int(width), int(height)


@pytest.mark.parametrize("name", ["incomplete", "doomed", "good"])
def test_the_page_opens_in_a_browser_with_its_parts_drawn_and_nothing_fetched(tmp_path, composes, name):
    page = read(composes[name])  # written by punji-finish, or by punji-compose for the DOOMED one
    static = Elements(page)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(static.tags)
    assert all(":" not in link and not link.startswith("//") for link in static.links), static.links
    assert "url(" not in page and "@import" not in page
    rendered, log = open_in_browser(tmp_path, page)
    for element_id in ("summary", "timeline", "busy", "trees", "failures", "changes"):
        width, height = size(rendered, element_id)
        assert width > 0 and height > 0, element_id
    ran = [t for t in report_json(composes[name])["targets"] if t["start"] is not None]
    assert int(rendered.body["data-bars"]) == len(ran) > 0
    assert rendered.body["data-fetched"] == ""
    assert "CONSOLE" not in log, log


def test_a_failed_failable_deliverable_is_shown_as_such(composes):
    topdir = composes["incomplete"]
    data = report_json(topdir)
    assert data["header"] == {"type": "punji.report", "version": "1.0"}
    assert data["compose"]["status"] == "FINISHED_INCOMPLETE"
    (failure,) = data["failures"]
    assert (failure["phase"], failure["variant"], failure["arch"], failure["outcome"]) == \
        ("createiso", "Client", "i386", "failable-failed")
    assert "injected failure" in failure["error"] and failure["log"] == "logs/i386/createiso-Client.log"
    assert any("injected failure" in line for line in failure["log_tail"])
    (target,) = [t for t in data["targets"] if t["outcome"] == "failable-failed"]
    assert (target["phase"], target["variant"], target["arch"]) == ("createiso", "Client", "i386")
    (tree,) = [t for t in data["trees"] if (t["variant"], t["arch"]) == ("Client", "i386")]
    assert tree["isos"] == [] and tree["failed"] == [{"phase": "createiso", "outcome": "failable-failed"}]
    page = read(topdir)
    assert '<div class="failure failable-failed">' in page
    assert "<h3>createiso Client.i386: failed (failable)</h3>" in page
    assert '<span class="status warn" id="status">FINISHED_INCOMPLETE</span>' in page
    assert "Stopped by" not in page


def test_a_doomed_compose_names_the_failing_target(composes):
    topdir = composes["doomed"]
    page = read(topdir)  # written by punji-compose
    assert '<span class="status bad" id="status">DOOMED</span>' in page
    assert "<tr><th>Stopped by</th><td>createiso Server.x86_64</td></tr>" in page
    assert "<h3>createiso Server.x86_64: failed</h3>" in page
    assert "<code>make -C %s</code>" % topdir in page
    data = report_json(topdir)
    (failure,) = data["failures"]
    assert (failure["phase"], failure["variant"], failure["arch"], failure["outcome"]) == \
        ("createiso", "Server", "x86_64", "failed")
    assert "is too big" in failure["error"]
    assert data["outcomes"]["pending"] > 0 and data["outcomes"]["reused"] > 0
    assert data["changes"]["old"] == os.path.basename(composes["incomplete"])
    assert "composeinfo.json" in data["changes"]["error"] and data["changes"]["diff"] is None


def metadata(topdir, name):
    with open(os.path.join(topdir, "compose", "metadata", name)) as f:
        return json.load(f)["payload"]


def test_a_finished_compose_its_trees_and_what_changed_since_the_last(composes):
    topdir, old = composes["good"], composes["incomplete"]
    assert os.path.isfile(os.path.join(topdir, PAGE))  # punji-finish wrote it
    data = report_json(topdir)
    assert data["compose"]["status"] == "FINISHED" and data["failures"] == []
    assert data["compose"]["release"] == {"name": "Punji Demo Linux", "short": "PDL", "version": "1", "type": "ga"}
    last_end = max(t["start"] + t["seconds"] for t in data["targets"])
    assert last_end > 0 and data["compose"]["wall_seconds"] == pytest.approx(last_end, abs=0.001)
    ran = [t for t in data["targets"] if t["start"] is not None]  # each says its CPU time (a launcher's copy: from its fork)
    assert ran and all(t["cpu"] >= 0 for t in ran) and sum(t["cpu"] for t in ran) > 0.1
    assert data["compose"]["cpu_seconds"] == pytest.approx(sum(t["cpu"] for t in ran), abs=0.01)
    assert data["outcomes"]["reused"] > 0 and data["outcomes"]["done"] > 0
    for t in ran:  # punji-compose's make ran every phase command in its launcher (init runs in punji-compose)
        assert t["phase"] == "init" or "run by the compose's launcher" in read(topdir, t["log"]), t["target"]
    reused = [t for t in data["targets"] if t["outcome"] == "reused"]
    assert all(json.load(open(os.path.join(topdir, t["target"])))["reused_from"] == os.path.basename(old) for t in reused)
    trees = {(t["variant"], t["arch"]): t for t in data["trees"]}
    rpms = metadata(topdir, "rpms.json")["rpms"]["Server"]["x86_64"]
    for category in ("binary", "debug", "source"):
        paths = [i["path"] for nevras in rpms.values() for i in nevras.values() if i["category"] == category]
        assert trees[("Server", "x86_64")]["packages"][category] == {
            "count": len(paths), "size": sum(os.path.getsize(os.path.join(topdir, "compose", p)) for p in paths)}
        # counted by gather's assemble step from the package set's sizes: the report stats no file
        with open(os.path.join(topdir, "work/global/state/gather.json")) as f:
            counted = json.load(f)["sizes"]["Server.x86_64"][category]
        assert counted == list(trees[("Server", "x86_64")]["packages"][category].values())
    (iso,) = trees[("Server", "x86_64")]["isos"]
    (listed,) = [i for i in metadata(topdir, "images.json")["images"]["Server"]["x86_64"] if i["arch"] == "x86_64"]
    assert (iso["path"], iso["size"], iso["checksums"]) == (listed["path"], listed["size"], listed["checksums"])
    assert [i["arch"] for i in metadata(topdir, "images.json")["images"]["Server"]["x86_64"]].count("src") == 1
    assert len(trees[("Server", "src")]["isos"]) == 1  # a source ISO once, under src
    changes = data["changes"]
    assert changes["old"] == os.path.basename(old) and changes["old_report"] == os.path.join(old, PAGE)
    summary = changes["diff"]["summary"]  # the Client i386 ISO the first compose could not make; ISOs differ by their ids
    assert summary["images"]["added"] == 1 and not any(summary["packages"].values())
    (tree,) = [t for t in changes["diff"]["trees"] if t["images"]["added"]]
    assert (tree["variant"], tree["arch"], [i["format"] for i in tree["images"]["added"]]) == ("Client", "i386", ["iso"])
    page = read(topdir)
    assert '<a href="../../../%s/%s">%s</a>' % (os.path.basename(old), PAGE, os.path.basename(old)) in page
    assert listed["checksums"]["sha256"] in page


def test_packages_gather_took_over_from_the_last_compose_are_not_compared_again(composes, monkeypatch):
    """(Before test_a_rerun_with_the_same_inputs_shows_kept_targets, which keeps the targets.) The
    last compose's gather taken over (the same inputs: the same packages in every tree):
    the page says no package changed without reading either rpms.json; a gather made anew
    has them compared."""
    from punji_lib.compose import diff as compose_diff
    from punji_lib.compose import report

    topdir, old = composes["good"], composes["incomplete"]
    with open(os.path.join(topdir, "work/global/state/gather.json")) as f:
        assert json.load(f)["reused_from"] == os.path.basename(old)
    compared = []
    real = compose_diff.same_packages
    monkeypatch.setattr(compose_diff, "same_packages", lambda *a: compared.append(a) or real(*a))
    changes = report._changes(topdir)
    assert compared == [] and not any(changes["diff"]["summary"]["packages"].values())
    monkeypatch.setattr(report, "_packages_taken_over", lambda *a: False)
    assert report._changes(topdir) == changes and compared == [(old, topdir)]


def test_o_writes_elsewhere_its_link_relative_to_it(tmp_path, composes):
    out = tmp_path / "pages" / "nightly.html"
    done = command("punji-report", composes["good"], "-o", out, check=True)
    assert done.stdout.strip() == str(out)
    link = Elements(out.read_text()).links
    assert len(link) == 1 and os.path.isfile(os.path.join(out.parent, link[0]))
    command("punji-report", "--json", composes["good"], "-o", tmp_path / "report.json", check=True)
    assert json.loads((tmp_path / "report.json").read_text()) == report_json(composes["good"])
    assert sorted(os.listdir(out.parent)) == ["nightly.html"]  # written aside, then renamed


def test_a_plain_make_that_failed_leaves_the_page_naming_the_failed_target(tmp_path, composes, demo_repo):
    conf = demo_config(tmp_path / "config", demo_repo)
    strict_size_limit(conf.parent, "Server", "x86_64")
    topdir = command("punji-init", conf, "--target-dir", os.path.dirname(composes["good"]), "--test",
                     check=True).stdout.strip()
    assert make(topdir).returncode != 0
    page = read(topdir)  # written by the targets that ended in the DOOMED compose, not by make
    assert "<tr><th>Stopped by</th><td>createiso Server.x86_64</td></tr>" in page
    assert '<span class="status bad" id="status">DOOMED</span>' in page
    outcomes = {(t["phase"], t["variant"], t["arch"]): t["outcome"] for t in report_json(topdir)["targets"]}
    assert "running" not in outcomes.values()
    os.remove(os.path.join(topdir, PAGE))
    done = make(topdir, "report")
    assert done.returncode == 0, done.stdout
    assert "<tr><th>Stopped by</th><td>createiso Server.x86_64</td></tr>" in read(topdir)
    assert {(t["phase"], t["variant"], t["arch"]): t["outcome"] for t in report_json(topdir)["targets"]} == outcomes


def test_a_rerun_with_the_same_inputs_shows_kept_targets(composes):
    topdir = composes["good"]
    os.utime(os.path.join(topdir, "work/x86_64/state/pkgset.json"))
    done = make(topdir)
    assert done.returncode == 0, done.stdout
    data = report_json(topdir)
    kept = {(t["phase"], t["variant"]) for t in data["targets"] if t["arch"] == "x86_64" and t["outcome"] == "kept"}
    assert {("gather", "Server"), ("createrepo", "Server"), ("createiso", "Server")} <= kept
    assert '<g class="bar kept">' in read(topdir)


def test_a_report_that_cannot_be_written_leaves_the_status_alone(composes):
    topdir = composes["good"]
    os.unlink(os.path.join(topdir, PAGE))
    os.makedirs(os.path.join(topdir, PAGE, "in-the-way"))
    os.unlink(os.path.join(topdir, "work/global/state/finish.json"))
    try:
        done = make(topdir)
        assert done.returncode == 0, done.stdout
        assert "punji-finish: warning: logs/global/report.html not written: IsADirectoryError" in done.stdout
        assert read(topdir, "STATUS") == "FINISHED\n"
    finally:
        shutil.rmtree(os.path.join(topdir, PAGE))


def test_a_directory_that_is_no_compose_is_one_error(tmp_path):
    assert_one_line_error(command("punji-report", tmp_path), str(tmp_path), "not a punji compose")


def test_sizes_and_times_read_as_people_write_them():
    from punji_lib.compose.reportpage import seconds_text, size_text

    assert [size_text(n) for n in (0, 1023, 1536, 5 * 1024 ** 2, 3 * 1024 ** 3)] == \
        ["0 B", "1023 B", "1.5 KiB", "5.0 MiB", "3.0 GiB"]
    assert [seconds_text(s) for s in (3.21, 65, 3725)] == ["3.2 s", "1 min 05 s", "1 h 02 min"]


def test_a_logs_last_run_is_read_from_its_stamped_lines(tmp_path):
    import datetime

    from punji_lib.compose import timeline

    log = tmp_path / "createiso-Server.log"
    log.write_text("2026-12-05 00:38:16,100 [INFO] punji-createiso started: .\n"
                   "2026-12-05 00:38:16,900 [INFO] punji-createiso finished (0.50 s CPU)\n"
                   "2026-12-05 00:39:00,250 [INFO] punji-createiso started: --variant Server .\n"
                   "checkisomd5 said:\n  2026-12-05 is not a stamp here\n"
                   "2026-12-05 00:39:01,500 [INFO] genisoimage: done (12 s CPU) in a line that is not the last\n"
                   "2026-12-05 00:39:02,750 [INFO] punji-createiso finished (1.25 s CPU)\n"
                   "the tool's last words\n")
    at = datetime.datetime
    assert timeline.last_run(str(log)) == (at(2026, 12, 5, 0, 39, 0, 250000), at(2026, 12, 5, 0, 39, 2, 750000), 1.25)
    log.write_text("2026-12-05 00:39:00,250 [INFO] punji-createiso started: .\n")
    assert timeline.last_run(str(log)) == (at(2026, 12, 5, 0, 39, 0, 250000),) * 2 + (None,)
    log.write_text("no run here\n")
    assert timeline.last_run(str(log)) is None
    assert timeline.last_run(str(tmp_path / "none.log")) is None

