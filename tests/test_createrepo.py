"""punji-createrepo on the demo: repositories dnf installs from, .treeinfo, .discinfo, reruns."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import DEMO, command, demo_config, make, read_json



def make_compose(top, demo_repo, options=""):
    conf = demo_config(top / "demo", demo_repo, options)
    compose = command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()
    done = make(compose, "-j2", "createrepo")
    assert done.returncode == 0, done.stdout
    return compose


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo):
    """The demo compose up to createrepo, made once for this module."""
    return make_compose(tmp_path_factory.mktemp("createrepo"), demo_repo)


def repo_packages(path):
    import createrepo_c

    md = createrepo_c.Metadata()
    md.locate_and_load_xml(path)
    return {md.get(key).location_href for key in md.keys()}


def gathered(compose, uid, arch, category, repo):
    """The gathered packages of CATEGORY of UID.ARCH, by their path in REPO."""
    return {os.path.relpath(os.path.join(compose, p["file"]), repo)
            for p in read_json(compose, "work/%s/gather/%s.json" % (arch, uid))["packages"] if p["category"] == category}


def test_dnf_installs_a_server_group_from_the_composed_repository(demo, tmp_path):
    root = tmp_path / "root"
    done = subprocess.run(
        ["dnf", "-y", "-q", "--installroot", str(root), "--releasever", "1", "--setopt=reposdir=/dev/null",
         "--setopt=cachedir=%s" % (tmp_path / "cache"), "--setopt=install_weak_deps=False", "--nogpgcheck",
         "--disableplugin=*", "--repofrompath", "server,%s" % os.path.join(demo, "compose/Server/x86_64/os"),
         "--repo", "server", "install", "@web-server"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 0, done.stdout
    installed = subprocess.run(["rpm", "--root", str(root), "-qa", "--qf", "%{NAME}\n"], stdout=subprocess.PIPE,
                               text=True, check=True).stdout.split()
    assert "demo-httpd" in installed and "demo-libc" in installed


def test_each_repository_lists_exactly_the_gathered_packages(demo):
    repos = {("Server", "x86_64"): "Server/x86_64/%s", ("Server-HA", "x86_64"): "Server/x86_64/%s/addons/HA",
             ("Client", "i386"): "Client/i386/%s"}
    for (uid, arch), repo in repos.items():
        os_repo = os.path.join(demo, "compose", repo % "os")
        assert repo_packages(os_repo) == gathered(demo, uid, arch, "binary", os_repo)
        debug = os.path.join(demo, "compose", repo % "debug/tree")
        assert repo_packages(debug) == gathered(demo, uid, arch, "debug", debug)
    sources = {p["file"].split("/source/tree/")[1] for arch in ("x86_64", "i386")
               for p in read_json(demo, "work/%s/gather/Server.json" % arch)["packages"] if p["category"] == "source"}
    assert repo_packages(os.path.join(demo, "compose/Server/source/tree")) == sources


def test_the_os_repository_carries_the_variants_groups(demo):
    import createrepo_c
    import libcomps

    repomd = createrepo_c.Repomd(os.path.join(demo, "compose/Server/x86_64/os/repodata/repomd.xml"))
    (group,) = [r for r in repomd.records if r.type == "group"]
    comps = libcomps.Comps()
    comps.fromxml_f(os.path.join(demo, "compose/Server/x86_64/os", group.location_href))
    expected = libcomps.Comps()
    expected.fromxml_f(os.path.join(demo, "work/x86_64/comps/comps-Server.x86_64.xml"))
    assert sorted(g.id for g in comps.groups) == sorted(g.id for g in expected.groups)
    assert "web-server" in [g.id for g in comps.groups]


def test_treeinfo_and_discinfo(demo):
    from productmd.treeinfo import TreeInfo

    ti = TreeInfo()
    ti.load(os.path.join(demo, "compose/Server/x86_64/os/.treeinfo"))
    assert ti.release.short == "PDL" and ti.tree.arch == "x86_64"
    assert [v.uid for v in ti.variants.get_variants(recursive=True)] == ["Server", "Server-HA"]
    assert ti.variants["Server"].paths.repository == "."
    assert ti.variants["Server"]["HA"].paths.repository == "addons/HA"  # Pungi's layout
    lines = open(os.path.join(demo, "compose/Server/x86_64/os/.discinfo")).read().splitlines()
    assert lines[1:] == ["Punji Demo Linux 1", "x86_64", "ALL"] and int(lines[0]) == ti.tree.build_timestamp


def test_a_change_for_one_variant_redoes_only_its_repositories(tmp_path, demo_repo):
    compose = make_compose(tmp_path, demo_repo)
    repomds = {tree: os.stat(tree).st_mtime_ns
               for tree in (os.path.join(compose, "compose", uid, arch, "os/repodata/repomd.xml")
                            for uid, arch in (("Server", "x86_64"), ("Client", "x86_64"), ("Client", "i386"),
                                              ("Everything", "x86_64")))}
    with open(tmp_path / "demo" / "demo.conf", "a") as f:
        f.write('additional_packages = [("^Everything$", {"*": ["*"]}), ("^Client$", {"x86_64": ["demo-fortune"]})]\n')
    done = make(compose, "createrepo")
    assert done.returncode == 0, done.stdout
    changed = {os.path.relpath(t, os.path.join(compose, "compose")) for t, m in repomds.items()
               if os.stat(t).st_mtime_ns != m}
    assert changed == {"Client/x86_64/os/repodata/repomd.xml"}
    assert "demo-fortune" in " ".join(repo_packages(os.path.join(compose, "compose/Client/x86_64/os")))
    log = open(os.path.join(compose, "logs/x86_64/createrepo-Server.log")).read()
    assert "nothing to do" in log


def test_a_revision_in_createrepo_extra_args_is_the_repodatas_as_in_pungi(tmp_path, demo_repo):
    # Rocky Linux 8's config: createrepo_c takes no "8.7" as timestamps, so punji's own revision
    # and timestamps give way to the config's
    compose = make_compose(tmp_path, demo_repo, "createrepo_extra_args = ['--distro=cpe:/o:demo:demo:1,Demo 1', "
                                                "'--revision=1.7']\n")
    with open(os.path.join(compose, "compose/Server/x86_64/os/repodata/repomd.xml")) as f:
        repomd = f.read()
    assert "<revision>1.7</revision>" in repomd
    assert '<distro cpeid="cpe:/o:demo:demo:1">Demo 1</distro>' in repomd


def test_a_change_for_one_variant_remakes_only_its_images(tmp_path, demo_repo):
    compose = make_compose(tmp_path, demo_repo)
    assert make(compose, "-j2").returncode == 0
    isos = {p: os.stat(p).st_mtime_ns for p in
            [os.path.join(d, f) for d in (os.path.join(compose, "compose", v, a, "iso") for v in ("Server", "Client")
                                          for a in ("x86_64", "i386", "source"))
             for f in os.listdir(d) if f.endswith(".iso")]}
    assert len(isos) == 6
    with open(tmp_path / "demo" / "demo.conf", "a") as f:
        f.write('additional_packages = [("^Everything$", {"*": ["*"]}), ("^Client$", {"x86_64": ["demo-fortune"]})]\n')
    done = make(compose, "-j2")
    assert done.returncode == 0, done.stdout
    changed = {os.path.relpath(p, os.path.join(compose, "compose")).split("/iso/")[0]
               for p, m in isos.items() if os.stat(p).st_mtime_ns != m}
    # demo-fortune and its source package are new in Client's x86_64 and source trees
    assert changed == {"Client/x86_64", "Client/source"}
    assert open(os.path.join(compose, "STATUS")).read() == "FINISHED\n"


def test_discinfo_and_media_repo_describe_the_tree_as_pungi_does():
    from punji_lib.errors import PunjiError
    from punji_lib.media import treeinfo

    conf = {"release_name": "Dummy Product", "release_version": "1.0"}
    server = {"uid": "Server", "name": "Server", "type": "variant"}
    gluster = {"uid": "Server-Gluster", "name": "Gluster Layered Product", "type": "layered-product",
               "release": {"name": "Gluster", "version": "2.3", "short": "Gluster"}}
    assert treeinfo.description(conf, server, "x86_64") == "Dummy Product 1.0"
    assert treeinfo.discinfo_text(conf, gluster, "x86_64", 7).splitlines() == [
        "7", "Gluster 2.3 for Dummy Product 1", "x86_64", "ALL"]
    assert "name=Gluster 2.3 for Dummy Product 1\n" in treeinfo.media_repo_text(conf, gluster, "x86_64", 7)
    based = dict(conf, base_product_name="Base", base_product_version="8")
    assert treeinfo.description(based, server, "s390x") == "Dummy Product 1.0 for Base 8"
    named = dict(based, release_discinfo_description="%(variant_name)s on %(arch)s")
    assert treeinfo.description(named, gluster, "x86_64") == "Gluster Layered Product on x86_64"
    assert "name=Server on s390x\n" in treeinfo.media_repo_text(named, server, "s390x", 7)
    with pytest.raises(PunjiError, match="release_discinfo_description"):
        treeinfo.description(dict(conf, release_discinfo_description="%(nope)s"), server, "x86_64")


def test_why_gather_took_a_package_is_no_reason_to_redo_the_repodata_but_its_file_is(tmp_path, demo_repo):
    """The solver's order may name another requirement as the reason a package came in (a new
    package set, the same tree): the repodata stays; a package of other content does not.
    createrepo knows it from what gather's assemble step recorded of each tree."""
    compose = make_compose(tmp_path, demo_repo)
    solved = os.path.join(compose, "work/x86_64/gather/Server.solved.json")
    repomd = os.path.join(compose, "compose/Server/x86_64/os/repodata/repomd.xml")
    made = os.stat(repomd).st_mtime_ns
    data = read_json(compose, "work/x86_64/gather/Server.solved.json")

    def gather_again_then_createrepo():
        with open(solved, "w") as f:
            json.dump(data, f)
        assert command("punji-gather", "--assemble", compose).returncode == 0
        assert command("punji-createrepo", "--variant", "Server", "--arch", "x86_64", compose).returncode == 0

    for p in data["packages"]:
        p["why"] = {"reason": "requires", "by": "someone-else", "capability": "something"}
    gather_again_then_createrepo()
    assert os.stat(repomd).st_mtime_ns == made
    assert "nothing to do" in open(os.path.join(compose, "logs/x86_64/createrepo-Server.log")).read()
    data["packages"][0]["checksum"] = "0" * 64
    gather_again_then_createrepo()
    assert os.stat(repomd).st_mtime_ns != made


