"""punji-pkgset with pkgset_source = "koji", against the local Koji test hub of tests/kojihub.py.

The koji client library finds the test profiles where a user's profiles are
(~/.koji/config.d/<profile>.conf): HOME points at a directory of this module
while its tests run. The hub's storage holds real RPMs (the demo's and small
ones built here), some signed with gpg keys made here.
"""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest


from conftest import BIN, DATA, ROOT, assert_one_line_error, command, make
from kojihub import Hub, Signer, serving, serving_files, write_profile
from punji_lib.rpms.headers import read_header
from test_pkgset import build_rpm

PROFILE = "punjitest"
HTTP_PROFILE = "punjihttp"  # the same hub, its topdir not readable here: files come from topurl


@pytest.fixture(scope="module")
def koji(tmp_path_factory, demo_repo):
    """The running hub, its storage, two signers and the tags the tests read."""
    top = tmp_path_factory.mktemp("koji")
    hub = Hub(top / "storage")
    build = top / "rpmbuild"

    def rpms(name, version, arch="noarch"):
        return [build_rpm(build / ("%s-%s" % (name, version)), name, version, arch)]

    # the demo: every package in one tag, as the repos source has them
    hub.add_tag("demo")
    for b in hub.import_rpms(glob.glob(os.path.join(demo_repo, "Packages", "*.rpm"))):
        hub.tag_build("demo", b["nvr"])
    # inheritance: the child's own build wins over a higher one in the parent (koji's latest)
    hub.add_tag("kj-base")
    hub.add_tag("kj-child", parents=["kj-base"])
    for name, version, arch, tag in [("kjt-inherited", "1.0", "noarch", "kj-base"),
                                     ("kjt-override", "3.0", "noarch", "kj-base"),
                                     ("kjt-override", "2.0", "noarch", "kj-child"),
                                     ("kjt-retagged", "1.1", "noarch", "kj-child"),
                                     ("kjt-retagged", "1.0", "noarch", "kj-child"),
                                     ("kjt-foreign", "1.0", "aarch64", "kj-child")]:
        for b in hub.import_rpms(rpms(name, version, arch)):
            hub.tag_build(tag, b["nvr"])
    (multi,) = hub.import_rpms(rpms("kjt-multi", "1.0", "x86_64") + rpms("kjt-multi", "1.0", "i686"))
    hub.tag_build("kj-child", multi["nvr"])
    hub.add_tag("kj-other")
    for b in hub.import_rpms(rpms("kjt-inherited", "0.5") + rpms("kjt-only-other", "1.0")
                             + rpms("kjt-retagged", "0.9")):
        hub.tag_build("kj-other", b["nvr"])
    hub.import_rpms(rpms("kjt-extra", "1.0") + rpms("kjt-inherited", "1.5"))  # builds in no tag
    scratch = hub.add_scratch_task(rpms("kjt-override", "9.0") + rpms("kjt-scratch-foreign", "1.0", "aarch64"))
    # signatures: kjs-a by both keys, kjs-b by B only, kjs-c by none; kjs-late by A after the first look
    key_a, key_b = Signer(top / "gpg-a", "Punji Key A"), Signer(top / "gpg-b", "Punji Key B")
    for tag, names in [("kj-signed", ["kjs-a", "kjs-b"]), ("kj-unsigned", ["kjs-a", "kjs-c"]),
                       ("kj-late", ["kjs-late"]), ("kj-reuse-base", []), ("kj-http", ["kjs-a", "kjs-c"])]:
        hub.add_tag(tag)
        for name in names:
            if not glob.glob(str(build / ("%s-1.0" % name))):
                hub.import_rpms(rpms(name, "1.0"))
            hub.tag_build(tag, "%s-1.0-1" % name)
    hub.sign("kjs-a-1.0-1", key_a)
    hub.sign("kjs-a-1.0-1", key_b)
    hub.sign("kjs-b-1.0-1", key_b)
    hub.add_tag("kj-reuse", parents=["kj-reuse-base"])
    for b in hub.import_rpms(rpms("kjt-reuse", "1.0") + rpms("kjt-reuse-new", "1.0") + rpms("kjt-reuse-up", "1.0")):
        if b["name"] == "kjt-reuse":
            hub.tag_build("kj-reuse", b["nvr"])

    home = top / "home"
    old_home = os.environ.get("HOME")
    with serving(hub) as url, serving_files(hub.root) as (topurl, files):
        write_profile(home, PROFILE, url, hub.root, topurl)
        write_profile(home, HTTP_PROFILE, url, str(top / "not-mounted"), topurl)
        os.environ["HOME"] = str(home)
        try:
            yield {"hub": hub, "a": key_a.sigkey, "b": key_b.sigkey, "scratch": scratch, "rpms": rpms,
                   "files": files}
        finally:
            if old_home is None:
                del os.environ["HOME"]
            else:
                os.environ["HOME"] = old_home


# deps for every variant, but not the string "deps": Pungi 4.3.2 takes no unsigned copy then
PER_VARIANT_DEPS = {"^.*$": {"comps": "deps", "json": "deps"}}


def without_repos(conf):
    """The demo config CONF less its pkgset_repos, which Pungi refuses beside pkgset_source = "koji"."""
    text = conf.read_text()
    start = text.index("pkgset_repos = {")
    conf.write_text(text[:start] + text[text.index("}\n", start) + 2:])


def koji_compose(tmp_path, demo_copy, profile=PROFILE, **options):
    """An init'ed (test) demo compose in TMP_PATH/composes reading its packages from the test
    hub with OPTIONS (its config a fresh copy of DEMO_COPY in TMP_PATH/conf)."""
    options = dict({"pkgset_source": "koji", "koji_profile": profile}, **options)
    conf = tmp_path / "conf"
    shutil.copytree(demo_copy, conf)
    without_repos(conf / "demo.conf")
    with open(conf / "demo.conf", "a") as f:
        for name, value in options.items():
            f.write("%s = %r\n" % (name, value))
    return command("punji-init", conf / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                   check=True).stdout.strip()


def read(compose, rel):
    with open(os.path.join(compose, rel)) as f:
        return json.load(f)


def packages(compose, arch="x86_64"):
    return read(compose, "work/%s/pkgset/packages.json" % arch)["packages"]


def pkgset(compose, arch="x86_64"):
    command("punji-pkgset", "--arch", arch, compose, check=True)
    return {"%s.%s" % (p["name"], p["arch"]): p for p in packages(compose, arch)}


