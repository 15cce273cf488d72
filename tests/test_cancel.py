"""Stopping a compose: SIGTERM to punji-compose (or to make) stops every command it runs, the
Koji tasks they created are canceled, STATUS says TERMINATED, and a later make goes on.

The hub is the local Koji test hub with tasks (tests/kojihub_tasks.py); its builder is made
slow here, so the live media task is still open when the signal comes.
"""

import os
import signal
import subprocess
import time

import pytest

from conftest import BIN, command, make
from kojihub_tasks import KSURL, OPEN, PROFILE, CANCELED, running_hub
from test_imagebuild import demo_config

hub = pytest.fixture(scope="module", name="hub")(running_hub)

CONFIG = """
koji_profile = "%(profile)s"
live_media_target = "pdl-1-image"
live_media = {"^Server$": [{"name": "PDL-Slow-Live", "kickstart": "live.ks", "ksurl": "%(ksurl)s",
                             "arches": ["x86_64"]}]}
"""


def wait_for(condition, timeout=120):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def session_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_to_punji_compose_stops_everything_and_cancels_the_koji_task(tmp_path, demo_repo, hub):
    conf = demo_config(tmp_path / "demo", demo_repo, CONFIG % {"profile": PROFILE, "ksurl": KSURL})
    hub.build_delay = 600  # the task stays open until canceled
    before = len(hub.submitted_calls("buildImage"))
    proc = subprocess.Popen([os.path.join(BIN, "punji-compose"), str(conf), "--target-dir", str(tmp_path / "out"),
                             "--test", "-j", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    wait_for(lambda: len(hub.submitted_calls("buildImage")) > before and
             any(t["method"] == "livemedia" and t["state"] == OPEN for t in hub.tasks.values()))
    (task_id,) = [t for t, info in hub.tasks.items() if info["method"] == "livemedia" and info["state"] == OPEN]
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    topdir = out.strip()
    assert proc.returncode == 128 + signal.SIGTERM, err
    last = err.strip().splitlines()[-1]
    assert last == "punji-compose: interrupted by SIGTERM; run `make -C %s` to go on" % topdir
    assert "punji-livemedia: interrupted by SIGTERM; 1 Koji tasks canceled" in err, err
    assert hub.tasks[task_id]["state"] == CANCELED and task_id in hub.canceled
    wait_for(lambda: not session_alive(proc.pid), timeout=10)  # nothing is left running
    assert open(os.path.join(topdir, "STATUS")).read() == "TERMINATED\n"
    rows = {(r["phase"], r["variant"], r["arch"]): r["state"]
            for r in __import__("json").loads(command("punji-status", "--json", topdir, check=True).stdout)["targets"]}
    assert rows[("livemedia", None, None)] == "interrupted"
    # make goes on where it stopped, and the compose finishes
    hub.build_delay = 0.2
    done = make(topdir, "-j2")
    assert done.returncode == 0, done.stdout[-3000:]
    assert open(os.path.join(topdir, "STATUS")).read() == "FINISHED\n"
    assert len(hub.submitted_calls("buildImage")) == before + 2
