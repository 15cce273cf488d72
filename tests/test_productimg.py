"""punji-productimg on the demo product, after buildinstall through the lorax stand-in
(see tests/test_buildinstall.py): the product.img's content, its place in the os tree
and in .treeinfo, the skips and the errors."""

import configparser
import gzip
import os

import pytest

from conftest import assert_one_line_error, command, make
from test_buildinstall import copy_compose, lorax_path, make_compose, read_json, write_json  # noqa: F401

OPTIONS = """
buildinstall_method = "lorax"
buildinstall_skip = [("^Client$", {"i386": True})]
productimg = True
productimg_install_class = "installclass.py"
"""
CLASS = "from pyanaconda.installclass import BaseInstallClass\n# demo install class\n"


def cpio_entries(path):
    """{name: (mode, data)} of the gzip'd newc cpio archive PATH."""
    with open(path, "rb") as f:
        raw = gzip.decompress(f.read())
    entries, pos = {}, 0
    while True:
        assert raw[pos:pos + 6] == b"070701"
        fields = [int(raw[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name = raw[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize + (-(110 + namesize) % 4)
        data = raw[pos:pos + size]
        pos += size + (-size % 4)
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, data)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo, lorax_path):  # noqa: F811
    top = tmp_path_factory.mktemp("productimg")
    compose = make_compose(top, demo_repo, OPTIONS)
    (top / "demo" / "installclass.py").write_text(CLASS)
    done = make(compose, "-j4")
    assert done.returncode == 0, done.stdout
    return compose


def test_product_img_content(demo):
    image = os.path.join(demo, "compose/Server/x86_64/os/images/product.img")
    entries = cpio_entries(image)
    stamp = configparser.ConfigParser()
    stamp.optionxform = str
    stamp.read_string(entries["run/install/product/.buildstamp"][1].decode())
    with open(os.path.join(demo, "COMPOSE_ID")) as f:
        compose_id = f.read().strip()
    assert dict(stamp["Main"]) == {
        "Product": "Punji Demo Linux", "Version": "1",
        "BugURL": "your distribution provided bug reporting tool", "IsFinal": "False",
        "UUID": "%s.x86_64" % compose_id}
    assert entries["run/install/product/installclasses/installclass.py"][1].decode() == CLASS
    assert entries["installclasses"] == (0o120777, b"run/install/product/installclasses")
    state = read_json(os.path.join(demo, "work/x86_64/state/productimg-Server.json"))
    assert state["release_package"].startswith("demo-release-server-")
    # nothing but the image in images/ changed hands: no temp files left
    assert not [n for n in os.listdir(os.path.dirname(image)) if n.startswith(".")]


def test_product_img_in_treeinfo(demo):
    ti = configparser.ConfigParser()
    ti.read(os.path.join(demo, "compose/Server/x86_64/os/.treeinfo"))
    assert ti["images-x86_64"]["product.img"] == "images/product.img"
    assert ti["checksums"]["images/product.img"].startswith("sha256:")


def test_skipped_without_buildinstall_output(demo):
    state = read_json(os.path.join(demo, "work/i386/state/productimg-Client.json"))
    assert "no buildinstall output" in state["skipped"]
    assert not os.path.exists(os.path.join(demo, "compose/Client/i386/os/images/product.img"))


def test_skipped_when_off_removes_image(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    path = os.path.join(compose, "work/global/config/productimg.json")
    write_json(path, dict(read_json(path), productimg=False))
    command("punji-productimg", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    assert not os.path.exists(os.path.join(compose, "compose/Server/x86_64/os/images/product.img"))
    assert "productimg is off" in read_json(os.path.join(compose, "work/x86_64/state/productimg-Server.json"))["skipped"]


def test_same_image_on_rerun(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    image = os.path.join(compose, "compose/Server/x86_64/os/images/product.img")
    before = open(image, "rb").read()
    command("punji-productimg", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    assert open(image, "rb").read() == before


def test_missing_install_class(demo, tmp_path):
    compose = copy_compose(demo, tmp_path / "c")
    path = os.path.join(compose, "work/global/config/productimg.json")
    write_json(path, dict(read_json(path), productimg_install_class="nope.py"))
    done = command("punji-productimg", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "productimg_install_class", "nope.py")
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/productimg-Server.json"))
