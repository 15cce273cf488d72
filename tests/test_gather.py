"""punji-gather on the demo product: trees that install, Pungi's variant rules, rpms.json, errors."""

import glob
import json
import os

import pytest

from conftest import assert_one_line_error, command, demo_config, make, read_json
from punji_lib.config import variants
from punji_lib.rpms import linker



@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo):
    """The demo compose, made once for this module with make -j2."""
    top = tmp_path_factory.mktemp("gather")
    conf = demo_config(top / "demo", demo_repo)
    compose = command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()
    done = make(compose, "-j2")
    assert done.returncode == 0, done.stdout
    return compose


def result(compose, uid, arch):
    """What gather put into the trees of UID.ARCH (after punji-gather --assemble)."""
    return read_json(compose, "work/%s/gather/%s.json" % (arch, uid))


def solved(compose, uid, arch):
    """What punji-gather --variant UID --arch ARCH took, before the rules across variants."""
    return read_json(compose, "work/%s/gather/%s.solved.json" % (arch, uid))


def nevras(compose, uid, arch, category="binary"):
    return {p["nevra"] for p in result(compose, uid, arch)["packages"] if p["category"] == category}


def trees(compose):
    tree = read_json(compose, "work/global/variants.json")["variants"]
    return tree, [(v, a) for v in tree for a in v["arches"]]


def load_rpms(pool, paths):
    """A libsolv repo of the RPM files PATHS, read from their headers."""
    repo = pool.add_repo("files")
    for path in paths:
        assert repo.add_rpm(path), path
    return repo


def test_every_package_of_every_tree_has_its_dependencies_in_the_tree_or_its_parents(demo):
    import solv

    from punji_lib.compose import layout

    tree, pairs = trees(demo)
    by_uid = variants.by_uid(tree)
    for v, arch in pairs:
        pool = solv.Pool()
        own = load_rpms(pool, glob.glob(os.path.join(demo, layout.packages_dir(v, arch), "*/*.rpm")))
        for uid in variants.builds_on(v, tree, arch):
            load_rpms(pool, glob.glob(os.path.join(demo, layout.packages_dir(by_uid[uid], arch), "*/*.rpm")))
        pool.addfileprovides()
        pool.createwhatprovides()
        assert own.nsolvables > 0, v["uid"]
        broken = [(str(s), str(dep)) for s in own.solvables
                  for dep in s.lookup_deparray(solv.SOLVABLE_REQUIRES, 0)
                  if dep.id != solv.SOLVABLE_PREREQMARKER and not str(dep).startswith("rpmlib(")
                  and not pool.whatprovides(dep)]
        if (v["uid"], arch) == ("Server-optional", "i386"):
            # Pungi's rule: an optional variant loses the names the (x86_64-only) addon has on any
            # arch, demo-pkgconf among them, so its -devel packages miss their pkg-config
            assert broken and {dep for _s, dep in broken} == {"/usr/bin/demo-pkg-config"}, broken
        else:
            assert broken == [], "%s.%s" % (v["uid"], arch)


def test_rpms_json_loads_with_productmd_and_matches_the_trees_file_for_file(demo):
    from productmd.rpms import Rpms

    rpms = Rpms()
    rpms.load(os.path.join(demo, "compose/metadata/rpms.json"))
    listed = {}
    for uid, by_arch in rpms.rpms.items():
        for arch, by_srpm in by_arch.items():
            for srpm, packages in by_srpm.items():
                for nevra, info in packages.items():
                    listed[info["path"]] = info["category"]
    on_disk = {os.path.relpath(p, os.path.join(demo, "compose"))
               for pattern in ("*/*/*/Packages", "*/*/*/*/Packages", "*/*/*/addons/*", "*/*/*/*/addons/*")
               for p in glob.glob(os.path.join(demo, "compose", pattern, "*/*.rpm"))}
    assert set(listed) == on_disk
    assert len(on_disk) > 300
    for path, category in listed.items():
        expected = {"binary": "/os/", "debug": "/debug/tree/", "source": "/source/tree/"}
        assert expected[category] in "/" + path, path
        assert "/Packages/" in path or path.startswith(("Server/x86_64/os/addons/HA/",
                                                         "Server/x86_64/debug/tree/addons/HA/",
                                                         "Server/source/tree/addons/HA/")), path
    # every variant.arch is there, each with binary, debug and source packages
    _tree, pairs = trees(demo)
    assert {(v["uid"], a) for v, a in pairs} == {(uid, a) for uid in rpms.rpms for a in rpms.rpms[uid]}


