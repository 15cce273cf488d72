"""variants_file and comps_file as scm dicts: punji-init fetches them as Pungi's init does,
punji-config-validate checks them without fetching."""

import json
import os

from conftest import CONFIGS, DEMO, assert_one_line_error, command, git

VARIANTS = os.path.join(CONFIGS, "variants-docs.xml")
HEAD = ('release_name = "X"\nrelease_short = "X"\nrelease_version = "1"\n'
        'pkgset_source = "repos"\npkgset_repos = {"x86_64": ["/r"]}\ngather_method = "deps"\n')


def inputs_repo(tmp_path, branch="master"):
    """A real git repository holding the docs variants and the demo comps under conf/."""
    repo = tmp_path / "inputs.git"
    os.makedirs(repo / "conf")
    git(repo, "init", "-q", "-b", branch)
    (repo / "conf" / "variants.xml").write_text(open(VARIANTS).read())
    (repo / "conf" / "comps.xml").write_text(open(os.path.join(DEMO, "comps.xml")).read())
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "inputs")
    return repo


def write_conf(tmp_path, repo, branch=None):
    extra = ', "branch": "%s"' % branch if branch else ""
    path = tmp_path / "scm.conf"
    path.write_text(HEAD + 'variants_file = {"scm": "git", "repo": "%s", "file": "conf/variants.xml"%s}\n'
                    'comps_file = {"scm": "git", "repo": "%s", "file": "conf/comps.xml"%s}\n'
                    % (repo, extra, repo, extra))
    return path


def test_init_fetches_variants_and_comps_from_git(tmp_path):
    """Pungi 4.3.2 (pungi-koji, init phase) exports both files from the repository at the branch and
    filters the comps per variant.arch; punji-init does the same."""
    repo = inputs_repo(tmp_path, branch="f40")
    done = command("punji-init", write_conf(tmp_path, repo, branch="f40"), "--target-dir", tmp_path / "c", "--test")
    assert done.returncode == 0, done.stderr
    topdir = done.stdout.strip()
    fetched = os.path.join(topdir, "work/global/inputs")
    assert open(os.path.join(fetched, "comps_file/comps.xml")).read() == open(os.path.join(DEMO, "comps.xml")).read()
    uids = [v["uid"] for v in json.load(open(os.path.join(topdir, "work/global/variants.json")))["variants"]]
    assert "Server-Gluster" in uids and "Workstation" in uids
    assert os.path.isfile(os.path.join(topdir, "work/x86_64/comps/comps-Server.x86_64.xml"))
    config = json.load(open(os.path.join(topdir, "work/global/config.json")))
    assert config["variants_file"] == os.path.join(fetched, "variants_file/variants.xml")
    # a refresh fetches again and leaves an unchanged copy alone
    before = os.stat(config["comps_file"]).st_mtime_ns
    again = command("punji-init", "--refresh", topdir)
    assert again.returncode == 0, again.stderr
    assert os.stat(config["comps_file"]).st_mtime_ns == before


def test_init_names_a_missing_branch(tmp_path):
    repo = inputs_repo(tmp_path)
    done = command("punji-init", write_conf(tmp_path, repo, branch="nope"), "--target-dir", tmp_path / "c", "--test")
    assert_one_line_error(done, "scm.conf:7: option 'variants_file'", "branch 'nope' does not exist")


def test_validate_checks_scm_dicts_without_fetching(tmp_path):
    # the repository does not exist: validate must not go to it
    done = command("punji-config-validate", write_conf(tmp_path, tmp_path / "absent.git"))
    assert done.returncode == 0, done.stderr
    assert "variants: not read (variants_file comes from git" in done.stdout


def test_validate_refuses_a_malformed_scm_dict(tmp_path):
    path = tmp_path / "bad.conf"
    path.write_text(HEAD + 'variants_file = {"scm": "git", "file": "variants.xml"}\n')
    assert_one_line_error(command("punji-config-validate", path), "bad.conf:7: option 'variants_file'",
                          "scm 'git' needs a 'repo'")


