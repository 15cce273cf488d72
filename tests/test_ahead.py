"""Work done ahead in a forked child (punji_lib/ahead.py)."""

import logging

from punji_lib import ahead


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _fail(message):
    raise RuntimeError(message)


def test_the_child_does_the_work_and_the_wait_says_it_finished(tmp_path):
    out = tmp_path / "out.txt"
    wait = ahead.start("a file", _write, str(out), text="made in the child")
    assert wait() is True
    assert out.read_text() == "made in the child"


def test_a_failing_child_is_logged_and_left_to_the_caller(tmp_path):
    log_file = tmp_path / "child.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger("punji").addHandler(handler)
    logging.getLogger("punji").setLevel(logging.INFO)
    try:
        wait = ahead.start("the thing", _fail, "no space left")
        assert wait() is False
    finally:
        logging.getLogger("punji").removeHandler(handler)
        handler.close()
    assert "the thing not made ahead: no space left" in log_file.read_text()
