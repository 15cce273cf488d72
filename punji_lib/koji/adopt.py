"""The Koji tasks a killed run of an image phase left on the hub, taken over by its resume.

A phase killed (SIGKILL, a power cut) while it waits for its tasks cannot cancel them: they
go on and close on the hub. Submitting the same calls again would build every image twice,
and a real hub refuses a second build of one NVR ("Build already exists", "Build already in
progress") while the first is building or after it finished, so the resumed compose would
fail where an uninterrupted one did not. Each run therefore records every task it submits in
work/global/<phase>/koji-tasks.json ({digest of the call: task id}, written as each task is
created); a run finding that record (only a killed run leaves it: a failed or interrupted
run removes it, a run done once it has written its state) takes over the task recorded for
the same call (hub, method, arguments) if the hub still has it FREE, OPEN or CLOSED, and submits the call
anew otherwise (a failed or canceled task, one the killed run was not told the id of).

A call is recorded before it is made, with no id yet: a run killed between the hub creating the
task and the record of its id leaves that mark, and its resume says in a warning that a task of
the call may be left on the hub (a real hub then refuses the second build of an NVR while the
first builds). It is not looked up: the hub's task lists say neither which compose created a
task nor, in one form across hub versions and plugins, which call; another compose of the same
config by the same user (a test compose beside the nightly) makes tasks of the same calls, and
taking one of those over would be worse than a second task.
"""

import os

from ..compose import jsonio, layout, state
from ..log import progress, warn
from . import tasks as kojitasks

TAKEN_OVER = {kojitasks.FREE, kojitasks.OPEN, kojitasks.ASSIGNED, kojitasks.CLOSED}


class TaskRecord:
    """The tasks of one run of PHASE in compose TOPDIR: submit() creates or takes over."""

    def __init__(self, topdir, phase):
        self.phase = phase
        self.path = layout.at(topdir, layout.koji_tasks_json(phase))
        self.left = self._read()  # the killed run's {call: task id}
        self.tasks = {}

    def _read(self):
        if not os.path.isfile(self.path):
            return {}
        try:
            return dict(jsonio.read_json(self.path).get("tasks") or {})
        except (ValueError, AttributeError):  # a record cut short: nothing to take over
            return {}

    def submit(self, session, method, *args, **kwargs):
        """The id of the task for this call: the killed run's, or a new one."""
        call = state.digest(session.server, method, list(args), kwargs)
        task_id = self._left_task(session, method, call)
        if task_id is None:
            self.tasks[call] = None  # made, its id not known yet: a kill now leaves this mark
            self._write()
            task_id = session.submit(method, *args, **kwargs)
        self.tasks[call] = task_id
        self._write()
        return task_id

    def _write(self):
        # the killed run's tasks not reached yet stay: this run may be killed too
        jsonio.write_json(self.path, {"header": state.header("koji-tasks"), "tasks": dict(self.left, **self.tasks)})

    def _left_task(self, session, method, call):
        if call in self.left and self.left[call] is None:
            warn("punji-" + self.phase, "the interrupted run was killed as it created a Koji task of %s, before it "
                 "learned its id: that task may still be on the hub, and this run creates another (cancel the "
                 "first if the hub refuses a second build of its NVR)" % method)
        task_id = self.left.pop(call, None)
        if task_id is None:
            return None
        info = session.call("getTaskInfo", task_id)
        if not info or info["state"] not in TAKEN_OVER:
            return None
        progress("koji task %s: taken over from the interrupted run (%s)"
                 % (task_id, kojitasks.STATE_NAMES.get(info["state"], info["state"])))
        kojitasks.SUBMITTED.append((session, task_id))  # canceled as the run's own if it is interrupted
        return task_id

    def forget(self):
        """The run failed or was interrupted (not killed): nothing to take over next time."""
        _unlink(self.path)


def forget(topdir, phase):
    """The run of PHASE wrote its state: its record goes (a kill before leaves the tasks to take over)."""
    _unlink(layout.at(topdir, layout.koji_tasks_json(phase)))


def _unlink(path):
    if os.path.lexists(path):
        os.unlink(path)


# -- runroot tasks: waited for, not taken over --------------------------------------------------
#
# A runroot task (lorax, rpm-ostree, the ISO tools) writes straight into the compose. One left
# running by a killed run goes on writing there while its resume clears the output and runs
# the command again: two writers in one directory, and the resume fails (lorax finds what the
# other made) or keeps a mix. Taking such a task over is not safe either (the resume may have
# cleared part of its output already), so a run first waits for the tasks the killed run left
# in the same slot (the phase's log: one variant.arch) to end, then runs anew.

OWN = set()  # the runroot records this process wrote (its own tasks, not a killed run's)


def runroot_record_dir(topdir, slot):
    return layout.at(topdir, layout.koji_runroot_dir(slot))


def runroot_started(topdir, slot, profile, task_id):
    """Record that this run's runroot task TASK_ID of SLOT is on the hub (until runroot_ended)."""
    path = os.path.join(runroot_record_dir(topdir, slot), "%s.json" % task_id)
    jsonio.write_json(path, {"header": state.header("koji-runroot-task"), "task": task_id, "profile": profile})
    OWN.add(path)


def runroot_ended(topdir, slot, task_id):
    path = os.path.join(runroot_record_dir(topdir, slot), "%s.json" % task_id)
    OWN.discard(path)
    _unlink(path)


def settle_runroot(topdir, slot):
    """Wait until every runroot task a killed run left in SLOT has ended (closed, failed or
    canceled); forget them."""
    directory = runroot_record_dir(topdir, slot)
    if not os.path.isdir(directory):
        return
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not name.endswith(".json") or path in OWN:
            continue
        try:
            record = jsonio.read_json(path)
            task_id, profile = int(record["task"]), record["profile"]
        except (ValueError, KeyError, TypeError):  # a record cut short: the task id was never known
            os.unlink(path)
            continue
        session = kojitasks.TaskSession(profile)
        info = session.call("getTaskInfo", task_id)
        if info and info["state"] not in kojitasks.DONE:
            progress("koji task %s: left running by an interrupted run; waiting for it to end before "
                     "running again" % task_id)
            session.wait([task_id])
        os.unlink(path)
