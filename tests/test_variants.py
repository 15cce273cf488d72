"""Variants XML: Pungi's semantics, tree filters, and errors that name file and line."""

import os

import pytest

from conftest import CONFIGS, assert_one_line_error, command
from punji_lib.config import variants
from punji_lib.errors import PunjiError

DOCS = os.path.join(CONFIGS, "variants-docs.xml")


def test_nested_addon_optional_and_layered_products():
    tree = variants.by_uid(variants.load(DOCS))
    # Pungi 4.3.2 drops the declared optional child (it lists no arches) and adds one
    # for has_optional after the other children
    assert list(tree) == ["Server", "Server-HA", "Server-Gluster", "Server-optional", "Workstation", "Everything"]
    assert tree["Server-optional"]["type"] == "optional"
    assert tree["Server-optional"]["arches"] == ["aarch64", "x86_64"]  # inherited from Server
    assert tree["Server-HA"]["arches"] == ["x86_64"] and tree["Server-HA"]["parent"] == "Server"
    assert tree["Server-Gluster"]["release"] == {"name": "Gluster Storage", "short": "GS", "version": "3"}
    assert tree["Server"]["has_optional"] is True
    assert tree["Server"]["children"] == ["Server-HA", "Server-Gluster", "Server-optional"]
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
        # Pungi 4.3.2's DTD: a variant with content lists its arches (only an empty one may not);
        # the Gluster child of Pungi's first test product variants ('<product>' apart) without them
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
         '<variant id="B" name="B" type="addon"><groups><group>b</group></groups></variant></variants></variant>\n',
         ":4: does not match the variants DTD"),
        ('<variant id="A" name="A" type="variant"><groups><group>a</group></groups></variant>\n',
         ":3: does not match the variants DTD"),
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><environments>'
         '<environment optional="true">e</environment></environments></variant>\n', ":3: does not match the variants DTD"),
        # a top-level variant's uid and a child's
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
         '<variant id="B" name="B" type="addon"><arches><arch>x86_64</arch></arches></variant></variants></variant>\n'
         '<variant id="A-B" name="AB" type="variant"><arches><arch>x86_64</arch></arches></variant>\n',
         ":5: variant 'A-B' is defined twice"),
        # Pungi 4.3.2 reads it with int() as it parses the file ("invalid literal for int()"); punji
        # failed with an internal error
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><environments>\n'
         '<environment display_order="x1">e</environment></environments></variant>\n',
         ":4: <environment> 'e': display_order 'x1' is not a whole number"),
        # Pungi 4.3.2: "Only 'variant' can contain another variants."; punji made an A-B-optional
        ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
         '<variant id="B" name="B" type="addon" has_optional="true"><arches><arch>x86_64</arch></arches></variant>'
         '</variants></variant>\n', ":4: variant 'A-B': has_optional on a variant of type addon, which Pungi 4.3.2 refuses"),
    ],
)
def test_bad_variants_name_file_and_line(tmp_path, body, fragment):
    path = write(tmp_path, body)
    with pytest.raises(PunjiError) as err:
        variants.load(path)
    assert str(err.value).startswith(path)
    assert fragment in str(err.value)


def test_an_ia32_rpm_arch_is_a_compose_arch_with_the_packages_rpm_finds_compatible(tmp_path):
    """Pungi 4.3.2 composes any arch a variant names (Rocky Linux composes an i686 tree): punji
    takes the ia32 rpm arches, each with the arches rpm finds it compatible with (the fidelity
    product ia32-arches composes them as Pungi does); an arch no rpm knows is still refused."""
    from punji_lib import arches

    path = write(tmp_path, '<variant id="A" name="A" type="variant"><arches><arch>i686</arch>'
                           '<arch>athlon</arch></arches></variant>\n')
    assert variants.load(path)[0]["arches"] == ["athlon", "i686"]
    assert arches.compatible("i686") == ["i686", "i586", "i486", "i386", "noarch"]
    assert arches.compatible("athlon")[:2] == ["athlon", "i686"]
    path = write(tmp_path, '<variant id="A" name="A" type="variant"><arches><arch>i868</arch></arches></variant>\n')
    with pytest.raises(PunjiError, match="variant 'A': unknown arch 'i868'"):
        variants.load(path)


