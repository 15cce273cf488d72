"""jsonio.pretty writes exactly what json.dumps(sort_keys, indent) writes, only faster."""

import json
import random

import pytest

from punji_lib.compose import jsonio


def sample(rng, depth=0):
    kinds = ["str", "int", "float", "none", "bool"] + (["dict", "list"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "dict":
        return {rng.choice(["a", "b", "é", "k\"q", "z\u2028", "0"]) + str(n): sample(rng, depth + 1)
                for n in range(rng.randint(0, 4))}
    if kind == "list":
        return [sample(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {"str": lambda: rng.choice(["", "x", "ünï", "tab\t", "\\back", "\x01"]),
            "int": lambda: rng.randint(-10 ** 12, 10 ** 12), "float": lambda: rng.choice([0.5, -0.0, 1e300, 3.14]),
            "none": lambda: None, "bool": lambda: rng.choice([True, False])}[kind]()


@pytest.mark.parametrize("seed", range(40))
def test_pretty_is_json_dumps_with_indent(seed):
    rng = random.Random(seed)
    data = {"root": sample(rng), "list": [sample(rng) for _ in range(3)]}
    for indent, ascii_only in ((2, False), (4, True)):
        expected = json.dumps(data, sort_keys=True, indent=indent, separators=(",", ": "), ensure_ascii=ascii_only)
        assert jsonio.pretty(data, indent, ascii_only) == expected
    assert jsonio.dumps(data) == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(jsonio.dumps(data, compact=True)) == data


def test_a_killed_writers_temp_file_goes_a_running_ones_stays(tmp_path):
    """Several commands write STATUS at once: one must not remove the temp file another is about
    to rename, while what a killed writer left is cleaned up."""
    import subprocess

    from punji_lib.compose import jsonio

    running = subprocess.Popen(["sleep", "30"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        mine = tmp_path / (".STATUS.%d.abc123.tmp" % running.pid)
        left = tmp_path / (".STATUS.%d.def456.tmp" % dead.pid)
        old_style = tmp_path / ".STATUS.ghi789.tmp"
        for path in (mine, left, old_style):
            path.write_text("x")
        jsonio.write_text(str(tmp_path / "STATUS"), "DOOMED\n")
        assert mine.exists() and not left.exists() and not old_style.exists()
        assert (tmp_path / "STATUS").read_text() == "DOOMED\n"
    finally:
        running.kill()
        running.wait()


def test_a_full_disk_while_writing_names_the_file(tmp_path, monkeypatch):
    import errno
    import os

    from punji_lib.errors import as_user_error

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "state.json"
    with pytest.raises(OSError) as caught:
        jsonio.write_text(str(target), "{}\n", durable=True)
    assert str(target) in str(as_user_error(caught.value))
    assert os.listdir(tmp_path) == []


def test_only_the_marks_make_reads_wait_for_the_disk(tmp_path, monkeypatch):
    """A state file (make's mark that a target is done) and STATUS are fsynced before their
    rename; the hundreds of other files a compose writes are not, each sync costing a wait."""
    import os

    from punji_lib.compose import state, status

    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink("/proc/self/fd/%d" % fd)) or real(fd))
    jsonio.write_json(str(tmp_path / "metadata.json"), {"a": 1})
    assert synced == []
    path = state.write(str(tmp_path), "init")
    assert len(synced) == 1 and os.path.basename(synced[0]).startswith(".init.json.")
    assert json.loads(open(path).read())["phase"] == "init"
    status.set_status(str(tmp_path), "STARTED")
    assert len(synced) == 2 and os.path.basename(synced[1]).startswith(".STATUS.")
