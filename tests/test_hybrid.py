"""Pungi's hybrid gather method on the modular test product (tests/data/modular), checked
package by package against the rules of Pungi 4.3.2's method_hybrid and the fus solver it runs."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BIN, MODULAR, ROOT, assert_one_line_error, command, make

VARIANTS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE variants PUBLIC "-//Red Hat, Inc.//DTD Variants info//EN" "variants.dtd">
<variants>
  <variant id="Server" name="Server" type="variant">
    <arches><arch>x86_64</arch></arches>
    <groups><group default="true">core</group></groups>
    <modules><module>modnode:18</module></modules>
  </variant>
  <variant id="Web" name="Web" type="variant">
    <arches><arch>x86_64</arch></arches>
    <modules><module>modweb:2</module></modules>
  </variant>
  <variant id="Plain" name="Plain" type="variant">
    <arches><arch>x86_64</arch></arches>
    <groups><group default="true">core</group></groups>
    <modules><module>modnode:20</module></modules>
  </variant>
</variants>
"""


def hybrid_product(top, repo, extra=""):
    """The modular product with VARIANTS, every variant hybrid but Plain (the last pattern
    matching it is a dict per source); its config's path."""
    shutil.copytree(MODULAR, top / "modular", ignore=shutil.ignore_patterns("specs"))
    (top / "modular" / "variants.xml").write_text(VARIANTS)
    conf = top / "modular" / "modular.conf"
    text = conf.read_text().replace("../../../build/modular-repo", str(repo))
    text = re.sub(r"gather_method = \{.*?\n\}\n", "", text, flags=re.S)
    conf.write_text(text + 'gather_method = {"^.*$": "hybrid", "^Plain$": {"module": "deps", "comps": "nodeps"}}\n'
                    + extra)
    return conf


def composed(top, conf, *targets):
    """The compose of CONF made by make (TARGETS, or all of it); its directory."""
    topdir = command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()
    done = make(topdir, "-j2", *targets)
    assert done.returncode == 0, done.stdout
    return topdir


def solved(topdir, uid):
    with open(os.path.join(topdir, "work/x86_64/gather/%s.json" % uid)) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def compose(tmp_path_factory, modular_repo):
    top = tmp_path_factory.mktemp("hybrid")
    conf = hybrid_product(top, modular_repo, 'filter_packages = [("^.*$", {"*": ["plaintool", "modnode"]})]\n'
                                             'gather_source_mapping = "mapping.json"\n')
    (top / "modular" / "mapping.json").write_text(json.dumps({"Web": {"x86_64": {"plaintool": None}}}))
    return composed(top, conf)


@pytest.fixture(scope="module")
def multilib_repo():
    """build/modular-multilib-repo: the modular specs built for x86_64 and i686, each stream
    listing its i686 packages among its artifacts (as the x86_64 streams of EL modules do)."""
    out = os.path.join(ROOT, "build", "modular-multilib-repo")
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    modules = os.path.join(ROOT, "build", "modular-multilib-modules.yaml")
    with open(os.path.join(MODULAR, "modules.yaml")) as f:
        text = re.sub(r"^(\s+- modnode-\S+)\.x86_64$", r"\1.x86_64\n\1.i686", f.read(), flags=re.M)
    with open(modules, "w") as f:
        f.write(text)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs",
                    os.path.join(MODULAR, "specs"), "--comps", os.path.join(MODULAR, "comps.xml"), "--modules",
                    modules, "--arches", "x86_64,i686", "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out


def names(result):
    return sorted(p["nevra"] for p in result["packages"])


def nsvcs(result):
    return [m["nsvc"] for m in result["modules"]]


# -- the hybrid variants of the modular product (filter_packages: plaintool and modnode) ---


