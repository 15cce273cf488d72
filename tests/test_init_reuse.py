"""init across composes (punji_lib/compose/init_reuse.py): a compose whose config, variants
and comps files are byte for byte those of a finished compose beside it copies that compose's
init outputs instead of making them again; they are then the files a fresh init writes. Any
changed input makes them anew."""

import os
import resource
import subprocess

import pytest

from conftest import BIN, command, make

COPIED = "copied from"


def init(conf, target, *args):
    done = command("punji-init", conf, "--target-dir", target, "--test", *args, check=True)
    topdir = done.stdout.strip().splitlines()[-1]
    return topdir, done.stderr


def finish(topdir):
    """What a compose that ran to its end says of itself: only a finished compose is copied from."""
    with open(os.path.join(topdir, "STATUS"), "w") as f:
        f.write("FINISHED\n")


def init_log(topdir):
    with open(os.path.join(topdir, "logs", "global", "init.log")) as f:
        return f.read()


def outputs(topdir):
    """{compose-relative path: bytes} of what init makes from its inputs."""
    found = {}
    for rel in ("Makefile", "work/global/targets.json", "work/global/config.json", "work/global/config-files.json",
                "work/global/variants.json"):
        found[rel] = open(os.path.join(topdir, rel), "rb").read()
    for top in ("work/global/config", "logs/global/config-copy") + tuple(
            "work/%s/comps" % arch for arch in ("x86_64", "i386", "aarch64", "s390x", "ppc64le")):
        if os.path.isdir(os.path.join(topdir, top)):
            for name in os.listdir(os.path.join(topdir, top)):
                found[os.path.join(top, name)] = open(os.path.join(topdir, top, name), "rb").read()
    return found


def test_a_second_init_of_the_same_inputs_copies_what_a_fresh_init_makes(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    second, _err = init(conf, tmp_path / "nightly")
    fresh, _err = init(conf, tmp_path / "fresh")
    assert COPIED not in init_log(first) and COPIED not in init_log(fresh)
    assert "%s %s" % (COPIED, first) in init_log(second)
    assert outputs(second) == outputs(fresh)
    # make takes the copied Makefile as it is: not newer than the state it is made after
    makefile = os.path.join(second, "Makefile")
    assert os.stat(makefile).st_mtime_ns >= os.stat(os.path.join(second, "work/global/state/init.json")).st_mtime_ns
    assert make(second, "-q", "Makefile").returncode == 0


def change_comps(demo_copy):
    path = demo_copy / "comps.xml"
    text = path.read_text()
    assert '<packagereq type="mandatory">demo-setup<' in text
    path.write_text(text.replace('<packagereq type="mandatory">demo-setup<', '<packagereq type="optional">demo-setup<'))


def change_variants(demo_copy):
    path = demo_copy / "variants.xml"
    text = path.read_text()
    assert "<arch>i386</arch>" in text
    path.write_text(text.replace("<arch>i386</arch>", "", 1))


def change_include(demo_copy):
    with open(demo_copy / "common.conf", "a") as f:
        f.write("\ncreaterepo_checksum = 'sha512'\n")


@pytest.mark.parametrize("change", [change_comps, change_variants, change_include])
def test_a_changed_input_makes_inits_outputs_anew(tmp_path, demo_copy, change):
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    change(demo_copy)
    second, _err = init(conf, tmp_path / "nightly")
    fresh, _err = init(conf, tmp_path / "fresh")
    assert COPIED not in init_log(second)
    assert outputs(second) == outputs(fresh) != outputs(first)


def cut_in_half(topdir, rel):
    path = os.path.join(topdir, rel)
    data = open(path, "rb").read()
    os.unlink(path)  # a new file: the compose copied from keeps its own
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])


@pytest.mark.parametrize("rel", ["work/global/config/gather.json", "work/global/variants.json",
                                 "work/global/targets.json", "Makefile"])
def test_an_old_compose_whose_init_outputs_were_cut_short_is_not_copied_from(tmp_path, demo_copy, rel):
    """A finished compose whose config slices, variants.json, targets.json or Makefile were cut
    short (a copy stopped by a full disk): the nightly beside it copied them, and failed "internal
    error: JSONDecodeError" at its first phase (fuzz-broken-inputs old-compose/work-truncated);
    Pungi 4.3.2 composes on. They are copied only while they are the files init made."""
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    cut_in_half(first, rel)
    second, _err = init(conf, tmp_path / "nightly")
    fresh, _err = init(conf, tmp_path / "fresh")
    assert COPIED not in init_log(second)
    assert outputs(second) == outputs(fresh)


