"""punji-kiwibuild (kiwibuild) against the local Koji test hub with tasks (tests/kojihub_tasks.py).

One demo compose made with `make -j2` (module fixture) carries four blocks:
Server's cloud image (default type: qcow2; its i386 arch failing but
optional), Server's vagrant boxes (x86_64, a bundle name format), Client's live
ISO (manifest_type) and Everything's failable block whose task fails.
"""

import glob
import os
import re

import pytest

from conftest import assert_one_line_error, command, make, read_json
from kojihub_tasks import PROFILE, running_hub
from test_imagebuild import demo_config, init

hub = pytest.fixture(scope="module", name="hub")(running_hub)

KIWI = re.compile(r"/PDL-(Cloud|Vagrant|Live)")  # the kiwi images (createiso's ISOs are PDL-1-...)

SCM = "git+https://git.example.com/kiwi-descriptions.git#f00dcafe"

CONFIG = """
koji_profile = "%(profile)s"
kiwibuild_target = "pdl-1-image"
kiwibuild_description_scm = "%(scm)s"
kiwibuild_description_path = "PDL.kiwi"
kiwibuild_repo_releasever = "41"
translate_paths = [("%(top)s", "https://composes.example.com/pdl")]
kiwibuild = {
    "^Server$": [
        {"kiwi_profile": "Cloud-Base-Generic", "release": None, "version": "41", "subvariant": "Cloud",
         "repos": ["Everything", "https://repos.example.com/extra/$arch/", {"baseurl": "Client", "name": "client"}],
         "failable": ["i386"], "type_attr": ["vmx"]},
        {"kiwi_profile": "Vagrant", "type": "vagrant", "bundle_name_format": "%%N-%%v-%%I.%%A",
         "arches": ["x86_64", "s390x"], "release": "7"},
    ],
    "^Client$": [
        {"kiwi_profile": "Live", "type": "iso", "manifest_type": "live", "arches": ["x86_64"],
         "description_path": "live/PDL-Live.kiwi"},
    ],
    "^Everything$": [
        {"kiwi_profile": "Broken", "failable": ["*"]},
    ],
}
"""


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo, hub):
    hub.fail_task("PDL-Cloud-Base-Generic", "i386", "Kiwi failed: grub2-install: no i386-pc modules")
    hub.fail_task("PDL-Broken", "*", "Kiwi failed: package kernel not found")
    top = tmp_path_factory.mktemp("kiwibuild")
    topdir = init(top, demo_repo, CONFIG % {"profile": PROFILE, "top": top / "out", "scm": SCM})
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir


def calls(hub, profile):
    return [(args, kwargs) for args, kwargs in hub.submitted_calls("kiwiBuild") if kwargs["profile"] == profile]


def test_hub_gets_the_keywords_pungi_passes(hub, compose):
    base = "https://composes.example.com/pdl/" + os.path.basename(compose)
    ((args, kwargs),) = calls(hub, "Cloud-Base-Generic")
    assert args == ["pdl-1-image", ["i386", "x86_64"], SCM, "PDL.kiwi"]
    kwargs = dict(kwargs)
    assert re.fullmatch(r"\d{8}\.t\.0", kwargs.pop("release"))  # release None: <date>.t.<respin>
    assert kwargs == {
        "profile": "Cloud-Base-Generic", "version": "41", "type": None, "type_attr": ["vmx"],
        "result_bundle_name_format": None, "repo_releasever": "41", "optional_arches": ["i386"],
        "repos": [base + "/compose/Everything/$arch/os", "https://repos.example.com/extra/$arch/",
                  {"baseurl": base + "/compose/Client/$arch/os", "name": "client"},
                  base + "/compose/Server/$arch/os"],
        # the hub's defaults: Pungi does not pass these
        "scratch": False, "priority": None, "make_prep": False, "use_buildroot_repo": True,
    }
    ((args, kwargs),) = calls(hub, "Vagrant")
    assert args[1] == ["x86_64"] and kwargs["type"] == "vagrant" and kwargs["release"] == "7"
    assert kwargs["result_bundle_name_format"] == "%N-%v-%I.%A" and kwargs["optional_arches"] == []
    assert kwargs["version"] == "1"  # release_version
    ((args, kwargs),) = calls(hub, "Live")
    assert args[3] == "live/PDL-Live.kiwi" and kwargs["repos"] == [base + "/compose/Client/$arch/os"]
    assert kwargs["release"] is None
    assert len(hub.submitted_calls("kiwiBuild")) == 4


