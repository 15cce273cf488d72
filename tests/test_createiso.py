"""punji-createiso on the demo product: real ISOs checked with checkisomd5, pycdlib and dnf.

One demo compose is made per module (make up to createiso); the tests that change
an option or a tree work on a copy of it (packages hard-linked) and run the
command there, after editing the copy's config slice work/global/config/createiso.json.
"""

import glob
import hashlib
import json
import os
import resource
import shutil
import subprocess

import pytest

from conftest import BIN, assert_one_line_error, command, copy_compose, demo_config, make, read_json, set_phase_options
from isofiles import checkisomd5, el_torito_platforms, extract, joliet_twins, read_iso
from punji_lib.media import iso
from punji_lib.errors import PunjiError

KiB, MiB = 1024, 1024 * 1024


# -- helpers ---------------------------------------------------------------------------------


def make_compose(top, demo_repo, extra=""):
    """An init'ed demo compose under TOP whose config ends with EXTRA."""
    conf = demo_config(top / "demo", demo_repo, "\n" + extra + "\n")
    return command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()


def made_compose(top, demo_repo, *targets):
    """make_compose() under TOP, then made up to TARGETS (make's arguments)."""
    compose = make_compose(top, demo_repo)
    done = make(compose, *targets)
    assert done.returncode == 0, done.stdout
    return compose


def set_options(compose, **options):
    set_phase_options(compose, "createiso", **options)



def createiso(compose, variant, arch, **kwargs):
    return command("punji-createiso", "--variant", variant, "--arch", arch, compose, **kwargs)


def record(compose, uid, arch):
    return read_json(os.path.join(compose, "work/%s/createiso/%s.json" % (arch, uid)))


def image_paths(compose, uid, arch):
    return [os.path.join(compose, "compose", i["path"]) for i in record(compose, uid, arch)["images"]]


def iso_dir(compose, uid, arch):
    return os.path.join(compose, "compose", uid, "source" if arch == "src" else arch, "iso")


def tree_dir(compose, uid, arch):
    return os.path.join(compose, "compose", uid, "source/tree" if arch == "src" else arch + "/os")


def tree_files(top):
    return {os.path.relpath(os.path.join(root, n), top) for root, _d, names in os.walk(top) for n in names}


def md5sumonly(path):
    out = subprocess.run(["checkisomd5", "--md5sumonly", path], stdout=subprocess.PIPE, text=True, check=True).stdout
    return out.splitlines()[0].rsplit(":", 1)[1].strip()


