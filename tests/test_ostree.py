"""punji-ostree (Pungi's ostree option) on the demo compose.

rpm-ostree cannot run here (it needs root, bubblewrap and real Fedora repos), so
these tests put a STAND-IN for rpm-ostree on PATH (written by the `stand_in`
fixture below): a small Python script that accepts only `rpm-ostree compose tree
--repo=R --write-commitid-to=F --touch-if-changed=S [--add-metadata-string=K=V]
[--force-nocache] [--unified-core] TREEFILE`, checks that R is a directory, reads
TREEFILE (JSON) and every .repo file its "repos" names beside it (each must have a
baseurl; a file:// one must hold repodata/repomd.xml), and makes a plain directory
"commit" R/objects/<id>/ holding the treefile, where <id> is the sha256 of the
treefile's text and the metadata strings; it writes <id> to F and touches S. Its
argv goes to $RPM_OSTREE_STANDIN_ARGV (JSON lines); a treefile path containing
$RPM_OSTREE_STANDIN_FAIL makes it fail. A matching `ostree` stand-in accepts only
`ostree summary --update --repo=R` and writes R/summary. Everything else is real:
git checkout of the config repo, the compose's repositories, make, the state files.
"""

import contextlib
import hashlib
import json
import os

import pytest

from conftest import assert_one_line_error, command, git, make, read_json
from test_buildinstall import make_compose

RPM_OSTREE = r'''#!/usr/bin/env python3
"""STAND-IN for rpm-ostree (tests/test_ostree.py): see that module's docstring."""
import configparser, hashlib, json, os, sys

args = sys.argv[1:]
if args[:2] != ["compose", "tree"]:
    sys.exit("rpm-ostree stand-in: only 'compose tree' is supported: %r" % args)
opts, meta, flags, rest = {}, [], [], []
for a in args[2:]:
    if a.startswith("--add-metadata-string="):
        meta.append(a.split("=", 1)[1])
    elif a in ("--force-nocache", "--unified-core"):
        flags.append(a)
    elif a.startswith("--") and "=" in a:
        key, value = a[2:].split("=", 1)
        if key not in ("repo", "write-commitid-to", "touch-if-changed"):
            sys.exit("rpm-ostree stand-in: unknown option %s" % a)
        opts[key] = value
    else:
        rest.append(a)
if os.environ.get("RPM_OSTREE_STANDIN_ARGV"):
    with open(os.environ["RPM_OSTREE_STANDIN_ARGV"], "a") as f:
        f.write(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd()}) + "\n")
if len(rest) != 1 or set(opts) != {"repo", "write-commitid-to", "touch-if-changed"}:
    sys.exit("rpm-ostree stand-in: bad arguments %r" % args)
if not os.path.isdir(opts["repo"]):
    sys.exit("error: opening repo %s: no such directory" % opts["repo"])
with open(rest[0]) as f:
    text = f.read()
tree = json.loads(text)
fail = os.environ.get("RPM_OSTREE_STANDIN_FAIL")
if fail and fail in os.path.abspath(rest[0]):
    sys.exit("error: Could not depsolve transaction; 1 problem detected")
for name in tree.get("repos", []):
    parser = configparser.ConfigParser()
    if not parser.read(os.path.join(os.path.dirname(rest[0]), name + ".repo")):
        sys.exit("error: no %s.repo beside the treefile" % name)
    url = parser[name]["baseurl"]
    if url.startswith("file://") and not os.path.isfile(os.path.join(url[7:], "repodata", "repomd.xml")):
        sys.exit("error: repo %s: %s has no repodata" % (name, url))
commit = hashlib.sha256((text + "\n".join(meta)).encode()).hexdigest()
os.makedirs(os.path.join(opts["repo"], "refs", "heads"), exist_ok=True)
os.makedirs(os.path.join(opts["repo"], "objects", commit), exist_ok=True)
with open(os.path.join(opts["repo"], "objects", commit, "treefile.json"), "w") as f:
    f.write(text)
with open(opts["write-commitid-to"], "w") as f:
    f.write(commit)
open(opts["touch-if-changed"], "w").close()
print("Wrote commit: %s" % commit)
'''

