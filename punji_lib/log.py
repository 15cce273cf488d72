"""The "punji" logger every layer writes to, and a command's warnings.

A phase command sends the records to its log file under the compose's logs/
(open_log); nothing reaches the terminal but warnings, the one error line and the progress
of long work (a Koji task's start and end, a line every PROGRESS_SECONDS while work goes on).
"""

import logging
import os
import sys
import time

logging.raiseExceptions = False  # a log file on a full disk: no traceback on the terminal
log = logging.getLogger("punji")
log.addHandler(logging.NullHandler())
log.propagate = False


def open_log(path):
    """Send this process's log records to PATH (appending), creating its directory."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return handler


def stderr_line(text):
    """TEXT and its newline on stderr in one write: stderr writes through, so print's two writes
    let a line of a command make runs beside this one come between them in the compose log."""
    sys.stderr.write(text + "\n")


def command_name():
    """The punji command running (a launcher's copy has its argv), for a line's prefix."""
    name = os.path.basename(sys.argv[0]) if sys.argv else ""
    return name if name.startswith("punji-") else "punji"


def progress(message):
    """MESSAGE on stderr (prefixed with the command's name) and in the log: how long work goes."""
    stderr_line("%s: %s" % (command_name(), message))
    log.info(message)


PROGRESS_SECONDS = 60.0


class Throttle:
    """Whether a progress line of long work is due: the first once the work has run
    PROGRESS_SECONDS, then one per PROGRESS_SECONDS at most (short work says nothing)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self.started = clock()
        self._due = self.started + PROGRESS_SECONDS

    def due(self):
        now = self._clock()
        if now < self._due:
            return False
        self._due = now + PROGRESS_SECONDS
        return True

    def seconds(self):
        """How long the work has run."""
        return self._clock() - self.started


def counted(items, total, line):
    """ITEMS one by one; while they take long, a progress LINE ("%d of %d ...": how many are done,
    of TOTAL) every PROGRESS_SECONDS."""
    throttle = Throttle()
    for done, item in enumerate(items):
        if throttle.due():
            progress(line % (done, total))
        yield item


def warn(prog, message):
    """A warning on stderr (prefixed with the program name) and in the log."""
    stderr_line("%s: warning: %s" % (prog, message))
    log.warning(message)


def finished(prog, how="finished"):
    """The last line of a command's run in its log: PROG HOW (N s CPU), the CPU time of this
    process and of the children it waited for, Python's start-up included (a launcher's copy:
    from its fork)."""
    import resource

    cpu = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))
    log.info("%s %s (%.2f s CPU)", prog, how, cpu)
