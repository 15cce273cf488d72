"""punji-imagechecksum: checksum files beside the images, checksums in images.json.

The inputs are made here as createiso would leave them: real ISOs written by
xorriso into an init'ed demo compose and an images.json written by productmd.
"""

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import assert_one_line_error, command, demo_config, make, read_json

# -- inputs ----------------------------------------------------------------------------------


def init_compose(base, demo_repo, extra=""):
    """An init'ed demo compose under BASE whose config ends with EXTRA; returns its path."""
    conf = demo_config(base / "demo", demo_repo, "\n" + extra + "\n")
    done = command("punji-init", conf, "--target-dir", base / "composes", "--test", check=True)
    return done.stdout.strip()


def make_iso(path, volid, files):
    """A real ISO 9660 image at PATH with FILES {name: bytes}, made by xorriso."""
    src = path + ".d"
    for name, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(src, name)), exist_ok=True)
        with open(os.path.join(src, name), "wb") as f:
            f.write(data)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["xorriso", "-as", "mkisofs", "-o", path, "-V", volid, src], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(src)
    return path


def no_images(topdir):
    """A productmd Images of the compose at TOPDIR (its id, type, date and respin) listing none."""
    from productmd.images import Images

    req = read_json(topdir, "work/global/compose-request.json")
    im = Images()
    im.compose.id, im.compose.type = req["compose_id"], req["compose_type"]
    im.compose.date, im.compose.respin = req["date"], req["respin"]
    return im


