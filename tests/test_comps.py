"""Comps filtered per variant and arch, written by init and read back with libcomps."""

import os
import shutil

import libcomps
import pytest

from conftest import CONFIGS, command
from punji_lib.config import comps
from punji_lib.errors import PunjiError


@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    """An init'ed compose of the documentation-style config with comps-docs.xml."""
    tmp = tmp_path_factory.mktemp("comps")
    for name in ("variants-docs.xml", "comps-docs.xml"):
        shutil.copy(os.path.join(CONFIGS, name), tmp / name)
    conf = open(os.path.join(CONFIGS, "docs-example.conf")).read()
    (tmp / "c.conf").write_text(conf + '\ncomps_file = "comps-docs.xml"\n')
    done = command("punji-init", tmp / "c.conf", "--target-dir", tmp / "out", "--test", check=True)
    return done.stdout.strip()


def read_back(compose, variant, arch):
    c = libcomps.Comps()
    assert c.fromxml_f(os.path.join(compose, "work", arch, "comps", "comps-%s.%s.xml" % (variant, arch))) == 0
    groups = {g.id: sorted(p.name for p in g.packages) for g in c.groups}
    envs = {e.id: ([g.name for g in e.group_ids], [g.name for g in e.option_ids]) for e in c.environments}
    cats = {k.id: [g.name for g in k.group_ids] for k in c.categories}
    return c, groups, envs, cats


def test_arch_attributes_filter_packages_and_groups(compose):
    _, x86, _, _ = read_back(compose, "Server", "x86_64")
    _, arm, _, _ = read_back(compose, "Server", "aarch64")
    assert x86["core"] == ["bash", "bash-completion", "microcode"]
    assert arm["core"] == ["bash", "bash-completion", "uboot-tools"]
    assert "server-firmware" in x86 and "server-firmware" not in arm


def test_variant_keeps_only_its_groups_and_environments(compose):
    c, groups, envs, cats = read_back(compose, "Server", "x86_64")
    # Server lists core and the glob server-*; not ha, not workstation-product
    assert sorted(groups) == ["core", "server-firmware", "server-web"]
    # as Pungi: the option list keeps the group the variant's group filter removed (ha)
    assert envs == {"server-environment": (["core", "server-firmware"], ["ha", "server-web"])}
    assert cats == {"servers": ["server-firmware", "server-web"]}  # Pungi sorts the list
    assert {name: c.langpacks[name] for name in c.langpacks} == {"httpd-manual": "httpd-manual-%s"}


def test_addon_gets_only_its_group_and_no_foreign_environment(compose):
    _, groups, envs, _ = read_back(compose, "Server-HA", "x86_64")
    assert groups == {"ha": ["pacemaker"]}
    assert envs == {}


def test_empty_groups_and_environments_are_dropped(compose):
    # workstation-product has only an aarch64 package: empty on x86_64, so its environment goes too
    _, groups, envs, _ = read_back(compose, "Workstation", "x86_64")
    assert groups == {"core": ["bash", "bash-completion", "microcode"]}
    assert envs == {}


def test_everything_without_groups_keeps_all_for_its_arch(compose):
    _, groups, envs, _ = read_back(compose, "Everything", "aarch64")
    assert sorted(groups) == ["core", "ha", "server-web", "workstation-product"]
    assert sorted(envs) == ["server-environment", "workstation-environment"]


def test_variant_overrides_uservisible(compose):
    c, _, _, _ = read_back(compose, "Workstation", "x86_64")
    c2, _, _, _ = read_back(compose, "Everything", "aarch64")
    assert [g.uservisible for g in c2.groups if g.id == "workstation-product"] == [True]
    assert all(g.id != "workstation-product" for g in c.groups)


COMPS = """<?xml version="1.0" encoding="UTF-8"?>
<comps>
  <group><id>zed</id><name>Zed</name>
    <packagelist>
      <packagereq type="optional">o-pkg</packagereq>
      <packagereq type="conditional" requires="a-pkg">c-pkg</packagereq>
      <packagereq type="default">d-pkg</packagereq>
      <packagereq type="mandatory">z-pkg</packagereq>
      <packagereq type="mandatory">a-pkg</packagereq>
    </packagelist></group>
  <group arch="s390x"><id>arm</id><name>Arm</name><description>d</description>
    <packagelist><packagereq>s-pkg</packagereq></packagelist></group>
  <group><id>base</id><name>Base</name><description>d</description>
    <packagelist><packagereq>b-pkg</packagereq></packagelist></group>
  <group><id>conflicts</id><name>Conflicts</name><description>d</description><packagelist/></group>
  <group><id>empty</id><name>Empty</name><description>d</description><packagelist/></group>
  <environment><id>z-env</id><name>Z</name><description>d</description>
    <grouplist><groupid>zed</groupid><groupid>base</groupid><groupid>parents</groupid><groupid>gone</groupid></grouplist>
    <optionlist><groupid>arm</groupid><groupid>gone</groupid></optionlist></environment>
  <environment><id>a-env</id><name>A</name><description>d</description><grouplist><groupid>gone</groupid></grouplist></environment>
  <langpacks><match name="zz" install="zz-%s"/><match name="aa" install="aa-%s"/></langpacks>
</comps>
"""


