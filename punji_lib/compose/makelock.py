"""One make at a time in a compose: work/global/make.pid names the make running in it.

The generated Makefile calls `punji-makefile --claim` when it is read. The claim
holds as long as that make process lives, so a make killed with SIGKILL leaves
no lock behind; a second make started meanwhile stops with a message naming
the first.
"""

import contextlib
import fcntl
import os

from ..errors import PunjiError
from . import jsonio, layout

MAKES = ("make", "gmake")


def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return None


def _parent(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def my_make():
    """The pid of the make this process runs under (its nearest make ancestor), or None."""
    pid = os.getppid()
    while pid > 1:
        if _comm(pid) in MAKES:
            return pid
        pid = _parent(pid)
    return None


@contextlib.contextmanager
def _guard(path):
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def claim(topdir):
    """Make the calling make the one running in TOPDIR; a PunjiError when another one is."""
    me = my_make()
    if me is None:
        return
    path = layout.at(topdir, layout.make_pid())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with _guard(path):
        try:
            with open(path, encoding="utf-8") as f:
                holder = int(f.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            holder = 0
        if holder and holder != me and _comm(holder) in MAKES:
            raise PunjiError("another make (pid %d) is running in %s; wait for it to finish"
                             % (holder, os.path.abspath(topdir)))
        if holder != me:
            jsonio.write_text(path, "%d\n" % me)