def test_latest_builds_across_the_inheritance(koji, tmp_path, demo_copy):
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child")
    found = pkgset(compose)
    assert set(found) == {"kjt-inherited.noarch", "kjt-override.noarch", "kjt-retagged.noarch", "kjt-multi.x86_64",
                          "kjt-multi.i686"}
    assert found["kjt-override.noarch"]["version"] == "2.0"  # the child's own build, not the parent's 3.0
    assert found["kjt-retagged.noarch"]["version"] == "1.0"  # the last tagged, not the highest
    assert found["kjt-inherited.noarch"]["repo"] == "koji tag kj-child"
    for p in found.values():
        assert p["path"].startswith(koji["hub"].root + "/packages/%s/" % p["name"]), p["path"]
        assert p["location"] == os.path.relpath(p["path"], koji["hub"].root)
        assert p["checksum_type"] == "sha256" and p["size"] == os.path.getsize(p["path"])
        assert p["sigkey"] is None
    st = read(compose, "work/x86_64/state/pkgset.json")
    assert st["count"] == 5 and st["koji_event"] == koji["hub"].event and st["reused"] is False
    import createrepo_c

    md = createrepo_c.Metadata()
    md.locate_and_load_xml(os.path.join(compose, "work/x86_64/repo"))
    listed = [md.get(key) for key in md.keys()]  # each package where Koji has it (xml:base), as Pungi's repo
    assert sorted(p.location_base + p.location_href for p in listed) == sorted("file://" + p["path"]
                                                                               for p in found.values())
    # without inheritance only the child's own builds
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-child", pkgset_koji_inherit=False)
    assert set(pkgset(compose)) == {"kjt-override.noarch", "kjt-retagged.noarch", "kjt-multi.x86_64",
                                    "kjt-multi.i686"}


def test_the_x86_64_set_has_i686_rpms_only_when_some_variant_has_multilib_there(koji, tmp_path, demo_copy):
    # Pungi's is_arch_multilib decides which arches an arch's package set holds, whatever the source
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", multilib=[])
    assert set(pkgset(compose)) == {"kjt-inherited.noarch", "kjt-override.noarch", "kjt-retagged.noarch",
                                    "kjt-multi.x86_64"}


def test_each_tags_latest_builds_extra_builds_replacing_and_scratch_tasks_beside(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 makes a package set of each tag (pkgset_koji_builds replacing its builds of their
    # names, scratch task outputs added) and gathers from all of them (found by tools/fuzz-compose-koji)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag=["kj-other", "kj-child"],
                           pkgset_koji_builds=["kjt-extra-1.0-1", "kjt-inherited-1.5-1"],
                           pkgset_koji_scratch_tasks=[str(koji["scratch"])])
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    found = {"%s-%s.%s" % (p["name"], p["version"], p["arch"]): p["repo"] for p in packages(compose)}
    assert found == {"kjt-only-other-1.0.noarch": "koji tag kj-other",
                     "kjt-retagged-0.9.noarch": "koji tag kj-other",  # kj-other's latest
                     "kjt-retagged-1.0.noarch": "koji tag kj-child",  # and kj-child's
                     "kjt-extra-1.0.noarch": "koji build kjt-extra-1.0-1",
                     # the extra build replaces kj-other's 0.5 and kj-base's 1.0
                     "kjt-inherited-1.5.noarch": "koji build kjt-inherited-1.5-1",
                     "kjt-override-2.0.noarch": "koji tag kj-child",
                     # the scratch build beside the tagged one; its aarch64 output left out
                     "kjt-override-9.0.noarch": "koji task %d" % (koji["scratch"] + 1),
                     "kjt-multi-1.0.i686": "koji tag kj-child", "kjt-multi-1.0.x86_64": "koji tag kj-child"}
    assert all("/work/tasks/" in p["path"] for p in packages(compose) if p["version"] == "9.0")
    # the i386 set has no x86_64 packages
    command("punji-pkgset", "--arch", "i386", compose, check=True)
    assert {"%s-%s.%s" % (p["name"], p["version"], p["arch"]) for p in packages(compose, "i386")} \
        == set(found) - {"kjt-multi-1.0.x86_64"}


def test_with_nodeps_everywhere_the_set_holds_only_the_packages_to_gather(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 reads a tag for the names of the comps groups, additional_packages (as written),
    # gather_source_mapping and gather_prepopulate only, when gather_method is "nodeps" and there is
    # no buildinstall_method (found by tools/fuzz-compose-koji: a debuginfo package it leaves out)
    extra = [("^Server$", {"*": ["kjt-multi.i686", "kjt-over*"]}), ("^Client$", {"x86_64": ["kjt-inherited"]})]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", gather_method="nodeps",
                           additional_packages=extra)
    assert set(pkgset(compose)) == {"kjt-multi.i686", "kjt-multi.x86_64", "kjt-inherited.noarch"}
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-child", gather_method="nodeps",
                           additional_packages=extra, buildinstall_method="lorax")
    assert "kjt-override.noarch" in pkgset(compose)


def test_with_nodeps_everywhere_comps_and_mapping_count_on_the_last_compose_arch_only_as_pungi_does(
        koji, tmp_path, demo_copy):
    # Pungi 4.3.2's list of the packages to gather reuses its arch loop variable: additional_packages
    # and gather_prepopulate count on every compose arch, the comps groups and gather_source_mapping on
    # the last (x86_64) alone, a group's packages as the unfiltered comps lists them (found by
    # tools/fuzz-compose-koji --seed 216: a name gather_source_mapping gives i386 alone)
    (tmp_path / "mapping.json").write_text(json.dumps(
        {"Server": {"i386": {"kjt-override": [None]}, "x86_64": {"kjt-multi": ["i686"]}}}))
    group = ('<group%s><id>%s</id><name>%s</name><description>%s</description><default>true</default>'
             '<uservisible>true</uservisible><packagelist>%s</packagelist></group>')
    (tmp_path / "comps.xml").write_text("<comps>%s%s</comps>" % (
        group % ("", "all", "All", "All", '<packagereq arch="i386">kjt-inherited</packagereq>'),
        group % (' arch="i386"', "legacy", "Legacy", "Legacy", "<packagereq>kjt-override</packagereq>")))
    extra = [("^Client$", {"s390x": ["kjt-override"]}), ("^Server$", {"i386": ["kjt-retagged"]})]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", gather_method="nodeps",
                           additional_packages=extra, gather_source_mapping=str(tmp_path / "mapping.json"),
                           comps_file=str(tmp_path / "comps.xml"))
    assert set(pkgset(compose, "i386")) == {"kjt-multi.i686", "kjt-retagged.noarch", "kjt-inherited.noarch"}


def test_with_nodeps_a_binary_named_like_its_build_after_a_taken_one_gets_in_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 walks the tag's RPMs in Koji's order and adds each taken binary's build name to
    # the names it reads: demo-repos, listed after demo-gpg-keys of its build, gets in; demo-gpg-keys,
    # listed first, does not when demo-repos is the name asked for (found by tools/fuzz-compose-koji
    # --seed 909)
    (tmp_path / "comps.xml").write_text(
        "<comps><group><id>other</id><name>Other</name><description>Other</description><default>true</default>"
        "<uservisible>true</uservisible><packagelist><packagereq>kjt-extra</packagereq></packagelist></group></comps>")
    found = []
    for n, name in enumerate(("demo-gpg-keys", "demo-repos")):
        compose = koji_compose(tmp_path / str(n), demo_copy, pkgset_koji_tag="demo", gather_method="nodeps",
                               additional_packages=[("^Server$", {"*": [name]})], comps_file=str(tmp_path / "comps.xml"))
        found.append(set(pkgset(compose)))
    assert found[0] == {"demo-gpg-keys.noarch", "demo-repos.noarch", "demo-repos.src"}
    assert found[1] == {"demo-repos.noarch", "demo-repos.src"}


