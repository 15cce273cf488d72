"""The command line of punji-compose and punji-init: pungi-koji's options, so that a script
that runs pungi-koji runs punji-compose with the same arguments.

Every option pungi-koji 4.3.2 has is taken. What it asks of the compose beyond its id is
kept in the compose request (compose_options), where the phases read it. The Compose
Tracking Service's --parent-compose-id and --respin-of are kept there too, and change
nothing (punji does not talk to CTS, as Pungi does not without cts_url).
"""

import argparse
import os

from ..config.option_types import PUNGI_PHASES
from ..errors import PunjiError


def add_config(parser, help_text="the Pungi-format config file"):
    """CONFIG, given as pungi-koji's --config or as the first argument."""
    parser.add_argument("config", nargs="?", help=help_text)
    parser.add_argument("--config", dest="config_option", metavar="CONFIG",
                        help="the config file, as pungi-koji takes it")


def config_path(args):
    """The config file the command line names (either way), or a PunjiError."""
    given = [c for c in (args.config, args.config_option) if c]
    if not given:
        raise PunjiError("a config file is needed: give it as the first argument or as --config")
    if len(given) == 2 and os.path.abspath(given[0]) != os.path.abspath(given[1]):
        raise PunjiError("two config files given: %s and --config %s" % tuple(given))
    return given[0]


def add_compose_options(parser):
    """--target-dir (or --compose-dir), --label, --koji-event, the compose type flags and the
    rest of pungi-koji's options."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--target-dir", default=".", metavar="PATH",
                       help="where the compose directory is created (default: .)")
    where.add_argument("--compose-dir", metavar="PATH",
                       help="the compose directory itself: made there when it does not exist or is empty, "
                            "gone on with when it holds a compose")
    parser.add_argument("--label", help="compose label, e.g. RC-1.0 or Beta-1.2 (a production compose needs one)")
    parser.add_argument("--no-label", action="store_true", help="make a production compose without a label")
    parser.add_argument("--supported", action="store_true",
                        help="mark the compose supported (its ISOs, lorax's --isfinal, composeinfo's final), "
                             "as an RC, Update or SecurityFix label does")
    parser.add_argument("--old-composes", action="append", default=[], metavar="PATH",
                        help="where to look for the old compose whose outputs made from the same inputs are "
                             "taken over (repeatable; default: the target directory)")
    parser.add_argument("--skip-phase", action="append", default=[], metavar="PHASE", choices=PUNGI_PHASES,
                        help="skip a phase (Pungi's name, as in skip_phases; repeatable)")
    parser.add_argument("--just-phase", action="append", default=[], metavar="PHASE", choices=PUNGI_PHASES,
                        help="skip every phase but these (repeatable; init, image_checksum and the "
                             "compose's metadata are always made)")
    parser.add_argument("--koji-event", metavar="ID", type=_koji_event,
                        help="read Koji at this event (beats the koji_event option): an event id, or a "
                             "compose directory whose event to take")
    types = parser.add_mutually_exclusive_group()
    for name in ("production", "nightly", "test", "ci", "development"):
        types.add_argument("--" + name, dest="compose_type", action="store_const", const=name,
                           help="make a %s compose" % name)
    parser.add_argument("--notification-script", action="append", default=[], metavar="SCRIPT",
                        help="call SCRIPT MESSAGE with a JSON body on stdin at each step, as Pungi does "
                             "(repeatable; for a plain make also $PUNJI_NOTIFICATION_SCRIPT)")
    parser.add_argument("--no-latest-link", action="store_true",
                        help="do not point latest-<release_short>-<version> in the target directory at this compose")
    parser.add_argument("--latest-link-status", action="append", metavar="STATUS",
                        help="move the latest link only when the compose ends with STATUS (repeatable; "
                             "default: FINISHED or FINISHED_INCOMPLETE)")
    parser.add_argument("--latest-link-components", type=int, default=-1, metavar="N",
                        help="how many parts of release_version the link's name keeps (0: none; negative: "
                             "all but that many; default -1)")
    parser.add_argument("--parent-compose-id", action="append", default=[], metavar="ID",
                        help="a compose this one is made from, for the Compose Tracking Service (kept in "
                             "the compose request)")
    parser.add_argument("--respin-of", metavar="ID",
                        help="the compose this one respins, for the Compose Tracking Service (kept in the "
                             "compose request)")
    parser.add_argument("--print-output-dir", action="store_true",
                        help="print 'Compose dir: PATH' as soon as the compose directory is made")


def compose_options(args):
    """What the compose options ask of the compose beyond its id: kept in its request."""
    return {"notification_scripts": [os.path.abspath(s) if os.path.exists(s) else s
                                     for s in args.notification_script],
            "latest_link": not args.no_latest_link, "latest_link_status": args.latest_link_status,
            "latest_link_components": args.latest_link_components,
            "no_label": args.no_label, "supported": args.supported,
            "old_composes": [os.path.abspath(p) for p in args.old_composes],
            "skip_phases": args.skip_phase, "just_phases": args.just_phase,
            "parent_compose_ids": args.parent_compose_id, "respin_of": args.respin_of}


def _koji_event(text):
    from ..koji import event

    try:
        return event.parse(text)
    except PunjiError as exc:
        raise argparse.ArgumentTypeError(str(exc))
