"""The local Koji test hub the koji package set tests read (test_pkgset_koji*.py): its tags,
builds, signatures and scratch tasks, and the helpers that compose the demo from it.

The koji client library finds the test profiles where a user's profiles are
(~/.koji/config.d/<profile>.conf): HOME points at a directory of the fixture while its
tests run. The hub's storage holds real RPMs (the demo's and small ones built here), some
signed with gpg keys made here.
"""

import glob
import os
import shutil

import pytest

from conftest import command, read_json
from kojihub import Hub, Signer, serving, serving_files, write_profile
from test_pkgset import build_rpm

PROFILE = "punjitest"
HTTP_PROFILE = "punjihttp"  # the same hub, its topdir not readable here: files come from topurl


@pytest.fixture(scope="module")
def koji(tmp_path_factory, demo_repo):
    """The running hub, its storage, two signers and the tags the tests read."""
    top = tmp_path_factory.mktemp("koji")
    hub = Hub(top / "storage")
    build = top / "rpmbuild"

    def rpms(name, version, arch="noarch"):
        return [build_rpm(build / ("%s-%s" % (name, version)), name, version, arch)]

    # the demo: every package in one tag, as the repos source has them
    hub.add_tag("demo")
    for b in hub.import_rpms(glob.glob(os.path.join(demo_repo, "Packages", "*.rpm"))):
        hub.tag_build("demo", b["nvr"])
    # inheritance: the child's own build wins over a higher one in the parent (koji's latest)
    hub.add_tag("kj-base")
    hub.add_tag("kj-child", parents=["kj-base"])
    for name, version, arch, tag in [("kjt-inherited", "1.0", "noarch", "kj-base"),
                                     ("kjt-override", "3.0", "noarch", "kj-base"),
                                     ("kjt-override", "2.0", "noarch", "kj-child"),
                                     ("kjt-retagged", "1.1", "noarch", "kj-child"),
                                     ("kjt-retagged", "1.0", "noarch", "kj-child"),
                                     ("kjt-foreign", "1.0", "aarch64", "kj-child")]:
        for b in hub.import_rpms(rpms(name, version, arch)):
            hub.tag_build(tag, b["nvr"])
    (multi,) = hub.import_rpms(rpms("kjt-multi", "1.0", "x86_64") + rpms("kjt-multi", "1.0", "i686"))
    hub.tag_build("kj-child", multi["nvr"])
    hub.add_tag("kj-other")
    for b in hub.import_rpms(rpms("kjt-inherited", "0.5") + rpms("kjt-only-other", "1.0")
                             + rpms("kjt-retagged", "0.9")):
        hub.tag_build("kj-other", b["nvr"])
    hub.import_rpms(rpms("kjt-extra", "1.0") + rpms("kjt-inherited", "1.5"))  # builds in no tag
    scratch = hub.add_scratch_task(rpms("kjt-override", "9.0") + rpms("kjt-scratch-foreign", "1.0", "aarch64"))
    # signatures: kjs-a by both keys, kjs-b by B only, kjs-c by none; kjs-late by A after the first look
    key_a, key_b = Signer(top / "gpg-a", "Punji Key A"), Signer(top / "gpg-b", "Punji Key B")
    for tag, names in [("kj-signed", ["kjs-a", "kjs-b"]), ("kj-unsigned", ["kjs-a", "kjs-c"]),
                       ("kj-late", ["kjs-late"]), ("kj-reuse-base", []), ("kj-http", ["kjs-a", "kjs-c"])]:
        hub.add_tag(tag)
        for name in names:
            if not glob.glob(str(build / ("%s-1.0" % name))):
                hub.import_rpms(rpms(name, "1.0"))
            hub.tag_build(tag, "%s-1.0-1" % name)
    hub.sign("kjs-a-1.0-1", key_a)
    hub.sign("kjs-a-1.0-1", key_b)
    hub.sign("kjs-b-1.0-1", key_b)
    hub.add_tag("kj-reuse", parents=["kj-reuse-base"])
    for b in hub.import_rpms(rpms("kjt-reuse", "1.0") + rpms("kjt-reuse-new", "1.0") + rpms("kjt-reuse-up", "1.0")):
        if b["name"] == "kjt-reuse":
            hub.tag_build("kj-reuse", b["nvr"])

    home = top / "home"
    old_home = os.environ.get("HOME")
    with serving(hub) as url, serving_files(hub.root) as (topurl, files):
        write_profile(home, PROFILE, url, hub.root, topurl)
        write_profile(home, HTTP_PROFILE, url, str(top / "not-mounted"), topurl)
        os.environ["HOME"] = str(home)
        try:
            yield {"hub": hub, "a": key_a.sigkey, "b": key_b.sigkey, "scratch": scratch, "rpms": rpms,
                   "files": files}
        finally:
            if old_home is None:
                del os.environ["HOME"]
            else:
                os.environ["HOME"] = old_home


# deps for every variant, but not the string "deps": Pungi 4.3.2 takes no unsigned copy then
PER_VARIANT_DEPS = {"^.*$": {"comps": "deps", "json": "deps"}}


def without_repos(conf):
    """The demo config CONF less its pkgset_repos, which Pungi refuses beside pkgset_source = "koji"."""
    text = conf.read_text()
    start = text.index("pkgset_repos = {")
    conf.write_text(text[:start] + text[text.index("}\n", start) + 2:])


def koji_compose(tmp_path, demo_copy, profile=PROFILE, **options):
    """An init'ed (test) demo compose in TMP_PATH/composes reading its packages from the test
    hub with OPTIONS (its config a fresh copy of DEMO_COPY in TMP_PATH/conf)."""
    options = dict({"pkgset_source": "koji", "koji_profile": profile}, **options)
    conf = tmp_path / "conf"
    shutil.copytree(demo_copy, conf)
    without_repos(conf / "demo.conf")
    with open(conf / "demo.conf", "a") as f:
        for name, value in options.items():
            f.write("%s = %r\n" % (name, value))
    return command("punji-init", conf / "demo.conf", "--target-dir", tmp_path / "composes", "--test",
                   check=True).stdout.strip()



def packages(compose, arch="x86_64"):
    return read_json(compose, "work/%s/pkgset/packages.json" % arch)["packages"]


def pkgset(compose, arch="x86_64"):
    command("punji-pkgset", "--arch", arch, compose, check=True)
    return {"%s.%s" % (p["name"], p["arch"]): p for p in packages(compose, arch)}
