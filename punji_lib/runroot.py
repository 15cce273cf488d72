"""Running a phase's tool in a runroot (Pungi's runroot_method), as an argument list.

Methods: "local" runs the command on this machine; "openssh" logs in to the
runroot host of the arch (runroot_ssh_hostnames) as runroot_ssh_username with
`ssh -oBatchMode=yes -n -l <user> <host> <command>`: first
runroot_ssh_init_template (its output, stripped, is {runroot_key}), then
runroot_ssh_install_packages_template with {packages} when the phase needs
packages, then the command, inside runroot_ssh_run_template ({command},
{runroot_key}) when that is set. The remote command is the argument list quoted
for a POSIX shell, after `cd <directory> &&`. "koji" is not implemented yet.

The method of a phase: runroot_method (a name, or {phase: name}), else
global_runroot_method, else "local". The command's output goes into the phase
log; a failure is one PunjiError naming the command, its exit code, its last
line of output and the log.
"""

import shlex
import subprocess

from . import jsonio, layout
from .cli import log
from .errors import PunjiError

METHODS = ("local", "openssh", "koji")


def options(topdir):
    """The runroot options of compose TOPDIR (work/global/config/runroot.json)."""
    return jsonio.read_json(layout.at(topdir, layout.config_slice("runroot")))


def method(conf, phase):
    """The runroot method of PHASE under the runroot options CONF."""
    chosen = conf.get("runroot_method")
    if isinstance(chosen, dict):
        chosen = chosen.get(phase)
    chosen = chosen or conf.get("global_runroot_method") or "local"
    if chosen not in METHODS:
        raise PunjiError("option 'runroot_method': unknown method %r (known: %s)" % (chosen, ", ".join(METHODS)))
    return chosen


def run(conf, phase, arch, argv, cwd, log_path, packages=()):
    """Run ARGV for PHASE on ARCH in directory CWD through the phase's runroot method;
    its output goes into the log (LOG_PATH names it in errors). PACKAGES: what the
    runroot needs installed (openssh: runroot_ssh_install_packages_template)."""
    how = method(conf, phase)
    if how == "koji":
        raise PunjiError("runroot_method 'koji' is not implemented yet")
    if how == "local":
        return _run(list(argv), cwd, log_path, argv[0])
    return _openssh(conf, arch, list(argv), cwd, log_path, packages)


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


def _run(argv, cwd, log_path, what):
    log.info("runroot: running %s%s", " ".join(shlex.quote(a) for a in argv), " in %s" % cwd if cwd else "")
    try:
        done = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
    except FileNotFoundError:
        tool = argv[0]
        raise PunjiError("%s is not installed (package %s)" % (tool, {"ssh": "openssh-client"}.get(tool, tool)))
    if done.stdout.strip():
        log.info("%s", done.stdout.rstrip())
    if done.returncode == 0:
        return done.stdout
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    how = "was killed by signal %d" % -done.returncode if done.returncode < 0 else \
        "returned exit code %d" % done.returncode
    raise PunjiError("%s %s: %s; see %s" % (what, how, (lines or ["no output"])[-1], log_path))
