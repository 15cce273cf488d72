"""Reuse across composes (issue 12): a compose in a target directory that holds a finished
compose of the same release takes over the package sets, gather results and repodata made
from the same inputs, and the result is the compose a fresh target directory gets, file by
file (apart from compose ids and dates). Changing an input makes the target again."""

import glob
import json
import os
import re
import shutil
import time

import pytest

from conftest import command, composed

ID = re.compile(r"PDL-\d+-\d{8}\.t\.\d+")


def states(topdir, phase):
    """{scope: state record} of PHASE's state files."""
    found = {}
    for root, _dirs, files in os.walk(os.path.join(topdir, "work")):
        for name in files:
            if root.endswith("/state") and name.startswith(phase) and name.endswith(".json"):
                with open(os.path.join(root, name)) as f:
                    found[os.path.relpath(os.path.join(root, name), topdir)] = json.load(f)
    return found


def tree_files(topdir):
    """{path with the compose id blanked: file content} of compose/, metadata with dates left out."""
    found = {}
    top = os.path.join(topdir, "compose")
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            rel = ID.sub("ID", os.path.relpath(path, top))
            if rel.startswith("metadata/") or "/iso/" in rel:
                continue  # compose ids and dates inside; images are made anew
            with open(path, "rb") as f:
                found[rel] = f.read()
    return found


def iso_files(topdir):
    return [os.path.join(root, n) for root, _d, names in os.walk(os.path.join(topdir, "compose"))
            for n in names if n.endswith(".iso")]


def images_payload(topdir):
    """images.json's images, compose ids blanked and times (with the digests) left out."""
    with open(os.path.join(topdir, "compose", "metadata", "images.json")) as f:
        images = json.load(f)["payload"]["images"]
    # an image's bytes carry the time it was written (ISO 9660 dates): its digests differ
    return json.loads(ID.sub("ID", json.dumps({v: {a: [dict(i, mtime=0, checksums={}, implant_md5=None)
                                                       for i in records]
                                                   for a, records in by_arch.items()}
                                               for v, by_arch in images.items()})))


def rpms_payload(topdir):
    with open(os.path.join(topdir, "compose", "metadata", "rpms.json")) as f:
        return json.load(f)["payload"]["rpms"]


def rpms_text(topdir):
    """rpms.json's text with the compose's id and respin blanked, after checking they are its own."""
    with open(os.path.join(topdir, "compose", "metadata", "rpms.json")) as f:
        text = f.read()
    compose = json.loads(text)["payload"]["compose"]
    assert compose["id"] == os.path.basename(topdir) and topdir.endswith(".%d" % compose["respin"])
    return re.sub(r'"respin": \d+', '"respin": N', ID.sub("ID", text))