def test_variant_streams_bring_their_artifacts_and_deps_come_from_default_streams(compose):
    server = solved(compose, "Server")
    assert names(server) == [
        # the comps source's input: the packages of group core by name
        "modapp-0:1.0-1.pdl1.src", "modapp-0:1.0-1.pdl1.x86_64",
        # module(modnode:18): every artifact of the stream, though filter_packages names modnode
        # (fus never excludes a modular package)
        "modnode-0:18.1-1.mod18.pdl1.src", "modnode-0:18.1-1.mod18.pdl1.x86_64",
        # modapp's Requires: modnode, solved while every non-default stream is off (the variant's
        # modnode:18 too, unlike the deps method): the default stream 20 gives it, and its module
        "modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
        # filtered, but named as an input: fus selects inputs through the provides index it made
        # before the excludes, so plaintool enters the pile; only its install is refused
        "plaintool-0:1.0-1.pdl1.noarch", "plaintool-0:1.0-1.pdl1.src"]
    by_nevra = {p["nevra"]: p for p in server["packages"]}
    assert by_nevra["modnode-0:20.3-1.mod20.pdl1.x86_64"]["why"] == {"reason": "hybrid", "step": 1, "modular": True}
    assert by_nevra["modapp-0:1.0-1.pdl1.x86_64"]["why"]["modular"] is False
    # Pungi's hybrid result carries no flags (no "input", no "fulltree-exclude")
    assert {tuple(p["flags"]) for p in server["packages"]} == {()}


def test_only_the_variants_streams_the_solver_installed_stay_its_modules(compose):
    # filter_modules: the variant's own streams fus gave back; modnode:20, pulled in by a
    # dependency, is not added to Server's modules
    assert nsvcs(solved(compose, "Server")) == ["modnode:18:20240301000000:c0ffee18"]
    assert nsvcs(solved(compose, "Web")) == ["modweb:2:20240304000000:beef0002"]


def test_a_module_packages_dependencies_come_from_default_streams(compose):
    web = solved(compose, "Web")
    # module(modweb:2): modweb-2.0 requires modnode >= 20, which the default stream 20 gives
    # (while the module's packages are installed, non-default streams are off); plaintool,
    # which gather_source_mapping names, is not in: the hybrid method reads no json source
    assert web["inputs"]["json"] == {"packages": ["plaintool"]}
    assert names(web) == [
        "modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
        "modweb-0:2.0-1.mod2.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.src"]


def test_the_last_matching_pattern_picks_the_method_and_only_comps_deps_is_filtered(compose):
    plain = solved(compose, "Plain")
    # "^Plain$" comes after "^.*$": its dict wins (Pungi takes the last match). The module source
    # solved with deps gets no filter_packages (Pungi gives them to the comps source only), so
    # modnode stays; the comps source gathered with nodeps takes group core by name, no Requires,
    # and nodeps reads no filter either: plaintool stays
    assert names(plain) == ["modapp-0:1.0-1.pdl1.src", "modapp-0:1.0-1.pdl1.x86_64",
                            "modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
                            "plaintool-0:1.0-1.pdl1.noarch", "plaintool-0:1.0-1.pdl1.src"]
    assert nsvcs(plain) == ["modnode:20:20240302000000:c0ffee20"]
    assert {p["nevra"]: p["flags"] for p in plain["packages"]}["modapp-0:1.0-1.pdl1.x86_64"] == ["input"]


def test_the_finished_compose_has_the_hybrid_packages_and_streams(compose):
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED"
    with open(os.path.join(compose, "work/x86_64/gather/Server.json")) as f:
        gathered = {p["nevra"] for p in json.load(f)["packages"]}
    assert gathered == {p["nevra"] for p in solved(compose, "Server")["packages"]}
    with open(os.path.join(compose, "compose/metadata/modules.json")) as f:
        modules = json.load(f)["payload"]["modules"]
    assert {uid: sorted(by_arch["x86_64"]) for uid, by_arch in modules.items()} == {
        "Plain": ["modnode:20:20240302000000:c0ffee20"], "Server": ["modnode:18:20240301000000:c0ffee18"],
        "Web": ["modweb:2:20240304000000:beef0002"]}