def test_the_record_gather_keeps_of_each_tree_is_what_createrepo_would_read(demo):
    """gather's state says, per tree, what its repodata is made from, so a createrepo with
    nothing to do need not read the tree's package list: the same key as from the list."""
    from punji_lib.rpms import createrepo

    trees = read_json(demo, "work/global/state/gather.json")["trees"]
    variants = read_json(demo, "work/global/variants.json")["variants"]
    assert set(trees) == {"%s.%s" % (v["uid"], a) for v in variants for a in v["arches"] + ["src"]}
    for v in variants:
        by_arch = [read_json(demo, "work/%s/gather/%s.json" % (a, v["uid"]))["packages"] for a in v["arches"]]
        for a, packages in zip(v["arches"], by_arch):
            assert trees["%s.%s" % (v["uid"], a)][0] == createrepo.packages_key(packages)
        sources = createrepo.source_packages(by_arch)
        assert trees["%s.src" % v["uid"]][0] == createrepo.packages_key(sources)
        assert (sources != []) == (v.get("is_empty") is not True and any(by_arch))


def test_a_package_gathered_as_binary_and_debug_is_in_both_trees_but_only_the_debug_repo_as_pungi_does(
        tmp_path, solver_fuzz_repo):
    """The debug-provider fidelity product: dcm-debuginfo-common is in Pungi's binary and debug
    results both. Pungi links it into both trees; rpms.json keeps its last entry (debug), and the
    repositories are made from rpms.json, so only the debug one lists it."""
    product = os.path.join(os.path.dirname(DEMO), "fidelity", "debug-provider")
    shutil.copytree(product, tmp_path / "product")
    conf = tmp_path / "product" / "debug-provider.conf"
    conf.write_text(conf.read_text().replace("../../../../build/fidelity/debug-provider-repo", solver_fuzz_repo))
    compose = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()
    done = make(compose, "createrepo")
    assert done.returncode == 0, done.stdout
    name = "dcm-debuginfo-common-1.0-1.pdl1.x86_64.rpm"
    os_repo, debug_repo = (os.path.join(compose, "compose/Server/x86_64", kind) for kind in ("os", "debug/tree"))
    for repo in (os_repo, debug_repo):
        assert os.path.isfile(os.path.join(repo, "Packages", name))
    assert "Packages/" + name not in repo_packages(os_repo)
    assert "Packages/dcm-1.0-1.pdl1.x86_64.rpm" in repo_packages(os_repo)
    assert "Packages/" + name in repo_packages(debug_repo)
    listed = read_json(compose, "compose/metadata/rpms.json")["payload"]["rpms"]["Server"]["x86_64"]
    entry = listed["dcm-0:1.0-1.pdl1.src"]["dcm-debuginfo-common-0:1.0-1.pdl1.x86_64"]
    assert (entry["category"], entry["path"]) == ("debug", "Server/x86_64/debug/tree/Packages/" + name)


