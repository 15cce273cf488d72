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

from . import launcher_client
from .launcher_client import ENV, HEADER, read

IN_COPY = False  # True in a copy running a command: its log says so
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
# imports the common ones), then the libraries the phases import when they run.
LIBRARIES = ("productmd.composeinfo", "productmd.images", "productmd.rpms", "productmd.treeinfo",
             "productmd.modules", "createrepo_c", "solv", "rpm", "libcomps", "lxml.etree", "kobo.conf",
             "multiprocessing.context", "multiprocessing.process")


def _preloads():
    """The modules to import, by name (the launcher runs commands by name, as their scripts do)."""
    import pkgutil

    here = os.path.dirname(os.path.abspath(__file__))
    names = ["punji_lib.launcher", "punji_lib.commands.cli"]  # the first: each copy imports it by name
    for package in ("commands", "phases"):
        names += ["punji_lib.%s.%s" % (package, m.name) for m in pkgutil.iter_modules([os.path.join(here, package)])]
    return list(dict.fromkeys(names + list(LIBRARIES)))


def serve(name):
    """Serve requests on the abstract socket NAME until stdin is closed and every copy has ended.
    Returns None in the launcher, the request in a forked copy."""
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
    for source in (listener, sys.stdin, wake_r):
        events.register(source, selectors.EVENT_READ)
    pending, waiting = _preloads(), {}
    while listener or waiting:
        for key, _ in events.select(0 if pending else None):
            if key.fileobj is wake_r:
                os.read(wake_r, 512)
            elif key.fileobj is sys.stdin and not os.read(0, 512):
                stopping.append(None)
            elif key.fileobj is listener:
                request = _accept(listener, waiting)
                if request is not None:  # in the copy: nothing of the launcher's stays open
                    for signum, action in ((signal.SIGCHLD, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler),
                                           (signal.SIGTERM, signal.SIG_DFL), (signal.SIGHUP, signal.SIG_DFL)):
                        signal.signal(signum, action)
                    signal.set_wakeup_fd(-1)
                    events.close()
                    for sock in [listener, *waiting.values()]:
                        sock.close()
                    os.close(wake_r)
                    os.close(wake_w)
                    return request
        if stopping and listener:
            events.unregister(listener)
            events.unregister(sys.stdin)
            listener.close()
            listener, pending = None, []
        for signum in filter(None, stopping):
            for pid in waiting:
                os.kill(pid, signum)
        del stopping[:]
        _reap(waiting)
        if pending:
            _preload(pending.pop(0))
    return None


def _accept(listener, waiting):
    """Take one request: fork its copy (the request returned in the copy, None in the launcher)."""
    import gc
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
        request = _read_request(conn, size)
    except (OSError, ValueError, EOFError, TypeError):
        for fd in fds:
            os.close(fd)
        conn.close()
        return None
    # the launcher's objects (every module it imported) out of the copies' garbage collections:
    # those would go over them again and again, and write to (and so copy) the pages they share
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        conn.close()
        return dict(request, fds=fds)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(pid.to_bytes(HEADER, "little", signed=True))
    except OSError:
        pass
    waiting[pid] = conn
    return None


def _read_request(conn, size):
    import marshal

    body = read(conn, size)
    if len(body) < size:
        raise EOFError("short request")
    return marshal.loads(body)


def _reap(waiting):
    """Send each ended copy's exit status to the command that waits for it."""
    while waiting:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = waiting.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(os.waitstatus_to_exitcode(status).to_bytes(HEADER, "little", signed=True))
            except OSError:
                pass
            conn.close()


def _preload(module):
    import importlib

    try:
        importlib.import_module(module)
    except Exception:  # a library this machine lacks: the command that needs it says so itself
        pass


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


def main():
    os.environ.pop(ENV, None)
    request = serve(sys.argv[1])
    if request is None:
        return 0
    try:
        code = run_copy(request)
    except SystemExit as exc:
        code = exc.code
    _end_copy(code)


def _end_copy(code):
    """Exit as sys.exit(CODE) would, but without tearing down every module the launcher
    imported (that would touch, and so copy, most of the memory the copy shares with it)."""
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
    os._exit(code or 0)


if __name__ == "__main__":
    sys.exit(main())
