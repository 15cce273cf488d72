"""The demo product end to end, as `make compose` makes it: installable repositories and ISOs,
checksums that verify, metadata productmd reads and that agrees with the files on disk."""

import glob
import json
import os
import subprocess

import pytest

from conftest import command, demo_config, make


@pytest.fixture(scope="module")
def compose(tmp_path_factory, demo_repo):
    top = tmp_path_factory.mktemp("demo")
    conf = demo_config(top / "demo", demo_repo)
    done = command("punji-compose", conf, "--target-dir", top / "out", "--test", "-j", "2")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def dnf_install(tmp_path, repos, *specs, check=True):
    """Install SPECS into a new root from REPOS (a path or a list of paths); the installed names
    (None when dnf fails and CHECK is off)."""
    root = tmp_path / "root"
    repos = [repos] if isinstance(repos, str) else repos
    enabled = []
    for number, repo in enumerate(repos):
        enabled += ["--repofrompath", "demo%d,%s" % (number, repo), "--repo", "demo%d" % number]
    done = subprocess.run(
        ["dnf", "-y", "-q", "--installroot", str(root), "--releasever", "1", "--setopt=reposdir=/dev/null",
         "--setopt=cachedir=%s" % (tmp_path / "cache"), "--setopt=install_weak_deps=False", "--nogpgcheck",
         "--disableplugin=*"] + enabled + ["install"] + list(specs),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not check and done.returncode != 0:
        return None
    assert done.returncode == 0, done.stdout
    return subprocess.run(["rpm", "--root", str(root), "-qa", "--qf", "%{NAME}\n"], stdout=subprocess.PIPE,
                          text=True, check=True).stdout.split()


def images(compose):
    from productmd.images import Images

    im = Images()
    im.load(os.path.join(compose, "compose/metadata/images.json"))
    return [(variant, arch, image) for variant, by_arch in im.images.items()
            for arch, found in by_arch.items() for image in found]


def test_the_compose_finished(compose):
    assert open(os.path.join(compose, "STATUS")).read() == "FINISHED\n"


def server_iso_tree(compose, tmp_path):
    """The files of the Server x86_64 DVD, extracted with xorriso."""
    (iso,) = [i for v, a, i in images(compose) if v == "Server" and i.arch == "x86_64" and i.type == "dvd"]
    tree = tmp_path / "iso"
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", os.path.join(compose, "compose", iso.path),
                    "-extract", "/", str(tree)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return tree


def test_dnf_installs_a_group_from_the_repository_inside_the_server_iso(compose, tmp_path):
    assert "demo-httpd" in dnf_install(tmp_path, str(server_iso_tree(compose, tmp_path)), "@web-server")


def test_the_addon_is_a_repository_inside_its_parents_tree_and_iso_as_in_pungi(compose, tmp_path):
    """Server-HA's packages are in Server/x86_64/os/addons/HA (Pungi's layout), listed by the
    parent's .treeinfo, absent from the parent's own repodata, and dnf installs the addon's
    group from the ISO with the parent's repo beside it."""
    from productmd.treeinfo import TreeInfo

    os_tree = os.path.join(compose, "compose/Server/x86_64/os")
    assert not os.path.exists(os.path.join(compose, "compose/Server-HA"))
    ti = TreeInfo()
    ti.load(os.path.join(os_tree, ".treeinfo"))
    addon = ti.variants["Server"].variants["HA"]
    assert (addon.paths.repository, addon.paths.packages) == ("addons/HA", "addons/HA")
    tree = server_iso_tree(compose, tmp_path)
    assert (tree / "addons/HA/repodata/repomd.xml").is_file()
    installed = dnf_install(tmp_path, [str(tree), str(tree / "addons/HA")], "@ha")
    assert "demo-pacemaker" in installed
    (tmp_path / "server-only").mkdir()
    only_server = dnf_install(tmp_path / "server-only", str(tree), "demo-pacemaker", check=False)
    assert only_server is None


def test_every_iso_passes_checkisomd5(compose):
    found = {i.path: (v, i) for v, _a, i in images(compose)}
    assert {(v, i.arch) for v, i in found.values()} >= {("Server", "x86_64"), ("Server", "i386"), ("Server", "src"),
                                                       ("Client", "x86_64"), ("Client", "src")}
    for _v, image in found.values():
        path = os.path.join(compose, "compose", image.path)
        assert image.implant_md5, image.path
        done = subprocess.run(["checkisomd5", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert done.returncode == 0, done.stdout


def test_every_checksum_file_verifies_with_the_coreutils(compose):
    files = glob.glob(os.path.join(compose, "compose/*/*/iso/*SUM")) \
        + glob.glob(os.path.join(compose, "compose/*/source/iso/*SUM"))
    assert files
    for path in files:
        for tool in ("sha256sum",):
            done = subprocess.run([tool, "-c", os.path.basename(path)], cwd=os.path.dirname(path),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            assert done.returncode == 0 and ": OK" in done.stdout, done.stdout


def test_productmd_loads_the_compose_and_it_agrees_with_the_disk(compose):
    from productmd.compose import Compose

    c = Compose(compose)
    assert c.info.compose.id == os.path.basename(compose)
    for variant, by_arch in c.rpms.rpms.items():
        for arch, by_srpm in by_arch.items():
            for packages in by_srpm.values():
                for info in packages.values():
                    assert os.path.isfile(os.path.join(compose, "compose", info["path"])), info["path"]
    for variant, by_arch in c.images.images.items():
        for arch, found in by_arch.items():
            for image in found:
                path = os.path.join(compose, "compose", image.path)
                assert os.path.getsize(path) == image.size
                assert image.checksums.get("sha256")
    for variant in c.info.get_variants(recursive=True):
        for arch in variant.arches:
            repo = variant.paths.repository.get(arch)
            if repo:
                assert os.path.isfile(os.path.join(compose, "compose", repo, "repodata", "repomd.xml"))


def test_a_second_make_does_nothing(compose):
    out = make(compose)
    assert "Nothing to be done" in out.stdout, out.stdout


def test_every_state_file_fits_its_schema(compose):
    from punji_lib.compose import state

    files = glob.glob(os.path.join(compose, "work/*/state/*.json"))
    assert len(files) > 40
    phases = {state.check(json.load(open(path)), path)["phase"] for path in files}
    assert {"init", "pkgset", "gather", "createrepo", "createiso", "imagechecksum", "test", "finish"} <= phases
