"""`tests/kojihub.py serve`: the test hub as a process of its own, as tools/fidelity runs it for
a product with a koji.json (tags, imported builds, signatures from a fixture file)."""

import json
import os
import signal
import subprocess
import sys
import time

import koji
import pytest
import rpm

from conftest import MODULAR
from test_pkgset import build_rpm
from punji_lib.rpms.headers import read_header

HUB = os.path.join(os.path.dirname(__file__), "kojihub.py")


def start(tmp_path, fixture, *options):
    path = tmp_path / "koji.json"
    path.write_text(json.dumps(fixture))
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, HUB, "serve", "--fixture", str(path), "--root", str(tmp_path / "hub"),
                             "--home", str(tmp_path / "home"), "--ready", str(ready), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if ready.exists() or proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc, ready


@pytest.fixture
def rpms_dirs(tmp_path):
    """base/: kts-a 1.0 and kts-b 1.0; child/: kts-a 2.0 (noarch RPMs, paths relative to tmp_path)."""
    for directory, name, version in [("base", "kts-a", "1.0"), ("base", "kts-b", "1.0"), ("child", "kts-a", "2.0")]:
        path = build_rpm(tmp_path / "build" / ("%s-%s" % (name, version)), name, version, "noarch")
        (tmp_path / directory).mkdir(exist_ok=True)
        os.link(path, tmp_path / directory / path.name)
    return tmp_path


