"""punji-depsolve: Pungi's gather rules on small repos of real RPMs.

The repos are built once per session from tests/data/solver (see the table in
tests/data/README.md): build/solver-repo (with comps), the lookaside repo
build/solver-lookaside-repo and build/solver-updates-repo.  Every test runs
the installed console script with --request FILE and checks package file
basenames of the answer.
"""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import BIN, assert_one_line_error, command, http_server

VR = "1.0-1.pdl1"
PROG = "punji-depsolve"


def files(*names, vr=VR):
    """{"gx.x86_64", "gx.src"} -> {"gx-1.0-1.pdl1.x86_64.rpm", "gx-1.0-1.pdl1.src.rpm"}."""
    out = set()
    for name_arch in names:
        name, arch = name_arch.rsplit(".", 1)
        out.add("%s-%s.%s.rpm" % (name, vr, arch))
    return out


def nevra(name_arch, epoch=0, vr=VR):
    name, arch = name_arch.rsplit(".", 1)
    return "%s-%d:%s.%s" % (name, epoch, vr, arch)


class Answer:
    def __init__(self, data, stderr):
        self.data = data
        self.stderr = stderr

    def __getitem__(self, key):
        return self.data[key]

    def names(self, key):
        return {os.path.basename(p) for p in self.data[key]}

    @property
    def rpm(self):
        return self.names("rpm")

    @property
    def srpm(self):
        return self.names("srpm")

    @property
    def debuginfo(self):
        return self.names("debuginfo")

    def path(self, basename):
        """The answer path (in any of the lists) whose basename is BASENAME."""
        found = [p for key in ("rpm", "srpm", "debuginfo") for p in self.data[key]
                 if os.path.basename(p) == basename]
        assert len(found) == 1, (basename, self.data)
        return found[0]

    def why(self, basename):
        return self.data["explain"][self.path(basename)]

    def warnings(self):
        return [line for line in self.stderr.splitlines() if line.startswith(PROG + ": warning: ")]


@pytest.fixture
def run(tmp_path):
    """run(request_dict, *args) -> CompletedProcess of punji-depsolve --request FILE."""
    counter = [0]

    def run(request, *args):
        counter[0] += 1
        path = tmp_path / ("request-%d.json" % counter[0])
        path.write_text(request if isinstance(request, str) else json.dumps(request))
        return command(PROG, "--request", path, *args)
    return run


@pytest.fixture
def solve(run, solver_repo):
    """solve(explain=False, **request) -> Answer; repos/arch default to the main solver repo, x86_64."""
    def solve(explain=False, **request):
        request.setdefault("repos", [solver_repo])
        request.setdefault("arch", "x86_64")
        done = run(request, *(["--explain"] if explain else []))
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return Answer(json.loads(done.stdout), done.stderr)
    return solve


# ---------------------------------------------------------------- answer format

def test_answer_keys_sorted_lists_and_paths(solve, solver_repo):
    a = solve(packages=["greedy-user", "dbg", "unres", "unres-ver", "nosuchpkg", "dbg.+"])
    assert set(a.data) == {"rpm", "srpm", "debuginfo", "missing", "unresolved"}
    for key in ("rpm", "srpm", "debuginfo", "missing"):
        assert a[key] == sorted(a[key]), key
    assert a.rpm == files("greedy-user.x86_64", "gx.x86_64", "dbg.x86_64", "dbg.i686", "unres.x86_64",
                          "unres-ver.x86_64")
    for key in ("rpm", "srpm", "debuginfo"):
        assert a[key]
        for path in a[key]:
            assert path == os.path.join(solver_repo, "Packages", os.path.basename(path))
            assert os.path.isfile(path)
    assert all(p.endswith(".src.rpm") for p in a["srpm"])
    assert not any(p.endswith(".src.rpm") for p in a["rpm"] + a["debuginfo"])
    assert a["unresolved"] == sorted(a["unresolved"], key=lambda u: (u["package"], u["requires"]))