# -- multilib under hybrid ----------------------------------------------------------------


@pytest.fixture(scope="module")
def multilib_compose(tmp_path_factory, multilib_repo):
    top = tmp_path_factory.mktemp("hybrid-multilib")
    conf = hybrid_product(top, multilib_repo, 'gather_method = "hybrid"\n'
                          'multilib = [("^Server$", {"x86_64": ["all"]})]\n')
    return composed(top, conf, "gather")


def test_multilib_adds_the_multilib_builds_of_non_modular_packages(multilib_compose):
    server = {p["nevra"]: p for p in solved(multilib_compose, "Server")["packages"]}
    assert sorted(server) == [
        "modapp-0:1.0-1.pdl1.i686",  # multilib "all" on modapp.x86_64: a second fus run
        "modapp-0:1.0-1.pdl1.src", "modapp-0:1.0-1.pdl1.x86_64",
        # both arches of each stream: a module brings all its artifacts
        "modnode-0:18.1-1.mod18.pdl1.i686", "modnode-0:18.1-1.mod18.pdl1.src",
        "modnode-0:18.1-1.mod18.pdl1.x86_64",
        "modnode-0:20.3-1.mod20.pdl1.i686", "modnode-0:20.3-1.mod20.pdl1.src",
        "modnode-0:20.3-1.mod20.pdl1.x86_64",
        # noarch packages have no multilib build; plaintool is not filtered in this product
        "plaintool-0:1.0-1.pdl1.noarch", "plaintool-0:1.0-1.pdl1.src"]
    assert server["modapp-0:1.0-1.pdl1.i686"]["why"]["step"] == 2
    assert server["modnode-0:18.1-1.mod18.pdl1.i686"]["why"] == {"reason": "hybrid", "step": 1, "modular": True}


def test_without_a_multilib_method_only_module_artifacts_are_multilib(multilib_compose):
    # Plain (gather_method "hybrid" for every variant, no multilib method): its stream modnode:20
    # brings its i686 artifact; modapp.i686 does not come
    assert names(solved(multilib_compose, "Plain")) == [
        "modapp-0:1.0-1.pdl1.src", "modapp-0:1.0-1.pdl1.x86_64",
        "modnode-0:20.3-1.mod20.pdl1.i686", "modnode-0:20.3-1.mod20.pdl1.src",
        "modnode-0:20.3-1.mod20.pdl1.x86_64",
        "plaintool-0:1.0-1.pdl1.noarch", "plaintool-0:1.0-1.pdl1.src"]


# -- gather_method per source ---------------------------------------------------------------


def test_a_source_with_inputs_and_no_method_is_one_error_line(tmp_path, modular_repo):
    conf = hybrid_product(tmp_path, modular_repo, 'gather_method = {"^.*$": "hybrid", "^Plain$": {"module": "deps"}}\n')
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()
    command("punji-pkgset", "--arch", "x86_64", topdir, check=True)
    done = command("punji-gather", "--variant", "Plain", "--arch", "x86_64", topdir)
    assert_one_line_error(done, "gather_method", "Plain", "'comps'")


# -- punji-depsolve's "method": "hybrid" ------------------------------------------------------


