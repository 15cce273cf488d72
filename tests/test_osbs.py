"""punji-osbs (osbs) against the local Koji test hub with tasks (tests/kojihub_tasks.py)."""

import hashlib
import os
import re

import pytest

from conftest import assert_one_line_error, command, make, read_json
from kojihub_tasks import PROFILE, running_hub
from test_imagebuild import init

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
osbs_registries = {"pdl-base-container-*": {"url": "registry.example.com", "insecure": False}}
osbs = {
    "^Server$": {
        "url": "git://git.example.com/containers/pdl-base.git#0123abcd", "target": "pdl-1-docker",
        "git_branch": "pdl-1", "version": "1.0", "release": "5", "priority": 2,
        "repo": ["Everything", "https://repos.example.com/$COMPOSE_ID/extra.repo"], "gpgkey": "file:///etc/pki/key",
    },
    "^Client$": [
        {"url": "git://git.example.com/containers/pdl-scratch.git#main", "target": "pdl-1-docker",
         "git_branch": "pdl-1", "scratch": True},
        {"url": "git://git.example.com/containers/pdl-broken.git#main", "target": "pdl-1-docker",
         "git_branch": "pdl-1", "failable": True},
    ],
}
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.add_target("pdl-1-docker", arches=("x86_64", "i386"))
    hub.fail_task("pdl-broken-container", "*", "OSBS: Dockerfile has no FROM")
    top = tmp_path_factory.mktemp("osbs")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out"})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def test_hub_gets_build_container_arguments_and_repo_files(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    compose_id = open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    (call,) = [c for c in hub.submitted_calls("buildContainer") if "pdl-base" in c[0][0]]
    args, kwargs = call
    assert args[:2] == ["git://git.example.com/containers/pdl-base.git#0123abcd", "pdl-1-docker"]
    assert kwargs == {"priority": 2}
    opts = args[2]
    assert opts == {"git_branch": "pdl-1", "version": "1.0", "release": "5", "yum_repourls": [
        base + "/work/global/osbs/compose-rpms-Server-1-Server.repo",
        base + "/work/global/osbs/compose-rpms-Server-1-Everything.repo",
        "https://repos.example.com/%s/extra.repo" % compose_id]}
    repo = open(os.path.join(compose, "work/global/osbs/compose-rpms-Server-1-Everything.repo")).read()
    assert repo == ("[%s-Everything-1]\nname=Compose %s (RPMs) - Everything\nbaseurl=%s/compose/Everything/"
                    "$basearch/os\nenabled=1\ngpgcheck=1\ngpgkey=file:///etc/pki/key\n"
                    % (compose_id, compose_id, base))
    (scratch,) = [c for c in hub.submitted_calls("buildContainer") if "pdl-scratch" in c[0][0]]
    assert scratch[0][2]["scratch"] is True and scratch[1] == {"priority": None}


def test_osbs_json_lists_the_builds(hub, compose):
    meta = read_json(compose, "compose/metadata/osbs.json")
    assert sorted(meta) == ["Client", "Server"]
    assert sorted(meta["Server"]) == ["i386", "x86_64"]
    (x86,) = meta["Server"]["x86_64"]
    assert x86["nvr"] == "pdl-base-container-1.0-5" and x86["name"] == "pdl-base-container"
    assert x86["image"] == {"arch": "x86_64"} and x86["docker"]["repositories"]
    assert re.match(r"docker-image-[0-9a-f]{12}\.x86_64\.tar\.gz$", x86["filename"])
    # the archive's size and checksum are the hub's file's
    path = os.path.join(hub.root, "packages/pdl-base-container/1.0/5/images", x86["filename"])
    assert x86["size"] == os.path.getsize(path)
    assert x86["checksum"] == hashlib.md5(open(path, "rb").read()).hexdigest()
    assert isinstance(x86["koji_task"], int)
    assert x86["compose_id"] == open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    (scratch,) = meta["Client"]["scratch"]
    assert scratch["repositories"] == ["registry.example.com/pdl-scratch-container:1-1"]
    assert read_json(compose, "logs/global/osbs-registries.json") == {
        "pdl-base-container-1.0-5": {"url": "registry.example.com", "insecure": False}}


def test_failable_block_finishes_incomplete(compose):
    assert open(os.path.join(compose, "STATUS")).read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/osbs.json")
    assert st["failed"] and len(st["errors"]) == 1
    assert re.search(r"osbs build of Client \(block 2, .*pdl-broken.*\): koji task \d+ \(buildContainer\): "
                     r"OSBS: Dockerfile has no FROM", st["errors"][0]), st["errors"][0]


def test_not_failable_is_one_line(hub, tmp_path, demo_repo):
    hub.fail_task("pdl-hard-container", "*", "OSBS: registry refused the push")
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nosbs = {"^Server$": {"url": "git://g.example.com/'
                  'pdl-hard.git#x", "target": "pdl-1-docker", "git_branch": "b"}}\n' % PROFILE)
    assert_one_line_error(command("punji-osbs", topdir), "osbs build of Server (block 1", "buildContainer",
                          "registry refused the push")
    assert not os.path.exists(os.path.join(topdir, "compose/metadata/osbs.json"))
