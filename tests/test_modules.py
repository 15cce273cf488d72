"""Modular content: the modular test product (tests/data/modular) from a repo carrying modules.yaml.

Server enables both streams of modnode (module source gathered with nodeps) and the group
core (modapp requires modnode); Web modweb:2 and modnode:20 (deps); Plain no modules.
"""

import gzip
import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, MODULAR, assert_one_line_error, command, make, read_json


def copy_product(top, repo):
    """tests/data/modular copied to TOP/modular, its config pointing at REPO; the config's path."""
    shutil.copytree(MODULAR, top / "modular", ignore=shutil.ignore_patterns("specs"))
    conf = top / "modular" / "modular.conf"
    conf.write_text(conf.read_text().replace("../../../build/modular-repo", str(repo)))
    return conf


def new_compose(top, conf):
    return command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()


@pytest.fixture(scope="module")
def compose(tmp_path_factory, modular_repo):
    """The modular product composed once for this module."""
    top = tmp_path_factory.mktemp("modular")
    topdir = new_compose(top, copy_product(top, modular_repo))
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    return topdir



def gathered(compose, uid):
    return {p["nevra"]: p for p in read_json(compose, "work/x86_64/gather/%s.json" % uid)["packages"]}


def repo_modules(repo):
    """{"streams": [name:stream], "defaults": {module: stream}} of REPO's modules.yaml, or None."""
    import createrepo_c
    import gi

    gi.require_version("Modulemd", "2.0")
    from gi.repository import Modulemd

    records = {r.type: r for r in createrepo_c.Repomd(os.path.join(repo, "repodata", "repomd.xml")).records}
    if "modules" not in records:
        return None
    with gzip.open(os.path.join(repo, records["modules"].location_href), "rt") as f:
        index = Modulemd.ModuleIndex.new()
        ok, failures = index.update_from_string(f.read(), True)
    assert ok and not failures
    streams = sorted("%s:%s" % (s.get_module_name(), s.get_stream_name())
                     for name in index.get_module_names() for s in index.get_module(name).get_all_streams())
    return {"streams": streams, "defaults": index.get_default_streams()}


def test_variants_json_has_the_modules_as_pungi_reads_them(compose):
    variants = {v["uid"]: v for v in read_json(compose, "work/global/variants.json")["variants"]}
    assert variants["Server"]["modules"] == [{"name": "modnode:18", "glob": False},
                                             {"name": "modnode:20", "glob": False}]
    assert variants["Web"]["modules"] == [{"name": "modnode:20", "glob": False}, {"name": "modweb:2", "glob": False}]
    assert variants["Plain"]["modules"] is None


def test_the_package_set_keeps_every_stream_and_its_modules(compose):
    nevras = {p["nevra"] for p in read_json(compose, "work/x86_64/pkgset/packages.json")["packages"]}
    # both versions of modnode and modweb, though only the newest of a name.arch is kept otherwise
    assert {"modnode-0:18.1-1.mod18.pdl1.x86_64", "modnode-0:20.3-1.mod20.pdl1.x86_64",
            "modweb-0:1.0-1.mod1.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.noarch"} <= nevras
    found = repo_modules(os.path.join(compose, "work/x86_64/repo"))
    assert found == {"streams": ["modnode:18", "modnode:20", "modweb:1", "modweb:2"], "defaults": {"modnode": "20"}}


def test_nodeps_module_source_takes_exactly_the_streams_packages(compose):
    server = gathered(compose, "Server")
    assert sorted(server) == [
        "modapp-0:1.0-1.pdl1.src", "modapp-0:1.0-1.pdl1.x86_64",
        "modnode-0:18.1-1.mod18.pdl1.src", "modnode-0:18.1-1.mod18.pdl1.x86_64",
        "modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
        "plaintool-0:1.0-1.pdl1.noarch", "plaintool-0:1.0-1.pdl1.src"]
    assert server["modnode-0:18.1-1.mod18.pdl1.x86_64"]["flags"] == ["input"]
    assert os.path.isfile(os.path.join(compose, server["modnode-0:18.1-1.mod18.pdl1.x86_64"]["file"]))


