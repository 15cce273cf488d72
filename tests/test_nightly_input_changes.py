"""A nightly after a package file changed in a way its name and NEVRA do not show (issue 12): its
bytes rebuilt with the same NEVRA, its mtime alone, its place in the repo. Whatever reads the
file is made again, and the nightly is the compose a fresh target directory gets, file by file."""

import glob
import os
import subprocess

import pytest

from conftest import composed
from test_gather_swap import own_repo, put  # noqa: F401 (own_repo: a fixture)
from test_pkgset_nightly import changelog_only, moved, touched
from test_reuse import images_payload, rpms_payload, states, tree_files


def trees_with(topdir, name):
    """{(variant, arch)} of the os trees holding a package file whose name starts with NAME."""
    found = set()
    top = os.path.join(topdir, "compose")
    for variant in os.listdir(top):
        for arch in os.listdir(os.path.join(top, variant)) if variant != "metadata" else ():
            packages = os.path.join(top, variant, arch, "os", "Packages")
            for _root, _dirs, files in os.walk(packages):
                if any(f.startswith(name) for f in files):
                    found.add((variant, arch))
    return found


def touched_in_place(repo, demo_copy):
    """demo-docs' noarch packages given a later mtime in place (the files the first compose's
    trees link: their time changes there too), repodata updated."""
    for path in glob.glob(str(repo / "**" / "demo-docs*.noarch.rpm"), recursive=True):
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1000 * 10**9))
    subprocess.run(["createrepo_c", "-q", "--update", "-g", str(demo_copy / "comps.xml"), str(repo)], check=True)


@pytest.mark.parametrize("case", ["same-nevra-new-bytes", "mtime-only", "mtime-only-in-place", "moved"])
def test_a_package_changed_unseen_by_its_name_is_read_again_and_the_nightly_is_a_fresh_compose(
        tmp_path, demo_copy, own_repo, case):  # noqa: F811 (own_repo: the fixture)
    conf = demo_copy / "demo.conf"
    if case == "mtime-only-in-place":  # files of this repo alone (not the demo repo's hard links)
        touched(own_repo, demo_copy)
    first = composed(conf, tmp_path / "nightly")
    {"same-nevra-new-bytes": lambda: put(own_repo, demo_copy, changelog_only(tmp_path)),
     "mtime-only": lambda: touched(own_repo, demo_copy),
     "mtime-only-in-place": lambda: touched_in_place(own_repo, demo_copy),
     "moved": lambda: moved(own_repo, demo_copy)}[case]()
    second = composed(conf, tmp_path / "nightly")
    assert all("reused_from" not in s for s in states(second, "pkgset").values())
    fresh = composed(conf, tmp_path / "fresh")
    ours, theirs = tree_files(second), tree_files(fresh)
    assert sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k)) == []
    holding = trees_with(second, "demo-docs-1")
    assert holding
    for s in states(second, "createrepo-").values():
        if (s["variant"], s["arch"]) in holding:
            assert "reused_from" not in s, (s["variant"], s["arch"])
    assert tree_files(second) != tree_files(first) or case == "moved"
    assert rpms_payload(second) == rpms_payload(fresh)
    assert images_payload(second) == images_payload(fresh)
