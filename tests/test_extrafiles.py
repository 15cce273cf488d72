"""punji-extrafiles on the demo product: local files, a git repository and a package of the
package set copied into a tree; extra_files.json in the tree and in compose/metadata; a rerun
that drops an entry; one-line errors that leave the tree as it was."""

import glob
import hashlib
import json
import os
import subprocess

import pytest

import conftest
from conftest import assert_one_line_error, command, demo_config, http_server, make

SERVER = "compose/Server/x86_64/os"


def git(repo, *args):
    return conftest.git(repo, *args, GIT_AUTHOR_DATE="2024-01-15T00:00:00Z", GIT_COMMITTER_DATE="2024-01-15T00:00:00Z")


def make_git_repo(repo):
    """master: GPL, notes/ (with a symlink inside the repo), a symlink to /etc/passwd;
    branch stable: another GPL; tag v1 on the first commit."""
    (repo / "notes" / "html").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "master")
    (repo / "GPL").write_text("GPL from git master\n")
    (repo / "notes" / "README").write_text("release notes\n")
    (repo / "notes" / "html" / "index.html").write_text("<p>notes</p>\n")
    os.symlink("README", repo / "notes" / "README.txt")
    os.symlink("/etc/passwd", repo / "evil")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "tag", "v1")
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "stable")
    (repo / "GPL").write_text("GPL from git stable\n")
    git(repo, "commit", "-q", "-am", "stable")
    git(repo, "checkout", "-q", "master")
    (repo / "GPL").write_text("GPL from git master, second commit\n")
    git(repo, "commit", "-q", "-am", "second")
    git(repo, "update-server-info")  # so that it can be served over plain HTTP too
    return first


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo):
    """One demo compose for the module (x86_64 package set made), with a git repo and local files."""
    top = tmp_path_factory.mktemp("extrafiles")
    conf_dir = top / "demo"
    conf = demo_config(conf_dir, demo_repo)
    (conf_dir / "extra" / "docs" / "sub").mkdir(parents=True)
    (conf_dir / "extra" / "GPL").write_text("the GPL, from a file\n")
    (conf_dir / "extra" / "docs" / "README").write_text("read me\n")
    (conf_dir / "extra" / "docs" / "sub" / "deep.txt").write_text("deep\n")
    git_repo = top / "git-repo"
    first = make_git_repo(git_repo)
    base = conf.read_text()
    conf.write_text(base + "\nextra_files = %r\n" % [("^Server$", {"x86_64": [FILE_GPL]})])
    compose = command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()
    command("punji-pkgset", "--arch", "x86_64", compose, check=True)
    rpm = glob.glob(os.path.join(demo_repo, "Packages", "demo-release-1-*.noarch.rpm"))[0]
    return {"compose": compose, "conf": conf, "base": base, "git": str(git_repo), "first": first,
            "conf_dir": str(conf_dir), "rpm": rpm}


FILE_GPL = {"scm": "file", "repo": "", "file": "extra/GPL"}
FILE_DOCS = {"scm": "file", "dir": "extra/docs", "target": "docs"}


def git_entries(demo):
    return [
        {"scm": "git", "repo": demo["git"], "branch": "stable", "file": "GPL", "target": "stable"},
        {"scm": "git", "repo": demo["git"], "dir": "notes", "target": "/release-notes"},
    ]


RPM_ENTRIES = [
    {"scm": "rpm", "repo": "demo-release", "file": ["/etc/os-release", "/usr/share/licenses/demo-release/LICENSE"],
     "target": "release"},
    {"scm": "rpm", "repo": "demo-release.noarch", "dir": "/usr/share/licenses/demo-release", "target": "licenses"},
]


def configure(demo, entries, arch="x86_64"):
    """Make extra_files give ENTRIES to Server on ARCH, and let init write the config slices again."""
    demo["conf"].write_text(demo["base"] + "\nextra_files = %r\n" % [("^Server$", {arch: entries})])
    command("punji-init", "--refresh", demo["compose"], check=True)


