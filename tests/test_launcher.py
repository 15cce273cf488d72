"""The warm launcher punji-compose starts beside make (punji_lib/launcher.py): a command handed
to it ends as it would by itself (exit status, stdout, stderr, working directory), signals reach
the copy that runs it, and without a launcher that answers a command runs by itself."""

import fcntl
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import BIN
from punji_lib.commands.compose import _launcher_shell as launcher_shell


@pytest.fixture
def launcher():
    yield from started_launcher()


@pytest.fixture
def launcher_of_one():
    """A launcher that runs one command at a time."""
    yield from started_launcher("1")


# make's shell in a compose: the client in C that `make setup` builds (punji_lib/launcher_client.c),
# and launcher_client.py, which punji-compose gives make where it was not built (no C compiler)
CLIENTS = {"compose_shell": launcher_shell(), "python_client": launcher_shell(compiled=False)}
BUILT = os.path.join(os.path.dirname(launcher_shell(compiled=False)[1].split()[1]), "launcher_client")


@pytest.fixture(params=sorted(CLIENTS))
def client(request):
    return CLIENTS[request.param]


def test_punji_compose_gives_make_the_c_client_where_it_was_built():
    if os.access(BUILT, os.X_OK):
        assert launcher_shell() == ["SHELL=" + BUILT, ".SHELLFLAGS=-c"]
    else:
        assert launcher_shell() == launcher_shell(compiled=False)
        assert launcher_shell()[0] == "SHELL=" + sys.executable


def started_launcher(*jobs):
    name = "punji-launcher-test-%d-%s" % (os.getpid(), os.urandom(4).hex())
    proc = subprocess.Popen([sys.executable, "-m", "punji_lib.launcher", name, *jobs], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)
    till_listening(name)
    yield name, proc
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def listening(name):
    with open("/proc/net/unix") as f:
        return any(line.split()[-1] == "@" + name for line in f.read().splitlines()[1:] if len(line.split()) > 7)


def run(argv, env=None, **kwargs):
    return subprocess.run([os.path.join(BIN, argv[0])] + argv[1:], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=dict(os.environ, **(env or {})), **kwargs)


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


def till_listening(name):
    """Wait till the launcher NAME answers, 30 s at the most."""
    deadline = time.time() + 30
    while not listening(name) and time.time() < deadline:
        time.sleep(0.02)


def copies_once_there(pid):
    """The copies (children) of the launcher PID once it has one, 30 s at the most."""
    deadline = time.time() + 30
    while not children(pid) and time.time() < deadline:
        time.sleep(0.05)
    return children(pid)


def assert_ended_by_sigterm(waiting):
    """WAITING, a command a copy runs, ended as SIGTERM ends a command, saying so. It is waited
    for before its stdin closes: the signal, passed on, must be what ends the copy."""
    waiting.wait(timeout=30)
    _out, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == "punji-depsolve: interrupted by SIGTERM"


