"""punji-livemedia (live_media) against the local Koji test hub with tasks (tests/kojihub_tasks.py)."""

import glob
import os
import re

import pytest

from conftest import assert_one_line_error, command, make
from kojihub_tasks import KSURL, PROFILE, running_hub
from test_imagebuild import init, read

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
live_media_target = "pdl-1-image"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
live_media = {
    "^Server$": [{
        "name": "PDL-Workstation-Live", "kickstart": "live.ks", "ksurl": "%(ksurl)s", "title": "PDL Live",
        "install_tree_from": "Everything", "repo": ["Client"], "release": "2", "version": "9",
        "subvariant": "Workstation", "ksversion": "F30", "nomacboot": True, "failable": ["i386"],
    }],
    "^Client$": [{
        "name": "PDL-Broken-Live", "kickstart": "broken.ks", "ksurl": "%(ksurl)s", "arches": ["x86_64"],
        "failable": ["*"],
    }],
}
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.fail_task("PDL-Workstation-Live", "i386", "livemedia-creator: anaconda failed")
    hub.fail_task("PDL-Broken-Live", "*", "livemedia-creator: no kernel")
    top = tmp_path_factory.mktemp("livemedia")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out", "ksurl": KSURL})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def test_hub_gets_spin_livemedia_arguments(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    (call,) = [c for c in hub.submitted_calls("buildImage") if c[0][0] == "PDL-Workstation-Live"]
    args, kwargs = call
    assert args == ["PDL-Workstation-Live", "9", ["i386", "x86_64"], "pdl-1-image", "live.ks", "livemedia"]
    assert kwargs["opts"] == {
        "install_tree": base + "/compose/Everything/$basearch/os",
        "repo": [base + "/compose/Client/$basearch/os", base + "/compose/Server/$basearch/os"],
        "ksurl": KSURL, "release": "2", "ksversion": "F30", "title": "PDL Live", "nomacboot": True,
        "optional_arches": ["i386"],
    }
    (call,) = [c for c in hub.submitted_calls("buildImage") if c[0][0] == "PDL-Broken-Live"]
    assert call[0][2] == ["x86_64"] and call[0][1] == "1" and "optional_arches" not in call[1]["opts"]


def test_live_isos_in_the_compose_and_images_json(compose):
    isos = sorted(os.path.relpath(p, compose) for p in glob.glob(os.path.join(compose, "compose/*/*/iso/*Live*.iso")))
    assert isos == ["compose/Server/x86_64/iso/PDL-Workstation-Live-x86_64-9-2.iso"]
    listed = read(compose, "compose/metadata/images.json")["payload"]["images"]
    (live,) = [i for i in listed["Server"]["x86_64"] if i["type"] == "live"]
    assert live["path"] == "Server/x86_64/iso/PDL-Workstation-Live-x86_64-9-2.iso"
    assert (live["format"], live["bootable"], live["subvariant"]) == ("iso", True, "Workstation")
    assert live["volume_id"] == "PDL-Workstation-Live-x86_64"
    assert re.fullmatch(r"[0-9a-f]{32}", live["implant_md5"] or "")
    assert live["checksums"].get("sha256")  # punji-imagechecksum saw it
    # createiso's own image of the tree is still there beside it
    assert [i for i in listed["Server"]["x86_64"] if i["type"] == "dvd"]
    assert not [i for i in listed["Server"].get("i386", []) if i["type"] == "live"]


def test_failable_failures_finish_incomplete(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read(compose, "work/global/state/livemedia.json")
    assert st["failed"] and len(st["errors"]) == 2
    assert any("createLiveMedia i386" in e and "anaconda failed" in e for e in st["errors"])
    assert any("PDL-Broken-Live" in e and "no kernel" in e for e in st["errors"])


def test_not_failable_is_one_line(hub, tmp_path, demo_repo):
    hub.fail_task("PDL-Hard-Live", "*", "livemedia-creator: disk full")
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nlive_media = {"^Server$": [{"name": "PDL-Hard-Live", '
                  '"kickstart": "h.ks", "target": "pdl-1-image", "arches": ["x86_64"]}]}\n' % PROFILE)
    line = assert_one_line_error(command("punji-livemedia", topdir), "live_media PDL-Hard-Live of Server (block 1)",
                                 "disk full")
    assert re.search(r"koji task \d+ \(livemedia\) failed: koji task \d+ \(createLiveMedia x86_64\)", line), line
