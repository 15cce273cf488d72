"""A nightly's gather of a variant built on an empty one (is_empty: nothing gathered, its inputs
taken by the variants built on it) is made again when the empty variant's inputs change."""

import os

from conftest import composed
from test_reuse import rpms_payload, states, tree_files


def test_a_variant_on_an_empty_one_is_gathered_again_when_the_empty_ones_groups_change(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    variants = demo_copy / "variants.xml"
    text = variants.read_text()
    server = '<variant id="Server" name="Server" type="variant" has_optional="true">'
    assert server in text
    variants.write_text(text.replace(server, server[:-1] + ' is_empty="true">'))
    first = composed(conf, tmp_path / "nightly")
    group = '<group default="true" uservisible="false">server-product</group>'
    assert group in variants.read_text()
    variants.write_text(variants.read_text().replace(group, ""))  # in place: the same path
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    assert rpms_payload(second) != rpms_payload(first)
    redone = [s for s in states(second, "gather-Server-HA").values() if "reused_from" not in s]
    assert redone
    assert rpms_payload(second) == rpms_payload(fresh)
    assert tree_files(second) == tree_files(fresh)
    assert os.path.basename(first) != os.path.basename(second)


def test_a_variant_on_an_empty_one_is_gathered_again_when_the_empty_ones_group_gets_a_package(
        tmp_path, demo_copy):
    # the variant reads the empty one's comps file; its groups' names stay the same
    # (tools/fuzz-nightly --seed 4365 --gather --repos --outputs)
    conf, variants, comps = demo_copy / "demo.conf", demo_copy / "variants.xml", demo_copy / "comps.xml"
    server = '<variant id="Server" name="Server" type="variant" has_optional="true">'
    variants.write_text(variants.read_text().replace(server, server[:-1] + ' is_empty="true">'))
    first = composed(conf, tmp_path / "nightly")
    req = '<packagereq type="mandatory">demo-release-server</packagereq>'
    assert req in comps.read_text()
    comps.write_text(comps.read_text().replace(req, req + '<packagereq type="mandatory">demo-fortune</packagereq>'))
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    assert rpms_payload(fresh) != rpms_payload(first)
    assert rpms_payload(second) == rpms_payload(fresh)
    assert tree_files(second) == tree_files(fresh)


def test_an_addon_is_gathered_again_when_its_parents_group_gets_a_package_the_parent_filters(tmp_path, demo_copy):
    # the parent's packages and its inputs (group names) stay the same: filter_packages keeps
    # the new package out of Server, not out of HA and optional, whose pools read Server's comps
    conf, comps = demo_copy / "demo.conf", demo_copy / "comps.xml"
    filtered = '("^(Server|Client)$", {\n        "*": ["demo-coreutils-single"],\n    }),'
    assert filtered in conf.read_text()
    conf.write_text(conf.read_text().replace(filtered, filtered + '\n    ("^Server$", {"*": ["demo-fortune"]}),'))
    first = composed(conf, tmp_path / "nightly")
    req = '<packagereq type="mandatory">demo-release-server</packagereq>'
    comps.write_text(comps.read_text().replace(req, req + '<packagereq type="mandatory">demo-fortune</packagereq>'))
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    assert "demo-fortune" in str(rpms_payload(fresh)["Server-HA"])
    assert "demo-fortune" not in str(rpms_payload(first)["Server-HA"])
    assert rpms_payload(second) == rpms_payload(fresh)
    assert tree_files(second) == tree_files(fresh)
