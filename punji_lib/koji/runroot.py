"""Running a phase's tool in a runroot (Pungi's runroot_method), as an argument list.

Methods: "local" runs the command on this machine; "openssh" logs in to the
runroot host of the arch (runroot_ssh_hostnames) as runroot_ssh_username with
`ssh -oBatchMode=yes -n -l <user> <host> <command>`: first
runroot_ssh_init_template (its output, stripped, is {runroot_key}), then
runroot_ssh_install_packages_template with {packages} when the phase needs
packages, then the command, inside runroot_ssh_run_template ({command},
{runroot_key}) when that is set. The remote command is the argument list quoted
for a POSIX shell, after `cd <directory> &&`.

"koji" creates a task of Koji's runroot plugin as the koji_profile's user:
runroot(runroot_tag, arch, command, channel=runroot_channel, packages=[...],
mounts=[the compose topdir, ...], weight=runroot_weights[phase]), every option as `koji runroot` sends Pungi's (repo_id
None, skip_setarch False, channel and weight None when unset, the weight an integer).
The builder runs COMMAND with /bin/sh -c in a mock chroot of the tag's build root
(working directory /tmp), so the command is `cd <directory> && <argv quoted>` (or a
phase's own, as Pungi's buildinstall `rm -rf <output> && lorax ...`), after Pungi's
`rm -f /var/lib/rpm/__db*; rm -rf /var/cache/yum/*; set -x; `, then (as Pungi does)
the files it made are made world-readable and handed to this user (chmod -R a+r,
chown -R <uid>), keeping the command's exit code. The task is polled with back-off
(punji_lib.koji.tasks); its runroot.log goes into the phase log. A failed or
canceled task is one PunjiError naming the task id, the hub's error, the last
line of runroot.log and the phase log.

The method of a phase, as Pungi 4.3.2 picks it: "koji" when runroot_tag is set and
runroot_method is not; runroot_method when it is a name; from a {phase: name}
runroot_method, the phase's entry, else global_runroot_method, else "local";
"local" when neither is set (global_runroot_method alone changes nothing). The command's output goes into the phase
log; a failure is one PunjiError naming the command, its exit code, its last
line of output and the log.
"""

import os
import shlex

from .. import tool_output
from ..compose import jsonio, layout
from ..errors import PunjiError
from ..log import log

METHODS = ("local", "openssh", "koji")


def options(topdir):
    """The runroot options of compose TOPDIR (work/global/config/runroot.json)."""
    return jsonio.read_json(layout.at(topdir, layout.config_slice("runroot")))


def method(conf, phase):
    """The runroot method of PHASE under the runroot options CONF."""
    chosen = conf.get("runroot_method")
    if not chosen and conf.get("runroot_tag"):
        chosen = "koji"  # Pungi's reading of a config from before runroot_method
    elif isinstance(chosen, dict):
        chosen = chosen[phase] if phase in chosen else conf.get("global_runroot_method")
    chosen = chosen or "local"
    if chosen not in METHODS:
        raise PunjiError("option 'runroot_method': unknown method %r (known: %s)" % (chosen, ", ".join(METHODS)))
    return chosen


def run(conf, phase, arch, argv, cwd, log_path, packages=(), weight_key=None, koji_shell=None, chown_paths=None):
    """Run ARGV for PHASE on ARCH in directory CWD through the phase's runroot method;
    its output goes into the log (LOG_PATH names it in errors). PACKAGES: what the
    runroot needs installed (openssh: runroot_ssh_install_packages_template).
    WEIGHT_KEY: the runroot_weights key of a Koji task when it is not PHASE. KOJI_SHELL: the
    shell command a Koji task runs instead of `cd CWD && ARGV` (a phase giving Pungi's),
    CHOWN_PATHS: what it hands to this user afterwards instead of CWD."""
    how = method(conf, phase)
    if how == "koji":
        return _koji(conf, phase, arch, list(argv), cwd, log_path, packages, weight_key=weight_key,
                     shell=koji_shell, chown_paths=chown_paths)
    if how == "local":
        return _run(list(argv), cwd, log_path, argv[0])
    return _openssh(conf, arch, list(argv), cwd, log_path, packages)


def script_runner(conf, phase, arch, cwd, log_path, packages, name):
    """A runner of tools that run one after another through PHASE's runroot method on ARCH:
    runner(commands) writes them as CWD/NAME.sh (stopping at the first failure) and runs it."""
    def run_all(commands):
        script = os.path.join(cwd, name + ".sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nset -e\n")
            f.writelines(" ".join(shlex.quote(a) for a in argv) + "\n" for argv in commands)
        try:
            run(conf, phase, arch, ["sh", script], cwd, log_path, packages)
        finally:
            os.unlink(script)
    return run_all