def extrafiles(demo, variant="Server", arch="x86_64"):
    return command("punji-extrafiles", "--variant", variant, "--arch", arch, demo["compose"])


def tree_files(compose, tree=SERVER):
    """{path relative to the tree: bytes} of every file in it."""
    top = os.path.join(compose, tree)
    result = {}
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                result[os.path.relpath(path, top)] = f.read()
    return result


def rpm_digests(path):
    """{file name: sha256} of the files of the RPM at PATH, as rpm itself reports them."""
    algo = subprocess.run(["rpm", "-qp", "--qf", "%{FILEDIGESTALGO}", path], check=True, stdout=subprocess.PIPE,
                          text=True, stderr=subprocess.DEVNULL).stdout
    assert algo.strip() == "8", "demo packages are expected to use sha256 file digests"
    out = subprocess.run(["rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEDIGESTS}\n]", path], check=True,
                         stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL).stdout
    return dict(line.split(" ") for line in out.splitlines() if line.split(" ")[1:] != [""])


def read_or_none(path):
    return open(path).read() if os.path.exists(path) else None


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_files_a_directory_git_and_a_package_land_in_the_tree(demo):
    configure(demo, [FILE_GPL, FILE_DOCS] + git_entries(demo) + RPM_ENTRIES)
    done = extrafiles(demo)
    assert done.returncode == 0, done.stderr
    files = tree_files(demo["compose"])
    assert files["GPL"] == b"the GPL, from a file\n"
    assert files["docs/README"] == b"read me\n"
    assert files["docs/sub/deep.txt"] == b"deep\n"
    assert files["stable/GPL"] == b"GPL from git stable\n"
    # a dir from git: its contents under the target; the symlink inside the repo becomes a file
    assert files["release-notes/README"] == b"release notes\n"
    assert files["release-notes/README.txt"] == b"release notes\n"
    assert files["release-notes/html/index.html"] == b"<p>notes</p>\n"
    assert not os.path.islink(os.path.join(demo["compose"], SERVER, "release-notes/README.txt"))
    # from the package payload: files by base name ("file"), a "dir" without a slash as itself
    digests = rpm_digests(demo["rpm"])
    assert sha256(files["release/os-release"]) == digests["/usr/lib/os-release"]  # /etc/os-release is a symlink to it
    assert sha256(files["release/LICENSE"]) == digests["/usr/share/licenses/demo-release/LICENSE"]
    assert sha256(files["licenses/demo-release/LICENSE"]) == digests["/usr/share/licenses/demo-release/LICENSE"]
    assert ".git" not in {path.split("/")[0] for path in files}
    assert sorted(files) == sorted(["GPL", "docs/README", "docs/sub/deep.txt", "stable/GPL", "release-notes/README",
                                    "release-notes/README.txt", "release-notes/html/index.html", "release/os-release",
                                    "release/LICENSE", "licenses/demo-release/LICENSE", "extra_files.json"])
    state = json.load(open(os.path.join(demo["compose"], "work/x86_64/state/extrafiles-Server.json")))
    assert state["files"] == 10 and state["failed"] is False


def test_the_default_branch_is_master_and_a_commit_or_tag_can_be_given(demo):
    entries = [{"scm": "git", "repo": demo["git"], "file": "GPL", "target": "head"},
               {"scm": "git", "repo": demo["git"], "branch": demo["first"], "file": "/GPL", "target": "commit"},
               {"scm": "git", "repo": "file://" + demo["git"], "branch": "v1", "file": "GPL", "target": "tag"}]
    configure(demo, entries)
    done = extrafiles(demo)
    assert done.returncode == 0, done.stderr
    files = tree_files(demo["compose"])
    assert files["head/GPL"] == b"GPL from git master, second commit\n"
    assert files["commit/GPL"] == b"GPL from git master\n"
    assert files["tag/GPL"] == b"GPL from git master\n"


