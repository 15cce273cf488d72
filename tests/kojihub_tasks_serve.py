"""A Koji test hub with tasks as a process of its own, for a punji-only compose of a
tests/data/fidelity/koji-tasks* product (tools/kill-campaign-koji-tasks).

python tests/kojihub_tasks_serve.py --product DIR --root DIR --home DIR --ready FILE [--build-delay S]

serves, until SIGTERM, a TaskHub (tests/kojihub_tasks.py) set up from the product's hub.json
("targets" {name: arches}, "fail" [[image name, arch, error]]) as tools/fidelity-koji-tasks sets
one up, or a RunrootHub (tests/kojihub_runroot.py) when hub.json names a "runroot" {"tag",
"arches"} (its builder runs the runroot commands here: tests/data/lorax-stand-in is put first
on PATH). Plain XML-RPC with a password login (punji's authtype password); the profile
(kojihub_tasks.PROFILE) under HOME. Each task's builder "runs" BUILD_DELAY seconds, long enough
for a kill to land while the compose watches it. The hub outlives the composes it serves, as a
real hub does: a killed compose's tasks go on and close.

The READY file is written once the hub answers: {"url", "topdir", "topurl", "profile", "pid"}.
Every call is appended to ROOT/calls.txt as it arrives.
"""

import argparse
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

STAND_INS = os.path.join(HERE, "data", "lorax-stand-in")


def make_hub(root, hub_conf, build_delay):
    """The hub HUB_CONF (a product's hub.json) describes, storage under ROOT, its builder running."""
    import kojihub_runroot
    import kojihub_tasks

    runroot = hub_conf.get("runroot")
    hub = (kojihub_runroot.RunrootHub if runroot else kojihub_tasks.TaskHub)(root)
    if runroot:
        hub.add_tag(runroot["tag"])
        hub._tag(runroot["tag"])["arches"] = runroot["arches"]
        os.environ["PATH"] = STAND_INS + os.pathsep + os.environ["PATH"]
    for name, arches in sorted(hub_conf.get("targets", {}).items()):
        hub.add_target(name, arches)
    for name, arch, error in hub_conf.get("fail", []):
        hub.fail_task(name, arch, error)
    hub.build_delay = build_delay
    hub.run_builder()
    return hub


def main(argv):
    parser = argparse.ArgumentParser(prog="kojihub_tasks_serve.py")
    parser.add_argument("--product", required=True, help="a directory with hub.json")
    parser.add_argument("--root", required=True, help="a new directory: the hub's storage")
    parser.add_argument("--home", required=True, help="where the koji profile is written (HOME)")
    parser.add_argument("--ready", required=True, help="JSON written once the hub answers")
    parser.add_argument("--build-delay", type=float, default=2.0, help="seconds each image task runs")
    args = parser.parse_args(argv)
    import kojihub
    import kojihub_tasks
    from conftest import http_server

    with open(os.path.join(args.product, "hub.json")) as f:
        hub_conf = json.load(f)
    root = os.path.abspath(args.root)
    if os.path.exists(root):
        raise SystemExit("kojihub_tasks_serve: %s exists (a hub's storage starts empty)" % root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    hub = make_hub(os.path.join(root, "storage"), hub_conf, args.build_delay)
    try:
        with kojihub.serving(hub, kojihub.logging_dispatcher(os.path.join(root, "calls.txt"))) as url, \
                http_server(str(hub.root)) as topurl:
            kojihub_tasks.write_profile(args.home, url, hub.root, topurl)
            info = {"url": url, "topdir": str(hub.root), "topurl": topurl, "profile": kojihub_tasks.PROFILE,
                    "pid": os.getpid()}
            with open(args.ready + ".tmp", "w") as f:
                json.dump(info, f, indent=2)
            os.rename(args.ready + ".tmp", args.ready)
            while True:
                time.sleep(3600)
    finally:
        hub.stop_builder()


if __name__ == "__main__":
    main(sys.argv[1:])
