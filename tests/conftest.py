"""Fixtures shared by the suite: the real console scripts, the demo product and its RPMs.

The demo RPMs are built once per machine by tools/build-demo-rpms (cached by
spec hash in build/demo-repo); tests that compose the demo use them.
"""

import json
import os
import shutil
import subprocess
import sys

import contextlib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
DEMO = os.path.join(DATA, "demo")
CONFIGS = os.path.join(DATA, "configs")
BIN = os.path.dirname(os.path.abspath(sys.executable))


def server_variants(*arches):
    """A variants file of one variant, Server, on ARCHES."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<variants>\n'
            '  <variant id="Server" name="Server" type="variant">\n    <arches>%s</arches>\n  </variant>\n'
            '</variants>\n' % "".join("<arch>%s</arch>" % a for a in arches))


def server_config(name, short, repo, package, extra=""):
    """A config of one x86_64 variant, Server (server_variants' variants.xml beside it), over
    the repo REPO, gathering PACKAGE with deps and making no ISO; EXTRA lines appended."""
    return ('release_name = "%s"\nrelease_short = "%s"\nrelease_version = "1"\nvariants_file = "variants.xml"\n'
            'pkgset_source = "repos"\npkgset_repos = {"x86_64": ["%s"]}\nsigkeys = [None]\ngather_method = "deps"\n'
            'additional_packages = [("^Server$", {"*": ["%s"]})]\n'
            'createiso_skip = [("^.*$", {"*": True, "src": True})]\n%s' % (name, short, repo, package, extra))


def read_json(*parts):
    """The JSON document at os.path.join(*PARTS): a path, or a compose and a path in it."""
    with open(os.path.join(*parts)) as f:
        return json.load(f)


def command(name, *args, cwd=None, check=False):
    """Run the installed console script NAME; return the CompletedProcess (text)."""
    done = subprocess.run([os.path.join(BIN, name)] + [str(a) for a in args], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and done.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (name, done.returncode, done.stderr))
    return done


def composed(conf, target):
    """punji-compose CONF --test into TARGET, which must succeed; the new compose directory."""
    done = command("punji-compose", conf, "--target-dir", target, "--test")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def git(repo, *args, **env):
    """git ARGS in REPO as a test author (ENV: more of git's environment, such as fixed dates);
    what it printed, stripped."""
    author = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
              "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo)] + list(args), check=True, capture_output=True, text=True,
                          env=dict(os.environ, **author, **env)).stdout.strip()


def make(topdir, *args):
    return subprocess.run(["make", "-C", str(topdir), "--no-print-directory"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def make_finished(topdir):
    """make -j2 a whole compose, which must end FINISHED; TOPDIR."""
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout
    assert open(os.path.join(topdir, "STATUS")).read().strip() == "FINISHED"
    return topdir


def hub_calls_of(hub, topdir, target):
    """The Koji test hub's calls made while make builds TARGET of compose TOPDIR (or runs with
    that argument, such as -j2)."""
    before = len(hub.calls)
    done = make(topdir, target)
    assert done.returncode == 0, done.stdout
    return hub.calls[before:]


def assert_one_line_error(done, *fragments):
    """A failed command: non-zero exit, no traceback, and one error line with FRAGMENTS."""
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


@contextlib.contextmanager
def http_server(directory):
    """Serve DIRECTORY over HTTP on 127.0.0.1 while the block runs; yields the base URL."""
    import functools
    import http.server

    from kojihub import listening

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    handler.log_message = lambda *args: None
    with listening(handler) as url:
        yield url


@pytest.fixture(scope="session")
def demo_repo():
    """build/demo-repo: the demo product's RPMs and repodata (built once, then cached)."""
    out = os.path.join(ROOT, "build", "demo-repo")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--out", out], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def demo_config(folder, demo_repo, extra=""):
    """A copy of the demo config, variants and comps in FOLDER that reads the packages of
    DEMO_REPO, with EXTRA appended to demo.conf; demo.conf's path."""
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("specs"))
    conf = folder / "demo.conf"
    conf.write_text(conf.read_text().replace("../../../build/demo-repo", str(demo_repo)) + extra)
    return conf


@pytest.fixture
def demo_copy(tmp_path, demo_repo):
    """A private copy of the demo config, variants and comps (its repo path made absolute)."""
    return demo_config(tmp_path / "demo", demo_repo).parent


@pytest.fixture
def new_compose(tmp_path, demo_copy):
    """A fresh compose directory of the demo product, after init (make not yet run)."""
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path / "composes", "--test", check=True)
    return done.stdout.strip()


SOLVER = os.path.join(DATA, "solver")


def _build_solver_repo(specs, comps, name):
    out = os.path.join(ROOT, "build", name)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs", os.path.join(SOLVER, specs),
                    "--comps", os.path.join(SOLVER, comps), "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="session")
def solver_repo():
    """build/solver-repo: the depsolver test RPMs of tests/data/solver/specs, with comps (built once, then cached)."""
    return _build_solver_repo("specs", "comps.xml", "solver-repo")


