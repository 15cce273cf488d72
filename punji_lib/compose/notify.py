"""Notifications: Pungi's --notification-script, called with a message name and a JSON body.

The scripts are the --notification-script values given to punji-compose or
punji-init (recorded in the compose request) and, for a plain make, the command in
the environment variable PUNJI_NOTIFICATION_SCRIPT (e.g. `export
PUNJI_NOTIFICATION_SCRIPT := /usr/bin/notify` in the compose's local.mk). Each is
run as `SCRIPT MESSAGE` in the compose directory with the body on stdin: the
message's own fields and, as Pungi adds them, compose_id, location (the compose
through translate_paths), compose_date, compose_type, compose_respin,
compose_label, compose_path, release_short, release_name, release_version,
release_type and release_is_layered (with base_product_* for a layered product).
The scripts run one at a time (a lock in logs/notifications), so a make -j does not
interleave them. Its output goes to logs/notifications/notification-<time>.log; a script that fails
or cannot run is a warning in the phase log and never fails the compose.

Messages: status-change (status), phase-start and phase-stop (phase_name, Pungi's
name of the phase: the first target of a phase to start, the last to finish),
createiso-targets (deliverables), createiso-imagedone and createiso-imagefail
(file, arch, variant), ostree (variant, arch, ref, commitid, repo_path,
local_repo_path).
"""

import datetime
import json
import os
import subprocess

from ..log import log
from . import flock, jsonio, layout

ENV = "PUNJI_NOTIFICATION_SCRIPT"

# punji phase -> Pungi's phase name, where they differ
PUNGI_NAMES = {"extrafiles": "extra_files", "extraiso": "extra_isos", "imagechecksum": "image_checksum",
               "livemedia": "live_media", "liveimages": "live_images", "imagebuild": "image_build",
               "ostreeinstaller": "ostree_installer", "imagecontainer": "image_container",
               "ostreecontainer": "ostree_container"}


def scripts(topdir):
    """The notification scripts of the compose at TOPDIR."""
    found = list(((_request(topdir).get("options") or {}).get("notification_scripts")) or [])
    if os.environ.get(ENV):
        found.append(os.environ[ENV])
    return found


def _request(topdir):
    try:
        return jsonio.read_json(layout.at(topdir, layout.compose_request_json()))
    except (OSError, ValueError):
        return {}


def body(topdir, fields):
    """FIELDS with the compose's own fields added as Pungi adds them."""
    req = _request(topdir)
    try:
        conf = jsonio.read_json(layout.at(topdir, layout.config_json()))
    except (OSError, ValueError):
        conf = {}
    data = dict(fields)
    top = os.path.abspath(topdir)
    data.setdefault("compose_id", req.get("compose_id"))
    data.setdefault("location", layout.translate_path(top, conf.get("translate_paths")))
    for key, field in (("date", "date"), ("type", "compose_type"), ("respin", "respin"), ("label", "label")):
        data.setdefault("compose_" + key, req.get(field))
    data.setdefault("compose_path", top)
    for key in ("short", "name", "version"):
        data.setdefault("release_" + key, conf.get("release_" + key))
    data.setdefault("release_type", (conf.get("release_type") or "ga").lower())
    data.setdefault("release_is_layered", bool(conf.get("base_product_name")))
    if conf.get("base_product_name"):
        for key in ("name", "version", "short", "type"):
            value = conf.get("base_product_" + key)
            data["base_product_" + key] = value.lower() if key == "type" and value else value
    return data


def send(topdir, message, **fields):
    """Call every notification script with MESSAGE and the JSON body; failures are warnings."""
    commands = scripts(topdir)
    if not commands:
        return
    text = json.dumps(body(topdir, fields), sort_keys=True)
    logs = layout.at(topdir, "logs/notifications")
    os.makedirs(logs, exist_ok=True)
    # the scripts run one at a time, as Pungi's notifier runs them (the commands of a make -j
    # would otherwise call them at once)
    with flock.held(os.path.join(logs, ".lock")):
        _run(topdir, commands, message, text, logs)


def _run(topdir, commands, message, text, logs):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d_%H-%M-%S.%f")
    for command in commands:
        path = os.path.join(logs, "notification-%s-%d.log" % (stamp, os.getpid()))
        with open(path, "a", encoding="utf-8") as out:
            out.write("%s %s\n%s\n" % (command, message, text))
            out.flush()
            try:
                done = subprocess.run([command, message], input=text, cwd=topdir, stdout=out,
                                      stderr=subprocess.STDOUT, text=True)
                failed = "exit code %d" % done.returncode if done.returncode else None
            except OSError as exc:
                failed = exc.strerror or str(exc)
        if failed:
            log.warning("notification script %s (%s) failed: %s; see %s", command, message, failed, path)


PUNJI_STEPS = ("finish", "prelink")


def phase_started(topdir, phase):
    """Send phase-start when PHASE starts its first target in this compose (not for punji's own
    steps, no Pungi phases: finish, prelink)."""
    if phase not in PUNJI_STEPS and scripts(topdir) and _first(topdir, phase, "started"):
        send(topdir, "phase-start", phase_name=PUNGI_NAMES.get(phase, phase))


def phase_done(topdir, phase):
    """Send phase-stop when every make target of PHASE has its state file."""
    if phase in PUNJI_STEPS or not scripts(topdir):
        return
    targets = [t["target"] for t in jsonio.read_json(layout.at(topdir, layout.targets_json()))["targets"]
               if t["phase"] == phase]
    if all(os.path.exists(layout.at(topdir, t)) for t in targets) and _first(topdir, phase, "stopped"):
        send(topdir, "phase-stop", phase_name=PUNGI_NAMES.get(phase, phase))


def _first(topdir, phase, event):
    """True for the one caller that records EVENT of PHASE first (concurrent targets race)."""
    path = layout.at(topdir, "work/global/notify/%s.%s" % (phase, event))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    return True
