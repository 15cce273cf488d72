"""punji-pkgset with pkgset_source = "koji": Koji events (a rerun, a pin), the next compose taking
the set over, files downloaded from topurl, the shared koji cache, a hub offline for a while
(the local Koji test hub of koji_pkgset_hub)."""

import os
import shutil
import subprocess

from conftest import BIN, assert_one_line_error, command, make, read_json
from koji_pkgset_hub import koji  # noqa: F401 (the fixture the tests take)
from koji_pkgset_hub import HTTP_PROFILE, koji_compose, packages, pkgset
from punji_lib.rpms.headers import read_header


def test_a_rerun_reads_koji_at_the_compose_event(koji, tmp_path, demo_copy):
    """The compose's event is taken once: a rerun keeps its set (nothing to ask Koji), and
    one that reads the tags again (its state gone, or pkgset_allow_reuse = False) reads
    them at that event, not seeing what was tagged since."""
    hub = koji["hub"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-reuse")
    assert set(pkgset(compose)) == {"kjt-reuse.noarch"}
    first = read_json(compose, "work/x86_64/state/pkgset.json")
    assert read_json(compose, "work/global/koji-event") == {"id": first["koji_event"], "ts": hub.events[first["koji_event"]]}
    with open(os.path.join(compose, "work/x86_64/pkgset/packages.json"), "rb") as f:
        before = f.read()
    hub.tag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")
    try:
        calls = len(hub.calls)
        assert set(pkgset(compose)) == {"kjt-reuse.noarch"}
        again = read_json(compose, "work/x86_64/state/pkgset.json")
        assert again["reused"] is True and again["koji_event"] == first["koji_event"] and again["count"] == 1
        assert not {"listTaggedRPMS", "tagChangedSinceEvent", "getLastEvent"} & set(hub.calls[calls:])
        with open(os.path.join(compose, "work/x86_64/pkgset/packages.json"), "rb") as f:
            assert f.read() == before
        os.unlink(os.path.join(compose, "work/x86_64/state/pkgset.json"))
        calls = len(hub.calls)
        assert set(pkgset(compose)) == {"kjt-reuse.noarch"}
        assert "listTaggedRPMS" in hub.calls[calls:] and "getLastEvent" not in hub.calls[calls:]
        assert read_json(compose, "work/x86_64/state/pkgset.json")["koji_event"] == first["koji_event"]
        # the i386 set, made later, is of the same event
        assert set(pkgset(compose, "i386")) == {"kjt-reuse.noarch"}
        assert read_json(compose, "work/i386/state/pkgset.json")["koji_event"] == first["koji_event"]
        compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-reuse", pkgset_allow_reuse=False)
        assert set(pkgset(compose)) == {"kjt-reuse.noarch", "kjt-reuse-new.noarch"}
        pkgset(compose)
        assert read_json(compose, "work/x86_64/state/pkgset.json")["reused"] is False
    finally:
        hub.untag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")


def test_the_next_compose_takes_the_set_over_while_the_tags_do_not_change(koji, tmp_path, demo_copy):
    """A new compose beside a finished one of the same release takes its package set over
    (hard links) when the tags have not changed since its event, and reads them again when
    they have."""
    hub = koji["hub"]
    first = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-reuse")
    assert set(pkgset(first)) == {"kjt-reuse.noarch"}
    with open(os.path.join(first, "STATUS"), "w") as f:
        f.write("FINISHED\n")  # as make would leave it; only STATUS and state files are read

    def next_compose():
        return command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "composes",
                       "--test", check=True).stdout.strip()

    hub.add_tag("kj-elsewhere")
    hub.tag_build("kj-elsewhere", "kjt-reuse-up-1.0-1")  # a change in a tag the set does not read
    second = next_compose()
    calls = len(hub.calls)
    assert set(pkgset(second)) == {"kjt-reuse.noarch"}
    st = read_json(second, "work/x86_64/state/pkgset.json")
    assert st["reused"] is True and st["reused_from"] == os.path.basename(first)
    assert st["koji_event"] == read_json(second, "work/global/koji-event")["id"] == hub.event
    assert st["koji_event"] > read_json(first, "work/x86_64/state/pkgset.json")["koji_event"]
    assert "listTaggedRPMS" not in hub.calls[calls:] and "tagChangedSinceEvent" in hub.calls[calls:]
    assert os.path.samefile(os.path.join(first, "work/x86_64/pkgset/packages.json"),
                            os.path.join(second, "work/x86_64/pkgset/packages.json"))
    hub.tag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")
    try:
        third = next_compose()
        assert set(pkgset(third)) == {"kjt-reuse.noarch", "kjt-reuse-new.noarch"}
        assert read_json(third, "work/x86_64/state/pkgset.json")["reused"] is False
    finally:
        hub.untag_build("kj-reuse-base", "kjt-reuse-new-1.0-1")


