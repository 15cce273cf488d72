"""Work done ahead in a forked child while the parent goes on: its results are files the parent
(or a later command) would otherwise make itself, so a child that fails only costs that time."""

import sys

from .log import log


def start(what, function, *args, **kwargs):
    """FUNCTION(*ARGS, **KWARGS) in a forked child; returns the function that waits for it and
    says whether it finished (its attribute running() says whether the child still runs). A
    failure is logged ("WHAT not made ahead: ...") and left to the caller, which makes it anew
    and reports it; a child that cannot start is a failure too."""
    import multiprocessing

    def run():
        forked()
        try:
            function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the caller makes it anew and reports it
            log.info("%s not made ahead: %s", what, exc)
            sys.exit(1)
        except KeyboardInterrupt:  # SIGINT or SIGTERM: the parent says it was interrupted
            sys.exit(1)

    try:
        child = multiprocessing.get_context("fork").Process(target=run)
        child.start()
    except OSError as exc:
        log.info("%s not made ahead: %s", what, exc)
        child = None

    def wait():
        if child is None:
            return False
        child.join()
        return child.exitcode == 0

    wait.running = lambda: child is not None and child.is_alive()
    return wait


def forked():
    """In a forked child: what the parent had made out of the garbage collector's sight. A
    collection would go over those objects again and again, and write to (and so copy) every
    page they are on: in a package set's children, seconds."""
    import gc

    gc.freeze()