def test_with_nodeps_an_extra_build_the_tag_has_too_is_walked_twice_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 drops only a tag's other builds of a pkgset_koji_builds build's name: the build
    # itself stays in the tag's list and its RPMs come again after it, so demo-coreutils, listed
    # before the asked demo-coreutils-common that adds its build's name, gets in the second time
    # (found by tools/fuzz-compose-koji --modules --gather, seed 6410: demo-ssh)
    (tmp_path / "comps.xml").write_text(
        "<comps><group><id>other</id><name>Other</name><description>Other</description><default>true</default>"
        "<uservisible>true</uservisible><packagelist><packagereq>kjt-extra</packagereq></packagelist></group></comps>")
    found = []
    for n, extra in enumerate(([], ["demo-coreutils-9.3-4.pdl1"])):
        compose = koji_compose(tmp_path / str(n), demo_copy, pkgset_koji_tag="demo", gather_method="nodeps",
                               additional_packages=[("^Server$", {"*": ["demo-coreutils-common"]})],
                               comps_file=str(tmp_path / "comps.xml"), pkgset_koji_builds=extra)
        found.append(set(pkgset(compose)))
    assert found[0] == {"demo-coreutils-common.noarch", "demo-coreutils.src"}
    assert found[1] == found[0] | {"demo-coreutils.x86_64", "demo-coreutils.i686"}


def test_with_nodeps_a_scratch_task_gives_only_the_names_a_tags_walk_ended_with_as_pungi_does(
        koji, tmp_path, demo_copy):
    # Pungi 4.3.2 lists a scratch task's RPMs after the tag's and reads them by the same names:
    # demo-repos, the build name demo-gpg-keys adds, gets in; kjt-unasked does not (found by
    # tools/fuzz-compose-koji --seed 3012: a scratch build's devel and debuginfo packages)
    (tmp_path / "comps.xml").write_text(
        "<comps><group><id>other</id><name>Other</name><description>Other</description><default>true</default>"
        "<uservisible>true</uservisible><packagelist><packagereq>kjt-extra</packagereq></packagelist></group></comps>")
    task = koji["hub"].add_scratch_task(koji["rpms"]("demo-repos", "9.0") + koji["rpms"]("kjt-unasked", "1.0"))
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="demo", gather_method="nodeps",
                           additional_packages=[("^Server$", {"*": ["demo-gpg-keys"]})],
                           comps_file=str(tmp_path / "comps.xml"), pkgset_koji_scratch_tasks=[str(task)])
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    assert sorted("%s-%s.%s" % (p["name"], p["version"], p["arch"]) for p in packages(compose)) == [
        "demo-gpg-keys-1.noarch", "demo-repos-1.noarch", "demo-repos-1.src", "demo-repos-9.0.noarch"]


def test_nodeps_gathers_every_version_the_set_holds_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2's nodeps method reads the package set itself: a scratch build's package beside
    # the tag's latest of the name, both taken (found by tools/fuzz-compose-koji)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", gather_method="nodeps",
                           additional_packages=[("^Server$", {"*": ["kjt-override"]})],
                           pkgset_koji_scratch_tasks=[str(koji["scratch"])])
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    command("punji-gather", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    taken = read(compose, "work/x86_64/gather/Server.solved.json")["packages"]
    assert sorted(p["nevra"] for p in taken if p["name"] == "kjt-override" and p["category"] == "binary") == [
        "kjt-override-0:2.0-1.noarch", "kjt-override-0:9.0-1.noarch"]


def test_a_scratch_builds_rpm_symlinked_into_a_tree_fails_as_in_pungi(koji, tmp_path, demo_copy):
    # Pungi 4.3.2's linker hard-links a scratch task's RPM, then symlinks over it: File exists
    # (tools/fuzz-compose-koji --gather --comps --outputs, seed 7306); punji symlinked it
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", gather_method="nodeps",
                           additional_packages=[("^Server$", {"*": ["kjt-override"]})], link_type="symlink",
                           pkgset_koji_scratch_tasks=[str(koji["scratch"])])
    done = make(compose, "gather")
    assert done.returncode != 0
    errors = [line for line in done.stdout.splitlines() if line.startswith("punji-gather: error:")]
    assert len(errors) == 1 and "kjt-override-9.0-1.noarch.rpm, a scratch build task's RPM" in errors[0] \
        and "File exists" in errors[0], done.stdout
    assert not [f for _d, _s, files in os.walk(os.path.join(compose, "compose")) for f in files if "kjt-" in f]


@pytest.mark.parametrize("same_file, method", [(True, "nodeps"), (False, "nodeps"), (False, PER_VARIANT_DEPS)])
def test_a_scratch_tasks_rpm_of_a_tagged_nevra_is_linked_beside_the_tags_as_pungi_does(
        koji, tmp_path, demo_copy, same_file, method):
    # Pungi 4.3.2's package set holds both files and its gather lists both: linking the second
    # fails with File exists unless both have one size and mtime (in seconds), as a hard link of
    # the tag's file has and an older copy has not (tools/fuzz-compose-koji --gather --comps
    # --outputs, seed 7336: the tag's signed copy newer); punji took the tag's file alone. The
    # deps method takes the best file of an input (greedy_method "none"): no second file
    unsigned = os.path.join(koji["hub"].root, "packages/kjs-a/1.0/1/noarch/kjs-a-1.0-1.noarch.rpm")
    scratch = unsigned
    if not same_file:
        scratch = str(tmp_path / "kjs-a-1.0-1.noarch.rpm")
        shutil.copy(unsigned, scratch)
        os.utime(scratch, (1e9, 1e9))
    task = koji["hub"].add_scratch_task([scratch])
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unsigned", gather_method=method,
                           additional_packages=[("^Server$", {"*": ["kjs-a"]})],
                           pkgset_koji_scratch_tasks=[str(task)])
    done = make(compose, "gather")
    errors = [line for line in done.stdout.splitlines() if line.startswith("punji-gather: error:")]
    if same_file or method != "nodeps":
        assert done.returncode == 0, done.stdout
        linked = [os.path.join(d, f) for d, _s, files in os.walk(os.path.join(compose, "compose/Server"))
                  for f in files if f.startswith("kjs-a")]
        assert linked and (not same_file or all(os.path.samefile(path, unsigned) for path in linked))
    else:
        assert done.returncode != 0 and len(errors) == 1, done.stdout
        assert "/work/tasks/" in errors[0] and "kjs-a-1.0-1.noarch.rpm: File exists" in errors[0]


