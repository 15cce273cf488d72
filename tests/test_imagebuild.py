"""punji-imagebuild (image_build) against the local Koji test hub with tasks (tests/kojihub_tasks.py).

One demo compose made with `make -j2` (module fixture) carries three blocks:
Server's (two formats, x86_64 only, factory-parameters, repos, release null),
Client's (docker, its i386 arch failing but optional) and Everything's (a
failable block whose task fails). Error cases run punji-imagebuild alone on
fresh composes (it needs only the config and the variants).
"""

import datetime
import glob
import json
import lzma
import os
import re
import tarfile

import pytest

from conftest import assert_one_line_error, command, demo_config, make, read_json
from kojihub_tasks import KSURL, PROFILE, running_hub, write_profile


CONFIG = """
koji_profile = "%(profile)s"
image_build_target = "pdl-1-image"
image_build_version = "1.0"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
image_build = {
    "^Server$": [{
        "image-build": {
            "name": "PDL-Server-Cloud", "kickstart": "cloud.ks", "ksurl": "%(ksurl)s",
            "format": [("qcow2", "qcow2"), ("raw-xz", "raw.xz")], "distro": "Fedora-20", "disk_size": 3,
            "arches": ["x86_64", "ppc64le"], "repo": ["Everything", "https://repos.example.com/extra/$arch/"],
            "release": None,
        },
        "factory-parameters": {"ova_option": "x", "dockerversion": "1.10.1"},
    }],
    "^Client$": [{
        "image-build": {
            "name": "PDL-Client-Container", "kickstart": "container.ks", "ksurl": "%(ksurl)s",
            "format": ["docker"], "subvariant": "Container", "target": "pdl-1-docker", "version": "7",
            "release": "3", "failable": ["i386"],
        },
    }],
    "^Everything$": [{
        "image-build": {
            "name": "PDL-Broken", "kickstart": "broken.ks", "ksurl": "%(ksurl)s", "format": ["raw"],
            "failable": ["*"],
        },
    }],
}
"""


hub = pytest.fixture(scope="module", name="hub")(running_hub)


def init(tmp, demo_repo, extra):
    conf = demo_config(tmp / "demo", demo_repo, extra)
    return command("punji-init", conf, "--target-dir", tmp / "out", "--test", check=True).stdout.strip()


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.fail_task("PDL-Client-Container", "i386", "Oz failed: i386 guest did not boot")
    hub.fail_task("PDL-Broken", "*", "Oz failed: no space left on device")
    top = tmp_path_factory.mktemp("imagebuild")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out", "ksurl": KSURL})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir



def call_of(hub, name):
    (found,) = [(args, kwargs) for args, kwargs in hub.submitted_calls("buildImageOz") if args[0] == name]
    return found


def test_hub_gets_the_arguments_pungi_passes(hub, compose):
    top = os.path.dirname(compose)
    base = "https://composes.example.com/pdl" + compose[len(top):]
    args, kwargs = call_of(hub, "PDL-Server-Cloud")
    assert args == ["PDL-Server-Cloud", "1.0", ["x86_64"], "pdl-1-image", base + "/compose/Server/$arch/os"]
    opts = kwargs["opts"]
    assert opts["format"] == ["qcow2", "raw-xz"]
    assert opts["repo"] == [base + "/compose/Everything/$arch/os", "https://repos.example.com/extra/$arch/",
                            base + "/compose/Server/$arch/os"]
    assert opts["kickstart"] == "cloud.ks" and opts["ksurl"] == KSURL
    # as `koji image-build --config` sends Pungi's INI file: values read back as strings, the
    # factory parameters in config order, the CLI's defaults for disk_size and optional_arches
    assert opts["distro"] == "Fedora-20" and opts["disk_size"] == "3"
    assert opts["factory_parameter"] == [["ova_option", "x"], ["dockerversion", "1.10.1"]]
    assert re.fullmatch(r"\d{8}\.t\.0", opts["release"]), opts["release"]  # release None: <date>.t.<respin>
    assert opts["optional_arches"] == ""
    args, kwargs = call_of(hub, "PDL-Client-Container")
    assert args == ["PDL-Client-Container", "7", ["i386", "x86_64"], "pdl-1-docker",
                    base + "/compose/Client/$arch/os"]
    assert kwargs["opts"]["optional_arches"] == ["i386"] and kwargs["opts"]["release"] == "3"
    assert "factory_parameter" not in kwargs["opts"] and kwargs["opts"]["disk_size"] == 10
    # failable "*": every arch optional (the task may fail as a whole too)
    assert call_of(hub, "PDL-Broken")[1]["opts"]["optional_arches"] == ["i386", "x86_64"]
    # one task per block and variant, submitted once
    assert sorted(a[0] for a, _ in hub.submitted_calls("buildImageOz")) == \
        ["PDL-Broken", "PDL-Client-Container", "PDL-Server-Cloud"]
    assert "login" in hub.calls and "getLoggedInUser" in hub.calls


