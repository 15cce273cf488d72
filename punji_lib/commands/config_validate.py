"""punji-config-validate: check a Pungi-format config and its variants file; build nothing."""

import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-config-validate",
        "Parse and validate CONFIG (with its includes and its variants and comps files) without "
        "building anything or contacting any service: variants and comps files kept in git or a "
        "package (scm dicts) are checked, not fetched. Exit 0 when it is valid (warnings name the "
        "options punji does not implement yet), 1 with one error line when it is not.",
        "punji-config-validate fedora.conf\n"
        "punji-config-validate -e release_version=42 template.conf",
    )
    p.add_argument("config", help="the Pungi-format config file (*.json: what pungi-config-dump writes)")
    p.add_argument("-e", "--define", action="append", default=[], metavar="VAR=VALUE", type=_definition,
                   help="set VAR to the string VALUE before the config is read, for a template that uses it "
                        "(repeatable; the file's own value wins; .pungi-config-validate.json beside the config "
                        "gives more, as {VAR: VALUE})")
    p.add_argument("--offline", action="store_true",
                   help="as pungi-config-validate takes it: punji validates offline always (no git reference "
                        "is resolved)")
    p.add_argument("--old-composes", action="store_true",
                   help="as pungi-config-validate takes it: the compose will be given --old-composes "
                        "(createrepo_deltas needs an old compose)")
    return p


def _definition(text):
    """VAR=VALUE, with a Python name for VAR, as pungi-config-validate takes it."""
    import argparse
    import re

    if not re.match(r"^[a-z_]\w*=.*$", text):
        raise argparse.ArgumentTypeError("a definition is VAR=VALUE: %r" % text)
    return text


def _defined(args):
    """{VAR: VALUE}: those of .pungi-config-validate.json beside the config, then --define's."""
    import json
    import os

    from ..errors import PunjiError

    defined = {}
    beside = os.path.join(os.path.dirname(os.path.abspath(args.config)), ".pungi-config-validate.json")
    if os.path.isfile(beside):
        try:
            with open(beside) as f:
                defined.update(json.load(f))
        except (OSError, ValueError, TypeError) as exc:
            raise PunjiError("%s: %s" % (beside, " ".join(str(exc).split())))
    defined.update(item.split("=", 1) for item in args.define)
    return defined


def _validate(args):
    from ..phases import init

    config = init.load_config(args.config, defined=_defined(args))
    loaded = init.load_inputs(args.config, config=config, check_only=True)
    init.check_deltas_have_old_composes(loaded["config"], loaded["files"], args.old_composes)
    for message in loaded["warnings"]:
        cli.warn("punji-config-validate", message)
    if loaded["comps"]:
        from ..config import comps

        comps.read(loaded["comps"])
    if loaded["variants"] is None:
        entry = loaded["config"]["variants_file"]
        print("%s: valid; variants: not read (variants_file comes from %s %s; punji-init fetches it)"
              % (args.config, entry.get("scm"), entry.get("repo")))
        return
    uids = ", ".join("%s (%s)" % (v["uid"], " ".join(v["arches"])) for v in loaded["variants"])
    print("%s: valid; variants: %s" % (args.config, uids))


def main(argv=None):
    return cli.run(build_parser(), _validate, argv)


if __name__ == "__main__":
    sys.exit(main())
