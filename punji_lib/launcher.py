"""A warm start for the commands make runs in a compose that punji-compose started.

A punji command is a new Python process, and a small target spends most of its time starting
one: the interpreter, then the modules of punji and of its libraries. So punji-compose starts
this launcher beside make: one process that imports those modules once and listens on the
abstract Unix socket $PUNJI_LAUNCHER names. A punji command started with that variable set
hands its arguments, working directory, environment, umask and standard streams to the
launcher and waits; the launcher forks a copy of itself that runs the command as a process of
its own would, and sends the waiting command the copy's exit status, which it exits with (or
the signal that ended the copy, which it ends itself with). Signals the waiting command gets
are passed on to the copy.

Nothing depends on it: without the variable, or when the launcher does not answer (gone, or a
plain `make` resuming the compose), a command runs by itself. The copies stay in the compose's
process group, so a kill of that group ends them and whatever they run, as it would without.
Only a process of the same user is served (the socket's peer credentials).
"""

import os
import sys

from . import interrupts, launcher_client, launcher_turns
from .launcher_client import ENV, HEADER, read

IN_COPY = False  # True in a copy running a command: its log says so
ANSWER = None  # in a copy: the connection of the command that waits for it (exit_now answers it)
CALLER_PARENT = None  # in a copy: the parent of the waiting command (the copy's own is the launcher)


def parent_pid():
    """The pid of this command's parent: under the launcher, the waiting command's parent (the
    make that started it), as the command would see it by itself."""
    return CALLER_PARENT or os.getppid()


def delegate():
    """In a punji command: when a launcher answers, have it run this command and exit as it
    ended; return when there is none (or in a copy, which runs the command it was given)."""
    if not IN_COPY:
        launcher_client.delegate(sys.argv)


# What the launcher imports while it waits, the most used first: every command module (which
# imports the common ones), every module of the phases, then the libraries they import when they run.
# (Not lxml: only init, which punji-compose runs itself, and a package set's first solve, which
# starts before the launcher is done, use it.)
LIBRARIES = ("productmd.composeinfo", "productmd.images", "productmd.rpms", "productmd.treeinfo",
             "productmd.modules", "createrepo_c", "solv", "rpm", "libcomps", "kobo.conf",
             "multiprocessing.context", "multiprocessing.process", "concurrent.futures.thread", "xml.parsers.expat")


# What the first targets of a compose import when they run (make's claim, the package set and
# prelink, in a nightly taking the old compose's outputs over): those targets start while the
# launcher still imports, so these go first.
FIRST = ("punji_lib.commands.makefile", "punji_lib.compose.makelock", "punji_lib.compose.status", "punji_lib.compose.notify",
         "punji_lib.compose.schema", "resource",
         "punji_lib.commands.pkgset", "punji_lib.phases.pkgset", "punji_lib.rpms.pkgset_inputs",
         "punji_lib.compose.report", "punji_lib.commands.prelink", "punji_lib.phases.prelink", "punji_lib.rpms.assemble",
         "punji_lib.ahead", "multiprocessing.context", "multiprocessing.process", "multiprocessing.popen_fork", "solv",
         "xml.etree.ElementTree")


def _preloads():
    """The modules to import, by name (the launcher runs commands by name, as their scripts do)."""
    here = os.path.dirname(os.path.abspath(__file__))
    # the first two: each copy imports them by name
    names = ["punji_lib.launcher", "punji_lib.commands.cli", *FIRST]
    for package in ("commands", "phases", "compose", "config", "media", "rpms"):  # (pkgutil imports typing)
        modules = sorted(n[:-3] for n in os.listdir(os.path.join(here, package)) if n.endswith(".py") and n != "__init__.py")
        names += ["punji_lib.%s.%s" % (package, m) for m in modules]
    return list(dict.fromkeys(names + list(LIBRARIES)))


STDIN = 0  # the launcher stops once it is closed (by fd: a forked launcher's sys.stdin may be no file)


