"""A nightly's package set reach takes the old compose's answer when the old solve was forced
(every package of the repos, whatever the order of the solver's steps) and the repos differ
only by rebuilds (rpms.rebuilds); it solves otherwise. Either way the package set and every
result are a fresh compose's."""

import glob
import os
import re

import pytest

from conftest import composed
from punji_lib.rpms import rebuilds
from test_gather_swap import build, own_repo, put, rebuilt  # noqa: F401 (own_repo: a fixture)
from test_reuse import solved_results, tree_files

TAKEN = re.compile(r"pkgset reach of (\S+): every package of its repos, as the old compose's solve")


def reach_of(topdir, arch):
    import json

    with open(os.path.join(topdir, "work", arch, "pkgset", "reach.json")) as f:
        return json.load(f)


def taken_over(topdir):
    found = set()
    for path in glob.glob(os.path.join(topdir, "logs", "*", "pkgset*.log")):
        with open(path) as f:
            found.update(TAKEN.findall(f.read()))
    return found


def package_sets(topdir):
    return {arch: open(os.path.join(topdir, "work", arch, "pkgset", "packages.json")).read()
            for arch in ("x86_64", "i386")}


def nightly_and_fresh(tmp_path, demo_copy, change):
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    change()
    return first, composed(conf, tmp_path / "nightly"), composed(conf, tmp_path / "fresh")


def assert_fresh(second, fresh):
    for arch in ("x86_64", "i386"):
        assert reach_of(second, arch) == reach_of(fresh, arch)
    assert package_sets(second) == package_sets(fresh)
    assert solved_results(second) == solved_results(fresh)
    assert tree_files(second) == tree_files(fresh)


@pytest.mark.parametrize("spec", ["demo-db.spec", "demo-docs.spec"])
def test_a_forced_reach_is_taken_over_after_a_whole_rebuild(tmp_path, demo_copy, own_repo, spec):  # noqa: F811
    first, second, fresh = nightly_and_fresh(tmp_path, demo_copy,
                                             lambda: put(own_repo, demo_copy, rebuilt(tmp_path, spec)))
    # x86_64's reach takes every package of the repo (i686 ones as multilib partners); i386's does not
    assert "forced" in reach_of(first, "x86_64") and "forced" not in reach_of(first, "i386")
    assert taken_over(second) == {"x86_64"}
    assert any(".pdl1.1." in nevra for nevra in reach_of(second, "x86_64")["nevras"])
    assert_fresh(second, fresh)


def test_a_forced_reach_is_taken_over_after_a_nightly_that_took_the_package_set_over(tmp_path, demo_copy,
                                                                                       own_repo):  # noqa: F811
    conf = demo_copy / "demo.conf"
    composed(conf, tmp_path / "nightly")
    unchanged = composed(conf, tmp_path / "nightly")  # the package set taken over, its reach.json with it
    assert "forced" in reach_of(unchanged, "x86_64")
    put(own_repo, demo_copy, rebuilt(tmp_path, "demo-db.spec"))
    second, fresh = composed(conf, tmp_path / "nightly"), composed(conf, tmp_path / "fresh")
    assert taken_over(second) == {"x86_64"}
    assert_fresh(second, fresh)


def pin(tmp_path, demo_copy, own_repo):  # noqa: F811
    spec = ("Name: demo-pin\nVersion: 1\nRelease: 1\nSummary: a new package\nLicense: MIT\nBuildArch: noarch\n"
            "AutoReqProv: no\n%description\nnew\n%files\n")
    put(own_repo, demo_copy, build(tmp_path, "demo-pin.spec", spec))