def test_http_repos_answer_urls(run, solver_repo, tmp_path):
    with http_server(solver_repo) as url:
        done = run({"repos": [url], "arch": "x86_64", "packages": ["gx"]}, "--cache", tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["rpm"] == [url + "Packages/gx-1.0-1.pdl1.x86_64.rpm"]
    assert answer["srpm"] == [url + "Packages/gx-1.0-1.pdl1.src.rpm"]


def test_request_from_stdin(solver_repo):
    request = json.dumps({"repos": [solver_repo], "arch": "x86_64", "packages": ["gx"]})
    done = subprocess.run([os.path.join(BIN, PROG)], input=request, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    assert [os.path.basename(p) for p in json.loads(done.stdout)["rpm"]] == ["gx-1.0-1.pdl1.x86_64.rpm"]


def test_empty_request_gives_empty_answer(solve):
    a = solve()
    assert a.data == {"rpm": [], "srpm": [], "debuginfo": [], "missing": [], "unresolved": []}


# ---------------------------------------------------------------- requested packages (rule 3)

def test_name_takes_native_arch_and_its_source(solve):
    a = solve(packages=["gx"])
    assert a.rpm == files("gx.x86_64")
    assert a.srpm == files("gx.src")
    assert a.debuginfo == set()


def test_glob_on_names(solve):
    a = solve(packages=["g[xy]*"])
    assert a.rpm == files("gx.x86_64", "gx-extra.x86_64", "gy-long.x86_64")
    # the source of gy-long is found through its sourcerpm: gy, not gy-long
    assert a.srpm == files("gx.src", "gy.src")


def test_globs_match_as_dnfs_do(solve):
    # hawkey's name globs are glibc's fnmatch(): [^...] negates, a backslash escapes, [[:alpha:]]
    # names a class; a pattern without *, ? or [ is a name ("m\\lx64" is none)
    assert solve(packages=["g[^xr]*", "m\\lx6*", "m\\lx64", "b[[:alpha:]]mp"], nodeps=True).rpm == \
        files("gy-long.x86_64", "gz-noarch.noarch", "mlx64.x86_64", "bump.x86_64")
    assert solve(packages=["g*", "-g[^x]*", "-gx-[[:lower:]]xtra"], nodeps=True).rpm == files("gx.x86_64")
    assert solve(packages=["mla", "mld-devel", "mld-static"], multilib_methods=["devel"], multilib_whitelist=["ml[^d]*"],
                 multilib_blacklist=["m\\ld-s*"], nodeps=True).rpm == \
        files("mla.x86_64", "mla.i686", "mld-devel.x86_64", "mld-devel.i686", "mld-static.x86_64")


def test_name_without_native_package_takes_multilib_arch(solve):
    assert solve(packages=["only32"]).rpm == files("only32.i686")


def test_noarch_name(solve):
    assert solve(packages=["gz-noarch"]).rpm == files("gz-noarch.noarch")


def test_missing_patterns_and_groups(solve):
    a = solve(packages=["nosuchpkg", "nosuch*", "mlx64.i686"], groups=["nogroup"])
    assert a["missing"] == ["@nogroup", "mlx64.i686", "nosuch*", "nosuchpkg"]
    assert a.rpm == set()
    assert len(a.warnings()) == 4, a.stderr


def test_debug_package_requested_by_name_goes_to_debuginfo(solve):
    a = solve(packages=["dbg-debuginfo"])
    assert a.debuginfo == files("dbg-debuginfo.x86_64")
    assert a.rpm == set()


def test_debug_provider_of_a_binary_requirement_is_rpm_and_debuginfo_as_pungi_does(solve, solver_fuzz_repo):
    """Pungi keeps one provider per requirement for binary and debug packages alike: the debug
    package chosen for dcm-debuginfo's dcm-symbols becomes dcm's provider once fulltree brings dcm,
    and is in both lists. Asked for dcm first, no binary package provides it (unresolved)."""
    later = solve(explain=True, repos=[solver_fuzz_repo], packages=["dcm-debuginfo", "dcm-extra"], fulltree=True)
    assert later.rpm == files("dcm.x86_64", "dcm-extra.x86_64", "dcm-debuginfo-common.x86_64")
    assert later.debuginfo == files("dcm-debuginfo.x86_64", "dcm-debuginfo-common.x86_64")
    (common,) = [p for p in later.data["debuginfo"] if "-common-" in p]
    assert common in later.data["rpm"]
    assert later.data["explain"][common]["by"] == "dcm-debuginfo-0:1.0-1.pdl1.x86_64"
    first = solve(repos=[solver_fuzz_repo], packages=["dcm", "dcm-debuginfo"])
    assert first.rpm == files("dcm.x86_64")
    assert first.debuginfo == files("dcm-debuginfo.x86_64", "dcm-debuginfo-common.x86_64")
    assert first["unresolved"] == [{"package": "dcm-0:1.0-1.pdl1.x86_64", "requires": "dcm-symbols"}]


def test_i386_tree_has_no_x86_64_packages(solve):
    # i686: the arch Pungi's gather gives its solver for an i386 tree
    a = solve(arch="i686", packages=["gx", "greedy-user", "mlx64", "nalib"], multilib_methods=["all"])
    assert a.rpm == files("gx.i686", "greedy-user.i686", "nalib.i686")
    assert a["missing"] == ["mlx64"]


# ---------------------------------------------------------------- dependencies and greedy (rule 5)

GREEDY = {
    "none": {"gx"},
    "build": {"gx", "gx-extra"},
    "all": {"gx", "gx-extra", "gy-long", "gz-noarch"},
}


def test_greedy_defaults_to_none(solve):
    assert solve(packages=["greedy-user"]).rpm == files("greedy-user.x86_64", "gx.x86_64")


def test_greedy_on_i386_tree(solve):
    assert solve(arch="i686", packages=["greedy-user"], greedy="build").rpm == \
        files("greedy-user.i686", "gx.i686", "gx-extra.i686")


def test_requires_explained_with_capability(solve):
    a = solve(packages=["greedy-user", "ft"], explain=True)
    assert a.rpm == files("greedy-user.x86_64", "gx.x86_64", "ft.x86_64", "ft-libs.x86_64")
    assert a.why("gx-%s.x86_64.rpm" % VR) == {"reason": "requires", "by": nevra("greedy-user.x86_64"),
                                              "capability": "greedy-cap"}
    assert a.why("ft-libs-%s.x86_64.rpm" % VR) == {"reason": "requires", "by": nevra("ft.x86_64"),
                                                   "capability": "libft.so.1()(64bit)"}
    assert a.why("greedy-user-%s.x86_64.rpm" % VR) == {"reason": "requested", "pattern": "greedy-user"}


def test_other_arch_class_when_native_has_no_provider(solve):
    a = solve(packages=["needs32"])
    assert a.rpm == files("needs32.x86_64", "only32.i686")
    assert a["unresolved"] == []


def test_noarch_requirer_gets_native_provider(solve):
    a = solve(packages=["na-tool"], explain=True)
    assert a.rpm == files("na-tool.noarch", "nalib.x86_64")
    assert a.why("nalib-%s.x86_64.rpm" % VR) == {"reason": "requires", "by": nevra("na-tool.noarch"),
                                                 "capability": "libna.so.1"}
    assert solve(arch="i686", packages=["na-tool"]).rpm == files("na-tool.noarch", "nalib.i686")


def test_file_requires(solve):
    a = solve(packages=["fr-user"], explain=True)
    assert a.rpm == files("fr-user.x86_64", "fr-tools.x86_64", "fr-data.noarch")
    assert a.why("fr-tools-%s.x86_64.rpm" % VR)["capability"] == "/usr/bin/frtool"
    # /usr/share/fr/data.txt is only in filelists.xml, not in primary.xml
    assert a.why("fr-data-%s.noarch.rpm" % VR) == {"reason": "requires", "by": nevra("fr-user.x86_64"),
                                                   "capability": "/usr/share/fr/data.txt"}
    assert a["unresolved"] == []


def test_unresolved(solve):
    a = solve(packages=["unres", "unres-ver"])
    assert a.rpm == files("unres.x86_64", "unres-ver.x86_64")  # gx 1.0 does not satisfy gx >= 9
    assert a["unresolved"] == [
        {"package": nevra("unres.x86_64"), "requires": "does-not-exist-cap"},
        {"package": nevra("unres-ver.x86_64"), "requires": "gx >= 9"},
    ]
    assert a["missing"] == []
    assert len(a.warnings()) == 2, a.stderr


def test_rich_dependency_written_as_in_the_package(solve):
    a = solve(packages=["rich-user"])
    assert a["unresolved"] == [{"package": nevra("rich-user.x86_64"), "requires": "(nosuch-a or nosuch-b)"}]


def test_pre_and_post_requires_are_followed(solve):
    a = solve(packages=["prereq-user"], explain=True)
    assert a.rpm == files("prereq-user.x86_64", "gz-noarch.noarch", "fr-tools.x86_64")
    assert a.why("fr-tools-%s.x86_64.rpm" % VR) == {"reason": "requires", "by": nevra("prereq-user.x86_64"),
                                                    "capability": "/usr/bin/frtool"}


def test_nodeps(solve):
    a = solve(packages=["greedy-user", "unres", "ft"], nodeps=True)
    assert a.rpm == files("greedy-user.x86_64", "unres.x86_64", "ft.x86_64")
    assert a["unresolved"] == []
    assert a.srpm == files("greedy-user.src", "unres.src", "ftsrc.src")
    assert a.debuginfo == files("ft-debuginfo.x86_64")


def test_nodeps_reads_name_arch_as_a_name(solve):
    """Pungi's solver with resolve_deps off still matches input patterns against names only, so
    "ft.x86_64" finds nothing (only Pungi's nodeps gather method reads name.arch)."""
    a = solve(packages=["greedy-user", "ft.x86_64", "gz-noarch.noarch"], nodeps=True)
    assert a.rpm == files("greedy-user.x86_64")
    assert a["missing"] == ["ft.x86_64", "gz-noarch.noarch"]


# ---------------------------------------------------------------- exclusions (rule 2)

def test_exclude_name_picks_next_provider(solve):
    assert solve(packages=["greedy-user", "-gx"]).rpm == files("greedy-user.x86_64", "gy-long.x86_64")


def test_exclude_wins_over_request_fulltree_and_dependencies(solve):
    assert solve(packages=["ft*", "-ft-doc"]).rpm == files("ft.x86_64", "ft-libs.x86_64")
    assert solve(packages=["ft-libs", "-ft-doc"], fulltree=True).rpm == files("ft.x86_64", "ft-libs.x86_64")


def test_excluded_only_provider_leaves_dependency_unresolved(solve):
    a = solve(packages=["ft", "-ft-libs"])
    assert a.rpm == files("ft.x86_64")
    assert a["unresolved"] == [{"package": nevra("ft.x86_64"), "requires": "libft.so.1()(64bit)"}]


# ---------------------------------------------------------------- multilib (rule 6)

MULTILIB_REQUEST = ["mld-devel", "mld-static", "mlprov", "mlr", "mlr-pam", "mlr-nolib", "mla", "svkernel",
                    "kmod-svdrv"]
NATIVE = files(*(n + ".x86_64" for n in MULTILIB_REQUEST))
MULTILIB = {
    "none": set(),
    # mlr.i686 comes in as the provider of libmlr.so.1, required by mld-devel.i686
    "devel": {"mld-devel", "mld-static", "mlr"},
    "runtime": {"mlr"},
    "kernel": {"svkernel", "kmod-svdrv"},
    "all": set(MULTILIB_REQUEST),
}


@pytest.mark.parametrize("methods", [[], ["none"], ["devel"], ["runtime"], ["kernel"], ["all"],
                                     ["devel", "kernel"]], ids=lambda m: "+".join(m) or "empty")
def test_multilib_methods(solve, methods):
    a = solve(packages=MULTILIB_REQUEST, multilib_methods=methods)
    expected = set()
    for method in methods:
        expected |= MULTILIB[method]
    assert a.rpm == NATIVE | files(*(n + ".i686" for n in expected))
    assert a["unresolved"] == []


def test_multilib_needs_a_partner_and_skips_noarch(solve):
    assert solve(packages=["mlx64", "gz-noarch", "na-tool"], multilib_methods=["all"]).rpm == \
        files("mlx64.x86_64", "gz-noarch.noarch", "na-tool.noarch", "nalib.x86_64", "nalib.i686")


def test_multilib_whitelist(solve):
    a = solve(packages=["mla", "mlr", "gx"], multilib_whitelist=["ml?"], explain=True)
    assert a.rpm == files("mla.x86_64", "mla.i686", "mlr.x86_64", "mlr.i686", "gx.x86_64")
    assert a.why("mla-%s.i686.rpm" % VR) == {"reason": "multilib", "of": nevra("mla.x86_64"),
                                             "method": "whitelist"}


def test_multilib_blacklist_wins_over_whitelist(solve):
    assert solve(packages=["mla"], multilib_methods=["all"], multilib_whitelist=["mla"],
                 multilib_blacklist=["mla"]).rpm == files("mla.x86_64")


def test_multilib_with_nodeps(solve):
    assert solve(packages=["mld-devel"], multilib_methods=["devel"], nodeps=True).rpm == \
        files("mld-devel.x86_64", "mld-devel.i686")


def test_multilib_brings_debuginfo_of_its_arch(solve):
    a = solve(packages=["mla"], multilib_methods=["all"])
    assert a.debuginfo == files("mla-debuginfo.x86_64", "mla-debuginfo.i686")


def test_multilib_never_chooses_debug_packages(solve):
    a = solve(packages=["mla-debuginfo"], multilib_methods=["all"])
    assert a.debuginfo == files("mla-debuginfo.x86_64")
    assert a.rpm == set()


# ---------------------------------------------------------------- fulltree (rule 7)

def test_without_fulltree_only_the_package(solve):
    """Pungi 4.3.2 gives this: debuginfo only by the name <package>-debuginfo (ft-libs has none)."""
    a = solve(packages=["ft-libs"])
    assert a.rpm == files("ft-libs.x86_64")
    assert a.srpm == files("ftsrc.src")
    assert a.debuginfo == set()


def test_fulltree_pulls_siblings(solve):
    a = solve(packages=["ft-libs"], fulltree=True, explain=True)
    assert a.rpm == files("ft-libs.x86_64", "ft.x86_64", "ft-doc.noarch")
    assert a.debuginfo == files("ft-debuginfo.x86_64")
    for name in ("ft-%s.x86_64.rpm" % VR, "ft-doc-%s.noarch.rpm" % VR):
        assert a.why(name) == {"reason": "fulltree", "source": nevra("ftsrc.src")}, name


def test_fulltree_takes_a_twin_built_from_another_source(solve, solver_fuzz_repo, solver_fuzz_lookaside_repo):
    """tw-1.0-1.x86_64 is built by the source tw-compat in the lookaside repo and by tw in the main
    one: tw-compat's fulltree takes the lookaside tw, tw-extra's the main repo's (Pungi's list of a
    source's binary or debug packages keeps one package of a NEVRA per source, not across sources)."""
    a = solve(repos=[solver_fuzz_repo], lookaside_repos=[solver_fuzz_lookaside_repo],
              packages=["tw-compat", "tw-extra"], fulltree=True, explain=True)
    assert a.rpm == files("tw.x86_64", "tw-extra.x86_64")
    assert os.path.join(solver_fuzz_repo, "Packages", "tw-%s.x86_64.rpm" % VR) in a["rpm"]
    assert a.why("tw-%s.x86_64.rpm" % VR) == {"reason": "fulltree", "source": nevra("tw.src")}
    # the main repo's tw-debuginfo (the lookaside one, of the same NEVRA, comes from tw-compat)
    assert a["debuginfo"] == [os.path.join(solver_fuzz_repo, "Packages", "tw-debuginfo-%s.x86_64.rpm" % VR)]


def test_fulltree_from_a_noarch_package(solve):
    assert solve(packages=["ft-doc"], fulltree=True).rpm == files("ft-libs.x86_64", "ft.x86_64", "ft-doc.noarch")


def test_fulltree_excludes_names_the_source(solve):
    assert solve(packages=["ft-libs"], fulltree=True, fulltree_excludes=["ftsrc"]).rpm == files("ft-libs.x86_64")
    # "ft" is a binary package, not a source name: no effect
    assert solve(packages=["ft-libs"], fulltree=True, fulltree_excludes=["ft"]).rpm == \
        files("ft-libs.x86_64", "ft.x86_64", "ft-doc.noarch")


# ---------------------------------------------------------------- selfhosting (rule 8)

SELFHOSTED = files("sh-app.x86_64", "sh-builddep.x86_64", "sh-gen.x86_64", "sh-tool.x86_64", "sh-rt.noarch")


def test_without_selfhosting_no_build_requires(solve):
    a = solve(packages=["sh-app"])
    assert a.rpm == files("sh-app.x86_64")
    assert a.srpm == files("sh-app.src")


def test_selfhosting_pulls_build_requires_repeatedly(solve):
    a = solve(packages=["sh-app"], selfhosting=True, explain=True)
    assert a.rpm == SELFHOSTED
    assert a.srpm == files("sh-app.src", "sh-builddep.src", "sh-tool.src")
    assert a["unresolved"] == []
    assert a.why("sh-builddep-%s.x86_64.rpm" % VR) == {"reason": "selfhosting", "by": nevra("sh-app.src"),
                                                       "capability": "sh-builddep"}
    assert a.why("sh-gen-%s.x86_64.rpm" % VR) == {"reason": "selfhosting", "by": nevra("sh-app.src"),
                                                  "capability": "/usr/bin/sh-gen"}
    assert a.why("sh-tool-%s.x86_64.rpm" % VR) == {"reason": "selfhosting", "by": nevra("sh-builddep.src"),
                                                   "capability": "sh-tool"}
    assert a.why("sh-rt-%s.noarch.rpm" % VR) == {"reason": "requires", "by": nevra("sh-builddep.x86_64"),
                                                 "capability": "sh-rt"}


def test_selfhosting_off_with_nodeps(solve):
    assert solve(packages=["sh-app"], selfhosting=True, nodeps=True).rpm == files("sh-app.x86_64")


# ---------------------------------------------------------------- debuginfo and sources (rules 9, 10)

def test_debuginfo_and_source(solve):
    a = solve(packages=["dbg"], explain=True)
    assert a.rpm == files("dbg.x86_64")
    assert a.debuginfo == files("dbg-debuginfo.x86_64", "dbg-debugsource.x86_64")
    assert a.srpm == files("dbg.src")
    assert a.why("dbg-debuginfo-%s.x86_64.rpm" % VR) == {"reason": "debuginfo", "of": nevra("dbg.x86_64")}
    assert a.why("dbg-debugsource-%s.x86_64.rpm" % VR) == {"reason": "debuginfo", "of": nevra("dbg.x86_64")}
    assert a.why("dbg-%s.src.rpm" % VR) == {"reason": "source", "of": nevra("dbg.x86_64")}


def test_noarch_package_brings_no_debuginfo(solve):
    a = solve(packages=["dbg-doc"])
    assert a.rpm == files("dbg-doc.noarch")
    assert a.debuginfo == set()
    assert a.srpm == files("dbg.src")


def test_exclude_debug_and_exclude_source(solve):
    a = solve(packages=["dbg"], exclude_debug=True)
    assert (a.rpm, a.debuginfo, a.srpm) == (files("dbg.x86_64"), set(), files("dbg.src"))
    a = solve(packages=["dbg"], exclude_source=True)
    assert (a.rpm, a.debuginfo, a.srpm) == (files("dbg.x86_64"), files("dbg-debuginfo.x86_64",
                                                                       "dbg-debugsource.x86_64"), set())


# ---------------------------------------------------------------- comps groups and langpacks (rules 4, 11)

def test_group_mandatory_and_default(solve):
    a = solve(groups=["svgroup"], explain=True)
    assert a.rpm == files("grp-man.noarch", "grp-def.noarch")
    assert a.srpm == files("grp.src")
    assert a.why("grp-man-%s.noarch.rpm" % VR) == {"reason": "group", "group": "svgroup"}
    assert a["missing"] == []


def test_group_with_optional(solve):
    assert solve(groups=["svgroup"], groups_with_optional=True).rpm == \
        files("grp-man.noarch", "grp-def.noarch", "grp-opt.noarch")


def test_group_conditional(solve):
    a = solve(groups=["svgroup"], packages=["grp-trigger"], explain=True)
    assert a.rpm == files("grp-man.noarch", "grp-def.noarch", "grp-trigger.noarch", "grp-cond.noarch")
    assert a.why("grp-cond-%s.noarch.rpm" % VR) == {"reason": "conditional", "group": "svgroup",
                                                    "because": nevra("grp-trigger.noarch")}


def test_lookaside_repos_comps_merge_first(solve, tmp_path):
    """Pungi's DNF reads the comps of the lookaside repos too, before the others: their svgroup
    adds upd to the main comps' svgroup, and the main comps, merged later, keep grp-opt optional
    (tools/fuzz-compose --multiarch --repos --gather seed 40056)."""
    repo = tmp_path / "comps-only"
    repo.mkdir()
    (tmp_path / "comps.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<comps><group><id>svgroup</id><name>G</name><packagelist>'
        '<packagereq type="mandatory">upd</packagereq><packagereq type="mandatory">grp-opt</packagereq>'
        '</packagelist></group></comps>\n')
    subprocess.run(["createrepo_c", "-q", "-g", str(tmp_path / "comps.xml"), str(repo)], check=True)
    a = solve(groups=["svgroup"], lookaside_repos=[str(repo)])
    assert a.rpm == files("grp-man.noarch", "grp-def.noarch") | {"upd-1.10-1.pdl1.x86_64.rpm"}


def test_group_conditional_off_with_nodeps(solve):
    assert solve(groups=["svgroup"], packages=["grp-trigger"], nodeps=True).rpm == \
        files("grp-man.noarch", "grp-def.noarch", "grp-trigger.noarch")


def test_group_package_missing(solve):
    a = solve(groups=["svbroken"])
    assert a.rpm == files("grp-man.noarch")
    assert a["missing"] == ["no-such-group-package"]


def test_langpacks(solve):
    a = solve(packages=["lp"], langpacks=True, explain=True)
    assert a.rpm == files("lp.x86_64", "lp-langpack-de.x86_64", "lp-langpack-fr.noarch")
    assert a.why("lp-langpack-fr-%s.noarch.rpm" % VR) == {"reason": "langpack", "because": nevra("lp.x86_64")}
    assert solve(packages=["lp"]).rpm == files("lp.x86_64")


# ---------------------------------------------------------------- prepopulate

def test_prepopulate(solve):
    a = solve(prepopulate=["mla.i686"], explain=True)
    assert a.rpm == files("mla.i686")
    assert a.why("mla-%s.i686.rpm" % VR) == {"reason": "prepopulate", "pattern": "mla.i686"}


# ---------------------------------------------------------------- explain covers everything

def test_explain_has_a_record_for_every_path(solve):
    a = solve(packages=["sh-app", "dbg", "ft-libs", "greedy-user"], groups=["svgroup"], selfhosting=True,
              fulltree=True, multilib_methods=["runtime"], explain=True)
    paths = a["rpm"] + a["srpm"] + a["debuginfo"]
    assert set(a["explain"]) == set(paths)
    reasons = {record["reason"] for record in a["explain"].values()}
    assert reasons >= {"requested", "group", "requires", "multilib", "fulltree", "selfhosting", "source",
                       "debuginfo"}
    assert a.why("gx-%s.x86_64.rpm" % VR)["reason"] == "requires"
    assert a.why("ft-libs-%s.i686.rpm" % VR) == {"reason": "multilib", "of": nevra("ft-libs.x86_64"),
                                                 "method": "runtime"}


# ---------------------------------------------------------------- lookaside repos (rules 1, 12)

def test_without_lookaside_main_repo_providers(solve):
    a = solve(packages=["la-user", "la-user2"])
    assert a.rpm == files("la-user.x86_64", "la-user2.x86_64", "la-alt.x86_64", "la-same.x86_64")
    assert a.debuginfo == files("la-same-debuginfo.x86_64")


def test_main_package_with_lookaside_nevra_counts_as_lookaside(solve, solver_lookaside_repo):
    a = solve(packages=["la-same", "la-same.i686"], lookaside_repos=[solver_lookaside_repo])
    assert a.rpm == set() and a.srpm == set() and a.debuginfo == set()


# ---------------------------------------------------------------- versions across repos (rule 1)

def test_highest_evr_across_repos(solve, solver_repo, solver_updates_repo):
    a = solve(repos=[solver_repo, solver_updates_repo], packages=["upd", "epk", "bump"], explain=True)
    assert a["rpm"] == sorted([
        os.path.join(solver_repo, "Packages", "upd-1.10-1.pdl1.x86_64.rpm"),         # 1.10 > 1.9
        os.path.join(solver_updates_repo, "Packages", "epk-1.0-1.pdl1.x86_64.rpm"),  # 1:1.0 > 0:3.0
        os.path.join(solver_updates_repo, "Packages", "bump-1.1-1.pdl1.x86_64.rpm"),
    ])
    assert a.why("epk-1.0-1.pdl1.x86_64.rpm") == {"reason": "requested", "pattern": "epk"}
    assert a.why("epk-1.0-1.pdl1.src.rpm") == {"reason": "source", "of": "epk-1:1.0-1.pdl1.x86_64"}


def test_dependency_satisfied_by_newer_repo(solve, solver_repo, solver_updates_repo):
    a = solve(packages=["bump-user"])
    assert a.rpm == files("bump-user.x86_64")
    assert a["unresolved"] == [{"package": nevra("bump-user.x86_64"), "requires": "bump >= 1.1"}]
    a = solve(repos=[solver_repo, solver_updates_repo], packages=["bump-user"])
    assert a["rpm"] == sorted([os.path.join(solver_updates_repo, "Packages", "bump-1.1-1.pdl1.x86_64.rpm"),
                               os.path.join(solver_repo, "Packages", "bump-user-1.0-1.pdl1.x86_64.rpm")])
    assert a["srpm"] == sorted([os.path.join(solver_updates_repo, "Packages", "bump-1.1-1.pdl1.src.rpm"),
                                os.path.join(solver_repo, "Packages", "bump-user-1.0-1.pdl1.src.rpm")])
    assert a["unresolved"] == []


def test_same_nevra_first_repo_wins(solve, solver_repo, solver_updates_repo):
    a = solve(repos=[solver_repo, solver_updates_repo], packages=["tie"])
    assert a["rpm"] == [os.path.join(solver_repo, "Packages", "tie-%s.x86_64.rpm" % VR)]
    a = solve(repos=[solver_updates_repo, solver_repo], packages=["tie"])
    assert a["rpm"] == [os.path.join(solver_updates_repo, "Packages", "tie-%s.x86_64.rpm" % VR)]
    assert a["srpm"] == [os.path.join(solver_updates_repo, "Packages", "tie-%s.src.rpm" % VR)]


# ---------------------------------------------------------------- bad input

def assert_bad_input(done, *fragments):
    assert done.returncode == 1, done.stderr
    line = assert_one_line_error(done, *fragments)
    assert line.startswith(PROG + ": error: "), line
    return line


def names_line(error, number):
    """The error names line NUMBER ("line 3" or "FILE:3")."""
    assert re.search(r"\bline %d\b|:%d\b" % (number, number), error), error


def test_invalid_json_file(run, tmp_path):
    done = run('{"repos": [\n  "/x",\n  ]\n}\n')
    names_line(assert_bad_input(done, str(tmp_path / "request-1.json")), 3)


def test_invalid_json_stdin():
    done = subprocess.run([os.path.join(BIN, PROG)], input='{"repos": ', stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    names_line(assert_bad_input(done, "stdin"), 1)


def test_request_file_does_not_exist(tmp_path):
    assert_bad_input(command(PROG, "--request", tmp_path / "nope.json"), str(tmp_path / "nope.json"))


def test_request_not_an_object(run):
    assert_bad_input(run("[]"))


def test_unknown_key(run, solver_repo):
    assert_bad_input(run({"repos": [solver_repo], "arch": "x86_64", "pakages": ["gx"]}), "pakages")


@pytest.mark.parametrize("key, value", [("packages", "gx"), ("nodeps", "yes"), ("repos", "/x"),
                                        ("multilib_methods", [1])])
def test_wrong_type(run, solver_repo, key, value):
    request = {"repos": [solver_repo], "arch": "x86_64"}
    request[key] = value
    assert_bad_input(run(request), key)


def test_arch_required(run, solver_repo):
    assert_bad_input(run({"repos": [solver_repo]}), "arch")


def test_repo_does_not_exist(run, tmp_path, solver_repo):
    missing = str(tmp_path / "no-such-repo")
    assert_bad_input(run({"repos": [solver_repo, missing], "arch": "x86_64"}), missing)
    assert_bad_input(run({"repos": [solver_repo], "lookaside_repos": [missing], "arch": "x86_64"}), missing)


def test_not_a_yum_repo(run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_bad_input(run({"repos": [str(empty)], "arch": "x86_64"}), str(empty))


def test_corrupt_repodata(run, tmp_path, solver_repo):
    repo = tmp_path / "corrupt"
    shutil.copytree(os.path.join(solver_repo, "repodata"), repo / "repodata")
    primary = [p for p in os.listdir(repo / "repodata") if p.endswith("primary.xml.gz")]
    assert len(primary) == 1
    (repo / "repodata" / primary[0]).write_bytes(b"this is not gzip\n")
    assert_bad_input(run({"repos": [str(repo)], "arch": "x86_64", "packages": ["gx"]}), str(repo))


def test_repodata_changed_under_its_repomd_checksum(run, tmp_path, solver_repo):
    repo = tmp_path / "changed"
    shutil.copytree(os.path.join(solver_repo, "repodata"), repo / "repodata")
    (filelists,) = [p for p in os.listdir(repo / "repodata") if p.endswith("filelists.xml.gz")]
    with open(repo / "repodata" / filelists, "ab") as f:
        f.write(b"\0")
    assert_bad_input(run({"repos": [str(repo)], "arch": "x86_64", "packages": ["gx"]}), str(repo),
                     "filelists metadata repodata/%s does not match its sha256 checksum" % filelists)


# ---------------------------------------------------------------- Pungi's answers (issue 11, C and D)

REQUESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "fidelity", "requests")
ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("name", sorted(f[:-5] for f in os.listdir(REQUESTS) if f.endswith(".json")))
def test_request_gets_pungis_answer(name, solver_repo, solver_lookaside_repo, solver_updates_repo, demo_repo,
                                    solver_fuzz_repo, solver_fuzz_lookaside_repo, modular_repo):
    """Each request of tests/data/fidelity/requests (one or more per rule: c1 nosrc, c2 debug
    names, d1 name.+, d2 provider classes and greedy build, d3 greedy all, d4 fulltree, d5 nodeps,
    d6 debuginfo, d7 lookaside, d8 conditionals first, d9 one build per name, blacklist,
    exclusion globs, selfhosting, langpacks; g* cases tools/fuzz-depsolve found, g2 globs as glibc's
    fnmatch() reads them; mod-* a repo with modules metadata, every package seen) gives the file names
    Pungi 4.3.2 gives
    (expected/NAME.json, from the oracle's depsolve.py)."""
    with open(os.path.join(REQUESTS, "expected", name + ".json")) as f:
        expected = json.load(f)
    done = subprocess.run([os.path.join(BIN, PROG), "--request", os.path.join(REQUESTS, name + ".json")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT_DIR)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    for key in ("rpm", "srpm", "debuginfo"):
        # file names as Pungi gives them: twins of one NEVRA in two repos are one name
        assert sorted({os.path.basename(p) for p in answer[key]}) == expected[key], key


# ---------------------------------------------------------------- the .solv cache (issue 12)

def _pool_facts(repos, lookaside, cache):
    from punji_lib.rpms.pkgpool import PackagePool

    pool = PackagePool("x86_64", repos, lookaside, cache=cache)
    requires = {i: sorted((key, text) for _dep, key, text in pool.requires(i)) for i in pool.candidates}
    return pool, requires


def test_cached_pool_keeps_the_sacks_ids(tmp_path, solver_repo, solver_lookaside_repo, demo_repo):
    """A pool loaded from the .solv cache has the same solvables, and every Requires keeps the
    id DNF's sack gives it (Pungi's set order follows those ids), though libsolv's own ids differ."""
    cache = str(tmp_path / "cache")
    for repos, lookaside in (([solver_repo], [solver_lookaside_repo]), ([demo_repo], [])):
        cold, cold_requires = _pool_facts(repos, lookaside, cache)
        assert os.listdir(os.path.join(cache, "solv"))
        warm, warm_requires = _pool_facts(repos, lookaside, cache)
        assert warm.candidates == cold.candidates
        assert [warm.nevra(i) for i in warm.candidates] == [cold.nevra(i) for i in cold.candidates]
        assert warm_requires == cold_requires


def test_pool_snapshot_holds_what_libsolv_gives(tmp_path, solver_repo, solver_lookaside_repo):
    """The indexes a pool keeps in its .pool snapshot are those the next pool of the same repos
    would make from libsolv; a broken snapshot is made again."""
    from punji_lib.rpms.pkgpool import SNAPSHOT, PackagePool

    cache = str(tmp_path / "cache")
    cold = PackagePool("x86_64", [solver_repo], [solver_lookaside_repo], cache=cache)
    snapshots = [n for n in os.listdir(os.path.join(cache, "solv")) if n.endswith(".pool")]
    assert len(snapshots) == 1
    made = os.stat(os.path.join(cache, "solv", snapshots[0])).st_mtime_ns
    warm = PackagePool("x86_64", [solver_repo], [solver_lookaside_repo], cache=cache)
    assert os.stat(os.path.join(cache, "solv", snapshots[0])).st_mtime_ns == made  # read, not made again
    with open(os.path.join(cache, "solv", snapshots[0]), "wb") as f:
        f.write(b"not a snapshot")
    remade = PackagePool("x86_64", [solver_repo], [solver_lookaside_repo], cache=cache)
    for pool in (warm, remade):
        for name in SNAPSHOT:
            assert getattr(pool, name) == getattr(cold, name), name
    assert warm.lookaside and warm.debug and warm.visible != set(warm.candidates)
    for i in warm.candidates:
        s = warm.solvable(i)
        assert warm.path(i) == os.path.join(
            solver_lookaside_repo if i in warm.lookaside else solver_repo, s.lookup_location()[0])
        assert warm.sourcerpm(i) == (s.lookup_sourcepkg() or "") and warm.nevra(i) == cold.nevra(i)


def test_depsolve_answers_the_same_from_its_cache(tmp_path, solver_repo, solver_lookaside_repo):
    """punji-depsolve keeps its .solv files in the user cache (~/.cache/punji/repos/solv);
    the second answer, from them, is the first."""
    request = tmp_path / "request.json"
    request.write_text(json.dumps({
        "repos": [solver_repo], "lookaside_repos": [solver_lookaside_repo], "arch": "x86_64",
        "packages": ["*"], "fulltree": True, "selfhosting": True, "multilib_methods": ["devel", "runtime"]}))
    env = dict(os.environ, HOME=str(tmp_path))
    argv = [os.path.join(BIN, PROG), "--request", str(request)]
    first = subprocess.run(argv, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    assert os.listdir(tmp_path / ".cache" / "punji" / "repos" / "solv")
    assert subprocess.run(argv, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout == first
    assert len(json.loads(first)["rpm"]) > 10


def test_cache_follows_a_changed_repo(tmp_path, solver_repo):
    """A repo rebuilt without one package is read again, not taken from the cache."""
    from punji_lib.rpms.pkgpool import PackagePool

    repo = tmp_path / "repo"
    shutil.copytree(os.path.join(solver_repo, "Packages"), repo / "Packages")
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)
    cache = str(tmp_path / "cache")
    pool = PackagePool("x86_64", [str(repo)], cache=cache)
    before = {pool.name(i) for i in pool.candidates}
    assert "gx" in before
    for name in os.listdir(repo / "Packages"):
        if name.startswith("gx-1"):
            os.unlink(repo / "Packages" / name)
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)
    pool = PackagePool("x86_64", [str(repo)], cache=cache)
    after = {pool.name(i) for i in pool.candidates}
    assert after == before - {"gx"}
    assert len(os.listdir(os.path.join(cache, "solv"))) == 6  # a .solv, a .keys.json and a .pool each


def test_packages_of_other_content_tags_are_absent_from_every_lookup(tmp_path, demo_repo):
    """hide_nevras (another variant's module content tag, not in Pungi's repos) hides a package
    from the lookups greedy "all" makes over hidden and older packages too, unlike an exclusion
    (tools/fuzz-compose-koji --modules --seed 5850)."""
    from punji_lib.rpms.pkgpool import PackagePool

    pool = PackagePool("x86_64", [demo_repo], cache=str(tmp_path / "cache"))
    (name, ids), = pool.all_debug_named("demo-db-debuginfo").items()
    pool.exclude(["demo-db-debuginfo"])
    assert pool.all_debug_named("demo-db-debuginfo") == {name: ids}
    pool.hide_nevras({pool.nevra(ids[0])})
    assert pool.all_debug_named("demo-db-debuginfo") == ({name: ids[1:]} if ids[1:] else {})
