"""Taking an exclusive flock that another process may hold for a little while yet."""

import contextlib
import fcntl
import os
import time

POLL = 0.05  # seconds between two tries


@contextlib.contextmanager
def held(path, best_effort=False):
    """PATH (made when missing) locked exclusively while the block runs, once whoever holds it lets go.
    BEST_EFFORT: when PATH cannot be made, the block runs unlocked."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        if not best_effort:
            raise
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def take(fd, give_up):
    """Lock FD exclusively, trying again while GIVE_UP() is false; whether it was taken."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if give_up():
                return False
            time.sleep(POLL)
