"""punji: a distribution compose toolkit, one command per phase, scheduled by make."""

__version__ = "0.1.0"


def _started_as_a_command():
    import os
    import sys

    return os.path.basename(sys.argv[0] if sys.argv else "").startswith("punji-")


if _started_as_a_command():  # a console script: Ctrl-C while it imports ends it without a traceback
    from .interrupts import quiet_start

    quiet_start()