def test_deps_solves_the_module_source_and_other_streams_stay_hidden(compose):
    assert sorted(gathered(compose, "Web")) == [
        "modnode-0:20.3-1.mod20.pdl1.src", "modnode-0:20.3-1.mod20.pdl1.x86_64",
        "modweb-0:2.0-1.mod2.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.src"]
    assert sorted(gathered(compose, "Plain")) == ["plaintool-0:1.0-1.pdl1.noarch", "plaintool-0:1.0-1.pdl1.src"]


def test_each_variant_repodata_carries_its_streams_and_their_defaults(compose):
    tree = os.path.join(compose, "compose")
    assert repo_modules(os.path.join(tree, "Server/x86_64/os")) == {
        "streams": ["modnode:18", "modnode:20"], "defaults": {"modnode": "20"}}
    assert repo_modules(os.path.join(tree, "Web/x86_64/os")) == {
        "streams": ["modnode:20", "modweb:2"], "defaults": {"modnode": "20"}}
    assert repo_modules(os.path.join(tree, "Plain/x86_64/os")) is None
    assert repo_modules(os.path.join(tree, "Server/x86_64/debug/tree")) is None


def test_modules_json_lists_each_variant_arch_stream(compose):
    payload = read_json(compose, "compose/metadata/modules.json")["payload"]
    assert payload["compose"]["id"] == os.path.basename(compose)
    modules = payload["modules"]
    assert sorted(modules) == ["Server", "Web"]
    entry = modules["Web"]["x86_64"]["modweb:2:20240304000000:beef0002"]
    assert entry["rpms"] == ["modweb-0:2.0-1.mod2.pdl1.noarch", "modweb-0:2.0-1.mod2.pdl1.src"]
    assert entry["metadata"]["stream"] == "2" and entry["metadata"]["koji_tag"] == "DUMMY"
    path = entry["modulemd_path"]["binary"]
    assert path.startswith("Web/x86_64/os/repodata/") and path.endswith("-modules.yaml.gz")
    assert os.path.isfile(os.path.join(compose, "compose", path))
    assert sorted(modules["Server"]["x86_64"]) == ["modnode:18:20240301000000:c0ffee18",
                                                   "modnode:20:20240302000000:c0ffee20"]