def test_a_relative_git_repo_is_relative_to_the_config_file(demo):
    configure(demo, [{"scm": "git", "repo": os.path.relpath(demo["git"], demo["conf_dir"]), "branch": "stable",
                      "file": "GPL"}])
    done = extrafiles(demo)
    assert done.returncode == 0, done.stderr
    assert tree_files(demo["compose"])["GPL"] == b"GPL from git stable\n"


def test_a_git_repository_over_http(demo):
    with http_server(os.path.dirname(demo["git"])) as url:
        configure(demo, [{"scm": "git", "repo": url + "git-repo/.git", "branch": "stable", "file": "GPL"}])
        done = extrafiles(demo)
        assert done.returncode == 0, done.stderr
        assert tree_files(demo["compose"])["GPL"] == b"GPL from git stable\n"
        configure(demo, [{"scm": "git", "repo": url + "nothing.git", "file": "GPL"}])
        assert_one_line_error(extrafiles(demo), "git repository %snothing.git cannot be cloned: fatal: " % url, "not found")


def test_the_lists_of_extra_files_match_the_files(demo):
    from productmd.extra_files import ExtraFiles

    configure(demo, [FILE_GPL, FILE_DOCS] + RPM_ENTRIES)
    done = make(demo["compose"], "-j2", "extrafiles")
    assert done.returncode == 0, done.stdout
    compose = demo["compose"]
    files = tree_files(compose)
    listed = json.load(open(os.path.join(compose, SERVER, "extra_files.json")))
    assert listed["header"] == {"version": "1.0"}
    assert sorted(item["file"] for item in listed["data"]) == sorted(set(files) - {"extra_files.json"})
    for item in listed["data"]:
        assert item["size"] == len(files[item["file"]])
        assert item["checksums"] == {"sha256": sha256(files[item["file"]])}  # demo.conf: media_checksums = ["sha256"]

    metadata = ExtraFiles()
    metadata.load(os.path.join(compose, "compose/metadata/extra_files.json"))
    assert metadata.compose.id == open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    assert set(metadata.extra_files) == {"Server"} and set(metadata.extra_files["Server"]) == {"x86_64"}
    for item in metadata.extra_files["Server"]["x86_64"]:
        path = os.path.join(compose, "compose", item["file"])
        with open(path, "rb") as f:
            data = f.read()
        assert item["file"].startswith("Server/x86_64/os/")
        assert item["size"] == len(data) and item["checksums"]["sha256"] == sha256(data)
    assert len(metadata.extra_files["Server"]["x86_64"]) == len(listed["data"])
    # the other trees got nothing and no list
    assert not os.path.exists(os.path.join(compose, "compose/Server/i386/os/extra_files.json"))


def test_a_rerun_removes_what_is_no_longer_configured_and_keeps_the_rest(demo):
    configure(demo, [FILE_GPL, FILE_DOCS])
    assert extrafiles(demo).returncode == 0
    record = os.path.join(demo["compose"], "work/x86_64/extrafiles/Server.json")
    first = open(record).read()
    gpl = os.path.join(demo["compose"], SERVER, "GPL")
    before = os.stat(gpl).st_mtime_ns
    assert extrafiles(demo).returncode == 0
    assert open(record).read() == first  # same inputs, same record
    assert os.stat(gpl).st_mtime_ns == before  # an unchanged file is left alone

    configure(demo, [FILE_GPL])
    assert extrafiles(demo).returncode == 0
    assert sorted(tree_files(demo["compose"])) == ["GPL", "extra_files.json"]
    assert not os.path.exists(os.path.join(demo["compose"], SERVER, "docs"))
    listed = json.load(open(os.path.join(demo["compose"], SERVER, "extra_files.json")))
    assert [item["file"] for item in listed["data"]] == ["GPL"]

    configure(demo, [])
    assert extrafiles(demo).returncode == 0
    assert tree_files(demo["compose"]) == {}