@pytest.mark.parametrize("argv", [
    ["punji-status", "--help"],
    ["punji-status", "no-such-compose"],
    ["punji-diff", "one", "two"],
    ["punji-config-validate", "missing.conf"],
])
def test_a_command_ends_as_it_would_by_itself(tmp_path, launcher, argv):
    name, _proc = launcher
    alone = run(argv, cwd=tmp_path)
    handed = run(argv, env={"PUNJI_LAUNCHER": name}, cwd=tmp_path)
    assert (handed.returncode, handed.stdout, handed.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert alone.stdout or alone.stderr


def test_the_copy_runs_the_command_and_a_signal_to_the_waiting_command_reaches_it(tmp_path, launcher):
    name, proc = launcher
    waiting = subprocess.Popen([os.path.join(BIN, "punji-depsolve")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PUNJI_LAUNCHER=name), cwd=tmp_path)
    (copy,) = copies_once_there(proc.pid)  # the copy reads its request from stdin
    time.sleep(1)  # past its start, where a process of its own would not handle SIGTERM either
    assert os.readlink("/proc/%d/cwd" % copy) == str(tmp_path)
    waiting.send_signal(signal.SIGTERM)
    assert_ended_by_sigterm(waiting)
    assert not children(proc.pid)


def test_a_copy_killed_by_a_signal_ends_the_waiting_command_with_it(launcher):
    name, proc = launcher
    waiting = subprocess.Popen([os.path.join(BIN, "punji-depsolve")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ, PUNJI_LAUNCHER=name))
    (copy,) = copies_once_there(proc.pid)
    os.kill(copy, signal.SIGKILL)
    waiting.communicate(timeout=30)
    assert waiting.returncode == -signal.SIGKILL


def test_with_no_launcher_answering_a_command_runs_by_itself(tmp_path):
    alone = run(["punji-status", "no-such-compose"], cwd=tmp_path)
    gone = run(["punji-status", "no-such-compose"], env={"PUNJI_LAUNCHER": "punji-launcher-nobody"}, cwd=tmp_path)
    assert (gone.returncode, gone.stdout, gone.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert gone.returncode != 0


def test_a_launcher_told_to_stop_passes_it_on_to_its_copies_and_waits_for_them(launcher):
    name, proc = launcher
    waiting = subprocess.Popen([os.path.join(BIN, "punji-depsolve")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PUNJI_LAUNCHER=name))
    copies_once_there(proc.pid)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    assert_ended_by_sigterm(waiting)
    assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize("shell", [[]] + list(CLIENTS.values()), ids=["sh"] + list(CLIENTS))
def test_a_claim_run_by_the_launcher_names_the_make_that_started_it(tmp_path, launcher, shell):
    """punji-makefile --claim looks for the make it runs under from its parent up: in a copy,
    whose own parent is the launcher, that is the waiting command's parent (whether make's shell
    is sh or the launcher's client)."""
    name, _proc = launcher
    (tmp_path / "Makefile").write_text("x:\n\t%s --claim .\n\techo $$PPID > make.txt\n"
                                       % os.path.join(BIN, "punji-makefile"))
    done = subprocess.run(["make", "-s", "x"] + shell, cwd=tmp_path, env=dict(os.environ, PUNJI_LAUNCHER=name),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    make = (tmp_path / "make.txt").read_text().strip()  # the recipe's shell's parent: make
    assert (tmp_path / "work" / "global" / "make.pid").read_text().strip() == make


def test_a_copy_importing_the_commands_for_the_first_time_runs_its_command_itself(launcher):
    """A request served before the launcher imported punji_lib.commands: the copy imports it
    with the waiting command's environment, $PUNJI_LAUNCHER set, and must not hand the command
    on again (a second copy would see the launcher as its caller's parent)."""
    name, _proc = launcher
    code = ("import sys; sys.argv[0] = 'punji-status'\n"
            "from punji_lib import launcher\n"
            "launcher.IN_COPY = True\n"
            "launcher.delegate()\n"
            "print('ran itself')\n")
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, PUNJI_LAUNCHER=name))
    assert (done.returncode, done.stdout) == (0, "ran itself\n"), done.stderr


def shell_line(client, line, env=None, run=subprocess.run, **kwargs):
    """LINE run as make runs a recipe line with the shell CLIENT (make's arguments)."""
    shell, flags = (arg.split("=", 1)[1] for arg in client)
    return run([shell] + flags.split() + [line], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
               text=True, env=dict(os.environ, **(env or {})), **kwargs)


def test_makes_shell_hands_a_punji_command_to_the_launcher_itself(launcher, client):
    """The client hands the recipe line over without starting the command's script: a script
    that is not there still runs, by its name, in the launcher; a shell would not find it."""
    name, _proc = launcher
    alone = run(["punji-status", "--help"])
    handed = shell_line(client, "/nowhere/punji-status --help", env={"PUNJI_LAUNCHER": name})
    assert (handed.returncode, handed.stdout) == (0, alone.stdout), handed.stderr
    missing = shell_line(client, "/nowhere/punji-status --help")
    assert missing.returncode == 127 and "/nowhere/punji-status" in missing.stderr


def test_makes_shell_hands_over_a_punji_command_whose_errors_go_to_its_output(launcher, client):
    """The Makefile's claim, `$(shell punji-makefile --claim . 2>&1)`: the error is in what
    make's $(shell) takes."""
    name, _proc = launcher
    handed = shell_line(client, "/nowhere/punji-status --no-such-option 2>&1", env={"PUNJI_LAUNCHER": name})
    assert handed.returncode == 2 and handed.stderr == ""
    assert "punji-status: error: unrecognized arguments: --no-such-option" in handed.stdout


@pytest.mark.parametrize("line, out", [
    ("echo one && echo two", "one\ntwo\n"),
    ("X=1 sh -c 'echo $X'", "1\n"),
    ("%s --help > /dev/null; echo $?" % os.path.join(BIN, "punji-status"), "0\n"),
    ("cd / && pwd", "/\n"),
])
def test_makes_shell_leaves_every_other_line_to_sh(launcher, client, line, out):
    name, _proc = launcher
    done = shell_line(client, line, env={"PUNJI_LAUNCHER": name})
    assert (done.returncode, done.stdout) == (0, out), done.stderr


def test_makes_shell_passes_a_signal_on_to_the_copy_and_ends_as_it_did(tmp_path, launcher, client):
    name, proc = launcher
    waiting = shell_line(client, "/nowhere/punji-depsolve", env={"PUNJI_LAUNCHER": name}, run=subprocess.Popen,
                         stdin=subprocess.PIPE, cwd=tmp_path)
    (copy,) = copies_once_there(proc.pid)
    time.sleep(1)
    assert os.readlink("/proc/%d/cwd" % copy) == str(tmp_path)
    waiting.send_signal(signal.SIGTERM)
    assert_ended_by_sigterm(waiting)
    killed = shell_line(client, "/nowhere/punji-depsolve", env={"PUNJI_LAUNCHER": name}, run=subprocess.Popen,
                        stdin=subprocess.PIPE)
    os.kill(copies_once_there(proc.pid)[0], signal.SIGKILL)
    killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL


def blocking_command(name):
    """A command handed to the launcher NAME that runs until its stdin is closed."""
    return subprocess.Popen([os.path.join(BIN, "punji-depsolve")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PUNJI_LAUNCHER=name))


@pytest.mark.parametrize("shell", [[], CLIENTS["compose_shell"]], ids=["sh", "compose_shell"])
def test_a_launcher_of_one_runs_makes_next_target_when_the_first_has_ended(tmp_path, launcher_of_one, shell):
    name, proc = launcher_of_one
    first = blocking_command(name)
    copies_once_there(proc.pid)
    (tmp_path / "Makefile").write_text("x:\n\t%s --help\n" % os.path.join(BIN, "punji-status"))
    env = dict(os.environ, PUNJI_LAUNCHER=name)
    second = subprocess.Popen(["make", "-s", "x"] + shell, cwd=tmp_path, stdout=subprocess.PIPE, text=True, env=env)
    gone = subprocess.Popen(["make", "-s", "x"] + shell, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)
    by_itself = run(["punji-status", "--help"], env={"PUNJI_LAUNCHER": name})  # not make's: served at once
    assert by_itself.returncode == 0 and by_itself.stdout.startswith("usage: punji-status")
    time.sleep(1.5)
    assert second.poll() is None and len(children(proc.pid)) == 1  # make's target waits for its turn
    for client in children(gone.pid):  # a waiting command stopped before its turn ends as it would, unstarted
        os.kill(client, signal.SIGTERM)
    _out, err = gone.communicate(timeout=30)
    assert gone.returncode != 0 and "Terminated" in err and "Traceback" not in err
    first.communicate("", timeout=30)
    out, _err = second.communicate(timeout=30)
    assert second.returncode == 0 and out.startswith("usage: punji-status")


def test_the_heaviest_tree_waiting_goes_first(tmp_path):
    from punji_lib import launcher_turns

    for arch, variant, counts in (("x86_64", "Small", {"binary": 5, "debug": 1}),
                                  ("x86_64", "Big", {"binary": 50, "debug": 9}),
                                  ("i386", "Small", {"source": 7}), ("x86_64", "Small", {"source": 3})):
        state = tmp_path / "work" / arch / "state"
        state.mkdir(parents=True, exist_ok=True)
        path = state / ("gather-%s.json" % variant)
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(dict(old, **counts)))
    (tmp_path / "work" / "global").mkdir()

    def request(*argv):
        return {"argv": ["/x/punji-" + argv[0]] + list(argv[1:]) + ["."], "cwd": str(tmp_path)}

    waiting = [request("createiso", "--variant", "Small", "--arch", "x86_64"),
               request("createrepo", "--variant", "New", "--arch", "x86_64"),
               request("createiso", "--variant", "Small", "--arch", "src"),
               request("createiso", "--variant", "Big", "--arch", "x86_64"),
               request("test"),
               request("repoclosure", "--variant", "Big", "--arch", "x86_64")]
    turns = sorted(range(len(waiting)), key=lambda n: launcher_turns._order(waiting[n], n))
    # no tree first; then Big (59 packages, in the order they came), Small.src (the most
    # source packages of its arches: 7), Small.x86_64 (6), and New, not gathered yet
    assert turns == [4, 3, 5, 2, 0, 1]