def test_hashed_directories_and_hard_links_to_the_package_set(demo):
    pkgset = {p["nevra"]: p for p in read_json(demo, "work/x86_64/pkgset/packages.json")["packages"]}
    for p in result(demo, "Server", "x86_64")["packages"]:
        name = os.path.basename(p["file"])
        assert os.path.basename(os.path.dirname(p["file"])) == name[0].lower()
        assert os.path.samefile(os.path.join(demo, p["file"]), pkgset[p["nevra"]]["path"])


def test_addon_and_optional_leave_out_what_the_parent_has(demo):
    server = nevras(demo, "Server", "x86_64")
    ha = nevras(demo, "Server-HA", "x86_64")
    optional = nevras(demo, "Server-optional", "x86_64")
    assert ha and optional
    assert not ha & server
    assert not optional & (server | ha)
    assert "demo-corosync-0:3.1.8-1.pdl1.x86_64" in ha
    # the HA group's packages come with the addon, not with Server
    assert not any(n.startswith("demo-pacemaker") for n in server)


def test_optional_completes_the_parent_with_fulltree_and_selfhosting(demo):
    """Every sibling of a Server source package, and every build requirement of one, is in
    Server, its addon or its optional variant."""
    import solv

    pool = solv.Pool()
    repo = pool.add_repo("pkgset")
    for kind, flags in (("primary", 0), ("filelists", solv.Repo.REPO_EXTEND_SOLVABLES)):
        f = solv.xfopen(glob.glob(os.path.join(demo, "work/x86_64/repo/repodata/*%s.xml" % kind))[0])
        repo.add_rpmmd(f, None, flags)
        f.close()
    pool.addfileprovides()
    pool.createwhatprovides()
    family = set()
    for uid in ("Server", "Server-HA", "Server-optional"):
        family |= nevras(demo, uid, "x86_64")
    shown = {str(s): s for s in repo.solvables}
    server_sources = {p["nevra"].rsplit("-", 2)[0] for p in result(demo, "Server", "x86_64")["packages"]
                      if p["category"] == "source"}
    checked = 0
    for s in repo.solvables:
        if s.arch in ("x86_64", "noarch") and "-debug" not in s.name \
                and s.lookup_sourcepkg().rsplit("-", 2)[0] in server_sources:
            assert _nevra(s) in family, _nevra(s)
            checked += 1
        if s.arch == "src" and s.name in server_sources:
            for dep in s.lookup_deparray(solv.SOLVABLE_REQUIRES):
                providers = [str(p) for p in pool.whatprovides(dep)]
                assert any(p in shown and _nevra(shown[p]) in family for p in providers), (s.name, str(dep))
    assert checked > 20


def _nevra(s):
    evr = s.evr if ":" in s.evr.split("-")[0] else "0:" + s.evr
    return "%s-%s.%s" % (s.name, evr, s.arch)


def test_multilib_devel_and_runtime_packages_in_the_x86_64_trees_only(demo):
    server = result(demo, "Server", "x86_64")["packages"]
    i686 = [p for p in server if p["arch"] == "i686" and p["category"] == "binary"]
    assert {p["why"]["reason"] for p in i686} <= {"multilib", "requires"}
    methods = {p["why"]["method"] for p in i686 if p["why"]["reason"] == "multilib"}
    # Pungi 4.3.2's devel method takes all that runtime takes; with devel listed first, devel is the reason
    assert methods == {"devel"}
    assert not any(p["name"].startswith("kernel") for p in i686)
    # Everything has no multilib, and every package of the set: Pungi 4.3.2 (kobo 0.20) finds no
    # system-release package to filter, so both release packages are in, as in its compose
    everything = result(demo, "Everything", "x86_64")["packages"]
    assert not [p for p in everything if p["arch"] == "i686"]
    pkgset = read_json(demo, "work/x86_64/pkgset/packages.json")["packages"]
    native = {p["name"] for p in pkgset if p["arch"] in ("x86_64", "noarch") and "-debug" not in p["name"]}
    assert native - {p["name"] for p in everything} == set()


def test_system_release_package_is_picked_per_variant(demo):
    def names(uid):
        return {n.rsplit("-", 2)[0] for n in nevras(demo, uid, "x86_64")}

    assert "demo-release-server" in names("Server") and "demo-release" not in names("Server")
    assert "demo-release" in names("Client") and "demo-release-server" not in names("Client")


