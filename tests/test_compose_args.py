"""punji-compose and punji-init take pungi-koji's command line: --config, --compose-dir,
--no-label, --supported, --old-composes, --skip-phase, --just-phase, --print-output-dir,
--quiet, --parent-compose-id, --respin-of and --version, as pungi-koji 4.3.2 has them."""

import glob
import os
import subprocess

from conftest import BIN, assert_one_line_error, command, read_json



def states(topdir, phase):
    return [read_json(p) for p in glob.glob(os.path.join(topdir, "work", "*", "state", phase + "*.json"))]


def targets(topdir):
    return {t["phase"] for t in read_json(os.path.join(topdir, "work", "global", "targets.json"))["targets"]}


def test_a_pungi_koji_command_line_composes(tmp_path, demo_copy):
    """The arguments a pungi-koji run is given: the compose dir printed first, make's output
    kept to the log, the skipped phases left out, the CTS ids kept in the request."""
    (tmp_path / "out").mkdir()
    done = command("punji-compose", "--config", demo_copy / "demo.conf", "--target-dir", tmp_path / "out",
                   "--no-label", "--nightly", "--skip-phase=createiso", "--skip-phase", "repoclosure",
                   "--print-output-dir", "--quiet", "--parent-compose-id", "PDL-1-20261201.n.0",
                   "--respin-of", "PDL-1-20261202.n.0")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    topdir = lines[-1]
    assert lines[0] == "Compose dir: %s" % topdir and topdir.endswith(".n.0")
    assert "punji-createrepo" not in done.stderr  # make's echo goes to the log alone
    assert "punji-createrepo" in open(os.path.join(topdir, "logs", "global", "compose.log")).read()
    assert open(os.path.join(topdir, "STATUS")).read().strip() == "FINISHED"
    assert not glob.glob(os.path.join(topdir, "compose", "*", "*", "iso", "*.iso"))
    assert "repoclosure" not in targets(topdir) and "createrepo" in targets(topdir)
    options = read_json(os.path.join(topdir, "work", "global", "compose-request.json"))["options"]
    assert options["parent_compose_ids"] == ["PDL-1-20261201.n.0"] and options["respin_of"] == "PDL-1-20261202.n.0"


def test_just_phase_skips_every_other_phase_but_those_always_made(tmp_path, demo_copy):
    done = command("punji-init", demo_copy / "demo.conf", "--target-dir", tmp_path, "--test",
                   "--just-phase", "pkgset", "--just-phase", "gather", check=True)
    made = targets(done.stdout.strip())
    assert {"init", "pkgset", "gather", "imagechecksum", "finish"} <= made
    assert not made & {"createrepo", "repoclosure", "test"}
    # createiso's global step stays (it lists the Koji phases' images for imagechecksum), no tree's
    assert all(t["variant"] is None for t in read_json(os.path.join(done.stdout.strip(), "work", "global",
                                                                    "targets.json"))["targets"]
               if t["phase"] == "createiso")
    conf = read_json(os.path.join(done.stdout.strip(), "work", "global", "config.json"))
    assert "createrepo" in conf["skip_phases"] and "gather" not in conf["skip_phases"]


