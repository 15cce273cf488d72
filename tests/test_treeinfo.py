"""The media description of .discinfo and media.repo (punji_lib.media.treeinfo), worded as
Pungi 4.3.2's metadata.get_description words it."""

import os

import pytest

from punji_lib.errors import PunjiError
from punji_lib.media import treeinfo

CONF = {"release_name": "Fidelity Tree", "release_version": "4.2", "release_discinfo_description": None}
SERVER = {"uid": "Server", "id": "Server", "name": "Server", "type": "variant"}
TOOLS = {"uid": "Server-Tools", "id": "Tools", "name": "Tools", "type": "layered-product", "parent": "Server",
         "release": {"name": "Fidelity Tools", "short": "FTL", "version": "3.1"}}


def test_a_variant_is_described_by_the_release():
    assert treeinfo.discinfo_text(CONF, SERVER, "x86_64", 1700000000.5).splitlines() == [
        "1700000000", "Fidelity Tree 4.2", "x86_64", "ALL"]


def test_a_layered_product_is_for_the_major_version_of_the_release():
    assert treeinfo.description(CONF, TOOLS, "x86_64") == "Fidelity Tools 3.1 for Fidelity Tree 4"
    assert treeinfo.discinfo_text(CONF, TOOLS, "src", 1).splitlines()[1] == "Fidelity Tools 3.1 for Fidelity Tree 4"


def test_a_layered_release_is_for_its_base_product():
    conf = dict(CONF, base_product_name="Fidelity Base", base_product_version="9")
    assert treeinfo.description(conf, SERVER, "x86_64") == "Fidelity Tree 4.2 for Fidelity Base 9"


def test_the_option_wins_and_names_variant_and_arch():
    conf = dict(CONF, base_product_name="Fidelity Base", base_product_version="9",
                release_discinfo_description="%(variant_name)s on %(arch)s")
    assert treeinfo.description(conf, TOOLS, "s390x") == "Tools on s390x"


def test_media_repo_is_named_by_the_description():
    conf = dict(CONF, base_product_name="Fidelity Base", base_product_version="9")
    text = treeinfo.media_repo_text(conf, SERVER, "x86_64", 1700000000)
    assert text.splitlines()[:3] == ["[InstallMedia]", "name=Fidelity Tree 4.2 for Fidelity Base 9",
                                     "mediaid=1700000000"]


LORAX_TREEINFO = """[general]
name = Fidelity-4.2
platforms = x86_64,xen

[stage2]
mainimage = images/install.img

[images-x86_64]
boot.iso = images/boot.iso
kernel = images/pxeboot/vmlinuz
initrd = images/pxeboot/initrd.img
product.img =

[images-xen]
kernel = images/pxeboot/vmlinuz
initrd = images/pxeboot/initrd.img
"""


def lorax_tree(tmp_path):
    for rel in ("images/install.img", "images/boot.iso", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"):
        (tmp_path / "os" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "os" / rel).write_text(rel)
    (tmp_path / "lorax.treeinfo").write_text(LORAX_TREEINFO)
    return str(tmp_path / "os"), str(tmp_path / "lorax.treeinfo")


def test_the_installer_images_are_those_lorax_lists_with_createrepo_checksum(tmp_path):
    import hashlib

    from productmd.treeinfo import TreeInfo

    top, lorax = lorax_tree(tmp_path)
    ti = TreeInfo()
    ti.tree.platforms.add("x86_64")
    treeinfo.installer_images(ti, {"createrepo_checksum": "sha512"}, top, lorax)
    assert ti.stage2.mainimage == "images/install.img"
    assert ti.images.images == {
        "x86_64": {"boot.iso": "images/boot.iso", "kernel": "images/pxeboot/vmlinuz",
                   "initrd": "images/pxeboot/initrd.img"},
        "xen": {"kernel": "images/pxeboot/vmlinuz", "initrd": "images/pxeboot/initrd.img"}}
    assert ti.tree.platforms == {"x86_64", "xen"}
    assert sorted(ti.checksums.checksums) == ["images/boot.iso", "images/install.img", "images/pxeboot/initrd.img",
                                              "images/pxeboot/vmlinuz"]
    assert ti.checksums.checksums["images/boot.iso"] == [
        "sha512", hashlib.sha512(b"images/boot.iso").hexdigest()]


def test_no_lorax_treeinfo_lists_no_images(tmp_path):
    from productmd.treeinfo import TreeInfo

    top, _lorax = lorax_tree(tmp_path)
    ti = TreeInfo()
    treeinfo.installer_images(ti, {}, top, str(tmp_path / "none"))
    assert (ti.images.images, ti.stage2.mainimage, ti.checksums.checksums) == ({}, None, {})


def test_an_image_lorax_lists_but_the_tree_lacks_is_one_error(tmp_path):
    top, lorax = lorax_tree(tmp_path)
    os.remove(os.path.join(top, "images/boot.iso"))
    with pytest.raises(PunjiError, match="lists images/boot.iso, which is not in the tree"):
        from productmd.treeinfo import TreeInfo

        treeinfo.installer_images(TreeInfo(), {}, top, lorax)


def test_what_the_tree_files_are_made_from_changes_with_each_input(tmp_path):
    """treeinfo.inputs covers what write() reads, so that createrepo can take over the old
    compose's tree files when it is the same: the options, the variants, the time stamp,
    lorax's .treeinfo and each file it lists, product.img."""
    from punji_lib.compose import jsonio, layout

    topdir = str(tmp_path)
    jsonio.write_json(layout.at(topdir, layout.config_slice("createrepo")), CONF)
    lorax_dir = layout.at(topdir, layout.buildinstall_dir("Server", "x86_64"))
    top = layout.at(topdir, layout.tree_dir("Server", "x86_64"))
    os.makedirs(lorax_dir)
    with open(os.path.join(lorax_dir, ".treeinfo"), "w") as f:
        f.write(LORAX_TREEINFO)
    for rel in ("images/install.img", "images/boot.iso", "images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"):
        os.makedirs(os.path.dirname(os.path.join(top, rel)), exist_ok=True)
        with open(os.path.join(top, rel), "w") as f:
            f.write(rel)
    tree = [SERVER, TOOLS]

    def key(**changes):
        return treeinfo.inputs(topdir, SERVER, changes.get("tree", tree), "x86_64", changes.get("timestamp", 17))

    first = key()
    assert key() == first
    assert key(timestamp=18) != first
    assert key(tree=[SERVER, dict(TOOLS, name="Renamed")]) != first
    seen = {first}
    with open(os.path.join(top, "images/install.img.new"), "w") as f:
        f.write("another stage2")
    os.replace(os.path.join(top, "images/install.img.new"), os.path.join(top, "images/install.img"))
    seen.add(key())
    with open(os.path.join(lorax_dir, ".treeinfo"), "a") as f:
        f.write("\n[images-ppc]\nkernel = images/pxeboot/vmlinuz\n")
    seen.add(key())
    jsonio.write_json(layout.at(topdir, layout.config_slice("createrepo")), dict(CONF, createrepo_checksum="sha512"))
    seen.add(key())
    assert len(seen) == 4
