"""punji-liveimages (live_images) against the local Koji test hub with tasks (tests/kojihub_tasks.py)."""

import glob
import lzma
import os
import re

import pytest

from conftest import assert_one_line_error, command, make, read_json
from kojihub_tasks import KSURL, PROFILE, running_hub
from test_imagebuild import init

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
live_images_target = "pdl-1-image"
live_images_version = "1.5"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
live_images = [
    ("^Server$", {
        "x86_64": {"kickstart": "server-live.ks", "ksurl": "%(ksurl)s", "name": "PDL-Server-Live",
                   "repo": ["Everything"], "release": None},
        "i386": {"kickstart": "server-app.ks", "name": "PDL-Server-App", "type": "appliance", "release": "4",
                 "subvariant": "Appliance"},
    }),
    ("^Client$", {
        "x86_64": {"kickstart": "client-live.ks", "name": "PDL-Client-Live", "failable": True},
    }),
]
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.fail_task("PDL-Client-Live", "*", "livecd-creator: package conflict")
    top = tmp_path_factory.mktemp("liveimages")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out", "ksurl": KSURL})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def test_hub_gets_spin_livecd_and_appliance_arguments(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    calls = {c[0][0]: c for c in hub.submitted_calls("buildImage")}
    args, kwargs = calls["PDL-Server-Live"]
    assert args == ["PDL-Server-Live", "1.5", "x86_64", "pdl-1-image", "server-live.ks", "livecd"]
    # as Pungi: the variant's own repository first, the arch itself in the paths; always scratch
    assert kwargs["opts"]["repo"] == [base + "/compose/Server/x86_64/os", base + "/compose/Everything/x86_64/os"]
    assert kwargs["opts"]["ksurl"] == KSURL and re.fullmatch(r"\d{8}\.t\.0", kwargs["opts"]["release"])
    assert kwargs["opts"]["scratch"] is True
    args, kwargs = calls["PDL-Server-App"]
    assert args == ["PDL-Server-App", "1.5", "i386", "pdl-1-image", "server-app.ks", "appliance"]
    assert kwargs["opts"] == {"repo": [base + "/compose/Server/i386/os"], "release": "4", "format": "raw",
                              "scratch": True}


def test_images_renamed_in_the_compose_and_images_json(compose):
    # Pungi 4.3.2's names: <name>-<version>-<variant>-<arch>-live.iso, an appliance's too
    live = "compose/Server/x86_64/iso/PDL-Server-Live-1.5-Server-x86_64-live.iso"
    app = "compose/Server/i386/images/PDL-Server-App-1.5-Server-i386-live.iso"
    assert os.path.isfile(os.path.join(compose, live)) and os.path.isfile(os.path.join(compose, app))
    assert lzma.decompress(open(os.path.join(compose, app), "rb").read()).startswith(b"PUNJI-TEST-IMAGE PDL-Server-App")
    listed = read_json(compose, "compose/metadata/images.json")["payload"]["images"]
    (iso,) = [i for i in listed["Server"]["x86_64"] if i["type"] == "live"]
    assert (iso["path"], iso["format"], iso["bootable"]) == (live[len("compose/"):], "iso", True)
    assert iso["volume_id"] is None and iso["implant_md5"] is None
    # a live ISO's manifest beside it (Pungi's isoinfo -R -f listing), none for the appliance
    assert "/README" in open(os.path.join(compose, live + ".manifest")).read().splitlines()
    assert not os.path.exists(os.path.join(compose, app + ".manifest"))
    (raw,) = [i for i in listed["Server"]["i386"] if i["type"] == "raw-xz"]
    assert (raw["path"], raw["format"], raw["subvariant"], raw["bootable"]) == \
        (app[len("compose/"):], "raw.xz", "Appliance", True)
    assert not glob.glob(os.path.join(compose, "compose/Client/*/iso/*live*"))


def test_failable_block_finishes_incomplete(compose):
    assert open(os.path.join(compose, "STATUS")).read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/liveimages.json")
    assert st["failed"] and len(st["errors"]) == 1
    assert re.search(r"live_images PDL-Client-Live of Client.x86_64 \(block 1\): koji task \d+ \(livecd\) failed: "
                     r"koji task \d+ \(createLiveCD x86_64\): livecd-creator: package conflict", st["errors"][0])


def test_unsupported_specfile_is_one_line(tmp_path, demo_repo):
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nlive_images = [("^Server$", {"x86_64": {"kickstart": '
                  '"a.ks", "target": "t", "specfile": "x.spec"}})]\n' % PROFILE)
    assert_one_line_error(command("punji-liveimages", topdir), "option 'live_images' (variant Server, arch x86_64",
                          "'specfile'", "not supported")


def test_unnamed_image_gets_the_compose_id_not_image_name_format(hub, tmp_path, demo_repo):
    """Without a name Pungi names the image <compose id>-<variant>-<arch>-live.iso: its own
    format, not image_name_format; disc_types' 'live' names an appliance too."""
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nimage_name_format = "{release_short}-{variant}.iso"\n'
                  'disc_types = {"live": "Live", "appliance": "Disk"}\nlive_images = [("^Server$", {"x86_64": '
                  '{"kickstart": "a.ks", "target": "pdl-1-image", "type": "appliance"}})]\n' % PROFILE)
    done = command("punji-liveimages", topdir)
    assert done.returncode == 0, done.stderr
    compose_id = open(os.path.join(topdir, "COMPOSE_ID")).read().strip()
    assert os.path.isfile(os.path.join(topdir, "compose/Server/x86_64/images/%s-Server-x86_64-Live.iso" % compose_id))