def image_tools_runner(topdir, writer, arch, cwd, log_path, bootable, name):
    """None when the ISO tools run here (createiso's runroot method is local); else a runner of
    them as Pungi's createiso and extra_isos phases run them (both through createiso's method): a
    Koji runroot task (on ARCH when the image boots, else on any arch, x86_64 first) or the
    arch's openssh host, with Pungi's package list (WRITER: genisoimage or xorriso)."""
    conf = options(topdir)
    how = method(conf, "createiso")
    if how == "local":
        return None
    packages = ["coreutils", writer, "isomd5sum"] + (["lorax", "which"] if bootable else [])
    task_arch = any_arch(conf, arch) if how == "koji" and not bootable else arch
    return script_runner(conf, "createiso", task_arch, cwd, log_path, packages, name)


def image_tools_refusal(topdir):
    """The PunjiError Pungi's createiso and extra_isos meet as their image tools' runroot starts,
    before the tools run: a Koji runroot without koji_profile (its Koji wrapper refuses); else
    None. An image punji refuses for what the tools would fail on (boot files) fails so first in
    Pungi (fuzz-compose --outputs --realconf seed 50051)."""
    conf = options(topdir)
    if method(conf, "createiso") != "koji":
        return None
    from . import session as kojisession

    try:
        kojisession.Session(conf.get("koji_profile"))
    except PunjiError as exc:
        return exc
    return None


def any_arch(conf, arch):
    """The arch a Koji runroot task that can run on any arch gets, as Pungi picks it for
    images that do not boot: x86_64 when the runroot tag has it, else ARCH, and for 'src'
    (no builder has it) the tag's first arch."""
    from . import session as kojisession

    tag = conf.get("runroot_tag")
    info = kojisession.Session(conf.get("koji_profile")).call("getTag", tag) if tag else None
    if not info:
        raise PunjiError("option 'runroot_tag': the Koji tag %r does not exist" % tag)
    arches = (info.get("arches") or "").split()
    if "x86_64" in arches:
        return "x86_64"
    if arch == "src" and arches:
        return arches[0]
    return arch


def ssh_argv(user, host, command):
    """The ssh argument list running shell COMMAND on HOST as USER."""
    return ["ssh", "-oBatchMode=yes", "-n", "-l", user, host, command]


def remote_command(argv, cwd):
    """ARGV run in CWD as one simple POSIX shell command (`sh -c 'cd CWD && exec ARGV'`), so
    that a run template may put it after a wrapper such as `env` or `mock --chroot --`."""
    script = "cd %s && exec %s" % (shlex.quote(cwd), " ".join(shlex.quote(a) for a in argv))
    return "sh -c %s" % shlex.quote(script)


def _openssh(conf, arch, argv, cwd, log_path, packages):
    hosts = conf.get("runroot_ssh_hostnames") or {}
    host = hosts.get(arch)
    if not host:
        raise PunjiError("option 'runroot_ssh_hostnames': no runroot host for arch %s (runroot_method openssh)" % arch)
    user = conf.get("runroot_ssh_username") or "root"
    values = {"runroot_key": ""}

    def remote(template, what):
        try:
            command = template.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise PunjiError("option '%s': cannot fill in %r: %s (known keys: %s)"
                             % (what, template, exc, ", ".join(sorted(values))))
        return _run(ssh_argv(user, host, command), None, log_path, "ssh %s (%s)" % (host, what))

    if conf.get("runroot_ssh_init_template"):
        values["runroot_key"] = remote(conf["runroot_ssh_init_template"], "runroot_ssh_init_template").strip()
    if packages and conf.get("runroot_ssh_install_packages_template"):
        values["packages"] = " ".join(packages)
        remote(conf["runroot_ssh_install_packages_template"], "runroot_ssh_install_packages_template")
    values["command"] = remote_command(argv, cwd)
    template = conf.get("runroot_ssh_run_template") or "{command}"
    return remote(template, "runroot_ssh_run_template" if conf.get("runroot_ssh_run_template") else argv[0])


