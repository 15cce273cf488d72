"""punji-compose: init a compose from a config, run its Makefile, print where it is."""

import sys

from .. import __version__
from . import cli, compose_args


def build_parser():
    p = cli.parser(
        "punji-compose",
        "What pungi-koji is to Pungi: create the compose directory (init), generate its Makefile, "
        "run `make -j N` in it, and print the compose path on stdout (make's output goes to stderr "
        "and logs/global/compose.log). A failed compose ends DOOMED, naming the target and its log "
        "(logs/global/report.html shows it too); "
        "fix the cause and run `make` in the compose directory to go on where it stopped. "
        "Beside make runs a launcher (a fork of punji-compose, named punji-launcher) that has punji's modules loaded: "
        "the commands make starts run as forks of it, without a start-up of their own.",
        "punji-compose demo.conf --target-dir /mnt/composes -j 4 --nightly\n"
        "COMPOSE=$(punji-compose demo.conf --target-dir out --test) && punji-status \"$COMPOSE\"",
    )
    compose_args.add_config(p)
    compose_args.add_compose_options(p)
    p.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="JOBS",
                   help="phase commands to run at once (default: the number of CPUs)")
    p.add_argument("--quiet", action="store_true", help="do not show make's output (logs/global/compose.log has it)")
    p.add_argument("--version", action="version", version="punji-compose %s (Pungi 4.3.2's configs and options)"
                   % __version__)
    return p


def _jobs(text):
    import argparse

    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError("%r is not a number of commands (1 or more)" % text)
    return jobs


def start_launcher(jobs):
    """The warm launcher the commands make runs hand themselves to (punji_lib/launcher.py),
    running JOBS of them at once: (a launcher.Forked, the environment for make that names it)."""
    import os

    from .. import launcher

    name = "punji-launcher-%d-%s" % (os.getpid(), os.urandom(6).hex())
    return launcher.Forked(name, jobs), dict(os.environ, **{launcher.ENV: name})


def stop_launcher(proc):
    """Closing its stdin ends the launcher once the commands it runs have ended."""
    proc.stdin.close()
    proc.wait()


def _launcher_shell(compiled=True):
    """make's arguments that make the launcher's client its shell: a recipe line that is a punji
    command then starts no more than that client before the launcher runs it. The client in C
    (launcher_client.c, built by `make setup` beside it) when there is one and COMPILED, else a
    bare interpreter running launcher_client.py; [] when a path has a space (make would split it)."""
    import os

    from .. import launcher_client

    script = os.path.abspath(launcher_client.__file__)
    built = os.path.splitext(script)[0]
    if compiled and os.access(built, os.X_OK) and not any(c.isspace() for c in built):
        return ["SHELL=" + built, ".SHELLFLAGS=-c"]
    if any(c.isspace() for c in sys.executable + script):
        return []
    return ["SHELL=" + sys.executable, ".SHELLFLAGS=-IS %s -c" % script]


def run_make(topdir, jobs, env=None, quiet=False):
    """make -j JOBS in TOPDIR, its output to stderr and logs/global/compose.log; returns (exit
    code, the first error line a punji command printed, or None, and the targets make said
    failed: [(target, what make said: "Error 1", "Killed")], in its order). ENV: make's environment, which
    names a launcher that runs JOBS commands at once: make then starts up to four times as many,
    so that every target ready to run waits in the launcher, which runs the heaviest first (make
    would start them in the order it meets them). QUIET: make's output to the log alone."""
    import os
    import subprocess

    from ..compose import layout, makelock

    log_path = layout.at(topdir, layout.compose_log())
    log = open(log_path, "a", encoding="utf-8")
    argv = ["make", "-C", topdir, "--no-print-directory", "-j%d" % (jobs * 4 if env else jobs), "compose"]
    make_env = dict(env if env is not None else os.environ, **{makelock.COMPOSE_RUNS_MAKE: "1"})

    def start(claimed):
        return subprocess.Popen(argv + claimed + (_launcher_shell() if env else []),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=make_env)

    proc = makelock.start_claimed(topdir, start)  # no interpreter of its own for make's claim
    first_error, shown, make_failures, stopping = None, set(), [], False
    try:
        for line in proc.stdout:
            failure = make_failure(line)
            if failure:
                make_failures.append(failure)
            stopping = stopping or "*** Waiting for unfinished jobs" in line
            error = line.startswith("punji-") and ": error: " in line
            notice = error or (line.startswith("punji-") and ": warning: " in line)
            # the same error or warning of several targets (one broken repo read by each arch's
            # package set) reaches the terminal once; the log keeps every line
            repeated = notice and line in shown
            # a target answered unrun (after another failed: make may say so before it stops) is no failure to show
            unrun = failure and (stopping or first_error is not None) and _unrun(topdir, *failure)
            if not quiet and not repeated and not unrun:
                sys.stderr.write(line)
            if notice:
                shown.add(line)
            if first_error is None and error:
                first_error = line.split(": error: ", 1)[1].strip()
            if log:
                log = _logged(log, line)
    except KeyboardInterrupt:
        _stop(proc, log)
        raise
    if log:
        _logged(log, None)
    return proc.wait(), first_error, make_failures


def _unrun(topdir, target, said):
    """Whether make's line on a failed TARGET is about a command the launcher answered unrun
    once make was stopping after a failure: no command of it ran, so it is no failure to show
    (the log keeps the line)."""
    import os

    path = os.path.join(topdir, target)
    return said == "Error 1" and not any(os.path.exists(path + suffix) for suffix in ("", ".pid", ".error"))