def test_names_with_whitespace_around_are_refused_and_empty_ones_read_as_pungi_does(tmp_path):
    """Pungi 4.3.2's variants validation refuses an arch, group, environment, module, package...
    whose text has leading or trailing whitespace (an indented multi-line <group> too); an empty
    <group> or <environment> it reads as the name 'None' (str of no text), which no comps file has."""
    arch = '<arches><arch>x86_64</arch></arches>'
    path = write(tmp_path, '<variant id="A" name="A" type="variant">%s<groups><group>\n  core\n</group></groups>'
                           '</variant>\n' % arch)
    with pytest.raises(PunjiError, match=r":3: <group> '\\n  core\\n' has leading or trailing whitespace"):
        variants.load(path)
    path = write(tmp_path, '<variant id="A" name="A" type="variant"><arches><arch>x86_64 </arch></arches></variant>\n')
    with pytest.raises(PunjiError, match=r":3: <arch> 'x86_64 ' has leading"):
        variants.load(path)
    path = write(tmp_path, '<variant id="A" name="A" type="variant">%s<groups><group></group><group>core</group>'
                           '</groups><environments><environment/></environments></variant>\n' % arch)
    variant = variants.load(path)[0]
    assert [g["name"] for g in variant["groups"]] == ["None", "core"]
    assert [e["name"] for e in variant["environments"]] == ["None"]


def test_missing_file(tmp_path):
    with pytest.raises(PunjiError, match=r"^%s: variants file does not exist$" % (tmp_path / "none.xml")):
        variants.load(str(tmp_path / "none.xml"))


FIXTURE = os.path.join(os.path.dirname(__file__), "data", "fidelity", "variants-product", "variants.xml")


def test_refs_has_optional_is_empty_and_dash_ids():
    """Pungi 4.3.2 (VariantsXmlParser) gives these uids, types, parents and arches for the
    variants-product fixture: <ref> makes the top-level HA addon and Cloud layered product
    children of Server (HA keeps only the arch it shares), has_optional adds Server-optional."""
    tree = variants.load(FIXTURE)
    assert [(v["uid"], v["type"], v["parent"], v["arches"]) for v in tree] == [
        ("Server", "variant", None, ["i386", "x86_64"]),
        ("Server-optional", "optional", "Server", ["i386", "x86_64"]),
        ("Server-HA", "addon", "Server", ["x86_64"]),
        ("Server-Cloud", "layered-product", "Server", ["i386", "x86_64"]),
        ("Foo-Tools", "variant", None, ["x86_64"]),
        ("Empty", "variant", None, ["x86_64"]),
    ]
    by = variants.by_uid(tree)
    assert by["Server-Cloud"]["release"] == {"name": "Cloud Stack", "short": "CS", "version": "2"}
    assert by["Empty"]["is_empty"] and not by["Server"]["is_empty"]


def test_is_empty_false_is_empty_too(tmp_path):
    """Pungi 4.3.2 takes bool() of the attribute text, so is_empty="false" makes a variant empty."""
    path = write(tmp_path, '<variant id="A" name="A" type="variant" is_empty="false"><arches><arch>x86_64</arch></arches></variant>\n')
    assert variants.load(path)[0]["is_empty"] is True


def test_unreferenced_top_level_addon_and_bad_ref(tmp_path):
    path = write(tmp_path, '<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches>'
                 '<variants><ref id="X"/></variants></variant>\n')
    with pytest.raises(PunjiError, match="references 'X', which is no top-level addon"):
        variants.load(path)


def test_text_in_a_release_element_is_allowed_and_ignored(tmp_path):
    """Pungi 4.3.2's DTD gives <release> text content (#PCDATA); only its attributes count."""
    path = write(tmp_path, '<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><variants>'
                 '<variant id="L" name="L" type="layered-product"><release name="Layer" short="LP" version="1">'
                 'some words</release><arches><arch>x86_64</arch></arches></variant></variants></variant>\n')
    assert variants.by_uid(variants.load(path))["A-L"]["release"] == {"name": "Layer", "short": "LP", "version": "1"}