OSTREE = r'''#!/usr/bin/env python3
"""STAND-IN for ostree (tests/test_ostree.py): only `ostree summary --update --repo=R`."""
import sys
args = sys.argv[1:]
if args[:2] != ["summary", "--update"] or len(args) != 3 or not args[2].startswith("--repo="):
    sys.exit("ostree stand-in: unsupported arguments %r" % args)
with open(args[2][7:] + "/summary", "w") as f:
    f.write("summary\n")
'''

TREEFILE = {"ref": "pdl/1/${basearch}/server", "repos": ["fedora"], "packages": ["demo-bash"]}

CONFIG = """
ostree = {
    "^Server$": [{
        "treefile": "server.json",
        "config_url": "%(git)s",
        "config_branch": "pdl-1",
        "repo": ["Everything", {"name": "extras", "baseurl": "file://%(demo_repo)s"}],
        "ostree_repo": "%(repo)s",
        "version": "1.2",
        "update_summary": True,
        "arches": ["x86_64"],
    }],
    "^Client$": {
        "treefile": "client.json",
        "config_url": "%(git)s",
        "config_branch": "pdl-1",
        "repo": "Client",
        "keep_original_sources": True,
        "ostree_ref": "pdl/1/${basearch}/client",
        "ostree_repo": "%(repo)s",
        "tag_ref": False,
        "failable": ["i386"],
    },
}
"""



def treefile_repo(top, files):
    """TOP/config-git, a git repository whose branch pdl-1 holds the treefile server.json, the
    fedora.repo it names, and FILES ({name: text})."""
    gitdir = top / "config-git"
    gitdir.mkdir()
    git(gitdir, "init", "-q", "-b", "pdl-1")
    files = dict({"server.json": json.dumps(TREEFILE),
                  "fedora.repo": "[fedora]\nname=fedora\nbaseurl=https://mirror.example.com/fedora\n"}, **files)
    for name, text in files.items():
        (gitdir / name).write_text(text)
    git(gitdir, "add", ".")
    git(gitdir, "commit", "-q", "-m", "treefiles")
    return gitdir


@contextlib.contextmanager
def stand_ins_on_path(bindir, scripts):
    """A MonkeyPatch with BINDIR first on PATH, holding SCRIPTS ({name: text}) as commands."""
    for name, text in scripts.items():
        (bindir / name).write_text(text)
        (bindir / name).chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(bindir) + os.pathsep + os.environ["PATH"])
        yield mp


def make_recording_argv(stand_in, compose, argv_file, failing):
    """make -j4 in COMPOSE, the stand-in failing for FAILING ("<arch>/<phase>/<block>"): the
    stand-in's runs ({argv, cwd}) as it recorded them in ARGV_FILE."""
    stand_in.setenv("RPM_OSTREE_STANDIN_ARGV", str(argv_file))
    stand_in.setenv("RPM_OSTREE_STANDIN_FAIL", failing)
    done = make(compose, "-j4")
    stand_in.delenv("RPM_OSTREE_STANDIN_ARGV")
    stand_in.delenv("RPM_OSTREE_STANDIN_FAIL")
    assert done.returncode == 0, done.stdout
    return [json.loads(line) for line in argv_file.read_text().splitlines()]


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    with stand_ins_on_path(tmp_path_factory.mktemp("ostree-stand-in"),
                           {"rpm-ostree": RPM_OSTREE, "ostree": OSTREE}) as mp:
        yield mp


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo, stand_in):
    top = tmp_path_factory.mktemp("ostree")
    gitdir = treefile_repo(top, {"client.json": json.dumps(dict(TREEFILE, ref="pdl/1/${basearch}/client-orig"))})
    repo = top / "ostree-repo"
    compose = make_compose(top, demo_repo, CONFIG % {"git": gitdir, "demo_repo": demo_repo, "repo": repo})
    runs = make_recording_argv(stand_in, compose, top / "argv.jsonl", "i386/ostree/Client-1")
    return compose, str(repo), runs


