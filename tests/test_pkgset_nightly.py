"""A nightly's package set made over the old compose's: its repo made ahead by the child that
warms its pool (made again here when that child fails), the few new packages' files and
changelogs read from their own elements of the repos' metadata, the repo's checksums summed as
it is written. Whatever way it goes, what the package set writes (packages.json, reach.json,
its repo, its warmed pool) is a fresh compose's."""

import glob
import os
import shutil
import subprocess

import pytest

from conftest import command
from punji_lib.errors import PunjiError
from test_gather_swap import build, own_repo, put, rebuilt  # noqa: F401 (own_repo: a fixture)
from test_pkgset import build_rpm, make_repo

AHEAD = "its repo was made ahead, while the headers were read"
OWN_ELEMENTS = "read from their own elements"


def package_set(conf, target):
    """A compose of CONF in TARGET with the package set of x86_64 made (punji-pkgset, in its
    own process) and marked FINISHED, so that the next one in TARGET is its nightly."""
    top = command("punji-init", conf, "--target-dir", target, "--test", check=True).stdout.strip()
    command("punji-pkgset", "--arch", "x86_64", top, check=True)
    with open(os.path.join(top, "STATUS"), "w") as f:
        f.write("FINISHED\n")
    return top


def written(top, arch="x86_64"):
    """What the package set of ARCH wrote: {relative path: bytes}."""
    work = os.path.join(top, "work", arch)
    found = {}
    paths = [os.path.join(work, "pkgset", name) for name in ("packages.json", "reach.json")]
    paths += glob.glob(os.path.join(work, "repo", "**", "*"), recursive=True)
    paths += glob.glob(os.path.join(work, "pkgset", "cache", "solv", "*"))
    for path in paths:
        if os.path.isfile(path):
            with open(path, "rb") as f:
                found[os.path.relpath(path, work)] = f.read()
    return found


def log_of(top):
    with open(os.path.join(top, "logs", "x86_64", "pkgset.log")) as f:
        return f.read()


def nightly_and_fresh(tmp_path, conf, change):
    package_set(conf, tmp_path / "nightly")
    change()
    return package_set(conf, tmp_path / "nightly"), package_set(conf, tmp_path / "fresh")


def remove(repo, demo_copy, pattern):
    for path in glob.glob(str(repo / "**" / pattern), recursive=True):
        os.unlink(path)
    subprocess.run(["createrepo_c", "-q", "--update", "-g", str(demo_copy / "comps.xml"), str(repo)], check=True)


NEW_SPEC = ("Name: demo-newcomer\nVersion: 1\nRelease: 1\nSummary: a new package\nLicense: MIT\nBuildArch: noarch\n"
            "AutoReqProv: no\n%description\nnew\n%files\n%changelog\n* Mon Dec 07 2026 Punji <p@example.com> - 1-1\n"
            "- first\n")


def changelog_only(tmp_path):
    """demo-docs built again with its NEVRA, a changelog entry more (another file, checksum)."""
    def edit(text):
        return text.replace("%changelog\n", "%changelog\n* Mon Dec 07 2026 Punji <p@example.com>\n- again\n\n", 1)
    from test_gather_swap import SPECS

    with open(os.path.join(SPECS, "demo-docs.spec")) as f:
        text = f.read()
    assert "%changelog\n" in text
    return build(tmp_path, "demo-docs.spec", edit(text))


def touched(repo, demo_copy):
    """demo-docs' noarch packages written anew, the same bytes with a later mtime; repodata updated
    (createrepo_c reads them again: their XML says the new time)."""
    for path in glob.glob(str(repo / "**" / "demo-docs*.noarch.rpm"), recursive=True):
        st = os.stat(path)
        shutil.copyfile(path, path + ".new")  # the file is a hard link of the demo repo's: not touched there
        os.replace(path + ".new", path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1000 * 10**9))
    subprocess.run(["createrepo_c", "-q", "--update", "-g", str(demo_copy / "comps.xml"), str(repo)], check=True)


def moved(repo, demo_copy):
    """demo-docs' noarch packages moved into another directory of the repo, repodata updated: the
    same files at another location."""
    os.makedirs(repo / "Packages" / "moved")
    for path in glob.glob(str(repo / "**" / "demo-docs*.noarch.rpm"), recursive=True):
        os.rename(path, repo / "Packages" / "moved" / os.path.basename(path))
    subprocess.run(["createrepo_c", "-q", "--update", "-g", str(demo_copy / "comps.xml"), str(repo)], check=True)


