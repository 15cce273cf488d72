"""punji-ostreecontainer (Pungi's ostree_container option) on the demo compose.

rpm-ostree cannot run here (it needs root, bubblewrap and real Fedora repos), so
these tests put a STAND-IN for rpm-ostree on PATH: a small Python script that
accepts only `rpm-ostree compose image --initialize --touch-if-changed=S TREEFILE
OUTPUT`, reads TREEFILE (JSON) and every .repo file its "repos" names beside it
(each must have a baseurl; a file:// one must hold repodata/repomd.xml), and
writes OUTPUT as a real OCI archive: a tar of an OCI image layout (oci-layout,
index.json, a manifest, a config carrying the treefile's
automatic-version-prefix, and one gzipped layer holding the treefile), then
touches S. Its argv and working directory go to $RPM_OSTREE_STANDIN_ARGV (JSON
lines); a treefile path containing $RPM_OSTREE_STANDIN_FAIL makes it fail.
Everything else is real: git checkout of the config repo, the compose's
repositories, make, createiso --assemble, imagechecksum, the state files.
"""

import json
import os
import tarfile

import pytest

import kojihub_runroot
from conftest import assert_one_line_error, command, git, read_json, set_phase_options
from test_buildinstall import copy_compose, make_compose
from test_ostree import make_recording_argv, stand_ins_on_path, treefile_repo

RPM_OSTREE = r'''#!/usr/bin/env python3
"""STAND-IN for rpm-ostree (tests/test_ostreecontainer.py): see that module's docstring."""
import configparser, gzip, hashlib, io, json, os, sys, tarfile

args = sys.argv[1:]
if os.environ.get("RPM_OSTREE_STANDIN_ARGV"):
    with open(os.environ["RPM_OSTREE_STANDIN_ARGV"], "a") as f:
        f.write(json.dumps({"argv": args, "cwd": os.getcwd()}) + "\n")
if args[:3] != ["compose", "image", "--initialize"] or len(args) != 6 \
        or not args[3].startswith("--touch-if-changed="):
    sys.exit("rpm-ostree stand-in: only 'compose image --initialize --touch-if-changed=S TREEFILE OUTPUT': %r"
             % args)
stamp, treefile, output = args[3].split("=", 1)[1], args[4], args[5]
with open(treefile) as f:
    text = f.read()
tree = json.loads(text)
fail = os.environ.get("RPM_OSTREE_STANDIN_FAIL")
if fail and fail in os.path.abspath(treefile):
    sys.exit("error: Could not depsolve transaction; 1 problem detected")
for name in tree.get("repos", []):
    parser = configparser.ConfigParser()
    if not parser.read(os.path.join(os.path.dirname(treefile), name + ".repo")):
        sys.exit("error: no %s.repo beside the treefile" % name)
    url = parser[name]["baseurl"]
    if url.startswith("file://") and not os.path.isfile(os.path.join(url[7:], "repodata", "repomd.xml")):
        sys.exit("error: repo %s: %s has no repodata" % (name, url))
blobs = {}

def blob(data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    info = tarfile.TarInfo("usr/share/rpm-ostree/treefile.json")
    info.size = len(text.encode())
    t.addfile(info, io.BytesIO(text.encode()))
config = {"architecture": "amd64", "os": "linux",
          "config": {"Labels": {"version": tree.get("automatic-version-prefix") or ""}},
          "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer.getvalue()).hexdigest()]}}
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
            "layers": [blob(gzip.compress(layer.getvalue(), mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")]}
index = {"schemaVersion": 2, "manifests": [blob(json.dumps(manifest).encode(),
                                                "application/vnd.oci.image.manifest.v1+json")]}
with tarfile.open(output, "w") as t:
    for name, data in [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", json.dumps(index).encode())] \
            + [("blobs/sha256/" + d, b) for d, b in sorted(blobs.items())]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
open(stamp, "w").close()
print("Wrote: %s" % output)
'''

TREEFILE = {"ref": "pdl/1/${basearch}/bootable", "repos": ["fedora"], "packages": ["demo-bash"],
            "automatic-version-prefix": "0"}