def test_why_says_why_each_package_is_in(demo):
    for p in result(demo, "Server", "x86_64")["packages"]:
        why = p["why"]
        assert why["reason"] in {"group", "requested", "requires", "multilib", "fulltree", "source", "debuginfo",
                                 "conditional", "langpack", "selfhosting", "prepopulate"}
        if why["reason"] == "requires":
            assert why["by"] and why["capability"]


def test_nothing_to_do_after_the_compose(demo):
    out = make(demo)
    assert "Nothing to be done" in out.stdout, out.stdout


# -- links ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("link_type", ["hardlink-or-copy", "hardlink", "copy", "symlink", "abspath-symlink"])
def test_link_types(tmp_path, link_type):
    source = tmp_path / "pool" / "a.rpm"
    source.parent.mkdir()
    source.write_bytes(b"package")
    linker.build_dir(str(tmp_path / "tree" / "Packages"), [(str(source), "a/a.rpm")], link_type)
    target = tmp_path / "tree" / "Packages" / "a" / "a.rpm"
    assert target.read_bytes() == b"package"
    if link_type in ("hardlink", "hardlink-or-copy"):
        assert os.path.samefile(target, source) and not target.is_symlink()
    elif link_type == "copy":
        assert not os.path.samefile(target, source) and not target.is_symlink()
    else:
        link = os.readlink(target)
        assert target.is_symlink() and os.path.isabs(link) == (link_type == "abspath-symlink")


# -- bad input -------------------------------------------------------------------------------------------


def gathered_compose(tmp_path, demo_copy, extra):
    """A new demo compose with EXTRA config lines, its package sets made."""
    with open(demo_copy / "demo.conf", "a") as f:
        f.write(extra)
    compose = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test",
                      check=True).stdout.strip()
    assert make(compose, "pkgset").returncode == 0
    return compose


def test_a_package_that_does_not_exist_is_a_warning_naming_it(tmp_path, demo_copy):
    compose = gathered_compose(tmp_path, demo_copy,
                               'additional_packages = [("^Server$", {"*": ["no-such-package"]})]\n')
    done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", compose)
    assert done.returncode == 0, done.stderr
    assert "punji-gather: warning: Server.x86_64: no package matches 'no-such-package'" in done.stderr
    assert solved(compose, "Server", "x86_64")["missing"] == ["no-such-package"]


def test_require_all_comps_packages_leaves_a_missing_package_a_warning_as_pungi_does(tmp_path, demo_copy):
    # Pungi 4.3.2 looks for missing comps packages in its gather log in the words of its yum
    # gather, which its dnf gather never writes: the option stops nothing (tools/fuzz-compose,
    # seed 9047)
    comps = (demo_copy / "comps.xml").read_text()
    first = comps.index("<packagelist>") + len("<packagelist>")
    (demo_copy / "comps.xml").write_text(
        comps[:first] + '<packagereq type="mandatory">no-such-comps-package</packagereq>' + comps[first:])
    compose = gathered_compose(tmp_path, demo_copy, "require_all_comps_packages = True\n"
                               'additional_packages = [("^Server$", {"*": ["no-such-package"]})]\n')
    done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", compose)
    assert done.returncode == 0, done.stderr
    for name in ("no-such-comps-package", "no-such-package"):
        assert "punji-gather: warning: Server.x86_64: no package matches '%s'" % name in done.stderr
    assert solved(compose, "Server", "x86_64")["missing"] == ["no-such-comps-package", "no-such-package"]


def test_a_broken_dependency_fails_and_keeps_the_old_tree(tmp_path, demo_copy):
    compose = gathered_compose(tmp_path, demo_copy, "")
    assert make(compose, "gather").returncode == 0
    packages = os.path.join(compose, "compose/Client/i386/os/Packages")
    before = sorted(glob.glob(packages + "/*/*.rpm"))
    was = solved(compose, "Client", "i386")
    state = os.path.join(compose, "work/i386/state/gather-Client.json")
    os.unlink(state)
    conf = read_json(compose, "work/global/config/gather.json")
    conf["filter_packages"] = [["^Client$", {"*": ["libdemo-core"]}]]
    with open(os.path.join(compose, "work/global/config/gather.json"), "w") as f:
        json.dump(conf, f)
    done = command("punji-gather", "--variant", "Client", "--arch", "i386", compose)
    assert_one_line_error(done, "Client.i386: package '", "requires 'libdemo-core.so.1", "which nothing provides")
    assert not os.path.exists(state)
    assert solved(compose, "Client", "i386") == was
    assert sorted(glob.glob(packages + "/*/*.rpm")) == before
    assert not [p for p in os.listdir(os.path.dirname(packages)) if p.startswith(".")]