def depsolve(repo, **keys):
    request = dict({"repos": [repo], "arch": "x86_64", "packages": ["modapp"]}, **keys)
    done = subprocess.run([os.path.join(BIN, "punji-depsolve")], input=json.dumps(request),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def basenames(paths):
    return sorted(os.path.basename(p) for p in paths)


def test_depsolve_hybrid_solves_modules_and_packages_together(modular_repo):
    # deps, modnode:18 enabled: modapp's modnode comes from the active stream only
    assert basenames(depsolve(modular_repo, module_streams=["modnode:18"])["rpm"]) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-18.1-1.mod18.pdl1.x86_64.rpm"]
    # hybrid: module(modnode:18) brings its artifact; modapp's modnode is the newest of any stream
    answer = depsolve(modular_repo, module_streams=["modnode:18"], method="hybrid")
    assert basenames(answer["rpm"]) == ["modapp-1.0-1.pdl1.x86_64.rpm", "modnode-18.1-1.mod18.pdl1.x86_64.rpm",
                                        "modnode-20.3-1.mod20.pdl1.x86_64.rpm"]
    assert basenames(answer["srpm"]) == ["modapp-1.0-1.pdl1.src.rpm", "modnode-18.1-1.mod18.pdl1.src.rpm",
                                         "modnode-20.3-1.mod20.pdl1.src.rpm"]


def test_depsolve_hybrid_inputs_skip_non_default_streams(modular_repo):
    # an input never takes a package of a non-default stream: modweb has no default stream
    answer = depsolve(modular_repo, packages=["modweb", "modapp"], method="hybrid", exclude_source=True)
    assert basenames(answer["rpm"]) == ["modapp-1.0-1.pdl1.x86_64.rpm", "modnode-20.3-1.mod20.pdl1.x86_64.rpm"]
    assert answer["missing"] == ["modweb"]
    # but a NEVRA takes its package; installing it on its own fails (its stream is off), so its
    # Requires (modnode) do not come
    answer = depsolve(modular_repo, packages=["modweb-1.0-1.mod1.pdl1.noarch"], method="hybrid", exclude_source=True)
    assert basenames(answer["rpm"]) == ["modweb-1.0-1.mod1.pdl1.noarch.rpm"]


def test_depsolve_hybrid_adds_multilib_debuginfo_and_langpacks_run_by_run(solver_repo):
    answer = subprocess.run([os.path.join(BIN, "punji-depsolve"), "--explain"], text=True, stdout=subprocess.PIPE,
                            input=json.dumps({"repos": [solver_repo], "arch": "x86_64", "method": "hybrid",
                                              "packages": ["dbg", "dbg-doc", "lp"], "langpacks": True,
                                              "multilib_methods": ["all"]}), check=True).stdout
    steps = {os.path.basename(p): why.get("step") for p, why in json.loads(answer)["explain"].items()}
    assert steps == {
        # run 1: the inputs (the best arch of each)
        "dbg-1.0-1.pdl1.x86_64.rpm": 1, "dbg-doc-1.0-1.pdl1.noarch.rpm": 1, "lp-1.0-1.pdl1.x86_64.rpm": 1,
        # run 2: the multilib builds of run 1's native packages ("all"; none for noarch dbg-doc),
        "dbg-1.0-1.pdl1.i686.rpm": 2, "lp-1.0-1.pdl1.i686.rpm": 2,
        # NAME-debuginfo and NAME-debugsource of the same arch and source RPM,
        "dbg-debuginfo-1.0-1.pdl1.x86_64.rpm": 2, "dbg-debugsource-1.0-1.pdl1.x86_64.rpm": 2,
        # and lp's langpacks by name (lp-langpack-es-devel is a -devel package: never)
        "lp-langpack-de-1.0-1.pdl1.x86_64.rpm": 2, "lp-langpack-fr-1.0-1.pdl1.noarch.rpm": 2,
        # run 3: the same for what run 2 brought: i686 debug packages of dbg.i686, multilib of
        # the native debuginfo and langpack
        "dbg-debuginfo-1.0-1.pdl1.i686.rpm": 3, "dbg-debugsource-1.0-1.pdl1.i686.rpm": 3,
        "lp-langpack-de-1.0-1.pdl1.i686.rpm": 3,
        # the source packages of the binaries
        "dbg-1.0-1.pdl1.src.rpm": None, "lp-1.0-1.pdl1.src.rpm": None}


def test_depsolve_hybrid_reads_multilib_lists_with_pythons_fnmatch(solver_repo):
    # Pungi's hybrid method expands them with fnmatch (its expand_list): "[^a]" is "^" or "a",
    # not "anything but a" as in the gather solver's DNF queries
    answer = subprocess.run([os.path.join(BIN, "punji-depsolve")], text=True, stdout=subprocess.PIPE,
                            input=json.dumps({"repos": [solver_repo], "arch": "x86_64", "method": "hybrid",
                                              "packages": ["mla", "mld-devel"], "exclude_source": True,
                                              "exclude_debug": True, "multilib_methods": ["none"],
                                              "multilib_whitelist": ["ml[^a]*"]}),
                            check=True).stdout
    assert basenames(json.loads(answer)["rpm"]) == ["mla-1.0-1.pdl1.i686.rpm", "mla-1.0-1.pdl1.x86_64.rpm",
                                                   "mld-devel-1.0-1.pdl1.x86_64.rpm", "mlr-1.0-1.pdl1.x86_64.rpm"]


# -- module dependencies and the platform ----------------------------------------------------

NEEDS = '  context: beef0002\n  dependencies:\n  - requires:\n      platform: [el9]\n      modnode: ["20"]\n'


def hybrid_gather(repo, index, platform):
    from punji_lib.rpms import hybrid
    from punji_lib.rpms.pkgpool import PackagePool

    pool = PackagePool("x86_64", [repo], cache=os.path.join(ROOT, "build", "hybrid-cache"))
    result = hybrid.gather(pool, {"packages": [], "modules": ["modweb:2"], "exclude": [], "streams": (index, None),
                                  "platform": platform, "modular": set(), "multilib_methods": [],
                                  "multilib_blacklist": [], "multilib_whitelist": [], "langpacks": {}})
    return sorted(pool.nevra(i) for i in result.packages), sorted(result.modules), result.problems


@pytest.fixture(scope="module")
def needing_index():
    """The modular repo's streams, modweb:2 requiring platform:el9 and modnode:20 at runtime."""
    from punji_lib.rpms import modules

    with open(os.path.join(MODULAR, "modules.yaml")) as f:
        return modules.parse(f.read().replace("  context: beef0002\n", NEEDS), "test")


def test_a_module_comes_with_the_modules_it_needs_and_their_packages(modular_repo, needing_index):
    packages, streams, problems = hybrid_gather(modular_repo, needing_index, "el9")
    # module(modweb:2) installs modnode:20 with it, and every package of both modules comes
    assert packages == ["modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
                        "modweb-0:2.0-1.mod2.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.src"]
    assert streams == ["modnode:20:20240302000000:c0ffee20", "modweb:2:20240304000000:beef0002"]
    assert problems == []


def test_without_its_platform_a_module_brings_its_packages_alone(modular_repo, needing_index):
    packages, streams, problems = hybrid_gather(modular_repo, needing_index, None)
    # nothing provides module(platform): the module cannot be installed; fus still puts it and
    # its packages in, without their dependencies (no modnode)
    assert packages == ["modweb-0:2.0-1.mod2.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.src"]
    assert streams == ["modweb:2:20240304000000:beef0002"]
    # then modweb-2.0, in the pile but of a stream libsolv may not see, cannot be installed either
    assert len(problems) == 2 and "module(platform)" in problems[0][1] and "disabled" in problems[1][1]


def test_conflicting_platforms_are_an_error(needing_index):
    from punji_lib.errors import PunjiError
    from punji_lib.rpms import hybrid, modules

    assert hybrid.platform(needing_index, None, {"modweb:2:20240304000000:beef0002:x86_64"}) == "el9"
    assert hybrid.platform(needing_index, None, set()) is None  # only the streams a variant enables count
    other = modules.parse(NEEDS.join(["---\ndocument: modulemd\nversion: 2\ndata:\n  name: x\n  stream: s\n"
                                      "  version: 1\n", "  arch: x86_64\n  summary: x\n  description: x\n"
                                      "  license:\n    module: [MIT]\n...\n"]).replace("el9", "el10"), "test")
    with pytest.raises(PunjiError, match="conflicting platform streams: el10, el9"):
        hybrid.platform(needing_index, other, {"modweb:2:20240304000000:beef0002:x86_64"})


def test_a_module_is_installed_with_each_alternative_of_its_module_dependencies(modular_repo):
    from punji_lib.rpms import modules

    with open(os.path.join(MODULAR, "modules.yaml")) as f:
        index = modules.parse(f.read().replace("  context: beef0002\n", NEEDS.replace('["20"]', "[]")), "test")
    packages, streams, problems = hybrid_gather(modular_repo, index, "el9")
    # modweb:2 needs some stream of modnode: fus solves it with either, and installs each
    # combination's packages; with modnode:18, modweb-2.0 (Requires: modnode >= 20) cannot be
    # installed (one problem), but modnode-18.1 comes
    assert packages == ["modnode-0:18.1-1.mod18.pdl1.src", "modnode-0:18.1-1.mod18.pdl1.x86_64",
                        "modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
                        "modweb-0:2.0-1.mod2.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.src"]
    assert streams == ["modnode:18:20240301000000:c0ffee18", "modnode:20:20240302000000:c0ffee20",
                       "modweb:2:20240304000000:beef0002"]
    assert len(problems) == 1 and problems[0][0].startswith("modweb-2.0")


def test_depsolve_hybrid_leaves_out_what_a_lookaside_repo_has(modular_repo, tmp_path):
    lookaside = tmp_path / "lookaside"
    shutil.copytree(modular_repo, lookaside, ignore=shutil.ignore_patterns(".build"))
    assert len(depsolve(modular_repo, module_streams=["modnode:18"], method="hybrid")["rpm"]) == 3
    answer = depsolve(modular_repo, lookaside_repos=[str(lookaside)], module_streams=["modnode:18"], method="hybrid")
    # fus never gives lookaside packages, and Pungi drops any package (and source) whose file
    # a lookaside repo has
    assert (answer["rpm"], answer["srpm"], answer["debuginfo"]) == ([], [], [])


def test_a_hybrid_variant_whose_inputs_match_nothing_is_one_error_line(tmp_path, modular_repo):
    # fus stops with "No solvables matched" when no input selects a package (and Pungi with it)
    conf = hybrid_product(tmp_path, modular_repo, 'additional_packages = [("^Web$", {"*": ["nosuchpackage"]})]\n'
                                                  'gather_method = "hybrid"\n')
    (tmp_path / "modular" / "variants.xml").write_text(VARIANTS.replace("<module>modweb:2</module>", ""))
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()
    command("punji-pkgset", "--arch", "x86_64", topdir, check=True)
    done = command("punji-gather", "--variant", "Web", "--arch", "x86_64", topdir)
    assert_one_line_error(done, "Web.x86_64: the hybrid solver's inputs match no package (nosuchpackage)")


def test_a_variant_as_lookaside_repo_carries_the_lookaside_variants_streams(tmp_path, modular_repo):
    from punji_lib.rpms import modules
    from punji_lib.rpms.repos import Repo

    conf = hybrid_product(tmp_path, modular_repo, 'variant_as_lookaside = [("Web", "Server")]\n')
    topdir = composed(tmp_path, conf, "gather")
    repo = os.path.join(topdir, "work/x86_64/lookaside/Web/Server")
    index = modules.repo_index(Repo(repo, str(tmp_path / "cache")))
    server = solved(topdir, "Server")
    assert sorted(r["nsvc"] for r in modules.streams(index)) == sorted(nsvcs(server)) and nsvcs(server)
    # with the defaults of its modules, as Pungi collects them for the lookaside repo
    assert index.get_module("modnode").get_defaults().get_default_stream() == "20"
    # Web's solve saw Server's packages as lookaside: none of them is Web's
    assert not set(names(server)) & set(names(solved(topdir, "Web")))