def write_images(topdir, entries, checksums=None):
    """compose/metadata/images.json listing ENTRIES [(variant, arch, compose-relative path,
    image arch)], written by productmd; CHECKSUMS replace the records' checksums (None: empty,
    as createiso leaves them)."""
    from productmd.images import Image

    im = no_images(topdir)
    for variant, arch, rel, image_arch in entries:
        full = os.path.join(topdir, "compose", rel)
        img = Image(im)
        img.path, img.size, img.mtime = rel, os.path.getsize(full), int(os.path.getmtime(full))
        img.volume_id, img.type, img.format, img.arch = "VOL", "dvd", "iso", image_arch
        img.disc_number = img.disc_count = 1
        img.bootable, img.subvariant, img.implant_md5 = False, variant, None
        img.checksums = {"sha256": "0" * 64}
        im.add(variant, arch, img)
    data = json.loads(im.dumps())
    for by_arch in data["payload"]["images"].values():
        for records in by_arch.values():
            for record in records:
                record["checksums"] = dict(checksums) if checksums is not None else {}
    path = os.path.join(topdir, "compose/metadata/images.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


SERVER_ISO = "Server/x86_64/iso/PDL-1-Server-x86_64-dvd1.iso"
CLIENT_ISO = "Client/x86_64/iso/PDL-1-Client-x86_64-dvd1.iso"
SOURCE_ISO = "Server/source/iso/PDL-1-Server-source-dvd1.iso"


def three_images(topdir):
    """Two binary ISOs and a source ISO listed under both arches of Server."""
    compose = os.path.join(topdir, "compose")
    make_iso(os.path.join(compose, SERVER_ISO), "PDL-1 Server.x86_64", {"a.txt": b"server\n" * 5000})
    make_iso(os.path.join(compose, CLIENT_ISO), "PDL-1 Client.x86_64", {"b.txt": os.urandom(300000)})
    make_iso(os.path.join(compose, SOURCE_ISO), "PDL-1 Server.src", {"s/c.txt": b"source\n"})
    write_images(topdir, [("Server", "x86_64", SERVER_ISO, "x86_64"), ("Client", "x86_64", CLIENT_ISO, "x86_64"),
                          ("Server", "x86_64", SOURCE_ISO, "src"), ("Server", "i386", SOURCE_ISO, "src")])


def hashes(path, name):
    with open(path, "rb") as f:
        return hashlib.new(name, f.read()).hexdigest()


def verify(directory, tool, checksum_file):
    """Run TOOL -c CHECKSUM_FILE in DIRECTORY (GNU coreutils read the BSD tagged lines)."""
    return subprocess.run([tool, "--strict", "-c", checksum_file], cwd=directory, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def load_images(topdir):
    from productmd.images import Images

    im = Images()
    im.load(os.path.join(topdir, "compose/metadata/images.json"))
    return im


# -- the hashing -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 4096 * 7 + 13])
def test_one_read_feeds_every_algorithm(tmp_path, size):
    from punji_lib.media.image_digests import file_digests

    data = os.urandom(size)
    path = tmp_path / "x.img"
    path.write_bytes(data)
    digests, length = file_digests(str(path), ["md5", "sha1", "sha256", "sha512"], block=4096, depth=2)
    assert length == size
    assert digests == {a: hashlib.new(a, data).hexdigest() for a in ("md5", "sha1", "sha256", "sha512")}


# -- default: one file per algorithm -----------------------------------------------------------


@pytest.fixture(scope="module")
def three_algorithms(tmp_path_factory, demo_repo):
    """A compose with media_checksums md5, sha1, sha256 (Pungi's default) and three ISOs."""
    topdir = init_compose(tmp_path_factory.mktemp("ic3"), demo_repo, 'media_checksums = ["md5", "sha1", "sha256"]')
    three_images(topdir)
    done = command("punji-imagechecksum", topdir)
    assert done.returncode == 0, done.stderr
    return topdir


def test_per_algorithm_files_verify_with_coreutils(three_algorithms):
    iso_dir = os.path.join(three_algorithms, "compose", os.path.dirname(SERVER_ISO))
    name = os.path.basename(SERVER_ISO)
    assert sorted(os.listdir(iso_dir)) == sorted(
        [name, "MD5SUM", "SHA1SUM", "SHA256SUM", name + ".MD5SUM", name + ".SHA1SUM", name + ".SHA256SUM"])
    for tool, algorithm in (("md5sum", "md5"), ("sha1sum", "sha1"), ("sha256sum", "sha256")):
        for checksum_file in (algorithm.upper() + "SUM", "%s.%sSUM" % (name, algorithm.upper())):
            done = verify(iso_dir, tool, checksum_file)
            assert done.returncode == 0 and "%s: OK" % name in done.stdout, done.stdout


def test_checksum_file_is_pungis_bsd_format(three_algorithms):
    path = os.path.join(three_algorithms, "compose", SERVER_ISO)
    name, size = os.path.basename(path), os.path.getsize(path)
    with open(os.path.join(os.path.dirname(path), "SHA256SUM")) as f:
        text = f.read()
    assert text == "# %s: %d bytes\nSHA256 (%s) = %s\n" % (name, size, name, hashes(path, "sha256"))


def test_images_json_gets_the_checksums_and_loads_with_productmd(three_algorithms):
    im = load_images(three_algorithms)
    seen = 0
    for variant in im.images:
        for arch in im.images[variant]:
            for image in im.images[variant][arch]:
                full = os.path.join(three_algorithms, "compose", image.path)
                assert image.checksums == {a: hashes(full, a) for a in ("md5", "sha1", "sha256")}
                seen += 1
    assert seen == 4  # the source ISO under x86_64 and i386


def test_an_image_listed_twice_is_read_once_and_listed_once(three_algorithms):
    iso_dir = os.path.join(three_algorithms, "compose", os.path.dirname(SOURCE_ISO))
    with open(os.path.join(iso_dir, "MD5SUM")) as f:
        assert f.read().count("MD5 (") == 1
    with open(os.path.join(three_algorithms, "logs/global/imagechecksum.log")) as f:
        assert f.read().count("checksummed compose/%s" % SOURCE_ISO) == 1


def test_state_records_the_files(three_algorithms):
    with open(os.path.join(three_algorithms, "work/global/state/imagechecksum.json")) as f:
        data = json.load(f)
    assert data["images"] == 3 and data["algorithms"] == ["md5", "sha1", "sha256"]
    assert "compose/Server/source/iso/SHA1SUM" in data["files"] and len(data["files"]) == 3 * 6


def test_rerun_gives_the_same_bytes(three_algorithms):
    def snapshot():
        out = {}
        for top, _dirs, files in os.walk(os.path.join(three_algorithms, "compose")):
            for name in files:
                if not name.endswith(".iso"):
                    with open(os.path.join(top, name), "rb") as f:
                        out[os.path.join(top, name)] = f.read()
        return out

    before = snapshot()
    command("punji-imagechecksum", three_algorithms, check=True)
    assert snapshot() == before


# -- one file, base file name --------------------------------------------------------------------

FEDORA_BASE = "%(release_short)s-%(variant)s-%(version)s-%(arch)s-%(date)s%(type_suffix)s.%(respin)s"


def test_one_file_with_base_filename(tmp_path, demo_repo):
    topdir = init_compose(tmp_path, demo_repo, 'media_checksums = ["sha256"]\nmedia_checksum_one_file = True\n'
                          'media_checksum_base_filename = "%s"' % FEDORA_BASE)
    three_images(topdir)
    command("punji-imagechecksum", topdir, check=True)
    with open(os.path.join(topdir, "work/global/compose-request.json")) as f:
        date = json.load(f)["date"]
    iso_dir = os.path.join(topdir, "compose", os.path.dirname(SERVER_ISO))
    expected = "PDL-Server-1-x86_64-%s.t.0-CHECKSUM" % date
    assert sorted(os.listdir(iso_dir)) == sorted([os.path.basename(SERVER_ISO), expected])
    assert verify(iso_dir, "sha256sum", expected).returncode == 0
    # the source ISO's directory: one file per binary arch it is listed under, as in Pungi
    source_dir = os.path.join(topdir, "compose", os.path.dirname(SOURCE_ISO))
    assert sorted(n for n in os.listdir(source_dir) if n.endswith("CHECKSUM")) == [
        "PDL-Server-1-i386-%s.t.0-CHECKSUM" % date, "PDL-Server-1-x86_64-%s.t.0-CHECKSUM" % date]


def test_dirname_key_and_brace_format(tmp_path, demo_repo):
    topdir = init_compose(tmp_path, demo_repo, 'media_checksums = ["sha512"]\nmedia_checksum_one_file = True\n'
                          'media_checksum_base_filename = "{release_short}-{dirname}-{compose_id}"')
    three_images(topdir)
    command("punji-imagechecksum", topdir, check=True)
    with open(os.path.join(topdir, "COMPOSE_ID")) as f:
        compose_id = f.read().strip()
    iso_dir = os.path.join(topdir, "compose", os.path.dirname(CLIENT_ISO))
    name = "PDL-iso-%s-CHECKSUM" % compose_id
    assert name in os.listdir(iso_dir)
    assert verify(iso_dir, "sha512sum", name).returncode == 0


def test_option_change_removes_the_old_files(tmp_path, demo_repo):
    topdir = init_compose(tmp_path, demo_repo, 'media_checksums = ["sha256"]')
    three_images(topdir)
    command("punji-imagechecksum", topdir, check=True)
    iso_dir = os.path.join(topdir, "compose", os.path.dirname(SERVER_ISO))
    assert "SHA256SUM" in os.listdir(iso_dir)
    with open(tmp_path / "demo" / "demo.conf", "a") as f:
        f.write("media_checksum_one_file = True\n")
    make(topdir, "work/global/state/init.json")  # init slices the changed config
    command("punji-imagechecksum", topdir, check=True)
    assert sorted(os.listdir(iso_dir)) == sorted([os.path.basename(SERVER_ISO), "CHECKSUM"])


# -- nothing to do, errors ------------------------------------------------------------------------


def test_no_images_json_is_nothing_to_do(new_compose):
    done = command("punji-imagechecksum", new_compose)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(new_compose, "work/global/state/imagechecksum.json")) as f:
        assert json.load(f)["images"] == 0
    assert not os.path.exists(os.path.join(new_compose, "compose/metadata/images.json"))


def test_empty_images_json_is_nothing_to_do(new_compose):
    write_images(new_compose, [])
    done = command("punji-imagechecksum", new_compose)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(new_compose, "work/global/state/imagechecksum.json")) as f:
        assert json.load(f)["images"] == 0


