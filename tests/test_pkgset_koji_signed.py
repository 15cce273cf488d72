"""punji-pkgset with pkgset_source = "koji": signed copies chosen by sigkeys, unsigned RPMs refused
or waited for, as Pungi 4.3.2 does (the local Koji test hub of koji_pkgset_hub)."""

import os

from conftest import assert_one_line_error, command, make, read_json
from koji_pkgset_hub import koji  # noqa: F401 (the fixture the tests take)
from koji_pkgset_hub import HTTP_PROFILE, PER_VARIANT_DEPS, PROFILE, koji_compose, pkgset
from kojihub import Signer
from punji_lib.rpms.headers import read_header


def test_the_first_sigkey_koji_has_wins(koji, tmp_path, demo_copy):
    a, b = koji["a"], koji["b"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-signed", sigkeys=[a.upper(), b])
    found = pkgset(compose)
    assert found["kjs-a.noarch"]["sigkey"] == a and "/data/signed/%s/noarch/" % a in found["kjs-a.noarch"]["path"]
    assert found["kjs-b.noarch"]["sigkey"] == b and "/data/signed/%s/noarch/" % b in found["kjs-b.noarch"]["path"]
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-signed", sigkeys=[b, a])
    assert {p["sigkey"] for p in pkgset(compose).values()} == {b}
    # None anywhere in the list allows the unsigned copy only when no key of it signed the RPM: Pungi
    # 4.3.2 looks for every signed copy first (found by tools/fuzz-compose-koji)
    for n, sigkeys in enumerate(([a, None, b], [None, b, a])):
        compose = koji_compose(tmp_path / str(n + 3), demo_copy, pkgset_koji_tag="kj-signed", sigkeys=sigkeys)
        found = pkgset(compose)
        assert found["kjs-a.noarch"]["sigkey"] == [a, b][n]  # the first key that signed it
        assert found["kjs-b.noarch"]["sigkey"] == b and "/data/signed/%s/" % b in found["kjs-b.noarch"]["path"]


def test_a_long_key_id_matches_no_signed_copy_as_pungi_does(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 looks for data/signed/<the key as written, lower-case>/: a long id ending in a
    # key's short one names no copy Koji writes
    a, b = koji["a"], koji["b"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-signed", sigkeys=["F00DF00D" + a.upper(), b, None])
    found = pkgset(compose)
    assert found["kjs-a.noarch"]["sigkey"] == b and "/data/signed/%s/noarch/" % b in found["kjs-a.noarch"]["path"]
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-signed", sigkeys=["f00df00d" + a, None])
    assert {p["sigkey"] for p in pkgset(compose).values()} == {None}
    assert not any("/data/signed/" in p["path"] for p in pkgset(compose).values())


def tagged_build(koji, tmp_path, word):
    """(hub, a new signer, build kjs-WORD-1.0 imported and tagged alone in tag kj-WORD)."""
    hub = koji["hub"]
    signer = Signer(tmp_path / "gpg", "Punji %s Key" % word.capitalize())
    build = hub.import_rpms(koji["rpms"]("kjs-" + word, "1.0"))[0]
    hub.add_tag("kj-" + word)
    hub.tag_build("kj-" + word, build["nvr"])
    return hub, signer, build


def test_a_signed_copy_koji_has_not_written_does_not_count(koji, tmp_path, demo_copy):
    hub, signer, build = tagged_build(koji, tmp_path, "unwritten")
    hub.sign(build["nvr"], signer, write=False)
    for profile in (PROFILE, HTTP_PROFILE):
        compose = koji_compose(tmp_path / profile, demo_copy, profile=profile, pkgset_koji_tag="kj-unwritten",
                               sigkeys=[signer.sigkey, None])
        assert pkgset(compose)["kjs-unwritten.noarch"]["sigkey"] is None
        compose = koji_compose(tmp_path / profile / "2", demo_copy, profile=profile, pkgset_koji_tag="kj-unwritten",
                               sigkeys=[signer.sigkey], gather_method=PER_VARIANT_DEPS)
        assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "1 packages are not signed",
                              "kjs-unwritten-0:1.0-1.noarch")


def test_a_pruned_copy_of_the_first_key_falls_through_to_the_next_key_as_pungi_does(koji, tmp_path, demo_copy):
    # koji prune-signed-copies deletes a copy and keeps its signature recorded: Pungi 4.3.2 looks
    # for each key's copy on disk in sigkeys' order (tools/fuzz-compose-koji --copies draws this)
    hub, first, build = tagged_build(koji, tmp_path, "pruned")
    second = Signer(tmp_path / "gpg2", "Punji Second Key")
    for signer in (first, second):
        hub.sign(build["nvr"], signer)
    hub.prune_signed(build["nvr"], first)
    rpm_id = next(r["id"] for r in hub.rpms.values() if r["build_id"] == build["id"])
    assert first.sigkey in {s["sigkey"] for s in hub.queryRPMSigs(rpm_id=rpm_id)}
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-pruned", sigkeys=[first.sigkey, second.sigkey])
    found = pkgset(compose)["kjs-pruned.noarch"]
    assert found["sigkey"] == second.sigkey and "/data/signed/%s/noarch/" % second.sigkey in found["path"]
    hub.prune_signed(build["nvr"], second)
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-pruned",
                           sigkeys=[first.sigkey, second.sigkey, None])
    assert pkgset(compose)["kjs-pruned.noarch"]["sigkey"] is None


def test_a_header_only_signature_is_chosen_by_its_key_and_listed_without_it(koji, tmp_path, demo_copy):
    hub = koji["hub"]
    signer = Signer(tmp_path / "gpg", "Punji Header Key", rpmv3=False)
    build = hub.import_rpms(koji["rpms"]("kjs-header-only", "1.0"))[0]
    hub.add_tag("kj-header-only")
    hub.tag_build("kj-header-only", build["nvr"])
    hub.sign(build["nvr"], signer)
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-header-only", sigkeys=[signer.sigkey])
    found = pkgset(compose)["kjs-header-only.noarch"]
    # the copy signed with the key is taken, but Pungi (kobo) sees no key in a header-only
    # signature and lists the package with sigkey null
    assert "/data/signed/%s/noarch/" % signer.sigkey in found["path"]
    assert read_header(found["path"])["sigkey"] == signer.sigkey
    assert found["sigkey"] is None


def test_unsigned_packages_are_one_error_unless_none_is_allowed(koji, tmp_path, demo_copy):
    a = koji["a"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a],
                           gather_method=PER_VARIANT_DEPS)
    line = assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose),
                                 "1 packages are not signed with any key of sigkeys", "kjs-c-0:1.0-1.noarch")
    assert "kjs-a" not in line
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/pkgset.json"))
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a, None])
    found = pkgset(compose)
    assert (found["kjs-a.noarch"]["sigkey"], found["kjs-c.noarch"]["sigkey"]) == (a, None)