def test_nosrc_rpms_in_koji_are_left_out_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 reads source RPMs of arch src only from Koji: the binaries of a nosrc build come
    # without their source package, from a tag or pkgset_koji_builds (found by
    # tools/fidelity-pungi-test-product --koji: dummy-AdobeReader_enu)
    nosrc = os.path.join(DATA, "fidelity", "nosrc")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs",
                    os.path.join(nosrc, "specs"), "--comps", os.path.join(nosrc, "comps.xml"), "--arches", "x86_64",
                    "--out", tmp_path / "repo"], check=True, stdout=subprocess.DEVNULL)
    hub = koji["hub"]
    hub.add_tag("kj-nosrc")
    for b in hub.import_rpms(glob.glob(str(tmp_path / "repo" / "Packages" / "*.rpm"))):
        if b["name"] != "nz-fw":
            hub.tag_build("kj-nosrc", b["nvr"])
    assert {r["arch"] for r in hub.rpms.values() if r["name"] == "nz-fw"} == {"noarch", "nosrc"}
    (fw,) = [b["nvr"] for b in hub.builds.values() if b["name"] == "nz-fw"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-nosrc", pkgset_koji_builds=[fw])
    found = pkgset(compose)
    assert "nz-app.x86_64" in found and "nz-fw.noarch" in found
    assert sorted(p["name"] for p in found.values() if p["arch"] in ("src", "nosrc")) \
        == ["nz-debuginfod-client", "nz-lib", "nz-tools"]


def test_unknown_tag_and_build_are_one_error(koji, tmp_path, demo_copy):
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="no-such-tag")
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "pkgset_koji_tag", "no-such-tag")
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-child", pkgset_koji_builds="nope-1-1")
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "no build nope-1-1")
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))


def test_a_tag_without_a_name_holds_only_the_extra_builds_as_pungi_does(koji, tmp_path, demo_copy):
    # ODCS writes pkgset_koji_tag = "" for a compose of module builds: Pungi 4.3.2 asks Koji nothing
    # for a tag without a name, its package set holding pkgset_koji_builds alone (odcs-modules-shape)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="", pkgset_koji_builds=["kjt-extra-1.0-1"])
    assert {k: p["repo"] for k, p in pkgset(compose).items()} == {"kjt-extra.noarch": "koji build kjt-extra-1.0-1"}
    assert read(compose, "work/x86_64/state/pkgset.json")["koji_tags"] == []
    # beside a named tag: that tag's latest builds, the extra build in both sets
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag=["", "kj-child"],
                           pkgset_koji_builds=["kjt-extra-1.0-1"])
    assert set(pkgset(compose)) == {"kjt-extra.noarch", "kjt-inherited.noarch", "kjt-override.noarch",
                                    "kjt-retagged.noarch", "kjt-multi.x86_64", "kjt-multi.i686"}


def test_the_first_sigkey_koji_has_wins(koji, tmp_path, demo_copy):
    a, b = koji["a"], koji["b"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-signed", sigkeys=[a.upper(), b])
    found = pkgset(compose)
    assert found["kjs-a.noarch"]["sigkey"] == a and "/data/signed/%s/noarch/" % a in found["kjs-a.noarch"]["path"]
    assert found["kjs-b.noarch"]["sigkey"] == b and "/data/signed/%s/noarch/" % b in found["kjs-b.noarch"]["path"]
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-signed", sigkeys=[b, a])
    assert {p["sigkey"] for p in pkgset(compose).values()} == {b}
    # None anywhere in the list allows the unsigned copy only when no key of it signed the RPM: Pungi
    # 4.3.2 looks for every signed copy first (found by tools/fuzz-compose-koji)
    for n, sigkeys in enumerate(([a, None, b], [None, b, a])):
        compose = koji_compose(tmp_path / str(n + 3), demo_copy, pkgset_koji_tag="kj-signed", sigkeys=sigkeys)
        found = pkgset(compose)
        assert found["kjs-a.noarch"]["sigkey"] == [a, b][n]  # the first key that signed it
        assert found["kjs-b.noarch"]["sigkey"] == b and "/data/signed/%s/" % b in found["kjs-b.noarch"]["path"]


def test_a_long_key_id_matches_no_signed_copy_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 looks for data/signed/<the key as written, lower-case>/: a long id ending in a
    # key's short one names no copy Koji writes
    a, b = koji["a"], koji["b"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-signed", sigkeys=["F00DF00D" + a.upper(), b, None])
    found = pkgset(compose)
    assert found["kjs-a.noarch"]["sigkey"] == b and "/data/signed/%s/noarch/" % b in found["kjs-a.noarch"]["path"]
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-signed", sigkeys=["f00df00d" + a, None])
    assert {p["sigkey"] for p in pkgset(compose).values()} == {None}
    assert not any("/data/signed/" in p["path"] for p in pkgset(compose).values())


def test_a_signed_copy_koji_has_not_written_does_not_count(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    signer = Signer(tmp_path / "gpg", "Punji Unwritten Key")
    build = hub.import_rpms(koji["rpms"]("kjs-unwritten", "1.0"))[0]
    hub.add_tag("kj-unwritten")
    hub.tag_build("kj-unwritten", build["nvr"])
    hub.sign(build["nvr"], signer, write=False)
    for profile in (PROFILE, HTTP_PROFILE):
        compose = koji_compose(tmp_path / profile, demo_copy, profile=profile, pkgset_koji_tag="kj-unwritten",
                               sigkeys=[signer.sigkey, None])
        assert pkgset(compose)["kjs-unwritten.noarch"]["sigkey"] is None
        compose = koji_compose(tmp_path / profile / "2", demo_copy, profile=profile, pkgset_koji_tag="kj-unwritten",
                               sigkeys=[signer.sigkey], gather_method=PER_VARIANT_DEPS)
        assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "1 packages are not signed",
                              "kjs-unwritten-0:1.0-1.noarch")


def test_a_header_only_signature_is_chosen_by_its_key_and_listed_without_it(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    signer = Signer(tmp_path / "gpg", "Punji Header Key", rpmv3=False)
    build = hub.import_rpms(koji["rpms"]("kjs-header-only", "1.0"))[0]
    hub.add_tag("kj-header-only")
    hub.tag_build("kj-header-only", build["nvr"])
    hub.sign(build["nvr"], signer)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-header-only", sigkeys=[signer.sigkey])
    found = pkgset(compose)["kjs-header-only.noarch"]
    # the copy signed with the key is taken, but Pungi (kobo) sees no key in a header-only
    # signature and lists the package with sigkey null
    assert "/data/signed/%s/noarch/" % signer.sigkey in found["path"]
    assert read_header(found["path"])["sigkey"] == signer.sigkey
    assert found["sigkey"] is None


def test_unsigned_packages_are_one_error_unless_none_is_allowed(koji, tmp_path, demo_copy):
    a = koji["a"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a],
                           gather_method=PER_VARIANT_DEPS)
    line = assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose),
                                 "1 packages are not signed with any key of sigkeys", "kjs-c-0:1.0-1.noarch")
    assert "kjs-a" not in line
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a, None])
    found = pkgset(compose)
    assert (found["kjs-a.noarch"]["sigkey"], found["kjs-c.noarch"]["sigkey"]) == (a, None)


