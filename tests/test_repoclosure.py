"""punji-repoclosure: the requires nothing provides in one tree's repository (libsolv).

Trees are made here as gather and createrepo leave them: demo RPMs linked into
compose/<uid>/x86_64/os/Packages and createrepo_c over them.
"""

import glob
import json
import os
import subprocess
import sys

import pytest

from conftest import assert_one_line_error, command, make
from test_imagechecksum import init_compose

TREES = 'tree_arches = ["x86_64"]\ntree_variants = ["Server", "Server-optional", "Server-HA"]\n'
HA = ("demo-corosync", "demo-corosynclib", "demo-pacemaker", "demo-pacemaker-cli", "demo-pacemaker-libs",
      "demo-pacemaker-doc", "demo-fence-agents")
OPTIONAL = ("demo-corosynclib-devel",)  # needs demo-corosynclib
IN_SERVER_TOO = ("demo-corosynclib",)  # in the trees fixture Server has it too: its optional closes
BROKEN = "demo-db-libs"  # left out of Server: what needs libdemo-db.so.5 is broken


def rpm_name(filename):
    return filename.rsplit("-", 2)[0]


def binary_rpms(demo_repo):
    top = os.path.join(demo_repo, "Packages")
    return sorted(os.path.join(top, f) for f in os.listdir(top)
                  if f.endswith(".rpm") and not f.endswith(".src.rpm") and "-debug" not in f)


def build_tree(topdir, rel, rpms, packages="Packages"):
    """A repo at compose/REL with RPMS in its PACKAGES directory (an addon's: the repo itself)."""
    tree = os.path.join(topdir, "compose", rel)
    packages = os.path.join(tree, packages)
    os.makedirs(packages, exist_ok=True)
    for rpm in rpms:
        os.link(rpm, os.path.join(packages, os.path.basename(rpm)))
    createrepo(tree)
    return tree


def createrepo(tree):
    """Repodata of TREE, without the packages of the addons inside it (as createrepo makes it)."""
    subprocess.run(["createrepo_c", "--quiet", "--excludes", "addons/*", tree], check=True)


def set_config(topdir, base, lines):
    """Replace the lines this module appended to the compose's config and let init slice it."""
    conf = base / "demo" / "demo.conf"
    text = conf.read_text().split("# -- test_repoclosure --")[0]
    conf.write_text(text + "# -- test_repoclosure --\n" + lines + "\n")
    done = make(topdir, "work/global/state/init.json")
    assert done.returncode == 0, done.stdout


def run_trees(topdir, *trees):
    """punji-repoclosure over each (variant, arch) of TREES: {tree: the finished process}."""
    return {t: command("punji-repoclosure", "--variant", t[0], "--arch", t[1], topdir) for t in trees}


def report(topdir, variant, arch="x86_64"):
    with open(os.path.join(topdir, "work", arch, "repoclosure", variant + ".json")) as f:
        return json.load(f)


def state_of(topdir, variant, arch="x86_64"):
    with open(os.path.join(topdir, "work", arch, "state", "repoclosure-%s.json" % variant)) as f:
        return json.load(f)


# -- repoclosure -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trees(tmp_path_factory, demo_repo):
    """Server, Server-HA and Server-optional on x86_64: Server lacks demo-db-libs; HA needs
    Server; optional needs demo-corosynclib, which Server has as well as HA."""
    base = tmp_path_factory.mktemp("closure")
    topdir = init_compose(base, demo_repo, TREES)
    rpms = binary_rpms(demo_repo)
    build_tree(topdir, "Server/x86_64/os", [r for r in rpms if rpm_name(os.path.basename(r)) in IN_SERVER_TOO or
                                            rpm_name(os.path.basename(r)) not in HA + OPTIONAL + (BROKEN,)])
    build_tree(topdir, "Server/x86_64/os/addons/HA", [r for r in rpms if rpm_name(os.path.basename(r)) in HA], ".")
    build_tree(topdir, "Server-optional/x86_64/os", [r for r in rpms if rpm_name(os.path.basename(r)) in OPTIONAL])
    return base, topdir


ALL = [("Server", "x86_64"), ("Server-HA", "x86_64"), ("Server-optional", "x86_64")]


