"""One make at a time in a compose: a lock the kernel releases when the make ends.

The generated Makefile calls `punji-makefile --claim` when it is read. The claim
takes an flock on work/global/make.pid.lock and leaves it to a small holder
process that lives exactly as long as the make: it waits on the make's pidfd
and exits with it. A make killed with SIGKILL (or its whole process group,
holder included) leaves no lock behind, whatever the process table still
shows, so a make started the moment after resumes the compose. A second make
started while one runs waits a few seconds for the lock, then stops with a
message naming the first (work/global/make.pid).

A make of the whole compose that ends with STATUS still STARTED stopped on a
command that could not say it failed (killed by the OOM killer, say): the holder
then sets DOOMED, as Pungi does when a phase fails (TERMINATED after a Ctrl-C),
so the next make resumes it. punji-compose marks the composes it runs itself.
"""

import glob
import os
import select
import signal
import time

from ..errors import PunjiError
from . import jsonio, layout, status
from .flock import take

MAKES = ("make", "gmake")
WAIT = 3.0  # seconds a claim waits for the lock: a just-killed holder may not have exited yet


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
    from ..launcher import parent_pid

    pid = parent_pid()
    while pid > 1:
        if _comm(pid) in MAKES:
            return pid
        pid = _parent(pid)
    return None


def _holder_pid(path):
    try:
        return int(jsonio.read_text(path).strip() or 0)
    except (AttributeError, ValueError):
        return 0


# set in the environment of the make punji-compose runs, which says itself how that make ended
COMPOSE_RUNS_MAKE = "PUNJI_COMPOSE_MAKE"


def claim(topdir, wait=WAIT, whole=False):
    """Make the calling make the one running in TOPDIR; a PunjiError when another one is.
    WHOLE: that make makes the whole compose (its goal is `compose`)."""
    me = my_make()
    if me is None:
        return
    fd = _take(topdir, me, wait)
    if fd is not None:  # None: this make restarted with a remade Makefile, its holder has the lock
        _retry_failable(topdir)  # while make reads its Makefile, before it looks at a target
        _hold_for(topdir, fd, me, whole and not os.environ.get(COMPOSE_RUNS_MAKE))


# on the command line of the make punji-compose starts, which it claimed the compose for itself
# (the Makefile then starts no claim of its own)
CLAIMED = "PUNJI_CLAIMED=1"


def start_claimed(topdir, start, wait=WAIT):
    """Claim TOPDIR for the make START(extra make arguments) starts: the lock is taken before
    it starts, then held for as long as it runs; returns START's process (a PunjiError when
    another make runs in TOPDIR)."""
    fd = _take(topdir, None, wait)
    try:
        _retry_failable(topdir)
        proc = start([CLAIMED])
    except BaseException:
        os.close(fd)
        raise
    try:
        _hold_for(topdir, fd, proc.pid, False)
    except BaseException:  # (a full disk) no make runs unclaimed
        proc.kill()
        proc.wait()
        raise
    return proc


def _retry_failable(topdir):
    """A make resuming a failed or stopped compose makes again the targets failable_deliverables
    let fail: what failed them may have been what stopped the compose (a full disk), and a
    compose run to its end from the start would have them. Their state files go (one that fails
    again is recorded again); the outputs made with them are taken as the phase finds them."""
    if (jsonio.read_text(layout.at(topdir, layout.status_file())) or "").strip() not in ("DOOMED", "TERMINATED"):
        return
    for path in glob.glob(layout.at(topdir, layout.state_file("*", None, "*"))):
        try:
            failed = jsonio.read_json(path).get("failed")
        except (OSError, ValueError, AttributeError):
            continue
        if failed:
            os.unlink(path)


def _take(topdir, me, wait):
    """The fd of TOPDIR's make lock, taken for the make ME (None: one not started yet); None
    when ME's holder has it already."""
    path = layout.at(topdir, layout.make_pid())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + wait
    if not take(fd, lambda: (me is not None and _holder_pid(path) == me) or time.monotonic() > deadline):
        os.close(fd)
        holder = _holder_pid(path)
        if me is not None and holder == me:
            return None
        raise PunjiError("another make (pid %d) is running in %s; wait for it to finish"
                         % (holder, os.path.abspath(topdir)))
    return fd


def _hold_for(topdir, fd, make_pid, whole):
    try:
        jsonio.write_text(layout.at(topdir, layout.make_pid()), "%d\n" % make_pid)
    except BaseException:
        os.close(fd)
        raise
    _hold(fd, make_pid, os.path.abspath(topdir) if whole else None)
    # a new make resumes a failed or stopped compose (the commands of one make do not: a target
    # starting beside a failed one must not hide that failure)
    status.set_status(topdir, "STARTED", only_if=("DOOMED", "TERMINATED"))


def _hold(fd, make_pid, compose=None):
    """Fork the process that keeps the lock on FD until MAKE_PID ends; this one lets go of it.
    COMPOSE: the compose that make makes whole, whose STATUS the holder sets when it ends."""
    if os.fork():
        os.close(fd)
        return
    try:
        interrupted = []
        # Ctrl-C stops make first; the lock goes with it
        signal.signal(signal.SIGINT, lambda _signum, _frame: interrupted.append(True))
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):  # make's $(shell) reads until every copy of its pipe is closed
            os.dup2(null, std)
        # nor keep the pipes of the process it was forked from (punji-compose's to make and the launcher)
        os.closerange(3, fd)
        os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
        _wait_for(make_pid)
        if compose and mark_unfinished(compose, interrupted=bool(interrupted)):
            os.close(fd)  # a make started now need not wait for the page
            from . import report

            report.write_quietly(compose, "punji-makefile")
    finally:
        os._exit(0)


def mark_unfinished(topdir, interrupted=False):
    """STATUS of the compose TOPDIR whose make has ended: still STARTED, nothing said how it
    stopped (its failed command was killed, or make was), so it is DOOMED, or TERMINATED when
    INTERRUPTED (a Ctrl-C between two commands). Whether it was changed (the caller then
    writes the report, as a failed target does)."""
    if (jsonio.read_text(layout.at(topdir, layout.status_file())) or "").strip() != "STARTED":
        return False
    status.set_status(topdir, "TERMINATED" if interrupted else "DOOMED", only_if="STARTED")
    return True


def _wait_for(pid):
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (old kernel), or the make is gone already
        while _comm(pid) in MAKES and _state(pid) not in ("Z", "X", None):
            time.sleep(0.2)
        return
    select.select([pidfd], [], [])


def _state(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