def test_images_in_the_compose_typed_by_their_endings(hub, compose):
    found = sorted(os.path.relpath(p, compose) for p in glob.glob(os.path.join(compose, "compose/*/*/*/*"))
                   if KIWI.search(p) and not p.endswith("SUM"))
    release = calls(hub, "Cloud-Base-Generic")[0][1]["release"]
    assert found == [
        "compose/Client/x86_64/iso/PDL-Live-Live.x86_64-1-1.iso",
        "compose/Server/x86_64/images/PDL-Cloud-Base-Generic.x86_64-41-%s.qcow2" % release,
        "compose/Server/x86_64/images/PDL-Vagrant-1-7.x86_64.vagrant.libvirt.box",
        "compose/Server/x86_64/images/PDL-Vagrant-1-7.x86_64.vagrant.virtualbox.box",
    ]  # no .packages lists nor kiwi's .sha256 files, no i386 image of the failed optional arch
    with open(os.path.join(compose, found[2]), "rb") as f:
        assert f.read().startswith(b"PUNJI-TEST-IMAGE PDL-Vagrant x86_64")
    listed = read_json(compose, "compose/metadata/images.json")["payload"]["images"]
    server = {os.path.basename(i["path"]): i for i in listed["Server"]["x86_64"] if KIWI.search(i["path"])}
    kinds = {name: (i["type"], i["format"], i["subvariant"], i["bootable"]) for name, i in server.items()}
    assert kinds == {
        os.path.basename(found[1]): ("qcow2", "qcow2", "Cloud", False),
        os.path.basename(found[2]): ("vagrant-libvirt", "vagrant-libvirt.box", "Server", False),
        os.path.basename(found[3]): ("vagrant-virtualbox", "vagrant-virtualbox.box", "Server", False),
    }
    (live,) = [i for i in listed["Client"]["x86_64"] if KIWI.search(i["path"])]
    assert (live["path"], live["type"], live["format"], live["bootable"]) == \
        ("Client/x86_64/iso/PDL-Live-Live.x86_64-1-1.iso", "live", "iso", True)
    recorded = {e["image"]["path"]: e["sha256"] for e in read_json(compose, "work/global/kiwibuild/images.json")["images"]}
    assert live["checksums"]["sha256"] == recorded[live["path"]]  # imagechecksum saw it
    assert os.path.isfile(os.path.join(compose, found[0] + ".SHA256SUM"))
    assert not [i for i in listed["Server"].get("i386", []) if KIWI.search(i["path"])]


def test_failable_failures_finish_incomplete(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(compose, "work/global/state/kiwibuild.json")
    assert st["failed"] and len(st["errors"]) == 2
    assert any(re.search(r"createKiwiImage i386.*no i386-pc modules", e) for e in st["errors"])
    assert any("kiwibuild Broken of Everything (block 1)" in e and "kernel not found" in e for e in st["errors"])


def test_waits_for_createiso_of_the_trees(compose):
    with open(os.path.join(compose, "Makefile")) as f:
        (rule,) = [line for line in f if line.startswith("work/global/state/kiwibuild.json:")]
    assert "CREATEISO_STATES" in rule and "BUILDINSTALL_STATES" in rule


def test_not_failable_is_one_line(hub, tmp_path, demo_repo):
    hub.fail_task("PDL-Hard", "*", "Kiwi failed: disk full")
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nkiwibuild = {"^Server$": [{"kiwi_profile": "Hard", '
                  '"target": "pdl-1-image", "description_scm": "%s", "description_path": "PDL.kiwi", '
                  '"arches": ["x86_64"]}]}\n' % (PROFILE, SCM))
    line = assert_one_line_error(command("punji-kiwibuild", topdir), "kiwibuild Hard of Server (block 1)", "disk full")
    assert re.search(r"koji task \d+ \(kiwiBuild\) failed: koji task \d+ \(createKiwiImage x86_64\)", line), line


def test_missing_description_is_one_line(hub, tmp_path, demo_repo):
    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nkiwibuild_target = "pdl-1-image"\n'
                  'kiwibuild = {"^Server$": [{"kiwi_profile": "NoDesc", "description_path": "PDL.kiwi"}]}\n' % PROFILE)
    assert_one_line_error(command("punji-kiwibuild", topdir), "option 'kiwibuild' (variant Server, block 1)",
                          "no description_scm", "kiwibuild_description_scm")


def test_bad_option_value_is_one_line(tmp_path, demo_repo):
    conf = demo_config(tmp_path / "demo", demo_repo,
                       'kiwibuild = {"^Server$": [{"kiwi_profile": "X", "type_attr": "vmx"}]}\n')
    done = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test")
    assert_one_line_error(done, "kiwibuild", "type_attr")


def test_version_of_a_labelled_compose_has_its_milestone(hub, tmp_path, demo_repo):
    conf = demo_config(tmp_path / "demo", demo_repo,
                       'koji_profile = "%s"\nkiwibuild = {"^Server$": [{"kiwi_profile": "Beta", '
                       '"target": "pdl-1-image", "description_scm": "%s", "description_path": "PDL.kiwi", '
                       '"arches": ["x86_64"]}]}\n' % (PROFILE, SCM))
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--label", "Beta-1.1", "--production",
                     check=True).stdout.strip()
    done = command("punji-kiwibuild", topdir)
    assert done.returncode == 0, done.stderr
    ((_args, kwargs),) = calls(hub, "Beta")
    assert kwargs["version"] == "1_Beta"  # Pungi's image_version: release_version _ milestone
    assert glob.glob(os.path.join(topdir, "compose/Server/x86_64/images/PDL-Beta.x86_64-1_Beta-1.qcow2"))
