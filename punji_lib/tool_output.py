"""Running an outside tool (lorax, xorriso, rpm-ostree...) for its output, saying now and then
that it still runs when it takes long, and the words of an error line when it failed."""

import signal
import subprocess
import time

from . import log


def run(argv, cwd=None, what=None):
    """(exit status, standard output and error together) of ARGV (no shell, no input), the
    output logged. While it runs, a progress line every log.PROGRESS_SECONDS says so, naming WHAT
    (else the tool). FileNotFoundError when the tool is not there."""
    with subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        started = time.monotonic()
        try:
            while True:
                try:
                    output, _ = proc.communicate(timeout=log.PROGRESS_SECONDS)
                    return proc.returncode, logged(output)
                except subprocess.TimeoutExpired:  # communicate() again loses no output
                    log.progress(_still_running(what or argv[0], started))
        except BaseException:
            proc.kill()  # as subprocess.run does: an interrupted command leaves no tool running
            raise


def wait(proc, what):
    """The exit status of PROC (a Popen) once it ended; while it runs, a progress line every
    log.PROGRESS_SECONDS says so, naming WHAT."""
    started = time.monotonic()
    while True:
        try:
            return proc.wait(timeout=log.PROGRESS_SECONDS)
        except subprocess.TimeoutExpired:
            log.progress(_still_running(what, started))


def _still_running(what, started):
    return "%s: still running after %d s" % (what, time.monotonic() - started)


def logged(output):
    """A tool's OUTPUT, into the log."""
    if output.strip():
        log.log.info("%s", output.rstrip())
    return output


def how_it_ended(returncode):
    """How a tool that failed with RETURNCODE ended, for an error line."""
    if returncode < 0:
        return "was killed by %s" % signal.Signals(-returncode).name
    return "returned exit code %d" % returncode


def lines_of(output):
    """The lines of OUTPUT that say something, stripped."""
    return [line.strip() for line in output.splitlines() if line.strip()]