def test_lenient_reports_the_broken_tree_and_goes_on(trees):
    base, topdir = trees
    set_config(topdir, base, "")  # Pungi's default: lenient
    done = run_trees(topdir, *ALL)
    assert all(d.returncode == 0 for d in done.values()), [d.stderr for d in done.values()]
    warnings = [line for d in done.values() for line in d.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 1 and "Server.x86_64" in warnings[0] and "lenient" in warnings[0], warnings
    assert warnings[0].startswith("punji-repoclosure: warning: ")
    assert "work/x86_64/repoclosure/Server.json" in warnings[0]
    by_tree = {t: report(topdir, t[0]) for t in ALL}
    broken = {u["package"]: u["requires"] for u in by_tree[("Server", "x86_64")]["unresolved"]}
    assert broken["demo-db-server-0:15.5-1.pdl1.x86_64"] == ["libdemo-db.so.5()(64bit)"]
    assert all("demo-db" in p for p in broken), broken  # nothing else is missing
    assert "demo-db-devel-0:15.5-1.pdl1.i686" in broken  # multilib packages are checked too
    # addons and optional close over the trees they build on
    assert by_tree[("Server-HA", "x86_64")]["unresolved"] == []
    assert by_tree[("Server-HA", "x86_64")]["repo"] == "compose/Server/x86_64/os/addons/HA"
    assert by_tree[("Server-HA", "x86_64")]["lookaside"] == ["compose/Server/x86_64/os"]
    assert by_tree[("Server-optional", "x86_64")]["unresolved"] == []
    assert by_tree[("Server-optional", "x86_64")]["lookaside"] == ["compose/Server/x86_64/os"]
    state = state_of(topdir, "Server")
    assert state["failed"] is False and state["unresolved"] == len(broken) and state["strictness"] == "lenient"
    with open(os.path.join(topdir, "logs/x86_64/repoclosure-Server.log")) as f:
        assert "demo-db-server-0:15.5-1.pdl1.x86_64 requires 'libdemo-db.so.5()(64bit)'" in f.read()
    # again with nothing changed: the result stands, nothing is checked again
    again = run_trees(topdir, ("Server", "x86_64"))[("Server", "x86_64")]
    assert again.returncode == 0 and "warning" not in again.stderr
    with open(os.path.join(topdir, "logs/x86_64/repoclosure-Server.log")) as f:
        assert f.read().count("its result stands") == 1


def test_fatal_fails_with_one_line(trees):
    base, topdir = trees
    set_config(topdir, base, 'repoclosure_strictness = [("^.*$", {"*": "fatal"})]')
    state_file = os.path.join(topdir, "work/x86_64/state/repoclosure-Server.json")
    if os.path.exists(state_file):
        os.unlink(state_file)  # from another test's run
    done = run_trees(topdir, ("Server", "x86_64"))[("Server", "x86_64")]
    line = assert_one_line_error(done, "punji-repoclosure", "Server.x86_64: demo-db-", "which nothing provides",
                                 "work/x86_64/repoclosure/Server.json")
    count = len(report(topdir, "Server")["unresolved"])
    assert "(%d packages with unresolved requires" % count in line
    assert not os.path.exists(state_file)
    assert os.path.exists(state_file + ".error")
    # the trees that close pass under fatal too
    done = run_trees(topdir, ("Server-HA", "x86_64"))[("Server-HA", "x86_64")]
    assert done.returncode == 0, done.stderr


def test_last_matching_strictness_wins_and_off_skips(trees):
    base, topdir = trees
    set_config(topdir, base, 'repoclosure_strictness = [("^.*$", {"*": "fatal"}), ("^Server$", {"x86_64": "off"})]')
    done = run_trees(topdir, *ALL)
    assert all(d.returncode == 0 for d in done.values()), [d.stderr for d in done.values()]
    assert state_of(topdir, "Server")["checked"] is False and state_of(topdir, "Server")["strictness"] == "off"
    assert [state_of(topdir, v)["strictness"] for v in ("Server-HA", "Server-optional")] == ["fatal", "fatal"]
    assert all(state_of(topdir, v)["checked"] for v in ("Server-HA", "Server-optional"))


def test_a_changed_tree_is_checked_again(trees, demo_repo):
    base, topdir = trees
    set_config(topdir, base, "")
    run_trees(topdir, ("Server-optional", "x86_64"))
    log = os.path.join(topdir, "logs/x86_64/repoclosure-Server-optional.log")
    before = open(log).read().count("with unresolved requires;")
    # its parent loses demo-corosynclib: the optional -devel package is broken now
    parent = os.path.join(topdir, "compose/Server/x86_64/os")
    for name in os.listdir(os.path.join(parent, "Packages")):
        if name.startswith("demo-corosynclib-") and "devel" not in name:
            os.unlink(os.path.join(parent, "Packages", name))
    createrepo(parent)
    try:
        done = run_trees(topdir, ("Server-optional", "x86_64"))[("Server-optional", "x86_64")]
        assert done.returncode == 0, done.stderr
        assert open(log).read().count("with unresolved requires;") == before + 1
        assert report(topdir, "Server-optional")["unresolved"], report(topdir, "Server-optional")
    finally:
        for rpm in binary_rpms(demo_repo):
            name = os.path.basename(rpm)
            if rpm_name(name) == "demo-corosynclib":
                os.link(rpm, os.path.join(parent, "Packages", name))
        createrepo(parent)


def test_without_its_parent_an_addon_is_broken(trees, demo_repo):
    from punji_lib.rpms.repoclosure import Closure

    _base, topdir = trees
    alone = Closure("x86_64", [os.path.join(topdir, "compose/Server/x86_64/os/addons/HA")]).unresolved()
    assert any("libdemo-c.so.6()(64bit)" in r for r in alone.values()), alone


def test_a_tree_without_repodata_is_an_error(tmp_path, demo_repo):
    topdir = init_compose(tmp_path, demo_repo, TREES)
    os.makedirs(os.path.join(topdir, "compose/Server/x86_64/os/Packages"))
    done = run_trees(topdir, ("Server", "x86_64"))[("Server", "x86_64")]
    assert_one_line_error(done, "compose/Server/x86_64/os", "repodata")


RICH_SPEC = """\
Name:           rich
Version:        1.0
Release:        1
Summary:        Rich dependencies for repoclosure
License:        MIT
BuildArch:      noarch
AutoReqProv:    no
Provides:       rich-cap

%description
Provides rich-cap.

%package other
Summary:        Provides rich-extra
Provides:       rich-extra

%description other
Provides rich-extra.

%package and
Summary:        x
Requires:       (rich-cap and nosuch-x)
%description and
Both sides must be provided: broken.

%package if-ok
Summary:        x
Requires:       (nosuch-y if nosuch-z)
%description if-ok
Nothing provides the condition: fine.

%package if-broken
Summary:        x
Requires:       (nosuch-y if rich-cap)
%description if-broken
The condition can be met, the requirement not: broken.

%package ifelse-ok
Summary:        x
Requires:       (nosuch-y if rich-cap else rich-extra)
%description ifelse-ok
rich-cap can be left out, and then rich-extra does: fine.

%package ifelse-broken
Summary:        x
Requires:       (rich-cap if nosuch-z else nosuch-y)
%description ifelse-broken
Nothing provides the condition, so the else branch must be met: broken.

%package or-ok
Summary:        x
Requires:       (nosuch-y or (rich-cap and rich-extra))
%description or-ok
Nested: fine.

%package with-broken
Summary:        x
Requires:       (rich-cap with rich-extra)
%description with-broken
No one package provides both: broken.

%package file
Summary:        x
Requires:       /usr/share/rich/data
%description file
A file requirement met through filelists.

%install
mkdir -p %{buildroot}/usr/share/rich
echo data > %{buildroot}/usr/share/rich/data

%files
/usr/share/rich/data
%files other
%files and
%files if-ok
%files if-broken
%files ifelse-ok
%files ifelse-broken
%files or-ok
%files with-broken
%files file

%changelog
* Mon Mar 04 2024 Punji Tests <tests@demo.punji.example> - 1.0-1
- Rich dependency cases
"""


def test_rich_dependencies_are_evaluated_by_their_operators(tmp_path):
    from conftest import ROOT

    from punji_lib.rpms.repoclosure import Closure

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "rich.spec").write_text(RICH_SPEC)
    out = os.path.join(ROOT, "build", "test-rich-repo")
    empty_comps = os.path.join(ROOT, "tests", "data", "solver", "empty-comps.xml")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"),
                    "--specs", str(specs), "--comps", empty_comps, "--out", out], check=True, stdout=subprocess.DEVNULL)
    broken = Closure("x86_64", [out]).unresolved()
    assert broken == {
        "rich-and-0:1.0-1.noarch": ["(rich-cap and nosuch-x)"],
        "rich-if-broken-0:1.0-1.noarch": ["(nosuch-y if rich-cap)"],
        "rich-ifelse-broken-0:1.0-1.noarch": ["(rich-cap if nosuch-z else nosuch-y)"],
        "rich-with-broken-0:1.0-1.noarch": ["(rich-cap with rich-extra)"],
    }




