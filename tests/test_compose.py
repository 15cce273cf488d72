"""punji-compose and punji-status on the demo product, end to end."""

import glob
import json
import os
import re
import shutil
import time

import pytest

from productmd.composeinfo import ComposeInfo

from conftest import BIN, assert_one_line_error, command, make


def test_demo_compose_finishes_and_productmd_loads_it(tmp_path, demo_copy):
    done = command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--nightly", "-j", "2")
    assert done.returncode == 0, done.stderr
    topdir = done.stdout.strip()
    assert os.path.dirname(topdir) == str(tmp_path / "out")
    compose_id = os.path.basename(topdir)
    assert re.fullmatch(r"PDL-1-%s\.n\.0" % time.strftime("%Y%m%d"), compose_id)
    assert open(os.path.join(topdir, "COMPOSE_ID")).read().strip() == compose_id
    assert open(os.path.join(topdir, "STATUS")).read() == "FINISHED\n"
    ci = ComposeInfo()
    ci.load(os.path.join(topdir, "compose/metadata/composeinfo.json"))
    assert ci.compose.id == compose_id and ci.compose.type == "nightly"
    assert ci.release.short == "PDL" and ci.release.name == "Punji Demo Linux"
    uids = sorted(v.uid for v in ci.get_variants(recursive=True))
    assert {"Server", "Client", "Everything", "Server-optional"} <= set(uids)
    assert ci.variants["Server"].arches == {"x86_64", "i386"}
    # the compose log has make's output; the init log exists
    assert "punji-finish" in open(os.path.join(topdir, "logs/global/compose.log")).read()
    assert os.path.exists(os.path.join(topdir, "logs/global/init.log"))


def test_tree_variants_leaving_no_variant_make_an_empty_compose_as_pungi_does(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    conf.write_text(conf.read_text() + '\ntree_variants = ["NoSuchVariant"]\n')
    done = command("punji-compose", conf, "--target-dir", tmp_path / "out", "--test")
    assert done.returncode == 0, done.stderr
    assert "no variant is left after tree_arches/tree_variants: the compose will be empty" in done.stderr
    topdir = done.stdout.strip()
    assert open(os.path.join(topdir, "STATUS")).read() == "FINISHED\n"
    ci = ComposeInfo()
    ci.load(os.path.join(topdir, "compose/metadata/composeinfo.json"))
    assert ci.get_variants() == []
    with open(os.path.join(topdir, "compose/metadata/rpms.json")) as f:
        assert json.load(f)["payload"]["rpms"] == {}
    assert sorted(os.listdir(os.path.join(topdir, "compose"))) == ["metadata"]


def test_two_composes_the_same_day_get_successive_respins(tmp_path, demo_copy):
    first = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path, "--test", check=True)
    second = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path, "--test", check=True)
    assert first.stdout.strip().endswith(".t.0") and second.stdout.strip().endswith(".t.1")


def test_label_and_production_compose_id(tmp_path, demo_copy):
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path, "--label", "RC-1.0", check=True)
    topdir = done.stdout.strip()
    assert re.fullmatch(r"PDL-1-\d{8}\.0", os.path.basename(topdir))
    assert make(topdir).returncode == 0
    info = json.load(open(os.path.join(topdir, "compose/metadata/composeinfo.json")))
    assert info["payload"]["compose"]["label"] == "RC-1.0"
    bad = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path, "--label", "Gamma-1")
    assert_one_line_error(bad, "label 'Gamma-1'")


def test_status_shows_done_pending_and_failed(new_compose):
    out = command("punji-status", new_compose, check=True).stdout
    assert "STARTED" in out and "(make has work to do)" in out
    assert re.search(r"pending\s+finish\s+global", out)
    assert make(new_compose).returncode == 0
    report = json.loads(command("punji-status", "--json", new_compose, check=True).stdout)
    assert report["status"] == "FINISHED" and report["up_to_date"] is True
    assert {t["state"] for t in report["targets"]} == {"done"}
    # a failing phase: its error line and its log are shown
    os.unlink(os.path.join(new_compose, "work/global/state/finish.json"))
    os.rename(os.path.join(new_compose, "work/global/compose-request.json"), os.path.join(new_compose, "request.bak"))
    failed = make(new_compose)
    assert failed.returncode != 0 and "punji-finish: error: " in failed.stdout
    out = command("punji-status", new_compose, check=True).stdout
    assert re.search(r"failed\s+finish\s+global\s+log: logs/global/finish.log", out)
    assert "no work/global/compose-request.json" in out
    # fixed, make goes on and the failure is gone
    os.rename(os.path.join(new_compose, "request.bak"), os.path.join(new_compose, "work/global/compose-request.json"))
    assert make(new_compose).returncode == 0
    assert "failed" not in command("punji-status", new_compose, check=True).stdout


