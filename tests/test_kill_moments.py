"""Kills at the moments a random kill campaign (tests/test_kill_anywhere.py, tools/kill-campaign)
rarely lands in: a command killed with SIGKILL right there, then run again, leaves the compose
as an uninterrupted run does. The kill is the child process's own, at the call named."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, assert_one_line_error, command, make, make_finished
from kojihub_tasks import KSURL, PROFILE, running_hub


def killed_at(call, code):
    """Run CODE (Python, punji_lib importable) in a child whose CALL (e.g. os.replace) kills the
    child with SIGKILL instead of running; the child must die so."""
    script = textwrap.dedent("""
        import importlib, os, signal, sys
        sys.path.insert(0, %r)
        module, name = %r.rsplit(".", 1)
        holder = importlib.import_module(module)
        setattr(holder, name, lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL))
    """) % (ROOT, call) + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == -signal.SIGKILL, done.stdout


def test_a_file_taken_over_from_the_old_compose_leaves_no_temporary_link_when_killed(tmp_path):
    old = tmp_path / "old" / "compose" / "Server" / "x86_64" / "iso"
    old.mkdir(parents=True)
    (old / "Server.iso").write_bytes(b"image")
    (old / "link").symlink_to("Server.iso")
    new = tmp_path / "new" / "compose" / "Server" / "x86_64" / "iso"
    for name in ("Server.iso", "link"):
        killed_at("os.replace", """
            from punji_lib.compose import reuse
            reuse.link_over(%r, %r)
        """ % (str(old / name), str(new / name)))
        from punji_lib.compose import reuse

        reuse.link_over(str(old / name), str(new / name))
    assert sorted(os.listdir(new)) == ["Server.iso", "link"]
    assert os.path.samefile(new / "Server.iso", old / "Server.iso")
    assert os.readlink(new / "link") == "Server.iso"


def _compose_dir(target, compose_id):
    topdir = target / compose_id
    (topdir / "work" / "global").mkdir(parents=True)
    request = {"header": {"type": "punji.compose-request", "version": "1.0"}, "options": {}, "compose_id": compose_id}
    (topdir / "work" / "global" / "compose-request.json").write_text(json.dumps(request))
    (topdir / "work" / "global" / "config.json").write_text(json.dumps({"release_short": "PDL", "release_version": "1"}))
    return topdir


def test_the_latest_link_switch_killed_before_its_rename_leaves_nothing_beside_the_link(tmp_path):
    topdir = _compose_dir(tmp_path, "PDL-1-20261203.n.0")
    killed_at("os.replace", """
        from punji_lib.phases import finish
        finish.update_latest_link(%r, "FINISHED")
    """ % str(topdir))
    from punji_lib.phases import finish

    assert finish.update_latest_link(str(topdir), "FINISHED") == "latest-PDL-1"
    assert sorted(os.listdir(tmp_path)) == ["PDL-1-20261203.n.0", "latest-PDL-1"]
    assert os.readlink(tmp_path / "latest-PDL-1") == "PDL-1-20261203.n.0"


def test_the_iso_directory_linked_to_symlink_isos_to_leaves_no_temporary_link_when_killed(tmp_path):
    topdir, real = tmp_path / "compose-dir", tmp_path / "isos"
    (topdir / "compose" / "Server" / "x86_64" / "iso").mkdir(parents=True)
    real.mkdir()
    code = """
        from punji_lib.phases import createiso
        createiso._link_iso_dir(%r, {}, "Server", "x86_64", %r)
    """ % (str(topdir), str(real))
    killed_at("os.replace", code)
    exec(textwrap.dedent(code))
    parent = topdir / "compose" / "Server" / "x86_64"
    assert os.listdir(parent) == ["iso"]
    assert os.readlink(parent / "iso") == str(real)


def test_a_takeover_resumed_over_files_the_killed_one_had_linked_leaves_no_temporary_link(tmp_path):
    """A rename onto a hard link of the same file does nothing (POSIX): the temporary name
    would stay beside the file the killed run had already linked in."""
    old = tmp_path / "old" / "compose" / "Everything" / "i386" / "os"
    old.mkdir(parents=True)
    (old / ".discinfo").write_text("1707091200\n")
    new = tmp_path / "new" / "compose" / "Everything" / "i386" / "os"
    from punji_lib.compose import reuse

    reuse.link_over(str(old / ".discinfo"), str(new / ".discinfo"))  # the killed run got this far
    reuse.link_over(str(old / ".discinfo"), str(new / ".discinfo"))  # the resumed one
    assert os.listdir(new) == [".discinfo"]
    assert os.path.samefile(new / ".discinfo", old / ".discinfo")


def test_an_extra_iso_taken_over_again_over_its_own_link_leaves_no_temporary_link(tmp_path):
    from punji_lib.phases import extraiso

    old = tmp_path / "old"
    old.mkdir()
    (old / "extra.iso").write_bytes(b"image")
    (old / "extra.iso.manifest").write_text("a\n")
    iso_dir = tmp_path / "new" / "compose" / "Server" / "x86_64" / "iso"
    iso_dir.mkdir(parents=True)
    for _run in ("killed", "resumed"):
        record = extraiso._link_image({"uid": "Server"}, "x86_64", {"name": "extra.iso"}, str(iso_dir),
                                      str(old / "extra.iso"), {"path": "old/extra.iso"})
        assert record["path"] == "Server/x86_64/iso/extra.iso"
    assert sorted(os.listdir(iso_dir)) == ["extra.iso", "extra.iso.manifest"]


def _old_and_new_compose(tmp_path):
    old, new = tmp_path / "PDL-1-20261201.n.0", tmp_path / "PDL-1-20261202.n.0"
    for top in (old, new):
        (top / "compose").mkdir(parents=True)
        (top / "COMPOSE_ID").write_text(top.name)
    (old / "STATUS").write_text("FINISHED\n")
    (old / "compose" / "Packages").mkdir()
    (old / "compose" / "Packages" / "a-1.rpm").write_text("a")
    return old, new


def test_a_prelink_killed_as_it_puts_its_links_in_place_is_made_whole_again(tmp_path):
    from punji_lib.compose import layout, reuse

    old, new = _old_and_new_compose(tmp_path)
    code = """
        from punji_lib.compose import reuse
        reuse.prelink(%r, %r, ["compose/Packages"])
    """ % (str(new), str(old))
    killed_at("os.rename", code)
    assert os.listdir(new / "work" / "global")  # the links made aside
    assert reuse.prelink(str(new), str(old), ["compose/Packages"]) == 1
    assert os.listdir(new / "work" / "global") == [os.path.basename(layout.prelinked())]


def test_trees_linked_ahead_put_in_place_by_a_killed_takeover_leave_nothing_beside_them(tmp_path):
    """A resumed take-over finds the tree a killed one had half swapped in and the directory
    it was moving it into; the tree is swapped in again and nothing is left beside it."""
    from punji_lib.compose import reuse

    old, new = _old_and_new_compose(tmp_path)
    reuse.prelink(str(new), str(old), ["compose/Packages"])
    (new / "compose" / "Packages").mkdir()  # what the killed take-over had put there
    code = """
        from punji_lib.compose import reuse
        reuse.link_all(%r, %r, ["compose/Packages"], "test")
    """ % (str(old), str(new))
    killed_at("os.rename", code)
    assert [n for n in os.listdir(new / "compose") if n.startswith(".")]
    assert reuse.link_all(str(old), str(new), ["compose/Packages"], "test")
    assert os.listdir(new / "compose") == ["Packages"]
    assert os.path.samefile(new / "compose" / "Packages" / "a-1.rpm", old / "compose" / "Packages" / "a-1.rpm")


def test_the_kill_campaigns_see_the_phase_commands_make_hands_to_the_launcher(monkeypatch):
    """Under punji-compose make's shell is the launcher's client: its argv holds the punji command
    as one line after -c, and the launcher's copy running it shows the launcher's own argv."""
    import test_kill_anywhere

    bin_dir = os.path.join(ROOT, ".venv", "bin")
    client = os.path.join(ROOT, "punji_lib", "launcher_client")
    group = [
        ["make", "-C", "/t/PDL-1", "-j8", "compose", "SHELL=" + client, ".SHELLFLAGS=-c"],
        [sys.executable, "-m", "punji_lib.launcher", "punji-launcher-1-ab", "2"],
        [client, "-c", bin_dir + "/punji-gather --variant Server --arch i386 ."],
        [sys.executable, "-IS", client + ".py", "-c", bin_dir + "/punji-createrepo --variant Client --arch src ."],
        [sys.executable, bin_dir + "/punji-imagechecksum", "."],
    ]
    monkeypatch.setattr(test_kill_anywhere, "group_commands", lambda pgid: group)
    assert test_kill_anywhere.running(1) == {"gather Server.i386", "createrepo Client.src", "imagechecksum global"}


task_hub = pytest.fixture(scope="module", name="task_hub")(running_hub)


def image_build_compose(tmp_path, demo_repo, name):
    """A compose (after init) whose image_build makes one raw-xz image NAME-1-1 of Server.x86_64."""
    from test_imagebuild import init

    block = {"name": name, "kickstart": "k.ks", "ksurl": KSURL, "format": ["raw-xz"], "arches": ["x86_64"],
             "release": "1"}
    return init(tmp_path, demo_repo, 'koji_profile = "%s"\nimage_build_target = "pdl-1-image"\n'
                'image_build = {"^Server$": [{"image-build": %r}]}\n' % (PROFILE, block))


def test_an_image_task_a_killed_run_watched_is_taken_over_by_its_resume(task_hub, tmp_path, demo_repo):
    """A run killed while it waits for its Koji task cannot cancel it: the task goes on. Its
    resume waits for that task instead of building the image again, which a real hub refuses
    while the first build of the NVR is in progress or done (found by a kill campaign on the
    koji-tasks product)."""
    task_hub.unique_nvrs = True
    try:
        topdir = image_build_compose(tmp_path, demo_repo, "PDL-Killed")
        record = os.path.join(topdir, "work", "global", "imagebuild", "koji-tasks.json")
        before = len(task_hub.submitted_calls("buildImageOz"))
        killed = subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "punji-imagebuild"), topdir],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(task_hub.submitted_calls("buildImageOz")) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)  # the run waits for its task (build_delay 3 s)
        killed.kill()
        assert killed.wait() == -signal.SIGKILL
        task_id = max(t for t, task in task_hub.tasks.items() if task["method"] == "image")
        assert task_hub.tasks[task_id]["state"] != 2  # still building as the resume starts
        done = command("punji-imagebuild", topdir)
        assert done.returncode == 0, done.stderr
        assert len(task_hub.submitted_calls("buildImageOz")) == before + 1
        result = json.loads(open(os.path.join(topdir, "work", "global", "imagebuild", "images.json")).read())
        assert [i["image"]["path"] for i in result["images"]] == ["Server/x86_64/images/PDL-Killed-1-1.x86_64.raw.xz"]
        assert not os.path.exists(record)
    finally:
        task_hub.unique_nvrs = False


def test_an_image_phase_killed_as_it_writes_its_state_leaves_its_tasks_to_its_resume(task_hub, tmp_path, demo_repo):
    """A run killed after its tasks closed and its images were fetched, as it writes its state:
    the resume takes over the closed task, where building the NVR again fails on a real hub
    ("Build already exists"). Before, the record went before the state was written."""
    task_hub.unique_nvrs = True
    try:
        topdir = image_build_compose(tmp_path, demo_repo, "PDL-Stated")
        killed_writing_its_state_then_resumed(task_hub, topdir, "imagebuild", "buildImageOz")
    finally:
        task_hub.unique_nvrs = False


def test_an_osbs_run_killed_as_it_writes_its_state_leaves_its_container_build_to_its_resume(
        task_hub, tmp_path, demo_repo):
    from test_imagebuild import init

    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\nosbs = {"^Server$": {"url": '
                  '"git://git.example.com/containers/pdl-killed.git#0123abcd", "target": "pdl-1-docker", '
                  '"git_branch": "pdl-1", "version": "1.0", "release": "1"}}\n' % PROFILE)
    killed_writing_its_state_then_resumed(task_hub, topdir, "osbs", "buildContainer")


def killed_writing_its_state_then_resumed(task_hub, topdir, phase, method):
    """PHASE run in TOPDIR, killed as it writes its state, then its command again: the hub got
    one METHOD call in all (the resume took the killed run's task over), and no record is left."""
    before = len(task_hub.submitted_calls(method))
    killed_at("punji_lib.compose.state.write", """
        from punji_lib.phases import %s
        %s.run(%r)
    """ % (phase, phase, topdir))
    done = command("punji-" + phase, topdir)
    assert done.returncode == 0, done.stderr
    assert len(task_hub.submitted_calls(method)) == before + 1
    assert not os.path.exists(os.path.join(topdir, "work", "global", phase, "koji-tasks.json"))


def test_a_run_killed_as_the_hub_created_its_task_leaves_a_mark_its_resume_warns_of(task_hub, tmp_path, demo_repo):
    """A kill between the hub creating a task and the run's record of its id: the task goes on,
    and the resume, finding no id, creates a second one (on a real hub, a second build of the
    NVR, refused while the first builds). The call is now marked before it is made, and the
    resume says so in one warning naming the call's method."""
    topdir = image_build_compose(tmp_path, demo_repo, "PDL-Unrecorded")
    before = len(task_hub.submitted_calls("buildImageOz"))
    script = textwrap.dedent("""
        import os, signal, sys
        sys.path.insert(0, %r)
        from punji_lib.koji import tasks
        tasks.TaskSession.task_url = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # the task exists now
        from punji_lib.phases import imagebuild
        imagebuild.run(%r)
    """) % (ROOT, topdir)
    killed = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stdout
    assert len(task_hub.submitted_calls("buildImageOz")) == before + 1
    done = command("punji-imagebuild", topdir)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 1 and warnings[0].startswith("punji-imagebuild: warning: ") and \
        "Koji task of buildImageOz" in warnings[0], done.stderr
    assert not os.path.exists(os.path.join(topdir, "work", "global", "imagebuild", "koji-tasks.json"))
    again = command("punji-imagebuild", topdir)  # a run that was not killed: nothing to warn of
    assert again.returncode == 0 and ": warning: " not in again.stderr, again.stderr


def test_a_task_the_killed_run_left_is_taken_over_for_the_same_call_only_and_not_when_it_failed(
        task_hub, tmp_path, demo_repo):
    from punji_lib.koji import adopt, tasks

    from test_imagebuild import init

    topdir = init(tmp_path, demo_repo, 'koji_profile = "%s"\n' % PROFILE)
    session = tasks.TaskSession(PROFILE)
    session.login()
    task_hub.fail_task("PDL-Gone", "*", "Oz failed")
    opts = {"kickstart": "k.ks", "format": ["raw"], "scratch": True}
    calls = [(name, "1", ["x86_64"], "pdl-1-image", "https://trees.example.com/os") for name in ("PDL-Kept", "PDL-Gone")]
    killed = adopt.TaskRecord(topdir, "imagebuild")
    kept, gone = [killed.submit(session, "buildImageOz", *args, opts=opts) for args in calls]
    session.wait([kept, gone])
    resumed = adopt.TaskRecord(topdir, "imagebuild")
    assert resumed.submit(session, "buildImageOz", *calls[0], opts=dict(opts, format=["qcow2"])) != kept
    assert resumed.submit(session, "buildImageOz", *calls[0], opts=opts) == kept
    assert resumed.submit(session, "buildImageOz", *calls[1], opts=opts) != gone  # it failed: built anew
    resumed.forget()
    assert adopt.TaskRecord(topdir, "imagebuild").submit(session, "buildImageOz", *calls[0], opts=opts) != kept


def test_a_compose_whose_phase_command_is_killed_names_that_phase_in_its_one_error_line(tmp_path, new_compose):
    """A phase command the OOM killer ends records no error; make says which target it was
    ("[...gather-Server.json] Killed"), and punji-compose's DOOMED line names that phase and tree
    (before: "make exited with 2"). The recipe made to kill itself stands for the killed command."""
    with open(os.path.join(new_compose, "local.mk"), "w") as f:
        f.write("work/x86_64/state/gather-Server.json:\n\tkill -KILL $$$$\n")
    done = command("punji-compose", "--compose-dir", new_compose, "-j", "2")
    line = assert_one_line_error(done, "punji-compose: error: compose DOOMED: gather Server.x86_64 failed: ",
                                 "(Killed)", os.path.join(new_compose, "logs", "x86_64", "gather-Server.log"))
    assert done.stderr.strip().splitlines()[-1] == line
    assert open(os.path.join(new_compose, "STATUS")).read() == "DOOMED\n"


def signalled_child(code):
    """Run CODE (Python, punji_lib importable, `os`, `signal`, `sys` imported) in a child; its
    CompletedProcess (stdout and stderr together)."""
    script = "import os, signal, sys\nsys.path.insert(0, %r)\n" % ROOT + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_sigterm_that_comes_as_a_command_sets_its_handlers_ends_it_with_its_one_line(tmp_path):
    """A compose's SIGTERM passed on by the launcher's client reached a copy as cli.run was
    setting its handlers: before, outside its try, so Python printed the traceback of it."""
    done = signalled_child("""
        real = signal.signal
        def setting(signum, handler):
            old = real(signum, handler)
            if signum == signal.SIGTERM and callable(handler):
                os.kill(os.getpid(), signal.SIGTERM)
            return old
        signal.signal = setting
        from punji_lib.commands import cli
        sys.exit(cli.run(cli.parser("punji-x", "x", "x"), lambda args: 0, []))
    """)
    assert (done.returncode, done.stdout) == (128 + signal.SIGTERM, "punji-x: interrupted by SIGTERM\n")


def test_sigint_and_sigterm_at_once_end_a_command_with_its_one_line(tmp_path):
    """punji-compose's Ctrl-C: the group's SIGINT, and the SIGTERM make passes on, come together.
    The first one's handler used to set SIG_IGN for the other, which Python then reported as
    "OSError: Signal 15 ignored due to race condition", with a traceback, over the cleanup."""
    done = signalled_child("""
        import time
        from punji_lib.commands import cli
        def work(args):
            both = {signal.SIGINT, signal.SIGTERM}
            signal.pthread_sigmask(signal.SIG_BLOCK, both)
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, both)
            time.sleep(5)
        sys.exit(cli.run(cli.parser("punji-x", "x", "x"), work, []))
    """)
    assert (done.returncode, done.stdout) == (128 + signal.SIGINT, "punji-x: interrupted by SIGINT\n")


def test_an_interruption_code_dropped_prints_no_traceback_and_the_command_says_it_was_interrupted():
    """A Ctrl-C as a Cython module initialized (pkgset's imports, kill-campaign --signal INT seed
    10788): the module dropped the Interrupted raised in it, and Python printed it as "Exception
    ignored in: <module 'inspect'>" with its traceback, before the command's own line. A __del__
    drops it the same way here."""
    done = signalled_child("""
        from punji_lib.commands import cli

        class Dropping:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGINT)

        def work(args):
            Dropping()
            cli.stop_if_interrupted()
            return 0

        sys.exit(cli.run(cli.parser("punji-x", "x", "x"), work, []))
    """)
    assert (done.returncode, done.stdout) == (128 + signal.SIGINT, "punji-x: interrupted by SIGINT\n")


def test_ctrl_c_while_a_command_imports_its_modules_ends_it_without_a_traceback():
    """A Ctrl-C to a plain `make` reaches every command it started, most of them still importing
    their modules, where Python's KeyboardInterrupt printed a traceback of the import."""
    done = signalled_child("""
        sys.argv[0] = "/usr/bin/punji-gather"
        import punji_lib.commands.gather
        os.kill(os.getpid(), signal.SIGINT)
        import time
        time.sleep(5)
    """)
    assert (done.returncode, done.stdout) == (-signal.SIGINT, "")


def test_a_finish_interrupted_after_its_state_leaves_the_compose_finished(tmp_path, new_compose):
    """punji-finish writes the report after its state: a Ctrl-C then left STATUS TERMINATED and
    the finish target done, so the resumed make had nothing to do and STATUS stayed STARTED."""
    make_finished(new_compose)
    os.remove(os.path.join(new_compose, "work", "global", "state", "finish.json"))
    done = signalled_child("""
        from punji_lib.compose import report
        def interrupted(*args):
            os.kill(os.getpid(), signal.SIGINT)
            import time
            time.sleep(5)
        report.write_quietly = interrupted
        from punji_lib.commands import finish
        sys.exit(finish.main([%r]))
    """ % new_compose)
    assert done.returncode == 0, done.stdout
    assert open(os.path.join(new_compose, "STATUS")).read() == "FINISHED\n"
    assert os.path.exists(os.path.join(new_compose, "work", "global", "state", "finish.json"))


def test_punji_compose_interrupted_as_its_finish_ends_leaves_the_compose_finished(tmp_path, demo_copy, monkeypatch):
    from punji_lib.commands import compose
    from punji_lib.compose import status

    def finished_then_interrupted(topdir, jobs, env, quiet=False):
        status.set_status(topdir, "FINISHED")
        raise KeyboardInterrupt()

    monkeypatch.setattr(compose, "run_make", finished_then_interrupted)
    args = compose.build_parser().parse_args([str(demo_copy / "demo.conf"), "--target-dir", str(tmp_path / "out"),
                                              "--test"])
    with pytest.raises(KeyboardInterrupt):
        compose._compose(args)
    (topdir,) = [p for p in (tmp_path / "out").iterdir() if not p.is_symlink()]
    assert (topdir / "STATUS").read_text() == "FINISHED\n"


def test_a_sigterm_swallowed_while_punji_compose_inits_still_stops_it_before_make(tmp_path, demo_copy):
    """A SIGTERM that came as init imported a C extension (lxml...) raised its KeyboardInterrupt
    in the extension's module code, which reported and dropped it: punji-compose then ran the
    whole compose (found by a kill campaign with --signal TERM)."""
    done = signalled_child("""
        from punji_lib.phases import init
        real = init.create
        def create(*args, **kwargs):
            topdir = real(*args, **kwargs)
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            except KeyboardInterrupt:
                pass  # as the extension's import does
            return topdir
        init.create = create
        from punji_lib.commands import compose
        sys.exit(compose.main([%r, "--target-dir", %r, "--test"]))
    """ % (str(demo_copy / "demo.conf"), str(tmp_path / "out")))
    assert done.returncode == 128 + signal.SIGTERM, done.stdout
    assert "punji-compose: interrupted by SIGTERM" in done.stdout
    (topdir,) = [p for p in (tmp_path / "out").iterdir() if not p.is_symlink()]
    assert (topdir / "STATUS").read_text() == "TERMINATED\n"
    assert not (topdir / "work" / "global" / "state" / "finish.json").exists()


def test_the_launcher_ignores_a_ctrl_c_from_its_very_start(capfd):
    from punji_lib.commands import compose

    proc, _env = compose.start_launcher(1)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    compose.stop_launcher(proc)
    assert proc.returncode == 0
    assert "Traceback" not in capfd.readouterr().err


def test_an_interruption_as_work_ahead_is_forked_ends_the_command_with_its_one_line():
    """A Ctrl-C that came as a command forked its work ahead (punji_lib/ahead.py) was raised in
    logging's fork hook, where Python reports and drops exceptions: the command printed that
    traceback and went on to its end (found by a kill campaign with --signal INT, in pkgset)."""
    done = signalled_child("""
        import time
        from punji_lib import ahead
        from punji_lib.commands import cli
        def work(args):
            os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))
            wait = ahead.start("nothing", time.sleep, 0.2)
            wait()
            print("went on")
        sys.exit(cli.run(cli.parser("punji-x", "x", "x"), work, []))
    """)
    assert (done.returncode, done.stdout) == (128 + signal.SIGINT, "punji-x: interrupted by SIGINT\n")


def test_a_compose_whose_finish_ran_to_its_end_after_its_waiting_client_was_killed_stays_finished(
        tmp_path, demo_copy, monkeypatch):
    """Under punji-compose a killed launcher client leaves its copy running: make failed the
    finish target while the copy made it whole. punji-compose then set STATUS DOOMED, and the
    resumed make, with nothing to do, left it STARTED (found by a kill campaign with --victim one)."""
    from punji_lib.commands import compose
    from punji_lib.compose import state, status

    def finish_made_but_its_client_killed(topdir, jobs, env, quiet=False):
        status.set_status(topdir, "FINISHED")
        state.write(topdir, "finish", status="FINISHED", latest_link=None)
        return 2, None, [("work/global/state/finish.json", "Killed")]

    monkeypatch.setattr(compose, "run_make", finish_made_but_its_client_killed)
    args = compose.build_parser().parse_args([str(demo_copy / "demo.conf"), "--target-dir", str(tmp_path / "out"),
                                              "--test"])
    compose._compose(args)
    (topdir,) = [p for p in (tmp_path / "out").iterdir() if not p.is_symlink()]
    assert (topdir / "STATUS").read_text() == "FINISHED\n"


def test_a_make_killed_alone_as_its_finish_runs_on_leaves_the_compose_finished(tmp_path, monkeypatch):
    """make killed alone (its jobs run on) as finish ran: the make's lock holder read STARTED and,
    before it wrote DOOMED, the orphaned punji-finish wrote FINISHED; DOOMED won, and the resumed
    make, with nothing to do, left it DOOMED (kill-campaign --mode make --victim make, seed
    10844 trial 13). STATUS is now read and written under a lock: finish's write waits."""
    import threading

    from punji_lib.compose import jsonio, makelock, status

    topdir = tmp_path / "compose"
    (topdir / "work" / "global").mkdir(parents=True)
    (topdir / "STATUS").write_text("STARTED\n")
    read_text, reads, finishing = jsonio.read_text, [], []

    def finish_writes_meanwhile(path):
        text = read_text(path)
        if path.endswith("STATUS") and threading.current_thread() is threading.main_thread():
            reads.append(text)
            if len(reads) == 2:  # the holder's look, then set_status's own read before its write
                finishing.append(threading.Thread(target=status.set_status, args=(str(topdir), "FINISHED")))
                finishing[0].start()
                finishing[0].join(0.5)  # finish's write lands here, between that read and the write
        return text

    monkeypatch.setattr(jsonio, "read_text", finish_writes_meanwhile)
    makelock.mark_unfinished(str(topdir))
    finishing[0].join()
    assert (topdir / "STATUS").read_text() == "FINISHED\n"


def _status_once_settled(topdir, timeout=10):
    """The compose's STATUS once it is no longer STARTED (the make's lock holder sets it just
    after make has exited), or STARTED after TIMEOUT seconds."""
    found = []
    _settled(lambda: found.append(open(os.path.join(topdir, "STATUS")).read().strip()) or found[-1] != "STARTED",
             timeout)
    return found[-1]


def _settled(done, timeout=10):
    """Whether DONE() came true within TIMEOUT seconds (what the lock holder does after make ends)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_plain_make_whose_phase_command_is_killed_leaves_the_compose_doomed_and_the_next_make_resumes(
        new_compose):
    """The OOM killer's SIGKILL leaves the command no moment to say it failed, and a plain make
    (no punji-compose watching) stopped on it: the make's lock holder, which outlives it, sets
    DOOMED (as Pungi marks a compose whose phase failed) and writes the report; the next make
    resumes the compose. Before, STATUS said STARTED with nothing running."""
    local_mk = os.path.join(new_compose, "local.mk")
    with open(local_mk, "w") as f:
        f.write("work/x86_64/state/gather-Server.json:\n\tkill -KILL $$$$\n")
    done = make(new_compose, "-j2")
    assert done.returncode != 0 and "gather-Server.json] Killed" in done.stdout, done.stdout
    assert _status_once_settled(new_compose) == "DOOMED"
    assert _settled(lambda: os.path.exists(os.path.join(new_compose, "logs", "global", "report.html")))
    os.unlink(local_mk)
    make_finished(new_compose)


def test_a_plain_make_of_one_phase_leaves_the_compose_started(new_compose):
    """`make pkgset` makes part of the compose on purpose: its end is no failure to mark."""
    assert make(new_compose, "pkgset").returncode == 0
    time.sleep(1)
    assert open(os.path.join(new_compose, "STATUS")).read().strip() == "STARTED"


def test_a_ctrl_c_that_stops_a_plain_make_between_its_commands_leaves_the_compose_terminated(new_compose):
    """A Ctrl-C (SIGINT to make's whole group) that finds no punji command running ends make
    with STATUS STARTED: the lock holder, which saw the Ctrl-C, sets TERMINATED, as a command
    interrupted does; the next make resumes."""
    local_mk = os.path.join(new_compose, "local.mk")
    with open(local_mk, "w") as f:
        f.write("work/x86_64/state/gather-Server.json:\n\tkill -INT 0\n")
    # (SIGINT as a terminal gives it: a test run started in the background has it ignored)
    done = subprocess.run(["make", "-C", new_compose, "--no-print-directory", "-j1"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert done.returncode != 0, done.stdout
    assert _status_once_settled(new_compose) == "TERMINATED", done.stdout
    os.unlink(local_mk)
    make_finished(new_compose)


def test_a_finish_that_cannot_write_its_state_leaves_the_latest_link_on_the_compose_before(tmp_path, small_repo):
    """A full disk as punji-finish writes its state file, after STATUS and the latest link: the
    compose ends DOOMED, and the latest link must stay on the finished compose before it (it
    was left on the DOOMED one: found by a nightly over a base on a nearly full tmpfs)."""
    from conftest import composed, server_config, server_variants

    (tmp_path / "variants.xml").write_text(server_variants("x86_64"))
    conf = tmp_path / "server.conf"
    conf.write_text(server_config("Server Only", "SO", small_repo, "demo-tzdata"))
    target = tmp_path / "out"
    first, second = composed(conf, target), composed(conf, target)
    link = target / "latest-SO-1"
    os.remove(os.path.join(second, "work", "global", "state", "finish.json"))
    os.remove(link)
    link.symlink_to(os.path.basename(first))  # as it was before the second compose's finish
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import errno, sys
        sys.path.insert(0, %r)
        from punji_lib.compose import state
        written = state.write
        def full(topdir, phase, *args, **kwargs):
            if phase == "finish":
                raise OSError(errno.ENOSPC, "No space left on device", "finish.json")
            return written(topdir, phase, *args, **kwargs)
        state.write = full
        from punji_lib.commands import finish
        sys.exit(finish.main([%r]))
    """) % (ROOT, second)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stdout
    assert open(os.path.join(second, "STATUS")).read().strip() == "DOOMED"
    assert os.readlink(link) == os.path.basename(first)
    make_finished(second)  # the disk freed: the resume moves it
    assert os.readlink(link) == os.path.basename(second)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs")
def test_a_latest_link_a_full_disk_stops_is_named_by_its_path_not_the_compose_it_points_at(tmp_path):
    """os.symlink's error carries what the link points at (the compose id) as its first file
    name, the link as its second: the one line named the compose id."""
    from punji_lib.errors import as_user_error
    from punji_lib.phases import finish

    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "punji-test", str(disk)], check=True)
    try:
        topdir = _compose_dir(disk, "PDL-1-20261203.n.0")
        used = subprocess.run(["df", "--output=iused", str(disk)], capture_output=True, text=True, check=True)
        subprocess.run(["mount", "-o", "remount,nr_inodes=%s" % used.stdout.split()[-1], str(disk)], check=True)
        with pytest.raises(OSError) as failed:
            finish.update_latest_link(str(topdir), "FINISHED")
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    message = str(as_user_error(failed.value))
    assert message.startswith("no space left on device writing %s/.latest-PDL-1." % disk), message


