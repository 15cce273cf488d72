"""image_build_allow_reuse: a compose in a target directory whose old compose built an
image_build block from the same inputs takes over its images (no Koji task) and records them
as that compose did; each input changed (the block, an outside repo's content, the variant's
packages) builds it again, and so does a compose with the option off."""

import os

import pytest

from conftest import command, hub_calls_of, make, make_finished, read_json
from kojihub_tasks import KSURL, PROFILE, running_hub
from test_imagebuild import demo_config

hub = pytest.fixture(scope="module", name="hub")(running_hub)

BLOCK = {"name": "PDL-Reused", "kickstart": "r.ks", "ksurl": KSURL, "format": ["qcow2", "raw-xz"],
         "arches": ["x86_64"], "disk_size": 3, "release": "1"}
CONFIG = """
koji_profile = "%(profile)s"
image_build_target = "pdl-1-image"
image_build_allow_reuse = %(allow)s
image_build = {"^Server$": [{"image-build": %(block)r}]}
"""
IMAGES = ["compose/Server/x86_64/images/PDL-Reused-1-1.x86_64.qcow2",
          "compose/Server/x86_64/images/PDL-Reused-1-1.x86_64.raw.xz"]


def new_compose(tmp, demo_repo, target, block=None, allow=True, extra=""):
    """A compose initialised in TARGET (its config under TMP); its topdir."""
    block = dict(dict(BLOCK, repo=["Everything", os.path.join(os.path.dirname(target), "outside")]), **(block or {}))
    conf = demo_config(tmp / "demo", demo_repo, CONFIG % {"profile": PROFILE, "allow": allow, "block": block} + extra)
    return command("punji-init", conf, "--target-dir", target, "--test", check=True).stdout.strip()


@pytest.fixture(scope="module")
def first(tmp_path_factory, demo_repo, hub):
    """The old compose: made in full (FINISHED) with the option on."""
    top = tmp_path_factory.mktemp("ibreuse")
    os.makedirs(top / "outside" / "repodata")
    (top / "outside" / "repodata" / "repomd.xml").write_text("<repomd>outside 1</repomd>\n")
    return make_finished(new_compose(top / "c1", demo_repo, top / "out"))


def image_build(hub, topdir):
    """Make TOPDIR's imagebuild target (and what it needs); the hub calls that made."""
    return hub_calls_of(hub, topdir, "work/global/state/imagebuild.json")


def built_again(hub, first, topdir):
    """TOPDIR's imagebuild made with one new buildImageOz task, nothing taken over from FIRST."""
    submitted = len(hub.submitted_calls("buildImageOz"))
    calls = image_build(hub, topdir)
    assert calls.count("buildImageOz") == 1 and "login" in calls, calls
    (call,) = hub.submitted_calls("buildImageOz")[submitted:]
    assert call[0][0] == "PDL-Reused"
    (job,) = read_json(topdir, "work/global/state/imagebuild.json")["jobs"]
    (old,) = read_json(first, "work/global/state/imagebuild.json")["jobs"]
    assert "reused_from" not in job and job["task"] != old["task"] and job["inputs"] != old["inputs"]
    for rel in IMAGES:
        assert os.stat(os.path.join(topdir, rel)).st_ino != os.stat(os.path.join(first, rel)).st_ino
    return job


def test_same_inputs_take_over_the_images_without_a_task(hub, first, tmp_path, demo_repo):
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first))
    assert hub_calls_of(hub, topdir, "-j2") == []  # no login, no task, no query
    for rel in IMAGES:
        assert os.stat(os.path.join(topdir, rel)).st_ino == os.stat(os.path.join(first, rel)).st_ino
    (job,) = read_json(topdir, "work/global/state/imagebuild.json")["jobs"]
    (old,) = read_json(first, "work/global/state/imagebuild.json")["jobs"]
    assert job == dict(old, reused_from=os.path.basename(first))
    assert read_json(topdir, "work/global/imagebuild/images.json")["images"] == \
        read_json(first, "work/global/imagebuild/images.json")["images"]

    def listed(compose):
        images = read_json(compose, "compose/metadata/images.json")["payload"]["images"]["Server"]["x86_64"]
        return sorted((i for i in images if "/images/" in i["path"]), key=lambda i: i["path"])

    assert [i["path"] for i in listed(topdir)] == [rel[len("compose/"):] for rel in IMAGES]
    assert listed(topdir) == listed(first)  # checksums, sizes, mtimes, types: a fresh run's
    with open(os.path.join(topdir, "logs/global/imagebuild.log")) as f:
        assert "image_build of Server (block 1): taken over from %s" % first in f.read()


def test_changed_block_builds_again(hub, first, tmp_path, demo_repo):
    built_again(hub, first, new_compose(tmp_path, demo_repo, os.path.dirname(first), block={"disk_size": 4}))


