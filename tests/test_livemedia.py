"""punji-livemedia (live_media) against the local Koji test hub with tasks (tests/kojihub_tasks.py)."""

import glob
import os
import re

import pytest

from conftest import assert_one_line_error, command, make, read_json
from kojihub_tasks import KSURL, PROFILE, running_hub
from punji_lib.media import iso
from test_imagebuild import init

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
    # as `koji spin-livemedia` sends Pungi's options: the tree as install_tree_url, compress_arg
    # the CLI's default, no ksversion (Pungi 4.3.2 does not pass it on)
    assert kwargs["opts"] == {
        "install_tree_url": base + "/compose/Everything/$basearch/os",
        "repo": [base + "/compose/Client/$basearch/os", base + "/compose/Server/$basearch/os"],
        "ksurl": KSURL, "release": "2", "title": "PDL Live", "nomacboot": True,
        "optional_arches": ["i386"], "compress_arg": [],
    }
    (call,) = [c for c in hub.submitted_calls("buildImage") if c[0][0] == "PDL-Broken-Live"]
    # failable "*": every arch optional; no release set: Pungi passes --release=None
    assert call[0][2] == ["x86_64"] and call[0][1] == "1"
    assert call[1]["opts"]["optional_arches"] == ["x86_64"] and call[1]["opts"]["release"] == "None"


def test_live_isos_in_the_compose_and_images_json(compose):
    isos = sorted(os.path.relpath(p, compose) for p in glob.glob(os.path.join(compose, "compose/*/*/iso/*Live*.iso")))
    assert isos == ["compose/Server/x86_64/iso/PDL-Workstation-Live-x86_64-9-2.iso"]
    assert iso.read_volume_id(os.path.join(compose, isos[0])) == "PDL-Workstation-Live-x86_64"
    listed = read_json(compose, "compose/metadata/images.json")["payload"]["images"]
    (live,) = [i for i in listed["Server"]["x86_64"] if i["type"] == "live"]
    assert live["path"] == "Server/x86_64/iso/PDL-Workstation-Live-x86_64-9-2.iso"
    assert (live["format"], live["bootable"], live["subvariant"]) == ("iso", True, "Workstation")
    # Pungi records neither the volume id nor the implanted MD5 of a live ISO
    assert live["volume_id"] is None and live["implant_md5"] is None
    assert live["checksums"].get("sha256")  # punji-imagechecksum saw it
    # createiso's own image of the tree is still there beside it
    assert [i for i in listed["Server"]["x86_64"] if i["type"] == "dvd"]
    assert not [i for i in listed["Server"].get("i386", []) if i["type"] == "live"]


def test_failable_failures_finish_incomplete(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/livemedia.json")
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


def test_addon_no_ksurl_and_partly_failable(hub, tmp_path, demo_repo):
    """An addon installs from its parent's tree and is a repository inside it (os/addons/<id>);
    no ksurl set: Pungi passes --ksurl=None; a failable list not covering every arch leaves the
    block not failable (set comparison, as Pungi), an arch outside the block's still sent."""
    block = {"name": "PDL-HA-Live", "kickstart": "ha.ks", "target": "pdl-1-image", "failable": ["x86_64", "ppc64le"],
             "repo": "/srv/extra/$basearch"}
    extra = ('koji_profile = "%s"\ntranslate_paths = [("/srv", "https://srv.example.com")]\n'
             'live_media = {"^Server-HA$": [%r]}\n' % (PROFILE, block))
    topdir = init(tmp_path, demo_repo, extra)
    hub.fail_task("PDL-HA-Live", "*", "livemedia-creator: no kernel")
    line = assert_one_line_error(command("punji-livemedia", topdir), "live_media PDL-HA-Live of Server-HA", "no kernel")
    assert "failable" not in line
    (call,) = [c for c in hub.submitted_calls("buildImage") if c[0][0] == "PDL-HA-Live"]
    opts = call[1]["opts"]
    assert opts["install_tree_url"].endswith("/compose/Server/$basearch/os")
    assert [r.rsplit("/compose/", 1)[-1] for r in opts["repo"]] == \
        ["https://srv.example.com/extra/$basearch", "Server/$basearch/os/addons/HA"]
    assert opts["ksurl"] == "None" and opts["optional_arches"] == ["x86_64", "ppc64le"]