ERRORS = [
    ("missing-file", lambda d: {"scm": "file", "file": "extra/nope"}, ["entry 2", "extra/nope does not exist"]),
    ("file-is-a-dir", lambda d: {"scm": "file", "file": "extra/docs"}, ["is not a regular file (use 'dir'"]),
    ("git-no-repo", lambda d: {"scm": "git", "repo": "/nonexistent/repo.git", "file": "GPL"},
     ["git repository /nonexistent/repo.git cannot be cloned", "fatal: '/nonexistent/repo.git' does not appear"]),
    ("git-no-branch", lambda d: {"scm": "git", "repo": d["git"], "branch": "nope", "file": "GPL"},
     ["branch 'nope' does not exist in git repository"]),
    ("git-missing-file", lambda d: {"scm": "git", "repo": d["git"], "file": "nope"},
     ["file nope does not exist in git repository"]),
    ("git-path-out", lambda d: {"scm": "git", "repo": d["git"], "file": "../outside"},
     ["path ../outside leaves git repository"]),
    ("git-symlink-out", lambda d: {"scm": "git", "repo": d["git"], "file": "evil"},
     ["evil in git repository", "leads out of it"]),
    ("git-dir-symlink-out", lambda d: {"scm": "git", "repo": d["git"], "dir": "/"},
     ["evil in git repository", "leads out of it"]),
    ("rpm-not-in-set", lambda d: {"scm": "rpm", "repo": "demo-nothing*", "file": "/etc/x"},
     ["no package matching 'demo-nothing*' in the package set"]),
    ("rpm-wrong-arch", lambda d: {"scm": "rpm", "repo": "demo-release.x86_64", "file": "/etc/os-release"},
     ["no package matching 'demo-release.x86_64'"]),
    ("rpm-missing-file", lambda d: {"scm": "rpm", "repo": "demo-release", "file": "/etc/nope"},
     ["file /etc/nope is in no package of demo-release-1-1.pdl1.noarch.rpm"]),
    # Pungi 4.3.2 copies a dir out of every package the name matches (extrafiles-rpm: demo-fonts-*)
    ("rpm-dir-not-in-every-package", lambda d: {"scm": "rpm", "repo": "demo-release*",
                                                "dir": "/usr/share/licenses/demo-release"},
     ["dir /usr/share/licenses/demo-release does not exist in package demo-release-server-"]),
    # Pungi copies a directory's symlinks as they are: one leading out of it leads nowhere there
    ("rpm-dir-symlink-out", lambda d: {"scm": "rpm", "repo": "demo-release", "dir": "/etc/"},
     ["os-release in directory /etc of package demo-release-1-1.pdl1.noarch.rpm is a symlink that leads out of it"]),
    # Pungi 4.3.2 never takes a debug package (its pkg_is_rpm)
    ("rpm-debug-package", lambda d: {"scm": "rpm", "repo": "demo-db-debuginfo", "dir": "/usr/lib/debug"},
     ["no package matching 'demo-db-debuginfo' in the package set"]),
    ("target-out", lambda d: dict(FILE_GPL, target="docs/../../x"),
     ["target 'docs/../../x' leaves the tree compose/Server/x86_64/os"]),
    ("target-owned", lambda d: dict(FILE_GPL, target="repodata"), ["repodata/GPL belongs to punji-createrepo"]),
    ("cvs", lambda d: {"scm": "cvs", "repo": ":pserver:x", "file": "GPL"}, ["scm 'cvs' is not supported"]),
]