def test_with_several_tags_the_error_names_the_unsigned_rpms_of_the_first_tag_that_has_some(
        koji, tmp_path, demo_copy):
    # found by tools/fuzz-compose-koji --comps seed 4110: Pungi 4.3.2 populates a package set per
    # tag, in order, and fails on the first one with unsigned RPMs, naming only those
    a = koji["a"]
    for n, (tags, named, left_out) in enumerate([(["kj-unsigned", "kj-child"], "kjs-c-0:1.0-1.noarch", "kjt-"),
                                                 (["kj-child", "kj-unsigned"], "kjt-override-0:2.0", "kjs-c")]):
        compose = koji_compose(tmp_path / str(n), demo_copy, pkgset_koji_tag=tags, sigkeys=[a],
                               gather_method=PER_VARIANT_DEPS)
        line = assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose),
                                     "packages are not signed with any key of sigkeys", named)
        assert left_out not in line


def test_with_no_tree_left_the_source_rpms_are_still_read_and_their_signatures_checked(koji, tmp_path, demo_copy):
    # found by tools/fuzz-compose-koji --seed 1807: tree_variants left no tree; Pungi 4.3.2 still
    # reads the tag's source RPMs and fails on unsigned ones, punji made an empty compose
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="demo", sigkeys=[koji["a"]],
                           gather_method=PER_VARIANT_DEPS, tree_variants=["NoSuchVariant"])
    assert "work/src/state/pkgset.json" in [t["target"] for t in read_json(compose, "work/global/targets.json")["targets"]]
    done = make(compose)
    assert done.returncode != 0
    assert open(os.path.join(compose, "STATUS")).read().strip() == "DOOMED"
    line = assert_one_line_error(command("punji-pkgset", "--arch", "src", compose),
                                 "packages are not signed with any key of sigkeys", "demo-coreutils-0:9.3-4.pdl1.src")
    assert ".noarch" not in line and ".x86_64" not in line
    # the line names five and says how many more; the log names every one (as Pungi's does)
    listed = line.split(": ", 2)[2].split(" and ")[0].split(", ")
    more = int(line.rsplit(" and ", 1)[1].split()[0])
    logged = [x for x in open(os.path.join(compose, "logs", "src", "pkgset.log")) if "not signed with any key" in x]
    assert len(logged[0].rsplit(": ", 1)[1].split()) == len(listed) + more
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="demo", tree_variants=["NoSuchVariant"])
    done = make(compose)
    assert done.returncode == 0, done.stdout
    assert open(os.path.join(compose, "STATUS")).read().strip() == "FINISHED"


