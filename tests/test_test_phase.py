"""punji-test: sanity checks of the compose's images.

ISOs are written by xorriso (bootable ones with an El Torito catalog, an EFI
image and an MBR partition table) and listed in images.json by productmd.
"""

import json
import os
import shutil
import subprocess

import pytest

from conftest import assert_one_line_error, command, make
from test_imagechecksum import init_compose, make_iso, no_images


def report(topdir, name):
    with open(os.path.join(topdir, "work/global/test", name)) as f:
        return json.load(f)


# -- images ---------------------------------------------------------------------------------------


def bootable_iso(path, volid, efi=True, mbr=True):
    """An ISO with an El Torito catalog (BIOS image), optionally an EFI image and an MBR
    partition table (the EFI image appended as partition 2, as lorax's ISOs have it)."""
    src = path + ".d"
    os.makedirs(os.path.join(src, "isolinux"))
    os.makedirs(os.path.join(src, "images"))
    with open(os.path.join(src, "isolinux", "isolinux.bin"), "wb") as f:
        f.write(b"\0" * 2048)
    with open(os.path.join(src, "images", "efiboot.img"), "wb") as f:
        f.write(b"\0" * 65536)
    with open(os.path.join(src, "filler"), "wb") as f:
        f.write(os.urandom(BIG))  # checkisomd5 misreads images under about 1 MB
    argv = ["xorriso", "-as", "mkisofs", "-o", path, "-V", volid, "-b", "isolinux/isolinux.bin",
            "-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table"]
    if efi:
        argv += ["-eltorito-alt-boot", "-e", "images/efiboot.img", "-no-emul-boot"]
    if mbr:
        argv += ["-append_partition", "2", "0xef", os.path.join(src, "images", "efiboot.img")]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(argv + [src], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(src)
    return path


def implant(path):
    done = subprocess.run(["implantisomd5", path], check=True, stdout=subprocess.PIPE, text=True)
    return done.stdout.split("md5 = ")[1].split()[0]


def write_images(topdir, images):
    """images.json (productmd) listing IMAGES: dicts with variant, arch, path and optional
    volume_id, bootable, implant_md5, size, type, image_arch."""
    from productmd.images import Image

    im = no_images(topdir)
    for spec in images:
        full = os.path.join(topdir, "compose", spec["path"])
        img = Image(im)
        img.path, img.mtime = spec["path"], int(os.path.getmtime(full))
        img.size = spec.get("size", os.path.getsize(full))
        img.volume_id = spec.get("volume_id")
        img.type, img.format = spec.get("type", "dvd"), "iso"
        img.arch = spec.get("image_arch", spec["arch"])
        img.disc_number = img.disc_count = 1
        img.bootable = spec.get("bootable", False)
        img.subvariant, img.implant_md5 = spec["variant"], spec.get("implant_md5")
        if spec.get("additional_variants"):
            img.unified, img.additional_variants = True, spec["additional_variants"]
        img.checksums = {"sha256": "0" * 64}
        im.add(spec["variant"], spec["arch"], img)
    im.dump(os.path.join(topdir, "compose/metadata/images.json"))


GOOD = "Server/x86_64/iso/PDL-1-Server-x86_64-dvd1.iso"
BIG = 1500000
SOURCE = "Server/source/iso/PDL-1-Server-source-dvd1.iso"


@pytest.fixture(scope="module")
def isos(tmp_path_factory, demo_repo):
    """A compose (repoclosure off) with a good bootable implanted ISO and a source ISO."""
    base = tmp_path_factory.mktemp("images")
    topdir = init_compose(base, demo_repo, 'repoclosure_strictness = [("^.*$", {"*": "off"})]')
    compose = os.path.join(topdir, "compose")
    good = bootable_iso(os.path.join(compose, GOOD), "PDL-1 Server.x86_64")
    md5 = implant(good)
    # small: checkisomd5 fails it on a fragment sum, the md5 of the whole image is right
    source_md5 = implant(make_iso(os.path.join(compose, SOURCE), "PDL-1 Server.src", {"Packages/a.txt": b"a\n"}))
    os.makedirs(os.path.join(compose, "metadata"), exist_ok=True)
    good_images = [
        {"variant": "Server", "arch": "x86_64", "path": GOOD, "volume_id": "PDL-1 Server.x86_64", "bootable": True,
         "implant_md5": md5},
        {"variant": "Server", "arch": "x86_64", "path": SOURCE, "volume_id": "PDL-1 Server.src", "image_arch": "src",
         "implant_md5": source_md5},
        {"variant": "Server", "arch": "i386", "path": SOURCE, "volume_id": "PDL-1 Server.src", "image_arch": "src",
         "implant_md5": source_md5},
    ]
    return topdir, good_images


def add_image(topdir, good, rel, make, **spec):
    """List GOOD plus the image MAKE(path) writes at REL, described by SPEC; run punji-test."""
    path = os.path.join(topdir, "compose", rel)
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)
    os.makedirs(os.path.dirname(path))
    extra = make(path)
    extra = extra if isinstance(extra, dict) else {}
    write_images(topdir, good + [dict({"variant": "Server", "arch": "x86_64", "path": rel}, **dict(spec, **extra))])
    return command("punji-test", topdir)


