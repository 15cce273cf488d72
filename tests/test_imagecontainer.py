"""punji-imagecontainer (image_container) against the local Koji test hub with tasks (tests/kojihub_tasks.py).

One demo compose made with `make -j2` (module fixture): image_build makes
Server's qcow2 and raw.xz images on x86_64 and i386; image_container embeds the
qcow2 (one image once the arch is $basearch) in a container, embeds i386's
raw.xz in a scratch build, and has a failable block whose image_spec matches
nothing; osbs builds one container too, so compose/metadata/osbs.json holds
both phases' builds. Error cases run punji-imagecontainer alone on fresh
composes given a hand-written images.json.
"""

import datetime
import json
import os
import re

import pytest

from conftest import assert_one_line_error, command, make, read_json
from kojihub_tasks import KSURL, PROFILE, running_hub
from test_config import write_conf
from test_imagebuild import init

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
image_build_target = "pdl-1-image"
image_build_version = "1.0"
image_build = {
    "^Server$": [{
        "image-build": {
            "name": "PDL-Server-Cloud", "kickstart": "cloud.ks", "ksurl": "%(ksurl)s", "release": "5",
            "format": [("qcow2", "qcow2"), ("raw-xz", "raw.xz")], "distro": "Fedora-20", "disk_size": 3,
            "arches": ["x86_64", "i386"],
        },
    }],
}
osbs = {
    "^Server$": {"url": "git://git.example.com/containers/pdl-base.git#0123abcd", "target": "pdl-1-docker",
                 "git_branch": "pdl-1"},
}
image_container = {
    "^Server$": [
        {"url": "git://git.example.com/containers/pdl-cloud.git#4567cdef", "target": "pdl-1-docker",
         "git_branch": "pdl-1", "priority": 3, "release": "2",
         "image_spec": {"type": "qcow2", "subvariant": "^Server$"}},
        {"url": "git://git.example.com/containers/pdl-raw.git#main", "target": "pdl-1-docker",
         "git_branch": "pdl-1", "scratch": True, "arch_override": "i386", "image_spec": {"format": "raw"}},
        {"url": "git://git.example.com/containers/pdl-vmdk.git#main", "target": "pdl-1-docker",
         "git_branch": "pdl-1", "failable": True, "image_spec": {"format": "vmdk"}},
    ],
}
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.add_target("pdl-1-docker", arches=("x86_64", "i386"))
    top = tmp_path_factory.mktemp("imagecontainer")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out", "ksurl": KSURL})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def compose_id(topdir):
    with open(os.path.join(topdir, "COMPOSE_ID")) as f:
        return f.read().strip()


