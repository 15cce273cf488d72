"""punji-pkgset with pkgset_source = "repos": the package set per arch and the repo over it."""

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import assert_one_line_error, command, composed, http_server, make, read_json

SPEC = """Name: %{pkgname}
Version: %{pkgver}
Release: 1
Summary: a package for the pkgset tests
License: MIT
%description
A package for the pkgset tests.
%files
"""



def packages(compose, arch):
    return read_json(compose, "work/%s/pkgset/packages.json" % arch)["packages"]


def build_rpm(topdir, name, version, arch):
    """rpmbuild one empty package NAME-VERSION-1.ARCH; return its path."""
    topdir.mkdir(parents=True, exist_ok=True)
    spec = topdir / "test.spec"
    spec.write_text(SPEC)
    defines = {"_topdir": str(topdir), "pkgname": name, "pkgver": version, "__os_install_post": "%{nil}",
               "debug_package": "%{nil}", "_binary_payload": "w9.gzdio"}
    cmd = ["rpmbuild", "-bb", "--quiet", "--target", arch, str(spec)]
    for key, value in defines.items():
        cmd += ["--define", "%s %s" % (key, value)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return topdir / "RPMS" / arch / ("%s-%s-1.%s.rpm" % (name, version, arch))


def make_repo(path, rpms):
    (path / "Packages").mkdir(parents=True)
    for rpm in rpms:
        shutil.copy(rpm, path / "Packages")
    subprocess.run(["createrepo_c", "--quiet", str(path)], check=True)
    return str(path)


def load_repo(path):
    import createrepo_c

    md = createrepo_c.Metadata()
    md.locate_and_load_xml(path)
    return [md.get(key) for key in md.keys()]


@pytest.fixture
def repos_compose(tmp_path, demo_copy, demo_repo):
    """The demo with two more repos: 'old' (listed for x86_64 after the demo) and 'new' (for '*')."""
    build = tmp_path / "rpmbuild"
    old = make_repo(tmp_path / "old", [build_rpm(build, "pkgset-test", "1.0", "noarch"),
                                       build_rpm(build, "pkgset-tie", "1.0", "noarch"),
                                       build_rpm(build, "pkgset-foreign", "1.0", "aarch64")])
    new = make_repo(tmp_path / "new", [build_rpm(build, "pkgset-test", "2.0", "noarch"),
                                       build_rpm(build, "pkgset-test", "0.5", "noarch"),
                                       build_rpm(build, "pkgset-tie", "1.0", "noarch")])
    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write("pkgset_repos = %r\n" % {"x86_64": [demo_repo, old], "i386": [demo_repo], "*": [new]})
    done = command("punji-init", conf, "--target-dir", tmp_path / "composes", "--test", check=True)
    return {"compose": done.stdout.strip(), "demo": demo_repo, "old": old, "new": new}


def test_x86_64_set_has_native_multilib_noarch_and_source(new_compose):
    command("punji-pkgset", "--arch", "x86_64", new_compose, check=True)
    pkgs = packages(new_compose, "x86_64")
    assert {p["arch"] for p in pkgs} == {"x86_64", "i686", "noarch", "src"}
    assert [p["nevra"] for p in pkgs] == sorted(p["nevra"] for p in pkgs)
    first = pkgs[0]
    assert set(first) == {"name", "epoch", "version", "release", "arch", "nevra", "path", "repo", "location",
                          "sourcerpm", "checksum", "checksum_type", "size", "build_time", "sigkey", "mtime"}
    assert os.path.isabs(first["path"]) and os.path.isfile(first["path"])
    assert first["mtime"] == os.stat(first["path"]).st_mtime_ns
    assert first["sigkey"] is None
    st = read_json(new_compose, "work/x86_64/state/pkgset.json")
    assert st["count"] == len(pkgs) and st["packages"] == "work/x86_64/pkgset/packages.json"
    assert not st["failed"]


def test_i386_set_has_no_x86_64_packages(new_compose):
    command("punji-pkgset", "--arch", "i386", new_compose, check=True)
    assert {p["arch"] for p in packages(new_compose, "i386")} == {"i686", "noarch", "src"}


@pytest.mark.parametrize("multilib, arches", [
    ('[("^Server$", {"x86_64": ["devel"]})]', {"x86_64", "i686", "noarch", "src"}),
    ('[("^Server$", {"x86_64": []}), ("^Client$", {"s390x": ["all"]})]', {"x86_64", "noarch", "src"}),
])
def test_x86_64_set_has_i686_packages_only_when_some_variant_has_multilib_there(tmp_path, demo_copy, multilib, arches):
    # Pungi's is_arch_multilib: some multilib entry, of any variant, with methods for the arch
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("multilib = %s\n" % multilib)
    compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                      check=True).stdout.strip()
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    assert {p["arch"] for p in packages(compose, "x86_64")} == arches