def test_an_addon_of_an_is_empty_variant_is_checked_without_its_parent(tmp_path, demo_repo):
    # Pungi makes no repodata for an is_empty variant; its dnf repoclosure skips the missing
    # parent repository and checks the addon alone (lenient: a warning, the compose goes on)
    from punji_lib.config import variants
    from punji_lib.phases import repoclosure

    (tmp_path / "variants.xml").write_text(
        '<variants><variant id="Base" name="Base" type="variant" is_empty="true">'
        "<arches><arch>x86_64</arch></arches><variants>"
        '<variant id="HA" name="HA" type="addon"><arches><arch>x86_64</arch></arches></variant>'
        "</variants></variant></variants>")
    tree = variants.load(str(tmp_path / "variants.xml"))
    topdir = str(tmp_path / "compose-top")
    rpms = [r for r in binary_rpms(demo_repo) if rpm_name(os.path.basename(r)) in HA]
    build_tree(topdir, "Base/x86_64/os/addons/HA", rpms, ".")
    own, side, extra = repoclosure.repositories(topdir, variants.by_uid(tree)["Base-HA"], tree, "x86_64")
    assert (own, side, extra) == ("compose/Base/x86_64/os/addons/HA", [], [])


def test_a_layered_product_or_optional_variant_looks_aside_to_its_parent_alone_as_pungi(tmp_path, demo_repo):
    # Pungi 4.3.2's repoclosure of a child variant reads its parent's repository, none of the
    # parent's addons that gather built on (tools/fuzz-compose --multiarch --outputs --comps
    # --repos seed 23005, with link_type "hardlink-or-copy": a fatal layered product needing
    # an addon's libraries failed in Pungi, passed in punji)
    from punji_lib.compose import layout
    from punji_lib.config import variants
    from punji_lib.phases import repoclosure
    from punji_lib.rpms.repoclosure import Closure

    arches = "<arches><arch>x86_64</arch></arches>"
    (tmp_path / "variants.xml").write_text(
        '<variants><variant id="Base" name="Base" type="variant">' + arches + "<variants>"
        '<variant id="HA" name="HA" type="addon">' + arches + "</variant>"
        '<variant id="LP" name="LP" type="layered-product"><release name="Layer" short="LP" version="1"/>'
        + arches + "</variant>"
        '<variant id="optional" name="optional" type="optional">' + arches + "</variant>"
        "</variants></variant></variants>")
    tree = variants.load(str(tmp_path / "variants.xml"))
    by_uid = variants.by_uid(tree)
    topdir = str(tmp_path / "compose-top")
    rpms = binary_rpms(demo_repo)
    build_tree(topdir, "Base/x86_64/os", [r for r in rpms if rpm_name(os.path.basename(r)) not in HA + OPTIONAL])
    build_tree(topdir, "Base/x86_64/os/addons/HA", [r for r in rpms if rpm_name(os.path.basename(r)) in HA], ".")
    for uid in ("Base-LP", "Base-optional"):
        rel = layout.repo_dir(by_uid[uid], "x86_64")
        build_tree(topdir, rel.split("/", 1)[1], [r for r in rpms if rpm_name(os.path.basename(r)) in OPTIONAL])
        own, side, extra = repoclosure.repositories(topdir, by_uid[uid], tree, "x86_64")
        assert (own, side, extra) == (rel, ["compose/Base/x86_64/os"], [])
        broken = Closure("x86_64", [os.path.join(topdir, own)], [os.path.join(topdir, side[0])],
                         cache=str(tmp_path / "cache")).unresolved()
        assert sorted(p.split("-0:")[0] for p in broken) == ["demo-corosynclib-devel"] * len(broken) and broken