def test_with_several_tags_the_error_names_the_unsigned_rpms_of_the_first_tag_that_has_some(
        koji, tmp_path, demo_copy):
    # found by tools/fuzz-compose-koji --comps seed 4110: Pungi 4.3.2 populates a package set per
    # tag, in order, and fails on the first one with unsigned RPMs, naming only those
    a = koji["a"]
    for n, (tags, named, left_out) in enumerate([(["kj-unsigned", "kj-child"], "kjs-c-0:1.0-1.noarch", "kjt-"),
                                                 (["kj-child", "kj-unsigned"], "kjt-override-0:2.0", "kjs-c")]):
        compose = koji_compose(tmp_path / str(n), demo_copy, pkgset_koji_tag=tags, sigkeys=[a],
                               gather_method=PER_VARIANT_DEPS)
        line = assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose),
                                     "packages are not signed with any key of sigkeys", named)
        assert left_out not in line


def test_with_no_tree_left_the_source_rpms_are_still_read_and_their_signatures_checked(koji, tmp_path, demo_copy):
    # found by tools/fuzz-compose-koji --seed 1807: tree_variants left no tree; Pungi 4.3.2 still
    # reads the tag's source RPMs and fails on unsigned ones, punji made an empty compose
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="demo", sigkeys=[koji["a"]],
                           gather_method=PER_VARIANT_DEPS, tree_variants=["NoSuchVariant"])
    assert "work/src/state/pkgset.json" in [t["target"] for t in read(compose, "work/global/targets.json")["targets"]]
    done = make(compose)
    assert done.returncode != 0
    assert open(os.path.join(compose, "STATUS")).read().strip() == "DOOMED"
    line = assert_one_line_error(command("punji-pkgset", "--arch", "src", compose),
                                 "packages are not signed with any key of sigkeys", "demo-coreutils-0:9.3-4.pdl1.src")
    assert ".noarch" not in line and ".x86_64" not in line
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="demo", tree_variants=["NoSuchVariant"])
    done = make(compose)
    assert done.returncode == 0, done.stdout
    assert open(os.path.join(compose, "STATUS")).read().strip() == "FINISHED"


def test_with_deps_an_unsigned_rpm_no_variant_asks_for_waits_for_the_gather(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 with gather_method "deps" takes an RPM no key signed unsigned when its name is none
    # it knows the compose takes, and its deps method fails when a variant takes it; a name it
    # knows (additional_packages as written) fails the package set (found by tools/fuzz-compose-koji)
    a = koji["a"]
    extra = [("^Server$", {"*": ["kjs-*"]})]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a], gather_method="deps",
                           additional_packages=extra, check_deps=False)
    found = pkgset(compose)
    assert (found["kjs-a.noarch"]["sigkey"], found["kjs-a.noarch"].get("invalid_sigkey")) == (a, None)
    assert (found["kjs-c.noarch"]["sigkey"], found["kjs-c.noarch"]["invalid_sigkey"]) == (None, True)
    assert "/data/signed/" not in found["kjs-c.noarch"]["path"]
    for uid in ("Server", "Client"):
        command("punji-gather", "--variant", uid, "--arch", "x86_64", compose, check=uid != "Server")
    done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "Server.x86_64: kjs-c-0:1.0-1.noarch not signed with any key of sigkeys")
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a],
                           gather_method="deps", additional_packages=[("^Server$", {"*": ["kjs-c.noarch"]})])
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose),
                          "1 packages are not signed with any key of sigkeys", "kjs-c-0:1.0-1.noarch")


def test_a_key_not_in_sigkeys_does_not_count(koji, tmp_path, demo_copy):
    a, hub = koji["a"], koji["hub"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-late", sigkeys=[a],
                           signed_packages_retries=2, signed_packages_wait=0, gather_method=PER_VARIANT_DEPS)
    signer = Signer(tmp_path / "gpg-late", "Punji Late Key")
    hub.after_call("queryRPMSigs", lambda: hub.sign("kjs-late-1.0-1", signer))
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "kjs-late-0:1.0-1.noarch",
                          "after 2 retries")  # signed, but with a key not in sigkeys
    calls = hub.calls.count("queryRPMSigs")
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-late", sigkeys=[signer.sigkey],
                           signed_packages_retries=0, signed_packages_wait=0)
    assert pkgset(compose)["kjs-late.noarch"]["sigkey"] == signer.sigkey
    assert hub.calls.count("queryRPMSigs") == calls + 1


def test_a_signature_is_retried_until_it_appears(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    signer = Signer(tmp_path / "gpg", "Punji Retry Key")
    build = hub.import_rpms(koji["rpms"]("kjs-retry", "1.0"))[0]
    hub.add_tag("kj-retry")
    hub.tag_build("kj-retry", build["nvr"])
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-retry", sigkeys=[signer.sigkey],
                           signed_packages_retries=3, signed_packages_wait=0)
    hub.after_call("queryRPMSigs", lambda: hub.sign(build["nvr"], signer))
    calls = hub.calls.count("queryRPMSigs")
    assert pkgset(compose)["kjs-retry.noarch"]["sigkey"] == signer.sigkey
    assert hub.calls.count("queryRPMSigs") == calls + 2  # unsigned at the first look, signed at the second


def test_a_rerun_reads_koji_at_the_compose_event(koji, tmp_path, demo_copy):
    """The compose's event is taken once: a rerun keeps its set (nothing to ask Koji), and
    one that reads the tags again (its state gone, or pkgset_allow_reuse = False) reads
    them at that event, not seeing what was tagged since."""
    hub = koji["hub"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-reuse")
    assert set(pkgset(compose)) == {"kjt-reuse.noarch"}
    first = read(compose, "work/x86_64/state/pkgset.json")
    assert read(compose, "work/global/koji-event") == {"id": first["koji_event"], "ts": hub.events[first["koji_event"]]}
    with open(os.path.join(compose, "work/x86_64/pkgset/packages.json"), "rb") as f:
        before = f.read()
    hub.tag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")
    try:
        calls = len(hub.calls)
        assert set(pkgset(compose)) == {"kjt-reuse.noarch"}
        again = read(compose, "work/x86_64/state/pkgset.json")
        assert again["reused"] is True and again["koji_event"] == first["koji_event"] and again["count"] == 1
        assert not {"listTaggedRPMS", "tagChangedSinceEvent", "getLastEvent"} & set(hub.calls[calls:])
        with open(os.path.join(compose, "work/x86_64/pkgset/packages.json"), "rb") as f:
            assert f.read() == before
        os.unlink(os.path.join(compose, "work/x86_64/state/pkgset.json"))
        calls = len(hub.calls)
        assert set(pkgset(compose)) == {"kjt-reuse.noarch"}
        assert "listTaggedRPMS" in hub.calls[calls:] and "getLastEvent" not in hub.calls[calls:]
        assert read(compose, "work/x86_64/state/pkgset.json")["koji_event"] == first["koji_event"]
        # the i386 set, made later, is of the same event
        assert set(pkgset(compose, "i386")) == {"kjt-reuse.noarch"}
        assert read(compose, "work/i386/state/pkgset.json")["koji_event"] == first["koji_event"]
        compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-reuse", pkgset_allow_reuse=False)
        assert set(pkgset(compose)) == {"kjt-reuse.noarch", "kjt-reuse-new.noarch"}
        pkgset(compose)
        assert read(compose, "work/x86_64/state/pkgset.json")["reused"] is False
    finally:
        hub.untag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")


def test_the_next_compose_takes_the_set_over_while_the_tags_do_not_change(koji, tmp_path, demo_copy):
    """A new compose beside a finished one of the same release takes its package set over
    (hard links) when the tags have not changed since its event, and reads them again when
    they have."""
    hub = koji["hub"]
    first = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-reuse")
    assert set(pkgset(first)) == {"kjt-reuse.noarch"}
    with open(os.path.join(first, "STATUS"), "w") as f:
        f.write("FINISHED\n")  # as make would leave it; only STATUS and state files are read

    def next_compose():
        return command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "composes",
                       "--test", check=True).stdout.strip()

    hub.add_tag("kj-elsewhere")
    hub.tag_build("kj-elsewhere", "kjt-reuse-up-1.0-1")  # a change in a tag the set does not read
    second = next_compose()
    calls = len(hub.calls)
    assert set(pkgset(second)) == {"kjt-reuse.noarch"}
    st = read(second, "work/x86_64/state/pkgset.json")
    assert st["reused"] is True and st["reused_from"] == os.path.basename(first)
    assert st["koji_event"] == read(second, "work/global/koji-event")["id"] == hub.event
    assert st["koji_event"] > read(first, "work/x86_64/state/pkgset.json")["koji_event"]
    assert "listTaggedRPMS" not in hub.calls[calls:] and "tagChangedSinceEvent" in hub.calls[calls:]
    assert os.path.samefile(os.path.join(first, "work/x86_64/pkgset/packages.json"),
                            os.path.join(second, "work/x86_64/pkgset/packages.json"))
    hub.tag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")
    try:
        third = next_compose()
        assert set(pkgset(third)) == {"kjt-reuse.noarch", "kjt-reuse-new.noarch"}
        assert read(third, "work/x86_64/state/pkgset.json")["reused"] is False
    finally:
        hub.untag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")


