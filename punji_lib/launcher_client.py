"""The asking side of the warm launcher (launcher.py): hand a punji command to it and exit as
the command ended there.

A command's own process does this when punji_lib.commands is imported (delegate). Run as a
script, this module is also the shell punji-compose gives make (`SHELL=python
.SHELLFLAGS=-IS launcher_client.py -c`): a recipe line that is a punji command and plain words
is handed to the launcher from an interpreter started without its site or any module of punji's,
the cheapest start there is; any other line, or one no launcher answers, goes to /bin/sh as make
would have run it. It imports nothing but the standard library, so that it runs as a script too.
"""

import os
import sys

ENV = "PUNJI_LAUNCHER"
HEADER = 4  # the length of the request that follows, and later the exit status
# a line with any of these is left to the shell (quoting, expansions, redirections, several commands)
SHELL_SYNTAX = frozenset("\"'`$\\;&|<>()[]{}*?~#!\n")


def delegate(argv, streams=(0, 1, 2)):
    """When a launcher answers on $PUNJI_LAUNCHER, have it run the punji command ARGV with
    STREAMS as its standard input, output and error, and exit as it ended; return when there is
    none, the command then runs by itself."""
    import _socket

    name = os.environ.get(ENV)
    prog = os.path.basename(argv[0])
    if not name or not prog.startswith("punji-") or prog == "punji-compose":
        return
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect("\0" + name)
    except OSError:
        sock.close()
        return
    _send_request(sock, prog, argv, streams)
    code = _wait(sock, prog)
    sock.close()
    if code is not None:
        _exit_as(code)


def _send_request(sock, prog, argv, streams):
    import _socket
    import marshal

    umask = os.umask(0o22)
    os.umask(umask)
    body = marshal.dumps({"prog": prog, "argv": list(argv), "cwd": os.getcwd(), "env": dict(os.environ),
                          "umask": umask, "ppid": os.getppid()})
    fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in streams)  # the C ints SCM_RIGHTS carries
    sock.sendmsg([len(body).to_bytes(HEADER, "little")], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
    sock.sendall(body)


def _wait(sock, prog):
    """The exit status the launcher sends once the copy has ended (as waitstatus_to_exitcode
    gives it: a signal negative); the copy's pid comes first, for the signals passed on. A
    signal before it (the request waits for its turn) ends this process as it would the command
    not started yet."""
    import _signal as signal  # the module signal imports enum, which costs more than this whole process

    copy = []

    def pass_on(signum, _frame):
        if not copy or not copy[0]:
            _exit_as(-signum)
        os.kill(copy[0], signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, pass_on)
    data = read(sock, HEADER)
    if len(data) < HEADER:  # refused: no copy runs, so this process runs the command
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler)
        return None
    copy.append(int.from_bytes(data, "little", signed=True))  # 0: not run (its make stops: a target failed)
    data = read(sock, HEADER)
    if len(data) < HEADER:
        sys.stderr.write("%s: error: the punji launcher went away before the command ended\n" % prog)
        return 1
    return int.from_bytes(data, "little", signed=True)


def read(sock, size):
    """SIZE bytes from SOCK, fewer when it closes first."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _exit_as(code):
    import _signal as signal

    if code < 0:
        if -code != signal.SIGKILL:
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        code = 128 - code
    os._exit(code)


def shell(args):
    """Make's shell: ARGS are the shell's flags, then the recipe line."""
    *flags, line = args
    words, streams = line.split(), (0, 1, 2)
    if words[1:] and words[-1] == "2>&1":  # the Makefile's claim: $(shell) takes what it says
        words, streams = words[:-1], (0, 1, 1)
    if words and "/" in words[0] and "=" not in words[0] and not SHELL_SYNTAX.intersection(" ".join(words)):
        delegate(words, streams)
    os.execv("/bin/sh", ["/bin/sh"] + flags + [line])


if __name__ == "__main__":
    shell(sys.argv[1:])