def test_changed_outside_repo_builds_again(hub, first, tmp_path, demo_repo):
    repomd = os.path.join(os.path.dirname(os.path.dirname(first)), "outside", "repodata", "repomd.xml")
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first))
    text = open(repomd).read()
    with open(repomd, "w") as f:
        f.write(text.replace("outside 1", "outside 2"))
    try:
        built_again(hub, first, topdir)
    finally:
        with open(repomd, "w") as f:
            f.write(text)


def test_unreadable_outside_repo_builds_again(hub, first, tmp_path, demo_repo):
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first), block={"repo": ["Everything", "/nonexistent"]})
    calls = image_build(hub, topdir)
    assert calls.count("buildImageOz") == 1, calls
    assert "jobs" not in read_json(topdir, "work/global/state/imagebuild.json")
    with open(os.path.join(topdir, "logs/global/imagebuild.log")) as f:
        assert "not reusable: cannot read /nonexistent/repodata/repomd.xml" in f.read()


def test_changed_variant_packages_build_again(hub, first, tmp_path, demo_repo):
    extra = 'additional_packages = [("^Everything$", {"*": ["*"]}), ("^Server$", {"x86_64": ["demo-fortune"]})]\n'
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first), extra=extra)
    built_again(hub, first, topdir)
    rpms = read_json(topdir, "compose/metadata/rpms.json")["payload"]["rpms"]["Server"]["x86_64"]
    old = read_json(first, "compose/metadata/rpms.json")["payload"]["rpms"]["Server"]["x86_64"]
    assert rpms != old and any("demo-fortune" in n for nevras in rpms.values() for n in nevras)


def test_option_off_builds_again(hub, first, tmp_path, demo_repo):
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first), allow=False)
    submitted = len(hub.submitted_calls("buildImageOz"))
    calls = image_build(hub, topdir)
    assert calls.count("buildImageOz") == 1 and len(hub.submitted_calls("buildImageOz")) == submitted + 1
    assert "jobs" not in read_json(topdir, "work/global/state/imagebuild.json")
    for rel in IMAGES:
        assert os.stat(os.path.join(topdir, rel)).st_ino != os.stat(os.path.join(first, rel)).st_ino


def test_failed_block_is_built_again(hub, tmp_path, demo_repo):
    hub.fail_task("PDL-Reused-Broken", "*", "Oz failed: no space left on device")
    target = tmp_path / "out"
    os.makedirs(tmp_path / "outside" / "repodata")
    (tmp_path / "outside" / "repodata" / "repomd.xml").write_text("<repomd/>\n")
    old = new_compose(tmp_path / "c1", demo_repo, target, block={"name": "PDL-Reused-Broken", "failable": ["*"]})
    assert make(old, "-j2").returncode == 0
    assert open(os.path.join(old, "STATUS")).read().strip() == "FINISHED_INCOMPLETE"
    (record,) = read_json(old, "work/global/state/imagebuild.json")["jobs"]
    assert record["failed"] and record["images"] == []
    topdir = new_compose(tmp_path / "c2", demo_repo, target, block={"name": "PDL-Reused-Broken", "failable": ["*"]})
    submitted = len(hub.submitted_calls("buildImageOz"))
    calls = image_build(hub, topdir)
    assert calls.count("buildImageOz") == 1 and len(hub.submitted_calls("buildImageOz")) == submitted + 1
    (again,) = read_json(topdir, "work/global/state/imagebuild.json")["jobs"]
    assert again["inputs"] == record["inputs"] and again["task"] != record["task"] and "reused_from" not in again


def test_boot_files_buildinstall_made_anew_build_again(hub, first, tmp_path, demo_repo):
    from punji_lib.compose import state

    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first))
    assert image_build(hub, topdir) == []  # taken over
    old = os.path.basename(first)
    state.write(topdir, "buildinstall", "Server", "x86_64", images=["boot.iso"], reused_from=old, inputs="x")
    before = len(hub.calls)
    assert command("punji-imagebuild", topdir).returncode == 0
    assert hub.calls[before:] == []  # lorax's output taken over too: still the same tree
    state.write(topdir, "buildinstall", "Server", "x86_64", images=["boot.iso"], inputs="x")
    submitted = len(hub.submitted_calls("buildImageOz"))
    assert command("punji-imagebuild", topdir).returncode == 0
    assert len(hub.submitted_calls("buildImageOz")) == submitted + 1
    assert "jobs" not in read_json(topdir, "work/global/state/imagebuild.json")
    with open(os.path.join(topdir, "logs/global/imagebuild.log")) as f:
        assert "not reusable: buildinstall made Server.x86_64 anew" in f.read()