@pytest.mark.parametrize("case", ["changed", "added", "removed", "changelog-only", "mtime-only", "moved"])
def test_a_nightlys_package_set_after_a_few_packages_changed_is_a_fresh_ones(tmp_path, demo_copy, own_repo, case):
    changes = {
        "changed": lambda: put(own_repo, demo_copy, rebuilt(tmp_path, "demo-docs.spec")),
        "added": lambda: put(own_repo, demo_copy, build(tmp_path, "demo-newcomer.spec", NEW_SPEC)),
        "removed": lambda: remove(own_repo, demo_copy, "demo-docs-*.rpm"),
        "changelog-only": lambda: put(own_repo, demo_copy, changelog_only(tmp_path)),
        "mtime-only": lambda: touched(own_repo, demo_copy),
        "moved": lambda: moved(own_repo, demo_copy),
    }
    nightly, fresh = nightly_and_fresh(tmp_path, demo_copy / "demo.conf", changes[case])
    assert written(nightly) == written(fresh)
    assert AHEAD in log_of(nightly)
    # the new packages' files and changelogs from their elements, not whole files parsed
    assert (OWN_ELEMENTS in log_of(nightly)) == (case != "removed")
    if case == "changelog-only":
        other = [v for k, v in written(nightly).items() if k.endswith("-other.xml")]
        assert b"- again" in other[0]
    primary = next(v for k, v in written(nightly).items() if k.endswith("-primary.xml"))
    if case == "moved":
        assert b"/Packages/moved" in primary  # the xml:base of their directory
    if case == "mtime-only":  # the new time is in the XML
        path = glob.glob(str(own_repo / "**" / "demo-docs-1*.noarch.rpm"), recursive=True)[0]
        assert b'<time file="%d"' % int(os.stat(path).st_mtime) in primary


def test_one_of_two_repos_changed(tmp_path, demo_copy, own_repo):
    extra = tmp_path / "extra"
    make_repo(extra, [build_rpm(tmp_path / "rpmbuild", "pkgset-one", "1.0", "noarch")])
    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write("pkgset_repos = %r\n" % {"*": [str(own_repo), str(extra)]})

    def change():
        for path in glob.glob(str(extra / "Packages" / "*.rpm")):
            os.unlink(path)
        shutil.copy(build_rpm(tmp_path / "rpmbuild2", "pkgset-one", "1.1", "noarch"), extra / "Packages")
        subprocess.run(["createrepo_c", "-q", "--update", str(extra)], check=True)

    nightly, fresh = nightly_and_fresh(tmp_path, conf, change)
    assert written(nightly) == written(fresh)
    assert any(key.endswith("-primary.xml") and b"pkgset-one" in value and b'ver="1.1"' in value
               for key, value in written(nightly).items())


def test_the_repo_is_made_here_when_the_child_making_it_ahead_fails(tmp_path, demo_copy, monkeypatch, caplog):
    from punji_lib.log import log
    from punji_lib.phases import pkgset

    monkeypatch.setattr(log, "propagate", True)
    caplog.set_level("INFO", logger="punji")
    fresh = package_set(demo_copy / "demo.conf", tmp_path / "fresh")
    top = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "failing", "--test",
                  check=True).stdout.strip()

    def fail(*_args):
        raise OSError("no space left on device")

    monkeypatch.setattr(pkgset, "_build_and_warm", fail)
    pkgset.run(top, arch="x86_64")
    assert "the repo made ahead failed: it is made again" in caplog.text
    assert written(top) == written(fresh)
    work = os.path.join(top, "work", "x86_64")
    assert [n for n in os.listdir(work) + os.listdir(os.path.join(work, "pkgset")) if n.startswith(".")] == []


def test_a_repos_checksums_summed_as_written_are_those_createrepo_c_reads(tmp_path, demo_repo):
    import createrepo_c as cr

    from punji_lib.rpms import repodata, repos

    repo = repos.Repo(demo_repo, str(tmp_path / "cache"))
    pkgs = repo.packages(with_files=True, with_changelogs=True)
    top = tmp_path / "set"
    repodata.build_repo(str(top), [(repo.package_path(p), p) for p in pkgs], 7, changelogs=True)
    again = repos.Repo(str(top), str(tmp_path / "cache"))
    for kind in ("primary", "filelists", "other"):
        record = cr.RepomdRecord(kind, again.metadata(kind))
        record.fill(cr.SHA256)
        assert again.checksums[kind] == ("sha256", record.checksum)
        assert repos.WRITTEN_SUMS[again.metadata(kind)][:2] == ("sha256", record.checksum)
    # a file changed since is read again: its checksum no longer matches
    path = again.metadata("other")
    with open(path, "ab") as f:
        f.write(b"\n")
    fresh = repos.Repo(str(top), str(tmp_path / "cache"))
    with pytest.raises(PunjiError, match="does not match its sha256 checksum"):
        fresh.metadata("other", verify=True)


@pytest.mark.parametrize("location", ["Packages/a.rpm", "a.rpm", "./a.rpm", "x/../a.rpm", "x//a.rpm", "x/./a.rpm",
                                      "../a.rpm", "x/.", "x/..", ".a/b.rpm", "x/.hidden.rpm"])