def test_with_deps_an_unsigned_rpm_no_variant_asks_for_waits_for_the_gather(koji, tmp_path, demo_copy):
    # Pungi 4.3.2 with gather_method "deps" takes an RPM no key signed unsigned when its name is none
    # it knows the compose takes, and its deps method fails when a variant takes it; a name it
    # knows (additional_packages as written) fails the package set (found by tools/fuzz-compose-koji)
    a = koji["a"]
    extra = [("^Server$", {"*": ["kjs-*"]})]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a], gather_method="deps",
                           additional_packages=extra, check_deps=False)
    found = pkgset(compose)
    assert (found["kjs-a.noarch"]["sigkey"], found["kjs-a.noarch"].get("invalid_sigkey")) == (a, None)
    assert (found["kjs-c.noarch"]["sigkey"], found["kjs-c.noarch"]["invalid_sigkey"]) == (None, True)
    assert "/data/signed/" not in found["kjs-c.noarch"]["path"]
    for uid in ("Server", "Client"):
        command("punji-gather", "--variant", uid, "--arch", "x86_64", compose, check=uid != "Server")
    done = command("punji-gather", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "Server.x86_64: kjs-c-0:1.0-1.noarch not signed with any key of sigkeys")
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-unsigned", sigkeys=[a],
                           gather_method="deps", additional_packages=[("^Server$", {"*": ["kjs-c.noarch"]})])
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose),
                          "1 packages are not signed with any key of sigkeys", "kjs-c-0:1.0-1.noarch")


def test_a_key_not_in_sigkeys_does_not_count(koji, tmp_path, demo_copy):
    a, hub = koji["a"], koji["hub"]
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-late", sigkeys=[a],
                           signed_packages_retries=2, signed_packages_wait=0, gather_method=PER_VARIANT_DEPS)
    signer = Signer(tmp_path / "gpg-late", "Punji Late Key")
    hub.after_call("queryRPMSigs", lambda: hub.sign("kjs-late-1.0-1", signer))
    assert_one_line_error(command("punji-pkgset", "--arch", "x86_64", compose), "kjs-late-0:1.0-1.noarch",
                          "after 2 retries")  # signed, but with a key not in sigkeys
    calls = hub.calls.count("queryRPMSigs")
    compose = koji_compose(tmp_path / "2", demo_copy, pkgset_koji_tag="kj-late", sigkeys=[signer.sigkey],
                           signed_packages_retries=0, signed_packages_wait=0)
    assert pkgset(compose)["kjs-late.noarch"]["sigkey"] == signer.sigkey
    assert hub.calls.count("queryRPMSigs") == calls + 1


def test_a_signature_is_retried_until_it_appears(koji, tmp_path, demo_copy):
    hub, signer, build = tagged_build(koji, tmp_path, "retry")
    compose = koji_compose(tmp_path, demo_copy, pkgset_koji_tag="kj-retry", sigkeys=[signer.sigkey],
                           signed_packages_retries=3, signed_packages_wait=0)
    hub.after_call("queryRPMSigs", lambda: hub.sign(build["nvr"], signer))
    calls = hub.calls.count("queryRPMSigs")
    assert pkgset(compose)["kjs-retry.noarch"]["sigkey"] == signer.sigkey
    assert hub.calls.count("queryRPMSigs") == calls + 2  # unsigned at the first look, signed at the second