def test_unknown_key_in_base_filename(tmp_path, demo_repo):
    topdir = init_compose(tmp_path, demo_repo, 'media_checksum_base_filename = "%(release_short)s-%(flavour)s"')
    three_images(topdir)
    assert_one_line_error(command("punji-imagechecksum", topdir), "media_checksum_base_filename", "flavour")


def test_unknown_algorithm(tmp_path, demo_repo):
    topdir = init_compose(tmp_path, demo_repo, 'media_checksums = ["sha257"]')
    three_images(topdir)
    assert_one_line_error(command("punji-imagechecksum", topdir), "media_checksums", "sha257")


def test_missing_image_is_an_error(new_compose):
    three_images(new_compose)
    os.unlink(os.path.join(new_compose, "compose", CLIENT_ISO))
    assert_one_line_error(command("punji-imagechecksum", new_compose), CLIENT_ISO, "missing")
    assert not os.path.exists(os.path.join(new_compose, "work/global/state/imagechecksum.json"))


def test_stale_checksums_are_replaced(new_compose):
    three_images(new_compose)
    write_images(new_compose, [("Server", "x86_64", SERVER_ISO, "x86_64")], checksums={"md5": "0" * 32})
    command("punji-imagechecksum", new_compose, check=True)
    image = next(iter(load_images(new_compose).images["Server"]["x86_64"]))
    assert image.checksums == {"sha256": hashes(os.path.join(new_compose, "compose", SERVER_ISO), "sha256")}


