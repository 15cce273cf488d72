"""A nightly's gather takes the old compose's answer with the rebuilt packages swapped in when
the rebuilds are substitutions the solver cannot tell apart (rpms.substitution), and solves
anew otherwise; either way its results are a fresh compose's."""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, composed
from test_reuse import solved_results, tree_files

SPECS = os.path.join(ROOT, "tests", "data", "demo", "specs")
SWAPPED = re.compile(r"gather (\S+): the answer of \S+ with (\d+) rebuilt packages swapped in")
SOLVED_ANEW = re.compile(r"gather (\S+): solved anew: the old compose's answer does not stand \((.*)\)")


@pytest.fixture
def own_repo(tmp_path, demo_copy, demo_repo):
    """The demo config over a copy of the demo repo (files hard-linked; each one changed is
    written anew), which the tests rebuild packages into."""
    repo = tmp_path / "repo"
    shutil.copytree(demo_repo, repo, copy_function=os.link)
    for conf in glob.glob(str(demo_copy / "*.conf")):
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace(demo_repo, str(repo)))
    return repo


def build(tmp_path, spec_name, text):
    """The RPMs of spec TEXT (named SPEC_NAME), built by tools/build-demo-rpms: their paths."""
    specs, out = tmp_path / "specs", tmp_path / "built"
    for path in (specs, out):
        shutil.rmtree(path, ignore_errors=True)
    specs.mkdir()
    (specs / spec_name).write_text(text)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs", str(specs),
                    "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return sorted(glob.glob(str(out / "**" / "*.rpm"), recursive=True))


def name_arch(path):
    return subprocess.run(["rpm", "-qp", "--qf", "%{NAME}.%{ARCH}", path], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, check=True).stdout


def put(repo, demo_copy, rpms):
    """RPMS into REPO in place of the builds of the same name.arch, its repodata updated."""
    built = {name_arch(path) for path in rpms}
    for path in glob.glob(str(repo / "**" / "*.rpm"), recursive=True):
        if name_arch(path) in built:
            os.unlink(path)
    for path in rpms:
        shutil.copy(path, repo / "Packages")
    subprocess.run(["createrepo_c", "-q", "--update", "-g", str(demo_copy / "comps.xml"), str(repo)], check=True)


def rebuilt(tmp_path, spec_name, edit=lambda text: text):
    """SPEC_NAME of the demo rebuilt with the next release (and EDIT), every package of it."""
    with open(os.path.join(SPECS, spec_name)) as f:
        text = f.read()
    text = re.sub(r"^(Release:\s*\S+)%\{\?dist\}", r"\1%{?dist}.1", text, count=1, flags=re.M)
    return build(tmp_path, spec_name, edit(text))


def gather_logs(topdir):
    text = ""
    for path in sorted(glob.glob(os.path.join(topdir, "logs", "*", "gather-*.log"))):
        with open(path) as f:
            text += f.read()
    return text


def nightly_and_fresh(tmp_path, demo_copy, change):
    """A nightly after CHANGE() and a fresh compose of the same inputs: (nightly, fresh, the
    variant.arches whose answer was swapped, {variant.arch: why it was solved anew})."""
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    change()
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    logs = gather_logs(second)
    return first, second, fresh, {m.group(1) for m in SWAPPED.finditer(logs)}, dict(SOLVED_ANEW.findall(logs))