def test_a_package_blocked_between_the_events_makes_the_next_compose_read_the_tags_again(
        koji, tmp_path, demo_copy):
    """Reuse never takes over an output whose inputs differ (issue 12): a package blocked in a
    tag since the old compose's event changes what the tag gives, so the next compose reads the
    tags again and leaves the package out, as a fresh compose does. (Pungi 4.3.2 takes its old
    set over here, asking Koji's history only for builds and inheritance: the known difference
    of the fidelity product odcs-block-shape.)"""
    hub = koji["hub"]
    first = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-reuse")
    assert set(pkgset(first)) == {"kjt-reuse.noarch"}
    with open(os.path.join(first, "STATUS"), "w") as f:
        f.write("FINISHED\n")
    hub.block_package("kj-reuse", "kjt-reuse")
    try:
        second = command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "composes",
                         "--test", check=True).stdout.strip()
        assert set(pkgset(second)) == set()
        assert not read_json(second, "work/x86_64/state/pkgset.json").get("reused")
        fresh = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-reuse", pkgset_allow_reuse=False)
        assert set(pkgset(fresh)) == set()
    finally:
        hub.unblock_package("kj-reuse", "kjt-reuse")


def test_files_are_downloaded_from_topurl_when_topdir_is_not_readable(koji, tmp_path, demo_copy):
    a = koji["a"]
    compose = koji_compose(tmp_path, demo_copy, profile=HTTP_PROFILE, pkgset_koji_tag="kj-http", sigkeys=[a, None],
                           pkgset_allow_reuse=False)
    found = pkgset(compose)
    cache = os.path.join(compose, "work/x86_64/pkgset/cache")
    signed = found["kjs-a.noarch"]
    assert signed["path"] == os.path.join(cache, signed["location"]) and signed["sigkey"] == a
    assert "data/signed/%s/noarch/kjs-a-1.0-1.noarch.rpm" % a in signed["location"]
    assert found["kjs-c.noarch"]["path"].startswith(cache + "/packages/kjs-c/")
    # a damaged cached copy is downloaded again
    with open(signed["path"], "r+b") as f:
        f.seek(200)
        f.write(b"\0" * 64)
    assert pkgset(compose)["kjs-a.noarch"]["sigkey"] == a
    original = os.path.join(koji["hub"].root, signed["location"])
    with open(signed["path"], "rb") as f, open(original, "rb") as g:
        assert f.read() == g.read()


def test_a_damaged_file_in_koji_is_one_error(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    build = hub.import_rpms(koji["rpms"]("kjt-damaged", "1.0"))[0]
    hub.add_tag("kj-damaged")
    hub.tag_build("kj-damaged", build["nvr"])
    path = os.path.join(hub.build_dir(build), "noarch", "kjt-damaged-1.0-1.noarch.rpm")
    os.unlink(path)
    shutil.copy(koji["rpms"]("kjt-damaged", "1.1")[0], path)  # another file under the name
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-damaged")
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), path,
                          "header says kjt-damaged-0:1.1-1.noarch", "koji says kjt-damaged-0:1.0-1.noarch")


