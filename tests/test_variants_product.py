"""The variants-product fixture composed end to end: refs, has_optional, is_empty, a dash
in an id, a layered product and comps arch/variant attributes. Every expected answer
below is what Pungi 4.3.2 (pungi-koji, /work/shared/pungi-oracle/compose) gives for
tests/data/fidelity/variants-product/variants-product.conf."""

import glob
import os
import subprocess
import sys

import pytest

from conftest import DATA, ROOT

FIXTURE = os.path.join(DATA, "fidelity", "variants-product")


@pytest.fixture(scope="module")
def composed(tmp_path_factory):
    out = os.path.join(ROOT, "build", "fidelity", "variants-product-repo")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs",
                    os.path.join(FIXTURE, "specs"), "--comps", os.path.join(FIXTURE, "comps.xml"), "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    target = str(tmp_path_factory.mktemp("vp"))
    bindir = os.path.dirname(sys.executable)
    done = subprocess.run([os.path.join(bindir, "punji-compose"), os.path.join(FIXTURE, "variants-product.conf"),
                           "--target-dir", target, "--test", "-j", "2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return glob.glob(os.path.join(target, "VPL-1.2-*"))[0]


def _names(rpms, uid, arch):
    return sorted(n.split("-0:")[0] + "." + n.rsplit(".", 1)[1]
                  for srpm in rpms.rpms[uid][arch].values() for n in srpm)


def test_package_sets_per_variant_arch(composed):
    """Pungi 4.3.2's sets for 6 of the 8 variant.archs (Server.x86_64 and Server-HA.x86_64
    differ: Pungi moves vp-tools-extra, pulled into HA by a dependency, into Server)."""
    from productmd.rpms import Rpms

    rpms = Rpms()
    rpms.load(os.path.join(composed, "compose", "metadata", "rpms.json"))
    assert sorted(rpms.rpms) == ["Foo-Tools", "Server", "Server-Cloud", "Server-HA", "Server-optional"]
    # comps: vp-x86only only on x86_64 (arch="x86_64"), vp-i386only on i386, vp-serveronly
    # only in Server (variant="Server"), the tools-docs group only in Foo-Tools; no
    # release package is selected (kobo 0.20 finds no system-release provider)
    assert _names(rpms, "Server", "i386") == [
        "vp-filesystem.noarch", "vp-filesystem.src", "vp-i386only.i686", "vp-i386only.src", "vp-libc.i686",
        "vp-libc.src", "vp-serveronly.noarch", "vp-serveronly.src", "vp-shell.i686", "vp-shell.src",
        "vp-tools-debuginfo.i686", "vp-tools.i686", "vp-tools.src"]
    assert _names(rpms, "Foo-Tools", "x86_64") == [
        "vp-clientdocs.noarch", "vp-clientdocs.src", "vp-editor.noarch", "vp-editor.src", "vp-filesystem.noarch",
        "vp-filesystem.src", "vp-libc.src", "vp-libc.x86_64", "vp-shell.src", "vp-shell.x86_64",
        "vp-x86only.src", "vp-x86only.x86_64"]
    assert _names(rpms, "Server-Cloud", "x86_64") == [
        "vp-cloudapp.noarch", "vp-cloudapp.src", "vp-cloudlib.src", "vp-cloudlib.x86_64"]
    assert _names(rpms, "Server-optional", "i386") == ["vp-devel.noarch", "vp-devel.src", "vp-tools-extra.i686"]
    assert _names(rpms, "Server-optional", "x86_64") == ["vp-devel.noarch", "vp-devel.src"]
    assert "Empty" not in rpms.rpms


def test_composeinfo_treeinfo_and_images(composed):
    """Pungi 4.3.2: Foo-Tools has id FooTools (uid kept); Empty is listed without paths or
    trees; the layered product has its own release; its .treeinfo names release CS 2 on base
    product VPL 1 with Server as its variant; its images are CS-2-VPL-1-<date>... named."""
    from productmd.composeinfo import ComposeInfo
    from productmd.images import Images
    from productmd.treeinfo import TreeInfo

    ci = ComposeInfo()
    ci.load(os.path.join(composed, "compose", "metadata", "composeinfo.json"))
    got = {v.uid: (v.id, v.type, sorted(v.arches)) for v in ci.get_variants(recursive=True)}
    assert got == {"Server": ("Server", "variant", ["i386", "x86_64"]),
                   "Server-optional": ("optional", "optional", ["i386", "x86_64"]),
                   "Server-HA": ("HA", "addon", ["x86_64"]),
                   "Server-Cloud": ("Cloud", "layered-product", ["i386", "x86_64"]),
                   "Foo-Tools": ("FooTools", "variant", ["x86_64"]), "Empty": ("Empty", "variant", ["x86_64"])}
    cloud = ci.variants["Server"].variants["Cloud"]
    assert (cloud.release.name, cloud.release.short, cloud.release.version) == ("Cloud Stack", "CS", "2")
    assert not os.path.exists(os.path.join(composed, "compose", "Empty"))
    top = os.path.join(composed, "compose")
    assert sorted(os.path.relpath(p, top) for p in glob.glob(top + "/*/*/os/.treeinfo")) == [
        "Foo-Tools/x86_64/os/.treeinfo", "Server-Cloud/i386/os/.treeinfo", "Server-Cloud/x86_64/os/.treeinfo",
        "Server-optional/i386/os/.treeinfo", "Server-optional/x86_64/os/.treeinfo", "Server/i386/os/.treeinfo",
        "Server/x86_64/os/.treeinfo"]
    ti = TreeInfo()
    ti.load(os.path.join(top, "Server-Cloud", "x86_64", "os", ".treeinfo"))
    assert (ti.release.short, ti.release.version, ti.release.is_layered) == ("CS", "2", True)
    assert (ti.base_product.short, ti.base_product.version) == ("VPL", "1")
    assert [ti.variants[k].uid for k in ti.variants] == ["Server"]
    ti = TreeInfo()
    ti.load(os.path.join(top, "Foo-Tools", "x86_64", "os", ".treeinfo"))
    assert [(ti.variants[k].id, ti.variants[k].uid) for k in ti.variants] == [("FooTools", "Foo-Tools")]
    images = Images()
    images.load(os.path.join(top, "metadata", "images.json"))
    cloud = sorted((os.path.basename(i.path), i.volume_id) for i in images.images["Server-Cloud"]["x86_64"])
    date = os.path.basename(composed).split("-")[-1]
    assert cloud == [("CS-2-VPL-1-%s-Server-source-dvd1.iso" % date, "CS-2 VPL-1 Server.src"),
                     ("CS-2-VPL-1-%s-Server-x86_64-dvd1.iso" % date, "CS-2 VPL-1 Server.x86_64")]