def test_a_child_of_an_is_empty_variant_leaves_its_parents_tree_directory_as_pungi_does(tmp_path, demo_repo):
    # Pungi's repoclosure asks for the parent's repository path, which makes the directory:
    # composeinfo.json then lists the is_empty parent's os tree
    topdir = init_compose(tmp_path, demo_repo, TREES)
    path = os.path.join(topdir, "work/global/variants.json")
    with open(path) as f:
        data = json.load(f)
    data["variants"] = [v for v in data["variants"] if v["uid"] in ("Server", "Server-optional")]
    for v in data["variants"]:
        v["is_empty"] = v["uid"] == "Server"
        v["children"] = [c for c in v["children"] if c == "Server-optional"]
    with open(path, "w") as f:
        json.dump(data, f)
    build_tree(topdir, "Server-optional/x86_64/os",
               [r for r in binary_rpms(demo_repo) if rpm_name(os.path.basename(r)) in OPTIONAL])
    done = run_trees(topdir, ("Server", "x86_64"), ("Server-optional", "x86_64"))
    assert all(d.returncode == 0 for d in done.values()), [d.stderr for d in done.values()]
    assert os.listdir(os.path.join(topdir, "compose/Server/x86_64/os")) == []
    assert not os.path.exists(os.path.join(topdir, "compose/Server-HA"))