def test_good_images_pass(isos):
    topdir, good = isos
    write_images(topdir, good)
    done = command("punji-test", topdir)
    assert done.returncode == 0, done.stderr
    checked = report(topdir, "image-checks.json")["images"]
    assert sorted((i["path"], i["problems"]) for i in checked) == [(SOURCE, []), (GOOD, [])]  # the source ISO once
    with open(os.path.join(topdir, "work/global/state/test.json")) as f:
        state = json.load(f)
    assert state["images"] == 2 and state["failed"] is False
    with open(os.path.join(topdir, "logs/global/test.log")) as f:
        assert "checkisomd5 failed on a fragment sum only" in f.read()


def test_wrong_volume_id(isos):
    topdir, good = isos
    rel = "Client/x86_64/iso/PDL-1-Client-x86_64-dvd1.iso"
    done = add_image(topdir, good, rel, lambda p: make_iso(p, "SOMETHING ELSE", {"a": b"a"}),
                     variant="Client", volume_id="PDL-1 Client.x86_64")
    assert_one_line_error(done, "image check: compose/" + rel, "volume id 'SOMETHING ELSE'", "'PDL-1 Client.x86_64'",
                          "(1 images failed")


def test_truncated_iso(isos):
    topdir, good = isos
    rel = "Client/x86_64/iso/truncated.iso"

    def truncated(path):
        shutil.copy(os.path.join(topdir, "compose", GOOD), path)
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)

    done = add_image(topdir, good, rel, truncated, variant="Client", volume_id="PDL-1 Server.x86_64",
                     implant_md5=good[0]["implant_md5"])
    line = assert_one_line_error(done, "compose/" + rel, "truncated")
    checked = {i["path"]: i["problems"] for i in report(topdir, "image-checks.json")["images"]}
    assert any("checkisomd5 returned exit code 1 (FAIL)" in p for p in checked[rel]), checked[rel]
    assert "Traceback" not in line


def test_not_bootable_but_marked_bootable(isos):
    topdir, good = isos
    rel = "Client/x86_64/iso/plain.iso"
    done = add_image(topdir, good, rel, lambda p: make_iso(p, "PLAIN", {"a": b"a"}), variant="Client",
                     volume_id="PLAIN", bootable=True)
    assert_one_line_error(done, "compose/" + rel, "bootable, but has no El Torito boot catalog")
    problems = report(topdir, "image-checks.json")["images"][0]["problems"]
    assert problems == ["bootable, but has no El Torito boot catalog",
                        "bootable, but has no hybrid MBR (0x55AA signature and a partition)"]


def test_bios_only_image_lacks_efi_and_mbr_on_x86_64(isos):
    topdir, good = isos
    rel = "Client/x86_64/iso/bios.iso"
    add_image(topdir, good, rel, lambda p: bootable_iso(p, "BIOS", efi=False, mbr=False), variant="Client",
              volume_id="BIOS", bootable=True)
    problems = report(topdir, "image-checks.json")["images"][0]["problems"]
    assert problems == ["bootable, but its El Torito catalog has no EFI boot image",
                        "bootable, but has no hybrid MBR (0x55AA signature and a partition)"]