def test_a_packages_path_is_its_location_normalized_under_its_repo(tmp_path, location):
    from punji_lib.rpms import repodata, repos

    path = repos.join(str(tmp_path / "repo"), location)
    assert path == os.path.normpath(os.path.join(str(tmp_path / "repo"), location))
    href, base = repodata._location(path)
    where, name = os.path.split(os.path.abspath(path))
    assert (href, base) == (name, "file://" + where + "/")
    relative = os.path.relpath(path)
    assert repodata._location(relative) == (name, "file://" + where + "/")


def test_the_split_made_before_the_headers_are_read_is_the_split_of_records_without_arch_limits(tmp_path, demo_repo):
    """Ahead's split (pkgset._unlimited_split) keeps what _arch_split keeps of records that name
    no ExcludeArch/ExclusiveArch: every binary package, each source package a binary one is
    built from (an orphan source package, pkgset-orphan, left out)."""
    from punji_lib.phases import pkgset
    from punji_lib.rpms import packages
    from punji_lib.rpms.repos import Repo

    top = tmp_path / "rpmbuild"
    top.mkdir()
    spec = top / "pkgset-orphan.spec"
    spec.write_text("Name: pkgset-orphan\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n"
                    "%description\nd\n%files\n")
    subprocess.run(["rpmbuild", "-bs", "--quiet", "--define", "_topdir %s" % top, str(spec)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    orphan = make_repo(tmp_path / "orphan", glob.glob(str(top / "SRPMS" / "*.src.rpm")))
    opened = [(Repo(r, str(tmp_path / "cache")), r) for r in (demo_repo, orphan)]
    newest = packages.chooser("x86_64", opened)()
    records = [({"name": pkg.name, "arch": pkg.arch, "sourcerpm": pkg.rpm_sourcerpm or None,
                 "path": repo.package_path(pkg)}, pkg) for repo, pkg in newest]
    split = pkgset._arch_split({}, "x86_64", records, quiet=True)
    assert [id(pkg) for _record, pkg in pkgset._unlimited_split(newest)] == [id(pkg) for _record, pkg in split]
    assert any(pkg.name == "pkgset-orphan" for _repo, pkg in newest)
    assert not any(pkg.name == "pkgset-orphan" for _record, pkg in split)
    assert any(pkg.arch == "src" for _record, pkg in split)


def test_a_pool_warmed_for_its_files_writes_those_a_pool_loaded_for_use_writes(tmp_path, demo_repo):
    """start_warming's pool has its sack keys written by a child while it is indexed: the same
    files (.solv, .keys.json, .pool) as a pool loaded for use keeps."""
    from punji_lib.rpms import pkgpool

    kept = {}
    for warming in (False, True):
        cache = tmp_path / ("cache-%s" % warming)
        pkgpool.PackagePool("x86_64", [demo_repo], cache=str(cache), warming=warming)
        kept[warming] = {name: (cache / "solv" / name).read_bytes() for name in os.listdir(cache / "solv")}
    assert kept[True] == kept[False]
    assert sorted(name.rsplit(".", 1)[1] for name in kept[True]) == ["json", "pool", "solv"]


def test_a_repo_made_ahead_and_dropped_while_it_is_built_warms_no_pool(tmp_path, demo_copy, monkeypatch):
    """Ahead.drop() tells the child making the repo ahead that nobody takes it: a child still
    building it warms no pool after (a reach that left packages out waits less for it)."""
    import time

    from punji_lib.compose import jsonio
    from punji_lib.config import repo_refs
    from punji_lib.phases import pkgset
    from punji_lib.rpms import packages, pkgpool, repodata
    from punji_lib.rpms.repos import Repo

    top = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "c", "--test",
                  check=True).stdout.strip()
    warmed = tmp_path / "warmed"
    real = repodata.build_repo

    def slow(*args, **kwargs):
        time.sleep(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(repodata, "build_repo", slow)
    monkeypatch.setattr(pkgpool, "PackagePool", lambda *_args, **_kwargs: warmed.write_text("warmed"))
    conf = jsonio.read_json(os.path.join(top, "work", "global", "config", "pkgset.json"))
    repo = Repo(repo_refs.repos_for(conf["pkgset_repos"], "x86_64")[0], str(tmp_path / "cache"))
    newest = packages.chooser("x86_64", [(repo, repo.repo)])()
    ahead = pkgset.Ahead(top, conf, "x86_64", newest, True, [repo])
    ahead.drop()
    assert not warmed.exists()
    work = os.path.join(top, "work", "x86_64")
    assert [n for n in os.listdir(work) if n.startswith(".")] == []
    # the same made and taken: warmed
    ahead = pkgset.Ahead(top, conf, "x86_64", newest, True, [repo])
    ahead.taken(os.path.join(work, "repo"), os.path.join(work, "pkgset", "cache"), None)()
    assert warmed.exists()
