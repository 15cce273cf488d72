"""punji-osbuild (osbuild) against the local Koji test hub with tasks (tests/kojihub_tasks.py).

One demo compose made with `make -j2` (module fixture) carries five blocks:
Server's qcow2 (every opt Pungi passes: repos of all kinds, ostree, upload
options, customizations, a generated version and release) and its installer
ISO, Client's AMI (a manifest_type), VHD (an archive type Pungi does not
take) and a failable build whose archives name no arch, and Everything's
failable block whose task fails. Error cases run
punji-osbuild alone on fresh composes.
"""

import glob
import os
import re

import pytest

from conftest import assert_one_line_error, command, demo_config, make, read_json
from kojihub_tasks import PROFILE, running_hub
from test_imagebuild import init

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
osbuild_target = "pdl-1-image"
osbuild_version = "!VERSION_FROM_VERSION_DATE_RESPIN"
osbuild_release = None
translate_paths = [("%(top)s/out", "https://composes.example.com/pdl")]
osbuild = {
    "^Server$": [
        {"name": "PDL-Server-Cloud", "distro": "pdl-1", "image_types": ["qcow2"], "arches": ["x86_64", "s390x"],
         "repo": ["Everything", "https://repos.example.com/extra/$arch/",
                  {"baseurl": "Client", "package_sets": ["blueprint"]}, "%(top)s/out/extra"],
         "subvariant": "Cloud", "ostree_url": "https://ostree.example.com/repo", "ostree_ref": "pdl/1/$arch/iot",
         "ostree_parent": "pdl/1/$arch/base", "upload_options": {"region": "eu-west-1"},
         "customizations": {"packages": ["tmux"]}},
        {"name": "PDL-Server-ostree-installer", "distro": "pdl-1", "image_types": "image-installer",
         "arches": ["x86_64"], "version": "9", "release": "5", "target": "pdl-1-docker"},
    ],
    "^Client$": [
        {"name": "PDL-Client-AMI", "distro": "pdl-1", "image_types": ["ami"], "manifest_type": "ec2",
         "failable": ["i386"]},
        {"name": "PDL-Client-Azure", "distro": "pdl-1", "image_types": ["vhd"], "arches": ["x86_64"]},
        {"name": "PDL-Client-NoArch", "distro": "pdl-1", "image_types": ["qcow2"], "failable": ["*"]},
    ],
    "^Everything$": [
        {"name": "PDL-Broken-Osbuild", "distro": "pdl-1", "image_types": ["qcow2"], "failable": ["*"]},
    ],
}
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.fail_task("PDL-Broken-Osbuild", "*", "osbuild-composer: depsolve failed: nothing provides kernel")
    hub.archive_extra["PDL-Client-NoArch"] = {}
    top = tmp_path_factory.mktemp("osbuild")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def call_of(hub, name):
    (found,) = [(args, kwargs) for args, kwargs in hub.submitted_calls("osbuildImage") if args[0] == name]
    return found