def test_a_missing_lookaside_repo_is_one_error(tmp_path, demo_copy):
    compose = gathered_compose(tmp_path, demo_copy,
                               'gather_lookaside_repos = [("^Server$", {"*": ["/nonexistent/lookaside"]})]\n')
    done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "/nonexistent/lookaside", "does not exist")


def test_gather_method_without_a_match_for_a_variant_is_one_error(tmp_path, demo_copy):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write('gather_method = {"^Server$": {"comps": "deps"}}\n')
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test")
    assert_one_line_error(done, "demo.conf:", "option 'gather_method': no pattern matches variant Server-optional")


def test_source_mapping_prepopulate_and_a_method_per_source(tmp_path, demo_copy):
    (demo_copy / "mapping.json").write_text(json.dumps({"Client": {"x86_64": {"demo-db-server": ["x86_64"],
                                                                               "demo-lighttpd": None}}}))
    (demo_copy / "prepopulate.json").write_text(json.dumps({"Client": {"x86_64": {"demo-fortune": [
        "demo-fortune.x86_64"]}}}))
    compose = gathered_compose(tmp_path, demo_copy, 'gather_source_mapping = "mapping.json"\n'
                                                    'gather_prepopulate = "prepopulate.json"\n'
                                                    'gather_method = {".*": {"comps": "deps", "json": "deps"},'
                                                    ' "^Client$": {"comps": "deps", "json": "nodeps"}}\n')
    command("punji-gather", "--variant", "Client", "--arch", "x86_64", compose, check=True)
    why = {p["nevra"].rsplit("-", 2)[0]: p["why"] for p in solved(compose, "Client", "x86_64")["packages"]
           if p["category"] == "binary"}
    assert why["demo-db-server"] == {"reason": "requested", "pattern": "demo-db-server.x86_64"}
    assert why["demo-lighttpd"] == {"reason": "requested", "pattern": "demo-lighttpd"}
    assert why["demo-fortune"] == {"reason": "prepopulate", "pattern": "demo-fortune.x86_64"}
    # the json source is nodeps: nothing is in because demo-db-server requires it
    assert not [w for w in why.values() if w.get("by", "").startswith("demo-db-server-")]


def test_a_child_variant_before_its_parent_is_one_error(tmp_path, demo_copy):
    compose = gathered_compose(tmp_path, demo_copy, "")
    done = command("punji-gather", "--variant", "Server-HA", "--arch", "x86_64", compose)
    assert_one_line_error(done, "run punji-gather --variant Server --arch x86_64 first")


def test_a_tree_left_half_built_by_a_killed_run_is_cleaned_up(tmp_path):
    source = tmp_path / "a.rpm"
    source.write_bytes(b"package")
    tree = tmp_path / "os"
    (tree / ".Packages.killed" / "x").mkdir(parents=True)
    linker.build_dir(str(tree / "Packages"), [(str(source), "a.rpm")])
    assert sorted(os.listdir(tree)) == ["Packages"]
    assert os.listdir(tree / "Packages") == ["a.rpm"]


# -- variant types, as Pungi 4.3.2 composes them (found by tools/fuzz-compose) ----------------------


