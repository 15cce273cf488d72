"""Variants XML: Pungi's semantics, tree filters, and errors that name file and line."""

import os

import pytest

from conftest import CONFIGS
from punji_lib.config import variants
from punji_lib.errors import PunjiError

DOCS = os.path.join(CONFIGS, "variants-docs.xml")


def test_nested_addon_optional_and_layered_products():
    tree = variants.by_uid(variants.load(DOCS))
    assert list(tree) == ["Server", "Server-optional", "Server-HA", "Server-Gluster", "Workstation", "Everything"]
    assert tree["Server-optional"]["type"] == "optional"
    assert tree["Server-optional"]["arches"] == ["aarch64", "x86_64"]  # inherited from Server
    assert tree["Server-HA"]["arches"] == ["x86_64"] and tree["Server-HA"]["parent"] == "Server"
    assert tree["Server-Gluster"]["release"] == {"name": "Gluster Storage", "short": "GS", "version": "3"}
    assert tree["Server"]["has_optional"] is True
    assert tree["Server"]["children"] == ["Server-optional", "Server-HA", "Server-Gluster"]
    assert tree["Server"]["groups"][1] == {"name": "server-*", "glob": True, "default": None, "uservisible": None}
    assert tree["Workstation"]["groups"][1]["uservisible"] is False
    assert tree["Server"]["environments"] == [{"name": "server-environment", "display_order": 1, "optional": False}]


def test_tree_arches_and_tree_variants_filter():
    tree = variants.load(DOCS, tree_arches=["aarch64"])
    assert [(v["uid"], v["arches"]) for v in tree] == [
        ("Server", ["aarch64"]), ("Server-optional", ["aarch64"]), ("Everything", ["aarch64"])]
    tree = variants.load(DOCS, tree_variants=["Server", "Server-HA", "Everything"])
    assert [v["uid"] for v in tree] == ["Server", "Server-HA", "Everything"]
    assert tree[0]["children"] == ["Server-HA"]
    # a child whose parent is filtered out goes too
    assert [v["uid"] for v in variants.load(DOCS, tree_variants=["Server-HA"])] == []


def write(tmp_path, body):
    path = tmp_path / "variants.xml"
    path.write_text('<?xml version="1.0"?>\n<variants>\n' + body + "</variants>\n")
    return str(path)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches>\n', ":4: not well-formed XML"),
        ('<variant id="A" name="A" type="bogus"><arches><arch>x86_64</arch></arches></variant>\n', ":3: does not match the variants DTD"),
        ('<variant id="A" type="variant"><arches><arch>x86_64</arch></arches></variant>\n', ":3: does not match the variants DTD"),
        ('<variant id="A" name="A" type="addon"><arches><arch>x86_64</arch></arches></variant>\n', ":3: variant 'A': an addon must be nested"),
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
         '<variant id="B" name="B" type="addon"><arches><arch>ppc64le</arch></arches></variant></variants></variant>\n',
         ":4: variant 'A-B': arches ppc64le are not arches of its parent 'A'"),
        ('<ref id="Nope"/><variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches></variant>\n',
         ":3: <ref id='Nope'> names no variant"),
    ],
)
def test_bad_variants_name_file_and_line(tmp_path, body, fragment):
    path = write(tmp_path, body)
    with pytest.raises(PunjiError) as err:
        variants.load(path)
    assert str(err.value).startswith(path)
    assert fragment in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(PunjiError, match="cannot read the variants file"):
        variants.load(str(tmp_path / "none.xml"))