def filtered_xml(tmp_path, groups, lookaside=()):
    """The comps written for a variant listing GROUPS (names) on x86_64."""
    path = tmp_path / "comps.xml"
    path.write_text(COMPS)
    variant = {"uid": "Server", "type": "variant", "modules": None, "modular_koji_tags": [], "environments": [],
               "groups": [{"name": g, "glob": False, "default": None, "uservisible": None} for g in groups]}
    result, missing = comps.filtered(str(path), variant, "x86_64", False, lookaside)
    return comps.to_xml(result), missing


def test_written_as_pungi_sorts_and_spells_it(tmp_path):
    text, _ = filtered_xml(tmp_path, [])
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE comps\n'
                           "  PUBLIC '-//Red Hat, Inc.//DTD Comps info//EN'\n  'comps.dtd'>\n<comps>\n")
    c = libcomps.Comps()
    assert c.fromxml_str(text) in (0, 1)  # 1: remarks on the empty packagelist and description, as Pungi's
    # groups and environments by id; requirements by type, then name; lists and langpacks by name
    assert [g.id for g in c.groups] == ["base", "conflicts", "zed"]
    assert [(p.name, p.type) for p in c.groups[2].packages] == [
        ("a-pkg", libcomps.PACKAGE_TYPE_MANDATORY), ("z-pkg", libcomps.PACKAGE_TYPE_MANDATORY),
        ("d-pkg", libcomps.PACKAGE_TYPE_DEFAULT), ("o-pkg", libcomps.PACKAGE_TYPE_OPTIONAL),
        ("c-pkg", libcomps.PACKAGE_TYPE_CONDITIONAL)]
    assert '<packagereq requires="a-pkg" type="conditional">c-pkg</packagereq>' in text
    # default and uservisible always, a description always for a group
    assert ("<id>zed</id>\n    <name>Zed</name>\n    <description/>\n    <default>false</default>\n"
            "    <uservisible>true</uservisible>") in text
    assert [g.name for g in c.environments[0].group_ids] == ["base", "zed"]
    assert '<match install="aa-%s" name="aa"/>\n    <match install="zz-%s" name="zz"/>' in text


def test_environment_lists_keep_groups_the_variant_filter_removed(tmp_path):
    text, missing = filtered_xml(tmp_path, ["zed", "nothere"], lookaside=["parents"])
    c = libcomps.Comps()
    c.fromxml_str(text)
    assert [g.id for g in c.groups] == ["zed"]
    assert missing == ["nothere"]
    # comps_filter prunes only grouplists, against the groups left by arch= and emptiness and the
    # parent's groups; the variant's own group filter prunes nothing
    env = c.environments[0]
    assert [g.name for g in env.group_ids] == ["base", "parents", "zed"]
    assert [g.name for g in env.option_ids] == ["arm", "gone"]
    assert [e.id for e in c.environments] == ["z-env"]  # a-env's grouplist named no group


def test_bad_comps_is_one_error(tmp_path):
    path = tmp_path / "comps.xml"
    path.write_text("<comps><group><id>x</id></group>")
    with pytest.raises(PunjiError) as err:
        comps.read(str(path))
    assert str(err.value) == "%s: libcomps rejects the comps file: line 1: Parser error no element found" % path


REMARKED = """<?xml version="1.0" encoding="UTF-8"?>
<comps>
  <group><id>core</id><name>Core</name><name>Core "2" &amp; more</name><uservisible>no</uservisible><biarchonly>true</biarchonly>
    <packagelist><packagereq type="mandatory">a-pkg</packagereq><packagereq>b-pkg</packagereq></packagelist></group>
  <group><id>extra</id><name></name><description></description>
    <packagelist><packagereq type="optional" basearchonly="true">c-pkg</packagereq></packagelist></group>
</comps>
"""


def test_comps_libcomps_remarks_on_are_read_as_pungi_does(tmp_path):
    # Pungi 4.3.2 composes with a missing, empty or second name or description and unknown
    # attributes: libcomps only remarks on them ("no" is no false to it)
    path = tmp_path / "comps.xml"
    path.write_text(REMARKED)
    text = comps.to_xml(comps.read(str(path)))
    assert ("<id>core</id>\n    <name>Core &quot;2&quot; &amp; more</name>\n    <description/>\n"
            "    <default>false</default>\n    <uservisible>true</uservisible>\n") in text
    assert '<packagereq type="mandatory">a-pkg</packagereq>\n      <packagereq type="mandatory">b-pkg' in text
    assert "<id>extra</id>\n    <name/>\n    <description/>" in text
    assert '<packagereq type="optional">c-pkg</packagereq>' in text