def variants_compose(tmp_path, demo_copy, xml):
    """A demo compose of the variants XML (x86_64 only), gathered."""
    (demo_copy / "variants.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<variants>%s</variants>\n' % xml)
    compose = gathered_compose(tmp_path, demo_copy, 'tree_arches = ["x86_64"]\nadditional_packages = []\n'
                                                    'filter_packages = []\n')
    done = make(compose, "gather")
    assert done.returncode == 0, done.stdout
    return compose


def _variant(vid, vtype, groups, extra="", children=""):
    groups = "".join("<group>%s</group>" % g for g in groups)
    return ('<variant id="%s" name="%s" type="%s"%s><arches><arch>x86_64</arch></arches><groups>%s</groups>%s'
            "</variant>" % (vid, vid, vtype, extra, groups, "<variants>%s</variants>" % children if children else ""))


def test_the_children_of_an_is_empty_variant_take_its_inputs(tmp_path, demo_copy):
    # Pungi gathers nothing for Server, but its addon and optional variant still take its groups
    compose = variants_compose(tmp_path, demo_copy, _variant(
        "Server", "variant", ["core", "web-server"], ' is_empty="true" has_optional="true"',
        _variant("HA", "addon", ["ha"])))
    assert not result(compose, "Server", "x86_64")["packages"]
    names = {n.rsplit("-", 2)[0] for n in nevras(compose, "Server-HA", "x86_64")}
    assert {"demo-httpd", "demo-coreutils", "demo-pacemaker"} <= names
    assert {"core", "web-server", "ha"} <= set(solved(compose, "Server-optional", "x86_64")["inputs"]["comps"]["groups"])


def test_a_layered_product_keeps_sources_and_debuginfo_named_by_an_addon_though_its_parent_has_them(
        tmp_path, demo_copy):
    # demo-httpd is Client-HA's (Client lacks it) and Server's: Server-Cloud inherits Server's
    # web-server group; Pungi drops its binary (Server has it) but keeps its source and debuginfo
    compose = variants_compose(tmp_path, demo_copy, _variant(
        "Server", "variant", ["core", "web-server"], children=_variant("Cloud", "layered-product", ["docs"]).replace(
            "<arches>", '<release name="Cloud" short="CL" version="2"/><arches>')) + _variant(
        "Client", "variant", ["core"], children=_variant("HA", "addon", ["web-server"])))
    assert "demo-httpd" in {n.rsplit("-", 2)[0] for n in nevras(compose, "Client-HA", "x86_64")}
    cloud = {(p["name"], p["category"]) for p in result(compose, "Server-Cloud", "x86_64")["packages"]}
    assert {("demo-httpd", "source"), ("demo-httpd-debuginfo", "debug")} <= cloud
    assert ("demo-httpd", "binary") not in cloud
    assert ("demo-coreutils", "source") not in cloud  # Server's, named by no addon


def test_a_layered_product_takes_its_parents_inputs_but_not_the_parents_addons(tmp_path, demo_copy):
    cloud = _variant("Cloud", "layered-product", ["docs"]).replace(
        "<arches>", '<release name="Cloud" short="CL" version="2"/><arches>')
    compose = variants_compose(tmp_path, demo_copy, _variant(
        "Server", "variant", ["core"], children=_variant("HA", "addon", ["ha"]) + cloud))
    assert set(solved(compose, "Server-Cloud", "x86_64")["inputs"]["comps"]["groups"]) == {"core", "docs"}
    assert "demo-pacemaker" not in {p["name"] for p in solved(compose, "Server-Cloud", "x86_64")["packages"]}


def test_a_child_variant_takes_neither_the_json_inputs_nor_the_prepopulate_of_its_parent(tmp_path, demo_copy):
    # Pungi's get_variant_packages adds the parent's comps inputs only
    (demo_copy / "mapping.json").write_text(json.dumps({"Server": {"x86_64": {"demo-fortune": [None]}}}))
    (demo_copy / "prepopulate.json").write_text(json.dumps({"Server": {"x86_64": {"demo-cron": ["demo-cron.x86_64"]}}}))
    with open(demo_copy / "demo.conf", "a") as f:
        f.write('gather_source_mapping = "mapping.json"\ngather_prepopulate = "prepopulate.json"\n')
    compose = variants_compose(tmp_path, demo_copy, _variant(
        "Server", "variant", ["core"], ' is_empty="true"', _variant("HA", "addon", ["ha"])))
    inputs = solved(compose, "Server-HA", "x86_64")["inputs"]
    assert inputs["json"]["packages"] == [] and inputs["prepopulate"] == []
    assert not {"demo-fortune", "demo-cron"} & {p["name"] for p in result(compose, "Server-HA", "x86_64")["packages"]}


def test_a_package_two_sources_of_an_addon_find_moves_to_the_parent_and_stays_as_pungi_trims_each(
        tmp_path, demo_copy):
    # found by tools/fuzz-compose --multiarch --outputs --comps --repos --seed 29033: the addon's
    # comps source (deps) pulls demo-corosynclib in for demo-pacemaker, its source package is
    # Server's, so it moves into Server; its json source (nodeps) asks for it too: Pungi 4.3.2
    # keeps a record per source and trims each, so the package is in Server and in Server-HA
    (demo_copy / "mapping.json").write_text(json.dumps({"Server-HA": {"x86_64": {"demo-corosynclib": [None]}}}))
    with open(demo_copy / "demo.conf", "a") as f:
        f.write('gather_source_mapping = "mapping.json"\n'
                'gather_method = {"^Server$": {"comps": "nodeps", "json": "nodeps"},'
                ' "^Server-HA$": {"comps": "deps", "json": "nodeps"}}\n')
    compose = variants_compose(tmp_path, demo_copy, _variant(
        "Server", "variant", ["ha"], children=_variant("HA", "addon", ["ha"])))
    for uid in ("Server", "Server-HA"):
        packages = {(p["name"], p["arch"]) for p in result(compose, uid, "x86_64")["packages"]}
        assert ("demo-corosynclib", "x86_64") in packages, uid


# -- variant_as_lookaside ----------------------------------------------------------------


def test_variant_as_lookaside_leaves_out_what_the_lookaside_variant_gathered(tmp_path, demo_copy):
    compose = gathered_compose(tmp_path, demo_copy, 'variant_as_lookaside = [("Client", "Server")]\n')
    makefile = open(os.path.join(compose, "Makefile")).read()
    rule = next(line for line in makefile.splitlines() if line.startswith("work/x86_64/state/gather-Client.json:"))
    assert "work/x86_64/state/gather-Server.json" in rule and "work/i386/state/gather-Server.json" in rule
    done = command("punji-gather", "--variant", "Client", "--arch", "x86_64", compose)
    assert_one_line_error(done, "Client has Server as lookaside (variant_as_lookaside)", "--variant Server")
    assert make(compose, "gather").returncode == 0
    server = {p["nevra"] for p in solved(compose, "Server", "x86_64")["packages"]}
    server_sources = {p["nevra"] for a in ("x86_64", "i386") for p in solved(compose, "Server", a)["packages"]
                      if p["category"] == "source"}
    client = solved(compose, "Client", "x86_64")["packages"]
    taken = {p["nevra"] for p in client if "lookaside" not in p["flags"]}
    side = {p["nevra"] for p in client if "lookaside" in p["flags"]}
    # Client still needs what Server has (the same requirements): it comes from the lookaside
    assert side and side <= server | server_sources
    assert not taken & (server | server_sources)
    assert taken, "Client keeps what Server does not have"
    assert not nevras(compose, "Client", "x86_64") & server
    # repoclosure reads what Client left to Server from the same lookaside repo: nothing unresolved
    assert make(compose, "repoclosure").returncode == 0
    report = read_json(compose, "work/x86_64/repoclosure/Client.json")
    assert report["lookaside"] == [os.path.join(compose, "work/x86_64/lookaside/Client/Server")]
    assert report["unresolved"] == [] and report["packages"] == len(nevras(compose, "Client", "x86_64"))


def test_with_greedy_all_the_twin_of_a_lookaside_variants_package_is_left_to_it_as_pungi_does(tmp_path, demo_copy):
    """greedy_method "all" takes every provider: a package of the main repo and its twin in the
    variant lookaside repo (the same file) both. Pungi lists its results by file, so the two are
    one, flagged lookaside: Client takes nothing Server has but a langpack (Pungi takes the
    first of a name's twins there, not both)."""
    compose = gathered_compose(tmp_path, demo_copy,
                               'variant_as_lookaside = [("Client", "Server")]\ngreedy_method = "all"\n')
    assert make(compose, "gather").returncode == 0
    server = {p["nevra"] for a in ("x86_64", "i386") for p in solved(compose, "Server", a)["packages"]
              if a == "x86_64" or p["category"] == "source"}
    client = solved(compose, "Client", "x86_64")["packages"]
    side = [p["nevra"] for p in client if "lookaside" in p["flags"]]
    assert side and len(side) == len(set(side)) and set(side) <= server
    langpacks = {p["nevra"] for p in client if p.get("why", {}).get("reason") == "langpack"}
    assert not {p["nevra"] for p in client if "lookaside" not in p["flags"]} - langpacks & server
    assert not (nevras(compose, "Client", "x86_64") - langpacks) & server


def test_with_greedy_all_a_lookaside_repo_of_the_package_set_files_leaves_the_main_twins_in(
        tmp_path, demo_copy, demo_repo):
    """A gather_lookaside_repos repo that is a pkgset_repos one too (an EL config's BaseOS): Pungi
    4.3.2 reads a repos package set from its copies of the files, so with greedy_method "all" a
    package and its lookaside twin are two results and the package set's one goes into the tree
    (tools/fuzz-compose --repos, seed 15609)."""
    compose = gathered_compose(tmp_path, demo_copy, 'gather_lookaside_repos = [("^Server$", {"*": [%r]})]\n'
                                                    'greedy_method = "all"\n' % demo_repo)
    assert make(compose, "gather").returncode == 0
    packages = solved(compose, "Server", "x86_64")["packages"]
    side = {p["nevra"] for p in packages if "lookaside" in p["flags"] and p["category"] == "binary"}
    main = {p["nevra"] for p in packages if "lookaside" not in p["flags"] and p["category"] == "binary"}
    assert side & main and side & main <= nevras(compose, "Server", "x86_64")


def test_an_addons_lookaside_package_of_the_parents_source_is_flagged_to_move_as_pungi_flags_it(
        tmp_path, demo_copy, demo_repo):
    """What an addon takes from a gather lookaside repo gets the flags a package of its own repos
    would: one that came in only because its source package is the parent's is fulltree-exclude,
    so the variant-type rules move it into the parent and it is no name of the addon's (a layered
    product then keeps its own copy; tools/fuzz-compose --multiarch --outputs --comps --repos,
    seed 29401)."""
    compose = gathered_compose(tmp_path, demo_copy, 'gather_lookaside_repos = [("^Server-HA$", {"*": [%r]})]\n'
                               % demo_repo)
    assert make(compose, "gather").returncode == 0
    side = [p for p in solved(compose, "Server-HA", "x86_64")["packages"] if "lookaside" in p["flags"]]
    assert side and all(p["flags"][-1] == "lookaside" for p in side)
    assert [p for p in side if "fulltree-exclude" in p["flags"] and "input" not in p["flags"]]


@pytest.mark.parametrize("pairs, says", [
    ('[("Client", "Nowhere")]', "variant 'Nowhere' doesn't exist but is required by 'Client'"),
    ('[("Server", "Server-HA")]', "architectures of variant 'Server' aren't a subset of those of variant 'Server-HA'"),
    ('[("Client", "Server"), ("Server", "Everything"), ("Everything", "Client")]', "variant 'Client' is its own lookaside"),
])
def test_a_bad_variant_as_lookaside_is_one_error(tmp_path, demo_copy, pairs, says):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("variant_as_lookaside = %s\n" % pairs)
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test")
    assert_one_line_error(done, "demo.conf", "option 'variant_as_lookaside'", says)


EVERYTHING_X86_64 = ('<variant id="Everything" name="Everything" type="variant">\n    <arches>\n'
                     '      <arch>x86_64</arch>\n      <arch>i386</arch>',
                     '<variant id="Everything" name="Everything" type="variant">\n    <arches>\n'
                     '      <arch>x86_64</arch>')


@pytest.mark.parametrize("options, edit, fine, failing, says", [
    # Pungi gathers Client and Server (on i386 too) before the addon Server-HA, whose lookaside
    # Everything then has no i386 results
    ('variant_as_lookaside = [("Server-HA", "Everything")]\n', EVERYTHING_X86_64,
     ["--variant", "Everything", "--arch", "x86_64"], ["--variant", "Server-HA", "--arch", "x86_64"],
     "Server-HA is gathered when Everything has no i386 results (it lacks that arch)"),
    # top-level variants are gathered before addons, whatever variant_as_lookaside says
    ('variant_as_lookaside = [("Client", "Server-HA")]\ntree_arches = ["x86_64"]\n', None,
     ["--variant", "Server", "--arch", "x86_64"], ["--variant", "Client", "--arch", "x86_64"],
     "Client is gathered when Server-HA has no x86_64 results (it is gathered later)"),
    # Pungi gathers Server, then fails on Client's turn, which no gather of this compose has
    ('variant_as_lookaside = [("Client", "Server")]\ntree_variants = ["Server"]\n', None,
     ["--variant", "Server", "--arch", "x86_64"], ["--assemble"],
     "variant 'Client' is not in this compose"),
])
def test_what_fails_in_pungis_gather_order_fails_from_that_turn_of_gather_on(
        tmp_path, demo_copy, options, edit, fine, failing, says):
    """Pungi's gather fails there, after init and the package sets: the variants it gathers
    before are gathered."""
    if edit:
        variants = demo_copy / "variants.xml"
        assert edit[0] in variants.read_text()
        variants.write_text(variants.read_text().replace(*edit))
    with open(demo_copy / "demo.conf", "a") as f:
        f.write(options)
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "init", "--test", check=True)
    assert "option 'variant_as_lookaside'" in done.stderr and says in done.stderr  # a warning
    compose = gathered_compose(tmp_path, demo_copy, "")
    command("punji-gather", *fine, compose, check=True)
    done = command("punji-gather", *failing, compose)
    assert_one_line_error(done, "option 'variant_as_lookaside'", says)