def test_hub_gets_build_container_with_a_repo_file_of_the_image(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    (call,) = [c for c in hub.submitted_calls("buildContainer") if "pdl-cloud" in c[0][0]]
    args, kwargs = call
    assert args == ["git://git.example.com/containers/pdl-cloud.git#4567cdef", "pdl-1-docker", {
        "git_branch": "pdl-1", "release": "2",
        "yum_repourls": [base + "/work/global/imagecontainer/image-container-Server-1.repo"]}]
    assert kwargs == {"priority": 3}
    with open(os.path.join(compose, "work/global/imagecontainer/image-container-Server-1.repo")) as f:
        assert f.read() == ("[image-to-include]\nname=Location of image to embed\n"
                            "baseurl=%s/compose/Server/$basearch/images/PDL-Server-Cloud-1.0-5.$basearch.qcow2\n"
                            "enabled=0\ngpgcheck=0\n" % base)
    (scratch,) = [c for c in hub.submitted_calls("buildContainer") if "pdl-raw" in c[0][0]]
    assert scratch[0][2]["scratch"] is True and scratch[0][2]["arch_override"] == "i386"
    assert scratch[1] == {"priority": None}
    with open(os.path.join(compose, "work/global/imagecontainer/image-container-Server-2.repo")) as f:
        assert "/compose/Server/$basearch/images/PDL-Server-Cloud-1.0-5.$basearch.raw.xz\n" in f.read()
    assert not [c for c in hub.submitted_calls("buildContainer") if "pdl-vmdk" in c[0][0]]


def test_it_runs_after_imagechecksum(compose):
    with open(os.path.join(compose, "Makefile")) as f:
        rule = [line for line in f if line.startswith("work/global/state/imagecontainer.json:")][0]
    assert "$(IMAGECHECKSUM_STATES)" in rule and "work/global/state/createiso.json" in rule
    with open(os.path.join(compose, "logs/global/imagecontainer.log")) as f:
        started = datetime.datetime.strptime(f.readline()[:23], "%Y-%m-%d %H:%M:%S,%f")
    checksummed = os.path.getmtime(os.path.join(compose, "work/global/state/imagechecksum.json"))
    assert started >= datetime.datetime.fromtimestamp(checksummed) - datetime.timedelta(milliseconds=1)


def test_osbs_json_holds_both_phases_builds(compose):
    meta = read_json(compose, "compose/metadata/osbs.json")
    assert sorted(meta) == ["Server"] and sorted(meta["Server"]) == ["i386", "scratch", "x86_64"]
    assert [e["nvr"] for e in meta["Server"]["x86_64"]] == ["pdl-base-container-1-1", "pdl-cloud-container-1-2"]
    cloud = meta["Server"]["x86_64"][1]
    assert cloud["compose_id"] == compose_id(compose) and isinstance(cloud["koji_task"], int)
    assert cloud["image"] == {"arch": "x86_64"} and cloud["filename"].endswith(".x86_64.tar.gz")
    (scratch,) = meta["Server"]["scratch"]
    assert scratch["repositories"] == ["registry.example.com/pdl-raw-container:1-1"]
    assert read_json(compose, "work/global/imagecontainer/osbs.json")["builds"]["Server"]["scratch"] == [scratch]
    assert sorted(read_json(compose, "work/global/state/imagecontainer.json")["builds"]) == ["pdl-cloud-container-1-2"]


def test_failable_block_finishes_incomplete(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/imagecontainer.json")
    assert st["failed"] and len(st["errors"]) == 1
    assert st["errors"][0].startswith("option 'image_container' (variant Server, block 3): image_spec "
                                      '{"format": "vmdk"} matches 0 images in compose/metadata/images.json')
    assert not read_json(compose, "work/global/state/osbs.json")["failed"]


def images_json(topdir, *paths):
    """A compose/metadata/images.json listing qcow2 images at PATHS (under compose/)."""
    records = {}
    for path in paths:
        arch = path.split("/")[1]
        records.setdefault(arch, []).append({
            "path": path, "mtime": 1, "size": 10, "volume_id": None, "type": "qcow2", "format": "qcow2",
            "arch": arch, "disc_number": 1, "disc_count": 1, "checksums": {}, "implant_md5": None,
            "bootable": False, "subvariant": "Server"})
    os.makedirs(os.path.join(topdir, "compose/metadata"), exist_ok=True)
    with open(os.path.join(topdir, "compose/metadata/images.json"), "w") as f:
        json.dump({"header": {"type": "productmd.images", "version": "1.2"},
                   "payload": {"compose": {}, "images": {"Server": records}}}, f)


BLOCK = ('koji_profile = "%s"\nimage_container = {"^Server$": {"url": "git://g.example.com/pdl-hard.git#x", '
         '"target": "pdl-1-docker", "git_branch": "b", "image_spec": {"type": "qcow2"}}}\n' % PROFILE)


def test_several_matching_images_is_one_line(tmp_path, demo_repo):
    topdir = init(tmp_path, demo_repo, BLOCK)
    assert_one_line_error(command("punji-imagecontainer", topdir), "option 'image_container'",
                          "compose/metadata/images.json does not exist")
    images_json(topdir, "Server/x86_64/images/a.qcow2", "Server/x86_64/images/b.qcow2")
    assert_one_line_error(command("punji-imagecontainer", topdir),
                          "option 'image_container' (variant Server, block 1): image_spec {\"type\": \"qcow2\"} "
                          "matches 2 images", "(Server/$basearch/images/a.qcow2, Server/$basearch/images/b.qcow2)")
    assert not os.path.exists(os.path.join(topdir, "compose/metadata/osbs.json"))
    with open(os.path.join(topdir, "work/global/config/imagecontainer.json")) as f:
        conf = json.load(f)
    conf["image_container"]["^Server$"]["image_spec"] = {"name": "a"}
    with open(os.path.join(topdir, "work/global/config/imagecontainer.json"), "w") as f:
        json.dump(conf, f)
    assert_one_line_error(command("punji-imagecontainer", topdir), "image_spec key 'name' is no image field")


def test_not_failable_task_failure_is_one_line(hub, tmp_path, demo_repo):
    hub.fail_task("pdl-hard-container", "*", "OSBS: image to include not found")
    topdir = init(tmp_path, demo_repo, BLOCK)
    images_json(topdir, "Server/x86_64/images/a.x86_64.qcow2", "Server/i386/images/a.i386.qcow2")
    line = assert_one_line_error(command("punji-imagecontainer", topdir), "image_container build of Server (block 1",
                                 "buildContainer", "image to include not found")
    assert re.search(r"koji task \d+", line)
    assert not os.path.exists(os.path.join(topdir, "work/global/imagecontainer/osbs.json"))


def test_image_spec_must_map_fields_to_regexes(tmp_path):
    body = 'image_container = {"^Server$": {"url": "u", "target": "t", "git_branch": "b", "image_spec": {"type": 1}}}\n'
    assert_one_line_error(command("punji-config-validate", write_conf(tmp_path, body)), "option 'image_container'",
                          "is not of type 'string'")
