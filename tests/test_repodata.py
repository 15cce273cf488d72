"""The package set's repodata (punji_lib/rpms/repodata.py): plain XML written by createrepo_c, a
package's XML copied from an earlier repo written here when nothing it is made from changed."""

import glob
import os

from punji_lib.rpms import repodata
from punji_lib.rpms.repos import Repo


def packages_of(repo, cache):
    found = Repo(str(repo), str(cache))
    return [(found.package_path(p), p) for p in found.packages(with_files=True)]


def xml_files(top):
    found = {}
    for kind in repodata.KINDS:
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
