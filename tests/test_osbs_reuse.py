"""osbs_allow_reuse: a compose whose old compose built an osbs block from the same inputs takes
over its builds' records (no Koji call at all), as a fresh run records them but for this
compose's id; each input changed (the block, its git source's image-build.conf, the kickstart's
ref, a package of the old image gone from the compose) builds it again, and so does a compose
with the option off."""

import contextlib
import os

import pytest

from conftest import command, git, hub_calls_of, make_finished, read_json
from kojihub_tasks import PROFILE, running_hub
from test_imagebuild import demo_config

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
osbs_allow_reuse = %(allow)s
osbs_registries = {"pdl-base-container-*": {"url": "registry.example.com"}}
osbs = {"^Server$": {"url": "%(git)s/pdl-base.git#main", "target": "pdl-1-docker", "git_branch": "pdl-1",
                     "version": "%(version)s", "release": "5", "failable": True}}
"""
IMAGE_CONF = "[image-build]\nname = pdl-base\nksurl = %s/kickstarts.git#main\nkickstart = base.ks\narches = x86_64\n"
IN_IMAGE = [("demo-shell", None, "5.2.15", "3.pdl1", "x86_64"), ("demo-fortune", None, "1.99.1", "5.pdl1", "x86_64")]
WITHOUT_FORTUNE = 'filter_packages = [("^(Server|Client)$", {"*": ["demo-coreutils-single"]}), ' \
    '("^.*$", {"*": ["demo-fortune"]})]\n'


def commit(repo, name, text):
    with open(os.path.join(repo, name), "w") as f:
        f.write(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", "change " + name)


@contextlib.contextmanager
def committed(repo, name, text):
    """REPO's branch with a commit that makes file NAME TEXT (None: removes it), then back where it was."""
    head = git(repo, "rev-parse", "HEAD")
    if text is None:
        git(repo, "rm", "-q", name)
        git(repo, "commit", "-q", "-m", "remove " + name)
    else:
        commit(repo, name, text)
    try:
        yield
    finally:
        git(repo, "reset", "-q", "--hard", head)


def new_compose(tmp, demo_repo, target, allow=True, version="1.0", extra=""):
    git_dir = os.path.join(os.path.dirname(target), "git")
    conf = demo_config(tmp / "demo", demo_repo, CONFIG % {"profile": PROFILE, "allow": allow, "git": git_dir,
                                                 "version": version} + extra)
    return command("punji-init", conf, "--target-dir", target, "--test", check=True).stdout.strip()


@pytest.fixture(scope="module")
def first(tmp_path_factory, demo_repo, hub):
    """The old compose, made in full with the option on; its source and kickstart git repositories."""
    hub.add_target("pdl-1-docker", arches=("x86_64",))
    hub.set_image_rpms("pdl-base-container", IN_IMAGE)
    top = tmp_path_factory.mktemp("osbsreuse")
    for name in ("pdl-base.git", "kickstarts.git"):
        os.makedirs(top / "git" / name)
        git(top / "git" / name, "init", "-q", "-b", "main")
    commit(top / "git" / "kickstarts.git", "base.ks", "%packages\ndemo-shell\n%end\n")
    commit(top / "git" / "pdl-base.git", "Dockerfile", "FROM scratch\n")
    commit(top / "git" / "pdl-base.git", "image-build.conf", IMAGE_CONF % (top / "git"))
    before = len(hub.calls)
    topdir = make_finished(new_compose(top / "c1", demo_repo, top / "out"))
    assert hub.calls[before:].count("listRPMs") == 1  # the image archive's packages, kept for the next compose
    return topdir


def osbs(hub, topdir):
    """Make TOPDIR's osbs target (and what it needs); the hub calls that made."""
    return hub_calls_of(hub, topdir, "work/global/state/osbs.json")


def built_again(hub, first, topdir, same_inputs=False):
    """TOPDIR's osbs made with one new buildContainer task, nothing taken over from FIRST (whose
    block had other inputs, unless SAME_INPUTS)."""
    submitted = len(hub.submitted_calls("buildContainer"))
    calls = osbs(hub, topdir)
    assert calls.count("buildContainer") == 1 and "login" in calls, calls
    assert len(hub.submitted_calls("buildContainer")) == submitted + 1
    (job,) = read_json(topdir, "work/global/state/osbs.json")["jobs"]
    (old,) = read_json(first, "work/global/state/osbs.json")["jobs"]
    assert "reused_from" not in job and job["task"] != old["task"]
    assert (job["inputs"] == old["inputs"]) is same_inputs
    (entry,) = read_json(topdir, "compose/metadata/osbs.json")["Server"]["x86_64"]
    assert entry["koji_task"] == job["task"]
    return job