def test_garbage_is_no_iso(isos):
    topdir, good = isos
    rel = "Client/x86_64/iso/garbage.iso"

    def garbage(path):
        with open(path, "wb") as f:
            f.write(os.urandom(200000))

    assert_one_line_error(add_image(topdir, good, rel, garbage, variant="Client"), "compose/" + rel,
                          "not a valid ISO 9660 image")


def pycdlib_facts(path):
    """What iso_facts reads, as pycdlib reads it (it parses the whole image)."""
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.open(path)
    try:
        catalog = iso.eltorito_boot_catalog
        platforms = [catalog.validation_entry.platform_id] + [s.platform_id for s in catalog.sections] if catalog else []
        return {"volume_id": iso.pvd.volume_identifier.decode().rstrip(" \0"),
                "volume_size": iso.pvd.space_size * iso.pvd.logical_block_size(),
                "boot_catalog": catalog is not None, "efi": 0xEF in platforms}
    finally:
        iso.close()


@pytest.mark.parametrize("efi,mbr", [(True, True), (False, False), (True, False), (False, True)])
def test_iso_facts_read_from_the_descriptors_are_pycdlibs(tmp_path, efi, mbr):
    from punji_lib.media.iso_facts import iso_facts

    path = bootable_iso(str(tmp_path / "boot.iso"), "BOOT-%d%d" % (efi, mbr), efi=efi, mbr=mbr)
    facts = iso_facts(path)
    assert facts.pop("mbr") is mbr
    assert facts == pycdlib_facts(path) and facts["boot_catalog"] and facts["efi"] is efi
    plain = make_iso(str(tmp_path / "plain.iso"), "PLAIN", {"a": b"a"})
    assert iso_facts(plain) == dict(pycdlib_facts(plain), mbr=False)


def test_a_broken_boot_catalog_or_descriptor_set_is_no_iso(tmp_path):
    from punji_lib.media.iso_facts import iso_facts

    path = bootable_iso(str(tmp_path / "boot.iso"), "BOOT")
    with open(path, "r+b") as f:
        f.seek(17 * 2048 + 71)
        catalog = int.from_bytes(f.read(4), "little")
        f.seek(catalog * 2048 + 30)
        f.write(b"\0\0")  # the validation entry's key bytes
    assert "validation entry" in iso_facts(path)["error"]
    with open(path, "r+b") as f:
        f.seek(16 * 2048 + 1)
        f.write(b"XXXXX")
    assert "no ISO 9660 volume descriptor at sector 16" in iso_facts(path)["error"]


def test_wrong_implanted_md5_and_size(isos):
    topdir, good = isos
    rel = "Client/x86_64/iso/other.iso"
    done = add_image(topdir, good, rel, lambda p: {"implant_md5": implant(make_iso(p, "OTHER", {"a": os.urandom(BIG)}))[::-1]},
                     variant="Client", volume_id="OTHER", size=12345)
    assert_one_line_error(done, "compose/" + rel, "bytes, images.json says 12345")
    problems = report(topdir, "image-checks.json")["images"][0]["problems"]
    assert len(problems) == 2 and problems[1].startswith("implanted md5 "), problems


def test_an_image_listed_twice_at_one_path_passes_as_either_record(isos):
    # an extra ISO without 'filename' overwrites createiso's image of the same name and
    # images.json lists both, as Pungi 4.3.2's does (tools/fuzz-compose --multiarch --outputs
    # --comps --repos seed 22005): the file is the extra ISO, the tree's record says another size
    topdir, good = isos
    rel = "Client/x86_64/iso/PDL-1-Client-x86_64-dvd1.iso"
    path = make_iso(os.path.join(topdir, "compose", rel), "PDL-1 Client.x86_64", {"a": os.urandom(BIG)})
    size = os.path.getsize(path)
    tree_iso = {"variant": "Client", "arch": "x86_64", "path": rel, "volume_id": "PDL-1 Client.x86_64",
                "size": size - 2048 * 40}
    extra_iso = dict(tree_iso, size=size, additional_variants=["Server"])
    for listed in ([tree_iso, extra_iso], [extra_iso, tree_iso]):
        write_images(topdir, good + listed)
        done = command("punji-test", topdir)
        assert done.returncode == 0, done.stderr
        checked = [i for i in report(topdir, "image-checks.json")["images"] if i["path"] == rel]
        assert [i["problems"] for i in checked] == [[]]
    write_images(topdir, good + [tree_iso, dict(extra_iso, size=size + 2048)])
    assert_one_line_error(command("punji-test", topdir), "compose/" + rel, "bytes, images.json says")


