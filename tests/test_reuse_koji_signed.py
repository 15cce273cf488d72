"""A nightly's Koji package set is read again when a build it holds got a signed copy of a key
sigkeys puts before the copy the old set took: a fresh compose takes that copy (Koji's tag
history does not see a signature; the local Koji test hub of koji_pkgset_hub)."""

import os

from conftest import command, read_json
from koji_pkgset_hub import koji  # noqa: F401 (the fixture the tests take)
from koji_pkgset_hub import koji_compose, pkgset
from kojihub import Signer


def finished(compose):
    with open(os.path.join(compose, "STATUS"), "w") as f:
        f.write("FINISHED\n")  # as make would leave it; only STATUS and state files are read
    return compose


def test_a_copy_signed_since_with_an_earlier_key_is_taken(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    signer = Signer(tmp_path / "gpg", "Punji Later Key")
    (build,) = hub.import_rpms(koji["rpms"]("kjs-later", "1.0"))
    hub.add_tag("kj-later")
    hub.tag_build("kj-later", build["nvr"])
    first = finished(koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-later", sigkeys=[signer.sigkey, None]))
    assert pkgset(first)["kjs-later.noarch"]["sigkey"] is None
    hub.sign(build["nvr"], signer)
    second = command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "composes",
                     "--test", check=True).stdout.strip()
    taken = pkgset(second)["kjs-later.noarch"]
    assert taken["sigkey"] == signer.sigkey and "/data/signed/%s/" % signer.sigkey in taken["path"]
    assert not read_json(second, "work/x86_64/state/pkgset.json").get("reused")
    # the set stays taken over while no earlier key signed anything since
    third = command("punji-init", tmp_path / "conf" / "demo.conf", "--target-dir", tmp_path / "composes",
                    "--test", check=True).stdout.strip()
    finished(second)
    assert pkgset(third)["kjs-later.noarch"]["sigkey"] == signer.sigkey
    assert read_json(third, "work/x86_64/state/pkgset.json").get("reused_from") == os.path.basename(second)
