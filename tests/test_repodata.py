"""The package set's repodata (punji_lib/rpms/repodata.py): plain XML written by createrepo_c, a
package's XML copied from an earlier repo written here when nothing it is made from changed."""

import glob
import gzip
import json
import os
import shutil

from punji_lib.rpms import repodata, xml_chunks
from punji_lib.rpms.repos import Repo


def packages_of(repo, cache, changelogs=False):
    found = Repo(str(repo), str(cache))
    return [(found.package_path(p), p) for p in found.packages(with_files=True, with_changelogs=changelogs)]


def xml_files(top, kinds=repodata.KINDS):
    found = {}
    for kind in kinds:
        (path,) = glob.glob(os.path.join(top, "repodata", "*-%s.xml" % kind))
        with open(path, "rb") as f:
            found[kind] = f.read()
    return found


def test_an_earlier_repos_xml_is_copied_and_the_result_is_what_createrepo_c_writes(tmp_path, demo_repo,
                                                                                   monkeypatch):
    import createrepo_c

    fresh, again = tmp_path / "fresh", tmp_path / "again"
    repodata.write_repo(str(fresh), packages_of(demo_repo, tmp_path / "c1"), 7)
    chosen = packages_of(demo_repo, tmp_path / "c2")
    changed = chosen[3][1]
    changed.time_file += 1  # the one package whose XML must be written anew
    dumped = []
    real_dump = createrepo_c.xml_dump_primary
    monkeypatch.setattr(createrepo_c, "xml_dump_primary", lambda p: dumped.append(p.name) or real_dump(p))
    repodata.write_repo(str(again), chosen, 7, earlier=[str(fresh), str(tmp_path / "none")])
    assert dumped == [changed.name]
    monkeypatch.undo()
    reference = tmp_path / "reference"
    repodata.write_repo(str(reference), chosen, 7)  # nothing to copy from
    assert xml_files(again) == xml_files(reference)
    assert xml_files(again) != xml_files(fresh)
    assert b'<time file="%d"' % changed.time_file in xml_files(again)["primary"]
    # the repo reads back as the packages it was written from
    back = Repo(str(again), str(tmp_path / "c3")).packages(with_files=True)
    assert sorted(p.pkgId for p in back) == sorted(p.pkgId for _path, p in chosen)
    assert all(p.files for p in back if p.name == changed.name)


def test_a_package_no_earlier_repo_has_is_read_whole_and_written_anew_with_no_repo_indexed(tmp_path, demo_repo,
                                                                                            monkeypatch):
    """A package set made again after a few packages changed (a nightly): the others' XML is
    copied from the earlier repo, the new ones are read whole from their repo and written by
    createrepo_c, and the repo they come from is not indexed: the same repodata as when it is."""
    def lean(cache):
        repo = Repo(str(demo_repo), str(tmp_path / cache))
        return repo, [(repo.package_path(p), p) for p in repo.packages()]

    source, chosen = lean("c1")
    earlier = tmp_path / "earlier"
    repodata.write_repo(str(earlier), chosen[:-1], 7, changelogs=True, sources=[source])
    indexed = []
    real_index = xml_chunks.index
    monkeypatch.setattr(xml_chunks, "index", lambda *args: indexed.append(args) or real_index(*args))
    source, chosen = lean("c2")
    repodata.write_repo(str(tmp_path / "again"), chosen, 7, earlier=[str(earlier)], changelogs=True, sources=[source])
    assert not indexed and chosen[-1][1].files
    source, chosen = lean("c3")
    repodata.write_repo(str(tmp_path / "indexed"), chosen, 7, changelogs=True, sources=[source])
    assert indexed
    written = xml_files(tmp_path / "again", repodata.WITH_CHANGELOGS)
    assert written == xml_files(tmp_path / "indexed", repodata.WITH_CHANGELOGS)
    assert json.loads((tmp_path / "again" / repodata.CHUNKS).read_text())["local"] is True


def test_a_damaged_chunk_index_is_not_trusted(tmp_path, demo_repo):
    first = tmp_path / "first"
    repodata.write_repo(str(first), packages_of(demo_repo, tmp_path / "c1"), 1)
    (first / repodata.CHUNKS).write_text("{not json")
    second = tmp_path / "second"
    repodata.write_repo(str(second), packages_of(demo_repo, tmp_path / "c2"), 1, earlier=[str(first)])
    assert xml_files(second) == xml_files(first)