CONFIG = """
ostree_container = {
    "^Server$": [{
        "treefile": "server.json",
        "config_url": "%(git)s",
        "config_branch": "pdl-1",
        "repo": ["Everything", {"name": "extras", "baseurl": "file://%(demo_repo)s"}],
        "version": "!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN",
        "subvariant": "Bootable",
        "runroot_packages": ["bootc"],
        "arches": ["x86_64"],
    }],
    "^Client$": {
        "treefile": "client.json",
        "config_url": "%(git)s",
        "name": "pdl-client",
        "version": "1.2",
        "repo": "Client",
        "keep_original_sources": True,
        "failable": ["i386"],
    },
}
"""


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    with stand_ins_on_path(tmp_path_factory.mktemp("ostreecontainer-stand-in"), {"rpm-ostree": RPM_OSTREE}) as mp:
        yield mp


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo, stand_in):
    top = tmp_path_factory.mktemp("ostreecontainer")
    gitdir = treefile_repo(top, {})
    # Client's block names no branch: Pungi's default, main, has its treefile
    git(gitdir, "checkout", "-q", "-b", "main")
    (gitdir / "client.json").write_text(json.dumps(TREEFILE))
    git(gitdir, "add", ".")
    git(gitdir, "commit", "-q", "-m", "client")
    compose = make_compose(top, demo_repo, CONFIG % {"git": gitdir, "demo_repo": demo_repo})
    runs = make_recording_argv(stand_in, compose, top / "argv.jsonl", "i386/ostreecontainer/Client-1")
    return compose, runs


def image_release(compose):
    req = read_json(os.path.join(compose, "work/global/compose-request.json"))
    return "%s.t.%s" % (req["date"], req["respin"])


def test_rpm_ostree_compose_image_gets_pungi_arguments(demo):
    compose, runs = demo
    (server,) = [r for r in runs if "Server-1" in r["cwd"]]
    name = "PDL-Bootable-x86_64-1.%s" % image_release(compose)
    work = "%s/work/x86_64/ostreecontainer/Server-1" % compose
    assert server["argv"] == [
        "compose", "image", "--initialize",
        "--touch-if-changed=%s/logs/x86_64/ostreecontainer-Server-1/%s.stamp" % (compose, name),
        work + "/tree/server.json", "%s/%s.ociarchive" % (work, name)]
    assert server["cwd"] == work + "/tree"
    # only the blocks' arches: Server's lists x86_64; Client's runs on both of Client's arches
    assert sorted(r["cwd"].split("/work/")[1] for r in runs) == [
        "i386/ostreecontainer/Client-1/tree", "x86_64/ostreecontainer/Client-1/tree",
        "x86_64/ostreecontainer/Server-1/tree"]
    assert os.path.isfile("%s/logs/x86_64/ostreecontainer-Server-1/%s.stamp" % (compose, name))


def test_treefile_points_at_the_compose_repositories_with_the_version(demo, demo_repo):
    compose, runs = demo
    work = os.path.join(compose, "work/x86_64/ostreecontainer")
    server = read_json(os.path.join(work, "Server-1/tree/server.json"))
    assert server["repos"] == ["Everything", "extras"]
    assert server["automatic-version-prefix"] == "1.%s" % image_release(compose)
    with open(os.path.join(work, "Server-1/tree/Everything.repo")) as f:
        assert "baseurl=file://%s/compose/Everything/x86_64/os\n" % compose in f.read()
    client = read_json(os.path.join(work, "Client-1/tree/client.json"))
    assert client["repos"] == ["fedora", "Client"]  # keep_original_sources, from branch main
    assert client["automatic-version-prefix"] == "1.2"


def test_archives_in_the_compose_and_in_images_json(demo):
    compose, runs = demo
    name = "Server/x86_64/images/PDL-Bootable-x86_64-1.%s.ociarchive" % image_release(compose)
    path = os.path.join(compose, "compose", name)
    with tarfile.open(path) as tar:
        assert {"oci-layout", "index.json"} <= set(tar.getnames())
    assert not [f for f in os.listdir(os.path.join(compose, "work/x86_64/ostreecontainer/Server-1"))
                if f.endswith(".ociarchive")]  # moved, not copied
    images = read_json(os.path.join(compose, "compose/metadata/images.json"))["payload"]["images"]
    (server,) = [i for i in images["Server"]["x86_64"] if i["format"] == "ociarchive"]
    assert server["path"] == name and server["type"] == "ociarchive" and server["arch"] == "x86_64"
    assert server["subvariant"] == "Bootable" and server["bootable"] is False
    assert server["size"] == os.path.getsize(path)
    assert server["checksums"]["sha256"]  # punji-imagechecksum ran after it
    (client,) = [i for i in images["Client"]["x86_64"] if i["format"] == "ociarchive"]
    assert client["path"] == "Client/x86_64/images/pdl-client-x86_64-1.2.ociarchive"
    assert client["subvariant"] == "Client"
    assert not [i for i in images["Client"].get("i386", []) if i["format"] == "ociarchive"]


