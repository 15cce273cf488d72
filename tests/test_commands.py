"""Every command keeps the contract: --help with an example, a man page, clean errors."""

import configparser
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, assert_one_line_error, command


def commands():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    lines = cfg["options.entry_points"]["console_scripts"].strip().splitlines()
    return sorted(line.split("=")[0].strip() for line in lines)


def test_there_are_commands():
    assert {"punji-init", "punji-compose", "punji-status", "punji-config-validate"} <= set(commands())


@pytest.mark.parametrize("name", commands())
def test_help_has_an_example(name):
    done = command(name, "--help", check=True)
    assert done.stdout.startswith("usage: %s" % name)
    assert "\nexample:\n  %s " % name in done.stdout


@pytest.mark.parametrize("name", commands())
def test_man_page_is_generated_from_the_parser(tmp_path, name):
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make-man-pages"), str(tmp_path), name],
                   check=True, stdout=subprocess.DEVNULL)
    page = (tmp_path / (name + ".1")).read_text()
    assert page.startswith('.TH %s "1"' % name.upper().replace("-", "\\-"))
    assert "\n.SH EXAMPLES\n.nf\n  %s " % name.replace("-", "\\-") in page
    committed = os.path.join(ROOT, "man", name + ".1")
    assert os.path.exists(committed), "run `make man` and commit man/%s.1" % name
    with open(committed) as f:
        assert undated(f.read()) == undated(page), "man/%s.1 is not its parser's: run `make man`" % name


@pytest.mark.parametrize("name", commands())
def test_no_text_line_of_a_man_page_is_read_as_a_troff_request(name):
    """A description wrapped before ".treeinfo" or ".template" started a line troff took for a
    request and dropped with the rest of its line."""
    with open(os.path.join(ROOT, "man", name + ".1")) as f:
        starts = [line.split(" ", 1)[0] for line in f.read().splitlines() if line[:1] in (".", "'")]
    assert set(starts) <= {".TH", ".SH", ".SS", ".TP", ".B", ".I", ".BR", ".IR", ".PP", ".RS", ".RE", ".IP", ".nf",
                           ".fi"}, starts


def undated(page):
    """A man page without the date of its .TH line."""
    return re.sub(r'^(\.TH \S+ "1") "[^"]*"', r"\1", page)


@pytest.mark.parametrize("name", ["punji-finish", "punji-makefile", "punji-status"])
def test_a_directory_that_is_no_compose_is_one_error(tmp_path, name):
    assert_one_line_error(command(name, tmp_path), str(tmp_path))


@pytest.mark.parametrize("name", commands())
def test_no_heavy_import_at_start(name):
    """Start-up cost: the heavy libraries load only where the work needs them."""
    module = "punji_lib.commands." + name[len("punji-"):].replace("-", "_")
    code = "import sys, %s; print(' '.join(sorted(m for m in %r if m in sys.modules)))" % (
        module, ("koji", "solv", "createrepo_c", "productmd", "libcomps", "jsonschema", "lxml", "kobo"))
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True)
    assert done.stdout.strip() == ""


class _Writes:
    """A stderr that records each write, as the fd of a compose log sees them."""

    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append(text)
        return len(text)

    def flush(self):
        pass


def test_the_error_and_warning_lines_reach_stderr_in_one_write_each(monkeypatch):
    """stderr writes through: print's two writes (the line, then its newline) let the line of a
    command make runs beside this one come between them in the compose log."""
    import argparse

    from punji_lib.commands import cli
    from punji_lib.errors import PunjiError
    from punji_lib.log import warn

    stderr = _Writes()
    monkeypatch.setattr(sys, "stderr", stderr)

    def work(args):
        warn("punji-x", "a warning")
        raise PunjiError("no tree for an extra ISO")

    assert cli.run(argparse.ArgumentParser(prog="punji-x"), work, []) == 1
    assert stderr.writes == ["punji-x: warning: a warning\n", "punji-x: error: no tree for an extra ISO\n"]


def test_a_phase_runs_with_young_collections_far_apart(tmp_path, monkeypatch):
    """A phase command's records (tens of thousands) are not gone over by a collection every
    700 new objects: its job runs with young collections every cli.GC_YOUNG new objects."""
    import gc

    from punji_lib.commands import cli

    (tmp_path / "COMPOSE_ID").write_text("X-1-20261206.n.0")
    seen = []
    before = gc.get_threshold()
    monkeypatch.setattr(gc, "set_threshold", lambda *t: seen.append(t))
    build_parser, _main = cli.phase_command("finish", "what", "punji-finish .", scope="compose")

    def job(topdir, variant, arch):
        raise AssertionError("not reached")

    cli.run_phase(build_parser(), "finish", job, [str(tmp_path / "none")])
    assert seen == [(max(cli.GC_YOUNG, before[0]),) + before[1:]] and cli.GC_YOUNG >= 50000