def test_a_package_blocked_between_the_events_makes_the_next_compose_read_the_tags_again(
        koji, tmp_path, demo_copy):
    """Reuse never takes over an output whose inputs differ (issue 12): a package blocked in a
    tag since the old compose's event changes what the tag gives, so the next compose reads the
    tags again and leaves the package out, as a fresh compose does. (Pungi 4.3.2 takes its old
    set over here, asking Koji's history only for builds and inheritance: the known difference
    of the fidelity product odcs-block-shape.)"""
    hub = koji["hub"]
    first = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-reuse")
    assert set(pkgset(first)) == {"kjt-reuse.noarch"}
    with open(os.path.join(first, "STATUS"), "w") as f:
        f.write("FINISHED\n")
    hub.block_package("kj-reuse", "kjt-reuse")
    try:
        second = command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "composes",
                         "--test", check=True).stdout.strip()
        assert set(pkgset(second)) == set()
        assert not read(second, "work/x86_64/state/pkgset.json").get("reused")
        fresh = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-reuse", pkgset_allow_reuse=False)
        assert set(pkgset(fresh)) == set()
    finally:
        hub.unblock_package("kj-reuse", "kjt-reuse")


def test_files_are_downloaded_from_topurl_when_topdir_is_not_readable(koji, tmp_path, demo_copy):
    a = koji["a"]
    compose = koji_compose(tmp_path, demo_copy, profile=HTTP_PROFILE, pkgset_koji_tag="kj-http", sigkeys=[a, None],
                           pkgset_allow_reuse=False)
    found = pkgset(compose)
    cache = os.path.join(compose, "work/x86_64/pkgset/cache")
    signed = found["kjs-a.noarch"]
    assert signed["path"] == os.path.join(cache, signed["location"]) and signed["sigkey"] == a
    assert "data/signed/%s/noarch/kjs-a-1.0-1.noarch.rpm" % a in signed["location"]
    assert found["kjs-c.noarch"]["path"].startswith(cache + "/packages/kjs-c/")
    # a damaged cached copy is downloaded again
    with open(signed["path"], "r+b") as f:
        f.seek(200)
        f.write(b"\0" * 64)
    assert pkgset(compose)["kjs-a.noarch"]["sigkey"] == a
    original = os.path.join(koji["hub"].root, signed["location"])
    with open(signed["path"], "rb") as f, open(original, "rb") as g:
        assert f.read() == g.read()


def test_a_damaged_file_in_koji_is_one_error(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    build = hub.import_rpms(koji["rpms"]("kjt-damaged", "1.0"))[0]
    hub.add_tag("kj-damaged")
    hub.tag_build("kj-damaged", build["nvr"])
    path = os.path.join(hub.build_dir(build), "noarch", "kjt-damaged-1.0-1.noarch.rpm")
    os.unlink(path)
    shutil.copy(koji["rpms"]("kjt-damaged", "1.1")[0], path)  # another file under the name
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-damaged")
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), path,
                          "header says kjt-damaged-0:1.1-1.noarch", "koji says kjt-damaged-0:1.0-1.noarch")