def test_scm_pungi_knows_but_punji_cannot_fetch_is_a_warning_then_an_init_error(tmp_path):
    """Pungi 4.3.2's schema takes scm 'cvs' and 'koji' (pungi-config-validate exits 0): punji accepts
    the config with a warning, and punji-init, which would have to fetch it, stops with one line."""
    path = tmp_path / "cvs.conf"
    path.write_text(HEAD + 'variants_file = "v.xml"\ncomps_file = {"scm": "cvs", "repo": "x", "file": "c.xml"}\n')
    (tmp_path / "v.xml").write_text(open(VARIANTS).read())
    done = command("punji-config-validate", path)
    assert done.returncode == 0, done.stderr
    assert "option 'comps_file': scm 'cvs' is not supported" in done.stderr
    assert_one_line_error(command("punji-init", path, "--target-dir", tmp_path / "c", "--test"), "option 'comps_file'",
                          "scm 'cvs' is not supported")


def test_git_command_makes_the_file_in_the_checkout(tmp_path):
    """Pungi 4.3.2 runs an scm dict's 'command' with a shell in the git checkout before taking the
    file (Fedora's comps: 'make comps-rawhide.xml'); so does punji-init."""
    repo = inputs_repo(tmp_path)
    path = tmp_path / "cmd.conf"
    path.write_text(HEAD + 'variants_file = {"scm": "git", "repo": "%s", "file": "conf/variants.xml"}\n'
                    'comps_file = {"scm": "git", "repo": "%s", "file": "made.xml", '
                    '"command": "sed s/demo-/made-/ conf/comps.xml > made.xml"}\n' % (repo, repo))
    assert command("punji-config-validate", path).returncode == 0
    done = command("punji-init", path, "--target-dir", tmp_path / "c", "--test")
    assert done.returncode == 0, done.stderr
    made = os.path.join(done.stdout.strip(), "work/global/inputs/comps_file/made.xml")
    assert "made-" in open(made).read() and "<packagereq" in open(made).read()
    path.write_text(HEAD + 'variants_file = {"scm": "git", "repo": "%s", "file": "conf/variants.xml", '
                    '"command": "echo no rule >&2; exit 3"}\n' % repo)
    assert_one_line_error(command("punji-init", path, "--target-dir", tmp_path / "c", "--test"),
                          "cmd.conf:7: option 'variants_file'",
                          "command 'echo no rule >&2; exit 3' returned exit code 3: no rule")


def test_scm_file_dict_is_read_in_place(tmp_path):
    (tmp_path / "v.xml").write_text(open(VARIANTS).read())
    path = tmp_path / "f.conf"
    path.write_text(HEAD + 'variants_file = {"scm": "file", "repo": "", "file": "v.xml"}\n')
    done = command("punji-config-validate", path)
    assert done.returncode == 0, done.stderr
    assert "Server-Gluster (x86_64)" in done.stdout


def test_scm_dict_with_file_and_dir_gives_the_key_the_option_reads():
    """Pungi 4.3.2 accepts both keys and reads 'file' for a file option, 'dir' for a directory one."""
    from punji_lib.config import scm

    entry = {"scm": "git", "repo": "https://example.com/x.git", "file": "a.xml", "dir": "defaults"}
    assert scm.check(entry, "option 'x'") == ("file", ["a.xml"])
    assert scm.check(entry, "option 'x'", prefer="dir") == ("dir", ["defaults"])


def test_an_empty_local_directory_is_an_error(tmp_path):
    """Pungi 4.3.2's copy of a directory refuses an empty one, module_defaults_dir's too
    (tools/fuzz-compose-koji --modules --seed 5207)."""
    import pytest

    from punji_lib.config import scm
    from punji_lib.errors import PunjiError

    (tmp_path / "defaults").mkdir()
    with pytest.raises(PunjiError, match="option 'module_defaults_dir': source directory .*defaults is empty"):
        scm.export({"scm": "file", "dir": "defaults"}, str(tmp_path / "out"), "option 'module_defaults_dir'",
                   str(tmp_path), prefer="dir")
