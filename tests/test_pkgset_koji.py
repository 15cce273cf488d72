"""punji-pkgset with pkgset_source = "koji", against the local Koji test hub (koji_pkgset_hub):
what a package set holds (latest builds across inheritance, extra builds, scratch tasks, nodeps'
walks, nosrc, several tags)."""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, assert_one_line_error, command, make, read_json
from koji_pkgset_hub import koji  # noqa: F401 (the fixture the tests take)
from koji_pkgset_hub import PER_VARIANT_DEPS, koji_compose, packages, pkgset


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
    st = read_json(compose, "work/x86_64/state/pkgset.json")
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


def other_group_comps(tmp_path):
    """TMP_PATH/comps.xml: one default group, whose one package is kjt-extra."""
    path = tmp_path / "comps.xml"
    path.write_text(
        "<comps><group><id>other</id><name>Other</name><description>Other</description><default>true</default>"
        "<uservisible>true</uservisible><packagelist><packagereq>kjt-extra</packagereq></packagelist></group></comps>")
    return str(path)


def test_with_nodeps_a_binary_named_like_its_build_after_a_taken_one_gets_in_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 walks the tag's RPMs in Koji's order and adds each taken binary's build name to
    # the names it reads: demo-repos, listed after demo-gpg-keys of its build, gets in; demo-gpg-keys,
    # listed first, does not when demo-repos is the name asked for (found by tools/fuzz-compose-koji
    # --seed 909)
    comps = other_group_comps(tmp_path)
    found = []
    for n, name in enumerate(("demo-gpg-keys", "demo-repos")):
        compose = koji_compose(tmp_path / str(n), demo_copy, pkgset_koji_tag="demo", gather_method="nodeps",
                               additional_packages=[("^Server$", {"*": [name]})], comps_file=comps)
        found.append(set(pkgset(compose)))
    assert found[0] == {"demo-gpg-keys.noarch", "demo-repos.noarch", "demo-repos.src"}
    assert found[1] == {"demo-repos.noarch", "demo-repos.src"}


def test_with_nodeps_an_extra_build_the_tag_has_too_is_walked_twice_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 drops only a tag's other builds of a pkgset_koji_builds build's name: the build
    # itself stays in the tag's list and its RPMs come again after it, so demo-coreutils, listed
    # before the asked demo-coreutils-common that adds its build's name, gets in the second time
    # (found by tools/fuzz-compose-koji --modules --gather, seed 6410: demo-ssh)
    comps = other_group_comps(tmp_path)
    found = []
    for n, extra in enumerate(([], ["demo-coreutils-9.3-4.pdl1"])):
        compose = koji_compose(tmp_path / str(n), demo_copy, pkgset_koji_tag="demo", gather_method="nodeps",
                               additional_packages=[("^Server$", {"*": ["demo-coreutils-common"]})],
                               comps_file=comps, pkgset_koji_builds=extra)
        found.append(set(pkgset(compose)))
    assert found[0] == {"demo-coreutils-common.noarch", "demo-coreutils.src"}
    assert found[1] == found[0] | {"demo-coreutils.x86_64", "demo-coreutils.i686"}


def test_with_nodeps_a_scratch_task_gives_only_the_names_a_tags_walk_ended_with_as_pungi_does(
        koji, tmp_path, demo_copy):
    # Pungi 4.3.2 lists a scratch task's RPMs after the tag's and reads them by the same names:
    # demo-repos, the build name demo-gpg-keys adds, gets in; kjt-unasked does not (found by
    # tools/fuzz-compose-koji --seed 3012: a scratch build's devel and debuginfo packages)
    comps = other_group_comps(tmp_path)
    task = koji["hub"].add_scratch_task(koji["rpms"]("demo-repos", "9.0") + koji["rpms"]("kjt-unasked", "1.0"))
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="demo", gather_method="nodeps",
                           additional_packages=[("^Server$", {"*": ["demo-gpg-keys"]})],
                           comps_file=comps, pkgset_koji_scratch_tasks=[str(task)])
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
    taken = read_json(compose, "work/x86_64/gather/Server.solved.json")["packages"]
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
    assert read_json(compose, "work/x86_64/state/pkgset.json")["koji_tags"] == []
    # beside a named tag: that tag's latest builds, the extra build in both sets
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag=["", "kj-child"],
                           pkgset_koji_builds=["kjt-extra-1.0-1"])
    assert set(pkgset(compose)) == {"kjt-extra.noarch", "kjt-inherited.noarch", "kjt-override.noarch",
                                    "kjt-retagged.noarch", "kjt-multi.x86_64", "kjt-multi.i686"}


def test_without_a_tag_neither_extra_builds_nor_scratch_tasks_are_read_as_pungi(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 adds pkgset_koji_builds and pkgset_koji_scratch_tasks to the package set of each
    # tag of pkgset_koji_tag: without a tag it reads neither and its package set is empty (found
    # composing a tools/fuzz-compose-koji --tags case without its tag)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_builds=["kjt-extra-1.0-1"],
                           pkgset_koji_scratch_tasks=[str(koji["scratch"])])
    done = command("punji-pkgset", "--arch", "x86_64", compose)
    assert done.returncode == 0, done.stderr
    assert packages(compose) == []
    log = open(os.path.join(compose, "logs/x86_64/pkgset.log")).read()
    assert "not read without pkgset_koji_tag" in log and "the package set is empty" in log
    # nor any of them without module builds: an empty package set, as Pungi's
    compose = koji_compose(tmp_path / "2", demo_copy)
    assert pkgset(compose) == {}


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
            want, got = (read_json(c, "work/%s/gather/%s" % (arch, name)) for c in (composes["repos"], composes["koji"]))
            assert sorted((p["nevra"], p["category"], p["file"]) for p in got["packages"]) == \
                sorted((p["nevra"], p["category"], p["file"]) for p in want["packages"])
    trees = {}
    for source, compose in composes.items():
        top = os.path.join(compose, "compose")
        trees[source] = sorted(os.path.relpath(os.path.join(d, f), top) for d, _dirs, files in os.walk(top)
                               for f in files if f.endswith(".rpm"))
    assert trees["koji"] and trees["koji"] == trees["repos"]


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
        solved = read_json(compose, "work/x86_64/gather/Tiny.solved.json")["packages"]
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