def dnf_query(repo, root, *args):
    """What dnf says about directory REPO as its only repository (installroot ROOT)."""
    done = subprocess.run(["dnf", "-q", "--installroot", str(root), "--setopt=reposdir=/dev/null",
                           "--releasever=1", "--forcearch=x86_64", "--repofrompath=disc,file://%s" % repo,
                           "--repo=disc"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def ini_section(text, name):
    import configparser

    parser = configparser.ConfigParser()
    parser.read_string(text)
    return dict(parser[name])


# -- the demo compose -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo):
    """The demo compose made up to createiso (every tree, then images.json) with make -j2."""
    return made_compose(tmp_path_factory.mktemp("createiso"), demo_repo, "-j2", "work/global/state/createiso.json")


def test_the_demo_trees_get_the_images_pungi_makes(demo, tmp_path):
    cid = open(os.path.join(demo, "COMPOSE_ID")).read().strip()
    for uid in ("Server", "Client"):
        for arch, label in (("x86_64", "x86_64"), ("i386", "i386"), ("src", "source")):
            names = [os.path.basename(p) for p in image_paths(demo, uid, arch)]
            assert names == ["%s-%s-%s-dvd1.iso" % (cid, uid, label)]
            assert sorted(os.listdir(iso_dir(demo, uid, arch))) == [names[0], names[0] + ".manifest"]
    skipped = {("Everything", a): "createiso_skip" for a in ("x86_64", "i386", "src")}
    skipped.update({("Server-HA", "x86_64"): "addon", ("Server-HA", "src"): "addon",
                    ("Server-optional", "x86_64"): "optional", ("Server-optional", "src"): "optional"})
    targets = {(t["variant"], t["arch"]) for t in read_json(os.path.join(demo, "work/global/targets.json"))["targets"]
               if t["phase"] == "createiso"}
    optional = {("Server-optional", "x86_64"), ("Server-optional", "src")}
    # no process for a tree without ISOs
    assert not (set(skipped) - optional) & targets and ("Server", "src") in targets
    assert optional <= targets  # but an optional variant's: Pungi makes its volume id
    compose = copy_compose(demo, tmp_path / "c")
    for (uid, arch), reason in skipped.items():
        assert not os.path.exists(iso_dir(demo, uid, arch))
        assert createiso(compose, uid, arch).returncode == 0  # by hand: it records why there is none
        assert record(compose, uid, arch)["images"] == []
        assert reason in read_json(os.path.join(compose, "work/%s/state/createiso-%s.json" % (arch, uid)))["skipped"]


def test_every_image_holds_its_tree_and_passes_checkisomd5(demo):
    for uid in ("Server", "Client"):
        for arch in ("x86_64", "i386", "src"):
            path, = image_paths(demo, uid, arch)
            rec, = record(demo, uid, arch)["images"]
            assert os.path.getsize(path) > 512 * KiB  # checkisomd5 fails images smaller than that
            done = checkisomd5(path)
            assert done.returncode == 0 and "PASS" in done.stdout, done.stdout
            volid, files, dirs = read_iso(path)
            assert volid == "PDL-1 %s.%s" % (uid, arch) == rec["volume_id"]
            tree = tree_files(tree_dir(demo, uid, arch))
            assert any(f.startswith("Packages/") for f in tree) and "repodata/repomd.xml" in tree
            assert files == {"/" + f for f in tree}
            with open(path + ".manifest") as f:
                assert f.read().splitlines() == sorted(files | dirs)
            assert rec["implant_md5"] == md5sumonly(path)
            assert (rec["size"], rec["mtime"]) == (os.path.getsize(path), int(os.path.getmtime(path)))
            assert (rec["arch"], rec["type"], rec["format"], rec["subvariant"]) == (arch, "dvd", "iso", uid)
            assert (rec["disc_number"], rec["disc_count"], rec["bootable"]) == (1, 1, False)


def test_the_treeinfo_and_discinfo_on_an_image_name_the_disc(demo, tmp_path):
    path, = image_paths(demo, "Server", "x86_64")
    out = extract(path, tmp_path / "disc")
    with open(os.path.join(out, ".treeinfo")) as f:
        assert ini_section(f.read(), "media") == {"discnum": "1", "totaldiscs": "1"}
    with open(os.path.join(out, ".discinfo")) as f:
        assert f.read().splitlines()[2:] == ["x86_64", "1"]
    with open(os.path.join(tree_dir(demo, "Server", "x86_64"), ".discinfo")) as f:
        assert f.read().splitlines()[3] == "ALL"  # the tree's own is left alone


def test_images_json_lists_every_image_a_source_image_under_each_arch(demo):
    from productmd.images import Images

    data = read_json(os.path.join(demo, "compose/metadata/images.json"))
    assert data["header"]["type"] == "productmd.images"
    assert data["payload"]["compose"]["id"] == open(os.path.join(demo, "COMPOSE_ID")).read().strip()
    listed = {(uid, arch, i["path"]) for uid, by_arch in data["payload"]["images"].items()
              for arch, images in by_arch.items() for i in images}
    expected = set()
    for uid in ("Server", "Client"):
        for arch in ("x86_64", "i386"):
            expected.add((uid, arch, "%s/%s/iso/%s" % (uid, arch, os.path.basename(image_paths(demo, uid, arch)[0]))))
            expected.add((uid, arch, "%s/source/iso/%s" % (uid, os.path.basename(image_paths(demo, uid, "src")[0]))))
    assert listed == expected
    # each image's checksums (media_checksums) were taken when it was written: productmd reads it as it is
    for uid, by_arch in data["payload"]["images"].items():
        for images in by_arch.values():
            for image in images:
                with open(os.path.join(demo, "compose", image["path"]), "rb") as f:
                    content = f.read()
                assert image["checksums"] == {"sha256": hashlib.sha256(content).hexdigest()}  # demo: media_checksums sha256
    loaded = Images()
    loaded.deserialize(data)
    server_i386 = {p for u, a, p in expected if (u, a) == ("Server", "i386")}
    assert {i.path for i in loaded.images["Server"]["i386"]} == server_i386


# -- splitting -------------------------------------------------------------------------------


def test_a_package_bigger_than_a_disc_fails_the_compose_even_where_the_iso_is_failable(demo, tmp_path):
    """Pungi 4.3.2 splits a tree in createiso's own run, where failable_deliverables does not
    apply: its media splitter refuses a file of more bytes than a disc holds ("File is larger
    than media size"), and the compose fails, though the demo lets Client.i386's ISO fail."""
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, iso_size="300k", split_iso_reserve=1)
    assert_one_line_error(createiso(compose, "Client", "i386"), "Client.i386: package ",
                          "is larger than a disc", "iso_size")
    assert not read_json(os.path.join(compose, "work/i386/state/createiso-Client.json")).get("failed")
    assert open(os.path.join(compose, "STATUS")).read().strip() == "DOOMED"
    # the iso directory Pungi made before the split stays, empty
    assert os.listdir(iso_dir(compose, "Client", "i386")) == []


def test_a_failed_failable_iso_leaves_its_iso_directory_empty_as_pungi(demo, tmp_path):
    """Pungi 4.3.2 makes a tree's iso directory before it runs genisoimage and, when a
    failable image fails, removes only the image: the directory stays (composeinfo lists it).
    Here genisoimage fails on two extra files whose Joliet names are alike (found by
    tools/fidelity layered-options)."""
    compose = copy_compose(demo, tmp_path / "c")
    joliet_twins(os.path.join(tree_dir(compose, "Client", "i386"), "notes"))
    done = createiso(compose, "Client", "i386")  # the demo config lets Client.i386's ISO fail
    assert done.returncode == 0, done.stderr
    assert "same Joliet name" in done.stderr and "failable_deliverables" in done.stderr
    assert read_json(os.path.join(compose, "work/i386/state/createiso-Client.json"))["failed"] is True
    assert os.listdir(iso_dir(compose, "Client", "i386")) == []


def test_a_failable_tree_to_be_bootable_without_boot_files_keeps_its_iso_directory_as_pungi(demo, tmp_path):
    """buildinstall_method set while the buildinstall phase is skipped: Pungi makes the iso
    directory, then its writer fails on the missing boot files; the failable image's directory
    stays, empty (tools/fuzz-compose --multiarch --repos --outputs --realconf seed 52007)."""
    compose = copy_compose(demo, tmp_path / "c")
    path = os.path.join(compose, "work/global/config/buildinstall.json")
    boot = dict(read_json(path), buildinstall_method="lorax")
    with open(path, "w") as f:
        json.dump(boot, f)
    shutil.rmtree(iso_dir(compose, "Client", "i386"))
    done = createiso(compose, "Client", "i386")  # the demo config lets Client.i386's ISO fail
    assert done.returncode == 0, done.stderr
    assert "to be bootable" in done.stderr and "failable_deliverables" in done.stderr
    assert os.listdir(iso_dir(compose, "Client", "i386")) == []


def test_a_tree_to_be_bootable_without_boot_files_fails_on_a_koji_runroot_first_as_pungi(demo, tmp_path):
    """runroot_tag alone makes createiso's runroot a Koji task (Pungi 4.3.2): without koji_profile
    Pungi's Koji wrapper refuses before the writer could fail on the missing boot files
    (tools/fuzz-compose --outputs --realconf seed 50051)."""
    compose = copy_compose(demo, tmp_path / "c")
    set_phase_options(compose, "buildinstall", buildinstall_method="lorax")
    set_phase_options(compose, "runroot", runroot_tag="f40-build")
    assert_one_line_error(createiso(compose, "Server", "x86_64"), "option 'koji_profile'", "needed to talk to Koji")
    assert os.listdir(iso_dir(compose, "Server", "x86_64")) == []


def test_a_volume_id_that_fits_no_format_fails_the_compose_even_where_the_iso_is_failable(demo, tmp_path):
    """Pungi 4.3.2 makes the volume ids in createiso's own run, where failable_deliverables
    does not apply: the demo lets Client.i386's ISO fail, yet a volume id too long there
    stops the compose (Pungi: "Could not create volume ID longer than 32 bytes")."""
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, image_volid_formats=["{release_short}-{version} {variant}.{arch}"],
                volume_id_substitutions={"Client.i386": "Client.i386-with-a-long-tail-xxxx"})
    assert_one_line_error(createiso(compose, "Client", "i386"), "image_volid_formats", "Client.i386-with-a-long-tail")
    assert not read_json(os.path.join(compose, "work/i386/state/createiso-Client.json")).get("failed")
    with open(os.path.join(compose, "work/i386/state/createiso-Client.json.error")) as f:
        assert "image_volid_formats" in f.read()
    assert open(os.path.join(compose, "STATUS")).read().strip() == "DOOMED"
    assert createiso(compose, "Client", "x86_64").returncode == 0


