"""createrepo_deltas: delta RPMs in each os repo against the packages of the old compose, as
Pungi asks createrepo_c for them (checked against Pungi 4.3.2 by hand on the demo product: the
same drpms/ directories, delta RPMs and prestodelta files)."""

import os
import subprocess

from conftest import command, server_config, server_variants

SPEC = """Name: delta-test
Version: %{pkgver}
Release: 1
Summary: a package whose rebuild gets a delta RPM
License: MIT
%description
A package whose rebuild gets a delta RPM.
%install
mkdir -p %{buildroot}/usr/share/delta-test
for i in $(seq 2000); do echo "line $i of a file that barely changes"; done > %{buildroot}/usr/share/delta-test/data
echo %{pkgver} > %{buildroot}/usr/share/delta-test/version
%files
/usr/share/delta-test
"""

VARIANTS = server_variants("x86_64")


def build(tmp_path, version):
    top = tmp_path / ("rpmbuild-" + version)
    top.mkdir()
    spec = top / "delta-test.spec"
    spec.write_text(SPEC)
    subprocess.run(["rpmbuild", "-bb", "--quiet", "--target", "x86_64", "--define", "_topdir %s" % top,
                    "--define", "pkgver %s" % version, "--define", "debug_package %{nil}", str(spec)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return top / "RPMS" / "x86_64" / ("delta-test-%s-1.x86_64.rpm" % version)


def product(tmp_path, version, options=""):
    """The config of a one-variant product over a repo holding delta-test VERSION."""
    repo = tmp_path / "repo"
    packages = repo / "Packages"
    packages.mkdir(parents=True, exist_ok=True)
    for name in os.listdir(packages):
        os.unlink(packages / name)
    os.link(build(tmp_path, version), packages / ("delta-test-%s-1.x86_64.rpm" % version))
    subprocess.run(["createrepo_c", "--quiet", str(repo)], check=True)
    (tmp_path / "variants.xml").write_text(VARIANTS)
    conf = tmp_path / "delta.conf"
    conf.write_text(server_config("Delta", "DLT", "repo", "delta-test", "hashed_directories = True\n") + options)
    return conf


def compose(conf, target, old):
    done = command("punji-compose", conf, "--target-dir", target, "--old-composes", old, "--nightly")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def repodata_types(tree):
    import createrepo_c

    return {record.type for record in createrepo_c.Repomd(os.path.join(tree, "repodata", "repomd.xml")).records}


def test_a_rebuilt_package_gets_a_delta_rpm_against_the_old_composes_package(tmp_path):
    target, nowhere = tmp_path / "composes", tmp_path / "no-old-composes"
    target.mkdir()
    nowhere.mkdir()
    first = compose(product(tmp_path, "1.0", "createrepo_deltas = True\n"), target, nowhere)
    tree = os.path.join(first, "compose/Server/x86_64/os")
    # no old compose: createrepo_c is asked for deltas all the same (an empty drpms/ and prestodelta)
    assert os.listdir(os.path.join(tree, "drpms")) == [] and "prestodelta" in repodata_types(tree)
    second = compose(product(tmp_path, "2.0", "createrepo_deltas = True\n"), target, target)
    tree = os.path.join(second, "compose/Server/x86_64/os")
    assert os.listdir(os.path.join(tree, "drpms")) == ["delta-test-1.0-1_2.0-1.x86_64.drpm"]
    assert "prestodelta" in repodata_types(tree)
    assert not os.path.exists(os.path.join(second, "compose/Server/x86_64/debug/tree/drpms"))
    assert not os.path.exists(os.path.join(second, "compose/Server/source/tree/drpms"))


def test_without_createrepo_deltas_no_delta_rpms_are_made(tmp_path):
    target = tmp_path / "composes"
    target.mkdir()
    compose(product(tmp_path, "1.0"), target, target)
    second = compose(product(tmp_path, "2.0"), target, target)
    tree = os.path.join(second, "compose/Server/x86_64/os")
    assert not os.path.exists(os.path.join(tree, "drpms")) and "prestodelta" not in repodata_types(tree)