def conf_with_variants(tmp_path, body, extra=""):
    """A config over a variants file of BODY (no comps: the check comes before any is read)."""
    write(tmp_path, body)
    path = tmp_path / "v.conf"
    path.write_text('release_name = "X"\nrelease_short = "X"\nrelease_version = "1"\n'
                    'variants_file = "variants.xml"\npkgset_source = "repos"\npkgset_repos = {"x86_64": ["/r"]}\n'
                    'gather_method = "deps"\n' + extra)
    return path


SERVER_WITH = ('<variant id="%s" name="S" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
               '<variant id="%s" name="%s" type="addon"><arches><arch>x86_64</arch></arches></variant>\n'
               '</variants></variant>\n')


@pytest.mark.parametrize(
    "ids, fragment",
    [
        # Pungi 4.3.2: "UID 'Server-Foo-Tools' doesn't align with parent UID 'Server-FooTools'"
        (("Server", "Foo-Tools", "T"), ":4: variant 'Server-Foo-Tools': the id 'Foo-Tools' of a child variant has a '-'"),
        # Pungi 4.3.2: "Variant: Field 'id' has invalid value: Ser_ver. It does not match any provided REs"
        (("Ser_ver", "Tools", "T"), ":3: variant 'Ser_ver': its id 'Ser_ver' has characters other than"),
        (("Ser.ver", "Tools", "T"), ":3: variant 'Ser.ver': its id 'Ser.ver' has characters other than"),
        # productmd checks a child before its parent
        (("Ser_ver", "Foo_Tools", "T"), ":4: variant 'Ser_ver-Foo_Tools': its id 'Foo_Tools' has characters"),
        (("Server", "Tools", ""), ":4: variant 'Server-Tools': its name is blank"),
    ],
)
def test_ids_and_names_pungi_refuses_as_it_writes_composeinfo_are_one_error_line_up_front(tmp_path, ids, fragment):
    """Pungi 4.3.2 refuses them as it starts (productmd's composeinfo of the compose's variants);
    punji composed every package of such a product and then failed at createrepo or finish with
    an internal error (fuzz-compose --variants seed 60016)."""
    path = conf_with_variants(tmp_path, SERVER_WITH % ids)
    error = assert_one_line_error(command("punji-config-validate", path), fragment)
    assert "which Pungi 4.3.2 refuses as it writes composeinfo" in error
    assert_one_line_error(command("punji-init", path, "--target-dir", tmp_path / "c"), fragment)


def test_a_dashed_child_id_left_out_by_tree_variants_or_a_dashed_top_level_id_composes(tmp_path):
    """Pungi 4.3.2 checks only the variants left in the compose, and drops a top-level id's '-'."""
    path = conf_with_variants(tmp_path, SERVER_WITH % ("Server", "Foo-Tools", "T"), "tree_variants = ['Server']\n")
    assert command("punji-config-validate", path).returncode == 0
    path = conf_with_variants(tmp_path, SERVER_WITH % ("Foo-Server", "Tools", "T"))
    done = command("punji-config-validate", path)
    assert done.returncode == 0, done.stderr
    assert "Foo-Server-Tools (x86_64)" in done.stdout


LAYERED_UNDER = ('<variant id="%s" name="S" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
                 '<variant id="Cloud" name="Cloud" type="layered-product"%s><release name="Cloud Stack" short="CS" '
                 'version="2"/><arches><arch>x86_64</arch></arches></variant>\n</variants></variant>\n')


