"""The "punji" logger every layer writes to, and a command's warnings.

A phase command sends the records to its log file under the compose's logs/
(open_log); nothing reaches the terminal but warnings and the one error line.
"""

import logging
import os
import sys

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
