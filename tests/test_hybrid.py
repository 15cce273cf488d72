"""Pungi's hybrid gather method on the modular test product (tests/data/modular), checked
package by package against the rules of Pungi 4.3.2's method_hybrid and the fus solver it runs."""

import json
import os
import re
import shutil

import pytest

from conftest import MODULAR, command, make

VARIANTS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE variants PUBLIC "-//Red Hat, Inc.//DTD Variants info//EN" "variants.dtd">
<variants>
  <variant id="Server" name="Server" type="variant">
    <arches><arch>x86_64</arch></arches>
    <groups><group default="true">core</group></groups>
    <modules><module>modnode:18</module></modules>
  </variant>
  <variant id="Web" name="Web" type="variant">
    <arches><arch>x86_64</arch></arches>
    <modules><module>modweb:2</module></modules>
  </variant>
  <variant id="Plain" name="Plain" type="variant">
    <arches><arch>x86_64</arch></arches>
    <groups><group default="true">core</group></groups>
  </variant>
</variants>
"""


def hybrid_product(top, repo, extra=""):
    """The modular product with VARIANTS, every variant hybrid but Plain (the last pattern
    matching it is a dict per source); its config's path."""
    shutil.copytree(MODULAR, top / "modular", ignore=shutil.ignore_patterns("specs"))
    (top / "modular" / "variants.xml").write_text(VARIANTS)
    conf = top / "modular" / "modular.conf"
    text = conf.read_text().replace("../../../build/modular-repo", str(repo))
    text = re.sub(r"gather_method = \{.*?\n\}\n", "", text, flags=re.S)
    conf.write_text(text + 'gather_method = {"^.*$": "hybrid", "^Plain$": {"module": "deps", "comps": "nodeps"}}\n'
                    + extra)
    return conf


def gather(top, conf):
    topdir = command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()
    done = make(topdir, "-j2", "gather")
    assert done.returncode == 0, done.stdout
    return topdir


def solved(topdir, uid):
    with open(os.path.join(topdir, "work/x86_64/gather/%s.json" % uid)) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def compose(tmp_path_factory, modular_repo):
    top = tmp_path_factory.mktemp("hybrid")
    return gather(top, hybrid_product(top, modular_repo))
