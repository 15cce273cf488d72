"""The local Koji test hub with the runroot plugin: runroot tasks that really run their command.

RunrootHub adds to kojihub_tasks.TaskHub the runroot plugin's hub call,
runroot(tagInfo, arch, command, channel=None, **opts) with the options
punji passes (packages, mounts, weight), checked as the plugin does: a logged-in
session, an existing tag, an arch of the tag. As on a real hub the task starts
FREE; the builder thread takes it and runs COMMAND with `sh -c` on this
machine, in a scratch directory (as the builder's mock chroot runs it in /tmp,
the compose reached through the mounts, here the same paths). The command's
output (stdout and stderr) is the task's runroot.log in
work/tasks/<id % 10000>/<id>/; a non-zero exit fails the task with the builder's
error ("mock exited with status N"), which getTaskResult raises as a fault.

The pungi_buildinstall plugin's hub call (lorax_use_koji_plugin) checks the lorax
arguments as the plugin's builder side does (only the ones it allows; outputdir
must not exist yet), turns them into a lorax command writing into
<outputdir>/results with its log in <outputdir>/logs/lorax.log, and runs it as a
runroot child task, the parent closing or failing with it.

The pungi_ostree plugin's hub call (ostree_use_koji_plugin) runs `pungi-make-ostree
tree --<key>=<value>...` from its pungi_make_ostree_args the same way.

Each runroot task (a plugin's child too) has a build root: listBuildroots(taskID=...) names it
and listRPMs(componentBuildrootID=...) lists its RPMs (the packages the task asked for, at
version 1.0-1 of the task's arch), which Pungi records as the buildroot RPMs of buildinstall.
hasPerm answers True (the test user is an admin), as the pungi-buildinstall CLI asks first.

Failure injection: fail_runroot(error) makes the next runroot task fail with
ERROR without running its command (a broken build root); the inherited
fail_next(count) answers the next COUNT requests ServerOffline.
"""

import os
import shlex
import subprocess
import tempfile
import time
import xmlrpc.client

import kojihub
import kojihub_tasks
from kojihub import GENERIC_ERROR
from kojihub_tasks import FREE, OPEN, CLOSED, FAILED, TaskHub, serve_with_builder

PROFILE = kojihub_tasks.PROFILE
TAG = "pdl-1-build"

kojihub.FIXTURE_CALLS.update({"fail_runroot", "runroot_tasks", "plugin_tasks"})

PLUGINS = ("pungi_buildinstall", "pungi_ostree")

# the lorax arguments the pungi_buildinstall builder plugin accepts (its newer versions: the last three too)
LORAX_ARGS = {"product", "version", "release", "sources", "variant", "bugurl", "nomacboot", "noupgrade", "isfinal",
              "buildarch", "volid", "installpkgs", "add-template", "add-arch-template", "add-template-var",
              "add-arch-template-var", "rootfs-size", "dracut-args", "skip_branding", "squashfs_only",
              "configuration_file"}
LORAX_OPTION = {"sources": "--source", "dracut-args": "--dracut-arg", "skip_branding": "--skip-branding",
                "squashfs_only": "--squashfs-only", "configuration_file": "--config"}


