"""punji-createiso's split of a tree over discs of iso_size, as Pungi's media splitter makes
them: each disc a repository of its own packages (real ISOs read with pycdlib, checked with
checkisomd5 and dnf), files taken in Pungi's order, sizes checked as Pungi checks them."""

import glob
import hashlib
import os
import shutil

import pytest

from conftest import make
from isofiles import checkisomd5, extract, joliet_twins, read_iso
from punji_lib import errors
from test_createiso import KiB, dnf_query, image_paths, ini_section, iso_dir, make_compose, record, tree_dir, tree_files


@pytest.fixture(scope="module")
def split(tmp_path_factory, demo_repo):
    """A demo compose whose Server.x86_64 tree needs two 1400 KiB discs (each with a 400 KiB
    package: checkisomd5 fails images under about 750 KiB); the reserve leaves room for each
    image's own repodata and overhead, which Pungi's split does not count."""
    compose = make_compose(tmp_path_factory.mktemp("split"), demo_repo,
                           'iso_size = "1400k"\nsplit_iso_reserve = "500k"')
    done = make(compose, "work/x86_64/state/createiso-Server.json")
    assert done.returncode == 0, done.stdout
    return compose


def test_a_split_tree_gives_discs_whose_packages_add_up_to_the_tree(split):
    paths = image_paths(split, "Server", "x86_64")
    images = record(split, "Server", "x86_64")["images"]
    assert len(paths) >= 2
    assert [os.path.basename(p)[-9:] for p in paths] == ["-dvd%d.iso" % n for n in range(1, len(paths) + 1)]
    tree = {f for f in tree_files(tree_dir(split, "Server", "x86_64")) if f.endswith(".rpm")}
    seen = []
    for number, (path, rec) in enumerate(zip(paths, images), 1):
        assert (rec["disc_number"], rec["disc_count"], rec["bootable"]) == (number, len(paths), False)
        assert os.path.getsize(path) <= 1400 * KiB
        assert checkisomd5(path).returncode == 0
        _volid, files, _dirs = read_iso(path)
        assert {"/.treeinfo", "/.discinfo", "/repodata/repomd.xml"} <= files
        seen.extend(f[1:] for f in files if f.endswith(".rpm"))
    assert sorted(seen) == sorted(tree)  # every package once, on one disc