def test_a_layered_product_under_a_dashed_variant_id_is_one_error_line_up_front(tmp_path):
    """Pungi 4.3.2 gathers such a product, then fails writing the layered product's .treeinfo
    ("Invalid character '-' in variant ID: Foo-Server": it hands productmd the parent's id as it
    is); punji composed it (fuzz-compose --variants seeds 60008, 60012). An is_empty layered
    product has no .treeinfo, and composes in both."""
    path = conf_with_variants(tmp_path, LAYERED_UNDER % ("Foo-Server", ""))
    assert_one_line_error(command("punji-config-validate", path),
                          ":4: variant 'Foo-Server-Cloud': a layered product under a variant whose id has a '-'",
                          "writes the layered product's .treeinfo")
    path = conf_with_variants(tmp_path, LAYERED_UNDER % ("Foo-Server", ' is_empty="true"'))
    assert command("punji-config-validate", path).returncode == 0
    path = conf_with_variants(tmp_path, LAYERED_UNDER % ("FooServer", ""))
    assert command("punji-config-validate", path).returncode == 0


@pytest.mark.parametrize("attributes, missing", [('short="LP" version="1"', "name"), ('name="Layer" short="LP"', "version"),
                                                 ('name="Layer" version="1"', "short")])
def test_a_layered_product_s_release_without_name_version_or_short_is_one_error_line(tmp_path, attributes, missing):
    """Pungi 4.3.2 reads the three attributes (name, version, short) as it parses the variants file
    and stops on the first missing one (KeyError: 'short'); punji composed the packages and then
    failed at createrepo with an internal error."""
    body = ('<variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches><variants>\n'
            '<variant id="L" name="L" type="layered-product"><release %s/>'
            '<arches><arch>x86_64</arch></arches></variant></variants></variant>\n' % attributes)
    conf = conf_with_variants(tmp_path, body)
    with pytest.raises(PunjiError, match=":4: variant 'A-L': its <release> has no %s attribute, which Pungi 4.3.2 needs"
                       % missing):
        variants.load(str(tmp_path / "variants.xml"))
    assert_one_line_error(command("punji-config-validate", conf), "has no %s attribute" % missing)


ENTITY_VARIANTS = """<?xml version="1.0"?>
<!DOCTYPE variants PUBLIC "-//Red Hat, Inc.//DTD Variants info//EN" "variants.dtd" [
<!ENTITY grp "desktop">
%s]>
<variants><variant id="A" name="A" type="variant"><arches><arch>x86_64</arch></arches>
<groups><group>core</group><group>%s</group></groups></variant></variants>
"""


def test_an_internal_entity_in_an_element_is_read_as_its_text_as_pungi_reads_it(tmp_path):
    # Pungi's lxml replaces it; an entity left unresolved read as a group 'None'
    path = tmp_path / "variants.xml"
    path.write_text(ENTITY_VARIANTS % ("", "&grp;"))
    assert [g["name"] for g in variants.load(str(path))[0]["groups"]] == ["core", "desktop"]


def test_an_external_entity_is_one_error_naming_its_line_and_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("desktop")
    path = tmp_path / "variants.xml"
    path.write_text(ENTITY_VARIANTS % ('<!ENTITY host SYSTEM "file://%s">\n' % secret, "&host;"))
    with pytest.raises(PunjiError) as err:
        variants.load(str(path))
    assert str(err.value) == "%s:7: entity 'host' is (or names) an external entity, which Pungi cannot read" % path


ARCH = "<arches><arch>x86_64</arch></arches>"


def test_a_top_level_ref_an_optional_and_a_layered_product_nothing_names_are_ignored_as_pungi_does(tmp_path):
    """Pungi 4.3.2 reads only the top-level variants of type variant, and addons and layered
    products through a variant's <ref>: it composes such a file with the Server variant alone
    (/work/fuzzkeep/J1/hand/{rootref,topopt,toplayered}); punji refused the first two and failed
    on the third with an internal error. A top-level addon nothing names stays an error."""
    path = write(tmp_path, '<ref id="Nope"/>\n'
                           '<variant id="Extra" name="Extra" type="optional">%s</variant>\n'
                           '<variant id="Layer" name="Layer" type="layered-product"><release name="L" short="L" version="1"/>'
                           '%s</variant>\n<variant id="Server" name="Server" type="variant">%s</variant>\n' % (ARCH, ARCH, ARCH))
    warnings = []
    assert [v["uid"] for v in variants.load(path, warnings=warnings)] == ["Server"]
    assert warnings == ["%s:3: <ref id='Nope'> outside a variant, which Pungi 4.3.2 ignores" % path,
                        "%s:4: variant 'Extra': a top-level optional, which Pungi 4.3.2 ignores" % path,
                        "%s:5: variant 'Layer': a top-level layered-product no <ref> names, which Pungi 4.3.2 ignores"
                        % path]
    path = write(tmp_path, '<variant id="Lone" name="Lone" type="addon">%s</variant>\n'
                           '<variant id="Server" name="Server" type="variant">%s</variant>\n' % (ARCH, ARCH))
    with pytest.raises(PunjiError, match=":3: variant 'Lone': an addon must be nested"):
        variants.load(path)