def test_a_phase_run_by_hand_too_early_is_refused_and_leaves_the_compose_as_it_was(new_compose):
    """punji-finish by hand on a half-made compose called it FINISHED and moved the latest link to
    it; punji-createiso before createrepo made it DOOMED. Now each says what to run, and nothing changes."""
    assert make(new_compose, "gather").returncode == 0
    early = command("punji-createiso", "--variant", "Server", "--arch", "x86_64", new_compose)
    assert_one_line_error(early, "run punji-createrepo --variant Server --arch x86_64 first")
    finish = command("punji-finish", new_compose)
    line = assert_one_line_error(finish, "targets are not done yet: ", "run make in the compose to finish it")
    assert re.search(r"not done yet: createrepo Server\.i386 \(pending\), ", line), line
    assert open(os.path.join(new_compose, "STATUS")).read() == "STARTED\n"
    assert not os.path.lexists(os.path.join(os.path.dirname(new_compose), "latest-PDL-1"))
    assert not glob.glob(os.path.join(new_compose, "work/*/state/*.error"))
    report = json.loads(command("punji-status", "--json", new_compose, check=True).stdout)
    assert {t["state"] for t in report["targets"] if t["phase"] in ("createiso", "finish")} == {"pending"}
    assert make(new_compose).returncode == 0  # the order make keeps finishes it
    assert open(os.path.join(new_compose, "STATUS")).read() == "FINISHED\n"


def test_under_the_compose_s_make_a_phase_missing_its_inputs_fails_as_before(new_compose):
    assert make(new_compose).returncode == 0
    shutil.rmtree(os.path.join(new_compose, "compose/Server/x86_64/os/repodata"))
    os.unlink(os.path.join(new_compose, "work/x86_64/state/repoclosure-Server.json"))
    failed = make(new_compose)  # repoclosure, run by make, finds no repodata: the compose is DOOMED
    assert failed.returncode != 0 and "punji-repoclosure: error: " in failed.stdout
    assert open(os.path.join(new_compose, "STATUS")).read() == "DOOMED\n"
    assert os.path.exists(os.path.join(new_compose, "work/x86_64/state/repoclosure-Server.json.error"))