def test_untranslated_names_of_a_comps_in_file_are_dropped_as_libcomps_does(tmp_path):
    # a comps.xml.in names and describes by <_name>/<_description> (merged into <name> with its
    # translations later): Pungi 4.3.2 composes with such a file as a config names it, libcomps
    # dropping them (fidelity product comps-untranslated); a misplaced <name> stays an error
    path = tmp_path / "comps.xml"
    path.write_text('<?xml version="1.0"?>\n<comps>\n<group><id>g</id><_name>G</_name><_description>d</_description>'
                    '<packagelist><packagereq type="mandatory">a</packagereq></packagelist></group>\n'
                    '<category><id>c</id><_name>C</_name><grouplist><groupid>g</groupid></grouplist></category>\n'
                    '</comps>\n')
    text = comps.to_xml(comps.read(str(path)))
    assert "<id>g</id>\n    <name/>\n    <description/>" in text
    path.write_text('<?xml version="1.0"?>\n<comps>\n<group><id>g</id><name>G</name><description>d</description>'
                    '<packagelist><name>a</name></packagelist></group>\n</comps>\n')
    with pytest.raises(PunjiError, match="libcomps rejects the comps file"):
        comps.read(str(path))


@pytest.mark.parametrize("element, expected", [
    ("<id></id>", "line 3: <id> content missing"),
    ('<id>g</id><packagelist><packagereq type="mandatory"></packagereq></packagelist>',
     "line 3: <packagereq> content missing"),
])
def test_a_missing_id_or_package_name_is_one_error(tmp_path, element, expected):
    # Pungi fails on both (its comps writer sorts the ids, its validation strips the names)
    path = tmp_path / "comps.xml"
    path.write_text('<?xml version="1.0"?>\n<comps>\n<group>%s<name>G</name><description>d</description>'
                    '</group>\n</comps>\n' % element)
    with pytest.raises(PunjiError) as err:
        comps.read(str(path))
    assert str(err.value) == "%s: libcomps rejects the comps file: %s" % (path, expected)


@pytest.mark.parametrize("element", ["<uservisible/>", "<biarchonly> </biarchonly>", '<display_order x="1"></display_order>'])
def test_an_empty_number_libcomps_crashes_on_is_one_error(tmp_path, element):
    path = tmp_path / "comps.xml"
    path.write_text(REMARKED.replace("<biarchonly>true</biarchonly>", "\n" + element))
    with pytest.raises(PunjiError) as err:
        comps.read(str(path))
    tag = element[1:].split(">")[0].split()[0].rstrip("/")
    assert str(err.value) == "%s: line 4: empty <%s> element (libcomps cannot read it)" % (path, tag)


def test_a_package_name_with_blanks_around_is_one_error_as_pungi_makes_it(tmp_path):
    path = tmp_path / "comps.xml"
    path.write_text(REMARKED.replace(">b-pkg<", "> b-pkg<"))
    with pytest.raises(PunjiError) as err:
        comps.read(str(path))
    assert str(err.value) == "%s: group 'core': package name ' b-pkg' has leading or trailing whitespace" % path


def test_a_requirement_of_unknown_type_fails_the_variant_comps_as_pungi_does(tmp_path):
    path = tmp_path / "comps.xml"
    path.write_text(REMARKED.replace('<packagereq type="optional"', '<packagereq type="sometimes"'))
    read = comps.read(str(path))
    with pytest.raises(PunjiError) as err:
        comps.check_package_types(str(path), read)
    assert str(err.value) == ("%s: group 'extra': package 'c-pkg' has an unknown type (one of mandatory, default, "
                              "optional, conditional)" % path)
    # a variant.arch whose comps lose the group composes
    variant = {"uid": "Server", "type": "variant", "modules": None, "modular_koji_tags": [], "environments": [],
               "groups": [{"name": "core", "glob": False, "default": None, "uservisible": None}]}
    comps.check_package_types(str(path), comps.filtered(str(path), variant, "x86_64")[0])