TWICE = ('<variant id="Server" name="Server" type="variant"><arches><arch>x86_64</arch></arches>'
         '<groups><group>core</group></groups></variant>\n'
         '<variant id="Other" name="Other" type="variant">%s</variant>\n'
         '<variant id="Server" name="Server Two" type="variant"><arches><arch>%s</arch></arches>'
         '<groups><group>docs</group></groups></variant>\n')


def test_of_two_top_level_variants_of_one_id_the_last_pungi_reads_is_taken(tmp_path):
    """Pungi 4.3.2 keeps its variants in a dict by id: the last one read replaces the first, in
    the first one's place (hand/dupid: Server Two's packages); a last one tree_arches leaves no
    arch it does not read, and the first stays (hand/ta-dup). punji refused the file."""
    path = write(tmp_path, TWICE % (ARCH, "x86_64"))
    warnings = []
    tree = variants.load(path, warnings=warnings)
    assert [(v["uid"], v["name"], [g["name"] for g in v["groups"]]) for v in tree] == [
        ("Server", "Server Two", ["docs"]), ("Other", "Other", [])]
    assert warnings == ["%s:5: variant 'Server' is defined twice (line 3 first): Pungi 4.3.2 takes the last" % path]
    path = write(tmp_path, TWICE % (ARCH, "aarch64"))
    tree = variants.load(path, tree_arches=["x86_64"])
    assert [(v["uid"], v["name"]) for v in tree] == [("Server", "Server"), ("Other", "Other")]


UNDER_SERVER = ('<variant id="Server" name="Server" type="variant"%s><arches><arch>x86_64</arch><arch>aarch64</arch>'
                '</arches><variants>\n%s</variants></variant>\n')
LAYERED_NO_SHORT = ('<variant id="L" name="L" type="layered-product"><release name="L" version="1"/>'
                    '<arches><arch>%s</arch></arches></variant>\n')
ADDON_HAS_OPTIONAL = ('<variant id="A" name="A" type="addon" has_optional="true"><arches><arch>%s</arch></arches>'
                      '</variant>\n')
OTHER = '<variant id="%s" name="Other" type="variant"><arches><arch>%s</arch></arches></variant>\n'
BAD_ORDER = ('<variant id="Other" name="Other" type="variant"><arches><arch>aarch64</arch></arches><environments>'
             '<environment display_order="x">e</environment></environments></variant>\n')


