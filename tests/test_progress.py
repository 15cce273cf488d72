"""Long work says how far it is: progress lines on stderr (and in the log), none for short work."""

import re
import subprocess
import sys

import pytest

from punji_lib import log, tool_output
from punji_lib.errors import PunjiError
from punji_lib.koji import runroot
from punji_lib.media import iso


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_throttle_is_due_first_after_the_interval_then_once_per_interval():
    clock = Clock()
    throttle = log.Throttle(clock)
    clock.now += log.PROGRESS_SECONDS - 1
    assert not throttle.due()
    clock.now += 1
    assert throttle.due() and not throttle.due()
    clock.now += log.PROGRESS_SECONDS / 2
    assert not throttle.due()
    clock.now += log.PROGRESS_SECONDS / 2
    assert throttle.due()
    assert throttle.seconds() == 2 * log.PROGRESS_SECONDS


def test_a_long_local_runroot_command_says_it_still_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(log, "PROGRESS_SECONDS", 0.2)
    monkeypatch.setattr(sys, "argv", ["punji-buildinstall"])
    output = runroot.run({"runroot_method": "local"}, "buildinstall", "x86_64",
                         ["sh", "-c", "sleep 0.5; echo made"], str(tmp_path), str(tmp_path / "x.log"))
    assert output == "made\n"
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(re.fullmatch(r"punji-buildinstall: sh: still running after 0 s", line) for line in lines), lines


def test_a_short_tool_says_nothing_and_its_failure_is_still_one_error(tmp_path, capsys):
    assert iso.run_tool(["sh", "-c", "echo quick"]) == "quick\n"
    with pytest.raises(PunjiError) as failed:
        iso.run_tool(["sh", "-c", "echo broken; exit 3"], str(tmp_path / "x.log"), "X.iso")
    assert str(failed.value) == "sh returned exit code 3 on X.iso: broken; see %s" % (tmp_path / "x.log")
    assert capsys.readouterr().err == ""


def test_a_runroot_command_killed_names_its_signal_as_an_image_tool_does(tmp_path):
    with pytest.raises(PunjiError) as failed:
        runroot.run({"runroot_method": "local"}, "buildinstall", "x86_64", ["sh", "-c", "echo started; kill -9 $$"],
                    str(tmp_path), "logs/x86_64/buildinstall-Server.log")
    assert str(failed.value) == "sh was killed by SIGKILL: started; see logs/x86_64/buildinstall-Server.log"


def test_counted_items_say_how_many_are_done_once_an_interval_has_passed(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["punji-pkgset"])
    assert list(log.counted(iter("abc"), 3, "%d of %d package headers read")) == ["a", "b", "c"]
    assert capsys.readouterr().err == ""  # quick work: no line
    monkeypatch.setattr(log, "PROGRESS_SECONDS", 0)
    assert list(log.counted(iter("ab"), 2, "%d of %d package headers read")) == ["a", "b"]
    assert capsys.readouterr().err.splitlines() == ["punji-pkgset: 0 of 2 package headers read",
                                                    "punji-pkgset: 1 of 2 package headers read"]


def test_a_long_createrepo_c_run_says_it_still_runs(monkeypatch, capsys):
    monkeypatch.setattr(log, "PROGRESS_SECONDS", 0.2)
    monkeypatch.setattr(sys, "argv", ["punji-createrepo"])
    proc = subprocess.Popen(["sleep", "0.5"])
    assert tool_output.wait(proc, "createrepo_c on compose/Server/x86_64/os") == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines and set(lines) == {"punji-createrepo: createrepo_c on compose/Server/x86_64/os: still running after 0 s"}