def dnf(root, repo, *args):
    return subprocess.run(
        ["dnf", "-y", "-q", "--installroot", str(root), "--releasever", "1", "--setopt=reposdir=/dev/null",
         "--setopt=cachedir=%s" % (root.parent / "cache"), "--setopt=module_platform_id=platform:pdl1",
         "--nogpgcheck", "--disableplugin=*", "--repofrompath", "server,%s" % repo, "--repo", "server"] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def installed(root):
    return sorted(subprocess.run(["rpm", "--root", str(root), "-qa", "--qf", "%{NVRA}\n"], stdout=subprocess.PIPE,
                                 text=True, check=True).stdout.split())


def test_dnf_sees_the_default_stream_and_installs_another(compose, tmp_path):
    root, repo = tmp_path / "root", os.path.join(compose, "compose/Server/x86_64/os")
    listed = dnf(root, repo, "module", "list")
    assert listed.returncode == 0, listed.stdout
    rows = [line.split() for line in listed.stdout.splitlines() if line.startswith("modnode")]
    assert rows == [["modnode", "18", "common", "Test", "module", "modnode,", "stream", "18"],
                    ["modnode", "20", "[d]", "common", "[d]", "Test", "module", "modnode,", "stream", "20"]]
    done = dnf(root, repo, "module", "install", "modnode:18/common")
    assert done.returncode == 0, done.stdout
    # the enabled stream answers modapp's requirement, not the newer default one
    done = dnf(root, repo, "install", "modapp")
    assert done.returncode == 0, done.stdout
    assert installed(root) == ["modapp-1.0-1.pdl1.x86_64", "modnode-18.1-1.mod18.pdl1.x86_64"]


def test_dnf_installs_the_default_stream_of_a_plain_requirement(compose, tmp_path):
    root = tmp_path / "root"
    done = dnf(root, os.path.join(compose, "compose/Server/x86_64/os"), "install", "modapp")
    assert done.returncode == 0, done.stdout
    assert installed(root) == ["modapp-1.0-1.pdl1.x86_64", "modnode-20.3-1.mod20.pdl1.x86_64"]


def test_a_variant_without_modules_cannot_reach_modular_packages(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    conf.write_text(conf.read_text() + '\nadditional_packages = [("^Plain$", {"*": ["modapp"]})]\n')
    topdir = new_compose(tmp_path, conf)
    done = make(topdir, "gather")
    assert done.returncode != 0
    assert "punji-gather: error: Plain.x86_64: package 'modapp-0:1.0-1.pdl1.x86_64' requires 'modnode', " \
        "which nothing provides" in done.stdout, done.stdout


def test_variants_listing_no_modules_take_modular_packages_as_any_others_as_pungi_does(tmp_path, modular_repo):
    # Pungi 4.3.2 reads no modules from repos, and its solver sees every package (module_hotfixes)
    conf = copy_product(tmp_path, modular_repo)
    variants = conf.parent / "variants.xml"
    text = variants.read_text()
    while "<modules>" in text:
        text = text[:text.index("<modules>")] + text[text.index("</modules>") + len("</modules>"):]
    variants.write_text(text)
    conf.write_text(conf.read_text() + '\nadditional_packages = [("^Plain$", {"*": ["modapp", "modweb"]})]\n')
    topdir = new_compose(tmp_path, conf)
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    assert not os.path.exists(os.path.join(topdir, "work/x86_64/pkgset/modules.yaml"))
    plain = gathered(topdir, "Plain")
    assert "modnode-0:20.3-1.mod20.pdl1.x86_64" in plain and "modweb-0:2.0-1.mod2.pdl1.noarch" in plain
    assert "modnode-0:18.1-1.mod18.pdl1.x86_64" not in plain  # the newest build of a name.arch only
    assert repo_modules(os.path.join(topdir, "compose/Plain/x86_64/os")) is None


def test_filter_modules_leaves_a_stream_out(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    conf.write_text(conf.read_text() + '\nfilter_modules = [("^Server$", {"*": ["modnode:18"]})]\n')
    topdir = new_compose(tmp_path, conf)
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    assert "modnode-0:18.1-1.mod18.pdl1.x86_64" not in gathered(topdir, "Server")
    assert "modnode-0:20.3-1.mod20.pdl1.x86_64" in gathered(topdir, "Server")
    assert repo_modules(os.path.join(topdir, "compose/Server/x86_64/os"))["streams"] == ["modnode:20"]


def test_a_module_no_stream_matches_is_one_error_line(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    variants = conf.parent / "variants.xml"
    variants.write_text(variants.read_text().replace("<module>modweb:2</module>", "<module>modweb:9</module>"))
    topdir = new_compose(tmp_path, conf)
    assert make(topdir, "pkgset").returncode == 0
    for uid in ("Server", "Web", "Plain"):  # on one arch it is no error: a module may lack an arch
        command("punji-gather", "--variant", uid, "--arch", "x86_64", topdir, check=True)
    done = command("punji-gather", "--assemble", topdir)
    assert_one_line_error(done, "variant Web", "'modweb:9'", "(x86_64)")


def test_a_corrupt_modules_yaml_is_one_error_line_naming_it(tmp_path, modular_repo):
    repo = tmp_path / "repo"
    shutil.copytree(modular_repo, repo, ignore=shutil.ignore_patterns(".build"))
    bad = tmp_path / "modules.yaml"
    bad.write_text("---\ndocument: modulemd\nversion: 2\ndata:\n  name: [broken\n")
    subprocess.run(["modifyrepo_c", "--mdtype=modules", str(bad), str(repo / "repodata")], check=True,
                   stdout=subprocess.DEVNULL)
    topdir = new_compose(tmp_path, copy_product(tmp_path, repo))
    done = command("punji-pkgset", "--arch", "x86_64", topdir)
    assert_one_line_error(done, "repo %s" % repo, "-modules.yaml.gz", "corrupt modules metadata")


def test_stream_selection_as_pungi_reads_module_entries():
    from punji_lib.rpms import modules

    records = [{"nsvca": "%s:%s:%d:c:x86_64" % (n, s, v), "name": n, "stream": s, "version": v, "context": "c"}
               for n, s, v in [("a", "1", 1), ("a", "1", 2), ("a", "2", 1), ("b", "1", 5)]]

    def picked(*names, filters=()):
        return [r["nsvca"] for r in modules.select([{"name": n, "glob": False} for n in names], records, filters)]

    assert picked("a:1") == ["a:1:2:c:x86_64"]  # the newest version only
    assert picked("a:1:1") == ["a:1:1:c:x86_64"]
    assert picked("a:*") == ["a:1:2:c:x86_64", "a:2:1:c:x86_64"]
    assert picked("*") == [r["nsvca"] for r in records]
    assert picked("a:*", "b:1", filters=["a:2", "b"]) == ["a:1:2:c:x86_64"]
    with pytest.raises(Exception, match="NAME:STREAM"):
        picked("a")


def defaults_doc(module, stream):
    return ("---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: %s\n  stream: \"%s\"\n"
            "  profiles:\n    \"%s\": [common]\n...\n" % (module, stream, stream))


def test_module_defaults_dir_gives_the_defaults_in_place_of_the_repos(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    defaults = conf.parent / "defaults"
    defaults.mkdir()
    (defaults / "modnode.yaml").write_text(defaults_doc("modnode", "18"))
    (defaults / "modweb.yaml").write_text(defaults_doc("modweb", "2"))
    (defaults / "unused.yaml").write_text(defaults_doc("nosuchmodule", "1"))
    conf.write_text(conf.read_text() + '\nmodule_defaults_dir = {"scm": "file", "dir": "defaults"}\n')
    topdir = new_compose(tmp_path, conf)
    assert sorted(os.listdir(os.path.join(topdir, "work/global/module_defaults"))) == [
        "modnode.yaml", "modweb.yaml", "unused.yaml"]
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    tree = os.path.join(topdir, "compose")
    assert repo_modules(os.path.join(tree, "Server/x86_64/os"))["defaults"] == {"modnode": "18"}
    assert repo_modules(os.path.join(tree, "Web/x86_64/os"))["defaults"] == {"modnode": "18", "modweb": "2"}


def test_module_defaults_override_dir_is_read_against_the_working_directory_as_pungi(tmp_path, modular_repo):
    # Pungi 4.3.2 hands the value to libmodulemd as it is: a relative one is the directory's
    # where the compose is started, not one inside module_defaults_dir
    conf = copy_product(tmp_path, modular_repo)
    defaults = conf.parent / "defaults"
    (defaults / "el9").mkdir(parents=True)
    (defaults / "modnode.yaml").write_text(defaults_doc("modnode", "18"))
    (defaults / "el9" / "modnode.yaml").write_text(defaults_doc("modnode", "19"))
    started_in = tmp_path / "started-in"
    (started_in / "el9").mkdir(parents=True)
    (started_in / "el9" / "modnode.yaml").write_text(defaults_doc("modnode", "20"))
    conf.write_text(conf.read_text() + '\nmodule_defaults_dir = "defaults"\nmodule_defaults_override_dir = "el9"\n')
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", cwd=started_in,
                     check=True).stdout.strip()
    assert read_json(topdir, "work/global/state/init.json")["module_defaults"] == {"modnode": "20"}
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    assert repo_modules(os.path.join(topdir, "compose/Server/x86_64/os"))["defaults"] == {"modnode": "20"}


def test_module_defaults_override_dir_without_module_defaults_dir_gives_its_defaults_as_pungi(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "modnode.yaml").write_text(defaults_doc("modnode", "20"))
    conf.write_text(conf.read_text() + '\nmodule_defaults_override_dir = "%s"\n' % overrides)
    topdir = new_compose(tmp_path, conf)
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    assert repo_modules(os.path.join(topdir, "compose/Server/x86_64/os"))["defaults"] == {"modnode": "20"}


def test_a_missing_module_defaults_override_dir_fails_as_module_defaults_are_read(tmp_path, modular_repo):
    # Pungi reads it only as it collects module streams' defaults: init goes on, createrepo fails
    conf = copy_product(tmp_path, modular_repo)
    (conf.parent / "defaults").mkdir()
    (conf.parent / "defaults" / "a.yaml").write_text(defaults_doc("modnode", "20"))  # an empty one is an error
    conf.write_text(conf.read_text() + '\nmodule_defaults_dir = "defaults"\nmodule_defaults_override_dir = "f99"\n')
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", cwd=tmp_path,
                     check=True).stdout.strip()
    done = make(topdir, "createrepo")
    assert done.returncode != 0
    errors = sorted({line for line in done.stdout.splitlines() if "error:" in line and "punji-createrepo" in line})
    assert errors and all("option 'module_defaults_override_dir': %s: no such directory" % (tmp_path / "f99") in line
                          for line in errors), done.stdout
    assert "Traceback" not in done.stdout


def test_two_default_streams_of_a_module_are_one_error_line(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    defaults = conf.parent / "defaults"
    defaults.mkdir()
    (defaults / "a.yaml").write_text(defaults_doc("modnode", "18"))
    (defaults / "b.yaml").write_text(defaults_doc("modnode", "20"))
    conf.write_text(conf.read_text() + '\nmodule_defaults_dir = "defaults"\n')
    done = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test")
    assert_one_line_error(done, "module_defaults_dir", str(defaults) + "): module modnode has multiple defaults: 18, 20")


def depsolve(repo, **keys):
    request = dict({"repos": [repo], "arch": "x86_64", "packages": ["modapp", "modweb"]}, **keys)
    return subprocess.run([os.path.join(BIN, "punji-depsolve")], input=json.dumps(request),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rpm_names(done):
    assert done.returncode == 0, done.stderr
    return sorted(os.path.basename(p) for p in json.loads(done.stdout)["rpm"])


def test_depsolve_sees_modular_packages_as_pungis_solver_unless_told_to_filter(modular_repo):
    # by default every package is there and the newest of each name.arch wins, as Pungi's solver
    # (module_hotfixes) and gather for a variant listing no <modules> see them
    assert rpm_names(depsolve(modular_repo)) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-20.3-1.mod20.pdl1.x86_64.rpm", "modweb-2.0-1.mod2.pdl1.noarch.rpm"]
    # "modules": true filters as dnf does: the default stream of modnode answers modapp; modweb
    # has no default stream: hidden
    assert rpm_names(depsolve(modular_repo, modules=True)) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-20.3-1.mod20.pdl1.x86_64.rpm"]
    # streams named to enable filter too
    assert rpm_names(depsolve(modular_repo, module_streams=["modnode:18", "modweb:1"])) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-18.1-1.mod18.pdl1.x86_64.rpm", "modweb-1.0-1.mod1.pdl1.noarch.rpm"]
    assert rpm_names(depsolve(modular_repo, modules=False, module_streams=["modnode:18"])) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-20.3-1.mod20.pdl1.x86_64.rpm", "modweb-2.0-1.mod2.pdl1.noarch.rpm"]


def test_depsolve_unknown_module_stream_is_one_error_line(modular_repo):
    assert_one_line_error(depsolve(modular_repo, module_streams=["modnode:99"]), "module_streams", "modnode:99")


def test_a_changed_modules_yaml_reaches_the_repodata_when_make_runs_again(tmp_path, modular_repo):
    repo = tmp_path / "repo"
    shutil.copytree(modular_repo, repo, ignore=shutil.ignore_patterns(".build"))
    topdir = new_compose(tmp_path, copy_product(tmp_path, repo))
    assert make(topdir, "createrepo").returncode == 0
    assert make(topdir, "createrepo").stdout.count("punji-") == 0  # nothing to do
    changed = tmp_path / "modules.yaml"
    with open(os.path.join(MODULAR, "modules.yaml")) as f:
        changed.write_text(f.read().replace('stream: "20"\n  profiles:\n    "20"', 'stream: "18"\n  profiles:\n    "18"'))
    subprocess.run(["modifyrepo_c", "--remove", "modules", str(repo / "repodata")], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["modifyrepo_c", "--mdtype=modules", str(changed), str(repo / "repodata")], check=True,
                   stdout=subprocess.DEVNULL)
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    assert repo_modules(os.path.join(topdir, "compose/Server/x86_64/os"))["defaults"] == {"modnode": "18"}


EXTRA_STREAM = """---
document: modulemd
version: 2
data:
  name: modextra
  stream: "1"
  version: 20240305000000
  context: feed0001
  arch: x86_64
  summary: An extra module stream
  description: A stream createrepo_extra_modulemd adds.
  license:
    module: [MIT]
...
"""


def test_createrepo_extra_modulemd_adds_streams_to_modular_variants(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    (conf.parent / "extra" / "x86_64").mkdir(parents=True)
    (conf.parent / "extra" / "x86_64" / "modextra.yaml").write_text(EXTRA_STREAM)
    conf.write_text(conf.read_text() + '\ncreaterepo_extra_modulemd = {"Web": {"scm": "file", "dir": "extra"},'
                    ' "Plain": {"scm": "file", "dir": "extra"}}\n')
    topdir = new_compose(tmp_path, conf)
    done = make(topdir, "finish")
    assert done.returncode == 0, done.stdout
    assert repo_modules(os.path.join(topdir, "compose/Web/x86_64/os"))["streams"] == [
        "modextra:1", "modnode:20", "modweb:2"]
    # as in Pungi, a variant without module streams gets no extra ones
    assert repo_modules(os.path.join(topdir, "compose/Plain/x86_64/os")) is None
    web = read_json(topdir, "compose/metadata/modules.json")["payload"]["modules"]["Web"]["x86_64"]
    extra = web["modextra:1:20240305000000:feed0001"]
    assert extra["rpms"] == [] and extra["metadata"]["koji_tag"] == "DUMMY"


def test_createrepo_extra_modulemd_takes_the_first_stream_of_a_file_of_several_as_pungi(tmp_path, modular_repo):
    """Pungi 4.3.2 reads one stream of each file: the first of the module whose name sorts
    first; the file's other streams and a defaults document are left unread."""
    conf = copy_product(tmp_path, modular_repo)
    (conf.parent / "extra" / "x86_64").mkdir(parents=True)
    defaults = '---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: modextra\n  stream: "2"\n...\n'
    (conf.parent / "extra" / "x86_64" / "several.yaml").write_text(
        EXTRA_STREAM.replace('"1"', '"2"') + defaults + EXTRA_STREAM.replace("modextra", "zzextra")
        + EXTRA_STREAM.replace("feed0001", "feed0002"))
    conf.write_text(conf.read_text() + '\ncreaterepo_extra_modulemd = {"Web": {"scm": "file", "dir": "extra"}}\n')
    topdir = new_compose(tmp_path, conf)
    assert make(topdir, "gather").returncode == 0
    done = command("punji-createrepo", "--variant", "Web", "--arch", "x86_64", topdir)
    assert done.returncode == 0, done.stderr
    modular = repo_modules(os.path.join(topdir, "compose/Web/x86_64/os"))
    assert modular["streams"] == ["modextra:2", "modnode:20", "modweb:2"]
    assert "modextra" not in modular["defaults"]


def test_createrepo_extra_modulemd_file_without_a_stream_is_one_error_line(tmp_path, modular_repo):
    # Pungi fails there too (a TypeError adding no stream)
    conf = copy_product(tmp_path, modular_repo)
    (conf.parent / "extra" / "x86_64").mkdir(parents=True)
    (conf.parent / "extra" / "x86_64" / "defaults.yaml").write_text(
        '---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: modextra\n  stream: "2"\n...\n')
    conf.write_text(conf.read_text() + '\ncreaterepo_extra_modulemd = {"Web": {"scm": "file", "dir": "extra"}}\n')
    topdir = new_compose(tmp_path, conf)
    assert make(topdir, "gather").returncode == 0
    done = command("punji-createrepo", "--variant", "Web", "--arch", "x86_64", topdir)
    assert_one_line_error(done, "defaults.yaml", "no module stream")


def test_depsolve_hides_non_modular_packages_named_like_an_active_streams(tmp_path, modular_repo):
    repo = tmp_path / "repo"
    shutil.copytree(modular_repo, repo, ignore=shutil.ignore_patterns(".build"))
    with open(os.path.join(MODULAR, "modules.yaml")) as f:
        documents = f.read().split("---\n")
    # modnode 20.3 becomes a non-modular package; modnode:18 the default stream
    kept = [d for d in documents if "name: modnode\n  stream: \"20\"" not in d]
    text = "---\n".join(kept).replace('stream: "20"\n  profiles:\n    "20"', 'stream: "18"\n  profiles:\n    "18"')
    assert text.count("document: modulemd\n") == 3 and 'stream: "18"\n  profiles' in text
    changed = tmp_path / "modules.yaml"
    changed.write_text(text)
    subprocess.run(["modifyrepo_c", "--remove", "modules", str(repo / "repodata")], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["modifyrepo_c", "--mdtype=modules", str(changed), str(repo / "repodata")], check=True,
                   stdout=subprocess.DEVNULL)
    assert rpm_names(depsolve(str(repo), packages=["modapp"], modules=True)) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-18.1-1.mod18.pdl1.x86_64.rpm"]
    assert rpm_names(depsolve(str(repo), packages=["modapp"], modules=False)) == [
        "modapp-1.0-1.pdl1.x86_64.rpm", "modnode-20.3-1.mod20.pdl1.x86_64.rpm"]


def obsoletes_doc(module, stream, by_stream):
    return ("---\ndocument: modulemd-obsoletes\nversion: 1\ndata:\n  modified: 2024-03-01T00:00Z\n"
            "  module: %s\n  stream: \"%s\"\n  message: %s:%s is end of life\n  obsoleted_by:\n"
            "    module: %s\n    stream: \"%s\"\n...\n" % (module, stream, module, stream, module, by_stream))


def test_module_obsoletes_dir_goes_into_the_repodata_of_variants_with_the_module(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    obsoletes = conf.parent / "obsoletes"
    obsoletes.mkdir()
    (obsoletes / "modnode.yaml").write_text(obsoletes_doc("modnode", "18", "20"))
    (obsoletes / "modweb.yaml").write_text(obsoletes_doc("modweb", "1", "2"))
    conf.write_text(conf.read_text() + '\nmodule_obsoletes_dir = "obsoletes"\n')
    topdir = new_compose(tmp_path, conf)
    done = make(topdir, "createrepo")
    assert done.returncode == 0, done.stdout
    server = repo_text(os.path.join(topdir, "compose/Server/x86_64/os"))
    assert server.count("document: modulemd-obsoletes") == 1 and "modnode:18 is end of life" in server
    web = repo_text(os.path.join(topdir, "compose/Web/x86_64/os"))
    assert web.count("document: modulemd-obsoletes") == 2
    assert repo_modules(os.path.join(topdir, "compose/Server/x86_64/os"))["streams"] == ["modnode:18", "modnode:20"]


def test_a_corrupt_module_obsoletes_file_is_one_error_line(tmp_path, modular_repo):
    conf = copy_product(tmp_path, modular_repo)
    (conf.parent / "obsoletes").mkdir()
    (conf.parent / "obsoletes" / "bad.yaml").write_text("---\ndocument: modulemd-obsoletes\nversion: 1\ndata: [\n")
    conf.write_text(conf.read_text() + '\nmodule_obsoletes_dir = "obsoletes"\n')
    done = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test")
    # the directory the user has, not init's copy of it
    assert_one_line_error(done, "module_obsoletes_dir", str(conf.parent / "obsoletes") + "): bad.yaml",
                          "corrupt modules metadata")


def repo_text(repo):
    """The text of REPO's modules.yaml."""
    import createrepo_c

    records = {r.type: r for r in createrepo_c.Repomd(os.path.join(repo, "repodata", "repomd.xml")).records}
    with gzip.open(os.path.join(repo, records["modules"].location_href), "rt") as f:
        return f.read()


def test_repoclosure_filters_modules_as_dnf_does_with_none_enabled(compose):
    from punji_lib.rpms.repoclosure import Closure

    repo = os.path.join(compose, "compose/Server/x86_64/os")
    closure = Closure("x86_64", [repo], cache=os.path.join(compose, "work/x86_64/pkgset/cache"))
    # Server has both streams of modnode; 20 is the default, so 18's packages are neither
    # checked nor providers (modapp's modnode comes from stream 20)
    assert sorted(closure.hidden) == ["modnode-0:18.1-1.mod18.pdl1.src", "modnode-0:18.1-1.mod18.pdl1.x86_64"]
    checked = sorted(closure.pool.solvables[i].name + "-" + closure.pool.solvables[i].evr
                     for i in closure.providers(closure.pool.Dep("modnode").id))
    assert checked == ["modnode-20.3-1.mod20.pdl1"]
    report = read_json(compose, "work/x86_64/repoclosure/Server.json")
    binaries = [n for n, p in gathered(compose, "Server").items() if p["category"] == "binary"]
    assert report["packages"] == len(binaries) - 1 and report["unresolved"] == []
