"""Notification scripts (Pungi's --notification-script) and the latest link, on demo composes.

Three composes of the demo product go into one target directory (the second and third
reuse the first's outputs, so they are quick): A with a script that records every
message, B with a script that fails, C with --no-latest-link.
"""

import json
import os

import pytest

from conftest import command, demo_config

RECORDER = """#!/bin/sh
# a notification script: one line per message, "<message> <JSON body>"
printf '%s ' "$1" >> "{log}"
cat >> "{log}"
echo >> "{log}"
"""


def compose(demo, target, *options):
    done = command("punji-compose", demo / "demo.conf", "--target-dir", target, "--test", "-j", "2", *options)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.fixture(scope="module")
def composes(tmp_path_factory, demo_repo):
    top = tmp_path_factory.mktemp("notify")
    demo = top / "demo"
    demo_config(demo, demo_repo, '\ntranslate_paths = [("%s", "https://composes.example.com")]\n' % (top / "out"))
    recorder, failing = top / "recorder.sh", top / "failing.sh"
    recorder.write_text(RECORDER.format(log=top / "messages.txt"))
    failing.write_text("#!/bin/sh\necho 'cannot reach the bus' >&2\nexit 3\n")
    for script in (recorder, failing):
        script.chmod(0o755)
    first = compose(demo, top / "out", "--notification-script", str(recorder))
    second = compose(demo, top / "out", "--notification-script", str(failing))
    third = compose(demo, top / "out", "--no-latest-link")
    messages = [line.split(" ", 1) for line in (top / "messages.txt").read_text().splitlines() if line]
    return top / "out", first, second, third, [(m, json.loads(body)) for m, body in messages]


def test_status_changes_and_phases_in_order(composes):
    _out, first, _second, _third, messages = composes
    names = [m for m, _body in messages]
    statuses = [body["status"] for m, body in messages if m == "status-change"]
    assert statuses == ["STARTED", "FINISHED"]
    assert names[0] == "status-change" and names[-1] == "status-change"
    started = [body["phase_name"] for m, body in messages if m == "phase-start"]
    stopped = [body["phase_name"] for m, body in messages if m == "phase-stop"]
    assert started[:2] == ["init", "pkgset"] and sorted(started) == sorted(stopped)
    assert {"gather", "createrepo", "createiso", "image_checksum", "repoclosure", "test"} <= set(started)
    assert "finish" not in started  # punji's own last step, no Pungi phase
    events = [(m, body.get("phase_name")) for m, body in messages]
    for phase in started:  # each phase once, started before it stops
        assert started.count(phase) == 1
        assert events.index(("phase-start", phase)) < events.index(("phase-stop", phase))


def test_createiso_messages_name_every_image(composes):
    _out, first, _second, _third, messages = composes
    targets = [path for m, body in messages if m == "createiso-targets" for path in body["deliverables"]]
    done = [(body["file"], body["variant"], body["arch"]) for m, body in messages if m == "createiso-imagedone"]
    images = json.load(open(os.path.join(first, "compose/metadata/images.json")))["payload"]["images"]
    isos = {os.path.join(first, "compose", i["path"]) for arches in images.values() for found in arches.values()
            for i in found if i["type"] == "dvd"}
    assert isos and set(targets) == isos and {f for f, _v, _a in done} == isos
    assert all(f.startswith("%s/compose/%s/" % (first, v)) and ("/%s/" % a in f or a == "src") for f, v, a in done)


def test_every_body_carries_the_compose_fields(composes):
    _out, first, _second, _third, messages = composes
    compose_id = os.path.basename(first)
    for _m, body in messages:
        assert body["compose_id"] == compose_id and body["compose_path"] == first
        assert body["location"] == "https://composes.example.com/" + compose_id
        assert (body["release_short"], body["release_version"], body["compose_type"]) == ("PDL", "1", "test")
        assert body["release_is_layered"] is False and body["release_type"] == "ga"


def test_a_failing_script_is_a_warning_only(composes):
    out, _first, second, _third, _messages = composes
    assert open(os.path.join(second, "STATUS")).read() == "FINISHED\n"
    logs = os.listdir(os.path.join(second, "logs/notifications"))
    assert logs and any("cannot reach the bus" in open(os.path.join(second, "logs/notifications", n)).read()
                        for n in logs)
    assert "notification script %s/failing.sh (status-change) failed: exit code 3" % out.parent in \
        open(os.path.join(second, "logs/global/finish.log")).read()


def test_the_latest_link_follows_the_newest_finished_compose(composes):
    out, first, second, third, _messages = composes
    link = out / "latest-PDL-1"
    assert os.readlink(link) == os.path.basename(second)  # the third asked for no link
    # finishing the older compose again does not move the link back
    assert command("punji-finish", first).returncode == 0
    assert os.readlink(link) == os.path.basename(second)
    assert sorted(n for n in os.listdir(out) if n.startswith("latest")) == ["latest-PDL-1"]


def test_link_names_as_pungi_makes_them():
    from punji_lib.phases.finish import latest_link_name

    conf = {"release_short": "Fedora", "release_version": "43.1.2"}
    assert latest_link_name(conf) == "latest-Fedora-43.1"
    assert latest_link_name(conf, 0) == "latest-Fedora"
    assert latest_link_name(conf, 1) == "latest-Fedora-43"
    assert latest_link_name(conf, 9) == "latest-Fedora-43.1.2"
    assert latest_link_name(dict(conf, release_version="9")) == "latest-Fedora-9"
    assert latest_link_name(dict(conf, base_product_name="RHEL", base_product_short="RHEL",
                                 base_product_version="9")) == "latest-Fedora-43.1-RHEL-9"


def test_a_plain_make_notifies_through_the_environment(composes, tmp_path, monkeypatch):
    _out, first, _second, _third, _messages = composes
    log = tmp_path / "env-messages.txt"
    script = tmp_path / "env.sh"
    script.write_text(RECORDER.format(log=log))
    script.chmod(0o755)
    monkeypatch.setenv("PUNJI_NOTIFICATION_SCRIPT", str(script))  # what `export` in local.mk gives the commands
    for marker in ("started", "stopped"):
        os.unlink(os.path.join(first, "work/global/notify/imagechecksum.%s" % marker))
    assert command("punji-imagechecksum", first).returncode == 0
    lines = log.read_text().splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["phase-start", "phase-stop"]
    assert json.loads(lines[0].split(" ", 1)[1])["phase_name"] == "image_checksum"