@pytest.mark.parametrize("heavy, other, holds", [(1500, 20, True), (1500, 1500, False), (900, 20, False)])
def test_the_launcher_favours_a_heavier_tree_only_when_one_is_heavy(tmp_path, heavy, other, holds):
    from punji_lib import launcher_turns

    state = tmp_path / "work" / "x86_64" / "state"
    state.mkdir(parents=True)
    (state / "gather-Big.json").write_text(json.dumps({"binary": heavy}))
    (state / "gather-Small.json").write_text(json.dumps({"binary": other}))

    def request(*argv):
        request = {"argv": ["/x/punji-" + argv[0]] + list(argv[1:]) + ["."], "cwd": str(tmp_path)}
        return dict(request, order=launcher_turns._order(request, 1))

    launcher_turns._heaviest.cache_clear()
    assert launcher_turns.lighter(request("createrepo", "--variant", "Small", "--arch", "x86_64")) is holds
    # a command of no tree, or of a tree not gathered yet, goes without waiting
    assert not launcher_turns.lighter(request("test"))
    assert not launcher_turns.lighter(request("gather", "--variant", "New", "--arch", "x86_64"))


@pytest.mark.parametrize("keep_going", [False, True])
def test_after_a_failed_target_the_launcher_starts_none_of_that_makes_others(tmp_path, launcher_of_one, keep_going):
    """make without -k starts nothing after a target failed; the targets it started already wait
    in the launcher, which then answers them without running them (with -k it runs them)."""
    name, proc = launcher_of_one
    first = blocking_command(name)  # the one copy is taken: make's two targets both wait
    copies_once_there(proc.pid)
    status = os.path.join(BIN, "punji-status")
    (tmp_path / "Makefile").write_text("all: a b\na:\n\t%s no-such-compose\nb:\n\t%s --help --variant X --arch x86_64 .\n"
                                       % (status, status))
    done = subprocess.Popen(["make", "-j4"] + (["-k"] if keep_going else []) + ["all"] + launcher_shell(),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PUNJI_LAUNCHER=name))
    time.sleep(1.5)
    first.communicate("", timeout=30)  # a (no tree: first) fails, then b's turn comes
    out, err = done.communicate(timeout=30)
    assert done.returncode != 0
    assert ("usage: punji-status" in out) == keep_going
    assert ("b] Error 1" in err) != keep_going  # answered unrun: make's own line says b failed
    assert "Traceback" not in err