def test_rerun_reads_only_the_images_that_changed(new_compose):
    three_images(new_compose)
    command("punji-imagechecksum", new_compose, check=True)
    client = os.path.join(new_compose, "compose", CLIENT_ISO)
    os.unlink(client)
    make_iso(client, "PDL-1 Client.x86_64", {"b.txt": os.urandom(100000)})
    write_images(new_compose, [("Server", "x86_64", SERVER_ISO, "x86_64"), ("Client", "x86_64", CLIENT_ISO, "x86_64")])
    command("punji-imagechecksum", new_compose, check=True)
    with open(os.path.join(new_compose, "logs/global/imagechecksum.log")) as f:
        log = f.read()
    assert log.count("checksummed compose/%s" % CLIENT_ISO) == 2
    assert log.count("checksummed compose/%s" % SERVER_ISO) == 1
    assert "compose/%s is unchanged since the last run" % SERVER_ISO in log
    image = next(iter(load_images(new_compose).images["Client"]["x86_64"]))
    assert image.checksums == {"sha256": hashes(client, "sha256")}
    iso_dir = os.path.dirname(client)
    assert verify(iso_dir, "sha256sum", "SHA256SUM").returncode == 0
    # the source ISO is no longer listed: its checksum files go
    assert sorted(os.listdir(os.path.join(new_compose, "compose", os.path.dirname(SOURCE_ISO)))) == [
        os.path.basename(SOURCE_ISO)]


def test_checksums_taken_when_the_image_was_written_stand_while_it_is_unchanged(new_compose):
    """createiso and extraiso checksum an image as they write it (its file still in the page
    cache); imagechecksum keeps those while the file has the record's size and mtime."""
    three_images(new_compose)
    server, client = (os.path.join(new_compose, "compose", rel) for rel in (SERVER_ISO, CLIENT_ISO))
    taken = {"sha256": hashes(server, "sha256")}
    write_images(new_compose, [("Server", "x86_64", SERVER_ISO, "x86_64")], checksums=taken)
    command("punji-imagechecksum", new_compose, check=True)
    log_path = os.path.join(new_compose, "logs/global/imagechecksum.log")
    with open(log_path) as f:
        assert "compose/%s: checksums taken when it was written" % SERVER_ISO in f.read()
    image = next(iter(load_images(new_compose).images["Server"]["x86_64"]))
    assert image.checksums == taken
    assert verify(os.path.dirname(server), "sha256sum", "SHA256SUM").returncode == 0
    # a record whose file changed since (another size, another mtime) is read again
    write_images(new_compose, [("Client", "x86_64", CLIENT_ISO, "x86_64")], checksums={"sha256": "0" * 64})
    with open(client, "ab") as f:
        f.write(b"\0" * 2048)
    os.utime(client, (1, 1))
    command("punji-imagechecksum", new_compose, check=True)
    with open(log_path) as f:
        assert "checksummed compose/%s" % CLIENT_ISO in f.read()
    image = next(iter(load_images(new_compose).images["Client"]["x86_64"]))
    assert image.checksums == {"sha256": hashes(client, "sha256")}