def test_a_hub_that_is_offline_for_a_while_is_retried(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child")
    hub.fail_next(2)  # the profile allows 2 retries
    assert "kjt-override.noarch" in pkgset(compose)
    hub.fail_next(100)
    try:
        done = command("punji-pkgset", "--arch", "x86_64", compose)
    finally:
        hub.fail_next(0)
    assert_one_line_error(done, "koji hub http://127.0.0.1:", "failed after 3 tries", "offline")


def _names(compose, arch="x86_64"):
    return {"%s.%s" % (p["name"], p["arch"]) for p in packages(compose, arch)}


def test_a_pinned_event_hides_what_was_tagged_later(koji, tmp_path, demo_copy):
    hub, rpms = koji["hub"], koji["rpms"]
    hub.add_tag("kj-pinned")
    early, late = hub.import_rpms(rpms("kjt-pin-early", "1.0") + rpms("kjt-pin-late", "1.0"))
    hub.tag_build("kj-pinned", early["nvr"])
    pinned = hub.event
    hub.tag_build("kj-pinned", late["nvr"])
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-pinned", koji_event=pinned)
    done = make(compose, "work/x86_64/state/pkgset.json", "work/i386/state/pkgset.json")
    assert done.returncode == 0, done.stdout
    assert _names(compose) == _names(compose, "i386") == {"kjt-pin-early.noarch"}
    assert read_json(compose, "work/global/koji-event") == {"id": pinned, "ts": hub.events[pinned]}
    assert read_json(compose, "work/x86_64/state/pkgset.json")["koji_event"] == pinned
    # a resumed make (the set's state gone, as after a failure) asks Koji again, at the same event
    os.unlink(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    calls = len(hub.calls)
    done = make(compose, "work/x86_64/state/pkgset.json")
    assert done.returncode == 0, done.stdout
    assert "listTaggedRPMS" in hub.calls[calls:]
    assert _names(compose) == {"kjt-pin-early.noarch"}
    # --koji-event beats the option; it may name a compose whose event to take
    conf = tmp_path / "conf" / "demo.conf"
    later = command("punji-init", conf, "--target-dir", tmp_path / "later", "--test", "--koji-event", hub.event,
                    check=True).stdout.strip()
    assert read_json(later, "work/global/compose-request.json")["koji_event"] == hub.event
    assert set(pkgset(later)) == {"kjt-pin-early.noarch", "kjt-pin-late.noarch"}
    same = command("punji-init", conf, "--target-dir", tmp_path / "same", "--test", "--koji-event", compose,
                   check=True).stdout.strip()
    assert set(pkgset(same)) == {"kjt-pin-early.noarch"}
    assert read_json(same, "work/global/koji-event")["id"] == pinned

    # 0 is no event, as in Pungi: --koji-event 0 leaves the option's event, an option of 0 the last
    unpinned = command("punji-init", conf, "--target-dir", tmp_path / "zero", "--test", "--koji-event", "0",
                       check=True).stdout.strip()
    assert set(pkgset(unpinned)) == {"kjt-pin-early.noarch"}
    last = koji_compose(tmp_path / "zero-option", demo_copy, pkgset_koji_tag="kj-pinned", koji_event=0)
    assert set(pkgset(last)) == {"kjt-pin-early.noarch", "kjt-pin-late.noarch"}
    assert read_json(last, "work/global/koji-event")["id"] == hub.event


def test_without_a_pin_every_arch_reads_the_event_of_the_first(koji, tmp_path, demo_copy):
    hub, rpms = koji["hub"], koji["rpms"]
    hub.add_tag("kj-unpinned")
    early, late = hub.import_rpms(rpms("kjt-unpin-early", "1.0") + rpms("kjt-unpin-late", "1.0"))
    hub.tag_build("kj-unpinned", early["nvr"])
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unpinned")
    assert set(pkgset(compose)) == {"kjt-unpin-early.noarch"}
    event = read_json(compose, "work/global/koji-event")["id"]
    hub.tag_build("kj-unpinned", late["nvr"])
    assert set(pkgset(compose, "i386")) == {"kjt-unpin-early.noarch"}
    assert read_json(compose, "work/i386/state/pkgset.json")["koji_event"] == event < hub.event


def test_a_bad_event_is_one_error(koji, tmp_path, demo_copy):
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-child", koji_event=99999)
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "koji event 99999",
                          "koji_event", "getEvent")
    assert not os.path.exists(os.path.join(compose, "work/global/koji-event"))
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    done = command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "2", "--test",
                   "--koji-event", tmp_path / "no-compose")
    assert_one_line_error(done, "--koji-event", "no-compose is neither an event id nor a compose directory")
    assert not os.path.exists(tmp_path / "2")
    # punji-compose passes --koji-event on (it beats the option's 99999)
    done = command("punji-compose", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "3", "--test",
                   "--koji-event", "99998", "-j", "2")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    last = done.stderr.splitlines()[-1]  # make's output comes before it
    assert last.startswith("punji-compose: error: compose DOOMED: pkgset") and "koji event 99998" in last, last
    assert read_json(done.stdout.strip(), "work/global/compose-request.json")["koji_event"] == 99998


def _cached(cache):
    """The files in the download cache CACHE by path relative to it (lock files left out)."""
    return sorted(os.path.relpath(os.path.join(d, f), cache) for d, _dirs, names in os.walk(cache)
                  for f in names if not f.endswith(".lock"))