def own_name_rebuild(tmp_path, demo_copy, own_repo, name, version, release):  # noqa: F811
    """NAME (noarch) replaced by a build of a spec of its own name with the next release, no
    files and no dependencies, its source package not put in the repo: the one-package change of
    tools/bench-vs-pungi (rebuild_one)."""
    spec = ("Name: %s\nVersion: %s\nRelease: %s%%{?dist}.1\nSummary: rebuilt\nLicense: MIT\nBuildArch: noarch\n"
            "AutoReqProv: no\n%%description\nrebuilt\n%%files\n" % (name, version, release))
    put(own_repo, demo_copy, [p for p in build(tmp_path, name + ".spec", spec) if not p.endswith(".src.rpm")])


@pytest.mark.parametrize("case", ["part-of-a-source", "own-name"])
def test_a_forced_reach_is_taken_over_when_every_source_and_debug_package_stays_with_a_build(
        tmp_path, demo_copy, own_repo, case):  # noqa: F811
    if case == "part-of-a-source":  # demo-docs rebuilt, demo-docs-de not: two source packages now
        conf = demo_copy / "demo.conf"
        conf.write_text(conf.read_text() + "\ncheck_deps = False\n")  # demo-docs-de requires the old demo-docs
        change = lambda: put(own_repo, demo_copy, [p for p in rebuilt(tmp_path, "demo-docs.spec")  # noqa: E731
                                                   if "demo-docs-de-" not in os.path.basename(p)])
    else:  # demo-docs-de rebuilt on its own: demo-docs still names the old source package
        change = lambda: own_name_rebuild(tmp_path, demo_copy, own_repo, "demo-docs-de", "1.0", "3")  # noqa: E731
    first, second, fresh = nightly_and_fresh(tmp_path, demo_copy, change)
    assert "forced" in reach_of(first, "x86_64")
    assert taken_over(second) == {"x86_64"}
    assert "forced" in reach_of(second, "x86_64")
    assert_fresh(second, fresh)


def test_a_reach_is_solved_again_when_an_old_source_package_is_no_build_s_any_more(tmp_path, demo_copy,
                                                                                  own_repo):  # noqa: F811
    # demo-tzdata is its source package's only build: that source package is reached no longer
    first, second, fresh = nightly_and_fresh(
        tmp_path, demo_copy, lambda: own_name_rebuild(tmp_path, demo_copy, own_repo, "demo-tzdata", "2024a", "1"))
    assert "forced" in reach_of(first, "x86_64")
    assert taken_over(second) == set()
    assert not any(n.startswith("demo-tzdata-0:2024a-1.") and n.endswith(".src")
                   for n in reach_of(second, "x86_64")["nevras"])
    assert_fresh(second, fresh)


@pytest.mark.parametrize("case", ["new-package", "repo-groups"])
def test_a_reach_is_solved_again_when_the_repos_are_not_the_old_ones_with_rebuilds(tmp_path, demo_copy, own_repo,  # noqa: F811
                                                                                   case):
    import subprocess

    if case == "new-package":
        change = lambda: pin(tmp_path, demo_copy, own_repo)  # noqa: E731
    else:  # the repo's own group file changes (DNF merges it with the compose's comps)
        def change():
            comps = demo_copy / "comps.xml"
            comps.write_text(comps.read_text().replace("</comps>", "<group><id>more</id><name>More</name>"
                                                       "<packagelist/></group></comps>"))
            subprocess.run(["createrepo_c", "-q", "--update", "-g", str(comps), str(own_repo)], check=True)
            comps.write_text(comps.read_text().replace("<group><id>more</id><name>More</name><packagelist/></group>",
                                                       ""))
    first, second, fresh = nightly_and_fresh(tmp_path, demo_copy, change)
    assert "forced" in reach_of(first, "x86_64")
    assert taken_over(second) == set()
    assert_fresh(second, fresh)


def skeleton(*entries):
    return [[list(e) for e in entries]]


BASE = [("a-0:1-1.x86_64", "a-1-1.src.rpm"), ("a-0:1-1.i686", "a-1-1.src.rpm"), ("a-0:1-1.src", ""),
        ("a-doc-0:1-1.noarch", "a-1-1.src.rpm"), ("b-0:2-1.x86_64", "b-2-1.src.rpm")]