def test_two_records_at_one_path_get_the_files_checksums_and_their_own_sizes(new_compose):
    """An extra ISO without 'filename' overwrites createiso's image of the same name, and
    images.json lists both, as Pungi 4.3.2 does (tools/fuzz-compose --multiarch --outputs --comps
    --repos seed 22005). The tree's record may have the file's size and mtime (images of the
    same size written in the same second) but never its checksums: the file is read. As
    Pungi's, each record's checksum line gives that record's size."""
    three_images(new_compose)
    server = os.path.join(new_compose, "compose", SERVER_ISO)
    real = hashes(server, "sha256")
    write_images(new_compose, [("Server", "x86_64", SERVER_ISO, "x86_64")])
    path = os.path.join(new_compose, "compose/metadata/images.json")
    with open(path) as f:
        data = json.load(f)
    tree_iso, = data["payload"]["images"]["Server"]["x86_64"]
    tree_iso["checksums"] = {"sha256": "1" * 64}  # the overwritten image's, taken as it was written
    extra_iso = dict(tree_iso, unified=True, additional_variants=["Client"], checksums={"sha256": real})
    smaller = dict(extra_iso, additional_variants=["Everything"], size=tree_iso["size"] - 2048)
    data["payload"]["images"]["Server"]["x86_64"] = [tree_iso, extra_iso, smaller]
    with open(path, "w") as f:
        json.dump(data, f)
    command("punji-imagechecksum", new_compose, check=True)
    with open(path) as f:
        text = f.read()
    listed = json.loads(text)["payload"]["images"]["Server"]["x86_64"]
    assert [i["checksums"] for i in listed] == [{"sha256": real}] * 3
    name = os.path.basename(server)
    with open(os.path.join(os.path.dirname(server), "SHA256SUM")) as f:
        assert f.read() == "".join("# %s: %d bytes\nSHA256 (%s) = %s\n" % (name, size, name, real)
                                   for size in sorted({tree_iso["size"], smaller["size"]}))
    for _ in range(3):  # productmd keeps them in a set: the order is punji's own, the same every run
        os.unlink(os.path.join(new_compose, "work/global/state/imagechecksum.json"))
        command("punji-imagechecksum", new_compose, check=True)
        with open(path) as f:
            assert f.read() == text


def test_two_images_alike_in_productmds_unique_attributes_are_written_and_punji_test_refuses_them(new_compose):
    """Pungi 4.3.2 adds its images to productmd before they have checksums, so two alike in
    every attribute productmd keeps unique (an extra ISO without include_variants beside the
    tree's ISO) get into images.json; its test phase fails reading the file back, and with
    test in skip_phases the compose finishes (tools/fuzz-compose seeds 16507 and 25507)."""
    three_images(new_compose)
    write_images(new_compose, [("Server", "x86_64", SERVER_ISO, "x86_64"), ("Server", "x86_64", CLIENT_ISO, "x86_64")])
    command("punji-imagechecksum", new_compose, check=True)
    with open(os.path.join(new_compose, "compose/metadata/images.json")) as f:
        listed = json.load(f)["payload"]["images"]["Server"]["x86_64"]
    assert [(i["path"], i["checksums"]) for i in listed] == [
        (rel, {"sha256": hashes(os.path.join(new_compose, "compose", rel), "sha256")})
        for rel in sorted((SERVER_ISO, CLIENT_ISO))]
    assert_one_line_error(command("punji-test", new_compose), "images.json", "shares all UNIQUE_IMAGE_ATTRIBUTES")