def test_a_hub_that_is_offline_for_a_while_is_retried(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child")
    hub.fail_next(2)  # the profile allows 2 retries
    assert "kjt-override.noarch" in pkgset(compose)
    hub.fail_next(100)
    try:
        done = command("punji-pkgset", "--arch", "x86_64", compose)
    finally:
        hub.fail_next(0)
    assert_one_line_error(done, "koji hub http://127.0.0.1:", "failed after 3 tries", "offline")


def test_demo_from_koji_gathers_like_demo_from_repos(koji, tmp_path, demo_copy, demo_repo):
    composes = {}
    for source in ("repos", "koji"):
        copy = tmp_path / ("demo-" + source)
        shutil.copytree(demo_copy, copy)
        if source == "repos":
            composes[source] = command("punji-init", copy / "demo.conf", "--target-dir", tmp_path / source, "--test",
                                       check=True).stdout.strip()
        else:
            composes[source] = koji_compose(tmp_path / source, copy, pkgset_koji_tag="demo")
        done = make(composes[source], "gather")
        assert done.returncode == 0, done.stdout
    for arch in ("x86_64", "i386"):
        repos, kojis = packages(composes["repos"], arch), packages(composes["koji"], arch)
        assert [p["nevra"] for p in kojis] == [p["nevra"] for p in repos]
        assert [p["checksum"] for p in kojis] == [p["checksum"] for p in repos]
        gathered = sorted(os.listdir(os.path.join(composes["repos"], "work", arch, "gather")))
        assert gathered and gathered == sorted(os.listdir(os.path.join(composes["koji"], "work", arch, "gather")))
        for name in gathered:
            if not name.endswith(".json") or name.endswith(".solved.json"):
                continue
            want, got = (read(c, "work/%s/gather/%s" % (arch, name)) for c in (composes["repos"], composes["koji"]))
            assert sorted((p["nevra"], p["category"], p["file"]) for p in got["packages"]) == \
                sorted((p["nevra"], p["category"], p["file"]) for p in want["packages"])
    trees = {}
    for source, compose in composes.items():
        top = os.path.join(compose, "compose")
        trees[source] = sorted(os.path.relpath(os.path.join(d, f), top) for d, _dirs, files in os.walk(top)
                               for f in files if f.endswith(".rpm"))
    assert trees["koji"] and trees["koji"] == trees["repos"]


def _names(compose, arch="x86_64"):
    return {"%s.%s" % (p["name"], p["arch"]) for p in packages(compose, arch)}


def test_a_pinned_event_hides_what_was_tagged_later(koji, tmp_path, demo_copy):
    hub, rpms = koji["hub"], koji["rpms"]
    hub.add_tag("kj-pinned")
    early, late = hub.import_rpms(rpms("kjt-pin-early", "1.0") + rpms("kjt-pin-late", "1.0"))
    hub.tag_build("kj-pinned", early["nvr"])
    pinned = hub.event
    hub.tag_build("kj-pinned", late["nvr"])
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-pinned", koji_event=pinned)
    done = make(compose, "work/x86_64/state/pkgset.json", "work/i386/state/pkgset.json")
    assert done.returncode == 0, done.stdout
    assert _names(compose) == _names(compose, "i386") == {"kjt-pin-early.noarch"}
    assert read(compose, "work/global/koji-event") == {"id": pinned, "ts": hub.events[pinned]}
    assert read(compose, "work/x86_64/state/pkgset.json")["koji_event"] == pinned
    # a resumed make (the set's state gone, as after a failure) asks Koji again, at the same event
    os.unlink(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    calls = len(hub.calls)
    done = make(compose, "work/x86_64/state/pkgset.json")
    assert done.returncode == 0, done.stdout
    assert "listTaggedRPMS" in hub.calls[calls:]
    assert _names(compose) == {"kjt-pin-early.noarch"}
    # --koji-event beats the option; it may name a compose whose event to take
    conf = tmp_path / "conf" / "demo.conf"
    later = command("punji-init", conf, "--target-dir", tmp_path / "later", "--test", "--koji-event", hub.event,
                    check=True).stdout.strip()
    assert read(later, "work/global/compose-request.json")["koji_event"] == hub.event
    assert set(pkgset(later)) == {"kjt-pin-early.noarch", "kjt-pin-late.noarch"}
    same = command("punji-init", conf, "--target-dir", tmp_path / "same", "--test", "--koji-event", compose,
                   check=True).stdout.strip()
    assert set(pkgset(same)) == {"kjt-pin-early.noarch"}
    assert read(same, "work/global/koji-event")["id"] == pinned


def test_without_a_pin_every_arch_reads_the_event_of_the_first(koji, tmp_path, demo_copy):
    hub, rpms = koji["hub"], koji["rpms"]
    hub.add_tag("kj-unpinned")
    early, late = hub.import_rpms(rpms("kjt-unpin-early", "1.0") + rpms("kjt-unpin-late", "1.0"))
    hub.tag_build("kj-unpinned", early["nvr"])
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unpinned")
    assert set(pkgset(compose)) == {"kjt-unpin-early.noarch"}
    event = read(compose, "work/global/koji-event")["id"]
    hub.tag_build("kj-unpinned", late["nvr"])
    assert set(pkgset(compose, "i386")) == {"kjt-unpin-early.noarch"}
    assert read(compose, "work/i386/state/pkgset.json")["koji_event"] == event < hub.event


def test_a_bad_event_is_one_error(koji, tmp_path, demo_copy):
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", koji_event=99999)
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "koji event 99999",
                          "koji_event", "getEvent")
    assert not os.path.exists(os.path.join(compose, "work/global/koji-event"))
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    done = command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "2", "--test",
                   "--koji-event", tmp_path / "no-compose")
    assert_one_line_error(done, "--koji-event", "no-compose is neither an event id nor a compose directory")
    assert not os.path.exists(tmp_path / "2")
    # punji-compose passes --koji-event on (it beats the option's 99999)
    done = command("punji-compose", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "3", "--test",
                   "--koji-event", "99998", "-j", "2")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    last = done.stderr.splitlines()[-1]  # make's output comes before it
    assert last.startswith("punji-compose: error: compose DOOMED: pkgset") and "koji event 99998" in last, last
    assert read(done.stdout.strip(), "work/global/compose-request.json")["koji_event"] == 99998


def _cached(cache):
    """The files in the download cache CACHE by path relative to it (lock files left out)."""
    return sorted(os.path.relpath(os.path.join(d, f), cache) for d, _dirs, names in os.walk(cache)
                  for f in names if not f.endswith(".lock"))