def serve(name, jobs=None):
    """Serve requests on the abstract socket NAME until stdin is closed and every copy has ended,
    JOBS copies at most at once (None: no limit); the requests beyond wait, and the heaviest
    (launcher_turns) goes first. Returns None in the launcher, the request in a forked copy."""
    import selectors
    import signal
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + name)
    listener.listen(128)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a ^C reaches the copies; the launcher waits for them
    stopping = []  # SIGTERM or SIGHUP: passed on to the copies, which the launcher then waits for
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, _frame: stopping.append(signum))
    events = selectors.DefaultSelector()
    for source in (listener, STDIN, wake_r):
        events.register(source, selectors.EVENT_READ)
    pending, waiting, turns = _preloads(), {}, launcher_turns.Turns(jobs)
    while listener or waiting:
        for key, _ in events.select(launcher_turns.BURST_POLL if turns.holding() else 0 if pending else None):
            if key.fileobj is wake_r:
                os.read(wake_r, 512)
            elif key.fileobj == STDIN and not os.read(STDIN, 512):
                stopping.append(None)
            elif key.fileobj is listener:
                taken = _receive(listener)
                if taken is not None:
                    turns.add(*taken)
                    events.register(taken[0], selectors.EVENT_READ)
            elif key.fileobj in turns.queued:  # the command that waits went away before its turn
                _drop(events, turns.queued, key.fileobj)
        if stopping and listener:
            events.unregister(listener)
            events.unregister(STDIN)
            listener.close()
            listener, pending = None, []
            for conn in list(turns.queued):  # not run: each command that waits runs by itself, as with no launcher
                _drop(events, turns.queued, conn)
        for signum in filter(None, stopping):
            for pid in waiting:
                os.kill(pid, signum)
        del stopping[:]
        turns.ended(_reap(waiting))
        for conn, request, run in iter(lambda: turns.next(waiting), None):
            events.unregister(conn)
            if not run:
                _refuse(conn, request)
            elif _fork(conn, request, waiting):  # in the copy: nothing of the launcher's stays open
                # Ctrl-C before the command's own handler (cli.run) ends the copy quietly
                for signum, action in ((signal.SIGCHLD, signal.SIG_DFL), (signal.SIGINT, interrupts.end_quietly),
                                       (signal.SIGTERM, signal.SIG_DFL), (signal.SIGHUP, signal.SIG_DFL)):
                    signal.signal(signum, action)
                signal.set_wakeup_fd(-1)
                events.close()
                for sock in [listener, *(conn for conn, _meta in waiting.values()), *turns.queued]:
                    if sock is not None:
                        sock.close()
                for other in turns.queued.values():
                    _close_all(other["fds"])
                os.close(wake_r)
                os.close(wake_w)
                if request.get("from_make") and launcher_turns.lighter(request):
                    os.nice(launcher_turns.LIGHT_NICE)
                return request
        if pending:
            _preload(pending.pop(0))
            if not pending:
                _warm_up()
    return None


def _receive(listener):
    """Take one request: (connection, request with the waiting command's fds), None when it is
    refused (another user, or a broken request)."""
    import socket
    import struct

    conn, _ = listener.accept()
    conn.settimeout(10)
    fds = []
    try:
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                              struct.calcsize("3i")))
        if uid != os.getuid():
            raise OSError("another user")
        head, fds, _flags, _addr = socket.recv_fds(conn, HEADER, 3)
        head += read(conn, HEADER - len(head))
        size = int.from_bytes(head, "little")
        if len(fds) != 3:
            raise ValueError("no standard streams")
        return conn, dict(_read_request(conn, size), fds=fds, client=_pid)
    except (OSError, ValueError, EOFError, TypeError):
        _close_all(fds)
        conn.close()
        return None


def _fork(conn, request, waiting):
    """Fork the copy that runs REQUEST: True in the copy, False in the launcher."""
    import gc
    import time

    # the launcher's objects (every module it imported) out of the copies' garbage collections:
    # those would go over them again and again, and write to (and so copy) the pages they share
    gc.freeze()
    # the copy goes on once its pid is sent (the pipe's end closed), as its exit status may
    # follow on the same connection (_answer_success); a copy killed at once has its pid sent too
    held, release = os.pipe()
    pid = os.fork()
    if pid == 0:
        global ANSWER
        os.close(release)
        os.read(held, 1)  # end of file: the launcher has sent the pid, or is gone
        os.close(held)
        ANSWER = conn
        return True
    os.close(held)
    try:
        conn.sendall(pid.to_bytes(HEADER, "little", signed=True))
    except OSError:
        pass
    finally:
        os.close(release)
    _close_all(request["fds"])
    kept = {key: request[key] for key in ("client", "order", "from_make", "ppid", "keep_going")}
    waiting[pid] = (conn, dict(kept, started=time.monotonic()))
    return False


def _refuse(conn, request):
    """Answer a request that is not to run (its make stopped after a failed target): no copy
    (pid 0), exit status 1."""
    _close_all(request["fds"])
    try:
        conn.sendall((0).to_bytes(HEADER, "little", signed=True) + (1).to_bytes(HEADER, "little", signed=True))
    except OSError:
        pass
    conn.close()


def _drop(events, queued, conn):
    """Forget a request that waits for its turn; its command, if still there, runs by itself."""
    events.unregister(conn)
    _close_all(queued.pop(conn)["fds"])
    conn.close()


def _close_all(fds):
    for fd in fds:
        os.close(fd)


# the request of the client in C (launcher_client.c): NUL-ended fields after this
PLAIN = b"punji-plain-request-1\0"


def _read_request(conn, size):
    import marshal

    body = read(conn, size)
    if len(body) < size:
        raise EOFError("short request")
    if not body.startswith(PLAIN):
        return marshal.loads(body)
    prog, cwd, umask, ppid, argc, *rest = os.fsdecode(body[len(PLAIN):]).split("\0")[:-1]
    argv, env = rest[:int(argc)], rest[int(argc):]
    return {"prog": prog, "argv": argv, "cwd": cwd, "umask": int(umask), "ppid": int(ppid),
            "env": dict(entry.split("=", 1) for entry in env if "=" in entry)}