def make_failure(line):
    """(target, what make says of it) of make's line on a target whose command failed
    ("make: *** [Makefile:161: work/i386/state/gather-Server.json] Killed"), else None."""
    import re

    found = re.match(r"g?make(?:\[\d+\])?: \*\*\* \[(?:[^\]]*?:\d+: )?([^\]]+)\] (.+)$", line.strip())
    return (found.group(1), found.group(2)) if found else None


def _stop(proc, log):
    """Interrupted: make gets SIGTERM (which it passes on to the commands it runs: they cancel
    their Koji tasks), its last words still reach the terminal and the log."""
    import signal

    from ..interrupts import ignore

    signal.signal(signal.SIGINT, ignore)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    for line in proc.stdout:
        sys.stderr.write(line)
        if log:
            log = _logged(log, line)
    if log:
        _logged(log, None)
    proc.wait()


def _logged(log, line):
    """LOG after writing LINE to it (None: closing it); None once the disk is full, so make's
    output still reaches the terminal and the compose can still be marked DOOMED."""
    try:
        if line is None:
            log.close()
        else:
            log.write(line)
        return log
    except OSError:
        try:
            log.close()
        except OSError:
            pass
        return None


def _compose(args):
    import os

    jobs = args.jobs or os.cpu_count() or 1
    launcher, env = start_launcher(jobs)  # first: it imports while this process goes on and init runs
    try:
        from ..compose import report, status
        from ..errors import PunjiError
        from ..log import warn
        from ..phases import init

        going_on = bool(args.compose_dir) and init.is_compose(args.compose_dir)
        if not going_on:
            config = compose_args.config_path(args)
        if going_on:  # pungi-koji's --compose-dir of a compose: go on where it stopped
            topdir = os.path.abspath(args.compose_dir)
        else:
            topdir = init.create(config, args.target_dir, args.compose_type, args.label,
                                 options=compose_args.compose_options(args), koji_event=args.koji_event,
                                 compose_dir=args.compose_dir)
        if args.print_output_dir:
            print("Compose dir: %s" % topdir, flush=True)
        print("punji-compose: compose %s" % topdir, file=sys.stderr)
        if launcher.poll() is not None:  # it could not start: make alone runs JOBS commands at once
            env = None
        try:
            cli.stop_if_interrupted()  # a SIGTERM init's imports swallowed: no make
            code, first_error, make_failures = run_make(topdir, jobs, env, quiet=args.quiet)
        except KeyboardInterrupt as exc:
            # not over the FINISHED of a finish that ended as the signal came
            status.set_status(topdir, "TERMINATED", only_if=("STARTED", "DOOMED", "TERMINATED"))
            report.write_quietly(topdir, "punji-compose")
            print(topdir)
            exc.hint = "run `make -C %s` to go on" % topdir
            raise
    finally:
        stop_launcher(launcher)
    if code != 0 and _finished(topdir):
        # make saw finish's waiting client killed, not the copy that ran it to its end: the
        # compose is whole (finish runs after every other target), and stays FINISHED
        warn("punji-compose", "make exited with %d, but finish ran to its end: the compose is complete" % code)
    elif code != 0:
        status.set_status(topdir, "DOOMED")
        report.write_quietly(topdir, "punji-compose")
        print(topdir)
        raise PunjiError(doomed_message(topdir, code, first_error, make_failures))
    print(topdir)


def _finished(topdir):
    """Whether finish has written the compose's state and its FINISHED (or FINISHED_INCOMPLETE)."""
    import os

    from ..compose import jsonio, layout

    done = (jsonio.read_text(layout.at(topdir, layout.status_file())) or "").strip()
    return done in ("FINISHED", "FINISHED_INCOMPLETE") and os.path.exists(
        layout.at(topdir, layout.state_file("finish")))


def doomed_message(topdir, code, first_error, make_failures=()):
    """What punji-compose says of a compose make left failed: the first failed target with its
    error, or FIRST_ERROR (the first error line a punji command printed) when the target could
    not record it (a full disk leaves no error file, or an empty one); or the first target
    MAKE_FAILURES names whose command ran (a command killed, by the OOM killer say, records
    nothing)."""
    from ..compose import layout, status

    failed = status.failing(topdir)
    if failed:
        target, message = failed[0]
        return _doomed_target(topdir, target, message or first_error or "no error recorded")
    for name, said in make_failures:
        if _unrun(topdir, name, said):  # answered unrun after another target failed
            continue
        target = _target_named(topdir, name)
        if target:
            return _doomed_target(topdir, target, _unrecorded_failure(said))
    if first_error:
        return "compose DOOMED: %s" % first_error
    return "compose DOOMED: make exited with %d; see %s" % (code, layout.at(topdir, layout.compose_log()))


def _doomed_target(topdir, target, message):
    import os

    scope = ".".join(x for x in (target["variant"], target["arch"]) if x) or "global"
    message = message.removesuffix("; see %s" % target["log"])  # named once, as a path from anywhere
    return "compose DOOMED: %s %s failed: %s; see %s" % (
        target["phase"], scope, message, os.path.join(topdir, target["log"]))


def _target_named(topdir, name):
    """The record of targets.json whose target is NAME (as make names it), or None."""
    from ..compose import jsonio, layout

    try:
        targets = jsonio.read_json(layout.at(topdir, layout.targets_json()))["targets"]
    except (OSError, ValueError, KeyError):
        return None
    return next((t for t in targets if t["target"] == name), None)


def _unrecorded_failure(said):
    """Why a target failed that recorded no error, from what make SAID of its command."""
    if said.startswith("Error "):
        return "its command exited with %s and recorded no error" % said[len("Error "):]
    return "its command was ended by a signal (%s)" % said


def main(argv=None):
    code = cli.run(build_parser(), _compose, argv)
    if argv is None:  # the command itself: it ends without tearing its modules down
        from ..launcher import exit_now

        exit_now(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
