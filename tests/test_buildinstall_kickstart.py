"""buildinstall_kickstart on the demo product, lorax being the stand-in of test_buildinstall.py:
ks.cfg in the os tree and on its DVD, every boot configuration naming it (isolinux.cfg and
grub.cfg in the tree, grub.cfg inside images/efiboot.img, as Pungi 4.3.2's tweak_buildinstall
writes them), lorax's own output left as it made it."""

import io
import os
import subprocess

import pytest

from conftest import make, read_json
from test_buildinstall import STAND_IN, make_compose, os_tree

KICKSTART = "text\nurl --url=https://example.com/pdl\n"
OPTIONS = """
buildinstall_method = "lorax"
buildinstall_kickstart = {"scm": "file", "file": "pdl-ks.cfg"}
buildinstall_skip = [("^(?!Server$).*$", {"*": True}), ("^Server$", {"i386": True})]
"""
KS = r" inst.ks=hd:LABEL=PDL-1\x20Server.x86_64:/ks.cfg"


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo):
    top = tmp_path_factory.mktemp("kickstart")
    topdir = make_compose(top, demo_repo, OPTIONS)
    (top / "demo" / "pdl-ks.cfg").write_text(KICKSTART)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", STAND_IN + os.pathsep + os.environ["PATH"])
        done = make(topdir, "-j4")
    assert done.returncode == 0, done.stdout
    return topdir


def efi_image_file(image, rel):
    return subprocess.run(["mtype", "-i", image, "::" + rel], stdout=subprocess.PIPE, text=True, check=True,
                          env=dict(os.environ, MTOOLS_SKIP_CHECK="1")).stdout


def test_the_kickstart_is_in_the_tree_and_every_boot_configuration_names_it(compose):
    tree = os_tree(compose, "Server", "x86_64")
    assert open(os.path.join(tree, "ks.cfg")).read() == KICKSTART
    isolinux = open(os.path.join(tree, "isolinux/isolinux.cfg")).read()
    assert r"inst.stage2=hd:LABEL=PDL-1\x20Server.x86_64" + KS + "\n" in isolinux
    grub = open(os.path.join(tree, "EFI/BOOT/grub.cfg")).read()
    assert r"inst.stage2=hd:LABEL=PDL-1\x20Server.x86_64" + KS + " quiet" in grub
    assert "search --no-floppy --set=root -l 'PDL-1 Server.x86_64'" in grub
    assert efi_image_file(os.path.join(tree, "images/efiboot.img"), "EFI/BOOT/grub.cfg") == grub
    assert "ks.cfg" in read_json(os.path.join(compose, "work/x86_64/buildinstall/Server.json"))["installed"]


def test_loraxs_own_output_is_left_as_it_made_it(compose):
    made = os.path.join(compose, "work/x86_64/buildinstall/Server")
    assert "inst.ks" not in open(os.path.join(made, "isolinux/isolinux.cfg")).read()
    assert "inst.ks" not in efi_image_file(os.path.join(made, "images/efiboot.img"), "EFI/BOOT/grub.cfg")
    assert not os.path.exists(os.path.join(made, "ks.cfg"))


def test_the_dvd_carries_the_kickstart(compose):
    import pycdlib

    (image,) = read_json(os.path.join(compose, "work/x86_64/createiso/Server.json"))["images"]
    assert image["bootable"] is True
    iso = pycdlib.PyCdlib()
    iso.open(os.path.join(compose, "compose", image["path"]))
    try:
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path="/ks.cfg")
    finally:
        iso.close()
    assert out.getvalue().decode() == KICKSTART