def test_second_compose_takes_over_and_equals_a_fresh_one(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    assert os.path.basename(second).endswith(".1")
    for phase in ("pkgset", "gather-", "createrepo"):
        taken = states(second, phase)
        assert taken and all(s.get("reused_from") == os.path.basename(first) for s in taken.values()), phase
        assert not any("reused_from" in s for s in states(fresh, phase).values())
    # hard links, not copies
    repomd = os.path.join("compose", "Server", "x86_64", "os", "repodata", "repomd.xml")
    assert os.path.samefile(os.path.join(first, repomd), os.path.join(second, repomd))
    # and the tree files made from the same (nothing checksummed, nor productmd loaded, again)
    for name in (".treeinfo", ".discinfo", "media.repo"):
        rel = os.path.join("compose", "Server", "x86_64", "os", name)
        assert os.path.samefile(os.path.join(first, rel), os.path.join(second, rel))
    # the assembled trees too (an addon's are linked anew: its repodata lives among its packages),
    # linked while the package set was read, then put in place
    assembled = states(second, "gather.json")
    assert [s.get("reused_from") for s in assembled.values()] == [os.path.basename(first)]
    prelinked = states(second, "prelink")["work/global/state/prelink.json"]
    assert prelinked["old"] == first and prelinked["linked"] > 0
    assert "linked ahead (prelink)" in open(os.path.join(second, "logs", "global", "gather.log")).read()
    assert not os.path.exists(os.path.join(second, "work", "global", "prelink"))
    assert states(first, "prelink")["work/global/state/prelink.json"]["linked"] == 0
    packages = os.path.join("compose", "Server", "x86_64", "os", "Packages")
    some = next(os.path.join(root, n) for root, _d, names in os.walk(os.path.join(second, packages)) for n in names)
    assert os.path.samefile(some, some.replace(second, first))
    # the images too, under this compose's names, checksummed and checked from the old ones
    images = [s for s in states(second, "createiso-").values() if s.get("images")]
    assert images and all(s.get("reuse_key") for s in images)
    isos = lambda top: sorted(ID.sub("ID", os.path.relpath(p, top)) for p in iso_files(top))
    assert isos(second) == isos(fresh) and isos(second)
    for path in iso_files(second):
        twin = os.path.join(first, ID.sub(os.path.basename(first), os.path.relpath(path, second)))
        assert os.path.samefile(path, twin)
        assert os.path.basename(second) in os.path.basename(path)
    assert images_payload(second) == images_payload(fresh)
    manifests = lambda top: {ID.sub("ID", os.path.relpath(p, top)): open(p + ".manifest").read()
                             for p in iso_files(top)}
    assert manifests(second) == manifests(fresh)
    log = open(os.path.join(second, "logs", "global", "test.log")).read()
    assert "checked before, unchanged since" in log
    assert tree_files(second) == tree_files(fresh)
    assert rpms_text(second) == rpms_text(fresh)
    with open(os.path.join(second, "STATUS")) as f:
        assert f.read().strip() == "FINISHED"


def lose_a_package(first):
    packages = os.path.join(first, "compose", "Server", "x86_64", "os", "Packages")
    lost = next(os.path.join(root, n) for root, _d, names in os.walk(packages) for n in names)
    os.unlink(lost)
    return lost, "gather: the trees of %s are not taken over" % first


def replace_a_package(first):
    """A package file put in place of another of its name, with other bytes (a tool run over
    the finished compose): it was taken over, where Pungi links the package set's file."""
    packages = os.path.join(first, "compose", "Server", "x86_64", "os", "Packages")
    replaced = next(os.path.join(root, n) for root, _d, names in os.walk(packages) for n in sorted(names))
    with open(replaced, "rb") as f:
        data = f.read()
    os.unlink(replaced)
    with open(replaced, "wb") as f:
        f.write(data + b"replaced")
    return replaced, "gather: the trees of %s are not taken over: a file of" % first


def lose_a_repodata_file(first):
    repodata = os.path.join(first, "compose", "Server", "x86_64", "os", "repodata")
    lost = next(os.path.join(repodata, n) for n in sorted(os.listdir(repodata)) if "primary" in n)
    os.unlink(lost)
    return lost, "createrepo: compose/Server/x86_64/os/repodata of %s is not taken over" % first


def replace_a_repodata_file(first):
    """A repodata file put in place of another of its name, longer (a tool run over the
    finished compose): it was taken over, repomd.xml's checksum of it wrong."""
    repodata = os.path.join(first, "compose", "Server", "x86_64", "os", "repodata")
    replaced = next(os.path.join(repodata, n) for n in sorted(os.listdir(repodata)) if "primary" in n)
    with open(replaced, "rb") as f:
        data = f.read()
    os.unlink(replaced)
    with open(replaced, "wb") as f:
        f.write(data + b"replaced")
    return replaced, "is not the size repomd.xml lists"


def truncate_an_image(first):
    image = next(p for p in iso_files(first) if "/Server/x86_64/" in p)
    os.truncate(image, os.path.getsize(image) // 2)
    return image, "is not the size it was made"


def cut_rpms_json(first):
    """rpms.json cut in half (a copy of the compose stopped by a full disk): the nightly that took
    the gather results over copied its text under the new id, FINISHED with a broken rpms.json
    (fuzz-broken-inputs old-compose/metadata-truncated)."""
    path = os.path.join(first, "compose", "metadata", "rpms.json")
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])
    return path, "rpms.json of %s is not taken over: not the file the old compose's gather wrote" % first