def test_images_in_the_compose_and_images_json(hub, compose):
    images = sorted(os.path.relpath(p, compose) for p in glob.glob(os.path.join(compose, "compose/*/*/images/*"))
                    if not p.endswith("SUM"))
    release = call_of(hub, "PDL-Server-Cloud")[1]["opts"]["release"]
    assert images == [
        "compose/Client/x86_64/images/PDL-Client-Container-7-3.x86_64.tar.xz",
        "compose/Server/x86_64/images/PDL-Server-Cloud-1.0-%s.x86_64.qcow2" % release,
        "compose/Server/x86_64/images/PDL-Server-Cloud-1.0-%s.x86_64.raw.xz" % release,
    ]
    # real files, the hub's bytes
    raw_xz = [p for p in images if p.endswith(".raw.xz")][0]
    assert lzma.decompress(open(os.path.join(compose, raw_xz), "rb").read()).startswith(b"PUNJI-TEST-IMAGE")
    with tarfile.open(os.path.join(compose, images[0])) as tar:
        assert tar.getnames() == ["etc/os-release"]
    listed = read_json(compose, "compose/metadata/images.json")["payload"]["images"]
    server = {i["path"]: i for i in listed["Server"]["x86_64"]}
    qcow = server["Server/x86_64/images/" + os.path.basename(images[1])]
    assert (qcow["type"], qcow["format"], qcow["arch"], qcow["subvariant"]) == ("qcow2", "qcow2", "x86_64", "Server")
    xz = server["Server/x86_64/images/" + os.path.basename(images[2])]
    assert (xz["type"], xz["format"]) == ("raw-xz", "raw.xz")
    client = [i for i in listed["Client"]["x86_64"] if "/images/" in i["path"]]
    assert [(i["type"], i["format"], i["subvariant"]) for i in client] == [("docker", "tar.xz", "Container")]
    assert not [i for i in listed.get("Client", {}).get("i386", []) if "/images/" in i["path"]]
    # the kickstart and the log of the task are no images
    assert not glob.glob(os.path.join(compose, "compose/*/*/images/*.ks"))
    # imagechecksum saw them: checksums filled and CHECKSUM files written
    assert qcow["checksums"].get("sha256") == read_json(compose, "work/global/imagebuild/images.json")["images"][
        [e["image"]["path"] for e in read_json(compose, "work/global/imagebuild/images.json")["images"]].index(
            qcow["path"])]["sha256"]
    assert os.path.isfile(os.path.join(compose, images[1] + ".SHA256SUM"))


