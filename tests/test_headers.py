"""rpms.headers: what package files are, read once per file (HeaderCache), in worker processes
when there are many (prefetch)."""

import os

import pytest

from punji_lib.errors import PunjiError
from punji_lib.rpms import headers
from punji_lib.rpms.repos import Repo


@pytest.fixture
def demo_packages(demo_repo, tmp_path):
    repo = Repo(demo_repo, str(tmp_path / "cache"))
    return [(repo.package_path(pkg), pkg) for pkg in repo.packages()]


def test_prefetched_facts_are_what_check_reads_one_file_at_a_time(demo_packages, tmp_path, monkeypatch):
    monkeypatch.setattr(headers, "PREFETCH_CHUNK", 8)  # the demo repo's ~240 files in two workers
    prefetched = headers.HeaderCache(str(tmp_path / "a.json"))
    prefetched.prefetch([(path, pkg.checksum_type) for path, pkg in demo_packages])
    assert len(prefetched.old) == len(demo_packages)
    serial = headers.HeaderCache(str(tmp_path / "b.json"))
    for path, pkg in demo_packages:
        assert prefetched.check(path, pkg) == serial.check(path, pkg)
    assert prefetched.new == serial.new
    assert any(facts["sigkey"] is None and facts["checksum_type"] == "sha256" for facts in serial.new.values())


def test_a_file_no_worker_could_read_is_left_to_check_which_names_it(demo_packages, tmp_path, monkeypatch):
    monkeypatch.setattr(headers, "PREFETCH_CHUNK", 8)
    path, pkg = demo_packages[0]
    broken = tmp_path / "broken.rpm"
    with open(path, "rb") as f:
        broken.write_bytes(b"\0" * len(f.read()))
    cache = headers.HeaderCache(str(tmp_path / "a.json"))
    cache.prefetch([(str(broken), "sha256")] + [(p, k.checksum_type) for p, k in demo_packages])
    assert len(cache.old) == len(demo_packages)
    with pytest.raises(PunjiError, match="broken.rpm: cannot read its RPM header"):
        cache.check(str(broken), pkg)


def test_without_worker_processes_check_reads_each_file_itself(demo_packages, tmp_path, monkeypatch):
    import concurrent.futures

    def refused(*args, **kwargs):
        raise OSError(38, "Function not implemented")  # no /dev/shm for the pool's locks

    monkeypatch.setattr(headers, "PREFETCH_CHUNK", 8)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refused)
    cache = headers.HeaderCache(str(tmp_path / "a.json"))
    cache.prefetch([(path, pkg.checksum_type) for path, pkg in demo_packages])
    assert cache.old == {}
    path, pkg = demo_packages[0]
    assert cache.check(path, pkg)["nevra"] == headers.read_header(path)["nevra"]


def test_check_stats_no_file_the_prefetch_stated(demo_packages, tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(headers, "PREFETCH_CHUNK", 8)
    cache = headers.HeaderCache(str(tmp_path / "a.json"))
    cache.prefetch([(path, pkg.checksum_type) for path, pkg in demo_packages])
    serial = headers.HeaderCache(str(tmp_path / "b.json"))
    stated, real_stat = [], os.stat
    monkeypatch.setattr(headers.os, "stat", lambda path, *a, **k: stated.append(path) or real_stat(path, *a, **k))
    for path, pkg in demo_packages:
        assert cache.check(path, pkg) == serial.check(path, pkg)
    assert cache.new == serial.new
    # serial's checks stat each file; the prefetched cache's none
    assert sorted(stated) == sorted(path for path, _pkg in demo_packages)


def test_a_file_truncated_after_the_prefetch_stated_it_is_still_refused(demo_packages, tmp_path, monkeypatch):
    import shutil

    path, pkg = demo_packages[0]
    copy = tmp_path / os.path.basename(path)
    shutil.copy(path, copy)
    cache = headers.HeaderCache(str(tmp_path / "a.json"))
    cache.start_prefetch([(str(copy), pkg.checksum_type)])()
    with open(copy, "r+b") as f:
        f.truncate(100)
    with pytest.raises(PunjiError, match="cannot read its RPM header|bytes, the repodata says"):
        cache.check(str(copy), pkg)
