"""create_jigdo on the demo product: every ISO (the trees', the source trees', an extra ISO's)
gets its .jigdo and .template in compose/<variant>/<arch>/jigdo (source/jigdo), as Pungi 4.3.2
makes them, listed in composeinfo; jigdo-file itself rebuilds each image from them and the
tree. A nightly compose takes them over from the last one, renamed as a fresh run names them.

Two composes (punji-compose --test) are made per module into one target directory: the second
takes the first's images over.
"""

import glob
import os
import subprocess

import pytest

from conftest import BIN, assert_one_line_error, composed, copy_compose, demo_config, read_json

EXTRA_ISOS = """
create_jigdo = True
extra_isos = {
    "^Server$": [{
        "include_variants": ["Client"],
        "filename": "{release_short}-{version}-{variant}-{arch}-unified{suffix}",
        "arches": ["x86_64"],
        "skip_src": True,
    }],
}
"""



@pytest.fixture(scope="module")
def composes(tmp_path_factory, demo_repo):
    """(first, second): the demo with create_jigdo and an extra ISO, composed twice into one
    target directory."""
    top = tmp_path_factory.mktemp("jigdo")
    conf = demo_config(top / "demo", demo_repo, EXTRA_ISOS)
    first = composed(conf, top / "out")
    return first, composed(conf, top / "out")


def isos(topdir):
    """{image path relative to compose/: its variant} of the ISOs images.json lists."""
    payload = read_json(os.path.join(topdir, "compose/metadata/images.json"))["payload"]["images"]
    return {image["path"]: uid for uid, arches in payload.items() for images in arches.values()
            for image in images if image["format"] == "iso"}


def jigdo_files(topdir, path):
    """The .jigdo and .template of the image at PATH (relative to compose/)."""
    jigdo_dir = os.path.join(topdir, "compose", os.path.dirname(os.path.dirname(path)), "jigdo")
    name = os.path.basename(path)
    return os.path.join(jigdo_dir, name + ".jigdo"), os.path.join(jigdo_dir, name + ".template")


def tree_of(topdir, path):
    """The tree an image of PATH (relative to compose/) was made from: the os or source tree."""
    uid, arch = path.split("/")[:2]
    return os.path.join(topdir, "compose", uid, arch, "tree" if arch == "source" else "os")


def test_every_iso_gets_its_jigdo_files_and_composeinfo_lists_their_directories(composes):
    first = composes[0]
    images = isos(first)
    assert any(p.endswith("-unified.iso") for p in images) and any("/source/" in p for p in images)
    for path in images:
        for made in jigdo_files(first, path):
            assert os.path.isfile(made), made
    made_dirs = {os.path.relpath(d, os.path.join(first, "compose"))
                 for d in glob.glob(os.path.join(first, "compose/*/*/jigdo"))}
    assert made_dirs == {os.path.dirname(os.path.dirname(p)) + "/jigdo" for p in images}
    variants = read_json(os.path.join(first, "compose/metadata/composeinfo.json"))["payload"]["variants"]
    listed = {path for v in variants.values() for kind in ("jigdos", "source_jigdos")
              for path in v["paths"].get(kind, {}).values()}
    assert listed == made_dirs
    assert not os.path.exists(os.path.join(first, "compose/Everything/x86_64/jigdo"))  # createiso_skip


def test_jigdo_file_rebuilds_each_image_from_its_template_and_tree(composes, tmp_path):
    first = composes[0]
    for n, path in enumerate(sorted(isos(first))):
        jigdo, template = jigdo_files(first, path)
        rebuilt = tmp_path / ("image%d.iso" % n)
        done = subprocess.run(["jigdo-file", "make-image", "--image=%s" % rebuilt, "--jigdo=%s" % jigdo,
                               "--template=%s" % template, tree_of(first, path).rstrip("/") + "//"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert done.returncode == 0, done.stdout
        with open(rebuilt, "rb") as a, open(os.path.join(first, "compose", path), "rb") as b:
            assert a.read() == b.read(), path


def test_a_nightly_takes_them_over_named_as_a_fresh_run_names_them(composes, tmp_path):
    first, second = composes
    old_images, new_images = sorted(isos(first)), sorted(isos(second))
    assert len(old_images) == len(new_images)
    for old, new in zip(old_images, new_images):
        old_jigdo, old_template = jigdo_files(first, old)
        new_jigdo, new_template = jigdo_files(second, new)
        assert os.stat(new_template).st_ino == os.stat(old_template).st_ino  # taken over, not made again
        fresh = tmp_path / os.path.basename(new)
        fresh.mkdir()
        subprocess.run(["jigdo-file", "make-template", "--force", "--image=%s" % os.path.join(second, "compose", new),
                        "--jigdo=%s" % (fresh / "x.jigdo"), "--template=%s" % (fresh / (os.path.basename(new) + ".template")),
                        "--no-servers-section", "--report=noprogress", tree_of(second, new) + "//"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(new_jigdo) as f:
            taken = f.read()
        assert "Filename=%s\n" % os.path.basename(new) in taken
        assert taken == (fresh / "x.jigdo").read_text()  # as a fresh run writes it


def test_without_jigdo_file_the_tree_fails_in_one_line_naming_the_option(composes, tmp_path):
    topdir = copy_compose(composes[0], tmp_path / "copy")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in os.listdir("/usr/bin"):  # every tool but jigdo-file
        if name != "jigdo-file":
            os.symlink(os.path.join("/usr/bin", name), bin_dir / name)
    os.unlink(os.path.join(topdir, "work/x86_64/state/createiso-Server.json"))
    done = subprocess.run([os.path.join(BIN, "punji-createiso"), "--variant", "Server", "--arch", "x86_64", topdir],
                          env=dict(os.environ, PATH=str(bin_dir)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    assert_one_line_error(done, "option 'create_jigdo'", "jigdo-file is not installed")
    iso_dir = os.path.join(topdir, "compose/Server/x86_64/iso")  # left empty, as Pungi leaves a failed ISO's
    assert os.listdir(iso_dir) == []  # no image without its jigdo files


def test_only_variants_with_images_of_their_own_get_jigdo_files():
    from punji_lib.media import jigdo

    conf = {"create_jigdo": True}
    assert jigdo.wanted(conf, {"type": "variant"}) and jigdo.wanted(conf, {"type": "layered-product"})
    assert not jigdo.wanted(conf, {"type": "addon"})
    assert not jigdo.wanted(conf, {"type": "optional"})
    assert jigdo.wanted(dict(conf, create_optional_isos=True), {"type": "optional"})
    assert not jigdo.wanted({}, {"type": "variant"})