def test_a_tree_is_read_once_without_a_solv_file_and_closes_the_same(trees, tmp_path):
    """A tree is read straight from its XML (nobody reads it again), a lookaside repo is kept as
    a .solv file for the next tree; the unresolved requires are those of a cached read."""
    from punji_lib.rpms import repoclosure

    _base, topdir = trees
    server, ha = (os.path.join(topdir, "compose", rel) for rel in ("Server/x86_64/os", "Server/x86_64/os/addons/HA"))
    once = repoclosure.Closure("x86_64", [server], cache=str(tmp_path / "once"))
    assert not any(f.endswith(".solv") for _root, _dirs, files in os.walk(tmp_path / "once") for f in files)
    side = repoclosure.Closure("x86_64", [ha], [server], cache=str(tmp_path / "side"))
    solv_files = [f for _root, _dirs, files in os.walk(tmp_path / "side") for f in files if f.endswith(".solv")]
    assert len(solv_files) == 1 and side.unresolved() == {}
    cached = repoclosure.Closure("x86_64", [ha], [server], cache=str(tmp_path / "side"))  # Server from its .solv
    assert cached.unresolved() == {}
    from_solv = repoclosure.Closure("x86_64", [server], cache=str(tmp_path / "side"))
    assert once.unresolved() and once.unresolved() == from_solv.unresolved()


def test_the_check_yields_the_cpus_to_the_image_phases_beside_it(trees, monkeypatch):
    """A tree checked (not taken over nor kept) is checked at a niceness 10 higher than the
    command's (once only): createiso, beside it, ends the compose; repoclosure has time to spare."""
    from punji_lib.phases import repoclosure as phase

    base, topdir = trees
    set_config(topdir, base, "")
    niced = []
    monkeypatch.setattr(phase.os, "nice", lambda n: niced.append(n))
    monkeypatch.setattr(phase.os, "getpriority", lambda *_a: 0 if not niced else phase.NICENESS)
    for path in glob.glob(os.path.join(topdir, "work", "x86_64", "state", "repoclosure-*.json")):
        os.unlink(path)
    phase.run(topdir, "Server-optional", "x86_64")
    assert niced == [phase.NICENESS]
    phase.yield_cpus()
    assert niced == [phase.NICENESS]