@pytest.mark.parametrize("name,entry,fragments", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_one_line_and_leave_the_tree_as_it_was(demo, name, entry, fragments):
    before = tree_files(demo["compose"])
    record = read_or_none(os.path.join(demo["compose"], "work/x86_64/extrafiles/Server.json"))
    # a good new entry first: had the run copied anything, it would be there
    configure(demo, [dict(FILE_DOCS, target="new"), entry(demo)])
    done = extrafiles(demo)
    line = assert_one_line_error(done, "option 'extra_files' (Server.x86_64, entry 2)", *fragments)
    assert "demo.conf:" in line
    assert tree_files(demo["compose"]) == before
    assert read_or_none(os.path.join(demo["compose"], "work/x86_64/extrafiles/Server.json")) == record
    assert os.path.exists(os.path.join(demo["compose"], "work/x86_64/state/extrafiles-Server.json.error"))
    assert not glob.glob(os.path.join(demo["compose"], "work/x86_64/extrafiles/.Server-stage.*"))


def test_a_symlink_in_the_tree_that_leads_out_is_not_written_through(demo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.makedirs(os.path.join(demo["compose"], SERVER), exist_ok=True)
    link = os.path.join(demo["compose"], SERVER, "escape")
    os.symlink(str(outside), link)
    try:
        configure(demo, [dict(FILE_GPL, target="escape")])
        done = extrafiles(demo)
        assert_one_line_error(done, "compose/Server/x86_64/os/escape is a symlink that leads out of the tree")
        assert os.listdir(outside) == []
    finally:
        os.unlink(link)


def test_the_packages_a_name_matches_are_extracted_in_pungis_package_set_order(demo):
    # Pungi 4.3.2 extracts them in its arch package set's order (the native arch, then the
    # multilib ones, noarch): of libdemo-xml's x86_64 and i686 RPMs in the x86_64 set, the i686
    # one's file of the same name comes last and stays (fidelity product extrafiles-rpm)
    configure(demo, [{"scm": "rpm", "repo": "libdemo-xml", "file": "/usr/lib*/libdemo-xml.so.2.*", "target": "lib"}])
    assert extrafiles(demo).returncode == 0
    assert tree_files(demo["compose"])["lib/libdemo-xml.so.2.11.5"].startswith(b"demo shared object libdemo-xml.so.2 (i686)")


def test_an_rpm_source_needs_the_package_set(demo):
    for name in ("state/pkgset.json", "pkgset/packages.json"):  # as if pkgset of i386 had not run yet
        path = os.path.join(demo["compose"], "work/i386", name)
        if os.path.exists(path):
            os.unlink(path)
    configure(demo, [RPM_ENTRIES[0]], arch="i386")
    done = extrafiles(demo, arch="i386")
    assert_one_line_error(done, "needs the package set of i386", "punji-pkgset --arch i386")


def test_a_later_entry_wins_with_a_warning_and_a_file_cannot_be_a_directory(demo):
    configure(demo, [FILE_GPL, {"scm": "git", "repo": demo["git"], "branch": "stable", "file": "GPL"}])
    done = extrafiles(demo)
    assert done.returncode == 0, done.stderr
    assert "warning: " in done.stderr and "GPL replaces the different file entry 1 put there" in done.stderr
    assert tree_files(demo["compose"])["GPL"] == b"GPL from git stable\n"

    before = tree_files(demo["compose"])
    configure(demo, [FILE_GPL, dict(FILE_DOCS, target="GPL")])
    done = extrafiles(demo)
    assert_one_line_error(done, "entry 2 puts GPL/README in directory GPL, which entry 1 makes a file")
    assert tree_files(demo["compose"]) == before


def test_a_directory_entry_copying_over_a_directory_an_earlier_entry_made_fails_as_in_pungi(demo):
    """Pungi 4.3.2 copies a directory entry's subdirectories with shutil.copytree, which fails on
    one an earlier entry made (tools/fuzz-compose-koji --comps --outputs seed 3414: the same
    directory given by two extra_files patterns of a variant); a file entry, or a directory
    entry's files, replace what is there."""
    before = tree_files(demo["compose"])
    configure(demo, [FILE_DOCS, FILE_GPL, FILE_DOCS])
    done = extrafiles(demo)
    assert_one_line_error(done, "entry 3)", "directory docs/sub is there already (entry 1 made it)")
    assert tree_files(demo["compose"]) == before
    configure(demo, [dict(FILE_DOCS, target="docs/sub"), FILE_DOCS])
    assert_one_line_error(extrafiles(demo), "entry 2)", "directory docs/sub is there already (entry 1 made it)")
    configure(demo, [FILE_DOCS, dict(FILE_GPL, target="docs/sub"), dict(FILE_DOCS, target="docs/sub")])
    done = extrafiles(demo)
    assert done.returncode == 0, done.stderr
    assert {"docs/sub/GPL", "docs/sub/README", "docs/sub/sub/deep.txt"} <= set(tree_files(demo["compose"]))


def test_a_directory_of_extra_files_can_become_a_file(demo):
    configure(demo, [dict(FILE_DOCS, target="GPL")])
    assert extrafiles(demo).returncode == 0
    assert "GPL/README" in tree_files(demo["compose"])
    configure(demo, [FILE_GPL])
    done = extrafiles(demo)
    assert done.returncode == 0, done.stderr
    assert sorted(tree_files(demo["compose"])) == ["GPL", "extra_files.json"]


def test_the_compose_metadata_names_no_label_as_in_pungi(demo):
    from punji_lib.phases import extrafiles as phase

    configure(demo, [FILE_GPL])
    assert make(demo["compose"], "extrafiles").returncode == 0
    request = os.path.join(demo["compose"], "work/global/compose-request.json")
    original = open(request).read()
    try:
        with open(request, "w") as f:
            json.dump(dict(json.loads(original), label="RC-1.0"), f)
        phase.run_assemble(demo["compose"])
    finally:
        with open(request, "w") as f:
            f.write(original)
    compose = json.load(open(os.path.join(demo["compose"], "compose/metadata/extra_files.json")))["payload"]["compose"]
    assert sorted(compose) == ["date", "id", "respin", "type"]


def test_an_addons_files_go_into_its_parents_tree_and_its_list_replaces_the_parents_as_pungi_does(demo):
    # Pungi 4.3.2 copies an addon's extra files into its parent's os tree and writes the tree's
    # extra_files.json for each variant in turn, the addons after the variants: the addon's list
    # wins (found by tools/fuzz-compose --outputs)
    from productmd.extra_files import ExtraFiles

    demo["conf"].write_text(demo["base"] + "\nextra_files = %r\n" % [
        ("^Server$", {"x86_64": [FILE_GPL]}), ("^Server-HA$", {"*": [FILE_DOCS]})])
    command("punji-init", "--refresh", demo["compose"], check=True)
    compose = demo["compose"]
    rule = next(line for line in open(os.path.join(compose, "Makefile"))
                if line.startswith("work/x86_64/state/extrafiles-Server-HA.json:"))
    assert "work/x86_64/state/extrafiles-Server.json" in rule.split()  # the parent's run first
    done = make(compose, "-j4", "extrafiles")
    assert done.returncode == 0, done.stdout
    files = tree_files(compose)
    assert sorted(files) == ["GPL", "docs/README", "docs/sub/deep.txt", "extra_files.json"]
    listed = json.load(open(os.path.join(compose, SERVER, "extra_files.json")))
    assert sorted(item["file"] for item in listed["data"]) == ["docs/README", "docs/sub/deep.txt"]
    assert not os.path.exists(os.path.join(compose, "compose/Server-HA"))
    metadata = ExtraFiles()
    metadata.load(os.path.join(compose, "compose/metadata/extra_files.json"))
    assert sorted(i["file"] for i in metadata.extra_files["Server"]["x86_64"]) == ["Server/x86_64/os/GPL"]
    assert sorted(i["file"] for i in metadata.extra_files["Server-HA"]["x86_64"]) == [
        "Server/x86_64/os/docs/README", "Server/x86_64/os/docs/sub/deep.txt"]
    # a rerun of the parent alone writes its own list again; the addon's, run after it, replaces it
    assert extrafiles(demo).returncode == 0
    listed = json.load(open(os.path.join(compose, SERVER, "extra_files.json")))
    assert [item["file"] for item in listed["data"]] == ["GPL"]
    assert extrafiles(demo, "Server-HA").returncode == 0
    assert sorted(tree_files(compose)) == ["GPL", "docs/README", "docs/sub/deep.txt", "extra_files.json"]


def test_an_is_empty_variant_gets_no_extra_files_as_in_pungi(demo):
    # Pungi 4.3.2's extra_files phase passes over is_empty variants (found by tools/fuzz-compose --outputs)
    configure(demo, [FILE_GPL])
    assert extrafiles(demo).returncode == 0 and "GPL" in tree_files(demo["compose"])
    path = os.path.join(demo["compose"], "work/global/variants.json")
    original = open(path).read()
    data = json.loads(original)
    for v in data["variants"]:
        v["is_empty"] = v["is_empty"] or v["uid"] == "Server"
    try:
        with open(path, "w") as f:
            json.dump(data, f)
        done = extrafiles(demo)
        assert done.returncode == 0, done.stderr
        assert "GPL" not in tree_files(demo["compose"])  # what its earlier run put there goes
        record = json.load(open(os.path.join(demo["compose"], "work/x86_64/extrafiles/Server.json")))
        assert record["files"] == [] and record["placed"] == []
    finally:
        with open(path, "w") as f:
            f.write(original)


def test_entries_keyed_src_go_into_the_source_tree_and_star_ones_do_not_as_in_pungi(demo):
    # Pungi 4.3.2 copies extra files for arch "src" too: the entries keyed "src" ("*" leaves
    # src out) land in compose/<variant>/source/tree, on its source ISO, in the metadata
    from productmd.extra_files import ExtraFiles

    demo["conf"].write_text(demo["base"] + "\nextra_files = %r\n" % [
        ("^Server$", {"*": [FILE_GPL], "src": [FILE_DOCS]}), ("^Client$", {"*": [FILE_GPL]})])
    command("punji-init", "--refresh", demo["compose"], check=True)
    compose = demo["compose"]
    command("punji-makefile", compose, check=True)
    makefile = open(os.path.join(compose, "Makefile")).read()
    assert "work/src/state/extrafiles-Server.json:" in makefile
    assert "work/src/state/extrafiles-Client.json:" not in makefile  # no entry keyed src
    iso_rule = next(line for line in makefile.splitlines() if line.startswith("work/src/state/createiso-Server.json:"))
    assert "work/src/state/extrafiles-Server.json" in iso_rule
    done = make(compose, "-j4", "extrafiles")
    assert done.returncode == 0, done.stdout
    source = "compose/Server/source/tree"
    assert sorted(tree_files(compose, source)) == ["docs/README", "docs/sub/deep.txt", "extra_files.json"]
    assert sorted(tree_files(compose)) == ["GPL", "extra_files.json"]
    metadata = ExtraFiles()
    metadata.load(os.path.join(compose, "compose/metadata/extra_files.json"))
    assert sorted(i["file"] for i in metadata.extra_files["Server"]["src"]) == [
        "Server/source/tree/docs/README", "Server/source/tree/docs/sub/deep.txt"]
    # an rpm source on src finds nothing: Pungi's source package set holds no package it takes
    configure(demo, [RPM_ENTRIES[0]], arch="src")
    done = extrafiles(demo, "Server", "src")
    assert done.returncode != 0 and "demo-release" in done.stderr and "Traceback" not in done.stderr


def test_an_addons_source_files_wait_for_no_parent_target_that_is_not_there(demo):
    # the parent has no entry keyed src, so no target of its source tree: the addon's rule must
    # not name one (make stopped: "No rule to make target", fuzz-compose seed 61037)
    compose = demo["compose"]
    for path in glob.glob(os.path.join(compose, "work/src/state/extrafiles-*.json")):
        os.unlink(path)  # as if no earlier test had made a source tree's extra files
    demo["conf"].write_text(demo["base"] + "\nextra_files = %r\n" % [("^Server-HA$", {"src": [FILE_GPL]})])
    command("punji-init", "--refresh", compose, check=True)
    command("punji-makefile", compose, check=True)
    rule = next(line for line in open(os.path.join(compose, "Makefile"))
                if line.startswith("work/src/state/extrafiles-Server-HA.json:"))
    assert "work/src/state/extrafiles-Server.json" not in rule
    done = make(compose, "-j4", "extrafiles")
    assert done.returncode == 0, done.stdout
    assert "GPL" in tree_files(compose, "compose/Server/source/tree")
