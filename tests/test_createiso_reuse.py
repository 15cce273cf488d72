"""createiso_allow_reuse (issue 12): the images of a tree are taken over from the old compose
exactly when what they are made from is the same, the trees whose images share their names
among it; any input that differs makes them again."""

import json
import os
import shutil

import pytest

from conftest import composed, copy_compose, read_json
from test_createiso import made_compose, tree_dir


@pytest.fixture(scope="module")
def trees(tmp_path_factory, demo_repo):
    """A demo compose made up to the images of Server.x86_64 and Client.x86_64."""
    return made_compose(tmp_path_factory.mktemp("reusekey"), demo_repo, "work/x86_64/state/createiso-Server.json",
                        "work/x86_64/state/createiso-Client.json")


def tree_of(compose, uid):
    """(variant record, files, stats) of tree UID.x86_64, as punji-createiso reads them."""
    from punji_lib.config import variants
    from punji_lib.media import image_files

    v = variants.by_uid(read_json(os.path.join(compose, "work/global/variants.json"))["variants"])[uid]
    stats = {}
    files = image_files.of_tree(tree_dir(compose, uid, "x86_64"), stats)
    return v, files, {rel: stats.get(rel) or image_files.stat_of(path) for rel, path in files.items()}


def rewrite_json(path, **changes):
    data = read_json(path)
    data.update(changes)
    with open(path, "w") as f:
        json.dump(data, f)


def test_the_reuse_key_changes_with_every_input_of_the_images(trees, tmp_path):
    from punji_lib.media.iso_reuse import key

    compose = copy_compose(trees, tmp_path / "c")
    conf = read_json(os.path.join(compose, "work/global/config/createiso.json"))

    def server_key(conf=conf, chrp=None, namesakes=()):
        v, files, stats = tree_of(compose, "Server")
        return key(compose, conf, v, "x86_64", files, stats, chrp, namesakes)

    base = server_key()
    assert server_key() == base  # the same inputs, the same key
    client = tree_of(compose, "Client")
    keys = {"an option": server_key(dict(conf, iso_level=3)),
            "the volume id": server_key(dict(conf, volume_id_substitutions={"Server": "Srv"})),
            "how a ppc image boots": server_key(chrp="chrp"),
            "a namesake tree": server_key(namesakes=[client])}
    with open(os.path.join(tree_dir(compose, "Client", "x86_64"), "media.repo"), "a") as f:
        f.write("# changed\n")
    keys["a file of the namesake tree"] = server_key(namesakes=[tree_of(compose, "Client")])
    top = tree_dir(compose, "Server", "x86_64")
    with open(os.path.join(top, "media.repo"), "a") as f:
        f.write("# changed\n")
    keys["a small file's content"] = server_key()
    package = next(os.path.join(root, n) for root, _d, names in os.walk(os.path.join(top, "Packages")) for n in names)
    shutil.copy2(package, package + ".new")  # the package is hard-linked to the demo repo's: not touched
    os.replace(package + ".new", package)
    keys["a package's inode (another file)"] = server_key()
    os.utime(package, ns=(0, 0))
    keys["a package's mtime"] = server_key()
    with open(os.path.join(top, "GPL"), "w") as f:
        f.write("a new file\n")
    keys["a new file"] = server_key()
    rewrite_json(os.path.join(compose, "work/global/config/createrepo.json"), createrepo_checksum="sha512")
    keys["a createrepo option (a split disc's repodata)"] = server_key()
    request = os.path.join(compose, "work/global/compose-request.json")
    rewrite_json(request, options=dict(read_json(request).get("options") or {}, supported=True))
    keys["the supported flag"] = server_key()
    v, files, stats = tree_of(compose, "Server")
    keys["the variant"] = key(compose, conf, dict(v, name="Another Server"), "x86_64", files, stats)
    same = [(a, b) for a in keys for b in keys if a < b and keys[a] == keys[b]] + [a for a in keys if keys[a] == base]
    assert not same, same


def taken_over(topdir, uid, arch="x86_64"):
    with open(os.path.join(topdir, "logs", arch, "createiso-%s.log" % uid)) as f:
        return "taken over" in f.read()


def client_images(topdir):
    iso_dir = os.path.join(topdir, "compose/Client/x86_64/iso")
    return [os.path.join(iso_dir, n) for n in sorted(os.listdir(iso_dir)) if n.endswith(".iso")]


def test_a_tree_whose_images_may_but_do_not_share_names_takes_them_over(tmp_path, demo_copy):
    """Trees with different image_name_formats may give their images one name (so Client's
    images may hold Server's content); they do not here: Client's images are taken over (punji
    made them again, counting Server as a namesake, as it did a layered product, named after its
    parent yet with a compose id of its own)."""
    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write('\nimage_name_format = {"^Server$": "{compose_id}-Srv-{arch}-{disc_type}{disc_num}{suffix}",\n'
                '                     "^Client$": "{compose_id}-Cli-{arch}-{disc_type}{disc_num}{suffix}"}\n')
    first = composed(conf, tmp_path / "nightly")
    second = composed(conf, tmp_path / "nightly")
    assert taken_over(second, "Client") and taken_over(second, "Server")
    (old,), (new,) = (client_images(c) for c in (first, second))
    assert os.path.samefile(old, new) and "-Cli-x86_64-dvd1.iso" in new