@pytest.mark.parametrize("body, tree", [
    (UNDER_SERVER % ("", LAYERED_NO_SHORT % "aarch64"), {"tree_arches": ["x86_64"]}),
    ('<variant id="L" name="L" type="layered-product"><arches><arch>aarch64</arch></arches></variant>\n'
     + UNDER_SERVER % ("", '<ref id="L"/><variant id="Lay" name="Lay" type="layered-product"><arches><arch>aarch64'
                           '</arch></arches></variant>\n'), {"tree_arches": ["x86_64"]}),
    (UNDER_SERVER % ("", "") + BAD_ORDER, {"tree_arches": ["x86_64"]}),
    (UNDER_SERVER % ("", ADDON_HAS_OPTIONAL % "aarch64"), {"tree_arches": ["x86_64"]}),
    (UNDER_SERVER % ("", ADDON_HAS_OPTIONAL % "x86_64"), {"tree_variants": ["Server", "Server-A"]}),
    (UNDER_SERVER % ("", "") + OTHER % ("Other", "foo64"), {"tree_arches": ["x86_64"]}),
    (UNDER_SERVER % ("", "") + OTHER % ("Other", "foo64</arch><arch>x86_64"), {"tree_arches": ["x86_64"]}),
    (UNDER_SERVER % ("", "") + OTHER % ("Ot/her", "aarch64"), {"tree_arches": ["x86_64"]}),
    (UNDER_SERVER % ("", "") + OTHER % ("Ot/her", "x86_64"), {"tree_variants": ["Server"]}),
])
def test_pungi_s_checks_of_a_variant_it_reads_skip_one_tree_arches_or_tree_variants_leave_out(tmp_path, body, tree):
    """Pungi 4.3.2 reads no more of a variant tree_arches leaves no arch of its own (a layered
    product's <release>, an environment's display_order, its children), and adds no has_optional
    child tree_variants leaves out: it composes these (hand/ta-release, ta-release2, ta-dorder,
    ta-hasopt, tv-hasopt), which punji refused. Nor does it look at the arches tree_arches drops
    or at the ids of the variants it leaves out (lead's hand/ta-badarch, ta-badid2, tv-badid)."""
    path = write(tmp_path, body)
    assert [v["uid"] for v in variants.load(path, **tree)][0] == "Server"
    with pytest.raises(PunjiError):
        variants.load(path)


def test_pungi_still_reads_a_variant_tree_variants_leaves_out_and_arches_after_tree_arches(tmp_path):
    """tree_variants leaves a variant out after Pungi 4.3.2 read it ("KeyError: 'short'",
    hand/tv-relexcl); a child's arches are intersected with its parent's after tree_arches, so
    a child sharing no arch left with it is refused ("does not intersect", hand/ta-intersect),
    which punji composed without the child."""
    path = write(tmp_path, UNDER_SERVER % ("", LAYERED_NO_SHORT % "x86_64"))
    with pytest.raises(PunjiError, match=":4: variant 'Server-L': its <release> has no short attribute"):
        variants.load(path, tree_variants=["Server"])
    path = write(tmp_path, UNDER_SERVER.replace("aarch64", "s390x") % (
        "", '<variant id="A" name="A" type="addon"><arches><arch>aarch64</arch><arch>s390x</arch></arches></variant>\n'))
    assert [v["uid"] for v in variants.load(path)] == ["Server", "Server-A"]
    with pytest.raises(PunjiError, match=":4: variant 'Server-A': arches aarch64 are not arches of its parent 'Server'"):
        variants.load(path, tree_arches=["x86_64", "aarch64"])


DECLARED_OPTIONAL = '<variant id="Opt" name="Opt" type="optional"><arches><arch>%s</arch></arches></variant>\n'


@pytest.mark.parametrize("arch, tree, arches", [("aarch64", {"tree_arches": ["x86_64"]}, ["x86_64"]),
                                                ("x86_64", {"tree_variants": ["Server", "Server-optional"]},
                                                 ["aarch64", "x86_64"])])
def test_has_optional_adds_its_child_when_tree_arches_or_tree_variants_leave_out_the_declared_one(tmp_path, arch, tree,
                                                                                                   arches):
    """Pungi 4.3.2 counts a declared optional child only when it adds it: left out by tree_arches
    or tree_variants, has_optional adds Server-optional (hand/ta-optdecl, tv-optdecl: 10 packages
    punji did not compose)."""
    path = write(tmp_path, UNDER_SERVER % (' has_optional="true"', DECLARED_OPTIONAL % arch))
    assert [(v["uid"], v["arches"]) for v in variants.load(path, **tree)] == [
        ("Server", arches), ("Server-optional", arches)]
    assert [v["uid"] for v in variants.load(path)] == ["Server", "Server-Opt"]


