"""What every punji command shares: its parser, its one error handler, the phase contract.

A command module defines `build_parser()` (also used for its man page) and
`main(argv=None)`, which calls `run(parser, work, argv)`; `work(args)` does the
job and raises PunjiError for anything the user can fix. A phase command gets
both from `phase_command(phase, DESCRIPTION, EXAMPLE, ...)`: its own text and
example, the shared parser and `run_phase`.
"""

import argparse
import os
import signal
import sys

from ..config.lookup import va_data
from ..errors import NotFailable, NotReady, PunjiError, as_user_error
from ..interrupts import ignore
from ..log import finished, log, open_log, stderr_line, warn


def parser(prog, description, example):
    """An ArgumentParser with --debug and an example in its epilog."""
    result = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog="example:\n  " + "\n  ".join(example.strip().splitlines()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument("--debug", action="store_true", help="show the traceback of an error on the terminal")
    return result


def add_scope(parser, variant=True, arch=True):
    """The compose directory (default: the current one) and the --variant/--arch of a phase."""
    parser.add_argument("compose", nargs="?", default=".", help="the compose directory (default: the current directory)")
    if variant:
        parser.add_argument("--variant", required=True, help="variant uid, e.g. Server or Server-optional")
    if arch:
        parser.add_argument("--arch", required=True, help="tree arch, e.g. x86_64")


def add_tree_or_assemble(parser, assemble_help):
    """--variant/--arch for one tree, or --assemble for the phase's global last step."""
    parser.add_argument("compose", nargs="?", default=".", help="the compose directory (default: the current directory)")
    parser.add_argument("--variant", help="variant uid, e.g. Server or Server-optional")
    parser.add_argument("--arch", help="tree arch, e.g. x86_64 (src: the variant's source tree)")
    parser.add_argument("--assemble", action="store_true", help=assemble_help)


SCOPES = {"tree": (True, True), "arch": (False, True), "compose": (False, False)}  # --variant, --arch


def phase_command(phase, description, example, scope="tree", assemble=None):
    """build_parser() and main() of punji-PHASE, which runs punji_lib.phases.PHASE's
    run(topdir, variant, arch) under run_phase. SCOPE: "tree" (--variant and --arch), "arch"
    (--arch) or "compose" (the compose directory alone). ASSEMBLE, the help of --assemble:
    --assemble runs the phase's run_assemble(topdir) instead of one tree's run."""

    def build_parser():
        result = parser("punji-" + phase, description, example)
        if assemble:
            add_tree_or_assemble(result, assemble)
        else:
            variant, arch = SCOPES[scope]
            add_scope(result, variant=variant, arch=arch)
        return result

    def main(argv=None):
        argparser = built(build_parser)
        args = argparser.parse_args(argv)
        assembling = getattr(args, "assemble", False)
        if assemble and (assembling == bool(args.variant or args.arch) or
                         (not assembling and not (args.variant and args.arch))):
            argparser.error("give either --variant and --arch, or --assemble")

        def job(topdir, variant, arch):
            import importlib

            module = importlib.import_module("punji_lib.phases." + phase)
            if assembling:
                module.run_assemble(topdir)
            else:
                module.run(topdir, variant, arch)

        return run_phase(argparser, phase, job, argv)

    _UNBUILT.append(build_parser)
    return build_parser, main


_BUILT, _UNBUILT = {}, []


def built(build_parser):
    """BUILD_PARSER()'s parser, built once per process (parsing leaves it as it is)."""
    if build_parser not in _BUILT:
        _BUILT[build_parser] = build_parser()
    return _BUILT[build_parser]


def built_parsers():
    return list(_BUILT.values())


def build_parsers():
    """Build the parsers of the phase commands imported so far: the launcher does, so that its
    copies, which run those commands, have them (a parser costs a copy a millisecond or two)."""
    while _UNBUILT:
        built(_UNBUILT.pop())


def warm_up():
    """What most phase commands do first, done once in the launcher, whose copies then have it
    with its memory (each would do it again): the parsers of the commands imported so far
    used, and the regular expressions compiled that checking a state file, reading productmd
    metadata and a log line's time use."""
    import datetime

    from ..compose import state

    try:
        for argparser in built_parsers():
            argparser.parse_known_args(["--variant", "V", "--arch", "A", "."])
        state.check(dict(header=state.header("warmup"), phase="warmup", variant=None, arch=None, failed=False),
                    "warm-up")
        datetime.datetime.strptime("2026-01-01 00:00:00,000", "%Y-%m-%d %H:%M:%S,%f")
        _warm_up_productmd()
    except Exception:  # a copy does it itself then
        pass


def _warm_up_productmd():
    import productmd.composeinfo
    import productmd.images

    info = productmd.composeinfo.ComposeInfo()
    info.release.name, info.release.short, info.release.version, info.release.type = "Warm", "WARM", "1", "ga"
    info.compose.id, info.compose.date, info.compose.type, info.compose.respin = "WARM-1-20260101.n.0", \
        "20260101", "nightly", 0
    info.loads(info.dumps())
    images = productmd.images.Images()
    images.compose.id, images.compose.date, images.compose.type, images.compose.respin = info.compose.id, \
        info.compose.date, info.compose.type, 0
    images.loads(images.dumps())


def run(argparser, work, argv=None, error_status=1):
    """Parse ARGV, call WORK(args), turn errors into one stderr line and an exit code
    (ERROR_STATUS for a PunjiError)."""
    args = argparser.parse_args(argv)
    prog = argparser.prog
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    unraisable = sys.unraisablehook
    try:
        try:
            # in the try: a signal that comes as the handlers are set is handled as any other
            sys.unraisablehook = _unraisable
            signal.signal(signal.SIGTERM, _terminated)
            signal.signal(signal.SIGINT, _terminated)
            return work(args) or 0
        except OSError as exc:
            raise as_user_error(exc) or exc
    except PunjiError as exc:
        log.error("%s", exc, exc_info=True)
        stderr_line("%s: error: %s" % (prog, exc))
        _maybe_traceback(args)
        return error_status
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        canceled = sys.modules["punji_lib.koji.tasks"].cancel_open() if "punji_lib.koji.tasks" in sys.modules else 0
        log.warning("interrupted by %s", signal.Signals(signum).name)
        details = (["%d Koji tasks canceled" % canceled] if canceled else []) + \
            ([exc.hint] if getattr(exc, "hint", None) else [])
        stderr_line("%s: interrupted by %s%s" % (prog, signal.Signals(signum).name, "".join("; " + d for d in details)))
        return 128 + signum
    except BrokenPipeError:
        return 141
    except Exception as exc:  # a bug: say so in one line, keep the traceback in the log
        log.exception("internal error")
        stderr_line("%s: internal error: %s: %s (rerun with --debug for the traceback)"
                    % (prog, type(exc).__name__, exc))
        _maybe_traceback(args)
        return 70
    finally:  # a signal after the command's work ends the process as it would have before
        for signum, handler in before.items():
            if handler is not None:  # None: a handler not set from Python, which stays
                signal.signal(signum, handler)
        sys.unraisablehook = unraisable


class Interrupted(KeyboardInterrupt):
    """A command stopped by a signal (SIGTERM; SIGINT is Python's KeyboardInterrupt)."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


# the signals _terminated raised Interrupted for: code that drops exceptions (a C extension's
# module being imported reports and drops one) may have swallowed the one raised
_interruptions = []


def _terminated(signum, _frame):
    # one interruption is enough to clean up after (under the launcher a signal to the whole
    # process group comes twice: directly, and passed on by the command that waits)
    signal.signal(signal.SIGTERM, ignore)
    signal.signal(signal.SIGINT, ignore)
    _interruptions.append(signum)
    raise Interrupted(signum)


def _unraisable(unraisable):
    """Python's report of an exception something dropped ("Exception ignored in ...", with its
    traceback), except for an interruption: a Ctrl-C as a C extension's module initializes (a
    Cython module patching inspect, say) is dropped there, and is kept in _interruptions for
    stop_if_interrupted; the command says it was interrupted in its own line, if it stops."""
    if not isinstance(unraisable.exc_value, Interrupted):
        return sys.__unraisablehook__(unraisable)
    import warnings

    # what such a Cython module warns of next: the patch the interruption stopped
    warnings.filterwarnings("ignore", message="Cython module failed to patch", category=RuntimeWarning)
    return None


def stop_if_interrupted():
    """Raise the interruption again that something swallowed, before more work starts."""
    if _interruptions:
        raise Interrupted(_interruptions[0])


def _maybe_traceback(args):
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exc()


def run_phase(argparser, phase, job, argv=None):
    """Run a phase command: log to logs/<scope>/<phase>[-<variant>].log, hold the target's lock,
    mark it running, call JOB(topdir, variant, arch). On failure leave the error next to its
    state file and set STATUS to DOOMED, unless failable_deliverables says the deliverable may
    fail: then the failure is recorded in the state file and the compose goes on."""
    from ..compose import layout, notify, state, status

    args = argparser.parse_args(argv)
    fewer_collections()
    topdir = os.path.abspath(args.compose)
    variant, arch = getattr(args, "variant", None), getattr(args, "arch", None)

    def work(_args):
        if not os.path.isfile(os.path.join(topdir, layout.compose_id_file())):
            raise PunjiError("%s: not a compose directory (no COMPOSE_ID)" % topdir)
        open_log(layout.at(topdir, layout.log_file(phase, variant, arch)))
        try:
            return locked_work()
        finally:
            _report_if_doomed(topdir, argparser.prog)

    def locked_work():
        def waiting(pid, command):
            scope = ".".join(x for x in (variant, arch) if x) or "global"
            message = ("waiting for pid %s (%s), left running %s %s by a killed make, to finish it; "
                       "Ctrl-C stops waiting, `kill %s` ends it if it hangs" % (pid, command, phase, scope, pid))
            stderr_line("%s: %s" % (argparser.prog, message))
            log.info("%s", message)

        with state.lock(topdir, phase, variant, arch, waiting=waiting):
            log.info("%s started: %s", argparser.prog, " ".join(sys.argv[1:] if argv is None else argv))
            if getattr(sys.modules.get("punji_lib.launcher"), "IN_COPY", False):
                log.info("run by the compose's launcher (a fork of it: no start-up of its own)")
            before = state.stamp(topdir, phase, variant, arch)
            try:
                state.mark_running(topdir, phase, variant, arch)
                notify.phase_started(topdir, phase)
                job(topdir, variant, arch)
            except KeyboardInterrupt:
                if state.stamp(topdir, phase, variant, arch) not in (None, before):
                    # its outputs are whole (a finish writing the report after its state): the
                    # target is made, and its STATUS (finish's FINISHED) stays
                    log.warning("interrupted after its state was written: it is done")
                    return 0
                status.set_status(topdir, "TERMINATED")  # the .pid file stays: punji-status shows it interrupted
                raise
            except Exception as exc:
                return _phase_failed(argparser.prog, topdir, phase, variant, arch, exc)
            state.clear_marks(topdir, phase, variant, arch)  # a phase with no state file (makefile) leaves no running mark
            finished(argparser.prog)
            notify.phase_done(topdir, phase)

    return run(_Parsed(argparser, args), work)


def _phase_failed(prog, topdir, phase, variant, arch, exc):
    """A phase's failure EXC: recorded in its state file when failable_deliverables lets it fail
    (0, the compose goes on); else the error left beside the state file, STATUS DOOMED and EXC
    (as the user error it stands for) raised again."""
    from ..compose import notify, state, status

    known = as_user_error(exc)
    message = str(known) if known else "%s: %s" % (type(exc).__name__, exc)
    if isinstance(known, NotReady) and not state.run_by_make(topdir):
        state.clear_marks(topdir, phase, variant, arch)
        raise known
    if not _failable(topdir, phase, variant, arch) or isinstance(known, NotFailable):
        state.mark_failed(topdir, phase, variant, arch, message)
        status.set_status(topdir, "DOOMED")
        raise known or exc
    log.exception("failed, but failable: %s", message)
    finished(prog, "failed, but failable")
    state.write(topdir, phase, variant, arch, failed=True, error=message)
    warn(prog, "%s (failable_deliverables: the compose goes on without it)" % message)
    notify.phase_done(topdir, phase)
    return 0


# A phase reads and makes tens of thousands of records (packages, files, their JSON) and next
# to no garbage cycles: with Python's default of a young collection every 700 new objects, the
# collector went over those records again and again (a sixth of a nightly's assembly and of its
# createrepo). Young collections come every this many new objects instead.
GC_YOUNG = 50000


def fewer_collections():
    import gc

    gc.set_threshold(max(GC_YOUNG, gc.get_threshold()[0]), *gc.get_threshold()[1:])


def _report_if_doomed(topdir, prog):
    """A plain `make` stops at a failure with no step of its own left to run: so every target
    that ends in a DOOMED compose writes the page, and the last one to end leaves it complete."""
    from ..compose import jsonio, layout, report

    if (jsonio.read_text(layout.at(topdir, layout.status_file())) or "").strip() == "DOOMED":
        report.write_quietly(topdir, prog)


# phase -> the names failable_deliverables gives its deliverables
DELIVERABLES = {"createiso": ("iso",), "buildinstall": ("buildinstall",), "liveimages": ("live",),
                "livemedia": ("live-media",), "imagebuild": ("image-build",), "osbs": ("osbs",),
                "ostree": ("ostree",), "ostreeinstaller": ("ostree-installer",), "extraiso": ("extra-iso",),
                "kiwibuild": ("kiwibuild",), "imagebuilder": ("imageBuilderBuild",), "osbuild": ("osbuild",),
                "imagecontainer": ("osbs",), "ostreecontainer": ("ostree-container",)}


def _failable(topdir, phase, variant, arch):
    """Whether failable_deliverables lets PHASE fail for VARIANT.ARCH."""
    from ..compose import jsonio, layout

    names = DELIVERABLES.get(phase)
    if not names or not variant or not arch:
        return False
    try:
        conf = jsonio.read_json(layout.at(topdir, layout.config_slice(phase)))
    except (OSError, ValueError):
        return False
    return bool(set(names) & set(va_data(conf.get("failable_deliverables"), variant, arch)))


class _Parsed:
    """An already-parsed parser, so run() can be shared by run_phase."""

    def __init__(self, argparser, args):
        self.prog = argparser.prog
        self._args = args

    def parse_args(self, _argv):
        return self._args
