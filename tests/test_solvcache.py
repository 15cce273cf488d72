"""The cache of repos loaded into libsolv (punji_lib/rpms/solvcache.py): the .solv files a
forked child writes while the pool is indexed are those written in the pool's own process."""

import os

from punji_lib.rpms import pkgpool, solvcache


def _cached_files(cache):
    top = os.path.join(cache, "solv")
    found = {}
    for name in sorted(os.listdir(top)):
        with open(os.path.join(top, name), "rb") as f:
            found[name] = f.read()
    return found


def _pool(demo_repo, cache, aside_from, monkeypatch, cpus=2):
    monkeypatch.setattr(solvcache, "WRITTEN_ASIDE_FROM", aside_from)
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    return pkgpool.PackagePool("x86_64", [demo_repo], cache=cache)


def test_a_solv_file_written_by_a_child_is_the_one_written_inline(tmp_path, demo_repo, monkeypatch):
    started = []
    real_aside = solvcache._write_cached_aside
    monkeypatch.setattr(solvcache, "_write_cached_aside", lambda *a: started.append(a[1]) or real_aside(*a))
    inline = _pool(demo_repo, str(tmp_path / "inline"), 10 ** 9, monkeypatch)
    assert started == []
    aside = _pool(demo_repo, str(tmp_path / "aside"), 0, monkeypatch)
    assert len(started) == 1  # waited for: the file is there when the pool is made
    assert _cached_files(str(tmp_path / "aside")) == _cached_files(str(tmp_path / "inline"))
    assert any(name.endswith(".solv") for name in _cached_files(str(tmp_path / "aside")))
    assert not [n for n in os.listdir(tmp_path / "aside" / "solv") if n.endswith(".tmp")]
    assert aside.sack_keys == inline.sack_keys and aside.facts == inline.facts
    # the next pool of the repo loads the file the child wrote
    again = _pool(demo_repo, str(tmp_path / "aside"), 0, monkeypatch)
    assert len(started) == 1 and again.facts == inline.facts


def test_a_child_that_fails_leaves_no_file_and_the_next_pool_reads_the_xml(tmp_path, demo_repo, monkeypatch):
    def fail(handle, cached):
        raise OSError("no room")

    monkeypatch.setattr(solvcache, "_write_cached", fail)
    cache = str(tmp_path / "cache")
    first = _pool(demo_repo, cache, 0, monkeypatch)
    assert not [n for n in os.listdir(os.path.join(cache, "solv")) if n.endswith(".solv")]
    monkeypatch.undo()
    second = pkgpool.PackagePool("x86_64", [demo_repo], cache=cache)
    assert second.facts == first.facts


def test_with_one_cpu_the_pool_writes_its_solv_file_itself(tmp_path, demo_repo, monkeypatch):
    started = []
    monkeypatch.setattr(solvcache, "_write_cached_aside", lambda *a: started.append(a) or (lambda: True))
    _pool(demo_repo, str(tmp_path / "cache"), 0, monkeypatch, cpus=1)
    assert started == []
    assert [n for n in os.listdir(tmp_path / "cache" / "solv") if n.endswith(".solv")]