def compose_topdir(path):
    """The compose directory PATH is in (the nearest parent with COMPOSE_ID and work/); None if none."""
    path = os.path.abspath(path)
    while True:
        if os.path.isfile(os.path.join(path, "COMPOSE_ID")) and os.path.isdir(os.path.join(path, "work")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


# what Pungi's KojiWrapper puts before every runroot command (stale rpmdb locks and yum caches
# of the build root removed, the shell tracing)
KOJI_PREFIX = "rm -f /var/lib/rpm/__db*; rm -rf /var/cache/yum/*; set -x; "


def koji_command(argv, cwd, chown_paths=None, shell=None):
    """The shell command of a Koji runroot task running ARGV in CWD (or SHELL), as Pungi's
    KojiWrapper makes it: KOJI_PREFIX first; then the files of CHOWN_PATHS (default: CWD)
    readable by all and owned by this user, the exit code the command's."""
    command = KOJI_PREFIX + (shell or "cd %s && %s" % (shlex.quote(cwd), " ".join(shlex.quote(a) for a in argv)))
    paths = " ".join(shlex.quote(p) for p in (chown_paths if chown_paths is not None else [cwd]))
    if paths:
        command = "%s ; EXIT_CODE=$? ; chmod -R a+r %s ; chown -R %d %s ; exit $EXIT_CODE" \
            % (command, paths, os.getuid(), paths)
    return command


def koji_task_args(conf, phase, arch, argv, cwd, packages=(), mounts=(), weight_key=None, shell=None,
                   chown_paths=None):
    """(args, kwargs) of the hub's runroot call for ARGV of PHASE on ARCH in CWD, as `koji runroot`
    sends Pungi's options: every option (repo_id None, skip_setarch False, channel and weight None
    when unset), the weight an integer."""
    tag, kwargs = _task_options(conf, phase, cwd, packages, mounts, weight_key)
    kwargs = {"channel": kwargs.get("channel"), "packages": kwargs["packages"], "mounts": kwargs["mounts"],
              "repo_id": None, "skip_setarch": False, "weight": int(kwargs["weight"]) if kwargs.get("weight") else None}
    return [tag, arch, koji_command(argv, cwd, chown_paths, shell)], kwargs


def _task_options(conf, phase, cwd, packages=(), mounts=(), weight_key=None):
    """(runroot_tag, the options of a task in it): PACKAGES, the compose of CWD and MOUNTS
    mounted, runroot_channel and the phase's runroot_weights, when set."""
    tag = conf.get("runroot_tag")
    if not tag:
        raise PunjiError("option 'runroot_tag': needed by runroot_method 'koji' (phase %s): the Koji build tag "
                         "of the runroot chroot" % phase)
    top = compose_topdir(cwd)
    wanted = ([top] if top else []) + [os.path.abspath(m) for m in mounts]
    if not wanted:
        wanted = [os.path.abspath(cwd)]
    kept = []
    for m in sorted(set(wanted)):
        if not any(m == k or m.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(m)
    kwargs = {"packages": list(packages), "mounts": kept}
    if conf.get("runroot_channel"):
        kwargs["channel"] = conf["runroot_channel"]
    weight = (conf.get("runroot_weights") or {}).get(weight_key or phase)
    if weight is not None:
        kwargs["weight"] = weight
    return tag, kwargs


def _koji(conf, phase, arch, argv, cwd, log_path, packages, mounts=(), weight_key=None, shell=None, chown_paths=None):
    args, kwargs = koji_task_args(conf, phase, arch, argv, cwd, packages, mounts, weight_key, shell, chown_paths)
    log.info("runroot: koji runroot on %s in tag %s%s: %s", arch, args[0],
             " (channel %s)" % kwargs["channel"] if kwargs["channel"] else "", args[2])
    return _task(conf, "runroot", args, kwargs, log_path, argv[0], _slot(cwd, log_path))


def plugin_task(conf, phase, arch, method, arguments, cwd, log_path, packages=(), mounts=()):
    """Run a task of Pungi's Koji plugins, METHOD (pungi_buildinstall, pungi_ostree), on ARCH
    in runroot_tag, as `koji pungi-buildinstall` / `koji pungi-ostree` create it: ARGUMENTS
    ({"lorax_args": ...} or {"pungi_make_ostree_args": ...}), the compose and MOUNTS mounted, PACKAGES in
    the build root, runroot_channel and the phase's runroot_weights (an integer). The task's
    logs go into the phase log; a failure is one PunjiError naming the task."""
    tag, kwargs = _task_options(conf, phase, cwd, packages, mounts)
    kwargs = dict(kwargs, channel=kwargs.get("channel"),
                  weight=int(kwargs["weight"]) if kwargs.get("weight") else None, **arguments)
    if method == "pungi_buildinstall":
        kwargs["chown_uid"] = os.getuid()
    log.info("runroot: koji %s on %s in tag %s", method, arch, tag)
    return _task(conf, method, [tag, arch], kwargs, log_path, method, _slot(cwd, log_path))


def _slot(cwd, log_path):
    """(compose topdir, slot) of the Koji runroot tasks run from CWD logging into LOG_PATH; None
    outside a compose."""
    topdir = compose_topdir(cwd)
    if topdir is None:
        return None
    if os.path.isabs(log_path):
        log_path = os.path.relpath(log_path, topdir)
    return topdir, log_path


def settle_left(cwd, log_path):
    """Before a phase clears the output of its Koji runroot tasks (run from CWD, logging into
    LOG_PATH): wait for the ones a killed run left running there to end, as they write into
    it (punji_lib.koji.adopt)."""
    from . import adopt

    slot = _slot(cwd, log_path)
    if slot:
        adopt.settle_runroot(*slot)


def _task(conf, method, args, kwargs, log_path, what, slot=None):
    """Submit task METHOD(*ARGS, **KWARGS) as the koji_profile's user, wait for it, put its
    .log outputs into the phase log; their text, or a PunjiError when the task failed. SLOT:
    (topdir, slot) where the task is recorded while it runs, for a resume after a kill."""
    from . import adopt

    if slot:
        adopt.settle_runroot(*slot)
    session = _session(conf)
    task_id = session.submit(method, *args, **kwargs)
    if slot:
        adopt.runroot_started(slot[0], slot[1], conf.get("koji_profile"), task_id)
    try:
        output = _wait_for_task(session, task_id, method, log_path, what)
    except Exception:
        if slot:
            adopt.runroot_ended(slot[0], slot[1], task_id)
        raise
    # interrupted (SIGTERM, ^C): the record stays in case the task could not be canceled
    if slot:
        adopt.runroot_ended(slot[0], slot[1], task_id)
    return output


def _session(conf):
    from . import tasks as kojitasks

    session = kojitasks.TaskSession(conf.get("koji_profile"))
    session.login()
    return session


def _wait_for_task(session, task_id, method, log_path, what):
    import tempfile

    from . import tasks as kojitasks

    info = session.wait([task_id])[task_id]
    output, logs = "", []
    with tempfile.TemporaryDirectory(prefix="punji-runroot-") as scratch:
        # a plugin task runs its command as a runroot child task: the logs are the child's
        for task in [task_id] + [child["id"] for child in session.children(task_id)]:
            listed = session.outputs(task)
            for name in sorted(n for n in listed if n.endswith(".log")):
                target = os.path.join(scratch, "%s-%s" % (task, name))
                session.fetch(task, name, target, link_type="copy", sizes=listed)
                with open(target, errors="replace") as f:
                    text = f.read()
                if text.strip():
                    log.info("koji task %s %s:\n%s", task, name, text.rstrip())
                output += text
                logs.append(name)
    if not logs:
        log.info("koji task %s: the hub lists no log", task_id)
    if info["state"] == kojitasks.CLOSED:
        return output
    why = session.error(task_id, info)
    # the last line the command wrote: not what the hand-over after it wrote (from the `set -x`
    # trace of its EXIT_CODE=... on), nor trace lines
    lines = output.splitlines()
    ends = [n for n, line in enumerate(lines) if line.startswith("+ EXIT_CODE=")]
    lines = [line.strip() for line in lines[:ends[-1] if ends else None] if line.strip() and not line.startswith("+")]
    tail = "; %s ends: %s" % (logs[-1], lines[-1]) if lines else ""
    raise PunjiError("%s of %s: %s%s; see %s" % ("runroot" if method == "runroot" else "koji task", what, why,
                                                  tail, log_path))


def _run(argv, cwd, log_path, what):
    log.info("runroot: running %s%s", " ".join(shlex.quote(a) for a in argv), " in %s" % cwd if cwd else "")
    try:
        returncode, output = tool_output.run(argv, cwd, what)
    except FileNotFoundError:
        tool = argv[0]
        raise PunjiError("%s is not installed (package %s)" % (tool, {"ssh": "openssh-client"}.get(tool, tool)))
    if returncode == 0:
        return output
    raise PunjiError("%s %s: %s; see %s" % (what, tool_output.how_it_ended(returncode),
                                            (tool_output.lines_of(output) or ["no output"])[-1], log_path))