def test_serves_the_fixture_until_sigterm(rpms_dirs):
    tmp_path = rpms_dirs
    proc, ready = start(tmp_path, {
        "profile": "servetest", "signers": ["k"], "rpmv3": True,
        "tags": [{"name": "base"}, {"name": "child", "parents": ["base"]}],
        "steps": [{"import": "base", "tag": "base"}, {"import": "child", "tag": "child"},
                  {"untag": "base", "builds": ["kts-b-*"]}, {"sign": "k", "builds": ["kts-a-2.0-1"]}]})
    try:
        info = json.loads(ready.read_text())
        assert info["profile"] == "servetest" and info["pid"] == proc.pid
        key = info["sigkeys"]["k"]
        with open(tmp_path / "home" / ".koji" / "config.d" / "servetest.conf") as f:
            profile = f.read()
        assert "server = %s\n" % info["url"] in profile and "topdir = %s\n" % info["topdir"] in profile
        session = koji.ClientSession(info["url"], {"max_retries": 1, "retry_interval": 0})
        rpms, builds = session.listTaggedRPMS("child", event=session.getLastEvent()["id"], inherit=True, latest=True)
        assert [b["nvr"] for b in builds] == ["kts-a-2.0-1"]  # the child's own; kts-b untagged from the parent
        assert [r["arch"] for r in rpms] == ["noarch"]
        pathinfo = koji.PathInfo(topdir=info["topdir"])
        signed = os.path.join(pathinfo.build(builds[0]), pathinfo.signed(rpms[0], key))
        assert read_header(signed)["sigkey"] == key
        ts = rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
        with open(signed, "rb") as f:
            assert ts.hdrFromFdno(f.fileno())[rpm.RPMTAG_SIGPGP]  # rpmv3: the header+payload signature too
        assert session.listBuildRPMs("kts-a-1.0-1")[0]["nvr"] == "kts-a-1.0-1"  # Pungi's pkgset_koji_builds
        with pytest.raises(koji.GenericError, match="No such build"):
            session.listBuildRPMs("kts-z-1.0-1")
        calls = (tmp_path / "hub" / "calls.txt").read_text().splitlines()
        assert calls[-3] == 'listTaggedRPMS ["child"] {"event": %d, "inherit": true, "latest": true}' \
            % session.getLastEvent()["id"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    agents = subprocess.run(["pgrep", "-f", "gpg-agent --homedir %s" % (tmp_path / "hub")], capture_output=True)
    assert agents.stdout == b""  # the signer's gpg-agent ended with the hub


def test_call_delay_answers_each_call_late(tmp_path):
    """--call-delay (tools/kill-campaign-koji-tasks): a loaded hub, so that a campaign's kills land
    while a compose's calls are in flight."""
    proc, ready = start(tmp_path, {"tags": [{"name": "base"}]}, "--call-delay", "0.6")
    try:
        session = koji.ClientSession(json.loads(ready.read_text())["url"], {"max_retries": 1, "retry_interval": 0})
        began = time.monotonic()
        assert session.getTag("base")["name"] == "base"
        assert time.monotonic() - began >= 0.6
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_a_bad_step_stops_with_one_line(rpms_dirs):
    proc, ready = start(rpms_dirs, {"tags": [{"name": "base"}], "steps": [{"sing": "k", "builds": ["*"]}]})
    proc.wait(timeout=10)
    assert proc.returncode != 0 and not ready.exists()
    assert proc.stderr.read().strip().splitlines() == [
        "kojihub: %s: unknown step {'sing': 'k', 'builds': ['*']}" % (rpms_dirs / "koji.json")]


def test_module_builds_from_a_modulemd_file(tmp_path, modular_repo):
    proc, ready = start(tmp_path, {
        "tags": [{"name": "mods"}],
        "steps": [{"import": os.path.join(modular_repo, "Packages")},
                  {"modules": os.path.join(MODULAR, "modules.yaml"), "tag": "mods"}]})
    try:
        info = json.loads(ready.read_text())
        session = koji.ClientSession(info["url"], {"max_retries": 1, "retry_interval": 0})
        builds = session.listTagged("mods", type="module")
        assert sorted(b["nvr"] for b in builds) == ["modnode-18-20240301000000.c0ffee18",
                                                     "modnode-20-20240302000000.c0ffee20",
                                                     "modweb-1-20240303000000.beef0001",
                                                     "modweb-2-20240304000000.beef0002"]
        node18 = session.getBuild(next(b["id"] for b in builds if b["name"] == "modnode" and b["version"] == "18"))
        module = node18["extra"]["typeinfo"]["module"]
        assert module["content_koji_tag"] == "module-modnode-18-20240301000000-c0ffee18"
        rpms, _builds = session.listTaggedRPMS(module["content_koji_tag"], latest=True)
        assert sorted("%(name)s-%(version)s.%(arch)s" % r for r in rpms) == ["modnode-18.1.src", "modnode-18.1.x86_64"]
        assert sorted(a["filename"] for a in session.listArchives(node18["id"])) == ["modulemd.txt",
                                                                                    "modulemd.x86_64.txt"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_a_koji_tasks_products_hub_serves_tasks_a_build_host_closes(tmp_path):
    """tests/kojihub_tasks_serve.py: a koji-tasks* product's TaskHub as a process of its own
    (tools/kill-campaign-koji-tasks): its hub.json's targets, a password login from the profile
    under HOME, tasks its builder closes; the hub's storage must start empty."""
    server = os.path.join(os.path.dirname(__file__), "kojihub_tasks_serve.py")
    product = os.path.join(os.path.dirname(__file__), "data", "fidelity", "koji-tasks")
    ready = tmp_path / "ready.json"
    argv = [sys.executable, server, "--product", product, "--root", str(tmp_path / "hub"), "--home",
            str(tmp_path / "home"), "--ready", str(ready), "--build-delay", "0.1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        info = json.loads(ready.read_text())
        with open(tmp_path / "home" / ".koji" / "config.d" / ("%s.conf" % info["profile"])) as f:
            assert "server = %s\n" % info["url"] in f.read()
        session = koji.ClientSession(info["url"], {"max_retries": 1, "retry_interval": 0})
        session.opts.update(user="punji", password="secret")
        session.login()
        task_id = session.buildImageOz("PDL-Served", "1", ["x86_64"], "pdl-1-image", "https://t.example.com/os",
                                       opts={"kickstart": "s.ks", "format": ["raw"], "scratch": True})
        for _ in range(100):
            if session.getTaskInfo(task_id)["state"] == koji.TASK_STATES["CLOSED"]:
                break
            time.sleep(0.1)
        assert session.getTaskInfo(task_id)["state"] == koji.TASK_STATES["CLOSED"]
        with pytest.raises(koji.GenericError, match="No such build target"):
            session.buildImageOz("PDL-Served", "1", ["x86_64"], "nope", "https://t.example.com/os",
                                 opts={"kickstart": "s.ks", "format": ["raw"]})
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    again = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert again.returncode != 0 and "starts empty" in again.stderr