def test_hub_gets_the_arguments_pungi_passes(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    request = read_json(compose, "work/global/compose-request.json")
    date_respin = "%s.%s" % (request["date"], request["respin"])
    args, kwargs = call_of(hub, "PDL-Server-Cloud")
    assert args == ["PDL-Server-Cloud", "1." + date_respin, "pdl-1", ["qcow2"], "pdl-1-image", ["x86_64"]]
    assert kwargs == {"priority": None, "opts": {
        "repo": [base + "/compose/Everything/$arch/os", "https://repos.example.com/extra/$arch/",
                 {"baseurl": base + "/compose/Client/$arch/os", "package_sets": ["blueprint"]},
                 "https://composes.example.com/pdl/extra", base + "/compose/Server/$arch/os"],
        "ostree": {"url": "https://ostree.example.com/repo", "ref": "pdl/1/$arch/iot", "parent": "pdl/1/$arch/base"},
        "upload_options": {"region": "eu-west-1"}, "customizations": {"packages": ["tmux"]},
        "release": "%s.t.%s" % (request["date"], request["respin"]),  # osbuild_release None: image_release
    }}
    args, kwargs = call_of(hub, "PDL-Server-ostree-installer")
    assert args == ["PDL-Server-ostree-installer", "9", "pdl-1", ["image-installer"], "pdl-1-docker", ["x86_64"]]
    assert kwargs["opts"] == {"repo": [base + "/compose/Server/$arch/os"], "release": "5"}
    args, kwargs = call_of(hub, "PDL-Client-AMI")
    assert args[4:] == ["pdl-1-image", ["i386", "x86_64"]]  # no 'arches': all the variant's
    assert "optional_arches" not in kwargs["opts"]  # Pungi passes none: the whole task is failable
    assert sorted(a[0] for a, _ in hub.submitted_calls("osbuildImage")) == [
        "PDL-Broken-Osbuild", "PDL-Client-AMI", "PDL-Client-Azure", "PDL-Client-NoArch", "PDL-Server-Cloud",
        "PDL-Server-ostree-installer"]


def test_images_in_the_compose_and_images_json(hub, compose):
    found = sorted(os.path.relpath(p, compose) for p in glob.glob(os.path.join(compose, "compose/*/*/*/PDL-*"))
                   if re.search(r"/PDL-(Server|Client|Broken)-[A-Za-z][^/]*\.(raw|qcow2|iso|vhd|json)$", p))
    release = call_of(hub, "PDL-Server-Cloud")[1]["opts"]["release"]
    version = call_of(hub, "PDL-Server-Cloud")[0][1]
    cloud = "compose/Server/x86_64/images/PDL-Server-Cloud-%s-%s.x86_64.qcow2" % (version, release)
    assert found == [
        "compose/Client/i386/images/PDL-Client-AMI-%s-%s.i386.raw" % (version, release),
        "compose/Client/x86_64/images/PDL-Client-AMI-%s-%s.x86_64.raw" % (version, release),
        cloud,
        "compose/Server/x86_64/iso/PDL-Server-ostree-installer-9-5.x86_64.iso",
    ]  # no vhd (a type Pungi does not take), no manifest .json archives
    build = hub.build("PDL-Server-Cloud-%s-%s" % (version, release))
    with open(os.path.join(compose, cloud), "rb") as ours, \
            open(os.path.join(hub.build_dir(build), "images", os.path.basename(cloud)), "rb") as theirs:
        assert ours.read() == theirs.read()
    listed = read_json(compose, "compose/metadata/images.json")["payload"]["images"]
    by_path = {i["path"]: i for v in listed.values() for a in v.values() for i in a}
    qcow = by_path[cloud[len("compose/"):]]
    assert (qcow["type"], qcow["format"], qcow["arch"], qcow["subvariant"], qcow["bootable"]) == \
        ("qcow2", "qcow2", "x86_64", "Cloud", False)
    iso = by_path["Server/x86_64/iso/PDL-Server-ostree-installer-9-5.x86_64.iso"]
    assert (iso["type"], iso["format"], iso["subvariant"]) == ("dvd-ostree-osbuild", "iso", "Server")
    ami = by_path["Client/i386/images/PDL-Client-AMI-%s-%s.i386.raw" % (version, release)]
    assert (ami["type"], ami["format"], ami["arch"]) == ("ec2", "raw", "i386")  # manifest_type
    assert [i for i in listed["Server"]["x86_64"] if i["type"] == "dvd"]  # createiso's own ISO stays
    recorded = {e["image"]["path"]: e for e in read_json(compose, "work/global/osbuild/images.json")["images"]}
    assert qcow["checksums"]["sha256"] == recorded[qcow["path"]]["sha256"]  # imagechecksum saw it
    assert os.path.isfile(os.path.join(compose, cloud + ".SHA256SUM"))


def test_failable_failure_finishes_incomplete(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/osbuild.json")
    assert st["failed"] is True and len(st["errors"]) == 2
    broken, no_arch = sorted(st["errors"])
    assert re.search(r"osbuild PDL-Broken-Osbuild of Everything \(block 1\): koji task \d+ \(osbuildImage\): "
                     r"osbuild-composer: depsolve failed", broken), broken
    assert re.search(r"osbuild PDL-Client-NoArch of Client \(block 3\): archive PDL-Client-NoArch-\S+\.qcow2 of build "
                     r"PDL-Client-NoArch-\S+ has no architecture", no_arch), no_arch
    assert not glob.glob(os.path.join(compose, "compose/Client/*/images/PDL-Client-NoArch*"))
    assert not glob.glob(os.path.join(compose, "compose/Everything/*/images/*"))


def test_runs_after_the_trees_before_assemble(compose):
    makefile = open(os.path.join(compose, "Makefile")).read()
    rule = [line for line in makefile.splitlines() if line.startswith("work/global/state/osbuild.json:")][0]
    assert "CREATEREPO_STATES" in rule and "BUILDINSTALL_STATES" in rule and "CREATEISO_STATES" in rule
    assemble = [line for line in makefile.splitlines() if line.startswith("work/global/state/createiso.json:")][0]
    assert "$(OSBUILD_STATES)" in assemble


def test_not_failable_is_one_line(hub, tmp_path, demo_repo):
    hub.fail_task("PDL-Hard-Osbuild", "x86_64", "osbuild-composer: image too large")
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nosbuild = {"^Server$": [{"name": "PDL-Hard-Osbuild", '
                  '"distro": "pdl-1", "image_types": ["qcow2"], "target": "pdl-1-image"}]}\n' % PROFILE)
    assert_one_line_error(command("punji-osbuild", topdir), "osbuild PDL-Hard-Osbuild of Server (block 1)",
                          "(osbuildImage)", "image too large")
    assert not os.path.exists(os.path.join(topdir, "work/global/state/osbuild.json"))


@pytest.mark.parametrize("block, fragments", [
    ('"repo": ["Nowhere"]', ("option 'osbuild' (variant Server, block 1)", "repo 'Nowhere' is no variant")),
    ('"version": "!VERSION_FROM_NOTHING"', ("option 'version'", "unknown version generator '!VERSION_FROM_NOTHING'")),
])
def test_bad_block_is_one_line(hub, tmp_path, demo_repo, block, fragments):
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nosbuild = {"^Server$": [{"name": "PDL-Bad", '
                  '"distro": "pdl-1", "image_types": ["qcow2"], "target": "pdl-1-image", %s}]}\n' % (PROFILE, block))
    assert_one_line_error(command("punji-osbuild", topdir), *fragments)
    assert not [c for c in hub.submitted_calls("osbuildImage") if c[0][0] == "PDL-Bad"]


def test_bad_option_value_is_one_line(tmp_path, demo_repo):
    conf = demo_config(tmp_path / "demo", demo_repo,
                       'osbuild = {"^Server$": [{"name": "PDL-Bad", "distro": "pdl-1", "image_types": [3]}]}\n')
    assert_one_line_error(command("punji-init", conf, "--target-dir", tmp_path / "out", "--test"), "osbuild")


def test_a_labelled_compose_gives_pungi_image_version_and_release(hub, tmp_path, demo_repo):
    conf = demo_config(tmp_path / "demo", demo_repo, (
        'koji_profile = "%s"\nosbuild_target = "pdl-1-image"\nosbuild_release = None\nosbuild = {"^Server$": [\n'
        '    {"name": "PDL-Labelled", "distro": "pdl-1", "image_types": ["qcow2"], "arches": ["x86_64"]},\n'
        '    {"name": "PDL-Labelled", "distro": "pdl-1", "image_types": ["qcow2"], "arches": ["x86_64"],\n'
        '     "version": "!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN"}]}\n' % PROFILE))
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--label", "Beta-1.1",
                     check=True).stdout.strip()
    done = command("punji-osbuild", topdir)
    assert done.returncode == 0, done.stderr
    calls = [(args[1], kwargs["opts"]["release"]) for args, kwargs in hub.submitted_calls("osbuildImage")
             if args[0] == "PDL-Labelled"]
    assert calls == [("1_Beta", "1.1"), ("1_Beta.1.1", "1.1")]
    assert sorted(os.listdir(os.path.join(topdir, "compose/Server/x86_64/images"))) == [
        "PDL-Labelled-1_Beta-1.1.x86_64.qcow2", "PDL-Labelled-1_Beta.1.1-1.1.x86_64.qcow2"]


def test_several_image_types_in_one_task_and_an_addon(hub, tmp_path, demo_repo):
    """Pungi 4.3.2 takes a list of image types (the hub's schema too) and sends it as given; an
    addon's repository is inside its parent's tree and its images go to the parent's images/."""
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nosbuild = {"^Server-HA$": [{"name": "PDL-HA-Osbuild", '
                  '"distro": "pdl-1", "image_types": ["qcow2", "vagrant-libvirt"], "target": "pdl-1-image"}]}\n'
                  % PROFILE)
    done = command("punji-osbuild", topdir)
    assert done.returncode == 0, done.stderr
    (call,) = [c for c in hub.submitted_calls("osbuildImage") if c[0][0] == "PDL-HA-Osbuild"]
    assert call[0][3] == ["qcow2", "vagrant-libvirt"]
    assert [r.rsplit("/compose/", 1)[-1] for r in call[1]["opts"]["repo"]] == ["Server/$arch/os/addons/HA"]
    entries = read_json(topdir, "work/global/osbuild/images.json")["images"]
    assert sorted((e["variant"], e["image"]["path"]) for e in entries) == [
        ("Server-HA", "Server/x86_64/images/PDL-HA-Osbuild-1-1.x86_64.qcow2"),
        ("Server-HA", "Server/x86_64/images/PDL-HA-Osbuild-1-1.x86_64.vagrant-libvirt.box")]