def test_a_signal_while_createrepo_c_parses_is_an_interruption_not_corrupt_metadata(demo_repo, tmp_path, monkeypatch):
    """createrepo_c reports an exception raised in its callback (where Python runs the SIGTERM
    handler of commands.cli) as "Parsing interrupted"; the parse then stops as interrupted."""
    import signal

    import createrepo_c
    import pytest

    from punji_lib.commands import cli

    real = createrepo_c.xml_parse_primary

    def signalled(path, pkgcb=None, **kwargs):
        def first(pkg):
            os.kill(os.getpid(), signal.SIGTERM)
            return pkgcb(pkg)
        return real(path, pkgcb=first, **kwargs)

    monkeypatch.setattr(createrepo_c, "xml_parse_primary", signalled)
    previous = signal.signal(signal.SIGTERM, cli._terminated)
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            Repo(demo_repo, str(tmp_path / "cache")).packages()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert caught.value.signum == signal.SIGTERM


def test_a_packages_xml_copied_from_the_repo_it_was_read_from_is_what_createrepo_c_writes(tmp_path, demo_repo,
                                                                                          monkeypatch):
    """The package set's repo copies each package's XML from the repo it was read from, with
    the package's new location (an xml:base, with characters XML escapes), byte for byte what
    createrepo_c writes from the parsed package; a repo whose files declare other namespaces
    gives nothing to copy."""
    import createrepo_c

    def written(name, sources, cache):
        chosen = packages_of(demo_repo, tmp_path / cache, changelogs=True)
        moved = [(str(tmp_path / "a&b" / os.path.basename(path)) if n < 3 else path, pkg)
                 for n, (path, pkg) in enumerate(chosen)]
        repodata.write_repo(str(tmp_path / name), moved, 7, changelogs=True,
                            sources=[Repo(str(demo_repo), str(tmp_path / cache))] if sources else ())
        return xml_files(tmp_path / name, repodata.WITH_CHANGELOGS)

    reference = written("dumped", False, "c1")
    assert b'xml:base="file://%s/a&amp;b/"' % str(tmp_path).encode() in reference["primary"]
    dumped = []
    for kind in ("primary", "filelists", "other"):
        real = getattr(createrepo_c, "xml_dump_" + kind)
        monkeypatch.setattr(createrepo_c, "xml_dump_" + kind, lambda p, real=real: dumped.append(p.name) or real(p))
    assert written("copied", True, "c2") == reference
    assert 0 < len(set(dumped)) <= 16  # a sample, to compare with what is copied
    assert json.loads((tmp_path / "copied" / repodata.CHUNKS).read_text())["local"] is True
    foreign = foreign_repo(tmp_path, demo_repo)
    assert xml_chunks.index(Repo(str(foreign), str(tmp_path / "c3")), repodata.WITH_CHANGELOGS) == {}


def rewritten_repo(tmp_path, demo_repo, name, rewrite):
    """A copy NAME of DEMO_REPO whose primary XML is REWRITE(text) (filelists and other as they are)."""
    copy = tmp_path / name
    shutil.copytree(demo_repo, copy, ignore=shutil.ignore_patterns("repodata"), copy_function=os.link)
    (copy / "repodata").mkdir()
    paths = {}
    for kind in repodata.WITH_CHANGELOGS:
        (path,) = glob.glob(os.path.join(demo_repo, "repodata", "*-%s.xml.gz" % kind))
        with gzip.open(path, "rb") as f:
            text = f.read()
        paths[kind] = str(copy / "repodata" / ("%s.xml" % kind))
        with open(paths[kind], "wb") as f:
            f.write(rewrite(text) if kind == "primary" else text)
    repodata.write_repomd(str(copy / "repodata"), paths, 1)
    return copy


def foreign_repo(tmp_path, demo_repo):
    """A copy of DEMO_REPO whose primary declares its rpm namespace under another prefix."""
    def rewrite(text):
        text = text.replace(b'xmlns:rpm="http://linux.duke.edu/metadata/rpm"',
                            b'xmlns:rpm="http://linux.duke.edu/metadata/rpm" xmlns:x="urn:x"', 1)
        return text.replace(b"xmlns:rpm=", b"xmlns:r=", 1).replace(b"<rpm:", b"<r:").replace(b"</rpm:", b"</r:")

    return rewritten_repo(tmp_path, demo_repo, "foreign", rewrite)