def test_each_arch_run_of_the_reach_is_made_once(new_compose):
    """The package set of x86_64 makes the solver runs of both arches; i386's then takes its
    own run from work/i386/pkgset/reach.json instead of making it again."""
    command("punji-pkgset", "--arch", "x86_64", new_compose, check=True)
    runs = {a: os.path.join(new_compose, "work", a, "pkgset", "reach.json") for a in ("x86_64", "i386")}
    stamps = {a: os.stat(p).st_mtime_ns for a, p in runs.items()}
    with open(runs["i386"]) as f:
        i386_run = json.load(f)
    assert i386_run["key"] and any(n.endswith(".i686") for n in i386_run["nevras"])
    command("punji-pkgset", "--arch", "i386", new_compose, check=True)
    assert {a: os.stat(p).st_mtime_ns for a, p in runs.items()} == stamps
    with open(runs["x86_64"]) as f:
        x86_64_run = json.load(f)
    assert {p["nevra"] for p in packages(new_compose, "i386")} <= set(i386_run["nevras"] + x86_64_run["nevras"])


def test_the_reach_keeps_no_cache_of_the_source_repos_the_gathers_pool_does(new_compose, demo_repo):
    """The reach's pool of the source repos is made once per compose (then reach.json answers):
    it writes no .solv file, sack keys or snapshot; the package set's repo, which every gather
    loads, has all three."""
    from punji_lib.rpms.repos import Repo
    from punji_lib.rpms.solvcache import solv_path

    command("punji-pkgset", "--arch", "x86_64", new_compose, check=True)
    cache = os.path.join(new_compose, "work/x86_64/pkgset/cache")
    assert not os.path.exists(solv_path(Repo(demo_repo, cache), cache))
    assert os.path.isfile(solv_path(Repo(os.path.join(new_compose, "work/x86_64/repo"), cache), cache))
    kept = sorted(name.rsplit(".", 1)[-1] for name in os.listdir(os.path.join(cache, "solv")))
    assert kept == ["json", "pool", "solv"]  # one pool's: the gathers'


def test_the_reach_made_ahead_in_a_child_is_the_one_the_package_set_reads(new_compose, monkeypatch):
    """reach.start runs the solver in a child process (while the package set reads the repos);
    reached() then takes every run from its reach.json and loads no pool itself."""
    from punji_lib.compose import jsonio, layout
    from punji_lib.rpms import reach

    conf = jsonio.read_json(layout.at(new_compose, layout.config_slice("pkgset")))
    gather_conf = jsonio.read_json(layout.at(new_compose, layout.config_slice("gather")))
    reach.start(new_compose, conf, gather_conf, ["x86_64", "i386"], first="x86_64")()
    assert all(os.path.isfile(os.path.join(new_compose, "work", a, "pkgset", "reach.json")) for a in ("x86_64", "i386"))

    def no_pool(*args, **kwargs):
        raise AssertionError("the reach was made again")

    monkeypatch.setattr(reach, "PackagePool", no_pool)
    found = reach.reached(new_compose, conf, gather_conf, ["x86_64", "i386"], first="x86_64")
    assert any(n.endswith(".i686") for n in found) and any(n.endswith(".x86_64") for n in found)


def test_the_repo_over_the_set_loads_with_the_same_count(new_compose):
    command("punji-pkgset", "--arch", "x86_64", new_compose, check=True)
    repo = os.path.join(new_compose, "work/x86_64/repo")
    loaded = load_repo(repo)
    pkgs = packages(new_compose, "x86_64")
    assert len(loaded) == len(pkgs)
    assert sorted("%s.%s" % (p.name, p.arch) for p in loaded) == sorted("%s.%s" % (p["name"], p["arch"]) for p in pkgs)
    # a second run replaces the repo, and leaves no temporary directory behind
    command("punji-pkgset", "--arch", "x86_64", new_compose, check=True)
    assert len(load_repo(repo)) == len(pkgs)
    assert sorted(os.listdir(os.path.join(new_compose, "work/x86_64"))) == ["comps", "pkgset", "repo", "state"]


def test_the_gathers_pool_is_loaded_ahead_with_the_sack_ids_of_an_exact_load(new_compose, monkeypatch):
    from punji_lib.rpms import pkgpool

    command("punji-pkgset", "--arch", "x86_64", new_compose, check=True)
    repo = os.path.join(new_compose, "work/x86_64/repo")
    cache = os.path.join(new_compose, "work/x86_64/pkgset/cache")
    exact = []
    real_add = pkgpool.add_repo
    monkeypatch.setattr(pkgpool, "add_repo", lambda *a, **k: exact.append(a[3]) or real_add(*a, **k))
    warm = pkgpool.PackagePool("x86_64", [repo], cache=cache)  # as a gather of x86_64 loads it
    assert exact == [False]  # from the .solv file pkgset left
    cold = pkgpool.PackagePool("x86_64", [repo], cache=os.path.join(new_compose, "elsewhere"))
    assert exact == [False, True]
    assert warm.sack_keys == cold.sack_keys and warm.sack_keys


