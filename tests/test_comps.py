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
    done = command("punji-init", tmp / "c.conf", "--target-dir", tmp / "out", check=True)
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
    # the environment loses the group the variant does not have
    assert envs == {"server-environment": (["core", "server-firmware"], ["server-web"])}
    assert cats == {"servers": ["server-web", "server-firmware"]}
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


def test_bad_comps_is_one_error(tmp_path):
    path = tmp_path / "comps.xml"
    path.write_text("<comps><group><id>x</id></group>")
    with pytest.raises(PunjiError) as err:
        comps.read(str(path))
    assert str(err.value) == "%s: libcomps rejects the comps file: line 1: Parser error no element found" % path
