"""punji-init: create a compose directory from a config (or refresh one after a config change)."""

import sys

from . import cli, compose_args


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
    compose_args.add_config(p, "the Pungi-format config file (or, with --refresh, the compose directory)")
    p.add_argument("--refresh", action="store_true", help="re-run init in an existing compose directory (default: .)")
    compose_args.add_compose_options(p)
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

    if not (args.config or args.config_option):
        raise PunjiError("a config file is needed (or --refresh COMPOSE)")
    if args.compose_dir and init.is_compose(args.compose_dir):
        raise PunjiError("%s is a compose already: run make in it, or punji-init --refresh %s"
                         % (args.compose_dir, args.compose_dir))
    topdir = init.create(compose_args.config_path(args), args.target_dir, args.compose_type, args.label,
                         options=compose_args.compose_options(args), koji_event=args.koji_event,
                         compose_dir=args.compose_dir)
    if args.print_output_dir:
        print("Compose dir: %s" % topdir)
    print(topdir)


if __name__ == "__main__":
    sys.exit(main())
