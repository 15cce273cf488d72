"""tools/fidelity-pungi-test-product's Koji form: the fixture and configs it writes."""

import json
import os
import runpy

import pytest

from conftest import ROOT

TOOL = runpy.run_path(os.path.join(ROOT, "tools", "fidelity-pungi-test-product"), run_name="pungi_test_product")

CONF = """release_name = "Tool Test"
sigkeys = [None]
pkgset_source = "repos"
pkgset_repos = {
    "*": [
        "repo",
    ],
}
additional_packages = [
    ('^Server$', {'*': ['tt-app']}),
]
"""


def settings(path):
    found = {}
    exec(path.read_text(), {}, found)
    return found


def test_the_koji_forms_read_the_hubs_tag_instead_of_the_repos(tmp_path):
    (tmp_path / "dummy-pungi.conf").write_text(CONF)
    plain = settings(TOOL["koji_config"](tmp_path, "koji-unsigned", "0123abcd"))
    assert "pkgset_repos" not in plain
    assert plain["pkgset_source"] == "koji" and plain["pkgset_koji_tag"] == TOOL["KOJI_TAG"]
    assert plain["koji_profile"] == TOOL["KOJI_PROFILE"] and plain["sigkeys"] == [None]
    assert plain["additional_packages"] == [("^Server$", {"*": ["tt-app"]})]
    assert "gather_lookaside_repos" not in plain
    signed = settings(TOOL["koji_config"](tmp_path, "koji-signed", "0123abcd"))
    assert signed["sigkeys"] == ["0123abcd"]
    names = [name for _pattern, by_arch in signed["additional_packages"] for name in by_arch["*"]]
    assert "dummy-AdobeReader_enu" in names and names[-1] == "tt-app"
    assert signed["gather_lookaside_repos"] == [("^.*$", {"*": [str(tmp_path / "repo-krb5-lookaside")]})]


def test_a_config_the_koji_form_cannot_rewrite_is_one_error(tmp_path):
    (tmp_path / "dummy-pungi.conf").write_text(CONF.replace("sigkeys = [None]\n", ""))
    with pytest.raises(TOOL["StepError"], match="0 sigkeys settings"):
        TOOL["koji_config"](tmp_path, "koji-unsigned", "0123abcd")


def test_the_fixture_imports_every_rpm_into_one_tag_and_signs_it(tmp_path):
    product, koji = tmp_path / "product", tmp_path / "koji"
    for rel in ("repo/x86_64/tt-app-1-1.x86_64.rpm", "repo/src/tt-app-1-1.src.rpm", "repo/i486/tt-nosrc-1-1.i486.rpm"):
        (product / rel).parent.mkdir(parents=True, exist_ok=True)
        (product / rel).write_text("")
    TOOL["koji_fixture"](product, koji)
    assert sorted(os.listdir(koji / "rpms")) == ["tt-app-1-1.src.rpm", "tt-app-1-1.x86_64.rpm", "tt-nosrc-1-1.i486.rpm"]
    fixture = json.loads((koji / "koji.json").read_text())
    assert fixture["steps"] == [{"import": "rpms", "tag": TOOL["KOJI_TAG"]}, {"sign": "a", "builds": ["*"]}]
    assert fixture["tags"] == [{"name": TOOL["KOJI_TAG"]}] and fixture["signers"] == ["a"]


def test_the_mount_stand_in_copies_a_fat_images_files_out_and_back(tmp_path):
    """tools/fidelity-koji-tasks's `mount -o loop` / `umount` stand-ins (Pungi's tweak_buildinstall
    edits efiboot.img's boot config in the mounted image; this machine mounts no vfat)."""
    import subprocess

    stand_in = os.path.join(ROOT, "tests", "data", "fidelity", "mount-stand-in")
    image, mounted = str(tmp_path / "efiboot.img"), tmp_path / "mnt"
    (tmp_path / "grub.cfg").write_text("old\n")
    subprocess.run(["mformat", "-C", "-i", image, "-T", "400", "-h", "2", "-s", "10", "::"], check=True)
    subprocess.run(["mmd", "-i", image, "::EFI", "::EFI/BOOT"], check=True)
    subprocess.run(["mcopy", "-i", image, str(tmp_path / "grub.cfg"), "::EFI/BOOT/"], check=True)
    mounted.mkdir()
    subprocess.run([os.path.join(stand_in, "mount"), "-o", "loop", image, str(mounted)], check=True)
    assert (mounted / "EFI" / "BOOT" / "grub.cfg").read_text() == "old\n"
    (mounted / "EFI" / "BOOT" / "grub.cfg").write_text("new\n")
    subprocess.run([os.path.join(stand_in, "umount"), str(mounted)], check=True)
    assert os.listdir(mounted) == []
    out = subprocess.run(["mtype", "-i", image, "::EFI/BOOT/grub.cfg"], check=True, capture_output=True, text=True)
    assert out.stdout == "new\n"