def test_what_fails_in_init_comes_before_what_fails_in_pungis_gather_order(tmp_path, demo_copy):
    """An empty module_defaults_dir fails Pungi's init, before its gather reaches a lookaside
    variant without results on an arch (tools/fuzz-compose-koji --modules --gather --comps
    --outputs, seed 6301)."""
    (demo_copy / "defaults").mkdir()
    with open(demo_copy / "demo.conf", "a") as f:
        f.write('module_defaults_dir = {"scm": "file", "dir": "defaults"}\n'
                'variant_as_lookaside = [("Client", "Server-HA")]\ntree_arches = ["x86_64"]\n')
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test")
    assert_one_line_error(done, "option 'module_defaults_dir'", "is empty")


def test_a_lookaside_variant_missing_results_names_the_arch_pungis_results_got_first():
    """Pungi goes through its results' arches in the order they came: Cloud (i386), gathered
    first, gives i386 before HA gives aarch64 (tools/fuzz-compose --multiarch --repos --gather,
    seed 40647)."""
    from punji_lib.config.gather_order import check
    from punji_lib.errors import PunjiError

    variants = [{"uid": uid, "type": "variant", "arches": arches} for uid, arches in (
        ("HA", ["aarch64"]), ("Cloud", ["i386"]), ("Server", ["ppc64le"]), ("Workstation", ["ppc64le", "s390x"]))]
    with pytest.raises(PunjiError, match="Server is gathered when Workstation has no i386 results"):
        check([("Server", "Workstation")], variants, "option")


