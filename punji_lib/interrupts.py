"""How a punji command ends when it is interrupted (Ctrl-C's SIGINT, SIGTERM) outside the
part cli.run handles: quietly, as the signal ends any process, never with Python's traceback."""

import os
import signal


def end_quietly(signum, _frame):
    """A handler: the process ends of SIGNUM at once, as it would with no handler of Python's
    (Python's own SIGINT handler raises KeyboardInterrupt wherever the command is, importing its
    modules say, and the interpreter prints a traceback)."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def ignore(_signum, _frame):
    """A handler that does nothing. Not SIG_IGN: a signal that came while the handler was being
    changed would then raise OSError ("Signal 15 ignored due to race condition") in Python."""


def quiet_start():
    """In a punji command's process, before its modules are imported: Ctrl-C ends it quietly
    until cli.run takes over."""
    signal.signal(signal.SIGINT, end_quietly)
