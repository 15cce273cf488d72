"""The console scripts: thin argparse fronts over punji_lib. Each has build_parser() and main()."""

import os

if os.environ.get("PUNJI_LAUNCHER"):  # started by a compose's make: the warm launcher may run it
    from ..launcher import delegate

    delegate()