def xml_texts(repo):
    """{kind: uncompressed text} of the primary, filelists and other metadata of REPO."""
    import gzip

    from punji_lib.rpms.repos import repomd_records

    texts = {}
    for kind, href, _checksum in repomd_records(os.path.join(repo, "repodata", "repomd.xml")):
        if kind in ("primary", "filelists", "other"):
            with gzip.open(os.path.join(repo, href), "rb") as f:
                texts[kind] = f.read()
    return texts


SERVER_TREES = ["compose/Server/x86_64/os", "compose/Server/x86_64/debug/tree", "compose/Server/source/tree"]


def commands_run(monkeypatch):
    """The list each createrepo_c command line run from now on is added to."""
    from punji_lib.rpms import createrepo

    commands = []
    real_popen = createrepo.subprocess.Popen
    monkeypatch.setattr(createrepo.subprocess, "Popen", lambda cmd, **kw: commands.append(cmd) or real_popen(cmd, **kw))
    return commands


def made_again(compose, read, change_files=False):
    """{tree: READ(tree)} of the Server trees of COMPOSE once their repodata is made again by
    the createrepo phase (their package files first changed in place when CHANGE_FILES)."""
    from punji_lib.phases import createrepo as phase

    for tree in SERVER_TREES:
        shutil.rmtree(os.path.join(compose, tree, "repodata"))
        for top, _dirs, names in os.walk(os.path.join(compose, tree, "Packages")) if change_files else ():
            for name in names:
                overwrite_keeping_size_and_mtime(os.path.join(top, name))
    for arch in ("x86_64", "src"):
        os.unlink(os.path.join(compose, "work", arch, "state", "createrepo-Server.json"))
        phase.run(compose, "Server", arch)
    return {tree: read(os.path.join(compose, tree)) for tree in SERVER_TREES}


