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
        "punji-config-validate fedora.conf",
    )
    p.add_argument("config", help="the Pungi-format config file")
    return p


def _validate(args):
    from ..phases import init

    loaded = init.load_inputs(args.config, check_only=True)
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