def test_a_lookaside_variant_with_every_arch_gathered_before_is_fine(tmp_path, demo_copy):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write('variant_as_lookaside = [("Server-HA", "Everything")]\ntree_arches = ["x86_64"]\n')
    command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test", check=True)
    (compose,) = (tmp_path / "out").iterdir()
    rule = next(line for line in open(compose / "Makefile") if line.startswith("work/x86_64/state/gather-Server-HA.json:"))
    assert "work/x86_64/state/gather-Everything.json" in rule.split()  # its lookaside gathered first


@pytest.mark.parametrize("pairs, order", [
    ([("B", "A")], ["A", "B"]),
    # Pungi's pruning: A-Z among the uids no edge starts from, restarting after each
    ([("A", "C"), ("C", "B"), ("D", "A")], ["B", "C", "A", "D"]),
    # taking C out leaves D and E without edges: Pungi's order of the two depends on the hash seed
    ([("A", "B"), ("E", "C"), ("A", "C"), ("B", "F"), ("D", "C")], ["C", "D", "E", "F", "B", "A"]),
    ([("AppStream", "BaseOS"), ("CRB", "AppStream"), ("CRB", "BaseOS")], ["BaseOS", "AppStream", "CRB"]),
])
def test_variant_as_lookaside_order_is_pungis(pairs, order):
    from punji_lib.config.gather_order import lookaside_order

    assert lookaside_order(pairs) == order