def test_repodata_from_the_package_sets_metadata_is_what_reading_the_files_gives(demo, tmp_path, monkeypatch):
    """As Pungi's createrepo does, the package set repo (with other metadata: changelogs)
    gives createrepo_c the metadata of a tree's packages instead of their files, copied to
    where the tree has them (createrepo_c takes nothing from elsewhere); the repodata is byte
    for byte what createrepo_c makes reading the files, and no file is read: files changed in
    place (the same size and mtime) give it too. Small packages are read (copying their
    metadata would cost more): the choice is made here as for small, then as for large ones."""
    from punji_lib.phases import createrepo as phase
    from punji_lib.rpms import tree_repodata

    compose = str(tmp_path / "c")
    shutil.copytree(demo, compose, symlinks=True)
    monkeypatch.setattr(tree_repodata, "applies", lambda conf: False)  # createrepo_c writes them
    commands = commands_run(monkeypatch)
    monkeypatch.setattr(phase, "RELOCATE_PER_PACKAGE", 1.0)
    read_from_files = made_again(compose, xml_texts)  # small packages in a large set: their files are read
    assert not [cmd for cmd in commands if "--update-md-path" in cmd]
    assert b"<changelog" in read_from_files[SERVER_TREES[0]]["other"]
    assert {tree: xml_texts(os.path.join(demo, tree)) for tree in SERVER_TREES} == read_from_files
    commands.clear()
    monkeypatch.setattr(phase, "RELOCATE_PER_PACKAGE", 0.0)
    assert made_again(compose, xml_texts, change_files=True) == read_from_files  # as if the packages were large
    used = [[cmd[n + 1] for n, arg in enumerate(cmd) if arg == "--update-md-path"] for cmd in commands]
    assert used == [[os.path.join(compose, "work", arch, "createrepo", "Server-%s.pkglist.metadata" % kind)]
                    for arch, kind in (("x86_64", "os"), ("x86_64", "debug"), ("src", "source"))]
    assert not [p for u in used for p in u if os.path.exists(p)]  # removed once used