def test_failed_tasks_in_failable_blocks_finish_incomplete(hub, compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/imagebuild.json")
    assert st["failed"] is True
    errors = st["errors"]
    assert len(errors) == 2
    assert any("Everything" in e and "no space left on device" in e for e in errors)
    client = [e for e in errors if "Client" in e][0]
    assert "i386 guest did not boot" in client and re.search(r"koji task \d+ \(createImage i386\)", client)
    with open(os.path.join(compose, "logs/global/imagebuild.log")) as f:
        assert "failable" in f.read()


def test_runs_beside_createiso(hub, compose):
    makefile = open(os.path.join(compose, "Makefile")).read()
    rule = [line for line in makefile.splitlines() if line.startswith("work/global/state/imagebuild.json:")][0]
    assert "CREATEISO" not in rule and "CREATEREPO_STATES" in rule
    # both made again at once under make -j2: their runs overlap in time (the hub's tasks take 3s)
    targets = ["work/global/state/imagebuild.json", "work/x86_64/state/createiso-Server.json"]
    for target in targets:
        os.unlink(os.path.join(compose, target))
    done = make(compose, "-j2", *targets)
    assert done.returncode == 0, done.stdout

    def last_run(log):
        with open(os.path.join(compose, log)) as f:
            lines = f.read().splitlines()
        start = max(i for i, line in enumerate(lines) if " started: " in line)
        stamps = [datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
                  for line in lines[start:] if re.match(r"\d{4}-\d\d-\d\d ", line)]
        return stamps[0], stamps[-1]

    (ib_start, ib_end), (ci_start, ci_end) = last_run("logs/global/imagebuild.log"), \
        last_run("logs/x86_64/createiso-Server.log")
    assert ci_start < ib_end and ci_end > ib_start, ((ib_start, ib_end), (ci_start, ci_end))


def test_rerun_keeps_images_and_removes_stale_ones(hub, compose):
    stale = os.path.join(compose, "compose/Server/x86_64/images/old.qcow2")
    entries = read_json(compose, "work/global/imagebuild/images.json")
    before = sorted(e["image"]["path"] for e in entries["images"])
    with open(stale, "w") as f:
        f.write("x")
    entries["images"].append({"variant": "Server", "arch": "x86_64",
                              "image": {"path": "Server/x86_64/images/old.qcow2"}})
    with open(os.path.join(compose, "work/global/imagebuild/images.json"), "w") as f:
        json.dump(entries, f)
    submitted = len(hub.submitted_calls("buildImageOz"))
    done = command("punji-imagebuild", compose)
    assert done.returncode == 0, done.stderr
    assert not os.path.exists(stale)
    assert sorted(e["image"]["path"] for e in read_json(compose, "work/global/imagebuild/images.json")["images"]) == before
    assert len(hub.submitted_calls("buildImageOz")) == submitted + 3


@pytest.fixture
def small(tmp_path, demo_repo, hub):
    """A fresh compose with one image_build block of Server (name given by the test)."""
    def make_one(name, failable=None, target="pdl-1-image"):
        block = {"name": name, "kickstart": "s.ks", "ksurl": KSURL, "format": ["raw-xz"], "arches": ["x86_64"]}
        if failable:
            block["failable"] = failable
        extra = 'koji_profile = "%s"\nimage_build_target = "%s"\nimage_build = {"^Server$": [{"image-build": %r}]}\n' \
            % (PROFILE, target, block)
        return init(tmp_path, demo_repo, extra)
    return make_one


def test_failed_task_is_one_line_naming_the_task(hub, small):
    hub.fail_task("PDL-Hard", "*", "Oz failed: kickstart s.ks has a syntax error")
    topdir = small("PDL-Hard")
    done = command("punji-imagebuild", topdir)
    line = assert_one_line_error(done, "image_build of Server (block 1)", "kickstart s.ks has a syntax error")
    assert re.search(r"koji task \d+ \(image\) failed: koji task \d+ \(createImage x86_64\)", line), line
    assert not os.path.exists(os.path.join(topdir, "work/global/state/imagebuild.json"))
    assert "syntax error" in open(os.path.join(topdir, "work/global/state/imagebuild.json.error")).read()


def test_each_task_s_start_and_end_show_on_the_terminal(hub, small):
    """As Pungi's [BEGIN]/[DONE] lines do: a long image build is followed by its task ids."""
    topdir = small("PDL-Watched")
    done = command("punji-imagebuild", topdir)
    assert done.returncode == 0, done.stderr
    (parent,) = re.findall(r"^punji-imagebuild: koji task (\d+): buildImageOz submitted "
                           r"\(http://\S+/taskinfo\?taskID=\1\)$", done.stderr, re.M)
    assert "punji-imagebuild: koji task %s (image): CLOSED\n" % parent in done.stderr, done.stderr
    assert "koji task %s: buildImageOz submitted" % parent in open(os.path.join(topdir, "logs/global/imagebuild.log")).read()


def test_hub_errors_are_retried_then_reported(hub, small):
    topdir = small("PDL-Retried")
    hub.fail_next(2)  # the hub answers ServerOffline twice: retried (max_retries = 3)
    done = command("punji-imagebuild", topdir)
    assert done.returncode == 0, done.stderr
    assert glob.glob(os.path.join(topdir, "compose/Server/x86_64/images/PDL-Retried-*.x86_64.raw.xz"))
    assert "server is offline" in open(os.path.join(topdir, "logs/global/imagebuild.log")).read()
    hub.fail_next(10)
    done = command("punji-imagebuild", topdir)
    hub.fail_next(0)
    assert_one_line_error(done, "koji hub", "failed after 4 tries", "server is offline")


def test_unknown_target_and_bad_login_are_one_line(hub, small, tmp_path):
    topdir = small("PDL-Target", target="no-such-target")
    assert_one_line_error(command("punji-imagebuild", topdir), "buildImageOz", "No such build target: no-such-target")
    write_profile(tmp_path / "home", hub.url, hub.root, hub.topurl, password="wrong")
    env_home = os.environ["HOME"]
    os.environ["HOME"] = str(tmp_path / "home")
    try:
        assert_one_line_error(command("punji-imagebuild", topdir), "login (authtype password)",
                              "invalid username or password")
    finally:
        os.environ["HOME"] = env_home


def test_files_come_from_topurl_when_topdir_is_not_here(hub, small, tmp_path):
    topdir = small("PDL-Http")
    write_profile(tmp_path / "home", hub.url, str(tmp_path / "not-mounted"), hub.topurl)
    env_home = os.environ["HOME"]
    os.environ["HOME"] = str(tmp_path / "home")
    try:
        done = command("punji-imagebuild", topdir)
    finally:
        os.environ["HOME"] = env_home
    assert done.returncode == 0, done.stderr
    (image,) = glob.glob(os.path.join(topdir, "compose/Server/x86_64/images/PDL-Http-*.raw.xz"))
    assert lzma.decompress(open(image, "rb").read()).startswith(b"PUNJI-TEST-IMAGE PDL-Http x86_64")
    assert os.stat(image).st_nlink == 1  # downloaded, not linked from the hub's storage


def test_an_addons_trees_and_images_are_its_parents(hub, tmp_path, demo_repo):
    """As Pungi's paths: an addon installs from its parent's os tree, is a repository inside it
    (os/addons/<id>) and puts its images in the parent's images/ (images.json keeps the addon's
    uid); 'disc_size' is no key `koji image-build` knows (disk_size stays its default 10) and
    'failable' goes to optional_arches as given."""
    block = {"name": "PDL-HA", "kickstart": "ha.ks", "ksurl": KSURL, "format": ["raw-xz"], "disc_size": 4,
             "install_tree_from": "Server-HA", "repo": ["Server-HA"], "failable": ["ppc64le"]}
    extra = ('koji_profile = "%s"\nimage_build_target = "pdl-1-image"\n'
             'translate_paths = [(%r, "https://c.example.com")]\n'
             'image_build = {"^Server-HA$": [{"image-build": %r}]}\n' % (PROFILE, str(tmp_path / "out"), block))
    topdir = init(tmp_path, demo_repo, extra)
    done = command("punji-imagebuild", topdir)
    assert done.returncode == 0, done.stderr
    base = "https://c.example.com/%s/compose" % os.path.basename(topdir)
    args, kwargs = call_of(hub, "PDL-HA")
    assert args[2:] == [["x86_64"], "pdl-1-image", base + "/Server/$arch/os"]
    assert kwargs["opts"]["repo"] == [base + "/Server/$arch/os/addons/HA"]
    assert kwargs["opts"]["disk_size"] == 10 and kwargs["opts"]["optional_arches"] == ["ppc64le"]
    (entry,) = read_json(topdir, "work/global/imagebuild/images.json")["images"]
    assert entry["variant"] == "Server-HA" and entry["image"]["subvariant"] == "Server-HA"
    assert entry["image"]["path"] == "Server/x86_64/images/PDL-HA-1-1.x86_64.raw.xz"  # no release: the hub's 1
    assert os.path.isfile(os.path.join(topdir, "compose", entry["image"]["path"]))