def test_with_a_launcher_that_could_not_start_make_alone_runs_the_jobs(tmp_path, demo_copy, monkeypatch):
    """punji-compose gives make four times the jobs (and the launcher's client as its shell)
    only when the launcher runs; else make runs -j JOBS commands by itself, as without one."""
    from punji_lib.commands import compose

    dead = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE)
    dead.wait()
    monkeypatch.setattr(compose, "start_launcher", lambda jobs: (dead, dict(os.environ, PUNJI_LAUNCHER="gone")))
    made = []
    monkeypatch.setattr(compose, "run_make",
                        lambda topdir, jobs, env, quiet=False: made.append((jobs, env)) or (0, None, []))
    args = compose.build_parser().parse_args([str(demo_copy / "demo.conf"), "--target-dir", str(tmp_path), "-j", "3",
                                              "--test"])
    compose._compose(args)
    assert made == [(3, None)]


def test_the_launcher_holds_a_free_copy_for_a_heavy_trees_next_target_only_after_a_long_one():
    """After a copy of the heaviest tree ends, a lighter request waits up to BURST for that
    tree's next target; not when the copy ran shorter than HOLD_AFTER (a target taken over
    from the old compose), whose next target would wait less behind the lighter one than the hold."""
    from punji_lib import launcher_turns

    def ended_after(seconds):
        turns = launcher_turns.Turns(2)
        turns.queued = {"light": {"order": (1, -10, 2)}}
        heavy = {"order": (1, -5000, 1), "started": time.monotonic() - seconds, "ppid": 1, "from_make": True,
                 "keep_going": False}
        turns.ended([(heavy, 0)])
        return turns.expect_until > time.monotonic()

    assert ended_after(launcher_turns.HOLD_AFTER + 0.1)
    assert not ended_after(launcher_turns.HOLD_AFTER / 2)