def test_each_disc_is_a_repository_of_its_own_packages_as_pungi_makes_it(split, tmp_path):
    import createrepo_c

    for number, path in enumerate(image_paths(split, "Server", "x86_64"), 1):
        disc = extract(path, tmp_path / ("disc%d" % number))
        on_disc = sorted(os.path.basename(f)[:-4] for f in glob.glob(disc + "/Packages/*/*.rpm"))
        listed = dnf_query(disc, tmp_path / ("root%d" % number), "repoquery", "--qf",
                           "%{name}-%{version}-%{release}.%{arch}")
        assert sorted(listed.split()) == on_disc
        # Pungi's discs: sqlite databases, no group file
        kinds = {r.type for r in createrepo_c.Repomd(os.path.join(disc, "repodata/repomd.xml")).records}
        assert {"primary_db", "filelists_db", "other_db"} <= kinds and "group" not in kinds
        with open(os.path.join(disc, ".treeinfo")) as f:
            text = f.read()
        assert ini_section(text, "media") == {"discnum": str(number), "totaldiscs": str(len(glob.glob(
            os.path.join(iso_dir(split, "Server", "x86_64"), "*.iso"))))}
        with open(os.path.join(disc, "repodata/repomd.xml"), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        assert ini_section(text, "checksums")["repodata/repomd.xml"] == "sha256:" + digest
        with open(os.path.join(disc, ".discinfo")) as f:
            assert f.read().splitlines()[3] == str(number)


def test_a_discs_repodata_takes_its_revision_and_time_stamps_from_the_tree_not_the_clock(split, tmp_path):
    """So a disc made again (a compose resumed after a kill) is the same disc."""
    import createrepo_c

    tree = createrepo_c.Repomd(os.path.join(tree_dir(split, "Server", "x86_64"), "repodata", "repomd.xml"))
    for number, path in enumerate(image_paths(split, "Server", "x86_64"), 1):
        disc = createrepo_c.Repomd(os.path.join(extract(path, tmp_path / ("disc%d" % number)), "repodata/repomd.xml"))
        assert disc.revision == tree.revision
        assert {r.timestamp for r in disc.records} == {int(tree.revision)}


def test_a_disc_of_addon_packages_alone_gets_no_repodata_as_pungi_makes_it(split, tmp_path):
    """Pungi writes a split disc's repodata over the packages of the tree's Packages/ it holds;
    a disc holding only addons' packages gets none, nor a repomd.xml checksum in its .treeinfo
    (tools/fuzz-compose --multiarch --outputs --comps --repos --seed 29511)."""
    from punji_lib.media import iso_discs

    top = tree_dir(split, "Server", "x86_64")
    addon = sorted(f for f in tree_files(top) if f.startswith("addons/HA/") and f.endswith(".rpm"))
    own = sorted(f for f in tree_files(top) if f.startswith("Packages/") and f.endswith(".rpm"))
    assert addon and own
    files = {rel: os.path.join(top, rel) for rel in [".treeinfo", ".discinfo", "media.repo"] + addon + own}
    v = {"id": "Server", "uid": "Server"}
    log_path = str(tmp_path / "log")

    def disc(number, members):
        content = iso_discs.disc_content(split, top, files, [".treeinfo", ".discinfo", "media.repo"] + members,
                                         str(tmp_path / ("disc%d" % number)), number, 2, v, log_path)
        with open(content[".treeinfo"]) as f:
            text = f.read()
        return content, ini_section(text, "checksums") if "[checksums]" in text else {}

    content, checksums = disc(1, addon)
    assert not [rel for rel in content if rel.startswith("repodata")]
    assert "repodata/repomd.xml" not in checksums
    content, checksums = disc(2, own[:1])
    assert "repodata/repomd.xml" in content and "repodata/repomd.xml" in checksums


def test_a_discs_repodata_keeps_the_files_the_trees_repomd_does_not_list_as_pungi(split, tmp_path):
    """Pungi copies the tree's repodata/ to a split disc, then createrepo_c replaces the files of
    the records it knew: the plain productid its createrepo leaves beside the productid record
    stays on every disc that gets repodata (found by tools/fidelity layered-options with a small
    iso_size)."""
    from punji_lib.media import iso_discs

    top = str(tmp_path / "tree")
    shutil.copytree(tree_dir(split, "Server", "x86_64"), top)
    with open(os.path.join(top, "repodata", "productid"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n")
    assert iso_discs.unlisted_repodata_files(top) == ["productid"]
    own = sorted(f for f in tree_files(top) if f.startswith("Packages/") and f.endswith(".rpm"))
    files = {rel: os.path.join(top, rel) for rel in [".treeinfo", ".discinfo", "media.repo"] + own}
    content = iso_discs.disc_content(split, top, files, [".treeinfo", ".discinfo", "media.repo"] + own[:1],
                                     str(tmp_path / "disc1"), 1, 2, {"id": "Server", "uid": "Server"},
                                     str(tmp_path / "log"))
    with open(content["repodata/productid"]) as f:
        assert f.read() == "-----BEGIN CERTIFICATE-----\n"


def test_the_split_takes_files_in_the_order_pungi_does_extra_files_on_every_disc():
    from punji_lib.media import iso_split

    sizes = {".treeinfo": 100, "GPL": 3000, "media.repo": 10, "Packages/a.rpm": 5000, "Packages/b.rpm": 5000,
             "Packages/c.rpm": 2000}
    order = [".treeinfo", "GPL", "media.repo", "Packages/b.rpm", "Packages/a.rpm", "Packages/c.rpm"]
    discs, _used = iso_split.plan(order, sizes, {"GPL", "media.repo"}, 14336, "S", "x86_64")
    # in sectors: GPL 4k and media.repo 2k everywhere; .treeinfo 2k, then b 6k; a 6k does not fit
    assert discs == [["GPL", "media.repo", ".treeinfo", "Packages/b.rpm"],
                     ["GPL", "media.repo", "Packages/a.rpm", "Packages/c.rpm"]]
    assert iso_split.plan(order, sizes, {"media.repo"}, None, "S", "x86_64") == \
        ([["media.repo", ".treeinfo", "GPL", "Packages/b.rpm", "Packages/a.rpm", "Packages/c.rpm"]], 22528)


def test_a_file_only_its_sectors_make_too_big_gets_a_disc_of_its_own_as_pungi():
    """Pungi's media splitter checks a file's bytes against the disc, then fills discs in
    whole sectors: a file of fewer bytes than a disc but more sectors gets a disc of its own,
    too big; a capacity of 0 (iso_size equal to split_iso_reserve) is no limit at all."""
    from punji_lib.media import iso_split

    sizes = {"media.repo": 10, "Packages/a.rpm": 5000, "Packages/b.rpm": 1000, "Packages/c.rpm": 1000}
    order = ["media.repo", "Packages/a.rpm", "Packages/b.rpm", "Packages/c.rpm"]
    discs, _used = iso_split.plan(order, sizes, {"media.repo"}, 6200, "S", "x86_64")
    assert discs == [["media.repo", "Packages/a.rpm"], ["media.repo", "Packages/b.rpm", "Packages/c.rpm"]]
    assert iso_split.plan(order, sizes, {"media.repo"}, 0, "S", "x86_64")[0] == [order]
    with pytest.raises(errors.NotFailable, match="package a.rpm .5000 bytes. is larger than a disc"):
        iso_split.plan(order, sizes, {"media.repo"}, 4999, "S", "x86_64")


def test_a_failed_disc_of_a_failable_split_tree_leaves_the_other_discs_as_pungi(split, tmp_path):
    """Pungi 4.3.2 writes each disc of a split tree in a task of its own, which
    failable_deliverables "iso" lets fail alone: the failed disc goes, the others stay (in the
    iso directory, images.json, with their disc numbers and count) and the compose finishes
    FINISHED_INCOMPLETE (found by tools/fidelity media-split-failed). Here genisoimage fails on
    disc 1, which gets two files whose Joliet names are alike (files outside Packages/ go first)."""
    from conftest import copy_compose, read_json
    from test_createiso import createiso, set_options

    compose = copy_compose(split, tmp_path / "c")
    set_options(compose, failable_deliverables=[["^Server$", {"*": ["iso"]}]])
    joliet_twins(os.path.join(tree_dir(compose, "Server", "x86_64"), "notes"))
    done = createiso(compose, "Server", "x86_64")
    assert done.returncode == 0, done.stderr
    assert "same Joliet name" in done.stderr and "without disc 1 of Server.x86_64" in done.stderr
    images = record(compose, "Server", "x86_64")["images"]
    count = images[0]["disc_count"]
    assert count >= 2 and [i["disc_number"] for i in images] == list(range(2, count + 1))
    names = sorted(os.listdir(iso_dir(compose, "Server", "x86_64")))
    assert not [n for n in names if n.endswith("-dvd1.iso") or n.endswith("-dvd1.iso.manifest")]
    assert [n for n in names if n.endswith(".iso")] == sorted(os.path.basename(i["path"]) for i in images)
    for path in image_paths(compose, "Server", "x86_64"):
        assert checkisomd5(path).returncode == 0
    state = read_json(os.path.join(compose, "work/x86_64/state/createiso-Server.json"))
    assert state["failed"] is False and [d["disc"] for d in state["failed_images"]] == [1]
    assert state["inputs"] is None  # made again, whole, by the next run
    done = make(compose, "work/global/state/createiso.json")
    assert done.returncode == 0, done.stdout
    listed = read_json(os.path.join(compose, "compose/metadata/images.json"))["payload"]["images"]["Server"]["x86_64"]
    assert sorted(i["path"] for i in listed if "x86_64-dvd" in i["path"]) == sorted(i["path"] for i in images)