def test_init_reads_the_variants_under_tree_arches_and_warns_of_what_pungi_ignores(tmp_path):
    """punji-config-validate (init's reading): a display_order of a variant tree_arches leaves no
    arch is not read; a top-level <ref> and optional are warnings; a variant pattern naming a
    variant tree_arches leaves out still matches one the file declares."""
    body = UNDER_SERVER % ("", "") + BAD_ORDER
    path = conf_with_variants(tmp_path, '<ref id="Nope"/>\n' + body,
                              "tree_arches = ['x86_64']\nfilter_packages = [('^Other$', {'*': ['x']})]\n")
    done = command("punji-config-validate", path)
    assert done.returncode == 0, done.stderr
    assert "<ref id='Nope'> outside a variant, which Pungi 4.3.2 ignores" in done.stderr
    assert "matches no variant" not in done.stderr
    path = conf_with_variants(tmp_path, body)
    assert_one_line_error(command("punji-config-validate", path), ":5: <environment> 'e': display_order 'x'")


def test_of_two_children_of_one_id_the_first_pungi_adds_is_taken_and_a_child_s_child_left_out_is_no_error(tmp_path):
    """Pungi 4.3.2 adds a child only once it is read and not left out: the first of two children
    of one id tree_arches leaves no arch does not stop the second (hand/ta-dupchild: Server-A "A
    second", 4 packages, which punji did not compose); a child's child tree_variants leaves out is
    never added, so nothing refuses it (hand/tv-grandchild; punji refused it)."""
    path = write(tmp_path, UNDER_SERVER % ("", '<variant id="A" name="A first" type="addon"><arches><arch>aarch64</arch>'
                                               '</arches></variant>\n<variant id="A" name="A second" type="addon">'
                                               '<arches><arch>x86_64</arch></arches></variant>\n'))
    assert [(v["uid"], v["name"]) for v in variants.load(path, tree_arches=["x86_64"])] == [
        ("Server", "Server"), ("Server-A", "A second")]
    assert [(v["uid"], v["name"]) for v in variants.load(path)] == [("Server", "Server"), ("Server-A", "A first")]
    path = write(tmp_path, UNDER_SERVER % ("", '<variant id="A" name="A" type="addon">%s<variants><variant id="B" '
                                               'name="B" type="addon">%s</variant></variants></variant>\n' % (ARCH, ARCH)))
    assert [v["uid"] for v in variants.load(path, tree_variants=["Server", "Server-A"])] == ["Server", "Server-A"]
    with pytest.raises(PunjiError, match=":4: variant 'Server-A-B': only a variant of type variant can have children"):
        variants.load(path)


def test_a_top_level_uid_a_child_tree_arches_leaves_out_would_also_have_composes(tmp_path):
    """Only the variants Pungi keeps must have uids of their own: a dashed top-level variant A-B
    beside A's child B that tree_arches leaves out composes (Pungi never reads that B)."""
    body = (UNDER_SERVER % ("", '<variant id="B" name="B" type="addon"><arches><arch>aarch64</arch></arches>'
                                '</variant>\n')).replace('"Server"', '"A"')
    body += '<variant id="A-B" name="AB" type="variant">%s</variant>\n' % ARCH
    path = conf_with_variants(tmp_path, body, "tree_arches = ['x86_64']\n")
    done = command("punji-config-validate", path)
    assert done.returncode == 0, done.stderr
    assert "variants: A (x86_64), A-B (x86_64)" in done.stdout
    assert_one_line_error(command("punji-config-validate", conf_with_variants(tmp_path, body)),
                          ":6: variant 'A-B' is defined twice")


def test_a_tree_asked_for_by_hand_that_is_not_there_names_what_is():
    """punji-gather --variant Sever (a typo) says which variants there are, not that it has no arch."""
    listed = [{"uid": "Server", "arches": ["x86_64"]}, {"uid": "Client", "arches": ["i386", "x86_64"]}]
    with pytest.raises(PunjiError, match=r"^no variant Sever in this compose \(its variants: Client, Server\)$"):
        variants.with_arch(listed, "Sever", "x86_64")
    with pytest.raises(PunjiError, match=r"^variant Server has no arch s390x in this compose "
                                         r"\(its arches: x86_64, src\)$"):
        variants.with_arch(listed, "Server", "s390x")
    with pytest.raises(PunjiError, match=r"its arches: x86_64\)$"):
        variants.with_arch(listed, "Server", "src", source=False)
    assert variants.with_arch(listed, "Client", "src")["uid"] == "Client"