def test_other_options_on_the_command_line_make_inits_outputs_anew(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    second, _err = init(conf, tmp_path / "nightly", "--skip-phase", "createiso")
    assert COPIED not in init_log(second)
    assert outputs(second) != outputs(first)


def test_files_and_other_directories_beside_the_composes_are_passed_over(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    (tmp_path / "nightly" / "argv.jsonl").write_text("{}\n")
    (tmp_path / "nightly" / "scratch").mkdir()
    second, _err = init(conf, tmp_path / "nightly")
    assert "%s %s" % (COPIED, first) in init_log(second)


def test_nothing_is_copied_from_an_unfinished_compose(tmp_path, demo_copy):
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    second, _err = init(conf, tmp_path / "nightly")
    assert COPIED not in init_log(second)


def test_the_warnings_of_the_inputs_are_said_again_when_copied(tmp_path, demo_copy):
    with open(demo_copy / "demo.conf", "a") as f:
        f.write("\nfilter_packages = [('^NoSuchVariant$', {'*': ['demo-tools']})]\n")
    conf = demo_copy / "demo.conf"
    first, said_first = init(conf, tmp_path / "nightly")
    finish(first)
    second, said_second = init(conf, tmp_path / "nightly")
    assert "%s %s" % (COPIED, first) in init_log(second)
    warnings = [line for line in said_first.splitlines() if "warning" in line]
    assert any("NoSuchVariant" in line for line in warnings)
    assert [line for line in said_second.splitlines() if "warning" in line] == warnings


def test_inputs_init_fetches_are_not_fingerprinted(demo_copy):
    from punji_lib.compose import init_reuse
    from punji_lib.phases import init as init_phase

    conf = str(demo_copy / "demo.conf")
    config = init_phase.load_config(conf)
    assert init_reuse.inputs_key(conf, config, "test", {}) is not None
    for option, value in (("comps_file", {"scm": "git", "repo": "https://example.org/x.git", "file": "comps.xml"}),
                          ("module_defaults_dir", str(demo_copy))):
        changed = dict(config, config=dict(config["config"], **{option: value}))
        assert init_reuse.inputs_key(conf, changed, "test", {}) is None


def test_an_init_stopped_while_it_copies_the_makefile_leaves_no_part_of_it(tmp_path, demo_copy):
    # a kill or a full disk mid-copy, made exact: a file size limit the Makefile alone exceeds
    # stops the copy at the limit (Python ignores SIGXFSZ: an error); a part of a Makefile would be
    # run by `make`
    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    sizes = {rel: len(data) for rel, data in outputs(first).items()}
    limit = sizes.pop("Makefile") // 2
    assert max(sizes.values()) < limit

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    stopped = subprocess.run([os.path.join(BIN, "punji-init"), str(conf), "--target-dir", str(tmp_path / "nightly"),
                              "--test"], preexec_fn=limited, capture_output=True, text=True)
    assert stopped.returncode == 1 and "file too large writing" in stopped.stderr, stopped.stderr
    killed = sorted(p for p in (tmp_path / "nightly").iterdir() if p.is_dir() and str(p) != first)
    assert len(killed) == 1
    assert not os.path.exists(killed[0] / "Makefile")  # make says there is none; no part of one runs
    again, _err = init(conf, tmp_path / "nightly")
    assert "%s %s" % (COPIED, first) in init_log(again)
    assert outputs(again) == outputs(first)


KILLED_WRITING_THE_MAKEFILE = """
import os, shutil, signal, sys
sys.path.insert(0, %r)


def into_makefile(fd):
    return os.path.basename(os.readlink("/proc/self/fd/%%d" %% fd)).lstrip(".").startswith("Makefile")


def kill():
    os.kill(os.getpid(), signal.SIGKILL)


copyfileobj, sendfile = shutil.copyfileobj, os.sendfile
shutil.copyfileobj = lambda source, target, *a: kill() if into_makefile(target.fileno()) else copyfileobj(source, target, *a)
os.sendfile = lambda out, *a: kill() if into_makefile(out) else sendfile(out, *a)
from punji_lib.commands import init
sys.exit(init.main([%r, "--target-dir", %r, "--test"]))
"""


def test_an_init_killed_as_it_copies_the_makefile_leaves_none_for_make_to_run(tmp_path, demo_copy):
    # SIGKILL as the first bytes go into the Makefile (whichever way they are copied): an empty
    # Makefile was left, newer than the state, which make took as it was ("No targets")
    import signal
    import sys

    from conftest import ROOT

    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    done = subprocess.run([sys.executable, "-c", KILLED_WRITING_THE_MAKEFILE % (ROOT, str(conf), str(tmp_path / "nightly"))],
                          capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    killed = [p for p in (tmp_path / "nightly").iterdir() if p.is_dir() and str(p) != first]
    assert len(killed) == 1 and not os.path.exists(killed[0] / "Makefile")


def test_an_init_that_fails_copying_the_old_composes_outputs_leaves_its_compose_doomed(tmp_path, demo_copy):
    # the copy comes before STATUS STARTED (notifications read the config): a failure there left
    # the compose directory without any STATUS
    import sys
    import textwrap

    from conftest import ROOT, assert_one_line_error

    conf = demo_copy / "demo.conf"
    first, _err = init(conf, tmp_path / "nightly")
    finish(first)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import errno, sys
        sys.path.insert(0, %r)
        from punji_lib.compose import init_reuse
        def unreadable(topdir, top):
            raise PermissionError(errno.EACCES, "Permission denied", top + "/work/global/config.json")
        init_reuse.take_over = unreadable
        from punji_lib.commands import init
        sys.exit(init.main([%r, "--target-dir", %r, "--test"]))
    """) % (ROOT, str(conf), str(tmp_path / "nightly"))], capture_output=True, text=True)
    assert_one_line_error(done, "permission denied", "config.json")
    killed = [p for p in (tmp_path / "nightly").iterdir() if p.is_dir() and str(p) != first]
    assert len(killed) == 1 and (killed[0] / "STATUS").read_text().strip() == "DOOMED"