def test_images_holding_another_trees_content_are_taken_over_only_while_that_tree_is_the_same(tmp_path, demo_copy):
    """Where Client's and Server's images get one name, each holds Server's content (Pungi's
    order): Client's are taken over while both trees are the same, made again once Server's
    tree differs, though Client's own does not."""
    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write('\nimage_name_format = "{release_short}-{arch}-{disc_num}{suffix}"\n')
    composed(conf, tmp_path / "nightly")
    second = composed(conf, tmp_path / "nightly")
    assert taken_over(second, "Client") and taken_over(second, "Server")
    text = conf.read_text()
    old = '("^Everything$", {\n        "*": ["*"],\n    }),\n'
    assert old in text
    conf.write_text(text.replace(old, old + '    ("^Server$", {\n        "x86_64": ["demo-terminal"],\n    }),\n'))
    third = composed(conf, tmp_path / "nightly")
    assert not taken_over(third, "Client") and not taken_over(third, "Server")
    assert taken_over(third, "Client", "i386")  # neither tree changed on i386
    from isofiles import read_iso

    client, = client_images(third)
    assert any("demo-terminal" in f for f in read_iso(client)[1])  # Server's content, as Pungi gives it


def test_each_disc_of_a_split_tree_is_taken_over_when_its_content_is_the_same(tmp_path, demo_copy):
    """Pungi 4.3.2 takes over each disc of a tree on its own. A new comps description changes
    Server's repodata, so its images cannot be taken over as a whole, yet no disc of a split
    tree holds that repodata (each has its own, without a group file): every disc is taken over;
    a disc whose files differ is made again."""
    from punji_lib.compose import jsonio

    conf = demo_copy / "demo.conf"
    with open(conf, "a") as f:
        f.write('\niso_size = "1400k"\nsplit_iso_reserve = "500k"\n')
    first = composed(conf, tmp_path / "nightly")
    comps = demo_copy / "comps.xml"
    old = "Packages identifying a Punji Demo Linux Server installation."
    comps.write_text(comps.read_text().replace(old, old[:-1] + ", described anew."))
    second = composed(conf, tmp_path / "nightly")
    log = open(os.path.join(second, "logs/x86_64/createiso-Server.log")).read()
    images = read_json(os.path.join(second, "work/x86_64/createiso/Server.json"))["images"]
    assert len(images) >= 2 and "image(s) taken over" not in log and "writing " not in log
    for image in images:
        name = os.path.basename(image["path"])
        assert "%s: taken over from" % name in log
        twin = os.path.join(first, "compose", image["path"].replace(os.path.basename(second), os.path.basename(first)))
        assert os.path.samefile(os.path.join(second, "compose", image["path"]), twin)
    listed = jsonio.read_json(os.path.join(second, "compose/metadata/images.json"))["payload"]["images"]
    assert sorted(i["path"] for i in listed["Server"]["x86_64"] if "x86_64" in i["path"]) == \
        sorted(i["path"] for i in images)
    assert all(i["checksums"] for i in listed["Server"]["x86_64"])


def disc_files(tmp_path, tree_name):
    """(the work directory a disc is made in, a tree file TREE_NAME, a file made for the disc)."""
    made_here = str(tmp_path / "work")
    os.makedirs(made_here)
    tree_file, disc_file = str(tmp_path / tree_name), os.path.join(made_here, ".treeinfo")
    for path in (tree_file, disc_file):
        with open(path, "w") as f:
            f.write("x\n")
    return made_here, tree_file, disc_file


def test_a_disc_key_changes_with_every_input_of_the_disc(tmp_path):
    from punji_lib.media.iso_reuse import disc_key

    made_here, tree_file, disc_file = disc_files(tmp_path, "Packages.rpm")
    content = {"Packages/a.rpm": tree_file, ".treeinfo": disc_file, "Packages/": str(tmp_path) + "/"}
    v = {"uid": "Server"}

    def key(conf={}, v=v, volid="V", how=("boot", 1, "genisoimage", False), content=content):
        return disc_key(conf, v, "x86_64", volid, list(how), content, made_here)

    base = key()
    assert key() == base
    keys = [key(conf={"iso_level": 3}), key(v={"uid": "Client"}), key(volid="W"),
            key(how=("boot", 1, "xorriso", False)), key(content=dict(content, extra=disc_file)),
            key(content={k: p for k, p in content.items() if k != "Packages/"})]
    with open(disc_file, "w") as f:
        f.write("y\n")
    keys.append(key())
    os.utime(tree_file, ns=(0, 0))
    keys.append(key())
    assert len(set(keys) | {base}) == len(keys) + 1


def test_a_disc_key_takes_the_stats_it_is_given_and_is_the_same(tmp_path, monkeypatch):
    """disc_key with the stats createiso took of the tree's files: the same key, those files
    not looked at again."""
    from punji_lib.media import iso_reuse

    made_here, tree_file, disc_file = disc_files(tmp_path, "a.rpm")
    content = {"Packages/a.rpm": tree_file, ".treeinfo": disc_file}
    args = ({}, {"uid": "Server"}, "x86_64", "V", ["boot"], content, made_here)
    plain = iso_reuse.disc_key(*args)
    known = {"Packages/a.rpm": os.stat(tree_file)}
    real_stat = os.stat
    monkeypatch.setattr(iso_reuse.os, "stat",
                        lambda path, *a, **k: pytest.fail("stat again") if path == tree_file else real_stat(path, *a, **k))
    assert iso_reuse.disc_key(*args, known) == plain