def test_repo_loads_with_dnf(tmp_path, new_compose):
    command("punji-pkgset", "--arch", "i386", new_compose, check=True)
    repo = os.path.join(new_compose, "work/i386/repo")
    done = subprocess.run(["dnf", "-q", "--disableplugin=*", "--setopt=reposdir=%s" % tmp_path,
                           "--setopt=cachedir=%s" % (tmp_path / "cache"), "--repofrompath=pkgset,%s" % repo,
                           "--repo=pkgset", "repoquery", "--qf", "%{name}.%{arch}\n"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    found = {line for line in done.stdout.splitlines() if line.strip()}
    assert found == {"%s.%s" % (p["name"], p["arch"]) for p in packages(new_compose, "i386")}


def test_highest_version_of_each_name_arch_first_repo_wins_ties(repos_compose):
    compose = repos_compose["compose"]
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    pkgs = packages(compose, "x86_64")
    keys = ["%s.%s" % (p["name"], p["arch"]) for p in pkgs]
    assert len(keys) == len(set(keys))
    by_name = {p["name"]: p for p in pkgs if p["arch"] == "noarch"}
    assert by_name["pkgset-test"]["version"] == "2.0"
    assert by_name["pkgset-test"]["repo"] == repos_compose["new"]
    assert by_name["pkgset-tie"]["repo"] == repos_compose["old"]
    assert "pkgset-foreign" not in {p["name"] for p in pkgs}  # aarch64
    assert {p["arch"] for p in pkgs} == {"x86_64", "i686", "noarch", "src"}
    assert len(load_repo(os.path.join(compose, "work/x86_64/repo"))) == len(pkgs)
    # '*' applies to every arch
    command("punji-pkgset", "--arch", "i386", compose, check=True)
    assert {p["name"] for p in packages(compose, "i386")} >= {"pkgset-test", "pkgset-tie"}


def test_a_missing_repo_is_one_error_and_no_state(tmp_path, demo_copy):
    missing = str(tmp_path / "no-such-repo")
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("pkgset_repos = %r\n" % {"x86_64": [missing], "i386": [missing]})
    compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                      check=True).stdout.strip()
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), missing, "does not exist")
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    assert os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json.error"))
    assert not os.path.exists(os.path.join(compose, "work/x86_64/repo"))


def compose_with_repos(tmp_path, demo_copy, repos):
    """An init'ed demo compose whose pkgset_repos are REPOS for every arch."""
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("pkgset_repos = %r\n" % {"*": repos})
    return command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                   check=True).stdout.strip()


def test_a_directory_without_repodata_is_one_error(tmp_path, demo_copy):
    empty = tmp_path / "empty"
    empty.mkdir()
    compose = compose_with_repos(tmp_path, demo_copy, [str(empty)])
    assert_one_line_error(command("punji-pkgset", "--arch", "i386", compose), str(empty), "repodata/repomd.xml")
    assert not os.path.exists(os.path.join(compose, "work/i386/state/pkgset.json"))


def test_corrupt_primary_is_one_error(tmp_path, demo_copy, demo_repo):
    broken = tmp_path / "broken"
    shutil.copytree(os.path.join(demo_repo, "repodata"), broken / "repodata")
    for name in os.listdir(broken / "repodata"):
        if "primary" in name:
            (broken / "repodata" / name).write_bytes(b"\x1f\x8b this is not gzip")
    compose = compose_with_repos(tmp_path, demo_copy, [str(broken)])
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), str(broken), "primary")
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))


def test_make_runs_pkgset_for_each_arch_first(new_compose):
    out = make(new_compose)
    assert out.returncode == 0, out.stdout
    ran = [line.split("/")[-1] for line in out.stdout.splitlines() if "/punji-" in line]
    assert "punji-prelink ." in ran[:3]  # beside the package sets: it links nothing without an old compose
    ran.remove("punji-prelink .")
    assert sorted(ran[:2]) == ["punji-pkgset --arch i386 .", "punji-pkgset --arch x86_64 ."]
    assert ran[2].startswith("punji-gather") and ran[-1] == "punji-finish ."
    for arch in ("i386", "x86_64"):
        assert read_json(new_compose, "work/%s/state/pkgset.json" % arch)["count"] > 0
    assert "Nothing to be done" in make(new_compose).stdout


def test_an_http_repo_is_read_and_only_gathered_packages_are_downloaded(tmp_path, demo_copy, demo_repo):
    import glob

    with http_server(demo_repo) as url:
        with open(demo_copy / "demo.conf", "a") as f:
            f.write("pkgset_repos = %r\n" % {"*": [url]})
        compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                          check=True).stdout.strip()
        command("punji-pkgset", "--arch", "i386", compose, check=True)
        pkgs = packages(compose, "i386")
        pkgs_by_nevra = {p["nevra"]: p for p in pkgs}
        assert pkgs and all(p["path"] == url + p["location"] and p["repo"] == url for p in pkgs)
        cache = os.path.join(compose, "work/i386/pkgset/cache")
        assert not glob.glob(cache + "/*/Packages/*.rpm")
        # the work repo points at the packages where they are
        assert len(load_repo(os.path.join(compose, "work/i386/repo"))) == len(pkgs)
        command("punji-gather", "--variant", "Client", "--arch", "i386", compose, check=True)
    gathered = read_json(compose, "work/i386/gather/Client.solved.json")["packages"]
    downloaded = glob.glob(cache + "/*/Packages/*.rpm")
    assert len(downloaded) == len(gathered) < len(pkgs)
    for p in gathered:  # the local copies, which gather --assemble links into the trees
        assert p["path"].startswith(cache)
        assert p["sigkey"] is None or p["sigkey"]
        assert os.path.getsize(p["path"]) == pkgs_by_nevra[p["nevra"]]["size"]


