"""What a compose has done: each make target done, failed, running or pending."""

import os
import subprocess

from . import flock, jsonio, layout


def target_state(topdir, target):
    """'done', 'failed (failable)', 'failed', 'running', 'interrupted' or 'pending'."""
    path = layout.at(topdir, target["target"])
    if os.path.exists(path):
        return "failed (failable)" if jsonio.read_json(path).get("failed") else "done"
    if os.path.exists(path + ".error"):
        return "failed"
    if os.path.exists(path + ".pid"):
        with open(path + ".pid") as f:
            pid = f.read().strip()
        return "running" if pid.isdigit() and _alive(int(pid)) else "interrupted"
    return "pending"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def error_line(topdir, target):
    """The one-line error of a failed target (a failable one keeps it in its state file)."""
    state = layout.at(topdir, target["target"])
    if os.path.exists(state):
        return jsonio.read_json(state).get("error") or ""
    path = state + ".error"
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def report(topdir):
    """{'compose_id', 'status', 'up_to_date', 'targets': [target + state]}."""
    targets = jsonio.read_json(layout.at(topdir, layout.targets_json()))["targets"]
    rows = []
    for target in targets:
        row = dict(target, state=target_state(topdir, target))
        if row["state"].startswith("failed"):
            row["error"] = error_line(topdir, target)
        rows.append(row)
    return {
        "compose_id": _read(topdir, layout.compose_id_file()),
        "status": _read(topdir, layout.status_file()),
        "up_to_date": _up_to_date(topdir),
        "targets": rows,
    }


def _read(topdir, relpath):
    try:
        with open(layout.at(topdir, relpath), encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _up_to_date(topdir):
    """Whether running make now would run no punji command. `make -n`, not `make -q`:
    the config slices are targets with empty recipes, which -q always counts as work."""
    try:
        done = subprocess.run(["make", "-n", "-C", topdir], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except FileNotFoundError:
        return None
    return done.returncode == 0 and "/punji-" not in done.stdout


def failing(topdir):
    """The targets that failed for good (not failable): [(target, error line)]."""
    result = []
    for target in jsonio.read_json(layout.at(topdir, layout.targets_json()))["targets"]:
        if target_state(topdir, target) == "failed":
            result.append((target, error_line(topdir, target)))
    return result


def set_status(topdir, new, only_if=None):
    """Write NEW into the compose's STATUS file (only when it says ONLY_IF, a status or a tuple
    of them, if that is given);
    a change is a status-change notification."""
    from . import notify

    path = layout.at(topdir, layout.status_file())
    with _status_lock(topdir):
        old = (jsonio.read_text(path) or "").strip()
        if only_if is not None and old not in (only_if if isinstance(only_if, tuple) else (only_if,)):
            return
        jsonio.write_small(path, new + "\n")
    if old != new:
        notify.send(topdir, "status-change", status=new)


def _status_lock(topdir):
    """An flock held while STATUS is read and written: a make's holder marking the compose DOOMED
    only if it is still STARTED (its make was killed alone) must not read STARTED, then write
    over the FINISHED that punji-finish, still running, wrote in between. Best effort: without
    its file (a full disk, no work/global yet) STATUS is written as before."""
    return flock.held(layout.at(topdir, layout.status_lock()), best_effort=True)