def test_failable_arch_failure_is_recorded_and_compose_is_incomplete(demo):
    compose, runs = demo
    st = read_json(os.path.join(compose, "work/global/state/ostreecontainer.json"))
    assert st["failed"] is True and st["images"] == 2
    assert "variant Client, arch i386" in st["error"] and "Could not depsolve" in st["error"]
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"


def test_rerun_and_non_failable_failure_is_one_line(demo, stand_in):
    compose, runs = demo
    done = command("punji-ostreecontainer", compose)
    assert done.returncode == 0, done.stderr
    st = read_json(os.path.join(compose, "work/global/state/ostreecontainer.json"))
    assert st["failed"] is False and st["images"] == 3
    assert os.path.isfile(os.path.join(compose, "compose/Client/i386/images/pdl-client-i386-1.2.ociarchive"))
    stand_in.setenv("RPM_OSTREE_STANDIN_FAIL", "x86_64/ostreecontainer/Server-1")
    try:
        done = command("punji-ostreecontainer", compose)
    finally:
        stand_in.delenv("RPM_OSTREE_STANDIN_FAIL")
    assert_one_line_error(done, "option 'ostree_container' (variant Server, arch x86_64, block 1)",
                          "rpm-ostree returned exit code 1", "Could not depsolve", "logs/global/ostreecontainer.log")


def test_unknown_version_generator_is_one_line(tmp_path, demo_repo):
    compose = make_compose(tmp_path, demo_repo, 'ostree_container = {"^Server$": {"treefile": "t.json", '
                           '"config_url": "/nonexistent", "version": "!NO_SUCH_GENERATOR"}}')
    assert_one_line_error(command("punji-ostreecontainer", compose), "option 'ostree_container' (variant Server",
                          "unknown version generator '!NO_SUCH_GENERATOR'")


def test_koji_runroot_tasks_weigh_as_ostree(demo, stand_in, tmp_path, tmp_path_factory):
    """runroot_method koji: one runroot task per archive, weighed by runroot_weights["ostree"] as Pungi
    does, with Pungi's packages; the archives still land in the compose."""
    compose = copy_compose(demo[0], tmp_path / "compose")
    hubs = kojihub_runroot.running_hub(tmp_path_factory)
    hub = next(hubs)
    try:
        set_phase_options(compose, "runroot", runroot_method={"ostree_container": "koji"}, runroot_tag="pdl-1-build",
                    runroot_weights={"ostree": 3, "ostree_container": 9}, koji_profile="punjitasks")
        done = command("punji-ostreecontainer", compose)
        assert done.returncode == 0, done.stderr
        tasks = hub.runroot_tasks()
    finally:
        hubs.close()
    assert len(tasks) == 3
    for task_id, (tag, arch, cmd), kwargs in tasks:
        assert tag == "pdl-1-build" and kwargs["weight"] == 3 and kwargs["mounts"] == [compose]
        assert " && rpm-ostree compose image --initialize --touch-if-changed=" in cmd
    (server,) = [kw for _, (_, _, cmd), kw in tasks if "Server-1" in cmd]
    assert server["packages"] == ["ostree", "rpm-ostree", "selinux-policy-targeted", "bootc"]
    assert read_json(os.path.join(compose, "work/global/state/ostreecontainer.json"))["images"] == 3


@pytest.mark.parametrize("label, generator, expected", [
    ("Beta-1.2", "!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN", "1_Beta.1.2"),
    ("RC-1.0", "!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN", "1.1.0"),
    (None, "!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN", "1.20261125.n.3"),
    ("Beta-1.2", "!RELEASE_FROM_LABEL_DATE_TYPE_RESPIN", "1.2"),
    ("Beta-1.2", "!RELEASE_FROM_DATE_RESPIN", "20261125.3"),
    (None, "!VERSION_FROM_VERSION_DATE_RESPIN", "1.20261125.3"),
    (None, "!VERSION_FROM_VERSION", "1"),
    (None, "7.1", "7.1"),
])
def test_version_generators_as_pungi_computes_them(tmp_path, label, generator, expected):
    from punji_lib.compose import request

    path = tmp_path / "work/global/compose-request.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"compose_id": "PDL-1-20261125.n.3", "compose_type": "nightly", "label": label,
                                "date": "20261125", "respin": 3, "config": "x.conf"}))
    assert request.generated_version(str(tmp_path), "1", generator) == expected