@pytest.fixture
def one_package_repo(tmp_path):
    """A repo of one noarch package, pkgset-one-1.0 (path of the repo, path of the RPM)."""
    rpm = build_rpm(tmp_path / "rpmbuild", "pkgset-one", "1.0", "noarch")
    repo = make_repo(tmp_path / "one", [rpm])
    return repo, os.path.join(repo, "Packages", os.path.basename(rpm))


def test_a_file_that_is_not_an_rpm_is_one_error(tmp_path, demo_copy, one_package_repo):
    repo, rpm = one_package_repo
    size = os.path.getsize(rpm)
    with open(rpm, "wb") as f:
        f.write(b"not an rpm " * (size // 11) + b"x" * (size % 11))
    compose = compose_with_repos(tmp_path, demo_copy, [repo])
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), rpm, "cannot read its RPM header")
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))


def test_a_package_replaced_by_another_is_one_error(tmp_path, demo_copy, one_package_repo):
    repo, rpm = one_package_repo
    shutil.copy(build_rpm(tmp_path / "rpmbuild", "pkgset-other", "1.0", "noarch"), rpm)
    compose = compose_with_repos(tmp_path, demo_copy, [repo])
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), rpm,
                          "header says pkgset-other-0:1.0-1.noarch", "repodata says pkgset-one-0:1.0-1.noarch")


def test_a_truncated_package_is_one_error(tmp_path, demo_copy, one_package_repo):
    repo, rpm = one_package_repo
    os.truncate(rpm, os.path.getsize(rpm) - 10)
    compose = compose_with_repos(tmp_path, demo_copy, [repo])
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), rpm, "truncated")


@pytest.mark.parametrize("rpmv3", [True, False])
def test_the_signing_key_comes_from_the_header_as_pungi_reads_it(tmp_path, demo_copy, rpmv3):
    from kojihub import Signer

    signer = Signer(tmp_path / "gnupg", "Punji Test", rpmv3=rpmv3)
    rpm = build_rpm(tmp_path / "rpmbuild", "pkgset-signed", "1.0", "noarch")
    signer.sign([rpm])
    signer.stop_agent()
    compose = compose_with_repos(tmp_path, demo_copy, [make_repo(tmp_path / "signed", [rpm])])
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    (pkg,) = packages(compose, "x86_64")
    # Pungi (kobo) lists the key of the header+payload signature; a header-only one is no key to it
    assert pkg["sigkey"] == (signer.sigkey if rpmv3 else None)


def test_a_changed_local_repo_makes_the_package_set_out_of_date(tmp_path, demo_copy, one_package_repo):
    repo, _rpm = one_package_repo
    compose = compose_with_repos(tmp_path, demo_copy, [repo])
    assert make(compose, "pkgset").returncode == 0
    assert "punji-pkgset" not in make(compose, "-n", "pkgset").stdout
    shutil.copy(build_rpm(tmp_path / "rpmbuild", "pkgset-two", "1.0", "noarch"), os.path.join(repo, "Packages"))
    subprocess.run(["createrepo_c", "--quiet", repo], check=True)
    assert make(compose, "pkgset").returncode == 0
    assert {p["name"] for p in packages(compose, "x86_64")} == {"pkgset-one", "pkgset-two"}


def test_zstd_compressed_repodata_is_read(tmp_path, demo_copy, one_package_repo):
    repo, _rpm = one_package_repo
    repodata = os.path.join(repo, "repodata")
    repomd = open(os.path.join(repodata, "repomd.xml")).read()
    for name in os.listdir(repodata):
        if name.endswith(".xml.gz"):
            plain = subprocess.run(["gzip", "-dc", os.path.join(repodata, name)], stdout=subprocess.PIPE,
                                   check=True).stdout
            subprocess.run(["zstd", "-q", "-o", os.path.join(repodata, name[:-3] + ".zst")], input=plain,
                           check=True)
            os.unlink(os.path.join(repodata, name))
            repomd = repomd.replace(name, name[:-3] + ".zst")
            old_sum = '<checksum type="sha256">%s</checksum>' % name.split("-", 1)[0]
            with open(os.path.join(repodata, name[:-3] + ".zst"), "rb") as f:
                new_sum = '<checksum type="sha256">%s</checksum>' % hashlib.sha256(f.read()).hexdigest()
            repomd = repomd.replace(old_sum, new_sum)
    open(os.path.join(repodata, "repomd.xml"), "w").write(repomd)
    compose = compose_with_repos(tmp_path, demo_copy, [repo])
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    assert [p["name"] for p in packages(compose, "x86_64")] == ["pkgset-one"]