def test_packages_read_from_their_primary_alone_are_read_whole_when_their_xml_is_written_anew(tmp_path, demo_repo):
    """The package set reads a repo's primary metadata alone (a package's files and changelogs
    come with its XML, copied); a package whose XML cannot be copied (its repo's files declare
    other namespaces) gets its files and changelogs read before createrepo_c writes it: the
    same repodata as from packages read whole."""
    foreign = foreign_repo(tmp_path, demo_repo)
    lean = Repo(str(foreign), str(tmp_path / "c1"))
    chosen = [(lean.package_path(p), p) for p in lean.packages()]
    assert chosen and not any(p.files or p.changelogs for _path, p in chosen)
    repodata.write_repo(str(tmp_path / "lean"), chosen, 7, changelogs=True, sources=[lean])
    repodata.write_repo(str(tmp_path / "whole"), packages_of(foreign, tmp_path / "c2", changelogs=True), 7,
                        changelogs=True)
    written = xml_files(tmp_path / "lean", repodata.WITH_CHANGELOGS)
    assert written == xml_files(tmp_path / "whole", repodata.WITH_CHANGELOGS)
    assert b"<file>" in written["filelists"] and b"<changelog " in written["other"]


def test_xml_of_another_form_is_copied_into_the_package_set_but_not_into_a_tree(tmp_path, demo_repo):
    """A source repo whose XML is not in the form this createrepo_c writes (as another version
    of it may write) still gives the package set its XML, marked so in chunks.json; a tree's
    repodata is then not written from it (createrepo_c writes it, from the parsed packages)."""
    from punji_lib.rpms import tree_repodata

    # the same XML, another form
    other = rewritten_repo(tmp_path, demo_repo, "other", lambda text: text.replace(b"<version epoch=", b"<version  epoch="))
    chosen = packages_of(other, tmp_path / "c1", changelogs=True)
    repodata.write_repo(str(tmp_path / "set"), chosen, 7, changelogs=True,
                        sources=[Repo(str(other), str(tmp_path / "c1"))])
    assert b"<version  epoch=" in xml_files(tmp_path / "set", repodata.WITH_CHANGELOGS)["primary"]
    assert json.loads((tmp_path / "set" / repodata.CHUNKS).read_text())["local"] is False
    tree = tmp_path / "tree"
    shutil.copytree(other, tree, ignore=shutil.ignore_patterns("repodata"), copy_function=os.link)
    files = [(os.path.relpath(path, other), pkg.pkgId) for path, pkg in chosen]
    assert tree_repodata.write(str(tree), files, [str(tmp_path / "set")], "sha256") is False
    assert not (tree / "repodata").exists()
    repodata.write_repo(str(tmp_path / "set"), packages_of(other, tmp_path / "c2", changelogs=True), 7,
                        changelogs=True)  # dumped by createrepo_c: its own form
    assert tree_repodata.write(str(tree), files, [str(tmp_path / "set")], "sha256") is True
    assert Repo(str(tree), str(tmp_path / "c3")).packages()


def test_repomd_that_cannot_be_written_is_one_error_naming_the_repodata(tmp_path):
    """createrepo_c's own error while it compresses or reads a metadata file (as on a full disk,
    where it says only "file operation error") is a PunjiError naming the repodata directory."""
    import pytest

    from punji_lib.errors import PunjiError

    (tmp_path / "repodata").mkdir()
    (tmp_path / "repodata" / "comps.xml").write_text("<comps/>\n")
    (tmp_path / "repodata" / "comps.xml.gz").mkdir()  # where the compressed copy goes: not writable as a file
    with pytest.raises(PunjiError, match="cannot write repodata in %s: " % (tmp_path / "repodata")):
        repodata.write_repomd(str(tmp_path / "repodata"), {"group": str(tmp_path / "repodata" / "comps.xml")}, 1,
                              group_gz=True)


def test_a_package_completed_twice_keeps_its_files_once(tmp_path, demo_repo):
    # fuzz-nightly --seed 166: a package set repo made ahead, then made again over other
    # packages, completed the same Packages twice; createrepo_c's parser added their files again
    repo = Repo(str(demo_repo), str(tmp_path / "cache"))
    lean = repo.packages()
    whole = {p.pkgId: p.files for p in Repo(str(demo_repo), str(tmp_path / "c2")).packages(with_files=True)}
    for _ in range(2):
        repo.complete(lean)
        assert {p.pkgId: p.files for p in lean} == whole
    repo.complete(lean, with_changelogs=True)
    assert {p.pkgId: p.files for p in lean} == whole and any(p.changelogs for p in lean)