def rebuilt_a(release="2", doc_release="2", src=True, i686_release=None):
    return [("a-0:1-%s.x86_64" % release, "a-1-%s.src.rpm" % release),
            ("a-0:1-%s.i686" % (i686_release or release), "a-1-%s.src.rpm" % release),
            ("a-0:1-%s.src" % release if src else "a-0:1-1.src", ""),
            ("a-doc-0:1-%s.noarch" % doc_release, "a-1-%s.src.rpm" % release), BASE[4]]


def test_only_rebuilds_holds_for_a_source_package_rebuilt_whole_and_nothing_else():
    old = skeleton(*BASE)
    assert rebuilds.only_rebuilds(old, skeleton(*reversed(rebuilt_a())))  # the order in the repo does not count
    assert rebuilds.only_rebuilds(old, skeleton(*BASE))
    assert not rebuilds.only_rebuilds(old, skeleton(*rebuilt_a(src=False)))  # its source package not rebuilt
    assert not rebuilds.only_rebuilds(old, skeleton(*rebuilt_a()[1:]))  # a package less
    assert not rebuilds.only_rebuilds(old, skeleton(*rebuilt_a(), ("c-0:1-1.noarch", "c-1-1.src.rpm")))
    # the i686 build no longer the x86_64 one's version-release: no longer its multilib partner
    assert not rebuilds.only_rebuilds(old, skeleton(*rebuilt_a(i686_release="3")))
    # a package built from another source package than before, the old one in the repo no longer
    renamed = [(n, s.replace("a-1-2", "z-1-2")) for n, s in rebuilt_a()]
    assert not rebuilds.only_rebuilds(old, skeleton(*renamed))
    # a name.arch in a second repo too (which build is newest, or which of equal ones is taken, then counts)
    assert not rebuilds.only_rebuilds(skeleton(*BASE) + skeleton(BASE[4]),
                                      skeleton(*BASE[:4], ("b-0:2-2.x86_64", "b-2-2.src.rpm")) + skeleton(BASE[4]))
    assert not rebuilds.only_rebuilds(skeleton(*BASE) + skeleton(BASE[4]), skeleton(*BASE) + skeleton(BASE[4]))
    assert not rebuilds.only_rebuilds(old, skeleton(*BASE) + skeleton(BASE[4]))  # another repo


def test_leaves_taken_needs_each_source_and_debug_package_to_belong_to_a_binary_package():
    debug = [("a-debuginfo-0:1-1.x86_64", "a-1-1.src.rpm"), ("a-debugsource-0:1-1.x86_64", "a-1-1.src.rpm")]
    assert rebuilds.leaves_taken(skeleton(*BASE, *debug))
    # a-doc built from a source package of its own (not in the repo): a-1-1.src still is a's
    own = [("a-doc-0:1-2.noarch", "a-doc-1-2.src.rpm")]
    assert rebuilds.only_rebuilds(skeleton(*BASE, *debug), skeleton(*BASE[:3], *own, BASE[4], *debug))
    assert rebuilds.leaves_taken(skeleton(*BASE[:3], *own, BASE[4], *debug))
    assert not rebuilds.leaves_taken(skeleton(("a-0:1-1.src", ""), BASE[4]))  # a source package of no build
    assert not rebuilds.leaves_taken(skeleton(*BASE, ("a-0:1-1.nosrc", "")))  # two of one name-version-release
    # a debuginfo package of a name, or an arch, its source package has no build of
    assert not rebuilds.leaves_taken(skeleton(*BASE, ("c-debuginfo-0:1-1.x86_64", "a-1-1.src.rpm")))
    assert not rebuilds.leaves_taken(skeleton(*BASE[2:], ("a-debugsource-0:1-1.x86_64", "a-1-1.src.rpm")))
    assert not rebuilds.leaves_taken(skeleton(*BASE, ("a-debuginfo-0:1-1.x86_64", "")))
