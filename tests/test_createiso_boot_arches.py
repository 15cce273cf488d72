"""Bootable images of the arches that boot neither from isolinux nor from EFI, as Pungi 4.3.2's
genisoimage arguments make them: s390x from images/cdboot.img (an El Torito entry, no emulation),
ppc64le with a CHRP boot header (iso_hfs_ppc64le_compatible off: no file of the tree needed) or
as an ISO 9660/HFS hybrid, which needs lorax's ppc mapping. Checked against Pungi on the
fidelity product ppc-boot (its DVDs and its extra ISO bootable in both tools)."""

import os

from conftest import command, server_variants
from punji_lib.media import iso
from punji_lib.media.iso_facts import SECTOR, iso_facts

CONF = """release_name = "Boot"
release_short = "BOOT"
release_version = "1"
variants_file = "variants.xml"
pkgset_source = "repos"
pkgset_repos = {"s390x": ["%(repo)s"], "ppc64le": ["%(repo)s"]}
sigkeys = [None]
gather_method = "deps"
additional_packages = [("^Server$", {"*": ["demo-tzdata"]})]
createiso_skip = [("^.*$", {"src": True})]
buildinstall_method = "lorax"
skip_phases = ["buildinstall"]
extra_files = [("^Server$", {"s390x": [{"scm": "file", "file": "cdboot.img", "target": "images"}]})]
"""

VARIANTS = server_variants("s390x", "ppc64le")


def compose(tmp_path, repo, options=""):
    (tmp_path / "variants.xml").write_text(VARIANTS)
    (tmp_path / "cdboot.img").write_bytes(b"\0" * 4 * SECTOR)
    conf = tmp_path / "boot.conf"
    conf.write_text(CONF % {"repo": repo} + options)
    return command("punji-compose", conf, "--target-dir", tmp_path / "composes", "--nightly")


def image(topdir, arch):
    import json

    with open(os.path.join(topdir, "compose", "metadata", "images.json")) as f:
        (record,) = json.load(f)["payload"]["images"]["Server"][arch]
    return record, os.path.join(topdir, "compose", record["path"])


def test_s390x_boots_from_cdboot_img_and_ppc64le_from_a_chrp_header(tmp_path, small_repo):
    done = compose(tmp_path, small_repo, "iso_hfs_ppc64le_compatible = False\n")
    assert done.returncode == 0, done.stderr
    topdir = done.stdout.strip()
    record, path = image(topdir, "s390x")
    assert record["bootable"] is True
    facts = iso_facts(path)
    assert facts["boot_catalog"] and not facts["efi"] and not facts["mbr"]
    record, path = image(topdir, "ppc64le")
    assert record["bootable"] is True
    with open(path, "rb") as f:
        mbr = f.read(512)
        f.seek(16 * SECTOR)
        pvd = f.read(SECTOR)
    assert mbr[446 + 4] == 0x96  # the partition of a CHRP boot header
    assert pvd[8:40].decode().strip() == "PPC"  # -sysid
    assert not iso_facts(path)["boot_catalog"]


def test_an_s390x_tree_to_be_bootable_without_cdboot_img_fails_as_in_pungi(tmp_path, small_repo):
    done = compose(tmp_path, small_repo, "extra_files = []\niso_hfs_ppc64le_compatible = False\n")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "the ISO of Server.s390x is to be bootable" in done.stderr and "images/cdboot.img" in done.stderr


def test_the_hfs_hybrid_needs_loraxs_mapping_and_ppc_mac(monkeypatch):
    monkeypatch.setattr(iso, "LORAX_PPC_MAPPINGS", ("/nonexistent/mapping",))
    try:
        iso.require_boot_files("the ISO of Server.ppc64le", "lorax", "ppc64le", {"Packages/a.rpm": "x"}, "hfs")
    except iso.PunjiError as exc:
        assert "iso_hfs_ppc64le_compatible = False" in exc.message and "Server.ppc64le" in exc.message
    else:
        raise AssertionError("no error without lorax's mapping")
    assert iso.chrp_mode({}, "ppc64le") == "hfs" and iso.chrp_mode({"iso_hfs_ppc64le_compatible": False},
                                                                   "ppc64le") == "plain"
    assert iso.chrp_mode({"iso_hfs_ppc64le_compatible": False}, "ppc64") == "hfs"
    assert iso.chrp_mode({}, "s390x") is None
    cmd = iso.mkisofs_command("genisoimage", "out.iso", "list", "V", iso.boot_options({}, "ppc64le", "plain"))
    assert cmd[-7:-3] == ["-l", "-sysid", "PPC", "-chrp-boot"]
