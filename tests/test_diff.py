"""punji-diff (issue 14): what changed between two composes of the demo product, the second made
after a package was rebuilt with a higher release (demo-tzdata), one removed (demo-fortune) and
one added (demo-extra); a compose against itself and against a copy under another id; bad input."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import DEMO, ROOT, assert_one_line_error, command, composed, demo_config

EXTRA_SPEC = """\
Name:           demo-extra
Version:        1.0
Release:        1%{?dist}
Summary:        A package new in the second compose
License:        MIT
BuildArch:      noarch
AutoReqProv:    no

%description
Only in the second compose.

%prep

%build

%install
mkdir -p %{buildroot}/usr/share/demo-extra
echo extra > %{buildroot}/usr/share/demo-extra/README

%files
/usr/share/demo-extra

%changelog
* Thu Feb 01 2024 Punji Demo Builders <builders@demo.punji.example> - 1.0-1
- New
"""

# rpms.json of the demo: demo-tzdata is in every variant.arch but Server-HA and Server-optional
# (it is in the core group); demo-fortune (in no group) only in Everything
TZDATA_TREES = ("Client.i386", "Client.x86_64", "Everything.i386", "Everything.x86_64", "Server.i386",
                "Server.x86_64")


def changed_repo(top, demo_repo):
    """The demo repo with demo-tzdata rebuilt as release 2, demo-fortune gone, demo-extra new."""
    specs = top / "specs"
    specs.mkdir()
    tzdata = open(os.path.join(DEMO, "specs", "demo-tzdata.spec")).read()
    assert "Release:        1%{?dist}" in tzdata
    (specs / "demo-tzdata.spec").write_text(tzdata.replace("Release:        1%{?dist}", "Release:        2%{?dist}"))
    (specs / "demo-extra.spec").write_text(EXTRA_SPEC)
    built = top / "built"
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs", specs,
                    "--comps", os.path.join(DEMO, "comps.xml"), "--out", built], check=True, stdout=subprocess.DEVNULL)
    repo = top / "repo"
    (repo / "Packages").mkdir(parents=True)
    for name in sorted(os.listdir(os.path.join(demo_repo, "Packages"))):
        if not name.startswith(("demo-tzdata-", "demo-fortune-")):
            os.link(os.path.join(demo_repo, "Packages", name), repo / "Packages" / name)
    for name in sorted(os.listdir(built / "Packages")):
        os.link(built / "Packages" / name, repo / "Packages" / name)
    subprocess.run(["createrepo_c", "--quiet", "--no-database", "--groupfile", os.path.join(DEMO, "comps.xml"),
                    str(repo)], check=True)
    return repo


@pytest.fixture(scope="module")
def composes(tmp_path_factory, demo_repo):
    """(old, new): the demo composed, then composed again from the changed repo."""
    top = tmp_path_factory.mktemp("diff")
    old = composed(demo_config(top / "old-config", demo_repo), top / "composes")
    new = composed(demo_config(top / "new-config", changed_repo(top, demo_repo)), top / "composes")
    return old, new


def metadata(topdir, name):
    with open(os.path.join(topdir, "compose", "metadata", name)) as f:
        return json.load(f)


def copy_under_id(topdir, target, compose_id, date):
    """TARGET/COMPOSE_ID: TOPDIR's COMPOSE_ID, STATUS and metadata, the compose id and date in
    them (and in the paths they list) COMPOSE_ID and DATE; the new compose directory."""
    old_id = open(os.path.join(topdir, "COMPOSE_ID")).read().strip()
    copy = os.path.join(target, compose_id)
    os.makedirs(os.path.join(copy, "compose", "metadata"))
    shutil.copy(os.path.join(topdir, "STATUS"), copy)
    with open(os.path.join(copy, "COMPOSE_ID"), "w") as f:
        f.write(compose_id + "\n")
    for name in os.listdir(os.path.join(topdir, "compose", "metadata")):
        data = json.loads(json.dumps(metadata(topdir, name)).replace(old_id, compose_id))
        data["payload"]["compose"]["date"] = date
        with open(os.path.join(copy, "compose", "metadata", name), "w") as f:
            json.dump(data, f)
    return copy


def diff(*args):
    return command("punji-diff", *args)


def diff_json(*args):
    done = diff("--json", *args)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_the_packages_that_changed_per_tree(composes):
    old, new = composes
    done = diff(old, new)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "--- %s  %s" % (os.path.basename(old), old)
    assert lines[1] == "+++ %s  %s" % (os.path.basename(new), new)
    packages = [line for line in lines[2:-1] if not line.startswith("  image ")]
    expected = []
    for tree in TZDATA_TREES:
        expected.append(tree + ":")
        if tree.startswith("Everything"):
            removed = sorted(["demo-fortune.src", "demo-fortune.x86_64" if tree.endswith("x86_64") else "demo-fortune.i686"])
            expected += ["  added      demo-extra.noarch 1.0-1.pdl1", "  added      demo-extra.src 1.0-1.pdl1"]
            expected += ["  removed    %s 1.99.1-5.pdl1" % package for package in removed]
        expected += ["  upgraded   demo-tzdata.noarch 2024a-1.pdl1 -> 2024a-2.pdl1",
                     "  upgraded   demo-tzdata.src 2024a-1.pdl1 -> 2024a-2.pdl1"]
    assert packages == expected
    assert lines[-1] == ("6 variant.arches differ: packages 4 added, 4 removed, 12 upgraded, 0 downgraded; "
                         "images 0 added, 0 removed, 8 changed")


def test_json_report(composes):
    old, new = composes
    status, report = diff_json(old, new)
    assert status == 1
    assert report["header"] == {"type": "punji.diff", "version": "1.0"}
    assert report["old"] == {"compose_id": os.path.basename(old), "date": metadata(old, "composeinfo.json")
                             ["payload"]["compose"]["date"], "path": old}
    assert report["new"]["compose_id"] == os.path.basename(new)
    assert report["differ"] is True and report["release"] is None
    assert ["%s.%s" % (t["variant"], t["arch"]) for t in report["trees"]] == list(TZDATA_TREES)
    everything = next(t for t in report["trees"] if (t["variant"], t["arch"]) == ("Everything", "x86_64"))
    assert everything["packages"] == {
        "added": [{"name": "demo-extra", "arch": "noarch", "evr": "1.0-1.pdl1"},
                  {"name": "demo-extra", "arch": "src", "evr": "1.0-1.pdl1"}],
        "removed": [{"name": "demo-fortune", "arch": "src", "evr": "1.99.1-5.pdl1"},
                    {"name": "demo-fortune", "arch": "x86_64", "evr": "1.99.1-5.pdl1"}],
        "upgraded": [{"name": "demo-tzdata", "arch": "noarch", "old": "2024a-1.pdl1", "new": "2024a-2.pdl1"},
                     {"name": "demo-tzdata", "arch": "src", "old": "2024a-1.pdl1", "new": "2024a-2.pdl1"}],
        "downgraded": [],
    }
    assert everything["images"] == {"added": [], "removed": [], "changed": []}  # createiso_skip
    assert report["summary"] == {"trees": 6, "packages": {"added": 4, "removed": 4, "upgraded": 12, "downgraded": 0},
                                 "images": {"added": 0, "removed": 0, "changed": 8}}


def test_images_changed_carry_both_records(composes):
    old, new = composes
    _status, report = diff_json(old, new)
    server = next(t for t in report["trees"] if (t["variant"], t["arch"]) == ("Server", "x86_64"))
    records = {i["path"]: i for i in metadata(new, "images.json")["payload"]["images"]["Server"]["x86_64"]}
    before = {i["arch"]: i for i in metadata(old, "images.json")["payload"]["images"]["Server"]["x86_64"]}
    assert sorted(i["new"]["path"] for i in server["images"]["changed"]) == sorted(records)
    for change in server["images"]["changed"]:
        now, then = records[change["new"]["path"]], before[change["arch"]]
        assert change == {"subvariant": "Server", "type": "dvd", "format": "iso", "arch": now["arch"],
                          "disc_number": 1,
                          "old": {"path": then["path"], "size": then["size"], "checksums": then["checksums"]},
                          "new": {"path": now["path"], "size": now["size"], "checksums": now["checksums"]}}
        assert change["old"]["checksums"] != change["new"]["checksums"]
    text = diff(old, new).stdout
    iso = "Server/x86_64/iso/%s-Server-x86_64-dvd1.iso" % os.path.basename(new)
    assert "  image changed dvd/iso %s: " % iso in text
    assert "from " not in text  # the paths differ by the compose id alone


def test_the_other_way_round_is_a_downgrade(composes):
    old, new = composes
    _status, report = diff_json(new, old)
    server = next(t for t in report["trees"] if (t["variant"], t["arch"]) == ("Server", "i386"))
    assert server["packages"]["downgraded"] == [
        {"name": "demo-tzdata", "arch": "noarch", "old": "2024a-2.pdl1", "new": "2024a-1.pdl1"},
        {"name": "demo-tzdata", "arch": "src", "old": "2024a-2.pdl1", "new": "2024a-1.pdl1"}]
    assert report["summary"]["packages"] == {"added": 4, "removed": 4, "upgraded": 0, "downgraded": 12}


def test_a_compose_and_itself_or_a_copy_under_another_id_are_the_same(composes, tmp_path):
    old, _new = composes
    done = diff(old, old)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "identical apart from compose ids and dates"
    copy = copy_under_id(old, tmp_path, "PDL-1-20270101.n.3", "20270101")
    status, report = diff_json(old, copy)
    assert status == 0
    assert report["differ"] is False and report["trees"] == []
    assert report["new"] == {"compose_id": "PDL-1-20270101.n.3", "date": "20270101", "path": copy}


def test_images_added_removed_and_changed(composes, tmp_path):
    old, _new = composes
    copy = copy_under_id(old, tmp_path, "PDL-1-20270101.n.0", "20270101")
    path = os.path.join(copy, "compose", "metadata", "images.json")
    data = metadata(copy, "images.json")
    images = data["payload"]["images"]["Client"]["x86_64"]
    source = next(i for i in images if i["arch"] == "src")
    binary = next(i for i in images if i["arch"] == "x86_64")
    images.remove(source)
    binary["size"] += 2048
    added = dict(binary, disc_number=2, disc_count=2, path=binary["path"].replace("dvd1", "dvd2"))
    images.append(added)
    with open(path, "w") as f:
        json.dump(data, f)
    status, report = diff_json(old, copy)
    assert status == 1
    (tree,) = report["trees"]
    assert (tree["variant"], tree["arch"]) == ("Client", "x86_64")
    assert not any(tree["packages"].values())
    shown = ("subvariant", "type", "format", "arch", "disc_number", "path", "size", "checksums")
    assert tree["images"]["added"] == [{k: added[k] for k in shown}]
    was = dict(source, path=source["path"].replace("PDL-1-20270101.n.0", os.path.basename(old)))
    assert tree["images"]["removed"] == [{k: was[k] for k in shown}]
    (changed,) = tree["images"]["changed"]
    assert (changed["arch"], changed["old"]["size"] + 2048) == ("x86_64", changed["new"]["size"])
    text = diff(old, copy).stdout
    assert "  image added   dvd/iso %s\n" % added["path"] in text
    assert "  image removed dvd/iso %s\n" % was["path"] in text
    assert ": size %d -> %d\n" % (changed["old"]["size"], changed["new"]["size"]) in text
    assert text.splitlines()[-1] == ("1 variant.arch differs: packages 0 added, 0 removed, 0 upgraded, "
                                     "0 downgraded; images 1 added, 1 removed, 1 changed")


def test_a_release_change_is_a_difference(composes, tmp_path):
    old, _new = composes
    copy = copy_under_id(old, tmp_path, "PDL-1-20270101.n.0", "20270101")
    data = metadata(copy, "composeinfo.json")
    data["payload"]["release"]["name"] = "Punji Demo Linux Server"
    with open(os.path.join(copy, "compose", "metadata", "composeinfo.json"), "w") as f:
        json.dump(data, f)
    done = diff(old, copy)
    assert done.returncode == 1
    assert "release: Punji Demo Linux (PDL-1 ga) -> Punji Demo Linux Server (PDL-1 ga)\n" in done.stdout


def test_install_only_packages_pair_oldest_first():
    from punji_lib.compose import diff as compose_diff

    def compose_with(kernels):
        return {"compose_id": "X", "date": "20270101", "path": "/x", "release": {}, "images": {},
                "rpms": {("Server", "x86_64"): {("kernel", "x86_64"): set(kernels)}}}

    report = compose_diff.compare(compose_with({("0", "5.1", "1"), ("0", "5.2", "1"), ("0", "1.0", "1")}),
                                  compose_with({("0", "5.2", "1"), ("0", "5.10", "1"), ("1", "0.1", "1"),
                                                ("0", "1.00", "1")}))
    (tree,) = report["trees"]
    assert tree["packages"] == {
        "upgraded": [{"name": "kernel", "arch": "x86_64", "old": "5.1-1", "new": "5.10-1"}],
        "removed": [{"name": "kernel", "arch": "x86_64", "evr": "1.0-1"}],
        "added": [{"name": "kernel", "arch": "x86_64", "evr": "1.00-1"},
                  {"name": "kernel", "arch": "x86_64", "evr": "1:0.1-1"}],
        "downgraded": [],
    }


@pytest.mark.parametrize("name, text, says", [
    ("rpms.json", '{"header": {"type": "productmd.rpms", "version": "1.2"}, "payl', "not valid JSON"),
    ("rpms.json", '{"header": {"type": "productmd.images", "version": "1.2"}, "payload": {}}',
     "Invalid metadata type 'productmd.images'"),
    ("rpms.json", None, "missing"),
    ("images.json", "[]", "not valid productmd.images metadata"),
    ("composeinfo.json", "{}", "not valid productmd.composeinfo metadata"),
])
def test_bad_metadata_is_one_error_naming_the_file(composes, tmp_path, name, text, says):
    old, _new = composes
    copy = copy_under_id(old, tmp_path, "PDL-1-20270101.n.0", "20270101")
    path = os.path.join(copy, "compose", "metadata", name)
    if text is None:
        os.unlink(path)
    else:
        with open(path, "w") as f:
            f.write(text)
    done = diff(old, copy)
    assert done.returncode == 2
    assert_one_line_error(done, path, says)
    assert done.stdout == ""


def test_a_package_that_is_no_nevra_is_one_error(composes, tmp_path):
    old, _new = composes
    copy = copy_under_id(old, tmp_path, "PDL-1-20270101.n.0", "20270101")
    data = metadata(copy, "rpms.json")
    data["payload"]["rpms"]["Server"]["x86_64"]["demo-tzdata-0:2024a-1.pdl1.src"]["tzdata"] = {}
    path = os.path.join(copy, "compose", "metadata", "rpms.json")
    with open(path, "w") as f:
        json.dump(data, f)
    done = diff(copy, old)
    assert done.returncode == 2
    assert_one_line_error(done, path, "Server.x86_64: 'tzdata' is no N-E:V-R.A")


def test_a_directory_that_is_no_compose_is_one_error(composes, tmp_path):
    old, _new = composes
    assert_one_line_error(diff(tmp_path, old), str(tmp_path), "not a compose", "compose/metadata/composeinfo.json")
    assert diff(tmp_path, old).returncode == 2
    missing = tmp_path / "nowhere"
    done = diff(old, missing)
    assert done.returncode == 2
    assert_one_line_error(done, str(missing), "no such directory")


def test_rpms_json_alike_from_the_payload_on_need_not_be_read(composes, tmp_path):
    """A nightly's rpms.json taken over from the old compose differs in its header alone: the
    compose page's comparison then reads neither file and says what reading both would."""
    from punji_lib.compose import diff as compose_diff

    old, new = composes
    copy = str(tmp_path / "PDL-1-20270101.n.3")
    shutil.copytree(os.path.join(old, "compose", "metadata"), os.path.join(copy, "compose", "metadata"))
    for name in ("COMPOSE_ID", "STATUS"):
        shutil.copy(os.path.join(old, name), copy)
    path = os.path.join(copy, "compose", "metadata", "rpms.json")
    text = open(path).read()
    head, tail = text.split('"rpms":', 1)
    with open(path, "w") as f:
        f.write(head.replace(open(os.path.join(old, "COMPOSE_ID")).read().strip(), "PDL-1-20270101.n.3")
                + '"rpms":' + tail)
    assert compose_diff.same_packages(old, copy)
    assert not compose_diff.same_packages(old, new)
    quick = compose_diff.compare(compose_diff.load(old, packages=False), compose_diff.load(copy, packages=False))
    full = compose_diff.compare(compose_diff.load(old), compose_diff.load(copy))
    assert quick == full and full["differ"] is False
    changed = compose_diff.compare(compose_diff.load(old), compose_diff.load(new))
    assert changed["summary"]["packages"]["upgraded"] > 0