def test_images_without_images_json_fail_as_pungis_test_phase_does(tmp_path, demo_repo):
    # with createiso in skip_phases Pungi 4.3.2 writes no images.json, yet its extra ISOs are
    # images of the compose: its test phase fails reading images.json back (tools/fuzz-compose
    # --outputs --comps --repos seed 23500); punji-createiso --assemble lists them in
    # work/global/images.json
    topdir = init_compose(tmp_path, demo_repo, 'skip_phases = ["createiso"]')
    make_iso(os.path.join(topdir, "compose", GOOD), "PDL-1 Server.x86_64", {"a": b"a"})
    os.makedirs(os.path.join(topdir, "compose", "metadata"), exist_ok=True)
    listed = os.path.join(topdir, "compose/metadata/images.json")
    unlisted = os.path.join(topdir, "work/global/images.json")
    write_images(topdir, [{"variant": "Server", "arch": "x86_64", "path": GOOD, "volume_id": "PDL-1 Server.x86_64"}])
    os.replace(listed, unlisted)
    assert_one_line_error(command("punji-test", topdir), "compose/metadata/images.json: missing", "has 1 images",
                          "skip_phases")
    assert not os.path.exists(os.path.join(topdir, "work/global/state/test.json"))
    write_images(topdir, [])  # none: nothing to read back, as in Pungi
    os.replace(listed, unlisted)
    done = command("punji-test", topdir)
    assert done.returncode == 0, done.stderr


def test_failable_image_is_a_warning_and_marks_the_compose_incomplete(isos):
    topdir, good = isos  # demo.conf: failable_deliverables Client i386 iso
    rel = "Client/i386/iso/PDL-1-Client-i386-dvd1.iso"
    done = add_image(topdir, good, rel, lambda p: make_iso(p, "PLAIN", {"a": b"a"}), variant="Client", arch="i386",
                     volume_id="PDL-1 Client.i386")
    assert done.returncode == 0, done.stderr
    assert "punji-test: warning: compose/%s: volume id 'PLAIN'" % rel in done.stderr
    with open(os.path.join(topdir, "work/global/state/test.json")) as f:
        state = json.load(f)
    assert state["failed"] is True and state["failed_images"] == [rel]


def test_a_boot_iso_over_createiso_max_size_as_pungis_test_phase(tmp_path, demo_repo):
    # Pungi 4.3.2's test phase holds every ISO of images.json to createiso_max_size, boot.iso too
    topdir = init_compose(tmp_path, demo_repo, 'repoclosure_strictness = [("^.*$", {"*": "off"})]\n'
                          'createiso_max_size = [("^Server$", {"*": 1000})]\n'
                          'createiso_max_size_is_strict = [("^Server$", {"x86_64": True})]')
    rel = "Server/x86_64/os/images/boot.iso"
    md5 = implant(bootable_iso(os.path.join(topdir, "compose", rel), "PDL-1 Server.x86_64"))
    os.makedirs(os.path.join(topdir, "compose/metadata"), exist_ok=True)
    boot = {"variant": "Server", "path": rel, "volume_id": "PDL-1 Server.x86_64", "bootable": True,
            "implant_md5": md5, "type": "boot"}
    write_images(topdir, [dict(boot, arch="x86_64")])
    assert_one_line_error(command("punji-test", topdir), "ISO %s is too big. Expected max 1000B" % rel,
                          "createiso_max_size_is_strict")
    write_images(topdir, [dict(boot, arch="i386", image_arch="x86_64")])  # listed under i386: not strict
    done = command("punji-test", topdir)
    assert done.returncode == 0 and "ISO %s is too big" % rel in done.stderr, done.stderr


# -- the demo compose, end to end -------------------------------------------------------------------