def test_rpm_ostree_gets_pungi_make_ostree_arguments(demo):
    compose, repo, runs = demo
    server = [r for r in runs if "Server-1" in r["cwd"]]
    assert len(server) == 1
    logdir = "%s/logs/x86_64/ostree-Server-1" % compose
    treefile = "%s/work/x86_64/ostree/Server-1/tree/server.json" % compose
    assert server[0]["argv"] == [
        "compose", "tree", "--repo=%s" % repo, "--write-commitid-to=%s/commitid.log" % logdir,
        "--touch-if-changed=%s/commitid.log.stamp" % logdir, "--add-metadata-string=version=1.2", treefile]
    # only the blocks' arches: Server's block lists x86_64; Client runs on both of its arches
    assert sorted(r["cwd"].split("/work/")[1] for r in runs) == [
        "i386/ostree/Client-1/tree", "x86_64/ostree/Client-1/tree", "x86_64/ostree/Server-1/tree"]


def test_treefile_points_at_the_compose_repositories(demo, demo_repo):
    compose, repo, runs = demo
    work = os.path.join(compose, "work/x86_64/ostree")
    server = read_json(os.path.join(work, "Server-1/tree/server.json"))
    assert server["repos"] == ["Everything", "extras"] and server["ref"] == TREEFILE["ref"]
    with open(os.path.join(work, "Server-1/tree/Everything.repo")) as f:
        assert "baseurl=file://%s/compose/Everything/x86_64/os\n" % compose in f.read()
    with open(os.path.join(work, "Server-1/tree/extras.repo")) as f:
        assert "baseurl=file://%s\n" % demo_repo in f.read()
    client = read_json(os.path.join(work, "Client-1/tree/client.json"))
    assert client["repos"] == ["fedora", "Client"]  # keep_original_sources
    assert client["ref"] == "pdl/1/${basearch}/client"  # ostree_ref


def test_commits_refs_and_metadata(demo):
    compose, repo, runs = demo
    meta = read_json(os.path.join(compose, "compose/metadata/ostree.json"))["ostree"]
    with open(os.path.join(compose, "work/x86_64/ostree/Server-1/tree/server.json")) as f:
        expected = hashlib.sha256((f.read() + "version=1.2").encode()).hexdigest()
    assert meta["Server"] == {"x86_64": {"commit": expected, "ref": "pdl/1/x86_64/server", "repo": repo}}
    assert os.path.isdir(os.path.join(repo, "objects", expected))
    with open(os.path.join(repo, "refs/heads/pdl/1/x86_64/server")) as f:
        assert f.read() == expected + "\n"
    with open(os.path.join(compose, "logs/x86_64/ostree-Server-1/commitid.log")) as f:
        assert f.read() == expected
    assert os.path.isfile(os.path.join(repo, "summary"))  # update_summary
    # Client: tag_ref False leaves refs/heads alone; its failable i386 run failed
    assert set(meta["Client"]) == {"x86_64"} and meta["Client"]["x86_64"]["ref"] == "pdl/1/x86_64/client"
    assert not os.path.exists(os.path.join(repo, "refs/heads/pdl/1/x86_64/client"))


def test_failable_arch_failure_is_recorded_and_compose_is_incomplete(demo):
    compose, repo, runs = demo
    st = read_json(os.path.join(compose, "work/global/state/ostree.json"))
    assert st["failed"] is True
    assert "variant Client, arch i386" in st["error"] and "Could not depsolve" in st["error"]
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"