def test_tree_repodata_written_from_the_package_set_is_what_createrepo_c_writes(demo, tmp_path, monkeypatch):
    """Where createrepo_c would take every package's metadata from the package set's repo,
    punji writes the tree's repodata itself from that repo's XML: every file of repodata/
    (repomd.xml, the comps and its gzip too) and each file's mtime are what createrepo_c
    writes reading the package files, and neither createrepo_c nor any package file is read
    (files changed in place, the same size and mtime, give it too). An option it does not
    write (sqlite databases) leaves the repodata to createrepo_c."""
    from punji_lib.phases import createrepo as phase
    from punji_lib.rpms import tree_repodata

    compose = str(tmp_path / "c")
    shutil.copytree(demo, compose, symlinks=True)
    commands = commands_run(monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(tree_repodata, "applies", lambda conf: False)
        m.setattr(phase, "RELOCATE_PER_PACKAGE", 1.0)  # createrepo_c reads every package file
        reference = made_again(compose, repodata_files)
    assert len(commands) == 3
    assert any(name.endswith("comps-Server.x86_64.xml.gz") for name in reference[SERVER_TREES[0]])
    commands.clear()
    assert made_again(compose, repodata_files, change_files=True) == reference
    assert commands == []
    conf_path = os.path.join(compose, "work", "global", "config", "createrepo.json")
    with open(conf_path) as f:
        conf = json.load(f)
    with open(conf_path, "w") as f:
        json.dump(dict(conf, createrepo_database=True), f)
    with_databases = made_again(compose, repodata_files)
    assert len(commands) == 3
    assert any("primary.sqlite" in name for name in with_databases[SERVER_TREES[0]])


def repodata_files(repo):
    """{name: (bytes, mtime)} of every file in REPO/repodata (repomd.xml: bytes only)."""
    found = {}
    for name in os.listdir(os.path.join(repo, "repodata")):
        path = os.path.join(repo, "repodata", name)
        with open(path, "rb") as f:
            found[name] = (f.read(), None if name == "repomd.xml" else int(os.stat(path).st_mtime))
    return found


def overwrite_keeping_size_and_mtime(path):
    """PATH a file of its own (no hard link), its bytes past the RPM lead zeroed, its size and
    mtime as they were."""
    st = os.stat(path)
    os.unlink(path)
    with open(path, "wb") as f:
        f.write(b"\0" * st.st_size)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("mdtype", ["modules", "productid"])
def test_a_record_modifyrepo_adds_has_the_primary_records_time_stamp(tmp_path, mdtype):
    """modifyrepo_c stamps what it adds with the time of day; punji gives it the repodata's own
    time stamp, so the same inputs make the same repomd.xml at any hour."""
    import xml.etree.ElementTree as ET

    from punji_lib.rpms.createrepo import modifyrepo

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["createrepo_c", "--quiet", "--revision", "1600000000", "--set-timestamp-to-revision", str(repo)],
                   check=True)
    added = tmp_path / mdtype
    added.write_text("---\ndocument: modulemd-defaults\nversion: 1\ndata: {module: m}\n...\n")
    modifyrepo(str(repo), str(added), mdtype)
    ns = {"r": "http://linux.duke.edu/metadata/repo"}
    stamps = {d.get("type"): d.find("r:timestamp", ns).text
              for d in ET.parse(repo / "repodata" / "repomd.xml").getroot().findall("r:data", ns)}
    assert stamps[mdtype] == stamps["primary"] == "1600000000", stamps