def _server_conf(tmp_path, small_repo):
    from conftest import server_config, server_variants

    (tmp_path / "variants.xml").write_text(server_variants("x86_64"))
    conf = tmp_path / "server.conf"
    conf.write_text(server_config("Server Only", "SO", small_repo, "demo-tzdata"))
    return conf


def test_a_directory_where_the_latest_link_goes_is_refused_before_a_compose_starts(tmp_path, small_repo):
    # a target copied with its links followed: Pungi fails at its very end (IsADirectoryError),
    # punji failed there too, an internal error, its whole compose made DOOMED
    conf, target = _server_conf(tmp_path, small_repo), tmp_path / "out"
    (target / "latest-SO-1").mkdir(parents=True)
    done = command("punji-compose", conf, "--target-dir", target, "--test")
    assert_one_line_error(done, "%s is a directory, not the latest link" % (target / "latest-SO-1"))
    assert os.listdir(target) == ["latest-SO-1"]
    assert command("punji-compose", conf, "--target-dir", target, "--test", "--no-latest-link").returncode == 0


def test_a_directory_put_where_the_latest_link_goes_during_a_compose_fails_its_finish_in_one_line(tmp_path, small_repo):
    conf, target = _server_conf(tmp_path, small_repo), tmp_path / "out"
    topdir = command("punji-init", conf, "--target-dir", target, "--test", check=True).stdout.strip().splitlines()[-1]
    (target / "latest-SO-1").mkdir()
    done = make(topdir, "-j2")
    assert done.returncode != 0 and "Traceback" not in done.stdout and "internal error" not in done.stdout
    assert [line for line in done.stdout.splitlines() if line.startswith("punji-finish: error: ")] == [
        "punji-finish: error: %s is a directory, not the latest link: move it away (or compose with "
        "--no-latest-link)" % (target / "latest-SO-1")], done.stdout
    assert open(os.path.join(topdir, "STATUS")).read().strip() == "DOOMED"
    (target / "latest-SO-1").rmdir()
    make_finished(topdir)
    assert os.readlink(target / "latest-SO-1") == os.path.basename(topdir)
