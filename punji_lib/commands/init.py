"""punji-init: create a compose directory from a config (or refresh one after a config change)."""

import sys

from . import cli


def build_parser():
    p = cli.parser(
        "punji-init",
        "Run the init phase. With CONFIG: create TARGET_DIR/<COMPOSE_ID> (compose id from the "
        "release and the date, with the first free respin), write the normalized config, variants, "
        "per variant.arch comps and the compose's Makefile, and print the compose path. With "
        "--refresh: re-read the config of an existing compose and rewrite what changed "
        "(this is what the compose's Makefile runs).",
        "punji-init demo.conf --target-dir /mnt/composes --nightly\n"
        "punji-init --refresh /mnt/composes/PDL-1-20261125.n.0",
    )
    p.add_argument("config", nargs="?", help="the Pungi-format config file (or, with --refresh, the compose directory)")
    p.add_argument("--refresh", action="store_true", help="re-run init in an existing compose directory (default: .)")
    cli.add_compose_options(p)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.refresh:
        from ..phases import init

        def job(topdir, variant, arch):
            init.run(topdir)

        refresh = cli.parser("punji-init", "", "punji-init --refresh .")
        cli.add_scope(refresh, variant=False, arch=False)
        refresh.add_argument("--refresh", action="store_true")
        forwarded = [args.config or "."] + (["--debug"] if args.debug else [])
        return cli.run_phase(refresh, "init", job, forwarded)
    return cli.run(parser, _create, argv)


def _create(args):
    from ..errors import PunjiError
    from ..phases import init

    if not args.config:
        raise PunjiError("a config file is needed (or --refresh COMPOSE)")
    topdir = init.create(args.config, args.target_dir, args.compose_type, args.label,
                         options=cli.compose_options(args))
    print(topdir)


if __name__ == "__main__":
    sys.exit(main())
