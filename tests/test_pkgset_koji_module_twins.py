"""A scratch task's RPM of a NEVRA a module build's content tag holds too, against the Koji test
hub of tests/test_pkgset_koji_modules.py (found by tools/fuzz-compose-koji --modules --gather
--comps --outputs, seed 6697)."""

import glob
import os
import shutil

from conftest import MODULAR, make
from test_pkgset_koji_modules import (  # noqa: F401 (koji: a fixture)
    _plain_methods, import_module, koji, koji_product, new_compose, read_json, stream_documents)

LIBC = "demo-libc-2.38-4.pdl1"


def import_modlibc(hub, demo_repo):
    """The demo's demo-libc build, and a module build modlibc:1:1:c0ffee00 whose content tag holds
    it, listing its x86_64 RPMs, debuginfo ones too."""
    rpms = sorted(glob.glob(os.path.join(demo_repo, "Packages", "demo-libc*-2.38-4.pdl1.*.rpm")))
    hub.import_rpms(rpms)
    stream = stream_documents(os.path.join(MODULAR, "modules.yaml"))[("modweb", "2")].copy("modlibc", "1")
    stream.clear_rpm_artifacts()
    for path in rpms:
        name, arch = os.path.basename(path)[:-len(".rpm")].rsplit(".", 1)
        if arch in ("x86_64", "noarch", "src"):
            stream.add_rpm_artifact("%s-0:%s.%s" % (name[:-len("-2.38-4.pdl1")], "2.38-4.pdl1", arch))
    import_module(hub, stream, [LIBC], version="1", context="c0ffee00")


def scratch_copies(hub, demo_repo, tmp_path, names):
    """A scratch task building again the demo-libc RPMs NAMES (x86_64): copies of other times."""
    paths = []
    for name in names:
        path = tmp_path / ("%s-2.38-4.pdl1.x86_64.rpm" % name)
        shutil.copy(os.path.join(demo_repo, "Packages", path.name), path)
        os.utime(path, (1e9, 1e9))
        paths.append(path)
    return hub.add_scratch_task(paths)


def test_the_task_and_the_module_build_both_taken_fail_linking_as_in_pungi(koji, demo_repo, tmp_path):
    # Pungi 4.3.2 gives the tags' package sets the task's RPMs and a stream's content tag's set the
    # build's, and gathers from a repo of each: its module source took the task's copy of
    # an input debuginfo package, its debuginfo step the content tag's, and the second link
    # failed with File exists; punji read the content tag's alone (one repo over the whole set)
    hub = koji["hub"]
    import_modlibc(hub, demo_repo)
    task = scratch_copies(hub, demo_repo, tmp_path, ["demo-libc", "demo-libc-debuginfo", "demo-libc-debugsource"])
    conf = koji_product(tmp_path, pkgset_koji_module_builds={"^Plain$": ["modlibc:1:1:c0ffee00"]},
                        pkgset_koji_scratch_tasks=[str(task)])
    _plain_methods(conf, {"module": "deps", "comps": "deps"})
    conf.write_text(conf.read_text().replace("check_deps = True", "check_deps = False"))
    topdir = new_compose(tmp_path, conf)
    pkgset = make(topdir, "pkgset")
    assert pkgset.returncode == 0, pkgset.stdout
    held = {p["nevra"]: p for p in read_json(topdir, "work/x86_64/pkgset/packages.json")["packages"]}
    debuginfo = held["demo-libc-debuginfo-0:2.38-4.pdl1.x86_64"]
    assert debuginfo["twins"] and "/work/tasks/" in debuginfo["twins"][0] and debuginfo["twin_sets"] == [0]
    done = make(topdir, "gather")
    errors = [line for line in done.stdout.splitlines() if line.startswith("punji-gather: error:")]
    assert done.returncode != 0 and len(errors) == 1, done.stdout
    assert "Plain.x86_64: cannot link" in errors[0] and "/work/tasks/" in errors[0] and "File exists" in errors[0]