# -- boot ------------------------------------------------------------------------------------


def syslinux_file(name):
    """The installed isolinux.bin or ldlinux.c32 (Debian: isolinux, syslinux-common; Fedora: syslinux)."""
    places = {"isolinux.bin": ["/usr/lib/ISOLINUX", "/usr/share/syslinux"],
              "ldlinux.c32": ["/usr/lib/syslinux/modules/bios", "/usr/share/syslinux"]}
    found = [os.path.join(d, name) for d in places[name] if os.path.isfile(os.path.join(d, name))]
    assert found, "%s is not installed: run tools/install-system-deps" % name
    return found[0]


def add_boot_files(tree, efi=True):
    """isolinux/ and images/efiboot.img (a 200 KiB FAT image made with mtools) in TREE, as
    buildinstall leaves them."""
    os.makedirs(os.path.join(tree, "isolinux"))
    shutil.copy(syslinux_file("isolinux.bin"), os.path.join(tree, "isolinux"))
    shutil.copy(syslinux_file("ldlinux.c32"), os.path.join(tree, "isolinux"))
    if efi:
        os.makedirs(os.path.join(tree, "images"))
        os.makedirs(os.path.join(tree, "EFI/BOOT"))
        loader = os.path.join(tree, "EFI/BOOT/BOOTX64.EFI")
        with open(loader, "wb") as f:
            f.write(b"MZ demo EFI loader")
        img = os.path.join(tree, "images/efiboot.img")
        subprocess.run(["mformat", "-C", "-i", img, "-T", "400", "-h", "2", "-s", "10", "::"], check=True)
        subprocess.run(["mmd", "-i", img, "::EFI", "::EFI/BOOT"], check=True)
        subprocess.run(["mcopy", "-i", img, loader, "::EFI/BOOT/"], check=True)


@pytest.mark.parametrize("xorriso", [False, True])
def test_a_tree_with_boot_files_gives_a_bootable_hybrid_image(demo, tmp_path, xorriso):
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, createiso_use_xorrisofs=xorriso)
    add_boot_files(tree_dir(compose, "Server", "x86_64"))
    add_boot_files(tree_dir(compose, "Server", "i386"), efi=False)
    for arch, platforms in (("x86_64", [0, 0xef]), ("i386", [0])):
        done = createiso(compose, "Server", arch)
        assert done.returncode == 0, done.stderr
        path, = image_paths(compose, "Server", arch)
        assert record(compose, "Server", arch)["images"][0]["bootable"] is True
        assert el_torito_platforms(path) == platforms
        _volid, files, _dirs = read_iso(path)
        assert {"/isolinux/isolinux.bin", "/isolinux/ldlinux.c32", "/isolinux/boot.cat"} <= files
        with open(path, "rb") as f:
            head = f.read(1024)
        assert head[510:512] == b"\x55\xaa" and head[446] == 0x80  # hybrid MBR: an active partition
        efi_partition = 0xef in [head[446 + 16 * n + 4] for n in range(4)]
        assert efi_partition == (head[512:520] == b"EFI PART") == (arch == "x86_64")  # and the EFI image
        assert checkisomd5(path).returncode == 0
        with open(os.path.join(compose, "logs/%s/createiso-Server.log" % arch)) as f:
            assert ("running xorriso" in f.read()) == xorriso
    with open(syslinux_file("isolinux.bin"), "rb") as a, \
            open(os.path.join(tree_dir(compose, "Server", "x86_64"), "isolinux/isolinux.bin"), "rb") as b:
        assert a.read() == b.read()  # the boot info table went into the image, not into the tree


