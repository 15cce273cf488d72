"""Taking an exclusive flock that another process may hold for a little while yet."""

import fcntl
import time

POLL = 0.05  # seconds between two tries


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