def test_compose_of_a_broken_config_fails_cleanly(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    conf.write_text(conf.read_text() + "\nrelease_short = 7\n")
    done = command("punji-compose", conf, "--target-dir", tmp_path / "out")
    assert_one_line_error(done, "demo.conf", "option 'release_short'")
    assert not os.path.exists(tmp_path / "out") or os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("jobs", ["0", "-1", "four"])
def test_a_number_of_jobs_below_one_is_refused_before_any_compose_is_made(tmp_path, demo_copy, jobs):
    """-j -1 made a compose whose make failed ("make exited with 2"): a DOOMED compose for a typo."""
    done = command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test", "-j", jobs)
    assert done.returncode == 2
    assert_one_line_error(done, "argument -j/--jobs", repr(jobs))
    assert not os.path.exists(tmp_path / "out")


def test_the_help_s_examples_of_a_compose_name_its_type_as_a_production_compose_needs_a_label():
    """An example without --test, --nightly... or --label fails as written: production is the default."""
    help_text = command("punji-compose", "--help", check=True).stdout
    examples = [line for line in help_text.split("\nexample:\n")[1].splitlines() if "punji-compose " in line]
    assert examples
    for line in examples:
        assert re.search(r"--(test|nightly|ci|development|label|no-label)\b", line), line


def test_the_same_error_or_warning_of_several_targets_reaches_the_terminal_once(tmp_path, capfd):
    """One broken repo read by the package set of each arch fails (or warns) each alike: its
    line reaches the terminal once, the compose's log keeps every target's."""
    from punji_lib.commands import compose

    (tmp_path / "logs" / "global").mkdir(parents=True)
    line = "punji-pkgset: error: repo /srv/repo: corrupt repodata/repomd.xml"
    warning = "punji-pkgset: warning: repo /srv/repo: other metadata is missing"
    (tmp_path / "Makefile").write_text(
        ".PHONY: compose a b c\ncompose: a b c\na b:\n\t@echo '%s' >&2\n\t@echo '%s' >&2\n"
        "c:\n\t@echo 'punji-gather: error: other' >&2\n" % (line, warning))
    code, first, _failed = compose.run_make(str(tmp_path), 1)
    shown = capfd.readouterr().err.splitlines()
    assert (code, first) == (0, "repo /srv/repo: corrupt repodata/repomd.xml")
    assert shown == [line, warning, "punji-gather: error: other"]
    assert (tmp_path / "logs" / "global" / "compose.log").read_text().splitlines() == \
        [line, warning, line, warning, shown[-1]]


def test_a_target_being_made_cannot_be_made_twice_at_once(new_compose):
    import fcntl

    assert make(new_compose, "pkgset").returncode == 0
    lock = os.path.join(new_compose, "work/x86_64/state/gather-Server.json.lock")
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", new_compose)
    assert_one_line_error(done, "gather Server.x86_64 is being made by another run")
    assert not os.path.exists(os.path.join(new_compose, "work/x86_64/state/gather-Server.json"))
    assert open(os.path.join(new_compose, "STATUS")).read() == "STARTED\n"
    # once the other run is gone, it can be made
    command("punji-gather", "--variant", "Server", "--arch", "x86_64", new_compose, check=True)


# Python source of a run of the target whose state file is sys.argv[1]: its lock, its .pid file
TAKES_THE_TARGET = ("fd = os.open(sys.argv[1] + '.lock', os.O_RDWR | os.O_CREAT)\n"
                    "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                    "open(sys.argv[1] + '.pid', 'w').write('%d\\n' % os.getpid())\n")


def leave_an_orphan(state, seconds, before_it_holds=""):
    """A run of the target whose state file is STATE, as a killed make leaves it: the lock, its own
    pid in the .pid file, no make above it (its parent gone); it holds them SECONDS. BEFORE_IT_HOLDS
    (Python source) runs once it has them, before this returns. Its pid."""
    import subprocess
    import sys

    source = ("import fcntl, os, sys, time\n"
              "r, w = os.pipe()\n"
              "if os.fork():\n    os.close(w); os.read(r, 1); os._exit(0)\n" + TAKES_THE_TARGET + before_it_holds +
              "os.write(w, b'x'); time.sleep(%s); os._exit(0)\n" % seconds)
    subprocess.run([sys.executable, "-c", source, state], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return int(open(state + ".pid").read()) if os.path.exists(state + ".pid") else None


def test_a_target_whose_killed_run_is_still_exiting_waits_for_it(new_compose):
    """make killed and run again at once: the killed run's lock is held until its processes
    (here a child that inherited the lock) have exited; the new run waits, then makes it."""
    import subprocess
    import sys

    assert make(new_compose, "pkgset").returncode == 0
    state_dir = os.path.join(new_compose, "work/x86_64/state")
    holder = ("import fcntl, os, sys, time\n" + TAKES_THE_TARGET +
              "if os.fork() == 0:\n    time.sleep(1.5)\n    os._exit(0)\n"
              "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", holder, os.path.join(state_dir, "gather-Server.json")], check=True)
    done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", new_compose)
    assert done.returncode == 0, done.stderr
    assert os.path.exists(os.path.join(state_dir, "gather-Server.json"))


def test_a_target_left_running_by_a_make_killed_alone_is_waited_for_by_the_next_make(new_compose):
    """make killed alone (SIGKILL to make, not its group): its commands run on, orphaned, and the
    make started at once failed each target one of them still held ("is being made by another
    run"; kill-campaign --mode make --victim make, seed 10844 trial 4). It now waits for it (one
    with no .pid file left a few seconds)."""
    import signal

    assert make(new_compose, "pkgset").returncode == 0
    state = os.path.join(new_compose, "work/x86_64/state/gather-Server.json")
    leave_an_orphan(state, 2)  # the run a killed make left
    done = make(new_compose, "work/x86_64/state/gather-Server.json")
    assert done.returncode == 0, done.stdout
    assert os.path.exists(state)
    # one past its state file, whose writing cleared its .pid (seed 10859 trial 17: finish writing
    # its report): failed at once, and make's .DELETE_ON_ERROR removed the state it had written
    os.unlink(state)
    leave_an_orphan(state, 2, "os.unlink(sys.argv[1] + '.pid')\n")
    done = make(new_compose, "work/x86_64/state/gather-Server.json")
    assert done.returncode == 0, done.stdout
    assert os.path.exists(state)
    # a run by hand beside another still stops at once (the other held till the check is made)
    holder = leave_an_orphan(state, 120)
    try:
        os.unlink(state)
        done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", new_compose)
        assert_one_line_error(done, "gather Server.x86_64 is being made by another run")
    finally:
        os.kill(holder, signal.SIGKILL)


def test_a_make_waiting_for_a_run_left_by_a_killed_make_says_so_and_can_be_stopped(new_compose):
    """The wait above lasts as long as the orphaned run: it was silent, and a hung run held the
    make with nothing said. The make now says which run it waits for, that a killed make left it
    and how to end it; Ctrl-C stops the wait cleanly (the run goes on); once the run is killed,
    the make goes on and makes the target itself."""
    import signal

    assert make(new_compose, "pkgset").returncode == 0
    state = os.path.join(new_compose, "work/x86_64/state/gather-Server.json")
    holder = leave_an_orphan(state, 300)
    try:
        waiting = _make_until_it_waits(new_compose, "work/x86_64/state/gather-Server.json")
        said = waiting.said
        assert "punji-gather: waiting for pid %d (python" % holder in said, said
        assert "left running gather Server.x86_64 by a killed make" in said
        assert "Ctrl-C stops waiting, `kill %d` ends it if it hangs" % holder in said
        os.killpg(waiting.pid, signal.SIGINT)
        out = said + waiting.communicate(timeout=60)[0]
        assert waiting.returncode != 0
        assert "Traceback" not in out
        assert "punji-gather: interrupted by SIGINT; stopped waiting for pid %d" % holder in out, out
        assert os.path.exists("/proc/%d" % holder)  # the run goes on
        assert open(os.path.join(new_compose, "STATUS")).read().strip() != "DOOMED"
        # the advice taken: the make waiting goes on with the target once the hung run is killed
        waiting = _make_until_it_waits(new_compose, "work/x86_64/state/gather-Server.json")
        os.kill(holder, signal.SIGKILL)
        out = waiting.said + waiting.communicate(timeout=120)[0]
        assert waiting.returncode == 0, out
        assert os.path.exists(state)
    finally:
        if os.path.exists("/proc/%d" % holder):
            os.kill(holder, signal.SIGKILL)


def _make_until_it_waits(topdir, target):
    """make TARGET in TOPDIR (a process group of its own) read until its line of waiting for a run
    left by a killed make; the Popen, with what it said in .said."""
    import select
    import subprocess

    started = subprocess.Popen(["make", "-C", str(topdir), "--no-print-directory", target], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    said, deadline = "", time.time() + 60
    while "left running" not in said and time.time() < deadline:
        if select.select([started.stdout], [], [], 1)[0]:
            line = started.stdout.readline()
            if not line:
                break
            said += line
    started.said = said
    assert "left running" in said, said
    return started


def test_a_failure_under_plain_make_dooms_the_compose_until_it_is_fixed(new_compose):
    config = os.path.join(new_compose, "work/global/config/gather.json")
    good = open(config).read()
    data = json.loads(good)
    data["gather_method"] = [["^Nothing$", "deps"]]
    with open(config, "w") as f:
        json.dump(data, f)
    out = make(new_compose)
    assert out.returncode != 0
    assert open(os.path.join(new_compose, "STATUS")).read() == "DOOMED\n"
    with open(config, "w") as f:
        f.write(good)
    out = make(new_compose)
    assert out.returncode == 0, out.stdout
    assert open(os.path.join(new_compose, "STATUS")).read() == "FINISHED\n"


def test_a_second_make_in_a_compose_stops_while_the_first_runs(new_compose):
    import subprocess

    first = subprocess.Popen(["make", "-C", new_compose, "-j1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    pid_file = os.path.join(new_compose, "work/global/make.pid")
    deadline = time.time() + 30
    while not os.path.exists(pid_file) and time.time() < deadline:
        time.sleep(0.05)
    second = make(new_compose)
    first_out = first.communicate()[0]
    assert first.returncode == 0, first_out
    assert second.returncode != 0
    assert "another make (pid %d) is running in %s" % (first.pid, new_compose) in second.stdout
    assert "Traceback" not in second.stdout
    # a dry run may look while one runs; once the first is done, make runs again
    assert make(new_compose).returncode == 0


def test_punji_compose_claims_the_compose_for_its_make(new_compose, tmp_path):
    """punji-compose takes the make lock itself before its make starts (test_makefile: that make
    starts no `punji-makefile --claim`): a make or another punji-compose in the compose
    meanwhile stops naming that make, and leaves STATUS as it is."""
    import subprocess

    # the first notification holds the first compose for longer than the others wait for the lock
    hold = tmp_path / "hold"
    hold.write_text("#!/bin/sh\ncat > /dev/null\n[ -e %s.done ] || { touch %s.done; sleep 8; }\n" % (hold, hold))
    hold.chmod(0o755)
    first = subprocess.Popen([os.path.join(BIN, "punji-compose"), "--compose-dir", new_compose, "-j1"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=dict(os.environ, PUNJI_NOTIFICATION_SCRIPT=str(hold)))
    pid_file = os.path.join(new_compose, "work/global/make.pid")
    deadline = time.time() + 30
    while not os.path.exists(pid_file) and time.time() < deadline:
        time.sleep(0.02)
    make_pid = int(open(pid_file).read())
    # both at once: each waits a few seconds for the lock before it stops
    again = subprocess.Popen([os.path.join(BIN, "punji-compose"), "--compose-dir", new_compose],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = make(new_compose)
    again.stdout, again.stderr = again.communicate()
    status_meanwhile = open(os.path.join(new_compose, "STATUS")).read()
    first_out = first.communicate()[0]
    assert first.returncode == 0, first_out
    busy = "another make (pid %d) is running in %s" % (make_pid, new_compose)
    assert second.returncode != 0 and busy in second.stdout, second.stdout
    assert_one_line_error(again, busy)
    assert status_meanwhile == "STARTED\n"
    assert open(os.path.join(new_compose, "STATUS")).read() == "FINISHED\n"


def test_a_make_killed_with_its_group_is_resumed_the_instant_after(new_compose):
    """SIGKILL of the whole process group (make, its commands, the lock holder), then make at
    once: the kernel dropped the lock with the processes, so the resume proceeds."""
    import signal
    import subprocess

    first = subprocess.Popen(["make", "-C", new_compose, "-j2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    gathering = os.path.join(new_compose, "work/x86_64/state/gather-Server.json")
    deadline = time.time() + 60
    while not os.path.exists(gathering) and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    second = make(new_compose)  # not reaped yet: the killed make is still in the process table
    first.wait()
    assert "another make" not in second.stdout, second.stdout
    assert second.returncode == 0, second.stdout[-3000:]
    assert open(os.path.join(new_compose, "STATUS")).read() == "FINISHED\n"


def strict_size_limit(demo_copy, variant, arch):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write('createiso_max_size = [("^%s$", {"%s": 1000})]\n' % (variant, arch))
        f.write('createiso_max_size_is_strict = [("^%s$", {"%s": True})]\n' % (variant, arch))
        # the variant's source ISO, held to the limit of each of its arches as Pungi holds it, is not made
        f.write('createiso_skip = [("^Everything$", {"*": True, "src": True}), ("^%s$", {"src": True})]\n' % variant)


def failing_image_writer(directory, variant, arch):
    """A directory to put first on PATH: a genisoimage that fails writing the image of
    VARIANT.ARCH (its volume id ends in that), the real one writing every other."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "genisoimage")
    with open(path, "w") as f:
        f.write('#!/bin/sh\ncase "$*" in *" %s.%s "*) echo "genisoimage: injected failure" >&2; exit 1;; esac\n'
                'exec %s "$@"\n' % (variant, arch, shutil.which("genisoimage")))
    os.chmod(path, 0o755)
    return str(directory)


def test_a_failable_deliverable_that_fails_ends_finished_incomplete(tmp_path, demo_copy, monkeypatch):
    # demo.conf: Client i386 iso is failable (a strict size limit is not: Pungi checks it in its test phase)
    bin_dir = failing_image_writer(tmp_path / "bin", "Client", "i386")
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    done = command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test", "-j", "2")
    assert done.returncode == 0, done.stderr
    topdir = done.stdout.strip()
    assert open(os.path.join(topdir, "STATUS")).read() == "FINISHED_INCOMPLETE\n"
    state = json.load(open(os.path.join(topdir, "work/i386/state/createiso-Client.json")))
    assert state["failed"] is True and "injected failure" in state["error"]
    assert "failable_deliverables" in open(os.path.join(topdir, "logs/global/compose.log")).read()
    report = json.loads(command("punji-status", "--json", topdir, check=True).stdout)
    (row,) = [t for t in report["targets"] if t["state"] == "failed (failable)"]
    assert (row["phase"], row["variant"], row["arch"]) == ("createiso", "Client", "i386")
    assert "injected failure" in row["error"]
    images = json.load(open(os.path.join(topdir, "compose/metadata/images.json")))["payload"]["images"]
    assert "i386" not in {i["arch"] for i in images["Client"].get("i386", [])}


def test_a_required_deliverable_that_fails_dooms_the_compose_naming_it(tmp_path, demo_copy):
    strict_size_limit(demo_copy, "Server", "x86_64")
    done = command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test", "-j", "2")
    topdir = done.stdout.strip()
    assert done.returncode != 0
    assert open(os.path.join(topdir, "STATUS")).read() == "DOOMED\n"
    line = [l for l in done.stderr.splitlines() if l.startswith("punji-compose: error:")]
    assert len(line) == 1 and "Traceback" not in done.stderr
    assert "createiso Server.x86_64 failed" in line[0] and "logs/x86_64/createiso-Server.log" in line[0]
    out = command("punji-status", topdir, check=True).stdout
    assert re.search(r"failed\s+createiso\s+Server\.x86_64", out), out


def test_the_doomed_line_names_the_failed_target_s_log_once(tmp_path, demo_copy, monkeypatch):
    bin_dir = failing_image_writer(tmp_path / "bin", "Server", "x86_64")
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    done = command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path / "out", "--test", "-j", "2")
    topdir = done.stdout.strip()
    (line,) = [l for l in done.stderr.splitlines() if l.startswith("punji-compose: error:")]
    assert "genisoimage: injected failure" in line
    assert line.endswith("; see %s" % os.path.join(topdir, "logs/x86_64/createiso-Server.log"))
    assert line.count("createiso-Server.log") == 1, line


def test_a_compose_failing_before_it_writes_metadata_keeps_an_empty_metadata_directory_as_pungi_does(
        tmp_path, demo_copy):
    # Pungi 4.3.2 makes compose/metadata when it sets a compose up: a compose its package set
    # phase dooms keeps it, empty (found by tools/fidelity-pungi-test-product with a missing repo)
    conf = demo_copy / "demo.conf"
    conf.write_text(conf.read_text() + '\npkgset_repos = {"*": [%r]}\n' % str(tmp_path / "no-such-repo"))
    done = command("punji-compose", conf, "--target-dir", tmp_path / "out", "--test")
    topdir = done.stdout.strip()
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert open(os.path.join(topdir, "STATUS")).read() == "DOOMED\n"
    assert "no-such-repo" in done.stderr
    assert os.listdir(os.path.join(topdir, "compose")) == ["metadata"]
    assert os.listdir(os.path.join(topdir, "compose", "metadata")) == []


def test_composes_started_at_the_same_moment_get_distinct_ids(tmp_path, demo_copy):
    import subprocess

    from conftest import BIN

    procs = [subprocess.Popen([os.path.join(BIN, "punji-init"), str(demo_copy / "demo.conf"), "--target-dir",
                               str(tmp_path), "--test"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    dirs = [p.communicate()[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(os.path.basename(d)[-1] for d in dirs) == ["0", "1", "2", "3"]
    assert len(set(open(os.path.join(d, "COMPOSE_ID")).read() for d in dirs)) == 4


@pytest.mark.parametrize("compose_type", ["production", "nightly", "test", "ci", "development"])
@pytest.mark.parametrize("conf", [
    {"release_name": "Demo", "release_short": "PDL", "release_version": "1"},
    {"release_name": "Demo", "release_short": "PDL", "release_version": "9.1", "release_type": "updates-testing"},
    {"release_name": "Tools", "release_short": "TLS", "release_version": "2", "release_type": "GA",
     "base_product_name": "Base", "base_product_short": "BASE", "base_product_version": "8",
     "base_product_type": "eus"},
])
def test_the_compose_id_is_productmds(conf, compose_type):
    """composeid.compose_id, worked out without importing productmd, is productmd's."""
    from punji_lib.compose import composeid

    ours = composeid.compose_id(conf, compose_type, "20261205", 3)
    assert ours == composeid.compose_info(conf, compose_type, None, "20261205", 3).create_compose_id()


def test_a_milestone_label_makes_the_compose_final_as_pungis_supported_flag():
    from punji_lib.compose import composeid

    conf = {"release_name": "Punji Demo Linux", "release_short": "PDL", "release_version": "1"}
    assert composeid.compose_info(conf, "production", "RC-1.0").compose.final is True
    assert composeid.compose_info(conf, "production", "Update-1.1").compose.final is True
    assert composeid.compose_info(conf, "production", "Beta-1.0").compose.final is False
    assert composeid.compose_info(conf, "nightly").compose.final is False


def test_a_layered_product_has_the_composes_release_type(new_compose):
    from punji_lib.phases import finish

    for name, change in (("config.json", lambda d: d.update(release_type="updates")),
                         ("variants.json", lambda d: d["variants"].append(dict(
                             d["variants"][0], uid="Server-Tools", id="Tools", name="Tools", parent="Server",
                             type="layered-product", children=[], has_optional=False,
                             release={"name": "Punji Tools", "short": "PTL", "version": "3"})))):
        path = os.path.join(new_compose, "work/global", name)
        data = json.load(open(path))
        change(data)
        json.dump(data, open(path, "w"))
    tools = finish.composeinfo(new_compose).variants["Server"]["Tools"]
    assert (tools.release.short, tools.release.version, tools.release.type) == ("PTL", "3", "updates")


def test_composeinfo_lists_a_child_variants_trees_even_absent_as_pungi_does(new_compose):
    """Pungi's composeinfo.json keeps a path of a top-level variant only when its directory exists
    (images: compose/<uid>/<arch>/images, not the tree's os/images), of a child variant (an
    is_empty layered product) its trees and repositories always, its isos only when they exist."""
    from punji_lib.phases import finish

    path = os.path.join(new_compose, "work/global/variants.json")
    data = json.load(open(path))
    data["variants"].append(dict(
        data["variants"][0], uid="Server-Tools", id="Tools", name="Tools", parent="Server", type="layered-product",
        arches=["x86_64"], children=[], has_optional=False, is_empty=True,
        release={"name": "Punji Tools", "short": "PTL", "version": "3"}))
    json.dump(data, open(path, "w"))
    for rel in ("Server/x86_64/os/images", "Server/i386/images", "Server/x86_64/iso"):
        os.makedirs(os.path.join(new_compose, "compose", rel))
    server = finish.composeinfo(new_compose).variants["Server"]
    assert (server.paths.os_tree, server.paths.images, server.paths.isos) == (
        {"x86_64": "Server/x86_64/os"}, {"i386": "Server/i386/images"}, {"x86_64": "Server/x86_64/iso"})
    assert server.paths.packages == server.paths.debug_tree == server.paths.source_tree == {}
    tools = server["Tools"].paths
    assert (tools.os_tree, tools.packages, tools.repository) == (
        {"x86_64": "Server-Tools/x86_64/os"}, {"x86_64": "Server-Tools/x86_64/os/Packages"},
        {"x86_64": "Server-Tools/x86_64/os"})
    assert (tools.debug_tree, tools.debug_packages, tools.debug_repository) == (
        {"x86_64": "Server-Tools/x86_64/debug/tree"}, {"x86_64": "Server-Tools/x86_64/debug/tree/Packages"},
        {"x86_64": "Server-Tools/x86_64/debug/tree"})
    assert (tools.source_tree, tools.source_packages, tools.source_repository) == (
        {"x86_64": "Server-Tools/source/tree"}, {"x86_64": "Server-Tools/source/tree/Packages"},
        {"x86_64": "Server-Tools/source/tree"})
    assert tools.isos == tools.source_isos == tools.images == {}


def test_a_failed_target_whose_error_file_is_empty_is_named_with_the_error_make_relayed(monkeypatch):
    """A full disk can leave a failed target's .error file empty: the DOOMED line then takes the
    command's own error line, which punji-compose saw go by."""
    from punji_lib.commands import compose
    from punji_lib.compose import status

    target = {"phase": "createrepo", "variant": "Server", "arch": "src", "log": "logs/src/createrepo-Server.log"}
    monkeypatch.setattr(status, "failing", lambda topdir: [(target, "")])
    relayed = "no space left on device writing /c/work/src/state/createrepo-Server.json"
    assert compose.doomed_message("/c", 2, relayed) == (
        "compose DOOMED: createrepo Server.src failed: %s; see /c/logs/src/createrepo-Server.log" % relayed)
    monkeypatch.setattr(status, "failing", lambda topdir: [(target, "its own line")])
    assert "failed: its own line; see" in compose.doomed_message("/c", 2, relayed)


def test_a_target_answered_unrun_is_not_named_as_the_failure(monkeypatch, tmp_path):
    """Once one command failed (createrepo, on a full disk, before it could write its .pid), the
    launcher answers the commands still waiting with exit 1 unrun, and make may report one of those
    first: the DOOMED line then gives the error a command printed, not "recorded no error"."""
    from punji_lib.commands import compose
    from punji_lib.compose import status

    monkeypatch.setattr(status, "failing", lambda topdir: [])
    monkeypatch.setattr(compose, "_target_named", lambda topdir, name: {
        "phase": "createiso", "variant": "Server", "arch": "x86_64", "log": "logs/x86_64/createiso-Server.log"})
    printed = "no space left on device writing %s/work/src/state/createrepo-Server.json.pid" % tmp_path
    failures = [("work/x86_64/state/createiso-Server.json", "Error 1")]
    assert compose.doomed_message(str(tmp_path), 2, printed, failures) == "compose DOOMED: " + printed
    (tmp_path / "work/x86_64/state").mkdir(parents=True)
    (tmp_path / "work/x86_64/state/createiso-Server.json.pid").write_text("1")  # it ran
    assert "createiso Server.x86_64 failed: its command exited with 1 and recorded no error" in \
        compose.doomed_message(str(tmp_path), 2, printed, failures)


def test_composeinfo_lists_a_nested_variants_tree_paths_even_when_missing_as_pungi_does(tmp_path):
    # Pungi 4.3.2 drops the paths that do not exist of top-level variants only: an is_empty addon
    # keeps its repository paths inside its parent's trees (found by tools/fuzz-compose --outputs)
    from productmd.composeinfo import ComposeInfo, Variant

    from punji_lib.phases import finish

    (tmp_path / "compose" / "Server" / "x86_64" / "os" / "Packages").mkdir(parents=True)
    ci = ComposeInfo()
    paths = {}
    for record in ({"uid": "Server", "id": "Server", "type": "variant", "parent": None, "arches": ["x86_64"]},
                   {"uid": "Server-HA", "id": "HA", "type": "addon", "parent": "Server", "arches": ["x86_64"]}):
        variant = Variant(ci)
        finish._set_paths(str(tmp_path), variant, record)
        paths[record["uid"]] = {name: dict(getattr(variant.paths, name)) for name in variant.paths._fields
                                if getattr(variant.paths, name)}
    assert paths["Server"] == {"os_tree": {"x86_64": "Server/x86_64/os"},
                               "packages": {"x86_64": "Server/x86_64/os/Packages"},
                               "repository": {"x86_64": "Server/x86_64/os"}}
    assert paths["Server-HA"] == {
        "os_tree": {"x86_64": "Server/x86_64/os"}, "packages": {"x86_64": "Server/x86_64/os/addons/HA"},
        "repository": {"x86_64": "Server/x86_64/os/addons/HA"}, "debug_tree": {"x86_64": "Server/x86_64/debug/tree"},
        "debug_packages": {"x86_64": "Server/x86_64/debug/tree/addons/HA"},
        "debug_repository": {"x86_64": "Server/x86_64/debug/tree/addons/HA"},
        "source_tree": {"x86_64": "Server/source/tree"}, "source_packages": {"x86_64": "Server/source/tree/addons/HA"},
        "source_repository": {"x86_64": "Server/source/tree/addons/HA"}}


def _run_make(tmp_path, capfd, jobs, rules):
    """punji-compose's make run over a Makefile of RULES (goal compose) in TMP_PATH: (exit code,
    first error, make's failures, what reached the terminal)."""
    from punji_lib.commands import compose

    (tmp_path / "logs" / "global").mkdir(parents=True)
    (tmp_path / "Makefile").write_text(".PHONY: compose\n" + rules)
    code, first, failed = compose.run_make(str(tmp_path), jobs)
    return code, first, failed, capfd.readouterr().err


def test_make_lines_of_targets_the_launcher_answered_unrun_stay_off_the_terminal(tmp_path, capfd):
    """Once a target failed, the launcher answers the commands still waiting unrun (exit 1), and
    make said "Error 1" of each as if they had failed too; only the failed target's line is
    shown, the log keeps every line."""
    code, _first, failed, shown = _run_make(tmp_path, capfd, 3, "compose: killed unrun failed\n"
                                            "killed:\n\tsleep 0.1; kill -KILL $$$$\nunrun:\n\tsleep 0.5; exit 1\n"
                                            "failed:\n\tsleep 0.5; touch failed.error; exit 1\n")
    assert code == 2
    assert [f[0] for f in failed][:1] == ["killed"] and sorted(f[0] for f in failed) == ["failed", "killed", "unrun"]
    assert "killed] Killed" in shown and "failed] Error 1" in shown and "unrun]" not in shown
    assert "unrun] Error 1" in (tmp_path / "logs" / "global" / "compose.log").read_text()


def test_a_target_answered_unrun_before_make_stops_stays_off_the_terminal_after_a_command_said_its_error(
        tmp_path, capfd):
    """The launcher answers waiting commands unrun as soon as a copy failed, so make may report
    one of them before the failed target itself, and before it says it is stopping (a full disk:
    seen by tools/fuzz-compose 7687): once a punji command printed its error, such a line is
    not shown either."""
    code, first, failed, shown = _run_make(
        tmp_path, capfd, 2, "compose: failed unrun\nunrun:\n\tsleep 0.2; exit 1\nfailed:\n"
        "\techo 'punji-createrepo: error: no space left' >&2; touch failed.error; sleep 0.5; exit 1\n")
    assert (code, first) == (2, "no space left")
    assert [f[0] for f in failed] == ["unrun", "failed"]
    assert "failed] Error 1" in shown and "unrun]" not in shown