def test_a_bootable_tree_is_never_split_as_pungi_does_one_disc_with_a_warning(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    add_boot_files(tree_dir(compose, "Server", "x86_64"))
    set_options(compose, iso_size="1400k", split_iso_reserve="136k")
    done = createiso(compose, "Server", "x86_64")
    assert done.returncode == 0, done.stderr
    assert "ISO for Server.x86_64 does not fit on single media! It is " in done.stderr
    images = record(compose, "Server", "x86_64")["images"]
    assert [(i["disc_count"], i["bootable"]) for i in images] == [(1, True)]
    _volid, files, _dirs = read_iso(image_paths(compose, "Server", "x86_64")[0])
    tree = {f for f in tree_files(tree_dir(compose, "Server", "x86_64")) if f.endswith(".rpm")}
    assert {"/images/efiboot.img"} | {"/" + f for f in tree} <= files


# -- names -----------------------------------------------------------------------------------


def test_volume_ids_and_names_follow_the_options(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose,
                image_name_format={"^Server$": "{release_short}-{variant}-{disc_type}-{arch}-{version}{suffix}"},
                disc_types={"dvd": "DVD"}, restricted_volid=True,
                image_volid_formats=["%(release_short)s-%(version)s %(variant)s.%(arch)s far too long for a volume id",
                                     "{release_short}-{version} {variant}.{arch} Demo Edition"],
                volume_id_substitutions={"Demo Edition": "DE", "Demo": "X"})
    assert createiso(compose, "Server", "x86_64").returncode == 0
    path, = image_paths(compose, "Server", "x86_64")
    assert os.path.basename(path) == "PDL-Server-DVD-x86_64-1.iso"
    assert read_iso(path)[0] == "PDL-1-Server-x86_64-DE"
    set_options(compose,
                image_volid_formats=["{release_short}-{version} {variant}.{arch} far too long for a volume id"])
    line = assert_one_line_error(createiso(compose, "Client", "x86_64"), "image_volid_formats", "32")
    assert "Client.x86_64 far too long" in line


def test_sizes_names_and_volume_ids_as_pungi_reads_them():
    assert iso.parse_size("4482M", "iso_size") == 4482 * MiB
    assert iso.parse_size(" 10 k", "iso_size") == 10 * KiB
    assert iso.parse_size("7G", "iso_size") == 7 * 1024 * MiB
    assert iso.parse_size("123b", "iso_size") == iso.parse_size(123, "iso_size") == 123
    with pytest.raises(PunjiError, match="option 'split_iso_reserve'"):
        iso.parse_size("4.7G", "split_iso_reserve")
    substs = {"release_short": "PDL", "version": "1", "variant": "Server", "arch": "x86_64"}
    # the longest substitution goes first, so "Server" does not break "Server.x86"
    assert iso.volume_id(["{release_short}-{version} {variant}.{arch}"], substs,
                         {"Server": "S", "Server.x86": "SX"}) == "PDL-1 SX_64"
    with pytest.raises(PunjiError, match="unknown key 'nope'"):
        iso.volume_id(["{nope}"], substs)


# -- options and failures --------------------------------------------------------------------


def test_a_tree_without_rpms_gets_an_empty_iso_directory_as_pungi_leaves_one(demo, tmp_path):
    # Pungi 4.3.2 makes a tree's iso directory (and with symlink_isos_to its link) before it finds
    # no RPMs in the tree, and composeinfo then lists it (found by tools/fuzz-compose --outputs)
    compose = copy_compose(demo, tmp_path / "c")
    for path in glob.glob(os.path.join(compose, "compose/Client/i386/os/Packages/**/*.rpm"), recursive=True):
        os.unlink(path)
    done = createiso(compose, "Client", "i386")
    assert done.returncode == 0, done.stderr
    assert "No RPMs found for Client.i386, skipping ISO" in done.stderr
    assert record(compose, "Client", "i386")["images"] == [] and os.listdir(iso_dir(compose, "Client", "i386")) == []
    # punji-extraiso, with no extra images of the tree to take away, leaves it too
    done = command("punji-extraiso", "--variant", "Client", "--arch", "i386", compose)
    assert done.returncode == 0, done.stderr
    assert os.listdir(iso_dir(compose, "Client", "i386")) == []
    set_options(compose, symlink_isos_to=str(tmp_path / "isos"))
    assert createiso(compose, "Client", "i386").returncode == 0
    link = iso_dir(compose, "Client", "i386")
    cid = open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    assert os.readlink(link) == str(tmp_path / "isos" / cid / "compose/Client/i386/iso") and os.listdir(link) == []


def test_createiso_skip_star_does_not_cover_src_and_removes_earlier_images(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, createiso_skip=[["^Server$", {"*": True}]])
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert not os.path.exists(iso_dir(compose, "Server", "x86_64"))
    assert record(compose, "Server", "x86_64")["skipped"] == "createiso_skip"
    assert createiso(compose, "Server", "src").returncode == 0
    assert len(image_paths(compose, "Server", "src")) == 1
    set_options(compose, createiso_skip=[["^Server$", {"src": True}]])
    assert createiso(compose, "Server", "src").returncode == 0
    assert record(compose, "Server", "src")["images"] == [] and not os.path.exists(iso_dir(compose, "Server", "src"))


def test_a_full_disk_is_one_error_and_leaves_no_image(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    shutil.rmtree(iso_dir(compose, "Server", "x86_64"))
    os.unlink(os.path.join(compose, "work/x86_64/state/createiso-Server.json"))

    def small_files():  # the file system takes no file over 1 MiB: the image is 1.8 MiB
        resource.setrlimit(resource.RLIMIT_FSIZE, (MiB, MiB))

    done = subprocess.run([os.path.join(BIN, "punji-createiso"), "--variant", "Server", "--arch", "x86_64", compose],
                          preexec_fn=small_files, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert_one_line_error(done, "genisoimage", "no room for the image", "File too large",
                          "logs/x86_64/createiso-Server.log")
    leftovers = [os.path.join(r, n) for r, ds, ns in os.walk(os.path.join(compose, "compose/Server/x86_64"))
                 for n in ns + ds if n.endswith(".iso") or n.startswith(".iso.")]
    assert leftovers == []
    assert not os.path.exists(os.path.join(compose, "work/x86_64/createiso/Server"))
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/createiso-Server.json"))
    assert os.path.exists(os.path.join(compose, "work/x86_64/state/createiso-Server.json.error"))


def test_a_rerun_clears_what_a_killed_run_left(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    aside = os.path.join(compose, "compose/Server/x86_64/.iso.killed")
    os.makedirs(aside)
    open(os.path.join(aside, "half-written.iso"), "w").close()
    os.makedirs(os.path.join(compose, "work/x86_64/createiso/Server/disc1"))
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert not os.path.exists(aside)
    assert not os.path.exists(os.path.join(compose, "work/x86_64/createiso/Server"))
    assert len(image_paths(compose, "Server", "x86_64")) == 1


def test_break_hardlinks_copies_linked_files_aside(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    tree = tree_dir(compose, "Server", "x86_64")
    linked = [f for f in tree_files(tree) if os.stat(os.path.join(tree, f)).st_nlink > 1]
    assert linked
    set_options(compose, createiso_break_hardlinks=True)
    assert createiso(compose, "Server", "x86_64").returncode == 0
    with open(os.path.join(compose, "logs/x86_64/createiso-Server.log")) as f:
        assert "createiso_break_hardlinks: %d files" % len(linked) in f.read()
    path, = image_paths(compose, "Server", "x86_64")
    assert checkisomd5(path).returncode == 0
    assert read_iso(path)[1] == {"/" + f for f in tree_files(tree)}
    assert not os.path.exists(os.path.join(compose, "work/x86_64/createiso/Server"))


def test_a_single_disc_holds_the_empty_directories_of_its_tree_as_pungis_graft_points_do(demo, tmp_path):
    # an addon's parent tree without packages of its own has an empty Packages/ (found by
    # tools/fuzz-compose --outputs, seed 9800); Pungi grafts every directory, but one whose name
    # starts a path sorting after it (an empty doc/ next to docs/) and those holding files
    compose = copy_compose(demo, tmp_path / "c")
    tree = tree_dir(compose, "Server", "x86_64")
    for empty in ("empty", "deep/er/est", "doc"):
        os.makedirs(os.path.join(tree, empty))
    os.makedirs(os.path.join(tree, "docs"))
    with open(os.path.join(tree, "docs", "notes"), "w") as f:
        f.write("notes\n")
    set_options(compose, createiso_break_hardlinks=True)  # which leaves directories alone
    done = createiso(compose, "Server", "x86_64")
    assert done.returncode == 0, done.stderr
    path, = image_paths(compose, "Server", "x86_64")
    _volid, files, dirs = read_iso(path)
    assert {"/empty", "/deep/er/est", "/docs"} <= dirs and "/doc" not in dirs
    assert files == {"/" + f for f in tree_files(tree)}


def test_max_size_warns_or_fails(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, createiso_max_size=[["^Server$", {"*": 1000}]])
    done = createiso(compose, "Server", "x86_64")
    assert done.returncode == 0 and "is too big. Expected max 1000B" in done.stderr
    set_options(compose, createiso_max_size_is_strict=[["^Server$", {"x86_64": True}]])
    assert_one_line_error(createiso(compose, "Server", "x86_64"), "Server/x86_64/iso/", "Expected max 1000B")


def test_no_size_check_with_test_in_skip_phases_as_pungi(demo, tmp_path):
    # Pungi 4.3.2 checks createiso_max_size in its test phase alone (fuzz-compose-koji seed 3700)
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, createiso_max_size=[["^Server$", {"*": 1000}]],
                createiso_max_size_is_strict=[["^Server$", {"*": True}]], skip_phases=["test"])
    done = createiso(compose, "Server", "x86_64")
    assert done.returncode == 0, done.stderr
    assert "too big" not in done.stderr and len(image_paths(compose, "Server", "x86_64")) == 1


def test_a_source_iso_is_held_to_the_limits_of_its_variants_arches_as_pungi(demo, tmp_path):
    # Pungi 4.3.2's test phase checks a source ISO under each arch images.json lists it under,
    # never with a 'src' limit (createiso_skip '*' leaving only the source ISO made)
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, createiso_max_size=[["^Server$", {"src": 10 ** 10, "x86_64": 1000}]],
                createiso_max_size_is_strict=[["^Server$", {"src": False, "x86_64": True}]])
    assert_one_line_error(createiso(compose, "Server", "src"), "Server/source/iso/", "Expected max 1000B")
    set_options(compose, createiso_max_size=[["^Server$", {"src": 1000}]],
                createiso_max_size_is_strict=[["^Server$", {"src": True}]])
    done = createiso(compose, "Server", "src")
    assert done.returncode == 0, done.stderr
    assert "too big" not in done.stderr


def test_failable_deliverables_do_not_excuse_a_strict_size_limit_as_pungi(demo, tmp_path):
    # Pungi 4.3.2 checks sizes in its test phase, outside of what failable_deliverables covers
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, createiso_max_size=[["^Server$", {"*": 1000}]],
                createiso_max_size_is_strict=[["^Server$", {"*": True}]],
                failable_deliverables=[["^Server$", {"*": ["iso"]}]])
    done = createiso(compose, "Server", "x86_64")
    assert_one_line_error(done, "Server/x86_64/iso/", "Expected max 1000B")
    assert "failable" not in done.stderr and open(os.path.join(compose, "STATUS")).read() == "DOOMED\n"


def test_symlink_isos_to_keeps_the_images_elsewhere(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, symlink_isos_to=str(tmp_path / "isos"))
    assert createiso(compose, "Server", "x86_64").returncode == 0
    cid = open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    link = iso_dir(compose, "Server", "x86_64")
    assert os.path.islink(link)
    assert os.readlink(link) == str(tmp_path / "isos" / cid / "compose/Server/x86_64/iso")
    rec, = record(compose, "Server", "x86_64")["images"]
    assert rec["path"].startswith("Server/x86_64/iso/")
    assert checkisomd5(os.path.join(compose, "compose", rec["path"])).returncode == 0
    set_options(compose, symlink_isos_to=None)
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert not os.path.islink(link) and len(image_paths(compose, "Server", "x86_64")) == 1


def test_images_of_one_name_hold_the_last_trees_content_in_pungis_order(demo, tmp_path):
    """Pungi 4.3.2 prepares every image before it writes any, an image's graft points and
    disc files under work/<arch>/iso/<image name>: where two trees' images get one name, each
    holds the content of the tree prepared last (variants by uid: Server's), under its own
    volume id (fuzz-compose-koji --modules --gather --comps --outputs --seed 6534)."""
    from punji_lib.compose import makefile

    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, image_name_format="{release_short}-{arch}-{disc_num}{suffix}")
    for uid in ("Server", "Client"):
        assert createiso(compose, uid, "x86_64").returncode == 0
    (client,), (server,) = image_paths(compose, "Client", "x86_64"), image_paths(compose, "Server", "x86_64")
    assert os.path.basename(client) == os.path.basename(server) == "PDL-x86_64-1.iso"
    server_files = {"/" + f for f in tree_files(tree_dir(compose, "Server", "x86_64"))}
    assert server_files != {"/" + f for f in tree_files(tree_dir(compose, "Client", "x86_64"))}
    assert read_iso(client)[:2] == ("PDL-1 Client.x86_64", server_files)
    assert read_iso(server)[:2] == ("PDL-1 Server.x86_64", server_files)
    out = extract(client, tmp_path / "disc")
    with open(os.path.join(out, ".treeinfo")) as f:
        assert ini_section(f.read(), "general")["variant"] == "Server"
    # make writes Client's images once Server's tree has its own: Server's do not wait
    conf = read_json(os.path.join(compose, "work/global/config.json"))
    conf["image_name_format"] = "{release_short}-{arch}-{disc_num}{suffix}"
    with open(os.path.join(compose, "work/global/config.json"), "w") as f:
        json.dump(conf, f)
    rules = {line.split(":")[0]: line for line in makefile.render(compose)[0].splitlines()
             if "state/createiso-" in line}
    assert "work/x86_64/state/createiso-Server.json" in rules["work/x86_64/state/createiso-Client.json"].split()
    assert "work/src/state/createiso-Server.json" in rules["work/src/state/createiso-Client.json"].split()
    assert "state/createiso-Client" not in rules["work/x86_64/state/createiso-Server.json"]
    assert "createiso-Server" not in makefile.render(demo)[0].split("createiso-Client.json:")[1].splitlines()[0]


def test_createiso_needs_the_trees_repodata(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    os.unlink(os.path.join(compose, "work/x86_64/state/createrepo-Client.json"))
    assert_one_line_error(createiso(compose, "Client", "x86_64"), "punji-createrepo --variant Client --arch x86_64")
    assert_one_line_error(createiso(compose, "Nope", "x86_64"), "variant Nope")


def test_optional_variants_get_images_with_create_optional_isos_and_iso_level_reaches_the_writer(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, create_optional_isos=True, iso_level=[["^Server-optional$", {"x86_64": 3}]])
    assert createiso(compose, "Server-optional", "x86_64").returncode == 0
    path, = image_paths(compose, "Server-optional", "x86_64")
    assert os.path.basename(path).endswith("-Server-optional-x86_64-dvd1.iso")
    assert record(compose, "Server-optional", "x86_64")["images"][0]["implant_md5"] == md5sumonly(path)
    assert read_iso(path)[1] == {"/" + f for f in tree_files(tree_dir(compose, "Server-optional", "x86_64"))}
    with open(os.path.join(compose, "logs/x86_64/createiso-Server-optional.log")) as f:
        assert " -iso-level 3 " in f.read()


def test_a_layered_product_is_named_after_its_parent_with_its_own_release_in_the_volume_id():
    """Pungi 4.3.2 names a layered product's images with its own compose id (SAP-3-PDL-1-...)."""
    from punji_lib.config.lookup import createiso_skip_reason
    from punji_lib.media import naming

    conf = {"release_short": "PDL", "release_version": "1.2",
            "image_volid_formats": ["{release_short}-{version} {arch}"],
            "image_volid_layered_product_formats": ["{release_short}-{version} {base_product_short}-"
                                                    "{base_product_version} {variant}.{arch}"],
            "disc_types": {}}
    substs = {"compose_id": "PDL-1.2-20261126.0", "release_short": "PDL", "version": "1.2", "date": "20261126",
              "respin": 0, "type": "production", "type_suffix": "", "label": None, "label_major_version": None}
    lp = {"uid": "Server-SAP", "id": "SAP", "type": "layered-product", "parent": "Server",
          "release": {"name": "SAP", "short": "SAP", "version": "3"}}
    assert naming.image_name(conf, substs, lp, "x86_64", 2) == "SAP-3-PDL-1-20261126.0-Server-x86_64-dvd2.iso"
    assert naming.image_name(conf, substs, lp, "src", 1) == "SAP-3-PDL-1-20261126.0-Server-source-dvd1.iso"
    assert naming.volume_id(conf, substs, lp, "x86_64") == "SAP-3 PDL-1 Server.x86_64"
    assert naming.volume_id(conf, substs, dict(lp, type="variant", uid="Server"), "x86_64") == "PDL-1.2 x86_64"
    assert createiso_skip_reason(conf, dict(lp, type="variant", is_empty=True), "x86_64") == "empty variant"


def test_a_rerun_with_the_same_tree_and_options_keeps_the_images(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    path, = image_paths(compose, "Server", "x86_64")
    assert createiso(compose, "Server", "x86_64").returncode == 0  # the copy's files have new mtimes
    path, = image_paths(compose, "Server", "x86_64")
    made = os.stat(path).st_mtime_ns
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert os.stat(path).st_mtime_ns == made
    with open(os.path.join(compose, "logs/x86_64/createiso-Server.log")) as f:
        assert "nothing to do" in f.read()
    with open(os.path.join(tree_dir(compose, "Server", "x86_64"), "GPL"), "w") as f:
        f.write("an extra file\n")  # a changed tree: new images
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert os.stat(image_paths(compose, "Server", "x86_64")[0]).st_mtime_ns != made
    os.unlink(image_paths(compose, "Server", "x86_64")[0])  # a lost image: made again
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert checkisomd5(image_paths(compose, "Server", "x86_64")[0]).returncode == 0


def test_an_image_has_pungis_translation_tables_and_a_supported_one_says_so(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("a\n")
    files = {".discinfo": str(tmp_path / "src" / "a.txt"), "sub/a.txt": str(tmp_path / "src" / "a.txt")}
    for name, supported in (("plain.iso", False), ("supported.iso", True)):
        iso.make_image(str(tmp_path / name), files, "TEST", str(tmp_path), supported=supported)
        listing = subprocess.run(["isoinfo", "-R", "-f", "-i", str(tmp_path / name)], capture_output=True,
                                 text=True, check=True).stdout.split()
        assert {"/TRANS.TBL", "/sub/TRANS.TBL"} <= set(listing)
        check = subprocess.run(["checkisomd5", "--md5sumonly", str(tmp_path / name)], capture_output=True, text=True)
        assert ("Supported ISO: yes" in check.stdout) is supported
    assert "-translation-table" not in iso.mkisofs_command("xorriso", "x.iso", "list", "TEST")


def test_ppc_images_are_written_without_an_input_charset_as_pungi_does(tmp_path):
    # found by tools/fuzz-compose --repos --multiarch --outputs, seed 15512: genisoimage refuses
    # iso_level 4 with -input-charset, which Pungi 4.3.2 leaves out for ppc, ppc64 and ppc64le
    assert "-input-charset" in iso.mkisofs_command("genisoimage", "x.iso", "list", "TEST", arch="x86_64")
    assert "-input-charset" in iso.mkisofs_command("xorriso", "x.iso", "list", "TEST", arch="src")
    assert "-input-charset" not in iso.mkisofs_command("xorriso", "x.iso", "list", "TEST", arch="ppc64")
    (tmp_path / "a.txt").write_text("a\n")
    files = {"sub/a.txt": str(tmp_path / "a.txt")}
    iso.make_image(str(tmp_path / "ppc.iso"), files, "TEST", str(tmp_path), iso_level=4, arch="ppc64le")
    assert os.path.getsize(tmp_path / "ppc.iso") > 0
    with pytest.raises(PunjiError, match="genisoimage"):
        iso.make_image(str(tmp_path / "x86.iso"), files, "TEST", str(tmp_path), iso_level=4, arch="x86_64")


def test_an_iso_level_3_image_has_no_udf_tree_as_pungis(tmp_path):
    # found by tools/fuzz-compose-koji --modules --gather --comps --outputs, seed 6324: an extra
    # ISO of iso_level 3 over a strict createiso_max_size, 2390016 bytes to Pungi's 1650688:
    # Pungi 4.3.2 does not ask genisoimage for -allow-limited-size, which adds a UDF tree
    assert "-allow-limited-size" not in iso.mkisofs_command("genisoimage", "x.iso", "list", "TEST", iso_level=3)
    (tmp_path / "a.txt").write_text("a\n")
    iso.make_image(str(tmp_path / "a.iso"), {"sub/a.txt": str(tmp_path / "a.txt")}, "TEST", str(tmp_path),
                   iso_level=3, arch="x86_64")
    with open(tmp_path / "a.iso", "rb") as f:
        descriptors = f.read(32 * 2048)
    assert b"NSR0" not in descriptors  # no UDF volume recognition sequence


def test_a_tree_without_rpms_keeps_an_empty_iso_directory_as_pungi_does(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    for rel in tree_files(tree_dir(compose, "Server", "x86_64")):
        if rel.endswith(".rpm"):
            os.unlink(os.path.join(tree_dir(compose, "Server", "x86_64"), rel))
    done = createiso(compose, "Server", "x86_64")
    assert done.returncode == 0 and "No RPMs found for Server.x86_64, skipping ISO" in done.stderr
    assert record(compose, "Server", "x86_64")["images"] == []
    assert os.listdir(iso_dir(compose, "Server", "x86_64")) == []
    set_options(compose, symlink_isos_to=str(tmp_path / "isos"))
    assert createiso(compose, "Server", "x86_64").returncode == 0
    cid = open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    real = tmp_path / "isos" / cid / "compose/Server/x86_64/iso"
    assert os.readlink(iso_dir(compose, "Server", "x86_64")) == str(real) and os.listdir(real) == []
    set_options(compose, symlink_isos_to=None, createiso_skip=[["^Server$", {"*": True}]])
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert not os.path.lexists(iso_dir(compose, "Server", "x86_64"))
    # Pungi makes the volume id first: one too long fails the tree without RPMs too
    # (tools/fuzz-compose --repos --outputs --comps, seed 15203)
    set_options(compose, createiso_skip=[], image_volid_formats=["{release_short} {variant} {arch} is far too long"])
    assert_one_line_error(createiso(compose, "Server", "x86_64"), "image_volid_formats", "32")


def test_an_optional_variant_without_isos_still_needs_a_volume_id_as_in_pungi(demo, tmp_path):
    # Pungi 4.3.2 makes the volume id of an optional variant's trees before it sees that
    # create_optional_isos is off: none fitting in 32 characters fails the compose
    compose = copy_compose(demo, tmp_path / "c")
    set_options(compose, image_volid_formats=["{release_short}-{version} {variant}.{arch} volumes"])
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert_one_line_error(createiso(compose, "Server-optional", "x86_64"), "image_volid_formats", "32")
    assert_one_line_error(createiso(compose, "Server-optional", "src"), "image_volid_formats", "32")
    set_options(compose, createiso_skip=[["^Server-optional$", {"x86_64": True}]])  # not visited at all
    assert createiso(compose, "Server-optional", "x86_64").returncode == 0
    assert record(compose, "Server-optional", "x86_64")["images"] == []
    assert not os.path.exists(iso_dir(compose, "Server-optional", "x86_64"))


@pytest.mark.parametrize("compose_type", ["production", "nightly", "test", "ci", "development"])
@pytest.mark.parametrize("label", [None, "RC-1.2", "Beta-1", "Update-2.10.3"])
def test_image_name_substitutions_are_productmds(compose_type, label, tmp_path):
    """type_suffix and label_major_version, worked out without importing productmd (each
    createiso would pay for it), are what productmd's ComposeInfo gives."""
    from punji_lib.compose import composeid, jsonio, layout
    from punji_lib.media import naming

    conf = {"release_name": "Demo", "release_short": "PDL", "release_version": "1.2"}
    ci = composeid.compose_info(conf, compose_type, label, "20261203", 2)
    jsonio.write_json(layout.at(str(tmp_path), layout.compose_request_json()),
                      {"compose_id": ci.compose.id, "compose_type": compose_type, "label": label,
                       "date": "20261203", "respin": 2})
    substs = naming.substitutions(conf, str(tmp_path))
    assert (substs["type_suffix"], substs["label_major_version"]) == (ci.compose.type_suffix,
                                                                       ci.compose.label_major_version)
    assert substs["compose_id"] == ci.compose.id


def test_the_supported_milestones_are_productmds():
    from productmd.composeinfo import SUPPORTED_MILESTONES

    from punji_lib.compose import composeid

    assert sorted(composeid.SUPPORTED_MILESTONES) == sorted(SUPPORTED_MILESTONES)


def test_a_trees_files_are_listed_as_a_walk_of_it_lists_them(tmp_path):
    """image_files.of_tree: each directory's files before its sorted subdirectories, without
    lost+found, images/boot.iso or what a symlink to a directory holds (a symlink to a file is
    a file of the tree)."""
    from punji_lib.media import image_files

    top = tmp_path / "os"
    for rel in ("b/z.rpm", "b/a/y.rpm", "a/x.rpm", "images/boot.iso", "images/efiboot.img", "lost+found/f", ".treeinfo"):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text(rel)
    (top / "linked").symlink_to("b")
    (top / "link.rpm").symlink_to("a/x.rpm")
    walked = {}
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "lost+found")
        for name in names:
            walked[os.path.relpath(os.path.join(root, name), top)] = os.path.join(root, name)
    del walked["images/boot.iso"]
    assert list(image_files.of_tree(str(top)).items()) == list(walked.items())
    assert list(image_files.of_tree(str(top) + "/")) == list(walked)
    assert set(walked) == {".treeinfo", "link.rpm", "a/x.rpm", "b/z.rpm", "b/a/y.rpm", "images/efiboot.img"}
    assert image_files.of_tree(str(tmp_path / "none")) == {}
    stats = {}
    (top / "gone.rpm").symlink_to("nowhere.rpm")
    listed = image_files.of_tree(str(top), stats)
    assert "gone.rpm" in listed and "gone.rpm" not in stats  # left to the caller to say why
    assert stats == {rel: os.stat(path) for rel, path in listed.items() if rel != "gone.rpm"}
    assert stats["link.rpm"].st_ino == (top / "a" / "x.rpm").stat().st_ino


def test_a_tree_to_be_bootable_without_boot_files_fails_its_iso_as_in_pungi(demo, tmp_path):
    # buildinstall_method set while the buildinstall phase is skipped: Pungi still makes the
    # image bootable and genisoimage fails on the missing isolinux.bin
    compose = copy_compose(demo, tmp_path / "c")
    path = os.path.join(compose, "work/global/config/buildinstall.json")
    boot = read_json(path)
    boot["buildinstall_method"] = "lorax"
    with open(path, "w") as f:
        json.dump(boot, f)
    assert_one_line_error(createiso(compose, "Server", "x86_64"), "Server.x86_64", "to be bootable",
                          "isolinux/isolinux.bin or images/efiboot.img", "buildinstall phase skipped")
    # a tree buildinstall_skip leaves out gets its image, not bootable, as in Pungi
    boot["buildinstall_skip"] = [["^Server$", {"*": True}]]
    with open(path, "w") as f:
        json.dump(boot, f)
    assert createiso(compose, "Server", "x86_64").returncode == 0
    assert [i["bootable"] for i in record(compose, "Server", "x86_64")["images"]] == [False]


def test_the_grafted_directories_come_from_the_files_walk_as_from_a_walk_of_their_own(tmp_path, monkeypatch):
    """image_files.directories given of_tree's listing (files, and what WALKED got) grafts the
    directories a walk of the tree of its own grafts: empty ones, lost+found and what a symlink
    to a directory holds left out, a directory holding only images/boot.iso not empty."""
    from punji_lib.media import image_files

    top = tmp_path / "os"
    for rel in ("Packages/a/x.rpm", "images/boot.iso", "lost+found/f", ".treeinfo", "doc/y"):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text(rel)
    for rel in ("empty/inner", "docs", "Packages/b", "lost+found/empty"):
        (top / rel).mkdir(parents=True)
    (top / "linked").symlink_to("Packages")
    expected = image_files.directories(str(top))
    assert set(expected) == {"empty/inner/", "docs/", "Packages/b/"} and "images/" not in expected
    walked = {}
    files = image_files.of_tree(str(top), {}, walked)
    monkeypatch.setattr(os, "walk", lambda *_a, **_k: pytest.fail("the tree walked again"))
    assert image_files.directories(str(top), files, walked) == expected


def test_a_single_disc_is_planned_without_walking_the_tree_again(tmp_path, monkeypatch):
    """iso_split.plan_tree: a tree that fits on a disc (or is never split: no capacity) gets the
    plan of split_order's walk without that walk; a bigger one is walked."""
    from punji_lib.media import image_files, iso_split

    top = tmp_path / "os"
    for rel, size in ((".treeinfo", 10), ("media.repo", 10), ("repodata/repomd.xml", 10), ("Packages/b.rpm", 5000),
                      ("Packages/a.rpm", 3000)):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_bytes(b"x" * size)
    files = image_files.of_tree(str(top))
    sizes = {rel: os.path.getsize(path) for rel, path in files.items()}
    walked = {capacity: iso_split.plan(iso_split.split_order(str(top), files), sizes, {"media.repo"}, capacity, "S",
                                       "x86_64") for capacity in (None, 20480, 8192)}
    assert len(walked[None][0]) == len(walked[20480][0]) == 1 and len(walked[8192][0]) > 1
    monkeypatch.setattr(iso_split, "split_order", lambda *_a: pytest.fail("the tree walked again"))
    for capacity in (None, 20480):
        discs, single = iso_split.plan_tree(str(top), files, sizes, {"media.repo"}, capacity, "S", "x86_64")
        assert (sorted(discs[0]), single) == (sorted(walked[capacity][0][0]), walked[capacity][1])
    with pytest.raises(pytest.fail.Exception):
        iso_split.plan_tree(str(top), files, sizes, {"media.repo"}, 8192, "S", "x86_64")