def test_an_empty_packagelist_is_read_and_its_group_dropped(tmp_path):
    # Pungi reads such a file (libcomps only remarks on it) and comps_filter drops the empty group
    path = tmp_path / "comps.xml"
    path.write_text('<?xml version="1.0"?>\n<comps>\n'
                    "  <group><id>empty</id><name>E</name><description>e</description><packagelist>\n  </packagelist></group>\n"
                    "  <group><id>full</id><name>F</name><description>f</description><packagelist>"
                    '<packagereq type="mandatory">a-pkg</packagereq></packagelist></group>\n</comps>\n')
    comps.read(str(path))
    variant = {"uid": "Server", "type": "variant", "modules": None, "modular_koji_tags": [], "environments": [],
               "groups": []}
    result, _missing = comps.filtered(str(path), variant, "x86_64")
    assert [g.id for g in result.groups] == ["full"]


def test_a_blank_at_libcomps_read_edge_is_lost_as_in_pungi(tmp_path):
    # Pungi writes comps_filter's output to a file and reads it back with libcomps, which reads
    # 1 KiB at a time and drops a piece of text that is only blanks: the blank after `&amp;` as
    # the last byte of the first KiB goes (found by tools/fuzz-compose --seed 27125)
    head = ("<?xml version='1.0' encoding='UTF-8'?>\n<comps>\n  <group>\n    <id>docs</id>\n"
            "    <name>Docs</name>\n    <description>%s</description>\n    <name xml:lang=\"de\">A &amp;")
    tail = (" B</name>\n    <packagelist>\n      <packagereq type=\"mandatory\">a-pkg</packagereq>\n"
            "    </packagelist>\n  </group>\n</comps>\n")
    variant = {"uid": "Server", "type": "variant", "modules": None, "modular_koji_tags": [], "environments": [],
               "groups": []}
    names = []
    for pad in (1023 - len(head % ""), 1022 - len(head % "")):
        path = tmp_path / ("comps-%d.xml" % pad)
        path.write_text(head % ("x" * pad) + tail)
        result, _missing = comps.filtered(str(path), variant, "x86_64")
        names.append(result.groups[0].name_by_lang["de"])
    assert names == ["A &B", "A & B"]


def test_the_arch_comps_are_written_as_comps_filter_writes_them(tmp_path):
    path = tmp_path / "comps.xml"
    path.write_text('<comps><group><id>g</id><name>G</name><packagelist>'
                    '<packagereq type="mandatory" arch="s390x">a</packagereq></packagelist></group></comps>')
    assert comps.attribute_filtered(str(path), "s390x", None).decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<comps>\n  <group>\n    <id>g</id>\n    <name>G</name>\n"
        '    <packagelist>\n      <packagereq type="mandatory">a</packagereq>\n    </packagelist>\n'
        "  </group>\n</comps>\n\n")


ENTITY_COMPS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd" [
<!ENTITY distro "Punji Demo">
%s]>
<comps><group><id>g</id><name>&distro; base</name><packagelist><packagereq type="mandatory">a</packagereq></packagelist></group></comps>
"""


def test_an_internal_entity_is_replaced_by_its_text_as_comps_filter_does(tmp_path):
    # comps_filter's lxml replaces it (the DOCTYPE stays); left unresolved, libcomps dropped the text
    path = tmp_path / "comps.xml"
    path.write_text(ENTITY_COMPS % "")
    assert comps.attribute_filtered(str(path), "x86_64", None).decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd" [\n'
        '<!ENTITY distro "Punji Demo">\n]>\n<comps>\n  <group>\n    <id>g</id>\n    <name>Punji Demo base</name>\n'
        '    <packagelist>\n      <packagereq type="mandatory">a</packagereq>\n    </packagelist>\n'
        "  </group>\n</comps>\n\n")
    result, _missing = comps.filtered(str(path), {"uid": "Server", "groups": [], "environments": [], "type": "variant",
                                                  "modular_koji_tags": []}, "x86_64")
    assert result.groups[0].name == "Punji Demo base"


@pytest.mark.parametrize("declared, used", [
    ('<!ENTITY host SYSTEM "file://%s">\n', "host"),
    ('<!ENTITY host SYSTEM "file://%s">\n<!ENTITY both "&host; and more">\n', "both"),
])
def test_an_external_entity_is_one_error_naming_its_line_and_is_not_read(tmp_path, declared, used):
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret\n")
    path = tmp_path / "comps.xml"
    path.write_text((ENTITY_COMPS % (declared % secret)).replace("&distro;", "&%s;" % used))
    with pytest.raises(PunjiError) as err:
        comps.attribute_filtered(str(path), "x86_64", None)
    assert str(err.value).startswith("%s:%d: entity '%s' is (or names) an external entity" % (
        path, 5 + declared.count("\n"), used))


def test_an_external_entity_declared_but_not_used_is_read_past_as_comps_filter_does(tmp_path):
    path = tmp_path / "comps.xml"
    path.write_text(ENTITY_COMPS % '<!ENTITY host SYSTEM "file:///etc/hostname">\n')
    assert b"<name>Punji Demo base</name>" in comps.attribute_filtered(str(path), "x86_64", None)