def cut_work_files(first):
    """Every JSON file under work/ but the state files cut in half (fuzz-broken-inputs
    old-compose/work-truncated): the nightly took the package sets and gather results over as
    they were and failed reading them ("JSONDecodeError"), as it did the header cache it reads."""
    for path in glob.glob(os.path.join(first, "work", "**", "*.json"), recursive=True):
        if "/state/" not in path:
            with open(path, "rb") as f:
                data = f.read()
            os.unlink(path)
            with open(path, "wb") as f:
                f.write(data[:len(data) // 2])
    return os.path.join(first, "work", "x86_64", "pkgset", "packages.json"), "is not the size it was made ("


@pytest.mark.parametrize("damage", [lose_a_package, replace_a_package, lose_a_repodata_file, replace_a_repodata_file,
                                    truncate_an_image, cut_rpms_json, cut_work_files])
def test_what_an_old_compose_lost_is_made_again(tmp_path, demo_copy, damage):
    """A file gone from a finished compose, or cut short (a clean-up begun on it, say): the
    next compose does not take over what held it, makes it again and equals a fresh one."""
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    lost, said = damage(first)
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    again = ID.sub(os.path.basename(second), lost.replace(first, second))
    assert os.path.isfile(again) and not (os.path.exists(lost) and os.path.samefile(again, lost))
    logs = "".join(open(p).read() for p in glob.glob(os.path.join(second, "logs", "*", "*.log")))
    assert said in logs
    assert tree_files(second) == tree_files(fresh)
    assert rpms_text(second) == rpms_text(fresh)
    assert images_payload(second) == images_payload(fresh)


def test_file_count_counts_a_tree_or_takes_prelinks_count(tmp_path):
    """file_count: files and symlinks in the trees (directories not counted, a missing tree
    none); of an old compose, the count prelink() made when it linked that compose's trees."""
    from punji_lib.compose import reuse

    old, new = tmp_path / "PDL-1-20261201.n.0", tmp_path / "PDL-1-20261202.n.0"
    (old / "compose" / "Packages" / "a").mkdir(parents=True)
    (old / "compose" / "Packages" / "a" / "a-1.rpm").write_text("a")
    (old / "compose" / "Packages" / "b-1.rpm").write_text("b")
    (old / "compose" / "Packages" / "latest").symlink_to("a")
    (new / "compose").mkdir(parents=True)
    trees = ["compose/Packages", "compose/none"]
    assert reuse.file_count(str(old), trees) == 3
    assert reuse.file_count(str(new), trees, str(old)) == 3
    assert reuse.prelink(str(new), str(old), trees) == 3
    (old / "compose" / "Packages" / "b-1.rpm").unlink()  # after prelink: its count stands
    assert reuse.file_count(str(new), trees, str(old)) == 3
    assert reuse.file_count(str(new), trees, str(tmp_path / "other")) == 0


def edit_shell_doc(demo_copy, new):
    """The demo comps' optional demo-shell-doc entry replaced by NEW."""
    comps = demo_copy / "comps.xml"
    text = comps.read_text()
    old = '<packagereq type="optional">demo-shell-doc</packagereq>'
    assert old in text
    comps.write_text(text.replace(old, new))


def test_a_changed_input_is_made_again(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    # a package of one group becomes mandatory: the gather results and repodata that read
    # that group are made again, the others taken over
    edit_shell_doc(demo_copy, '<packagereq type="mandatory">demo-shell-doc</packagereq>')
    second = composed(conf, tmp_path / "nightly")
    gathered = states(second, "gather-")
    redone = {(s["variant"], s["arch"]) for s in gathered.values() if "reused_from" not in s}
    assert redone and len(redone) < len(gathered)
    # the solved results came out the same (an optional package was gathered already): the
    # assembled trees are taken over, linked ahead though the package sets' inputs (comps
    # among them) differ
    assert [s.get("reused_from") for s in states(second, "gather.json").values()] == [os.path.basename(first)]
    assert states(second, "prelink")["work/global/state/prelink.json"]["linked"] > 0
    assert "is not the old compose's" in open(os.path.join(second, "logs", "global", "prelink.log")).read()
    assert solved_results(second) == solved_results(first)
    for s in states(second, "createrepo").values():
        if (s["variant"], s["arch"]) in redone:
            assert "reused_from" not in s
            # written anew from the package set's metadata, not by createrepo_c
            log = open(os.path.join(second, "logs", s["arch"], "createrepo-%s.log" % s["variant"])).read()
            assert "written from the package set's metadata" in log and "running createrepo_c" not in log
    # the images of the trees made again are written anew, the others' taken over
    taken = set()
    for variant, arch in {(s["variant"], s["arch"]) for s in states(second, "createiso-").values()}:
        log = os.path.join(second, "logs", arch, "createiso-%s.log" % variant)
        if os.path.exists(log) and "taken over" in open(log).read():
            taken.add((variant, arch))
    assert taken and not taken & redone
    fresh = composed(conf, tmp_path / "fresh")
    assert tree_files(second) == tree_files(fresh)
    assert os.path.basename(first) != os.path.basename(second)


def test_a_changed_volume_id_remakes_the_images_and_takes_the_trees_over(tmp_path, demo_copy):
    """image_volid_formats is read by the image phases alone: the package sets, gather results and
    repodata of the nightly after it changed are the old compose's, its images made anew."""
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    with open(conf, "a") as f:
        f.write('\nimage_volid_formats = ["{release_short} {variant}.{arch} N"]\n')
    second = composed(conf, tmp_path / "nightly")
    for phase in ("pkgset", "gather-", "createrepo"):
        made_again = [scope for scope, s in states(second, phase).items() if s.get("reused_from") != os.path.basename(first)]
        assert not made_again, phase
    volids = [i["volume_id"] for by_arch in images_payload(second).values() for records in by_arch.values()
              for i in records if i["format"] == "iso"]
    assert volids and all(v.endswith(" N") for v in volids)


def server_binaries(topdir):
    return {nevra.rsplit("-", 2)[0] for by_rpm in rpms_payload(topdir)["Server"]["x86_64"].values() for nevra in by_rpm}


@pytest.mark.parametrize("option, entry", [("gather_source_mapping", [None]),
                                           ("gather_prepopulate", ["demo-fortune.x86_64"])])
def test_a_file_option_changed_in_place_is_read_again(tmp_path, demo_copy, option, entry):
    # the same path in both composes, another content: what the gather reads of it changed
    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write('%s = "extra.json"\n' % option)
    extra = demo_copy / "extra.json"
    extra.write_text(json.dumps({"Server": {"x86_64": {"demo-fortune": entry}}}))
    first = composed(conf, tmp_path / "nightly")
    extra.write_text(json.dumps({"Server": {"x86_64": {}}}))
    second = composed(conf, tmp_path / "nightly")
    fresh = composed(conf, tmp_path / "fresh")
    assert "demo-fortune" in server_binaries(first) and "demo-fortune" not in server_binaries(second)
    assert rpms_payload(second) == rpms_payload(fresh)
    assert tree_files(second) == tree_files(fresh)


def solved_results(topdir):
    found = {}
    for root, _dirs, names in os.walk(os.path.join(topdir, "work")):
        for name in names:
            if name.endswith(".solved.json"):
                with open(os.path.join(root, name)) as f:
                    found[os.path.relpath(os.path.join(root, name), topdir)] = f.read()
    return found


def test_a_changed_solved_result_is_assembled_again(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    edit_shell_doc(demo_copy, "")
    second = composed(conf, tmp_path / "nightly")
    changed = [rel for rel, text in solved_results(second).items() if solved_results(first)[rel] != text]
    assert changed
    assert not any("reused_from" in s for s in states(second, "gather.json").values())
    # each tree made from the old one, linked while the package sets were read: only the files
    # that changed are linked (demo-shell-doc moved into the optional variant's trees)
    assembly = open(os.path.join(second, "logs", "global", "gather.log")).read()
    patched = re.findall(r"gather: (\S+) made from the old compose's tree linked ahead: (\d+) of", assembly)
    assert len(patched) == len(reuse_tree_outputs(second)) and 0 < sum(int(n) for _tree, n in patched) < 5
    assert not os.path.exists(os.path.join(second, "work", "global", "prelink"))
    # a tree made again for its os repo (a noarch package left out) takes its debug repo over
    redone = [s for s in states(second, "createrepo").values() if "reused_from" not in s and s["arch"] != "src"]
    assert redone
    for s in redone:
        log = open(os.path.join(second, "logs", s["arch"], "createrepo-%s.log" % s["variant"])).read()
        assert "debug/tree: taken over from %s" % first in log and "os: taken over" not in log
    fresh = composed(conf, tmp_path / "fresh")
    assert tree_files(second) == tree_files(fresh)
    assert rpms_payload(second) == rpms_payload(fresh)


def reuse_tree_outputs(topdir):
    """The trees of TOPDIR prelink links ahead."""
    from punji_lib.rpms import assemble

    with open(os.path.join(topdir, "work", "global", "variants.json")) as f:
        return assemble.tree_outputs(json.load(f)["variants"])


def test_a_tree_patched_from_its_copy_holds_what_it_would_be_made_of(tmp_path):
    """patch_dir keeps a file of the copy only where it is the very file (inode) of its
    source: a file replaced since (the same name), one no longer wanted and a directory left
    empty go, the missing ones are linked; the result is what build_dir makes. A second call
    on a copy a kill left half-patched finishes it."""
    from punji_lib.rpms import linker

    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("a-1.rpm", "b-1.rpm", "c-1.rpm", "d-1.rpm"):
        (repo / name).write_text(name)
    copy, target, fresh = tmp_path / "copy", tmp_path / "tree" / "Packages", tmp_path / "fresh"
    for rel in ("a/a-1.rpm", "b/b-1.rpm", "c/c-1.rpm", "z/z-1.rpm"):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(repo / os.path.basename(rel), copy / rel) if rel[0] != "z" else (copy / rel).write_text("z")
    (repo / "b-1.rpm").unlink()
    (repo / "b-1.rpm").write_text("b rebuilt")  # the same name, another file
    files = [(str(repo / name), "%s/%s" % (name[0], name)) for name in ("a-1.rpm", "b-1.rpm", "d-1.rpm")]
    assert linker.patch_dir(str(tmp_path / "copy"), str(target), files, "hardlink") == 2
    linker.build_dir(str(fresh), files, "hardlink")

    def inodes(top):
        return sorted((os.path.relpath(os.path.join(root, n), top), os.stat(os.path.join(root, n)).st_ino)
                      for root, _dirs, names in os.walk(top) for n in names)

    assert inodes(target) == inodes(fresh) and sorted(os.listdir(target)) == ["a", "b", "d"]
    assert not copy.exists() and oct(target.stat().st_mode & 0o777) == "0o755"
    # half-patched by a killed call: what stays is checked again
    os.rename(target, copy)
    (copy / "d" / "d-1.rpm").unlink()
    (copy / "c").mkdir()
    (copy / "a" / "a-1.rpm").unlink()
    (copy / "a" / "a-1.rpm").write_text("a-1.rpm")
    assert linker.patch_dir(str(copy), str(target), files, "hardlink") == 2
    assert inodes(target) == inodes(fresh)
    assert linker.patch_dir(str(fresh), str(target), files, "symlink") is False


@pytest.mark.parametrize("listed", ["files.txt", "headers.json alone"])
def test_a_package_file_changed_in_place_is_read_again(tmp_path, demo_copy, demo_repo, listed):
    """The package set of the first compose read a file that is now another one with the same
    repodata: it is not taken over (and the repodata's checksum then names the bad file). The
    files read are listed in files.txt, or only as the keys of headers.json (an older punji's)."""
    repo = tmp_path / "repo"
    shutil.copytree(demo_repo, repo)
    conf = demo_copy / "demo.conf"
    conf.write_text(conf.read_text().replace(demo_repo, str(repo)))
    first = composed(conf, tmp_path / "nightly")
    keys = glob.glob(os.path.join(first, "work", "*", "pkgset", "files.txt"))
    assert keys and all(open(k).read().count(".rpm ") > 10 for k in keys)
    if listed != "files.txt":
        for path in keys:
            os.unlink(path)
        second = composed(conf, tmp_path / "nightly")  # nothing changed: taken over all the same
        assert all("reused_from" in s for s in states(second, "pkgset").values())
    rpm = next(p for p in sorted((repo / "Packages").iterdir()) if p.name.endswith(".x86_64.rpm"))
    data = bytearray(rpm.read_bytes())
    data[-1] ^= 0xFF
    rpm.unlink()
    rpm.write_bytes(bytes(data))
    done = command("punji-compose", conf, "--target-dir", tmp_path / "nightly", "--test")
    assert done.returncode == 1
    assert rpm.name in done.stderr and "checksum" in done.stderr


def test_allow_reuse_false_makes_everything_again(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    conf.write_text(conf.read_text() + "\npkgset_allow_reuse = False\ngather_allow_reuse = False\n")
    composed(conf, tmp_path / "nightly")
    second = composed(conf, tmp_path / "nightly")
    for phase in ("pkgset", "gather-"):
        assert not any("reused_from" in s for s in states(second, phase).values())
    assert states(second, "prelink")["work/global/state/prelink.json"]["linked"] == 0
    assert "gather_allow_reuse is off" in open(os.path.join(second, "logs", "global", "prelink.log")).read()


def test_reuse_never_takes_from_an_unfinished_compose(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first = composed(conf, tmp_path / "nightly")
    with open(os.path.join(first, "STATUS"), "w") as f:
        f.write("DOOMED\n")
    second = composed(conf, tmp_path / "nightly")
    assert not any("reused_from" in s for s in states(second, "pkgset").values())


def test_a_taken_over_directory_is_the_old_one_hard_linked(tmp_path):
    """A directory output (a package set's repo) comes over as hard links of the same files, its
    symlinks as symlinks and its directories with their modes."""
    from punji_lib.compose import reuse

    old = tmp_path / "old"
    (old / "Packages" / "a").mkdir(parents=True)
    (old / "Packages" / "a" / "a-1.rpm").write_text("rpm")
    (old / "repomd.xml").write_text("md")
    (old / "latest").symlink_to("Packages/a")
    (old / "Packages").chmod(0o750)
    new = tmp_path / "new" / "repo"
    (new / "stale").mkdir(parents=True)
    reuse.link_over(str(old), str(new))
    assert sorted(str(p.relative_to(new)) for p in new.rglob("*")) == \
        ["Packages", "Packages/a", "Packages/a/a-1.rpm", "latest", "repomd.xml"]
    assert (new / "Packages" / "a" / "a-1.rpm").stat().st_ino == (old / "Packages" / "a" / "a-1.rpm").stat().st_ino
    assert os.readlink(new / "latest") == "Packages/a"
    assert (new / "Packages").stat().st_mode & 0o777 == 0o750


def test_many_files_are_linked_by_two_processes_into_the_same_trees(tmp_path):
    """Trees of more files than one process links alone: every file hard-linked, every symlink
    kept, every directory with the old one's modification time, whichever process linked it."""
    from punji_lib.compose import reuse

    old = tmp_path / "old"
    count = 0
    for tree in ("os", "debug"):
        for letter in "abcdefgh":
            folder = old / tree / "Packages" / letter
            folder.mkdir(parents=True)
            for n in range(reuse.PARALLEL_LINKS // 8):
                (folder / ("%s%d.rpm" % (letter, n))).write_text(letter)
                count += 1
            (folder / "latest").symlink_to("%s0.rpm" % letter)
            os.utime(folder, (1000000000 + count, 1000000000 + count))
    assert count > reuse.PARALLEL_LINKS
    assert reuse.link_all(str(old), str(tmp_path / "new"), ["os/Packages", "debug/Packages"], "test")
    for tree in ("os", "debug"):
        for path in (old / tree).rglob("*"):
            copy = tmp_path / "new" / path.relative_to(old)
            if path.is_symlink():
                assert os.readlink(copy) == os.readlink(path)
            elif path.is_dir():
                assert copy.stat().st_mtime == path.stat().st_mtime
            else:
                assert copy.stat().st_ino == path.stat().st_ino
        assert sorted(p.relative_to(tmp_path / "new") for p in (tmp_path / "new" / tree).rglob("*")) == \
            sorted(p.relative_to(old) for p in (old / tree).rglob("*"))
    assert not [n for n in os.listdir(tmp_path / "new" / "os") if n.startswith(".")]


def client_gathers_taken_over_with_server_as_lookaside(tmp_path, demo_copy):
    """Two nightlies of the demo with variant_as_lookaside Client -> Server; the second takes
    over Client's gathers from the first. (first, second)."""
    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write('variant_as_lookaside = [("Client", "Server")]\n')
    first = composed(conf, tmp_path / "nightly")
    second = composed(conf, tmp_path / "nightly")
    taken = states(second, "gather-Client")
    assert taken and all(s.get("reused_from") == os.path.basename(first) for s in taken.values())
    return first, second


def test_a_taken_over_gather_brings_its_variant_as_lookaside_repo(tmp_path, demo_copy):
    first, second = client_gathers_taken_over_with_server_as_lookaside(tmp_path, demo_copy)
    repomd = "work/x86_64/lookaside/Client/Server/repodata/repomd.xml"
    assert os.path.samefile(os.path.join(first, repomd), os.path.join(second, repomd))
    # repoclosure reads the repo in the new compose: what Client left to Server resolves there
    with open(os.path.join(second, "work/x86_64/repoclosure/Client.json")) as f:
        report = json.load(f)
    assert report["lookaside"] == [os.path.join(second, "work/x86_64/lookaside/Client/Server")]
    assert report["unresolved"] == []


def test_an_empty_variants_gather_with_a_variant_as_lookaside_is_taken_over(tmp_path, demo_copy):
    # fuzz-nightly --seed 4075: an is_empty variant makes no lookaside repo, so none is asked of
    # the old compose
    variants = demo_copy / "variants.xml"
    text = variants.read_text()
    assert '<variant id="Client" name="Client" type="variant">' in text
    variants.write_text(text.replace('<variant id="Client" name="Client" type="variant">',
                                     '<variant id="Client" name="Client" type="variant" is_empty="true">'))
    client_gathers_taken_over_with_server_as_lookaside(tmp_path, demo_copy)


def test_a_fingerprint_holds_punjis_rules_so_an_older_punjis_outputs_are_not_taken_over(monkeypatch):
    """state.RULES is raised when punji makes other outputs from the same inputs: every
    fingerprint then differs from the one an older punji recorded."""
    from punji_lib.compose import state

    before = state.digest({"variant": "Server"}, ["demo-shell-1.0-1.noarch"])
    assert state.digest({"variant": "Server"}, ["demo-shell-1.0-1.noarch"]) == before
    monkeypatch.setattr(state, "RULES", state.RULES + 1)
    assert state.digest({"variant": "Server"}, ["demo-shell-1.0-1.noarch"]) != before


def test_trees_linked_ahead_are_taken_only_from_the_compose_they_were_linked_from(tmp_path):
    """link_all puts prelink()'s copies in place when they were made from the same old compose;
    copies of another compose are left alone, and a killed prelink's leftovers are removed."""
    from punji_lib.compose import layout, reuse

    old, other, new = tmp_path / "PDL-1-20261201.n.0", tmp_path / "PDL-1-20261130.n.0", tmp_path / "PDL-1-20261202.n.0"
    for top in (old, other, new):
        (top / "compose").mkdir(parents=True)
        (top / "COMPOSE_ID").write_text(top.name)
    for top in (old, other):
        (top / "STATUS").write_text("FINISHED\n")
        (top / "compose" / "Packages").mkdir()
        (top / "compose" / "Packages" / "a-1.rpm").write_text(top.name)
    assert reuse.prelink(str(new), str(old), ["compose/Packages", "compose/none"]) == 1
    copy = reuse.prelinked(str(new), str(old), "compose/Packages")
    assert copy and reuse.prelinked(str(new), str(other), "compose/Packages") is None
    assert reuse.prelinked(str(new), str(old), "compose/none") is None
    assert reuse.link_all(str(other), str(new), ["compose/Packages"], "test")
    assert (new / "compose" / "Packages" / "a-1.rpm").read_text() == other.name
    assert reuse.link_all(str(old), str(new), ["compose/Packages"], "test")
    assert os.path.samefile(new / "compose" / "Packages" / "a-1.rpm", old / "compose" / "Packages" / "a-1.rpm")
    assert not os.path.exists(copy)  # put in place, not linked again
    leftover = os.path.join(str(new), "work", "global", ".prelink.x")
    os.makedirs(leftover)
    reuse.drop_prelinked(str(new))
    assert not os.path.exists(leftover) and not os.path.exists(os.path.join(str(new), layout.prelinked()))


def test_once_a_copy_is_patched_no_copy_is_taken_over_whole(tmp_path):
    """A copy prelinked_to_patch gave may be half-changed when a kill stops its caller: from then
    on prelinked() gives none (link_all links the old compose's trees), prelinked_to_patch still does."""
    from punji_lib.compose import reuse

    old, new = tmp_path / "PDL-1-20261201.n.0", tmp_path / "PDL-1-20261202.n.0"
    (old / "compose" / "Packages").mkdir(parents=True)
    (old / "compose" / "Packages" / "a-1.rpm").write_text("a")
    (new / "compose").mkdir(parents=True)
    assert reuse.prelink(str(new), str(old), ["compose/Packages"]) == 1
    assert reuse.prelinked(str(new), str(old), "compose/Packages")
    copy = reuse.prelinked_to_patch(str(new), str(old), "compose/Packages")
    assert copy and reuse.prelinked(str(new), str(old), "compose/Packages") is None
    assert reuse.prelinked_to_patch(str(new), str(old), "compose/Packages") == copy


@pytest.mark.parametrize("base_type, found", [(None, True), ("ga", True), ("eus", False)])
def test_no_old_compose_for_a_release_on_a_base_product_of_a_type_as_pungi_finds_none(tmp_path, base_type, found):
    """Pungi 4.3.2's find_old_compose matches FZ-1-BOS-9 and a digit: a compose id with the base
    product's type after its version (FZ-1-BOS-9-eus-20261206.n.0) never matches, so Pungi reuses
    nothing, makes no deltas (fuzz-compose-koji seed 7352's release, by hand)."""
    from punji_lib.compose import reuse

    release = "FZ-1-BOS-9" + ("-" + base_type if base_type and base_type != "ga" else "")
    conf = {"release_short": "FZ", "release_version": "1", "base_product_name": "Base OS",
            "base_product_short": "BOS", "base_product_version": "9"}
    if base_type:
        conf["base_product_type"] = base_type
    dirs = {}
    for respin in (0, 1):
        top = tmp_path / ("%s-20261206.n.%d" % (release, respin))
        (top / "work" / "global").mkdir(parents=True)
        (top / "COMPOSE_ID").write_text(top.name + "\n")
        (top / "STATUS").write_text("FINISHED\n")
        (top / "work" / "global" / "config.json").write_text(json.dumps(conf))
        dirs[respin] = str(top)
    assert reuse.old_compose(dirs[1]) == (dirs[0] if found else None)


def test_a_compose_or_old_composes_directory_that_cannot_be_read_is_passed_over(tmp_path, monkeypatch):
    """An old compose the composing user may not read (mode 000: fuzz-broken-inputs
    old-compose/unreadable, as nobody) is none to take over from, as Pungi's find_old_compose
    skips it; an --old-composes directory that cannot be listed holds none. Each stopped every
    phase looking for one with "COMPOSE_ID: permission denied". (Root reads whatever the mode:
    the refusal is the file system's, stood in for here.)"""
    from punji_lib.compose import jsonio, reuse

    tops = []
    for respin in (0, 1, 2):
        top = tmp_path / "target" / ("PDL-1-20261207.n.%d" % respin)
        (top / "work" / "global").mkdir(parents=True)
        (top / "COMPOSE_ID").write_text(top.name + "\n")
        (top / "STATUS").write_text("FINISHED\n")
        tops.append(str(top))
    read_text, listdir = jsonio.read_text, os.listdir

    def refused(path):
        if path.startswith(tops[1] + os.sep):
            raise PermissionError(13, "Permission denied", path)
        return read_text(path)

    def not_listed(path):
        if str(path).endswith("unlistable"):
            raise PermissionError(13, "Permission denied", path)
        return listdir(path)

    monkeypatch.setattr(jsonio, "read_text", refused)
    assert reuse.old_compose(tops[2]) == tops[0]
    (tmp_path / "unlistable").mkdir()
    (tmp_path / "request.json").write_text(json.dumps({"options": {"old_composes": [str(tmp_path / "unlistable")]}}))
    monkeypatch.setattr(reuse.layout, "compose_request_json", lambda: str(tmp_path / "request.json"))
    monkeypatch.setattr(os, "listdir", not_listed)
    reuse.old_compose.cache_clear()
    assert reuse.old_compose(tops[2]) is None


def test_an_old_compose_whose_status_is_no_text_is_passed_over(tmp_path):
    """A STATUS holding bytes that are no UTF-8 (a disk error): the nightly beside it stopped at
    once, "punji-compose: internal error: UnicodeDecodeError" (fuzz-broken-inputs
    old-compose/status-garbage); Pungi 4.3.2 composes on. It is no finished compose to take over."""
    from punji_lib.compose import init_reuse, reuse

    tops = []
    for respin, status in ((0, b"FINISHED\n"), (1, b"\0\0\xff\xfeFINI\n"), (2, b"STARTED\n")):
        top = tmp_path / "target" / ("PDL-1-20261207.n.%d" % respin)
        (top / "work" / "global").mkdir(parents=True)
        (top / "COMPOSE_ID").write_text(top.name + "\n")
        (top / "STATUS").write_bytes(status)
        tops.append(str(top))
    reuse.old_compose.cache_clear()
    assert reuse.old_compose(tops[2]) == tops[0]
    assert init_reuse.source([str(tmp_path / "target")], "some-key") is None
    (tmp_path / "target" / "PDL-1-20261207.n.0" / "COMPOSE_ID").write_bytes(b"\xff\xfe")
    reuse.old_compose.cache_clear()
    assert reuse.old_compose(tops[2]) is None


def _big_patch(tmp_path, count):
    """A repo of COUNT packages, a copy of its tree hard-linked from it, and the files of the
    tree: (repo, copy, files)."""
    repo, copy = tmp_path / "repo", tmp_path / "copy"
    repo.mkdir()
    files = []
    for n in range(count):
        name = "p%03d-1.rpm" % n
        (repo / name).write_text(name)
        files.append((str(repo / name), "%s/%s" % (name[:2], name)))
        (copy / name[:2]).mkdir(parents=True, exist_ok=True)
        os.link(repo / name, copy / name[:2] / name)
    return repo, copy, files


@pytest.mark.parametrize("entry_inodes", [True, False])
def test_a_patched_tree_reads_inodes_from_listings_where_they_are_true(tmp_path, monkeypatch, entry_inodes):
    """patch_dir on a file system whose directory entries give true inodes (ext4, xfs, tmpfs)
    takes each file's inode from the listings of the copy and of a source directory asked for
    many files, not from a stat() per file; elsewhere it stats them. Either way a file replaced
    in the source (the same name, another inode) is linked anew, a symlink in the source is
    followed, and the tree is what build_dir makes."""
    from punji_lib.rpms import linker

    repo, copy, files = _big_patch(tmp_path, 2 * linker.LISTED_AFTER)
    (repo / "p007-1.rpm").unlink()
    (repo / "p007-1.rpm").write_text("rebuilt")
    (repo / "p009-1.rpm").unlink()
    (repo / "p009-1.rpm").symlink_to("p008-1.rpm")
    device = os.stat(repo).st_dev
    monkeypatch.setattr(linker, "_mounted_types",
                        lambda: {(os.major(device), os.minor(device)): "ext4" if entry_inodes else "overlay"})
    monkeypatch.setattr(linker, "_LISTINGS", {})
    stats = []
    real_stat = os.stat
    monkeypatch.setattr(linker.os, "stat", lambda *a, **k: stats.append(a[0]) or real_stat(*a, **k))
    target, fresh = tmp_path / "tree", tmp_path / "fresh"
    assert linker.patch_dir(str(copy), str(target), files, "hardlink") == 2
    monkeypatch.setattr(linker.os, "stat", real_stat)
    linker.build_dir(str(fresh), files, "hardlink")

    def inodes(top):
        return sorted((os.path.relpath(os.path.join(root, n), top), os.stat(os.path.join(root, n)).st_ino)
                      for root, _dirs, names in os.walk(top) for n in names)

    assert inodes(target) == inodes(fresh)
    if entry_inodes:  # the symlink, and the first files asked before the directory is listed
        assert len(stats) <= linker.LISTED_AFTER + 2
    else:
        assert len(stats) >= 4 * linker.LISTED_AFTER


def test_a_source_listing_serves_the_next_tree_only_while_its_directory_is_unchanged(tmp_path, monkeypatch):
    """The listing of a source directory serves the next patched tree of the same command while
    the directory's times are those it was listed at, and only when they were settled then: a
    package replaced since is linked anew."""
    from punji_lib.rpms import linker

    repo, copy, files = _big_patch(tmp_path, 2 * linker.LISTED_AFTER)
    shutil.copytree(copy, tmp_path / "copy2", copy_function=os.link)
    device = os.stat(repo).st_dev
    monkeypatch.setattr(linker, "_mounted_types", lambda: {(os.major(device), os.minor(device)): "ext4"})
    monkeypatch.setattr(linker, "_LISTINGS", {})
    monkeypatch.setattr(linker, "SETTLED", 0.2)
    time.sleep(0.3)
    assert linker.patch_dir(str(copy), str(tmp_path / "tree"), files, "hardlink") == 0
    assert len(linker._LISTINGS) == 1
    (repo / "p100-1.rpm").unlink()
    (repo / "p100-1.rpm").write_text("rebuilt")  # the directory changes now: not settled
    assert linker.patch_dir(str(tmp_path / "copy2"), str(tmp_path / "tree2"), files, "hardlink") == 1
    assert os.path.samefile(tmp_path / "tree2" / "p1" / "p100-1.rpm", repo / "p100-1.rpm")
    assert list(linker._LISTINGS.values())[0][0] != (os.stat(repo).st_mtime_ns, os.stat(repo).st_ctime_ns)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs")
def test_a_prelink_that_fills_the_disk_names_the_link_it_could_not_make_by_its_path(tmp_path):
    """prelink links a directory's files by name between open directories: its full-disk error
    named the file alone (an ENOSPC sweep: a nightly over a tmpfs with few inodes left; tmpfs
    counts each hard link against them)."""
    import subprocess

    from punji_lib.compose import reuse
    from punji_lib.errors import as_user_error

    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=64", "punji-test", str(disk)], check=True)
    try:
        old = disk / "PDL-1-20261201.n.0"
        (old / "compose" / "Packages").mkdir(parents=True)
        for name in ("a-1.rpm", "b-1.rpm", "c-1.rpm"):
            (old / "compose" / "Packages" / name).write_text(name)
        new = disk / "PDL-1-20261202.n.0"
        for path in (new / "compose", new / "work" / "global" / ".prelink.planned" / "compose" / "Packages"):
            path.mkdir(parents=True)  # the directories prelink makes, made ahead to be counted
        used = int(subprocess.run(["df", "--output=iused", str(disk)], capture_output=True, text=True,
                                  check=True).stdout.split()[-1])
        shutil.rmtree(new / "work" / "global" / ".prelink.planned")
        # room for prelink's directories and its first link, not its second
        subprocess.run(["mount", "-o", "remount,nr_inodes=%d" % (used + 1), str(disk)], check=True)
        with pytest.raises(OSError) as failed:
            reuse.prelink(str(new), str(old), ["compose"])
        message = str(as_user_error(failed.value))
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    assert message.startswith("no space left on device writing %s/work/global/.prelink." % new), message
    assert re.search(r"/compose/Packages/[abc]-1\.rpm$", message), message


def test_dir_times_are_prelinks_or_a_walks_and_change_with_a_file_replaced(tmp_path):
    """dir_times: every directory's time in the trees, as a walk finds them (tree_facts' walk
    counts the files too) or as prelink() found them in the old compose; a file put in place of
    another changes its directory's."""
    from punji_lib.compose import reuse

    old, new = tmp_path / "PDL-1-20261201.n.0", tmp_path / "PDL-1-20261202.n.0"
    (old / "compose" / "Packages" / "a").mkdir(parents=True)
    (old / "compose" / "Packages" / "a" / "a-1.rpm").write_text("a")
    (old / "compose" / "Packages" / "b-1.rpm").write_text("b")
    (new / "compose").mkdir(parents=True)
    trees = ["compose/Packages", "compose/none"]
    count, times = reuse.tree_facts(str(old), trees)
    assert count == 2 and sorted(times) == ["compose/Packages", "compose/Packages/a"]
    assert reuse.dir_times(str(old), trees) == times == reuse.dir_times(str(new), trees, str(old))
    reuse.prelink(str(new), str(old), trees)
    assert reuse.dir_times(str(new), trees, str(old)) == times
    time.sleep(0.02)  # more than the clock's tick the kernel stamps directories with
    (old / "compose" / "Packages" / "a" / "a-1.rpm").unlink()
    (old / "compose" / "Packages" / "a" / "a-1.rpm").write_text("other")
    assert reuse.dir_times(str(old), trees)["compose/Packages/a"] != times["compose/Packages/a"]
    assert reuse.dir_times(str(old), trees)["compose/Packages"] == times["compose/Packages"]