def test_files_are_compared_block_by_block_to_their_last_byte(tmp_path):
    """same_packages reads the two rpms.json in blocks: a difference in any block, or one file
    longer than the other, is found."""
    from punji_lib.compose import diff as compose_diff

    def same(one, two):
        (tmp_path / "a").write_bytes(one)
        (tmp_path / "b").write_bytes(two)
        with open(tmp_path / "a", "rb") as a, open(tmp_path / "b", "rb") as b:
            return compose_diff._same_rest(a, b, size=4)

    text = b"0123456789abcdef01"
    assert same(text, text)
    assert not same(text, text[:-1] + b"X")
    assert not same(text, text + b"\n")
    assert not same(text[:9] + b"X" + text[10:], text)


def test_trees_are_compared_through_the_source_packages_that_differ(monkeypatch):
    """Two trees as load() reads them are compared by the packages of the source packages whose
    entries differ, each of their name.arch with every EVR the tree has (one kernel comes from an
    unchanged source package): the same report as from the whole trees, fewer NEVRAs parsed."""
    from punji_lib.compose import diff as compose_diff

    def rpms(kernel, tool):
        return {"Server": {"x86_64": {
            "kernel-0:5.1-1.src": {"kernel-0:5.1-1.x86_64": {"category": "binary"}},
            kernel[0]: {kernel[1]: {"category": "binary"}},
            tool[0]: {tool[1]: {"category": "binary"}, "tool-doc-0:1-1.noarch": {"category": "binary"}},
            "other-0:1-1.src": {"other-0:1-1.x86_64": {"category": "binary"}, "other-0:1-1.src": {"category": "source"}},
        }}}

    def compose_with(payload):
        return {"compose_id": "X", "date": "20270101", "path": "/x", "release": {}, "images": {},
                "rpms": compose_diff._packages(payload, "rpms.json")}

    old = compose_with(rpms(("kernel-0:5.2-1.src", "kernel-0:5.2-1.x86_64"), ("tool-0:1-1.src", "tool-0:1-1.x86_64")))
    new = compose_with(rpms(("kernel-0:5.10-1.src", "kernel-0:5.10-1.x86_64"), ("tool-0:1-2.src", "tool-0:1-2.x86_64")))
    whole = {side: {scope: tree.mapping() for scope, tree in c["rpms"].items()} for side, c in (("old", old), ("new", new))}
    expected = compose_diff.compare(dict(old, rpms=whole["old"]), dict(new, rpms=whole["new"]))
    parsed = []
    compose_diff._nevra_parts.cache_clear()
    monkeypatch.setattr(compose_diff, "_nevra_parts", lambda n, parse=compose_diff._nevra_parts: parsed.append(n) or parse(n))
    assert compose_diff.compare(old, new) == expected
    assert expected["trees"][0]["packages"] == {
        "upgraded": [{"name": "kernel", "arch": "x86_64", "old": "5.2-1", "new": "5.10-1"},
                     {"name": "tool", "arch": "x86_64", "old": "1-1", "new": "1-2"}],
        "added": [], "removed": [], "downgraded": []}
    assert not [n for n in parsed if n.startswith("other")]  # its source package's entries are alike
    assert "kernel-0:5.1-1.x86_64" in parsed  # the unchanged source package's kernel: compared too