def test_demo_compose_up_to_test(new_compose):
    """make runs createrepo, createiso, imagechecksum, repoclosure and test on the demo: every tree
    closes, every ISO passes, every checksum file verifies."""
    import glob

    from productmd.images import Images

    done = make(new_compose, "-j2", "test")
    assert done.returncode == 0, done.stdout[-3000:]
    trees = []
    for path in sorted(glob.glob(os.path.join(new_compose, "work/*/repoclosure/*.json"))):
        with open(path) as f:
            trees.append(json.load(f))
    # Pungi's rules leave Server-optional without the pkg-config its -devel packages need: the
    # x86_64-only HA addon has demo-pkgconf, an optional variant loses addon names on every arch,
    # and Pungi's repoclosure looks aside to the parent's repository alone (Pungi 4.3.2 reports
    # the same 11 packages on each arch)
    broken = {(t["variant"], t["arch"]): len(t["unresolved"]) for t in trees if t["unresolved"]}
    assert len(trees) == 9 and all(t["strictness"] == "lenient" for t in trees), trees
    assert broken == {("Server-optional", "i386"): 11, ("Server-optional", "x86_64"): 11}, trees
    assert all(t["packages"] > 0 for t in trees)
    checked = report(new_compose, "image-checks.json")["images"]
    assert checked and all(not i["problems"] for i in checked), checked
    im = Images()
    im.load(os.path.join(new_compose, "compose/metadata/images.json"))
    isos = {i.path: i for by_arch in im.images.values() for images in by_arch.values() for i in images}
    assert sorted(isos) == sorted(i["path"] for i in checked)
    for rel, image in isos.items():
        iso_dir = os.path.join(new_compose, "compose", os.path.dirname(rel))
        assert set(image.checksums) == {"sha256"}  # common.conf: media_checksums = ["sha256"]
        with open(os.path.join(iso_dir, "SHA256SUM")) as f:
            assert "SHA256 (%s) = %s\n" % (os.path.basename(rel), image.checksums["sha256"]) in f.read()
        done = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUM"], cwd=iso_dir, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        assert done.returncode == 0, done.stdout
    # run again with nothing changed: the results stand, nothing is checked again
    command("punji-test", new_compose, check=True)
    with open(os.path.join(new_compose, "logs/global/test.log")) as f:
        assert f.read().count("its results stand") == 1


def test_an_iso_createiso_checked_as_it_wrote_it_is_not_read_again(new_compose):
    """createiso marks each image whose implanted md5 it computed from the bytes it wrote; the
    test phase does not read that file again, but one changed since (a byte of its content)
    is read, and fails."""
    from punji_lib.media import isomd5
    from punji_lib.phases import test as phase

    done = make(new_compose, "-j2", "createiso")
    assert done.returncode == 0, done.stdout[-3000:]
    with open(os.path.join(new_compose, "compose/metadata/images.json")) as f:
        images = {i["path"]: i for by_arch in json.load(f)["payload"]["images"].values()
                  for listed in by_arch.values() for i in listed}
    assert images and all(i["implant_md5"] for i in images.values())
    for rel, image in images.items():
        path = os.path.join(new_compose, "compose", rel)
        assert isomd5.implanted_md5(path, isomd5.read_implanted(path)) == image["implant_md5"]
        assert isomd5.was_checked(new_compose, rel, image["implant_md5"])
    assert make(new_compose, "test").returncode == 0
    with open(os.path.join(new_compose, "logs/global/test.log")) as f:
        log = f.read()
    assert log.count("checked when it was written, and it is the same file") == len(images)
    assert "checkisomd5 /" not in log
    rel = sorted(images)[0]
    path = os.path.join(new_compose, "compose", rel)
    with open(path, "r+b") as f:  # a byte of the volume, before the sectors the md5 skips
        f.seek(isomd5.read_implanted(path)["isosize"] - 20 * isomd5.SECTOR)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert not isomd5.was_checked(new_compose, rel, images[rel]["implant_md5"])
    image = type("Image", (), images[rel])  # its productmd record's fields
    assert phase.image_problems(new_compose, image)[-1].startswith("checkisomd5 returned exit code")