def why_not(first, second, arch="x86_64"):
    """Why the package set of compose SECOND is not that of FIRST with substitutions, each check
    of rpms.substitution in its turn (the gather tries the cheapest first); None when it is."""
    from punji_lib.compose import jsonio, layout
    from punji_lib.rpms import substitution
    from punji_lib.rpms.pkgpool import sack_keys

    records = jsonio.read_json(layout.at(second, layout.pkgset_json(arch)))["packages"]
    try:
        swap = substitution.find(records, layout.at(first, layout.pkgset_repo(arch)),
                                 layout.at(second, layout.pkgset_repo(arch)))
        keys = [sack_keys(arch, [layout.at(top, layout.pkgset_repo(arch))], layout.at(top, layout.pkgset_cache(arch)))
                for top in (first, second)]
        if swap.keys(keys[0]) != keys[1]:
            return "the pool's dependencies have other sack ids"
    except substitution.NotASubstitution as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("spec, nevra", [
    # demo-docs-de and -fr require demo-docs = %{version}-%{release}: rebuilt together, that maps
    ("demo-docs.spec", "demo-docs-de-0:1.0-3.pdl1.1.noarch"),
    # debuginfo files whose paths hold the version-release, libraries required with %{?_isa}
    ("demo-db.spec", "demo-db-debuginfo-0:15.5-1.pdl1.1.x86_64"),
])
def test_a_whole_rebuilt_source_package_is_swapped_into_the_old_answer(tmp_path, demo_copy, own_repo, spec, nevra):
    first, second, fresh, swapped, anew = nightly_and_fresh(
        tmp_path, demo_copy, lambda: put(own_repo, demo_copy, rebuilt(tmp_path, spec)))
    assert why_not(first, second) is None
    # the variants building on no other one and with no lookaside take the old answer
    assert {"Server.x86_64", "Client.x86_64", "Everything.x86_64", "Everything.i386"} <= swapped, anew
    everything = open(os.path.join(second, "work", "x86_64", "gather", "Everything.solved.json")).read()
    old_nevra = nevra.replace(".1.", ".", 1)
    assert nevra in everything and old_nevra not in everything
    assert solved_results(second) == solved_results(fresh)
    assert tree_files(second) == tree_files(fresh)


def add_requires(line):
    def edit(text):
        return text.replace("AutoReqProv:    no\n", "AutoReqProv:    no\n%s\n" % line, 1)
    return edit


def pin(tmp_path, demo_copy, own_repo):
    """A new package requiring demo-docs = the EVR it has now, put into the repo."""
    spec = ("Name: demo-pin\nVersion: 1\nRelease: 1\nSummary: pins demo-docs\nLicense: MIT\nBuildArch: noarch\n"
            "AutoReqProv: no\nRequires: demo-docs = 1.0-3.pdl1\n%description\npins\n%files\n")
    put(own_repo, demo_copy, build(tmp_path, "demo-pin.spec", spec))


@pytest.mark.parametrize("case", ["changed-requires", "versioned-requirement", "new-package", "shared-evr"])
def test_a_rebuild_the_solver_may_tell_apart_is_solved_anew(tmp_path, demo_copy, own_repo, case):
    conf = demo_copy / "demo.conf"
    if case == "changed-requires":  # the rebuild requires one package more (a requirement the pool has)
        change = lambda: put(own_repo, demo_copy, rebuilt(tmp_path, "demo-docs.spec",  # noqa: E731
                                                          add_requires("Requires:       demo-ca-certificates")))
        why = "dependencies or files"
    elif case == "versioned-requirement":  # a package not rebuilt requires the old build
        conf.write_text(conf.read_text() + "\ncheck_deps = False\n")
        pin(tmp_path, demo_copy, own_repo)
        change = lambda: put(own_repo, demo_copy, rebuilt(tmp_path, "demo-docs.spec"))  # noqa: E731
        why = "a package not rebuilt names demo-docs with a version"
    elif case == "new-package":  # a package more
        change = lambda: pin(tmp_path, demo_copy, own_repo)  # noqa: E731
        why = "the package set has"
    else:  # another package has demo-docs' EVR, the rebuild a new one: the sack's ids move
        spec = ("Name: demo-twin\nVersion: 1.0\nRelease: 3.pdl1\nSummary: twin\nLicense: MIT\nBuildArch: noarch\n"
                "%description\ntwin\n%files\n")
        put(own_repo, demo_copy, build(tmp_path, "demo-twin.spec", spec))
        change = lambda: put(own_repo, demo_copy, rebuilt(tmp_path, "demo-docs.spec"))  # noqa: E731
        why = "the pool's dependencies have other sack ids"
    first, second, fresh, swapped, anew = nightly_and_fresh(tmp_path, demo_copy, change)
    assert not swapped and {"Server.x86_64", "Everything.x86_64"} <= set(anew), anew
    assert why in why_not(first, second)
    assert solved_results(second) == solved_results(fresh)
    if case == "versioned-requirement":  # the old answer swapped would miss the broken requirement
        everything = open(os.path.join(second, "work", "x86_64", "gather", "Everything.solved.json")).read()
        assert '"requires":"demo-docs = 1.0-3.pdl1"' in everything