class RunrootHub(TaskHub):
    def __init__(self, root, users=None):
        super().__init__(root, users)
        self.runroot_failures = []  # errors the next runroot tasks fail with, in order
        self.runroot_delay = 0.3  # how long before the builder takes a task

    # -- fixture side -------------------------------------------------------------------

    def fail_runroot(self, error="GenericError: mock exited with status 30 (build root broken)"):
        with self.lock:
            self.runroot_failures.append(error)

    def runroot_tasks(self):
        """[(task id, args, kwargs)] of every runroot task created, in order."""
        return [(t["id"], t["request"][0], t["request"][1]) for _, t in sorted(self.tasks.items())
                if t["method"] == "runroot"]

    def plugin_tasks(self, method):
        """[(task id, args, kwargs)] of every METHOD task (pungi_buildinstall) created, in order."""
        return [(t["id"], t["request"][0], t["request"][1]) for _, t in sorted(self.tasks.items())
                if t["method"] == method]

    def hasPerm(self, perm, strict=False):
        return True

    def taskFinished(self, taskId):
        return self.tasks[taskId]["state"] in (CLOSED, FAILED, kojihub_tasks.CANCELED)

    def listBuildroots(self, hostID=None, tagID=None, state=None, rpmID=None, archiveID=None, taskID=None,
                       buildrootID=None, repoID=None, queryOpts=None):
        """The build root of a runroot task (its id is the task's); a plugin's parent has none."""
        task = self.tasks.get(taskID) if taskID is not None else self.tasks.get(buildrootID)
        if not task or task["method"] != "runroot":
            return []
        tag = task["request"][0][0]
        return [{"id": task["id"], "task_id": task["id"], "arch": task["arch"], "tag_name": tag,
                 "host_id": 1, "state": 3}]

    def listRPMs(self, buildID=None, buildrootID=None, imageID=None, componentBuildrootID=None, hostID=None,
                 arches=None, queryOpts=None, draft=None):
        if componentBuildrootID is None:
            return super().listRPMs(buildID, buildrootID, imageID, componentBuildrootID, hostID, arches, queryOpts,
                                    draft)
        task = self.tasks[componentBuildrootID]
        names = sorted(set(task["request"][1].get("packages") or []) | {"bash"})
        return [{"id": 5000 + n, "name": name, "version": "1.0", "release": "1", "epoch": None, "arch": task["arch"],
                 "nvr": "%s-1.0-1" % name, "build_id": None, "external_repo_id": 0} for n, name in enumerate(names)]

    def _check_tag_arch(self, tagInfo, arch):
        tag = self._tag(tagInfo)
        canon = {"i386": "i386", "i486": "i386", "i586": "i386", "i686": "i386"}
        if canon.get(arch, arch) not in [canon.get(a, a) for a in tag["arches"].split()]:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: arch %s is not in the arches of tag %s (%s)"
                                      % (arch, tag["name"], tag["arches"]))
        return tag

    # -- Pungi's pungi_buildinstall plugin ---------------------------------------------------

    def pungi_buildinstall(self, tag, arch, channel=None, packages=None, mounts=None, weight=None, chown_uid=None,
                           lorax_args=None):
        self._require_login("pungi_buildinstall")
        tag = self._check_tag_arch(tag, arch)
        lorax_args = dict(lorax_args or {})
        output = lorax_args.pop("outputdir", None)
        unknown = sorted(set(lorax_args) - LORAX_ARGS)
        if unknown:
            raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: Not allowed lorax arguments found: %s."
                                      % ", ".join(unknown))
        if not output or os.path.exists(output):
            raise xmlrpc.client.Fault(GENERIC_ERROR, 'GenericError: The "outputdir" "%s" already exists.' % output)
        command = "lorax"
        for name, value in lorax_args.items():
            option = LORAX_OPTION.get(name, "--" + name)
            for item in (value if isinstance(value, list) else [value]):
                command += " %s" % option if item is True else " %s=%s" % (option, shlex.quote(item))
        command = "mkdir -p %s && %s --logfile=%s %s" % (
            shlex.quote(output + "/logs"), command, shlex.quote(output + "/logs/lorax.log"),
            shlex.quote(output + "/results"))
        if chown_uid:
            command += "; ret=$?; chmod -R a+r %s && chown -R %s %s; exit $ret" % (
                shlex.quote(output), chown_uid, shlex.quote(output))
        args = [tag["name"], arch]
        kwargs = {"channel": channel, "packages": list(packages or []), "mounts": list(mounts or []),
                  "weight": weight, "chown_uid": chown_uid, "lorax_args": dict(lorax_args, outputdir=output)}
        self.submitted.append(("pungi_buildinstall", args, kwargs))
        task_id = self._task("pungi_buildinstall", None, FREE)
        self.tasks[task_id].update(arch=arch, request=[args, kwargs], completion_ts=None, result=None,
                                   command=command)
        return task_id

    # -- Pungi's pungi_ostree plugin -------------------------------------------------------------

    def pungi_ostree(self, tag, arch, channel=None, packages=None, mounts=None, weight=None,
                     pungi_make_ostree_args=None):
        self._require_login("pungi_ostree")
        tag = self._check_tag_arch(tag, arch)
        command = "pungi-make-ostree tree"
        for name, value in (pungi_make_ostree_args or {}).items():
            command += " --%s" % name if value is True else " --%s=%s" % (name, shlex.quote(str(value)))
        args = [tag["name"], arch]
        kwargs = {"channel": channel, "packages": list(packages or []), "mounts": list(mounts or []),
                  "weight": weight, "pungi_make_ostree_args": dict(pungi_make_ostree_args or {})}
        self.submitted.append(("pungi_ostree", args, kwargs))
        task_id = self._task("pungi_ostree", None, FREE)
        self.tasks[task_id].update(arch=arch, request=[args, kwargs], completion_ts=None, result=None,
                                   command=command)
        return task_id

    def _run_plugin(self, task_id):
        """A plugin's builder: one runroot child task running the plugin's command."""
        with self.lock:
            (tag, arch), kwargs = self.tasks[task_id]["request"]
            child = self._task("runroot", task_id, OPEN)
            self.tasks[child].update(arch=arch, request=[[tag, arch, self.tasks[task_id]["command"]],
                                                         {"packages": kwargs["packages"], "mounts": kwargs["mounts"]}],
                                     completion_ts=None, result=None)
        self._run_runroot(child)
        if self.tasks[child]["state"] == CLOSED:
            self._close(task_id, CLOSED, "Completed successfully")
        else:
            self._close(task_id, FAILED, xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: runroot task %d failed"
                                                             % child))

    # -- the runroot plugin's hub call ------------------------------------------------------

    def runroot(self, tagInfo, arch, command, channel=None, **opts):
        self._require_login("runroot")
        tag = self._check_tag_arch(tagInfo, arch)
        unknown = set(opts) - {"packages", "mounts", "weight", "repo_id", "skip_setarch", "upload_logs",
                               "new_chroot"}
        if unknown:
            raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: unknown runroot options %s"
                                      % sorted(unknown))
        if not isinstance(command, str):
            raise xmlrpc.client.Fault(kojihub.PARAMETER_ERROR, "ParameterError: command must be a string here")
        for mount in opts.get("mounts") or []:
            if not os.path.isabs(mount):
                raise xmlrpc.client.Fault(GENERIC_ERROR, "GenericError: mount %s is not an absolute path" % mount)
        args = [tag["name"], arch, command]
        kwargs = dict(opts, channel=channel or "runroot")
        self.submitted.append(("runroot", args, kwargs))
        task_id = self._task("runroot", None, FREE)
        self.tasks[task_id].update(arch=arch, label=None, request=[args, kwargs], completion_ts=None,
                                   result=None, channel=kwargs["channel"], weight=opts.get("weight"))
        return task_id

    # -- the builder --------------------------------------------------------------------------

    def _builds(self, method):
        return super()._builds(method) or method in ("runroot",) + PLUGINS

    def _runner(self, method):
        if method == "runroot":
            return self._run_runroot
        return self._run_plugin if method in PLUGINS else super()._runner(method)

    def _run_runroot(self, task_id):
        with self.lock:
            (tag, arch, command), kwargs = self.tasks[task_id]["request"]
            error = self.runroot_failures.pop(0) if self.runroot_failures else None
        time.sleep(self.runroot_delay)
        outdir = os.path.join(self.root, "work", "tasks", str(task_id % 10000), str(task_id))
        os.makedirs(outdir, exist_ok=True)
        if error:
            with open(os.path.join(outdir, "mock_output.log"), "w") as f:
                f.write("%s\n" % error)
            with self.lock:
                self.tasks[task_id]["outputs"] = ["mock_output.log"]
            self._close(task_id, FAILED, xmlrpc.client.Fault(GENERIC_ERROR, error))
            return
        with tempfile.TemporaryDirectory(prefix="runroot-chroot-tmp-") as scratch, \
                open(os.path.join(outdir, "runroot.log"), "w") as out:
            done = subprocess.run(["sh", "-c", command], cwd=scratch, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT)
        with self.lock:
            self.tasks[task_id]["outputs"] = ["runroot.log"]
        if done.returncode:
            self._close(task_id, FAILED, xmlrpc.client.Fault(
                GENERIC_ERROR, "GenericError: error running runroot command: mock exited with status %d; "
                               "see runroot.log for more information" % done.returncode))
        else:
            self._close(task_id, CLOSED, "runroot command finished")


def running_hub(tmp_path_factory, arches="x86_64 i386"):
    """A module fixture's body: a running RunrootHub (builder on, build tag pdl-1-build of ARCHES)
    served over XML-RPC and HTTP, HOME pointing at its profile (punjitasks); polls capped at 0.5s."""
    top = tmp_path_factory.mktemp("kojirunroot")
    hub = RunrootHub(top / "storage")
    hub.add_tag(TAG)
    hub._tag(TAG)["arches"] = arches
    yield from serve_with_builder(hub, top)
