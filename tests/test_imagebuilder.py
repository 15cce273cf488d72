"""punji-imagebuilder (imagebuilder) against the local Koji test hub with tasks (tests/kojihub_tasks.py).

One demo compose made with `make -j2` (module fixture) carries four blocks:
Server's raw image (both arches, seed, scratch, repos), Server's container
(ostree and blueprint options, its type given as a string), Client's
installer ISO (manifest_type) and Everything's failable block whose task fails.
"""

import glob
import lzma
import os
import re

import pytest

from conftest import assert_one_line_error, command, make, read_json
from kojihub_tasks import PROFILE, running_hub
from test_imagebuild import demo_config, init

hub = pytest.fixture(scope="module", name="hub")(running_hub)

BUILT = re.compile(r"/PDL-(Minimal|Container|Installer)")  # image-builder's images (createiso's are PDL-1-...)

CONFIG = """
koji_profile = "%(profile)s"
imagebuilder_target = "pdl-1-image"
imagebuilder_version = "42"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
imagebuilder = {
    "^Server$": [
        {"name": "PDL-Minimal", "types": ["minimal-raw-xz"], "release": None, "seed": 42, "scratch": True,
         "subvariant": "Minimal",
         "repos": ["Everything", "%(top)s/extra/repo", {"baseurl": "https://r.example.com/x"}]},
        {"name": "PDL-Container", "types": "container", "arches": ["x86_64"], "version": "7", "release": "3",
         "ostree": {"url": "https://ostree.example.com/repo", "ref": "pdl/$arch/base"},
         "blueprint": {"customizations": {"hostname": "pdl"}}},
    ],
    "^Client$": [
        {"name": "PDL-Installer", "types": ["minimal-installer"], "manifest_type": "netinst", "arches": ["x86_64"],
         "target": "pdl-1-docker"},
    ],
    "^Everything$": [
        {"name": "PDL-Broken", "types": ["qcow2"], "failable": ["*"]},
    ],
}
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.fail_task("PDL-Broken", "*", "`image-builder` failed: depsolve: nothing provides kernel")
    top = tmp_path_factory.mktemp("imagebuilder")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out"})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def call_of(hub, name):
    (found,) = [(args, kwargs) for args, kwargs in hub.submitted_calls("imageBuilderBuild") if args[3] == name]
    return found


def test_hub_gets_the_arguments_pungi_passes(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    args, kwargs = call_of(hub, "PDL-Minimal")
    assert args == ["pdl-1-image", ["i386", "x86_64"], ["minimal-raw-xz"], "PDL-Minimal", "42"]
    opts = dict(kwargs["opts"])
    assert re.fullmatch(r"\d{8}\.t\.0", opts.pop("release"))  # release None: <date>.t.<respin>
    assert opts == {"seed": 42, "scratch": True,
                    "repos": [base + "/compose/Everything/$arch/os", "https://composes.example.com/pdl/extra/repo",
                              "https://r.example.com/x", base + "/compose/Server/$arch/os"]}
    args, kwargs = call_of(hub, "PDL-Container")
    assert args == ["pdl-1-image", ["x86_64"], ["container"], "PDL-Container", "7"]
    assert kwargs["opts"] == {
        "repos": [base + "/compose/Server/$arch/os"], "release": "3",
        "ostree": {"url": "https://ostree.example.com/repo", "ref": "pdl/$arch/base"},
        "blueprint": {"customizations": {"hostname": "pdl"}}}
    assert call_of(hub, "PDL-Installer")[0][0] == "pdl-1-docker"
    assert len(hub.submitted_calls("imageBuilderBuild")) == 4


def test_images_in_the_compose_typed_by_their_endings(hub, compose):
    found = sorted(os.path.relpath(p, compose) for p in glob.glob(os.path.join(compose, "compose/*/*/*/*"))
                   if BUILT.search(p) and not p.endswith("SUM"))
    release = call_of(hub, "PDL-Minimal")[1]["opts"]["release"]
    assert found == [
        "compose/Client/x86_64/iso/PDL-Installer-42-1.iso",
        "compose/Server/i386/images/PDL-Minimal-42-%s.raw.xz" % release,
        "compose/Server/x86_64/images/PDL-Container-7-3.oci.tar.xz",
        "compose/Server/x86_64/images/PDL-Minimal-42-%s.raw.xz" % release,
    ]  # no osbuild manifests nor SBOMs
    with open(os.path.join(compose, found[1]), "rb") as f:
        assert lzma.decompress(f.read()).startswith(b"PUNJI-TEST-IMAGE PDL-Minimal i386")
    listed = read_json(compose, "compose/metadata/images.json")["payload"]["images"]

    def kinds(variant, arch):
        return {os.path.basename(i["path"]): (i["type"], i["format"], i["subvariant"], i["bootable"])
                for i in listed[variant][arch] if BUILT.search("/" + i["path"].split("/")[-1])}

    assert kinds("Server", "x86_64") == {
        "PDL-Container-7-3.oci.tar.xz": ("container", "tar.xz", "Server", False),
        "PDL-Minimal-42-%s.raw.xz" % release: ("raw-xz", "raw.xz", "Minimal", False),
    }
    assert kinds("Client", "x86_64") == {"PDL-Installer-42-1.iso": ("netinst", "iso", "Client", True)}
    recorded = {e["image"]["path"]: e["sha256"]
                for e in read_json(compose, "work/global/imagebuilder/images.json")["images"]}
    (installer,) = [i for i in listed["Client"]["x86_64"] if i["path"].endswith("PDL-Installer-42-1.iso")]
    assert installer["checksums"]["sha256"] == recorded[installer["path"]]  # imagechecksum saw it


def test_failable_failure_finishes_incomplete(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/imagebuilder.json")
    assert st["failed"] and len(st["errors"]) == 1
    assert "imagebuilder PDL-Broken of Everything (block 1)" in st["errors"][0]
    assert "nothing provides kernel" in st["errors"][0]


def test_a_failable_arch_cannot_save_the_task(hub, tmp_path, demo_repo):
    """The plugin has no optional arches: one failed arch fails the task and the phase."""
    hub.fail_task("PDL-Hard", "i386", "`image-builder` failed: no space left on device")
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nimagebuilder = {"^Server$": [{"name": "PDL-Hard", '
                  '"types": ["qcow2"], "target": "pdl-1-image", "failable": ["i386"]}]}\n' % PROFILE)
    line = assert_one_line_error(command("punji-imagebuilder", topdir), "imagebuilder PDL-Hard of Server (block 1)",
                                 "no space left on device")
    assert re.search(r"koji task \d+ \(imageBuilderBuild\) failed: koji task \d+ \(imageBuilderBuildArch i386\)",
                     line), line
    assert "opts" in call_of(hub, "PDL-Hard")[1] and "optional_arches" not in call_of(hub, "PDL-Hard")[1]["opts"]


def test_two_types_are_one_line(hub, tmp_path, demo_repo):
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nimagebuilder_target = "pdl-1-image"\nimagebuilder = '
                  '{"^Server$": [{"name": "PDL-Two", "types": ["qcow2", "minimal-raw-xz"]}]}\n' % PROFILE)
    assert_one_line_error(command("punji-imagebuilder", topdir), "option 'imagebuilder' (variant Server, block 1)",
                          "'types' names 2 image types")


def test_bad_ostree_option_is_one_line(tmp_path, demo_repo):
    conf = demo_config(tmp_path / "demo", demo_repo,
                       'imagebuilder = {"^Server$": [{"name": "X", "ostree": {"branch": "main"}}]}\n')
    done = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test")
    assert_one_line_error(done, "imagebuilder", "branch")