def _reap(waiting):
    """Send each ended copy's exit status to the command that waits for it; [(what _fork kept
    of its request, exit code)] of the ended copies."""
    ended = []
    while waiting:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        conn, meta = waiting.pop(pid, (None, None))
        if conn is not None:
            code = os.waitstatus_to_exitcode(status)
            ended.append((meta, code))
            try:
                conn.sendall(code.to_bytes(HEADER, "little", signed=True))
            except OSError:
                pass
            conn.close()
    return ended


def _preload(module):
    import importlib

    try:
        importlib.import_module(module)
    except Exception:  # a library this machine lacks: the command that needs it says so itself
        pass
    if module.startswith("punji_lib.commands."):
        sys.modules["punji_lib.commands.cli"].build_parsers()


def _warm_up():
    """Once every module is loaded: what most copies would each do first, done here once for
    all (commands.cli.warm_up; by its name: the launcher is below the commands)."""
    cli = sys.modules.get("punji_lib.commands.cli")
    if cli is not None:
        cli.warm_up()


def run_copy(request):
    """In a forked copy: become the waiting command's process, then run its command."""
    import importlib

    from punji_lib import launcher  # this module by its name: `python -m` runs it as __main__

    launcher.IN_COPY, launcher.CALLER_PARENT = True, request["ppid"]
    for fd, target in zip(request["fds"], (0, 1, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    sys.argv = request["argv"]
    module = importlib.import_module("punji_lib.commands." + request["prog"][len("punji-"):].replace("-", "_"))
    return module.main()


class Forked:
    """The launcher as a fork of the process that starts it (punji-compose): without an
    interpreter start-up of its own, and with that process's modules already loaded, it serves
    the first commands sooner. Closing stdin (a pipe to its standard input) stops it, as for
    one started as `python -m punji_lib.launcher` (main)."""

    def __init__(self, name, jobs):
        import signal

        for stream in (sys.stdout, sys.stderr):  # what is buffered is printed once, by this process
            stream.flush()
        read_end, write_end = os.pipe()
        ignored, self.pid = signal.signal(signal.SIGINT, signal.SIG_IGN), None  # ignored from its very start
        try:
            self.pid = os.fork()
            if self.pid == 0:
                os.close(write_end)
                _run_forked(read_end, name, jobs)
        finally:
            if self.pid:
                signal.signal(signal.SIGINT, ignored)
        os.close(read_end)
        self.stdin, self.returncode = os.fdopen(write_end, "wb"), None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self):
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode

    def send_signal(self, signum):
        if self.returncode is None:
            os.kill(self.pid, signum)


def _run_forked(read_end, name, jobs):
    """In the forked launcher: serve as main() does, never returning into the process it was forked from."""
    import atexit
    import logging
    import signal
    import traceback

    code = 1
    try:
        atexit._clear()  # the exit handlers of the process it was forked from are not its own
        for handler in list(logging.root.handlers):
            logging.root.removeHandler(handler)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        os.dup2(read_end, 0)
        os.close(read_end)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        os.chdir("/")
        _name_process(NAME)
        code = main(name, jobs)
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
    exit_now(code)


NAME = "punji-launcher"  # the process name (comm) of a forked launcher and its copies, whose
# command line is that of the process it was forked from


def _name_process(name):
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(name)
    except OSError:  # not Linux: only ps shows it otherwise
        pass


def main(name=None, jobs=None):
    if name is None:
        name, jobs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None
    os.environ.pop(ENV, None)
    request = serve(name, jobs)
    if request is None:  # the launcher itself, once every copy has ended: punji-compose waits for it
        exit_now(0)
    try:
        code = run_copy(request)
    except SystemExit as exc:
        code = exc.code
    exit_now(code)


def exit_now(code):
    """Exit as sys.exit(CODE) would, but without tearing down every module imported (that
    takes milliseconds, and in a copy would touch, and so copy, most of the memory it shares
    with the launcher)."""
    import atexit
    import threading

    if code is not None and not isinstance(code, int):
        sys.stderr.write("%s\n" % code)
        code = 1
    threading._shutdown()  # the non-daemon threads, as at a normal exit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if ANSWER is not None and not code:
        _answer_success()
    os._exit(code or 0)


def _answer_success():
    """In a copy whose command succeeded: tell the command that waits, before this process
    exits; its exit (unmapping all it shares with the launcher) takes milliseconds that make
    would otherwise wait for before starting the next target. Every file but the answer's is
    closed first, so what waits on one (a lock, a pipe's end) is free as at the exit. A failure
    is left to the launcher, which must know of it before it answers (launcher_turns.Turns.failed)."""
    fd = ANSWER.fileno()
    os.closerange(0, fd)
    os.closerange(fd + 1, 1 << 16)
    try:
        ANSWER.sendall((0).to_bytes(HEADER, "little", signed=True))
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
