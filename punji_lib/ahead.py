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
    import signal

    stops = {signal.SIGINT, signal.SIGTERM}

    def run():
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)  # one that came as it was forked is raised here
            forked()
            function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the caller makes it anew and reports it
            log.info("%s not made ahead: %s", what, exc)
            sys.exit(1)
        except KeyboardInterrupt:  # SIGINT or SIGTERM: the parent says it was interrupted
            sys.exit(1)

    # SIGINT and SIGTERM held while forking: raised in the fork's own hooks (logging's), where
    # Python reports and drops exceptions, the interruption was lost and the command went on
    held = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        child = multiprocessing.get_context("fork").Process(target=run)
        child.start()
    except OSError as exc:
        log.info("%s not made ahead: %s", what, exc)
        child = None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)

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