def test_composes_share_the_koji_cache(koji, tmp_path, demo_copy):
    """Several package sets at once (two composes, two arches) download into one koji_cache:
    each file once, laid out as in Koji's storage, intact."""
    hub, files = koji["hub"], koji["files"]
    cache = tmp_path / "koji-cache"
    composes = [koji_compose(tmp_path / str(i), demo_copy, profile=HTTP_PROFILE, pkgset_koji_tag="demo",
                             koji_cache=str(cache)) for i in (1, 2)]
    before = dict(files.gets)
    runs = [subprocess.Popen([os.path.join(BIN, "punji-pkgset"), "--arch", arch, compose], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for compose in composes for arch in ("x86_64", "i386")]
    for run in runs:
        _out, err = run.communicate()
        assert run.returncode == 0, err
    cached = _cached(cache)
    assert cached and all(c.startswith("packages/") for c in cached)
    assert not [c for c in cached if c.endswith(".part")]
    for rel in cached:
        assert files.gets.get(rel, 0) - before.get(rel, 0) == 1, rel
        with open(cache / rel, "rb") as f, open(os.path.join(hub.root, rel), "rb") as g:
            assert f.read() == g.read(), rel
    for compose in composes:
        records = packages(compose)
        assert records and {r["location"] for r in records} <= set(cached)
        assert all(r["path"] == os.path.join(cache, r["location"]) for r in records)
        own = os.path.join(compose, "work/x86_64/pkgset/cache")  # the solver's .solv files only
        assert not os.path.exists(own) or os.listdir(own) == ["solv"]


def test_a_damaged_file_in_the_koji_cache_is_downloaded_again(koji, tmp_path, demo_copy):
    a, files, hub = koji["a"], koji["files"], koji["hub"]
    cache = tmp_path / "koji-cache"
    options = dict(profile=HTTP_PROFILE, pkgset_koji_tag="kj-http", sigkeys=[a, None])
    first = koji_compose(tmp_path, demo_copy, koji_cache="../koji-cache", **options)  # from the config's directory
    found = pkgset(first)
    signed, unsigned = found["kjs-a.noarch"]["location"], found["kjs-c.noarch"]["location"]
    assert signed.endswith("data/signed/%s/noarch/kjs-a-1.0-1.noarch.rpm" % a)
    assert _cached(cache) == sorted([signed, unsigned])
    # damage the payload of one (its header still right), cut the other short
    with open(cache / signed, "r+b") as f:
        f.seek(-4, os.SEEK_END)
        f.write(b"\0" * 4)
    assert read_header(str(cache / signed))["sigkey"] == a
    with open(cache / unsigned, "r+b") as f:
        f.truncate(os.path.getsize(cache / unsigned) - 1000)
    before = dict(files.gets)
    second = koji_compose(tmp_path / "2", demo_copy, pkgset_allow_reuse=False, koji_cache=str(cache), **options)
    found = pkgset(second)
    assert (found["kjs-a.noarch"]["sigkey"], found["kjs-c.noarch"]["sigkey"]) == (a, None)
    for rel in (signed, unsigned):
        assert files.gets[rel] - before.get(rel, 0) == 1, rel
        with open(cache / rel, "rb") as f, open(os.path.join(hub.root, rel), "rb") as g:
            assert f.read() == g.read(), rel
        assert os.stat(cache / rel).st_mode & 0o044 == 0o044  # readable by the other users of the cache
    assert _cached(cache) == sorted([signed, unsigned])


def test_a_download_cut_short_is_one_error_and_leaves_nothing(koji, tmp_path, demo_copy):
    files, hub, rpms = koji["files"], koji["hub"], koji["rpms"]
    (build,) = hub.import_rpms(rpms("kjt-cut", "1.0"))
    hub.add_tag("kj-cut")
    hub.tag_build("kj-cut", build["nvr"])
    rel = "packages/kjt-cut/1.0/1/noarch/kjt-cut-1.0-1.noarch.rpm"
    cache = tmp_path / "koji-cache"
    compose = koji_compose(tmp_path, demo_copy, profile=HTTP_PROFILE, pkgset_koji_tag="kj-cut",
                           koji_cache=str(cache))
    files.cut.add(rel)
    try:
        done = command("punji-pkgset", "--arch", "x86_64", compose)
    finally:
        files.cut.discard(rel)
    assert_one_line_error(done, rel, "failed after 3 tries", "connection was closed after")
    assert files.gets[rel] == 3
    assert _cached(cache) == []
    assert set(pkgset(compose)) == {"kjt-cut.noarch"}
    assert _cached(cache) == [rel]
