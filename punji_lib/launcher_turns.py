"""Which of the requests waiting in the launcher (launcher.py) gets the next free copy, and
when it is worth waiting a little for one that may still come: the turns of make's targets."""

import functools
import os


# make starts every target ready to run at once (punji-compose gives it more jobs than the
# launcher runs): before a free copy goes to a request that waits, the launcher waits for the
# requests that come with it, BURST seconds at most, looking again every BURST_POLL. It waits
# only for a tree of HEAVY packages or more: a lighter tree's targets end sooner than a wait
# for the next would pay back.
BURST, BURST_POLL = 0.05, 0.003
HEAVY = 1000
# ...and only after a copy of that tree that ran this long: a quicker one (a target taken over
# from the old compose) has quick next targets, which would wait less behind a lighter one's
# copy than the hold costs.
HOLD_AFTER = 4 * BURST
# The copy of a lighter tree's command runs at this niceness: with CPUs short, the heaviest
# tree's commands, whose chain ends the compose, take them first.
LIGHT_NICE = 10


class Turns:
    """The requests of make's targets that wait for a copy (JOBS copies at most at once; None:
    no limit, no wait; a request of any other process is served at once): which goes next
    (_order), and when the next may still be coming: make still starting the
    launcher's clients of targets it found ready, or a heavier copy than any waiting one just
    ended (its tree's next targets, heavy too, are about to be ready)."""

    def __init__(self, jobs):
        self.jobs, self.queued, self.count = jobs, {}, 0
        self.hold_since, self.expect_until = None, 0
        self.failed = set()  # the makes one of whose targets failed: they start no more (no -k)

    def add(self, conn, request):
        self.count += 1
        self.queued[conn] = dict(request, order=_order(request, self.count), from_make=_is_make(request["ppid"]),
                                 keep_going=_keeps_going(request["env"]))
        self.expect_until = 0  # what was expected came (or something else did: look again)

    def ended(self, ended):
        """ENDED: [(what _fork kept of a request, exit code)] of the copies that just ended."""
        import time

        self.failed.update(meta["ppid"] for meta, code in ended
                           if code != 0 and meta["from_make"] and not meta["keep_going"])
        now = time.monotonic()
        orders = [meta["order"] for meta, _code in ended if now - meta["started"] >= HOLD_AFTER]
        if self.queued and orders and min(o[:2] for o in orders) < min(q["order"][:2] for q in self.queued.values()) \
                and -min(o[:2] for o in orders)[1] >= HEAVY:
            self.expect_until = now + BURST

    def holding(self):
        return self.hold_since is not None

    def next(self, waiting):
        """(connection, request, whether to run it) to answer now; None when none waits, no copy
        is free, or what comes next may be heavier. WAITING: the running copies, {pid:
        (connection, what _fork kept of the request)}."""
        import time

        for conn, request in self.queued.items():
            if not request["from_make"]:  # a command a running one started may be what it waits for
                return conn, self.queued.pop(conn), True
            if request["ppid"] in self.failed:  # make would not have started it: it only waits for it
                return conn, self.queued.pop(conn), False
        if not self.queued or (self.jobs is not None and len(waiting) >= self.jobs):
            self.hold_since = None
            return None
        conn = min(self.queued, key=lambda c: self.queued[c]["order"])
        if self.jobs is not None:
            now = time.monotonic()
            self.hold_since = self.hold_since or now
            if now - self.hold_since < BURST and (now < self.expect_until or (
                    lighter(self.queued[conn]) and
                    _more_coming(self.queued, {m["client"] for _c, m in waiting.values()}))):
                return None
        self.hold_since = None
        return conn, self.queued.pop(conn), True


def lighter(request):
    """Whether REQUEST is of a gathered tree lighter than the compose's heaviest, one of HEAVY
    packages or more: a heavier request may still come when it is the first to go of those
    waiting, and its copy runs at a lower CPU priority (LIGHT_NICE)."""
    kind, weight = request["order"][0], -request["order"][1]
    if kind == 0 or weight == 0:  # no tree goes before one; trees not gathered yet weigh alike
        return False
    try:
        heaviest = _heaviest(os.path.join(request["cwd"], request["argv"][-1]))
    except Exception:  # whatever the files say, a request is served
        return False
    return heaviest >= HEAVY and heaviest > weight


def _more_coming(queued, running):
    """Whether a make whose commands wait in QUEUED is still starting launcher clients: children
    that are not asking yet (not in QUEUED, nor the clients RUNNING copies serve)."""
    asking = {request["client"] for request in queued.values()} | running
    for make in {request["ppid"] for request in queued.values()}:
        try:
            with open("/proc/%d/task/%d/children" % (make, make)) as f:
                children = [int(pid) for pid in f.read().split()]
        except (OSError, ValueError):
            continue
        if any(pid not in asking and _is_client(pid) for pid in children):
            return True
    return False


def _keeps_going(env):
    """Whether the make of a request's environment runs with -k (its MAKEFLAGS' first word holds
    its one-letter options)."""
    words = env.get("MAKEFLAGS", "").split()
    return bool(words) and not words[0].startswith("-") and "=" not in words[0] and "k" in words[0]


def _is_make(pid):
    """Whether the process PID is a make (the targets' commands take turns; any other, such as
    a hook a running command started, runs at once)."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip() in ("make", "gmake")
    except OSError:
        return False


def _is_client(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"launcher_client" in f.read()  # launcher_client.py, or the C one (build/launcher_client)
    except OSError:
        return False


def _order(request, count):
    """The turn of a request that waits: commands of no tree first (a package set, a phase's
    global step: everything after waits for them), then the trees with the most packages (the
    longest work, as gather counted it), then the order they came in."""
    try:
        weight = _weight(request)
    except Exception:  # whatever the files say, a request is served
        weight = 0
    return (0, 0, count) if weight is None else (1, -weight, count)


def _weight(request):
    """The packages of the tree a command makes (gather's state file, layout.state_file; the
    source packages for arch src), 0 when not known yet; None for a command of no tree."""
    argv = request["argv"]
    options = dict(zip(argv, argv[1:]))
    variant, arch = options.get("--variant"), options.get("--arch")
    if not variant or not arch:
        return None
    top = os.path.join(request["cwd"], argv[-1])
    arches = [arch] if arch != "src" else os.listdir(os.path.join(top, "work"))
    paths = [os.path.join(top, "work", each, "state", "gather-%s.json" % variant) for each in arches]
    return max([_packages(path, arch == "src") for path in paths] or [0])


@functools.lru_cache(maxsize=None)
def _heaviest(top):
    """The packages of the heaviest tree of the compose TOP, as its gather states count them
    (asked once gather has run: they stay as they are while the launcher lives)."""
    import glob

    paths = glob.glob(os.path.join(glob.escape(top), "work", "*", "state", "gather-*.json"))
    return max([_packages(path, source) for path in paths for source in (False, True)] or [0])


def _packages(path, source):
    """The binary and debug packages (or, SOURCE, the source packages) gather's state file PATH
    counts; 0 when it does not (yet)."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            counts = json.load(f)
    except (OSError, ValueError):
        return 0
    if not isinstance(counts, dict):
        return 0
    keys = ("source",) if source else ("binary", "debug")
    return sum(counts.get(k) or 0 for k in keys if isinstance(counts.get(k), int))