def test_the_zchunk_records_of_createrepo_extra_args_zck_have_the_repodatas_time_stamp(tmp_path):
    """createrepo_c --zck stamps its zchunk records with the time of day, not with the revision
    --set-timestamp-to-revision gives every other record; punji gives them the primary record's,
    so two composes of the same inputs have the same repomd.xml (found by a kill campaign on
    fedora-shape: every trial's repomd.xml differed from the reference's there)."""
    import xml.etree.ElementTree as ET

    from punji_lib.rpms.createrepo import run_all

    repo = tmp_path / "repo"
    repo.mkdir()
    pkglist = tmp_path / "pkglist"
    pkglist.write_text("")
    run_all([({"createrepo_extra_args": ["--zck"]}, str(repo), str(pkglist), None, 1600000000, [], None)])
    ns = {"r": "http://linux.duke.edu/metadata/repo"}
    stamps = {d.get("type"): d.find("r:timestamp", ns).text
              for d in ET.parse(repo / "repodata" / "repomd.xml").getroot().findall("r:data", ns)}
    assert "primary_zck" in stamps and set(stamps.values()) == {"1600000000"}, stamps


def test_the_records_of_a_revision_createrepo_extra_args_gives_have_the_contents_time_stamp(tmp_path):
    """With "--revision=8.7" in createrepo_extra_args (Rocky's) createrepo_c stamps every record
    with the time of day, so two composes of the same inputs had other repomd.xml files (found
    by a kill campaign on rocky-shape: every trial differed there); punji gives them the
    revision it would have set, from the packages' build times."""
    import xml.etree.ElementTree as ET

    from punji_lib.rpms.createrepo import run_all

    repo = tmp_path / "repo"
    repo.mkdir()
    pkglist = tmp_path / "pkglist"
    pkglist.write_text("")
    run_all([({"createrepo_extra_args": ["--revision=8.7"], "createrepo_database": True}, str(repo), str(pkglist),
              None, 1600000000, [], None)])
    ns = {"r": "http://linux.duke.edu/metadata/repo"}
    root = ET.parse(repo / "repodata" / "repomd.xml").getroot()
    stamps = {d.get("type"): d.find("r:timestamp", ns).text for d in root.findall("r:data", ns)}
    assert root.find("r:revision", ns).text == "8.7"
    assert "primary_db" in stamps and set(stamps.values()) == {"1600000000"}, stamps