def test_a_phase_another_needs_cannot_be_skipped_alone(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    for args, named in ((["--skip-phase", "pkgset"], "phase pkgset is skipped"),
                        (["--just-phase", "createrepo"], "phase gather is skipped")):
        done = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", *args)
        assert_one_line_error(done, named, "needs it")
    _refused_before_a_compose(tmp_path, conf, "\nskip_phases = ['gather']\n",
                              "phase gather is skipped", "createrepo needs it")


def test_deltas_without_old_composes_are_refused_before_a_compose_is_made(tmp_path, demo_copy):
    # pungi-koji 4.3.2 validates its phases first: createrepo cannot make deltas without an old compose
    _refused_before_a_compose(tmp_path, demo_copy / "demo.conf", "\ncreaterepo_deltas = True\n",
                              "option 'createrepo_deltas'", "--old-composes")


def test_a_release_version_productmd_refuses_is_refused_before_a_compose_is_made(tmp_path, demo_copy):
    # pungi-koji 4.3.2 makes its ComposeInfo first: productmd takes no "24.03-LTS" (openEuler's form)
    _refused_before_a_compose(tmp_path, demo_copy / "demo.conf", "\nrelease_version = '24.03-LTS'\n",
                              "demo.conf:", "option 'release_version'", "'24.03-LTS'", "Rawhide")


def _refused_before_a_compose(tmp_path, conf, added, *says):
    """punji-init of CONF with ADDED at its end fails with one line saying SAYS, making nothing."""
    conf.write_text(conf.read_text() + added)
    assert_one_line_error(command("punji-init", conf, "--target-dir", tmp_path / "out", "--test"), *says)
    assert not os.path.exists(tmp_path / "out")


def test_a_production_compose_needs_a_label_or_no_label(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    done = command("punji-compose", conf, "--target-dir", tmp_path / "a")
    assert_one_line_error(done, "a production compose needs a label", "--no-label")
    assert not os.path.exists(tmp_path / "a") or not os.listdir(tmp_path / "a")
    labelled = command("punji-init", conf, "--target-dir", tmp_path / "b", "--label", "RC-1.0", check=True)
    request = read_json(os.path.join(labelled.stdout.strip(), "work", "global", "compose-request.json"))
    assert request["label"] == "RC-1.0"
    unlabelled = command("punji-init", conf, "--target-dir", tmp_path / "c", "--no-label", check=True)
    request = read_json(os.path.join(unlabelled.stdout.strip(), "work", "global", "compose-request.json"))
    assert request["compose_type"] == "production" and request["label"] is None


def test_the_config_is_named_once_either_way(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    other = demo_copy / "other.conf"
    other.write_text(conf.read_text())
    assert_one_line_error(command("punji-compose", conf, "--config", other, "--target-dir", tmp_path, "--test"),
                          "two config files given")
    assert_one_line_error(command("punji-compose", "--target-dir", tmp_path, "--test"), "a config file is needed")
    same = command("punji-init", conf, "--config", conf, "--target-dir", tmp_path, "--test")
    assert same.returncode == 0, same.stderr


def test_old_composes_names_where_the_old_compose_is(tmp_path, demo_copy):
    """Taken over from the newest finished compose in --old-composes' directories, not from
    the target directory's."""
    conf = demo_copy / "demo.conf"
    first = command("punji-compose", conf, "--target-dir", tmp_path / "one", "--test", check=True).stdout.split()[-1]
    second = command("punji-compose", conf, "--target-dir", tmp_path / "two", "--test",
                     "--old-composes", tmp_path / "one", check=True).stdout.split()[-1]
    assert {s.get("reused_from") for s in states(second, "pkgset")} == {os.path.basename(first)}
    third = command("punji-compose", conf, "--target-dir", tmp_path / "one", "--test",
                    "--old-composes", tmp_path / "none", check=True).stdout.split()[-1]
    assert os.path.dirname(third) == os.path.dirname(first)
    assert not any("reused_from" in s for s in states(third, "pkgset"))


def test_supported_marks_the_images_supported(tmp_path, demo_copy):
    """(composeinfo has its final flag only with a label, as productmd writes it.)"""
    done = command("punji-compose", demo_copy / "demo.conf", "--target-dir", tmp_path, "--test", "--supported",
                   check=True)
    topdir = done.stdout.split()[-1]
    images = glob.glob(os.path.join(topdir, "compose", "*", "*", "iso", "*.iso"))
    assert images
    for path in images:
        check = subprocess.run(["checkisomd5", "--md5sumonly", path], capture_output=True, text=True)
        assert "Supported ISO: yes" in check.stdout


def test_compose_dir_makes_the_compose_there_then_goes_on_with_it(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    where = tmp_path / "mine"
    first = command("punji-compose", conf, "--compose-dir", where, "--test", check=True)
    assert first.stdout.split()[-1] == str(where)
    assert open(where / "COMPOSE_ID").read().strip().endswith(".t.0")
    (where / "STATUS").write_text("DOOMED\n")
    os.unlink(where / "work" / "global" / "state" / "finish.json")
    again = command("punji-compose", "--compose-dir", where, check=True)
    assert again.stdout.split()[-1] == str(where)
    assert open(where / "STATUS").read().strip() == "FINISHED"
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    assert_one_line_error(command("punji-compose", conf, "--compose-dir", tmp_path / "busy", "--test"),
                          "holds files but no compose")
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_version_names_punji_and_the_pungi_it_follows():
    done = command("punji-compose", "--version", check=True)
    assert done.stdout.startswith("punji-compose ") and "Pungi 4.3.2" in done.stdout


def test_a_strict_umask_is_warned_of_as_pungi_koji_does(tmp_path, demo_copy):
    argv = [os.path.join(BIN, "punji-init"), str(demo_copy / "demo.conf"), "--target-dir", str(tmp_path), "--test"]
    strict = subprocess.run(argv, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o077))
    assert strict.returncode == 0, strict.stderr
    assert "punji-init: warning: the umask 0077 is stricter than 0022" in strict.stderr
    usual = subprocess.run(argv, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022))
    assert "umask" not in usual.stderr