def test_a_repos_package_set_holds_only_what_pungis_package_set_run_reaches(tmp_path, solver_repo):
    """The multilib fixture product over the whole solver repo: Pungi 4.3.2 lets into the package
    set only what its per-arch run (greedy none, fulltree, selfhosting, multilib all) reaches, so
    greedy-cap's other provider gy-long (and its source gy) never get there, and greedy "all"
    in gather cannot take them (as Pungi's compose of this product shows)."""
    fixture = os.path.join(os.path.dirname(__file__), "data", "fidelity", "multilib")
    product = tmp_path / "multilib"
    shutil.copytree(fixture, product, ignore=shutil.ignore_patterns("specs.list"))
    conf = product / "multilib.conf"
    conf.write_text(conf.read_text().replace("../../../../build/fidelity/multilib-repo", solver_repo))
    compose = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()
    done = make(compose, "gather")
    assert done.returncode == 0, done.stdout
    names = {p["name"] for p in packages(compose, "x86_64")}
    assert {"gx", "greedy-user", "mla"} <= names
    assert not names & {"gy", "gy-long", "xa-user", "ord-a"}  # greedy-cap's other provider; unasked ones
    assert len(names) < len({p.name for p in load_repo(solver_repo)})
    gathered = {p["name"] for p in read_json(compose, "work/x86_64/gather/Server.json")["packages"]}
    assert "gx" in gathered and "gy-long" not in gathered
    with open(os.path.join(compose, "logs/x86_64/pkgset.log")) as f:
        assert "packages reached by Pungi's package set runs of x86_64" in f.read()


def _multilib_product(tmp_path, repo):
    fixture = os.path.join(os.path.dirname(__file__), "data", "fidelity", "multilib")
    product = tmp_path / "multilib"
    shutil.copytree(fixture, product, ignore=shutil.ignore_patterns("specs.list"))
    conf = product / "multilib.conf"
    conf.write_text(conf.read_text().replace("../../../../build/fidelity/multilib-repo", str(repo)))
    return command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()


def _without_files_of(repo, copy, name):
    """A copy of REPO (hard links) without the package files of NAME."""
    shutil.copytree(repo, copy, copy_function=os.link)
    gone = [p for p in load_repo(str(copy)) if p.name == name]
    for pkg in gone:
        os.unlink(os.path.join(str(copy), pkg.location_href))
    assert gone


def test_a_package_file_the_reach_leaves_out_is_never_read(tmp_path, solver_repo):
    """The records of the newest packages are made while the reach runs: a broken one the reach
    leaves out (gy-long, greedy-cap's other provider) is no error; a missing one it reaches is."""
    _without_files_of(solver_repo, tmp_path / "repo", "gy-long")
    compose = _multilib_product(tmp_path, tmp_path / "repo")
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    assert "gy-long" not in {p["name"] for p in packages(compose, "x86_64")}
    _without_files_of(solver_repo, tmp_path / "repo2", "gx")
    compose = _multilib_product(tmp_path / "two", tmp_path / "repo2")
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "package", "gx-", "is missing")


def _reach_still_running(running):
    """A stand-in for reach.start whose child is (or is not) still running: reached() then
    makes the runs itself."""
    def start(*_args, **_kwargs):
        def wait():
            return False

        wait.running = lambda: running
        return wait

    return start


def _files(top):
    found = {}
    for root, _dirs, names in os.walk(top):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                found[os.path.relpath(os.path.join(root, name), top)] = f.read()
    return found


@pytest.mark.parametrize("product, arch", [("demo", "x86_64"), ("multilib", "x86_64"), ("limited", "i386")])
def test_the_repo_made_while_the_reach_runs_is_the_one_made_after_it(tmp_path, demo_copy, solver_repo, limited_repo,
                                                                     monkeypatch, caplog, product, arch):
    """While the reach runs and the headers are read, the repo over the newest packages is made
    and its pool warmed: taken when the set is exactly those (the demo), made again when the
    reach leaves some out (greedy-cap's other provider in the multilib product) or an
    ExclusiveArch its headers name does (pkgset-javaish on i386). A reach already done when
    the repos are read (taken over, or kept by a killed run) has the repo made ahead over what
    it reached: taken in the multilib product too. The same repo, package set and warmed pool
    every way."""
    from punji_lib.log import log
    from punji_lib.phases import pkgset
    from punji_lib.rpms import reach

    monkeypatch.setattr(log, "propagate", True)
    caplog.set_level("INFO", logger="punji")
    if product == "multilib":
        compose = _multilib_product(tmp_path, solver_repo)
    elif product == "limited":
        compose = compose_with_repos(tmp_path, demo_copy, [limited_repo])
    else:
        compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "c", "--test",
                          check=True).stdout.strip()
    work = os.path.join(compose, "work", arch)
    made = {}
    for running in (True, False):
        for rel in ("repo", "pkgset/cache"):
            shutil.rmtree(os.path.join(work, rel), ignore_errors=True)
        for rel in ("pkgset/packages.json", "state/pkgset.json"):
            if os.path.exists(os.path.join(work, rel)):
                os.unlink(os.path.join(work, rel))
        monkeypatch.setattr(reach, "start", _reach_still_running(running))
        caplog.clear()
        pkgset.run(compose, arch=arch)
        made[running] = (_files(os.path.join(work, "repo")), read_json(compose, "work/%s/pkgset/packages.json" % arch)["packages"],
                         sorted(os.listdir(os.path.join(work, "pkgset", "cache", "solv"))))
        again = "its repo made ahead holds other packages: it is made again"
        ahead = "its repo was made ahead, while the headers were read"
        said = {"demo": ahead, "multilib": again if running else ahead, "limited": again}[product]
        assert said in caplog.text
        assert sorted(n for n in os.listdir(work) if n.startswith(".")) == []  # nothing left aside
        assert sorted(n for n in os.listdir(os.path.join(work, "pkgset")) if n.startswith(".")) == []
    assert made[True] == made[False] and made[True][1] and made[True][2]