def test_the_modules_the_first_targets_import_are_loaded_first_and_exist():
    """FIRST (what make's claim, the package set and prelink import) comes right after the two
    modules every copy imports by name; each of its names is a module (the launcher passes over
    one that fails to import, so a misspelt name would go unnoticed)."""
    import importlib

    from punji_lib import launcher

    order = launcher._preloads()
    assert order[:2 + len(launcher.FIRST)] == ["punji_lib.launcher", "punji_lib.commands.cli", *launcher.FIRST]
    assert len(order) == len(set(order))
    for name in launcher.FIRST:
        importlib.import_module(name)


def test_a_copy_interrupted_before_its_command_sets_its_handlers_ends_quietly(tmp_path):
    """A Ctrl-C that reaches a copy before cli.run sets the command's handlers ends it of SIGINT,
    as it ends the waiting command, without the traceback of Python's KeyboardInterrupt."""
    name = "punji-launcher-test-%d-%s" % (os.getpid(), os.urandom(4).hex())
    code = ("import os, signal, sys, time\n"
            "from punji_lib import launcher\n"
            "launcher.run_copy = lambda request: (os.kill(os.getpid(), signal.SIGINT), time.sleep(5))\n"
            "sys.argv = ['launcher', %r, '2']\n"
            "launcher.main()\n" % name)
    errors = tmp_path / "launcher.err"
    with open(errors, "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=err)
    try:
        till_listening(name)
        done = run(["punji-status", "--help"], env={"PUNJI_LAUNCHER": name}, timeout=30)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert done.returncode == -signal.SIGINT
    assert "Traceback" not in errors.read_text()


def test_the_launcher_builds_the_parsers_of_the_phase_commands_it_preloads(monkeypatch):
    """A copy parses its command line with the parser the launcher built when it imported the
    command (building one costs each copy a millisecond or two)."""
    import argparse

    from punji_lib import launcher
    from punji_lib.commands import cli

    launcher._preload("punji_lib.commands.repoclosure")
    repoclosure = sys.modules["punji_lib.commands.repoclosure"]
    prebuilt = cli._BUILT.get(repoclosure.build_parser)
    assert prebuilt is not None and not cli._UNBUILT
    used = []

    def stop(parser, argv=None, namespace=None):
        used.append(parser)
        raise SystemExit(0)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", stop)
    with pytest.raises(SystemExit):
        repoclosure.main(["--variant", "Server", "--arch", "x86_64", "."])
    assert used == [prebuilt]


def test_after_the_launchers_warm_up_a_copy_compiles_no_regular_expression_to_start(monkeypatch):
    """The warm-up (once every module is loaded) compiles what parsing a phase command's line,
    checking a state file, reading productmd metadata and a log line's time compile: a copy
    would compile each again (re's cache is the launcher's until then)."""
    import datetime
    import re

    import productmd.composeinfo

    from punji_lib import launcher
    from punji_lib.commands import cli
    from punji_lib.compose import state

    launcher._preload("punji_lib.commands.createiso")
    launcher._warm_up()
    missed = []
    compile_ = re._compile

    def spy(pattern, flags):
        if (type(pattern), pattern, flags) not in re._cache:
            missed.append(pattern)
        return compile_(pattern, flags)

    monkeypatch.setattr(re, "_compile", spy)
    createiso = sys.modules["punji_lib.commands.createiso"]
    cli.built(createiso.build_parser).parse_args(["--variant", "Server", "--arch", "x86_64", "."])
    state.check(dict(header=state.header("createiso"), phase="createiso", variant="Server", arch="x86_64",
                     failed=False), "createiso-Server.json")
    datetime.datetime.strptime("2026-12-07 04:55:13,125", "%Y-%m-%d %H:%M:%S,%f")
    info = productmd.composeinfo.ComposeInfo()
    info.loads(launcher_composeinfo())
    assert missed == []


def launcher_composeinfo():
    import productmd.composeinfo

    info = productmd.composeinfo.ComposeInfo()
    info.release.name, info.release.short, info.release.version, info.release.type = "Demo", "PDL", "1", "ga"
    info.compose.id, info.compose.date, info.compose.type, info.compose.respin = "PDL-1-20261207.n.0", \
        "20261207", "nightly", 0
    return info.dumps()


def test_a_copy_that_succeeded_answers_before_its_exit_with_its_files_closed(tmp_path):
    """A copy whose command succeeded tells the waiting command so before its own exit, which
    takes milliseconds in a copy of a large launcher, having closed every file first: here its
    exit waits until the test has seen the answer and taken the lock the command held."""
    name = "punji-launcher-test-%d-%s" % (os.getpid(), os.urandom(4).hex())
    lock, release = tmp_path / "lock", tmp_path / "release"
    code = ("import fcntl, os, sys, time\n"
            "from punji_lib import launcher\n"
            "def run_copy(request):\n"
            "    fd = os.open(%r, os.O_RDWR | os.O_CREAT)\n"
            "    fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "    os.write(request['fds'][1], b'done\\n')\n"
            "    return 0\n"
            "def slow_exit(code, real=os._exit):\n"
            "    deadline = time.time() + 60\n"
            "    while not os.path.exists(%r) and time.time() < deadline:\n"
            "        time.sleep(0.02)\n"
            "    real(code)\n"
            "launcher.run_copy = run_copy\n"
            "os._exit = slow_exit\n"
            "sys.argv = ['launcher', %r, '2']\n"
            "launcher.main()\n" % (str(lock), str(release), name))
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        till_listening(name)
        done = run(["punji-status", "--help"], env={"PUNJI_LAUNCHER": name}, timeout=30)
        assert (done.returncode, done.stdout) == (0, "done\n")
        with open(lock) as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        release.touch()
        proc.stdin.close()
        proc.wait(timeout=90)


def launcher_with_fork(name, after_fork):
    """A launcher NAME whose os.fork runs AFTER_FORK (Python source, `pid` being fork's
    result) before it returns; started, its Popen."""
    code = ("import os, signal, sys, time\n"
            "from punji_lib import launcher\n"
            "def patched_fork(real=os.fork):\n"
            "    pid = real()\n"
            "    %s\n"
            "    return pid\n"
            "os.fork = patched_fork\n"
            "sys.argv = ['launcher', %r, '2']\n"
            "launcher.main()\n" % (after_fork, name))
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    till_listening(name)
    return proc


def test_a_copy_that_answers_before_the_launcher_is_back_from_its_fork_is_understood(tmp_path):
    """The copy's pid comes before its exit status, however late the launcher gets back from
    the fork: here it sleeps there while the copy would run and answer."""
    name = "punji-launcher-test-%d-%s" % (os.getpid(), os.urandom(4).hex())
    proc = launcher_with_fork(name, "time.sleep(0.5) if pid else None")
    try:
        alone = run(["punji-status", "--help"], cwd=tmp_path)
        handed = run(["punji-status", "--help"], env={"PUNJI_LAUNCHER": name}, cwd=tmp_path, timeout=30)
        assert (handed.returncode, handed.stdout) == (0, alone.stdout)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_copy_killed_right_after_its_fork_ends_its_command_as_killed(tmp_path):
    """A copy killed before it has done anything (the OOM killer, a kill campaign) ends the
    command that waits by the same signal, not with 'the launcher went away'."""
    name = "punji-launcher-test-%d-%s" % (os.getpid(), os.urandom(4).hex())
    proc = launcher_with_fork(name, "os.kill(os.getpid(), signal.SIGKILL) if pid == 0 else None")
    try:
        handed = run(["punji-status", "--help"], env={"PUNJI_LAUNCHER": name}, cwd=tmp_path, timeout=30)
        assert handed.returncode == -signal.SIGKILL, handed.stderr
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
