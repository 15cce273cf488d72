"""A nightly of a Koji package set with module builds reads the package set again when a file
of module_defaults_dir changed: the package set's modules.yaml carries the defaults, which
gather and createrepo take from it (tools/fuzz-nightly --koji --modules --seed 5000)."""

import glob
import gzip
import os

from conftest import command
from test_pkgset_koji_modules import koji, koji_product  # noqa: F401 (the hub fixture)
from test_reuse import rpms_payload, states, tree_files


def nightly(conf, target):
    done = command("punji-compose", conf, "--target-dir", target, "--nightly")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def repo_modules(topdir, uid):
    """The text of the modules.yaml in UID's x86_64 os repodata."""
    found = glob.glob(os.path.join(topdir, "compose", uid, "x86_64", "os", "repodata", "*modules.yaml.gz"))
    with gzip.open(found[0], "rt") as f:
        return f.read()


def test_a_module_defaults_file_changed_in_place_is_read_again(koji, tmp_path):  # noqa: F811
    conf = koji_product(tmp_path, pkgset_koji_module_tag="pmtl-modules")
    first = nightly(conf, tmp_path / "nightly")
    assert 'stream: "20"' in repo_modules(first, "Server")
    defaults = tmp_path / "modular" / "defaults" / "modnode.yaml"
    defaults.write_text(defaults.read_text().replace('stream: "20"', 'stream: "18"'))
    second = nightly(conf, tmp_path / "nightly")
    fresh = nightly(conf, tmp_path / "fresh")
    assert 'stream: "18"' in repo_modules(fresh, "Server")
    assert not [s for s in states(second, "pkgset").values() if "reused_from" in s]
    assert repo_modules(second, "Server") == repo_modules(fresh, "Server")
    assert tree_files(second) == tree_files(fresh)
    assert rpms_payload(second) == rpms_payload(fresh)