def test_the_repos_own_group_files_add_to_the_groups_pungis_package_set_run_asks_for(tmp_path, demo_copy):
    """Pungi's package set run reads the comps of the repos too (DNF merges every repo's group
    file): a group of the compose's comps takes the packages the repo's group of the same id
    lists (pkgset-two in the repo's "core"); a package no group names stays out (pkgset-one)."""
    rpms = [build_rpm(tmp_path / "rpmbuild", name, "1.0", "noarch") for name in ("pkgset-one", "pkgset-two")]
    (tmp_path / "repo-comps.xml").write_text(
        '<?xml version="1.0"?>\n<comps><group><id>core</id><name>Core</name><description>c</description>'
        '<packagelist><packagereq type="mandatory">pkgset-two</packagereq></packagelist></group></comps>\n')
    repo = make_repo(tmp_path / "grouped", rpms)
    subprocess.run(["createrepo_c", "--quiet", "-g", str(tmp_path / "repo-comps.xml"), repo], check=True)
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("additional_packages = []\n")  # not Everything's "*"
    compose = compose_with_repos(tmp_path, demo_copy, [repo])
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    assert [p["name"] for p in packages(compose, "x86_64")] == ["pkgset-two"]


LIMITED_SPEC = """Name: %s
Version: 1.0
Release: 1
Summary: a noarch package limited to some arches
License: MIT
BuildArch: noarch
%s
%%description
Limited by its source package.
%%files
"""


@pytest.fixture(scope="module")
def limited_repo(tmp_path_factory):
    """A repo of two noarch packages with their sources: pkgset-limited (ExcludeArch: the i386
    family), pkgset-javaish (ExclusiveArch: x86_64 noarch)."""
    top = tmp_path_factory.mktemp("limited")
    rpms = []
    for name, limit in (("pkgset-limited", "ExcludeArch: i386 i486 i586 i686"),
                        ("pkgset-javaish", "ExclusiveArch: x86_64 noarch")):
        spec = top / ("%s.spec" % name)
        spec.write_text(LIMITED_SPEC % (name, limit))
        subprocess.run(["rpmbuild", "-ba", "--quiet", "--define", "_topdir %s" % top, str(spec)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rpms += [top / "RPMS" / "noarch" / ("%s-1.0-1.noarch.rpm" % name), top / "SRPMS" / ("%s-1.0-1.src.rpm" % name)]
    return make_repo(top / "repo", rpms)


@pytest.mark.parametrize("options, on_i386", [
    ("", {"pkgset-javaish"}),
    ("pkgset_exclusive_arch_considers_noarch = False\n", set()),
    ("pkgset_inherit_exclusive_arch_to_noarch = False\n", {"pkgset-javaish", "pkgset-limited"}),
])
def test_noarch_packages_limited_by_their_sources_arches_as_pungi_splits_the_set(tmp_path, demo_copy, limited_repo,
                                                                                 options, on_i386):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write(options)
    compose = compose_with_repos(tmp_path, demo_copy, [limited_repo])
    for arch in ("x86_64", "i386"):
        command("punji-pkgset", "--arch", arch, compose, check=True)
    names = lambda arch, kind: {p["name"] for p in packages(compose, arch) if (p["arch"] == "src") == (kind == "src")}
    assert names("x86_64", "binary") == names("x86_64", "src") == {"pkgset-javaish", "pkgset-limited"}
    # a source package goes with the binary packages built from it
    assert names("i386", "binary") == names("i386", "src") == on_i386


@pytest.mark.parametrize("option, value, fragments", [
    # any variant pattern counts, even one matching no variant; "*" means every compose arch
    ("additional_packages", [("^Nope$", {"*": ["demo-shell.x86_64"]})], ["'demo-shell.x86_64'", "i386 tree"]),
    ("additional_packages", [("^Server$", {"x86_64": ["demo-zlib.s390"]})], ["arch s390", "x86_64 tree"]),
    ("additional_packages", [("^Server$", {"x86_64": ["demo-zlib.src"]})], ["arch src"]),
])
def test_an_input_arch_the_tree_cannot_hold_fails_the_package_set(tmp_path, demo_copy, option, value, fragments):
    # Pungi's get_additional_packages: a name.arch must be of the tree arch's compatible arches
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("%s = %r\n" % (option, value))
    compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                      check=True).stdout.strip()
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "additional_packages", *fragments)