def test_a_solved_package_missing_from_the_package_set_names_it_and_the_arch():
    """gather's records come from the package set's packages.json: a package the pool has and
    that file lacks (a package set made again meanwhile) is one error naming both."""
    from punji_lib.errors import PunjiError
    from punji_lib.rpms import gather_records

    class Pool:
        def nevra(self, _i):
            return "demo-shell-0:1.0-1.x86_64"

    with pytest.raises(PunjiError, match="demo-shell-0:1.0-1.x86_64 is not in the package set of x86_64"):
        gather_records.records({}, Pool(), {(1, "binary"): [({"reason": "requested"}, set())]}, "x86_64")


def test_a_pattern_both_added_and_filtered_is_no_input_not_even_from_a_lookaside_repo(
        tmp_path, demo_copy, demo_repo):
    """Pungi's deps method reads its inputs from a kickstart file whose %packages section
    pykickstart takes line by line: the exclude line '-libdemo-*', written after the include
    'libdemo-*', takes that include out, so a lookaside repo, which filter_packages leaves alone,
    answers nothing for it; an addon then keeps the packages its parent did not take
    (tools/fuzz-compose --gather --comps --outputs, seed 41730)."""
    compose = gathered_compose(tmp_path, demo_copy,
                               'gather_lookaside_repos = [("^Server$", {"*": [%r]})]\n'
                               'additional_packages = [("^Server$", {"*": ["libdemo-*", "demo-cc*"]})]\n'
                               'filter_packages = [("^Server$", {"*": ["libdemo-*", "demo-cc"]})]\n' % demo_repo)
    assert make(compose, "gather").returncode == 0
    inputs = {p["name"] for p in solved(compose, "Server", "x86_64")["packages"]
              if "input" in p["flags"] and "lookaside" in p["flags"]}
    assert not {"libdemo-core", "libdemo-crypto", "libdemo-core-devel"} & inputs  # libdemo-core-doc: a group's
    assert "demo-cc" in inputs  # 'demo-cc*' is another text than the exclude 'demo-cc'
