"""The console scripts: thin argparse fronts over punji_lib. Each has build_parser() and main()."""