def test_multilib_and_noarch_suffixes_and_dot_plus_are_allowed_inputs(tmp_path, demo_copy):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("additional_packages = %r\n" % [("^Server$", {"x86_64": ["demo-zlib.i686", "demo-zlib-devel.+"],
                                                             "*": ["demo-docs.noarch"]})])
    compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                      check=True).stdout.strip()
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    assert "demo-zlib-devel" in {p["name"] for p in packages(compose, "x86_64") if p["arch"] == "i686"}


def test_a_prepopulate_entry_needs_an_arch_the_tree_can_hold(tmp_path, demo_copy):
    (demo_copy / "pre.json").write_text(json.dumps({"Server": {"x86_64": {"demo-zlib": ["demo-zlib"]}}}))
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("gather_prepopulate = 'pre.json'\n")
    compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                      check=True).stdout.strip()
    assert_one_line_error(command("punji-pkgset", "--arch", "i386", compose), "gather_prepopulate", "no arch")


@pytest.mark.parametrize("tree_arch, allowed", [
    ("x86_64", ["x86_64", "athlon", "i686", "i586", "i486", "i386", "noarch"]),
    ("i386", ["i686", "i586", "i486", "i386", "noarch"]),
    ("s390x", ["s390x", "s390", "noarch"]),
    ("ppc64", ["ppc64", "ppc", "noarch"]),
    ("ppc64le", ["ppc64le", "noarch"]),
    ("aarch64", ["aarch64", "noarch"]),
])
def test_the_arches_an_input_may_name_are_pungis_compatible_arches(tree_arch, allowed):
    from punji_lib.rpms import input_arches

    assert input_arches.compatible(tree_arch) == allowed


def test_only_arches_pungi_knows_are_checked_as_input_arches():
    from punji_lib.errors import PunjiError
    from punji_lib.rpms import input_arches

    # riscv64 is no arch to Pungi 4.3.2: "demo.riscv64" is a name; sparc64 is one
    input_arches.check("additional_packages", ["demo.riscv64", "demo.+", "demo.i686"], "x86_64")
    with pytest.raises(PunjiError, match="arch sparc64"):
        input_arches.check("additional_packages", ["demo.sparc64"], "x86_64")


def test_a_stale_cached_copy_of_remote_metadata_is_downloaded_again(tmp_path, small_repo):
    from punji_lib.rpms.repos import Repo

    cache = str(tmp_path / "cache")
    with http_server(str(small_repo)) as url:
        cached = Repo(url, cache).metadata("primary")
        with open(cached, "wb") as f:
            f.write(b"an older primary.xml.gz of the same name")
        again = Repo(url, cache)
        assert again.metadata("primary") == cached
        assert len(again.packages()) == 6
    (primary,) = [n for n in os.listdir(os.path.join(small_repo, "repodata")) if n.endswith("-primary.xml.gz")]
    with open(cached, "rb") as f, open(os.path.join(small_repo, "repodata", primary), "rb") as original:
        assert f.read() == original.read()


def test_local_metadata_that_is_not_what_repomd_xml_says_is_one_error(tmp_path, small_repo):
    from punji_lib.errors import PunjiError
    from punji_lib.rpms.repos import Repo

    repo = tmp_path / "repo"
    shutil.copytree(small_repo, repo)
    (primary,) = [n for n in os.listdir(repo / "repodata") if n.endswith("-primary.xml.gz")]
    with open(repo / "repodata" / primary, "ab") as f:
        f.write(b"\0")
    with pytest.raises(PunjiError) as caught:
        Repo(str(repo), str(tmp_path / "cache")).packages()
    assert "primary metadata repodata/%s does not match its sha256 checksum in repodata/repomd.xml" % primary \
        in str(caught.value)


def _tree_metadata(compose):
    """{tree-relative path of a repodata XML file: its uncompressed text} of COMPOSE's trees."""
    import glob
    import gzip

    found = {}
    for path in glob.glob(os.path.join(compose, "compose", "*", "*", "*", "repodata", "*.xml.gz")):
        name = os.path.basename(path).split("-", 1)[1]  # without its checksum
        with gzip.open(path, "rt") as f:
            found[os.path.join(os.path.relpath(os.path.dirname(path), compose), name)] = f.read()
    return found