def test_composes_share_the_koji_cache(koji, tmp_path, demo_copy):
    """Several package sets at once (two composes, two arches) download into one koji_cache:
    each file once, laid out as in Koji's storage, intact."""
    hub, files = koji["hub"], koji["files"]
    cache = tmp_path / "koji-cache"
    composes = [koji_compose(tmp_path / str(i), demo_copy, profile=HTTP_PROFILE, pkgset_koji_tag="demo",
                             koji_cache=str(cache)) for i in (1, 2)]
    before = dict(files.gets)
    runs = [subprocess.Popen([os.path.join(BIN, "punji-pkgset"), "--arch", arch, compose], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for compose in composes for arch in ("x86_64", "i386")]
    for run in runs:
        _out, err = run.communicate()
        assert run.returncode == 0, err
    cached = _cached(cache)
    assert cached and all(c.startswith("packages/") for c in cached)
    assert not [c for c in cached if c.endswith(".part")]
    for rel in cached:
        assert files.gets.get(rel, 0) - before.get(rel, 0) == 1, rel
        with open(cache / rel, "rb") as f, open(os.path.join(hub.root, rel), "rb") as g:
            assert f.read() == g.read(), rel
    for compose in composes:
        records = packages(compose)
        assert records and {r["location"] for r in records} <= set(cached)
        assert all(r["path"] == os.path.join(cache, r["location"]) for r in records)
        own = os.path.join(compose, "work/x86_64/pkgset/cache")  # the solver's .solv files only
        assert not os.path.exists(own) or os.listdir(own) == ["solv"]


def test_a_damaged_file_in_the_koji_cache_is_downloaded_again(koji, tmp_path, demo_copy):
    a, files, hub = koji["a"], koji["files"], koji["hub"]
    cache = tmp_path / "koji-cache"
    options = dict(profile=HTTP_PROFILE, pkgset_koji_tag="kj-http", sigkeys=[a, None])
    first = koji_compose(tmp_path, demo_copy, koji_cache="../koji-cache", **options)  # from the config's directory
    found = pkgset(first)
    signed, unsigned = found["kjs-a.noarch"]["location"], found["kjs-c.noarch"]["location"]
    assert signed.endswith("data/signed/%s/noarch/kjs-a-1.0-1.noarch.rpm" % a)
    assert _cached(cache) == sorted([signed, unsigned])
    # damage the payload of one (its header still right), cut the other short
    with open(cache / signed, "r+b") as f:
        f.seek(-4, os.SEEK_END)
        f.write(b"\0" * 4)
    assert read_header(str(cache / signed))["sigkey"] == a
    with open(cache / unsigned, "r+b") as f:
        f.truncate(os.path.getsize(cache / unsigned) - 1000)
    before = dict(files.gets)
    second = koji_compose(tmp_path / "2", demo_copy, pkgset_allow_reuse=False, koji_cache=str(cache), **options)
    found = pkgset(second)
    assert (found["kjs-a.noarch"]["sigkey"], found["kjs-c.noarch"]["sigkey"]) == (a, None)
    for rel in (signed, unsigned):
        assert files.gets[rel] - before.get(rel, 0) == 1, rel
        with open(cache / rel, "rb") as f, open(os.path.join(hub.root, rel), "rb") as g:
            assert f.read() == g.read(), rel
        assert os.stat(cache / rel).st_mode & 0o044 == 0o044  # readable by the other users of the cache
    assert _cached(cache) == sorted([signed, unsigned])


def test_a_download_cut_short_is_one_error_and_leaves_nothing(koji, tmp_path, demo_copy):
    files, hub, rpms = koji["files"], koji["hub"], koji["rpms"]
    (build,) = hub.import_rpms(rpms("kjt-cut", "1.0"))
    hub.add_tag("kj-cut")
    hub.tag_build("kj-cut", build["nvr"])
    rel = "packages/kjt-cut/1.0/1/noarch/kjt-cut-1.0-1.noarch.rpm"
    cache = tmp_path / "koji-cache"
    compose = koji_compose(tmp_path, demo_copy, profile=HTTP_PROFILE, pkgset_koji_tag="kj-cut",
                           koji_cache=str(cache))
    files.cut.add(rel)
    try:
        done = command("punji-pkgset", "--arch", "x86_64", compose)
    finally:
        files.cut.discard(rel)
    assert_one_line_error(done, rel, "failed after 3 tries", "connection was closed after")
    assert files.gets[rel] == 3
    assert _cached(cache) == []
    assert set(pkgset(compose)) == {"kjt-cut.noarch"}
    assert _cached(cache) == [rel]


def test_the_hub_hides_blocked_packages_and_answers_task_ids_as_strings(koji):
    # what tools/fuzz-compose-koji's fixtures use: koji block-pkg/unblock-pkg, a scratch task's result
    hub = koji["hub"]
    hub.add_tag("kj-block-base")
    hub.add_tag("kj-block-child", parents=["kj-block-base"])
    (build,) = hub.import_rpms(koji["rpms"]("kjt-blocked", "1.0"))
    hub.tag_build("kj-block-base", build["nvr"])

    def names(tag):
        return [b["name"] for b in hub.listTaggedRPMS(tag, inherit=True, latest=True)[1]]

    before = hub.event
    hub.block_package("kj-block-base", "kjt-blocked")
    assert names("kj-block-base") == names("kj-block-child") == []
    assert hub.tagChangedSinceEvent(before, [hub.getTag("kj-block-base")["id"]])
    hub.unblock_package("kj-block-child", "kjt-blocked")  # the nearer tag's entry wins
    assert (names("kj-block-base"), names("kj-block-child")) == ([], ["kjt-blocked"])
    assert names("kj-block-child") == [b["name"] for b in hub.listTaggedRPMS(
        "kj-block-child", event=hub.event, inherit=True, latest=True)[1]]
    assert hub.listTaggedRPMS("kj-block-child", event=before + 1, inherit=True, latest=True)[1] == []
    child = hub.getTaskChildren(str(koji["scratch"]))[0]["id"]
    result = hub.getTaskResult(str(child))
    assert result["rpms"] == ["tasks/%d/%d/kjt-override-9.0-1.noarch.rpm" % (child % 10000, child),
                              "tasks/%d/%d/kjt-scratch-foreign-1.0-1.aarch64.rpm" % (child % 10000, child)]


def test_of_two_extra_builds_of_one_name_the_last_listed_replaces_the_other(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 keeps one build of each name of pkgset_koji_builds, the last (tools/fuzz-compose-koji
    # --modules --seed 5202)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child",
                           pkgset_koji_builds=["kjt-inherited-1.5-1", "kjt-inherited-1.0-1"])
    assert pkgset(compose)["kjt-inherited.noarch"]["version"] == "1.0"


TINY_VARIANTS = """<?xml version="1.0" encoding="UTF-8"?>
<variants>
  <variant id="Tiny" name="Tiny" type="variant"><arches><arch>x86_64</arch></arches>
    <groups><group default="true">tiny</group></groups></variant>
</variants>
"""
TINY_COMPS = """<?xml version="1.0" encoding="UTF-8"?>
<comps>
  <group><id>tiny</id><name>Tiny</name><description/><default>true</default><uservisible>true</uservisible>
    <packagelist><packagereq type="mandatory">demo-setup</packagereq></packagelist></group>
</comps>
"""


def test_with_two_tags_the_gather_reads_each_tags_set_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 gives its gather a repo of each tag's package set: a build both tags hold is in
    # its sack twice, and which copy its solver takes follows its sets of hawkey packages (by
    # solvable id). Here the fulltree step then sees no multilib package of demo-kmod as taken
    # (the input came in as the second set's copy) and pulls the native ones; with one set it
    # pulls demo-kmod.i686 (fuzz-compose-koji seed 7111; its Pungi's sets come in the order its
    # threads make them, the tags' order when each has 500 files or more). The answers are
    # Pungi's solver's on these package sets' repos.
    koji["hub"].add_tag("kj-twin", parents=["demo"])
    (demo_copy / "tiny.xml").write_text(TINY_VARIANTS)
    (demo_copy / "tiny-comps.xml").write_text(TINY_COMPS)
    options = dict(variants_file="tiny.xml", comps_file="tiny-comps.xml", gather_fulltree=True,
                   multilib=[("^Tiny$", {"x86_64": ["runtime"]})], multilib_whitelist={"*": ["demo-kmod-devel"]},
                   additional_packages=[("^Tiny$", {"x86_64": ["demo-kmod-devel.+"]})])
    taken = {}
    for tags in (["demo"], ["demo", "kj-twin"]):
        compose = koji_compose(tmp_path / str(len(tags)), demo_copy, pkgset_koji_tag=tags, **options)
        command("punji-pkgset", "--arch", "x86_64", compose, check=True)
        command("punji-gather", "--variant", "Tiny", "--arch", "x86_64", compose, check=True)
        solved = read(compose, "work/x86_64/gather/Tiny.solved.json")["packages"]
        binaries = [p["nevra"] for p in solved if p["category"] == "binary"]
        assert len(binaries) == len(set(binaries))  # a package both sets hold is listed once
        taken[len(tags)] = {nevra for nevra in binaries if nevra.startswith("demo-kmod")}
        sets = os.path.join(compose, "work/x86_64/pkgset/sets")
        if len(tags) == 2:
            assert sorted(os.listdir(sets)) == ["0", "1"]
        else:
            assert not os.path.exists(sets)
    assert taken[1] == {"demo-kmod-0:31-2.pdl1.i686", "demo-kmod-devel-0:31-2.pdl1.i686",
                        "demo-kmod-libs-0:31-2.pdl1.i686"}
    assert taken[2] == {"demo-kmod-0:31-2.pdl1.x86_64", "demo-kmod-devel-0:31-2.pdl1.i686",
                        "demo-kmod-devel-0:31-2.pdl1.x86_64", "demo-kmod-libs-0:31-2.pdl1.i686",
                        "demo-kmod-libs-0:31-2.pdl1.x86_64"}
