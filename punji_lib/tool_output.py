"""Running an outside tool (lorax, xorriso, rpm-ostree...) for its output, saying now and then
that it still runs when it takes long."""

import subprocess
import time

from . import log


def run(argv, cwd=None, what=None):
    """(exit status, standard output and error together) of ARGV (no shell, no input). While it
    runs, a progress line every log.PROGRESS_SECONDS says so, naming WHAT (else the tool).
    FileNotFoundError when the tool is not there."""
    with subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        started = time.monotonic()
        try:
            while True:
                try:
                    output, _ = proc.communicate(timeout=log.PROGRESS_SECONDS)
                    return proc.returncode, output
                except subprocess.TimeoutExpired:  # communicate() again loses no output
                    log.progress("%s: still running after %d s" % (what or argv[0], time.monotonic() - started))
        except BaseException:
            proc.kill()  # as subprocess.run does: an interrupted command leaves no tool running
            raise
