"""Every command keeps the contract: --help with an example, a man page, clean errors."""

import configparser
import os
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
    assert "example:" in page or "EXAMPLE" in page.upper()
    committed = os.path.join(ROOT, "man", name + ".1")
    assert os.path.exists(committed), "run `make man` and commit man/%s.1" % name


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