def test_rerun_same_commit_and_non_failable_failure_is_one_line(demo, stand_in, tmp_path):
    compose, repo, runs = demo
    before = read_json(os.path.join(compose, "compose/metadata/ostree.json"))["ostree"]["Server"]
    done = command("punji-ostree", compose)
    assert done.returncode == 0, done.stderr
    assert "variant Client, arch i386" not in done.stderr  # RPM_OSTREE_STANDIN_FAIL unset now
    after = read_json(os.path.join(compose, "compose/metadata/ostree.json"))["ostree"]
    assert after["Server"] == before and set(after["Client"]) == {"i386", "x86_64"}
    stand_in.setenv("RPM_OSTREE_STANDIN_FAIL", "x86_64/ostree/Server-1")
    try:
        done = command("punji-ostree", compose)
    finally:
        stand_in.delenv("RPM_OSTREE_STANDIN_FAIL")
    assert_one_line_error(done, "variant Server, arch x86_64", "rpm-ostree returned exit code 1",
                          "Could not depsolve", "logs/global/ostree.log")


# STAND-IN for pungi-make-ostree (Pungi's helper, run by the pungi_ostree Koji task): `tree` with the
# options Pungi passes, run as pungi-make-ostree does it: rpm-ostree (the stand-in above) writing the
# commit id into the log dir, then the summary with --update-summary.
PUNGI_MAKE_OSTREE = r'''#!/usr/bin/env python3
import subprocess, sys
args = sys.argv[1:]
if args[:1] != ["tree"]:
    sys.exit("pungi-make-ostree stand-in: only 'tree' is supported")
opts = {}
for a in args[1:]:
    key, _, value = a[2:].partition("=")
    if key not in ("repo", "log-dir", "treefile", "version", "update-summary", "ostree-ref", "force-new-commit"):
        sys.exit("pungi-make-ostree: error: unrecognized argument %s" % a)
    opts[key] = value or True
commitid = opts["log-dir"] + "/commitid.log"
argv = ["rpm-ostree", "compose", "tree", "--repo=" + opts["repo"], "--write-commitid-to=" + commitid,
        "--touch-if-changed=%s.stamp" % commitid]
if "version" in opts:
    argv.append("--add-metadata-string=version=" + opts["version"])
subprocess.run(argv + [opts["treefile"]], check=True)
if opts.get("update-summary"):
    subprocess.run(["ostree", "summary", "--update", "--repo=" + opts["repo"]], check=True)
'''


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    import kojihub_runroot

    yield from kojihub_runroot.running_hub(tmp_path_factory)


def test_ostree_use_koji_plugin_runs_a_pungi_ostree_task(demo, hub, stand_in, tmp_path):
    from conftest import set_phase_options
    from test_buildinstall import copy_compose

    compose, repo, _runs = demo
    compose = copy_compose(compose, tmp_path / "c")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pungi-make-ostree").write_text(PUNGI_MAKE_OSTREE)
    (tmp_path / "bin" / "pungi-make-ostree").chmod(0o755)
    stand_in.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    set_phase_options(compose, "ostree", ostree_use_koji_plugin=True)
    set_phase_options(compose, "runroot", koji_profile="punjitasks", runroot_tag="pdl-1-build", runroot_weights={"ostree": 2})
    done = command("punji-ostree", compose)
    assert done.returncode == 0, done.stderr
    tasks = hub.plugin_tasks("pungi_ostree")
    server = [(args, kwargs) for _, args, kwargs in tasks if "Server-1" in kwargs["pungi_make_ostree_args"]["treefile"]]
    logdir = "%s/logs/x86_64/ostree-Server-1" % compose
    assert server == [(["pdl-1-build", "x86_64"], {
        "channel": None, "packages": ["pungi", "ostree", "rpm-ostree"], "mounts": sorted([compose, repo]), "weight": 2,
        "pungi_make_ostree_args": {
            "repo": repo, "log-dir": logdir, "treefile": "%s/work/x86_64/ostree/Server-1/tree/server.json" % compose,
            "version": "1.2", "update-summary": True}})]
    assert len(tasks) == 3  # Client on both of its arches too
    meta = read_json(os.path.join(compose, "compose/metadata/ostree.json"))["ostree"]
    with open(os.path.join(logdir, "commitid.log")) as f:
        assert meta["Server"]["x86_64"]["commit"] == f.read().strip()
    with open(os.path.join(compose, "logs/global/ostree.log")) as f:
        assert "koji pungi_ostree on x86_64" in f.read()