def test_same_inputs_take_over_the_build_without_a_hub_call(hub, first, tmp_path, demo_repo):
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first))
    assert hub_calls_of(hub, topdir, "-j2") == []  # no login, no buildContainer, no metadata query
    compose_id = open(os.path.join(topdir, "COMPOSE_ID")).read().strip()
    old = read_json(first, "compose/metadata/osbs.json")
    assert old["Server"]["x86_64"][0]["nvr"] == "pdl-base-container-1.0-5"
    assert read_json(topdir, "compose/metadata/osbs.json") == {
        uid: {arch: [dict(e, compose_id=compose_id) for e in entries] for arch, entries in by_arch.items()}
        for uid, by_arch in old.items()}
    assert read_json(topdir, "logs/global/osbs-registries.json") == read_json(first, "logs/global/osbs-registries.json")
    (job,) = read_json(topdir, "work/global/state/osbs.json")["jobs"]
    (old_job,) = read_json(first, "work/global/state/osbs.json")["jobs"]
    assert job == dict(old_job, reused_from=os.path.basename(first))
    assert job["rpmlist"] == ["demo-fortune-0:1.99.1-5.pdl1.x86_64", "demo-shell-0:5.2.15-3.pdl1.x86_64"]
    with open(os.path.join(topdir, "logs/global/osbs.log")) as f:
        assert "osbs build of Server (block 1, %s): taken over from %s" % (
            read_json(topdir, "work/global/config/osbs.json")["osbs"]["^Server$"]["url"], first) in f.read()


def test_changed_block_builds_again(hub, first, tmp_path, demo_repo):
    built_again(hub, first, new_compose(tmp_path, demo_repo, os.path.dirname(first), version="1.1"))


def test_changed_image_build_conf_builds_again(hub, first, tmp_path, demo_repo):
    repo = os.path.join(os.path.dirname(os.path.dirname(first)), "git", "pdl-base.git")
    text = open(os.path.join(repo, "image-build.conf")).read()
    with committed(repo, "image-build.conf", text.replace("base.ks", "base2.ks")):
        built_again(hub, first, new_compose(tmp_path, demo_repo, os.path.dirname(first)))


def test_moved_kickstart_ref_builds_again(hub, first, tmp_path, demo_repo):
    repo = os.path.join(os.path.dirname(os.path.dirname(first)), "git", "kickstarts.git")
    with committed(repo, "base.ks", "%packages\ndemo-shell\ndemo-editor\n%end\n"):
        built_again(hub, first, new_compose(tmp_path, demo_repo, os.path.dirname(first)))


def test_package_of_the_image_gone_builds_again(hub, first, tmp_path, demo_repo):
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first), extra=WITHOUT_FORTUNE)
    built_again(hub, first, topdir, same_inputs=True)  # the packages decide
    with open(os.path.join(topdir, "logs/global/osbs.log")) as f:
        assert "demo-fortune-0:1.99.1-5.pdl1.x86_64 of its image is not in the compose" in f.read()
    rpms = read_json(topdir, "compose/metadata/rpms.json")["payload"]["rpms"]
    assert not [n for arches in rpms.values() for srcs in arches.values() for ns in srcs.values() for n in ns
                if n.startswith("demo-fortune-")]


def test_option_off_builds_again(hub, first, tmp_path, demo_repo):
    topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first), allow=False)
    submitted = len(hub.submitted_calls("buildContainer"))
    calls = osbs(hub, topdir)
    assert calls.count("buildContainer") == 1 and len(hub.submitted_calls("buildContainer")) == submitted + 1
    assert "listRPMs" not in calls and "jobs" not in read_json(topdir, "work/global/state/osbs.json")


def test_source_without_image_build_conf_is_never_reused(hub, first, tmp_path, demo_repo):
    repo = os.path.join(os.path.dirname(os.path.dirname(first)), "git", "pdl-base.git")
    with committed(repo, "image-build.conf", None):
        topdir = new_compose(tmp_path, demo_repo, os.path.dirname(first))
        calls = osbs(hub, topdir)
    assert calls.count("buildContainer") == 1 and "listRPMs" not in calls  # no fingerprint: nothing to keep
    assert "jobs" not in read_json(topdir, "work/global/state/osbs.json")
    with open(os.path.join(topdir, "logs/global/osbs.log")) as f:
        (line,) = [line for line in f if "not reusable" in line]
    assert "option 'osbs' (variant Server, block 1)" in line and "image-build.conf" in line, line