def _cut_matching(repo, kind):
    """REPO's KIND metadata cut in the middle of its XML, gzipped whole, and repomd.xml's
    checksum and size of it made to match (a repo made from a broken file)."""
    import gzip
    import re

    path = next(p for p in (repo / "repodata").iterdir() if "-%s.xml" % kind in p.name)
    xml = gzip.decompress(path.read_bytes())
    path.unlink()  # a new inode: the demo repo's stays as it was
    path.write_bytes(gzip.compress(xml[:len(xml) // 2]))
    repomd = repo / "repodata" / "repomd.xml"
    text = repomd.read_text()
    start = text.index('<data type="%s">' % kind)
    end = text.index("</data>", start)
    block = re.sub(r'(<checksum type="sha256">)[0-9a-f]+', r"\g<1>" + hashlib.sha256(path.read_bytes()).hexdigest(),
                   text[start:end])
    block = re.sub(r"<size>\d+</size>", "<size>%d</size>" % path.stat().st_size, block)
    repomd.unlink()
    repomd.write_text(text[:start] + block + text[end:])


def _composed_over(tmp_path, demo_copy, repo):
    """punji-compose's run of the demo with REPO as its package set's repo."""
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("pkgset_repos = %r\n" % {"*": [str(repo)]})
    return command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path / "broken-out", "--test")


@pytest.mark.parametrize("breakage", ["truncated", "missing", "corrupt-matching"])
def test_a_broken_other_metadata_is_one_warning_and_the_changelogs_come_from_the_packages(
        tmp_path, demo_copy, demo_repo, breakage):
    """Pungi reads changelogs from the packages, never the repo's other.xml: a repo whose other
    metadata is gone, does not match repomd.xml or matches it but cannot be parsed composes
    on, to the same trees, with a warning."""
    broken = tmp_path / "broken"
    shutil.copytree(demo_repo, broken)
    other = next(p for p in (broken / "repodata").iterdir() if "-other.xml" in p.name)
    if breakage == "missing":
        other.unlink()
    elif breakage == "corrupt-matching":
        _cut_matching(broken, "other")
    else:
        other.write_bytes(other.read_bytes()[:other.stat().st_size // 2])
    clean = composed(demo_copy / "demo.conf", tmp_path / "clean")
    done = _composed_over(tmp_path, demo_copy, broken)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "other metadata" in line]
    assert len(warnings) == 1 and warnings[0].startswith("punji-pkgset: warning: repo %s: " % broken), done.stderr
    assert warnings[0].endswith("the changelogs are read from the packages instead")
    ours, theirs = _tree_metadata(clean), _tree_metadata(done.stdout.strip().splitlines()[-1])
    assert sorted(ours) == sorted(theirs) and any("other.xml" in p for p in ours)
    assert [p for p in ours if ours[p] != theirs[p]] == []


def test_a_filelists_metadata_that_cannot_be_parsed_is_a_warning_and_the_files_come_from_the_packages(
        tmp_path, demo_copy, demo_repo):
    """A repo whose filelists matches repomd.xml but is cut short: Pungi's package set run (dnf)
    goes on with what it parsed, and its package set repo is createrepo_c's over the packages. So
    punji composes on, warning, and the trees' repodata is what the sound repo gives."""
    broken = tmp_path / "broken"
    shutil.copytree(demo_repo, broken)
    _cut_matching(broken, "filelists")
    clean = composed(demo_copy / "demo.conf", tmp_path / "clean")
    done = _composed_over(tmp_path, demo_copy, broken)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "filelists metadata" in line]
    assert warnings and all(line.startswith("punji-pkgset: warning: repo %s: corrupt filelists metadata " % broken)
                            for line in warnings), done.stderr
    ours, theirs = _tree_metadata(clean), _tree_metadata(done.stdout.strip().splitlines()[-1])
    assert sorted(ours) == sorted(theirs) and any("filelists.xml" in p for p in ours)
    assert [p for p in ours if ours[p] != theirs[p]] == []


def test_metadata_repomd_places_elsewhere_with_xml_base_is_read_from_there(tmp_path, small_repo):
    """repomd.xml's primary location with an xml:base (a mirror tool pointing its metadata at
    another directory or host): punji read the repo's own repodata/<href> (fuzz-broken-inputs
    repomd/remote-base composed on from a stale file where Pungi's dnf fails to download it). It is
    read where xml:base says, as dnf does: a directory, a host (downloaded), a host that does not
    answer (one error line naming the URL)."""
    import re

    from punji_lib.errors import PunjiError
    from punji_lib.rpms.repos import Repo

    repo = tmp_path / "repo"
    shutil.copytree(small_repo, repo)
    repomd = repo / "repodata" / "repomd.xml"
    text = repomd.read_text()
    href = re.search(r'<data type="primary">.*?<location href="([^"]+)"', text, re.S).group(1)
    elsewhere = tmp_path / "upstream"
    (elsewhere / "repodata").mkdir(parents=True)
    shutil.move(str(repo / href), str(elsewhere / href))

    def based(base):
        repomd.write_text(text.replace('<location href="%s"' % href, '<location xml:base="%s" href="%s"' % (base, href)))
        return Repo(str(repo), str(tmp_path / "cache"))

    assert based("file://%s/" % elsewhere).metadata("primary", verify=True) == str(elsewhere / href)
    with http_server(str(elsewhere)) as url:
        fetched = based(url + "/").metadata("primary", verify=True)
    assert fetched.startswith(str(tmp_path / "cache")) and open(fetched, "rb").read() == (elsewhere / href).read_bytes()
    with pytest.raises(PunjiError, match=r"cannot download http://127\.0\.0\.1:9/upstream/%s" % re.escape(href)):
        based("http://127.0.0.1:9/upstream/").metadata("primary")
