"""The media description of .discinfo and media.repo (punji_lib.media.treeinfo), worded as
Pungi 4.3.2's metadata.get_description words it."""

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
    text = treeinfo.media_repo_text("Fidelity Tree 4.2 for Fidelity Base 9", 1700000000.5)
    assert text.splitlines()[:3] == ["[InstallMedia]", "name=Fidelity Tree 4.2 for Fidelity Base 9",
                                     "mediaid=1700000000"]