@pytest.fixture(scope="session")
def solver_lookaside_repo():
    """build/solver-lookaside-repo: tests/data/solver/lookaside-specs, used as a lookaside repo."""
    return _build_solver_repo("lookaside-specs", "empty-comps.xml", "solver-lookaside-repo")


@pytest.fixture(scope="session")
def solver_updates_repo():
    """build/solver-updates-repo: tests/data/solver/updates-specs, other versions of some main-repo packages."""
    return _build_solver_repo("updates-specs", "empty-comps.xml", "solver-updates-repo")


@pytest.fixture(scope="session")
def solver_fuzz_repo():
    """build/solver-fuzz-repo: tests/data/solver/fuzz-specs, minimized cases tools/fuzz-depsolve found."""
    return _build_solver_repo("fuzz-specs", "empty-comps.xml", "solver-fuzz-repo")


@pytest.fixture(scope="session")
def solver_fuzz_lookaside_repo():
    """build/solver-fuzz-lookaside-repo: tests/data/solver/fuzz-lookaside-specs, the lookaside repo of those cases."""
    return _build_solver_repo("fuzz-lookaside-specs", "empty-comps.xml", "solver-fuzz-lookaside-repo")


MODULAR = os.path.join(DATA, "modular")


@pytest.fixture(scope="session")
def modular_repo():
    """build/modular-repo: tests/data/modular/specs built for x86_64, with modules.yaml in its repodata."""
    out = os.path.join(ROOT, "build", "modular-repo")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs", os.path.join(MODULAR, "specs"),
                    "--comps", os.path.join(MODULAR, "comps.xml"), "--modules", os.path.join(MODULAR, "modules.yaml"),
                    "--arches", "x86_64", "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out


def copy_compose(compose, dest):
    """A copy of COMPOSE at DEST: packages hard-linked (as a compose links them), the rest copied."""
    def link_rpms(src, dst):
        if src.endswith(".rpm"):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)
    shutil.copytree(compose, dest, symlinks=True, copy_function=link_rpms)
    return str(dest)


def set_phase_options(compose, phase, **options):
    """OPTIONS set in PHASE's config slice of COMPOSE (as init writes them for a changed config)."""
    import json

    path = os.path.join(compose, "work", "global", "config", "%s.json" % phase)
    with open(path) as f:
        conf = json.load(f)
    with open(path, "w") as f:
        json.dump(dict(conf, **options), f)


# -- helpers of test_bad_input.py and test_kill_anywhere.py -------------------------------


def tree_snapshot(*roots, skip=()):
    """{path: (kind, size, mode, sha256 or link target)} of every entry under ROOTS (paths
    under SKIP left out): compare two snapshots to see that nothing there changed."""
    import hashlib
    import stat

    skip = tuple(os.path.abspath(s) for s in skip)
    found = {}
    for root in roots:
        root = os.path.abspath(str(root))
        for top, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if os.path.join(top, d) not in skip)
            for name in dirs + sorted(files):
                path = os.path.join(top, name)
                if path in skip:
                    continue
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    found[path] = ("link", 0, 0, os.readlink(path))
                elif stat.S_ISDIR(st.st_mode):
                    found[path] = ("dir", 0, stat.S_IMODE(st.st_mode), None)
                else:
                    with open(path, "rb") as f:
                        digest = hashlib.sha256(f.read()).hexdigest()
                    found[path] = ("file", st.st_size, stat.S_IMODE(st.st_mode), digest)
    return found


def snapshot_changes(before, after):
    """Lines naming what was added, removed or changed between two tree_snapshot()s."""
    lines = ["added: %s" % p for p in sorted(set(after) - set(before))]
    lines += ["removed: %s" % p for p in sorted(set(before) - set(after))]
    lines += ["changed: %s" % p for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return lines


def path_without(tool, bindir):
    """A PATH of one directory, BINDIR, holding symlinks to every command on the current PATH
    but TOOL: a machine where TOOL is not installed and everything else is."""
    os.makedirs(bindir, exist_ok=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            target = os.path.join(bindir, name)
            if name == tool or os.path.lexists(target) or not (os.path.isfile(path) and os.access(path, os.X_OK)):
                continue
            os.symlink(os.path.realpath(path), target)
    return str(bindir)


SMALL_REPO_PACKAGES = ("demo-tzdata-", "demo-ca-certificates-", "demo-firmware-")


@pytest.fixture(scope="session")
def small_repo(tmp_path_factory, demo_repo):
    """A yum repo of six demo RPMs: demo-tzdata, demo-ca-certificates and demo-firmware (all
    noarch, without dependencies) and their sources; the repo of tests/data/bad/common."""
    out = tmp_path_factory.mktemp("small-repo")
    os.makedirs(out / "Packages")
    for name in sorted(os.listdir(os.path.join(demo_repo, "Packages"))):
        if name.startswith(SMALL_REPO_PACKAGES):
            shutil.copy2(os.path.join(demo_repo, "Packages", name), out / "Packages" / name)
    subprocess.run(["createrepo_c", "--quiet", "--no-database", str(out)], check=True)
    return str(out)
