"""The compose's generated Makefile: its graph, resuming, and invalidation by config slice."""

import json
import os
import shutil
import time

import pytest

from conftest import CONFIGS, command, demo_config, make


@pytest.fixture
def compose(tmp_path, demo_repo):
    for name in ("variants-docs.xml", "comps-docs.xml", "docs-example.conf"):
        shutil.copy(os.path.join(CONFIGS, name), tmp_path / name)
    (tmp_path / "GPL").write_text("GPL\n")  # the example's extra_files
    # the package set from the demo repo instead of the example's Koji tag
    conf = tmp_path / "docs-example.conf"
    # no lorax nor Koji runroot here (createiso's image tools run here; a runroot_tag alone means
    # Koji runroot, as in Pungi 4.3.2): buildinstall has tests of its own
    lines = [line for line in conf.read_text().splitlines(True)
             if not line.startswith(("pkgset_", "buildinstall_method", "lorax_options", "global_runroot_method",
                                     "runroot_"))]
    lines.append('pkgset_source = "repos"\npkgset_repos = {"*": [%r]}\n' % demo_repo)
    conf.write_text("".join(lines))
    with open(tmp_path / "docs-example.conf", "a") as f:
        f.write('comps_file = "comps-docs.xml"\n')
        # the example's Koji image phases need a hub (tests/test_imagebuild.py, test_livemedia.py run them),
        # its ostree a git server and rpm-ostree (tests/test_ostree.py runs a stand-in)
        f.write('image_build = {}\nlive_media = {}\nostree = {}\n')
    done = command("punji-init", tmp_path / "docs-example.conf", "--target-dir", tmp_path / "out", "--nightly", check=True)
    return done.stdout.strip()


def ran(output):
    """The punji commands make ran, in order."""
    return [line.split("/")[-1].split()[0] for line in output.splitlines() if "/punji-" in line]


def mtime(compose, rel):
    return os.stat(os.path.join(compose, rel)).st_mtime_ns


def test_makefile_lists_targets_and_is_plain_make(compose):
    text = open(os.path.join(compose, "Makefile")).read()
    assert ".DELETE_ON_ERROR:" in text and "-include $(wildcard local.mk)" in text
    assert "work/global/state/init.json: $(CONFIG_FILES) $(INPUT_FILES)" in text
    targets = json.load(open(os.path.join(compose, "work/global/targets.json")))["targets"]
    trees = [(v["uid"], a) for v in json.load(open(os.path.join(compose, "work/global/variants.json")))["variants"]
             for a in v["arches"]]
    found = [(t["phase"], t["variant"], t["arch"]) for t in targets]
    assert found[:3] == [("init", None, None), ("pkgset", None, "aarch64"), ("pkgset", None, "x86_64")]
    assert [(v, a) for p, v, a in found if p == "gather" and v] == trees
    assert found[-1] == ("finish", None, None)
    dry = make(compose, "-n")
    # init already ran when the compose was created; every other target is to be made, each once
    assert sorted(ran(dry.stdout)) == sorted("punji-" + p for p, _v, _a in found[1:])
    # an optional variant is gathered after its parent
    assert "work/x86_64/state/gather-Server.json" in text.split("work/x86_64/state/gather-Server-optional.json:")[1].split("\n")[0]


def claim_recorder(tmp_path):
    """TMP_PATH/bin, holding a punji-makefile that writes its arguments, a line a call, to
    TMP_PATH/claims."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    recorder = bin_dir / "punji-makefile"
    recorder.write_text("#!/bin/sh\necho \"$@\" >> %s\n" % (tmp_path / "claims"))
    recorder.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("goals, claimed", [([], ["--claim", "--whole", "."]), (["compose"], ["--claim", "--whole", "."]),
                                             (["pkgset"], ["--claim", "."])])
def test_the_claim_is_a_line_of_plain_words_the_launcher_runs_itself(tmp_path, compose, goals, claimed):
    """The Makefile's claim has no shell syntax (a quote would have make's shell start sh and a
    new interpreter at the head of every make: the launcher's client hands only plain words over);
    --whole says the make makes the whole compose."""
    from punji_lib.launcher_client import SHELL_SYNTAX

    bin_dir = claim_recorder(tmp_path)
    lines = tmp_path / "lines"
    shell = bin_dir / "sh"  # make's shell: what it is asked to run, then sh runs it
    shell.write_text('#!/bin/sh\nprintf "%%s\\n" "$2" >> %s\nexec /bin/sh "$@"\n' % lines)
    shell.chmod(0o755)
    done = make(compose, "-q", "PUNJI_BIN=%s" % bin_dir, "SHELL=%s" % shell, *goals)
    assert (tmp_path / "claims").read_text().split() == claimed, done.stdout
    (line,) = [x for x in lines.read_text().splitlines() if "--claim" in x]
    assert not SHELL_SYNTAX.intersection(line.replace(" 2>&1", "")), line


def test_a_make_punji_compose_claimed_the_compose_for_starts_no_claim(tmp_path, compose):
    """punji-compose takes the lock for the make it starts (PUNJI_CLAIMED=1 on its command line):
    that make's Makefile starts no `punji-makefile --claim`."""
    bin_dir = claim_recorder(tmp_path)
    make(compose, "-q", "PUNJI_BIN=%s" % bin_dir, "PUNJI_CLAIMED=1")
    assert not (tmp_path / "claims").exists()
    make(compose, "-q", "PUNJI_BIN=%s" % bin_dir)
    assert (tmp_path / "claims").read_text().split() == ["--claim", "--whole", "."]


def test_make_runs_then_has_nothing_to_do(compose):
    first = make(compose, "-j2")
    assert first.returncode == 0, first.stdout
    assert open(os.path.join(compose, "STATUS")).read() == "FINISHED\n"
    second = make(compose)
    assert ran(second.stdout) == [] and "Nothing to be done" in second.stdout
    assert ran(make(compose, "-n").stdout) == []


def test_deleting_a_state_file_redoes_it_and_its_dependents_only(compose):
    make(compose)
    os.unlink(os.path.join(compose, "work/global/state/finish.json"))
    assert ran(make(compose).stdout) == ["punji-finish"]
    before = mtime(compose, "work/global/config/gather.json")
    os.unlink(os.path.join(compose, "work/global/state/init.json"))
    out = make(compose).stdout
    assert ran(out) == ["punji-init", "punji-makefile", "punji-test", "punji-finish"]
    # nothing in the config changed, so no slice was rewritten
    assert mtime(compose, "work/global/config/gather.json") == before


def test_the_makefile_rule_run_again_leaves_no_running_mark(compose):
    """punji-makefile has no state file of its own: its .pid mark, left after it succeeded,
    looked like a command still running (to tools/kill-campaign, to a reader of the state dir)."""
    make(compose)
    os.unlink(os.path.join(compose, "work/global/state/init.json"))
    assert "punji-makefile" in ran(make(compose).stdout)
    marks = [os.path.join(d, f) for d, _subdirs, files in os.walk(os.path.join(compose, "work"))
             for f in files if f.endswith((".json.pid", ".json.error"))]
    assert marks == []


def test_config_change_rewrites_only_the_slices_it_touches(compose):
    make(compose)
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    slices = ["work/global/config/%s.json" % p for p in ("gather", "init", "createiso", "pkgset")]
    before = {s: mtime(compose, s) for s in slices}
    time.sleep(0.01)
    with open(conf, "a") as f:
        f.write('greedy_method = "all"\n')
    out = make(compose).stdout
    assert "punji-init" in ran(out)
    after = {s: mtime(compose, s) for s in slices}
    assert after["work/global/config/gather.json"] != before["work/global/config/gather.json"]
    assert [s for s in slices if after[s] != before[s]] == ["work/global/config/gather.json"]
    assert json.load(open(os.path.join(compose, "work/global/config/gather.json")))["greedy_method"] == "all"


def test_a_variant_change_regenerates_the_variants_and_comps(compose):
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    with open(conf, "a") as f:
        f.write('tree_arches = ["x86_64"]\n')
    assert make(compose).returncode == 0
    tree = json.load(open(os.path.join(compose, "work/global/variants.json")))["variants"]
    assert {a for v in tree for a in v["arches"]} == {"x86_64"}
    info = json.load(open(os.path.join(compose, "compose/metadata/composeinfo.json")))
    assert info["payload"]["variants"]["Server"]["arches"] == ["x86_64"]


def test_a_config_change_dropping_targets_the_compose_made_is_refused_and_the_compose_kept(compose):
    """make never removes what a target made: after a config change that drops an arch (or
    makes a variant is_empty), the dropped trees' outputs stayed in the compose, and some in its
    metadata, unlike a fresh compose of the changed config. The regenerated Makefile is refused
    in one line naming what is dropped; the config put back, make finishes the compose."""
    make(compose)
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    original = open(conf).read()
    targets = open(os.path.join(compose, "work/global/targets.json")).read()
    with open(conf, "a") as f:
        f.write('tree_arches = ["x86_64"]\n')
    out = make(compose)
    assert out.returncode != 0 and "Traceback" not in out.stdout
    errors = [line for line in out.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("punji-makefile: error: the changed config"), out.stdout
    assert "no longer makes pkgset aarch64" in errors[0] and "start a new compose" in errors[0]
    assert open(os.path.join(compose, "work/global/targets.json")).read() == targets
    assert os.path.isdir(os.path.join(compose, "compose/Server/aarch64/os/repodata"))
    with open(conf, "w") as f:
        f.write(original)
    assert make(compose).returncode == 0
    assert open(os.path.join(compose, "STATUS")).read() == "FINISHED\n"


def test_a_broken_config_change_stops_make_with_one_line(compose):
    make(compose)
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    with open(conf, "a") as f:
        f.write('hashed_directories = "maybe"\n')
    out = make(compose)
    assert out.returncode != 0
    assert "punji-init: error: " in out.stdout and "option 'hashed_directories'" in out.stdout
    assert "Traceback" not in out.stdout
    # what the compose had is intact
    assert json.load(open(os.path.join(compose, "work/global/config.json")))["hashed_directories"] is True


def test_skip_phases_drops_the_phase_from_the_graph(tmp_path, compose):
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    with open(conf, "a") as f:
        f.write('skip_phases = ["init"]\n')
    assert make(compose).returncode == 0
    targets = json.load(open(os.path.join(compose, "work/global/targets.json")))["targets"]
    kept = [t["phase"] for t in targets if t["phase"] in ("init", "pkgset", "finish")]
    assert kept == ["init", "pkgset", "pkgset", "finish"]  # init cannot be skipped


def test_skip_phases_leaves_image_checksum_in_as_pungi_does(tmp_path, compose):
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    with open(conf, "a") as f:
        f.write('skip_phases = ["image_checksum", "repoclosure"]\n')
    assert make(compose).returncode == 0
    phases = {t["phase"] for t in json.load(open(os.path.join(compose, "work/global/targets.json")))["targets"]}
    assert "imagechecksum" in phases and "repoclosure" not in phases
    images = json.load(open(os.path.join(compose, "compose/metadata/images.json")))["payload"]["images"]
    made = [image for arches in images.values() for found in arches.values() for image in found]
    assert made and all(image["checksums"] for image in made)


def test_skip_phases_createiso_still_sums_the_extra_isos_without_an_images_json(tmp_path, compose):
    # Pungi 4.3.2 writes images.json only when a phase making images (createiso, buildinstall,
    # ...) runs, and its image_checksum sums the extra ISOs all the same (tools/fuzz-compose
    # --repos --outputs, seed 15108: punji summed none); its test phase then fails reading
    # images.json back (seed 23500), which 15108 skipped too
    conf = os.path.join(os.path.dirname(os.path.dirname(compose)), "docs-example.conf")
    with open(conf, "a") as f:
        f.write('skip_phases = ["createiso", "test"]\n'
                'extra_isos = {"^Server$": [{"include_variants": [], "arches": ["x86_64"], "skip_src": True}]}\n')
    assert make(compose).returncode == 0
    assert not os.path.exists(os.path.join(compose, "compose/metadata/images.json"))
    made = os.listdir(os.path.join(compose, "compose/Server/x86_64/iso"))
    assert [n for n in made if n.endswith(".iso")] and [n for n in made if n.endswith("CHECKSUM")], made


def test_skip_phases_takes_pungis_phase_names():
    from punji_lib.compose.makefile import punji_phase

    assert [punji_phase(n) for n in ("extra_files", "extra_isos", "image_checksum", "live_media", "gather")] == \
        ["extrafiles", "extraiso", "imagechecksum", "livemedia", "gather"]


ALL_PHASES = '''
kiwibuild = {"^Server$": [{"kiwi_profile": "Cloud-Base", "description_scm": "https://git.example.com/kiwi.git#main",
                           "description_path": "teamsilverblue.kiwi", "target": "exl23-image"}]}
osbuild = {"^Server$": [{"name": "exl-cloud", "distro": "exl-23", "image_types": ["qcow2"], "target": "exl23-image"}]}
imagebuilder = {"^Server$": [{"name": "exl-minimal", "types": ["minimal-raw-xz"], "target": "exl23-image"}]}
osbs = {"^Server$": {"url": "https://git.example.com/tools.git#main", "target": "exl23-container",
                     "git_branch": "main"}}
image_container = {"^Server$": [{"url": "https://git.example.com/base.git#main", "target": "exl23-container",
                                 "git_branch": "main", "image_spec": {"type": "qcow2"}}]}
ostree_container = {"^Server$": {"treefile": "exl-container.yaml", "config_url": "https://git.example.com/oc.git"}}
ostree_installer = [("^Server$", {"x86_64": {"repo": "Server"}})]
ostree_installer_overwrite = True
'''

# Pungi's phases in the order its documentation runs them (those of a group beside each other)
IMAGE_PHASES = ("imagebuild", "livemedia", "kiwibuild", "osbuild", "imagebuilder", "osbs")


def test_every_phase_is_in_make_n_in_pungis_order(tmp_path):
    """The docs example with every image phase enabled: make -n runs each phase after the
    phases Pungi runs before it."""
    for name in ("variants-docs.xml", "comps-docs.xml", "docs-example.conf"):
        shutil.copy(os.path.join(CONFIGS, name), tmp_path / name)
    (tmp_path / "GPL").write_text("GPL\n")
    with open(tmp_path / "docs-example.conf", "a") as f:
        f.write('comps_file = "comps-docs.xml"\n' + ALL_PHASES)
    topdir = command("punji-init", tmp_path / "docs-example.conf", "--target-dir", tmp_path / "out", "--test",
                     check=True).stdout.strip()
    order = [c[len("punji-"):] for c in ran(make(topdir, "-n").stdout)]
    first = {p: order.index(p) for p in order[::-1]}
    last = {p: i for i, p in enumerate(order)}
    expected = {"pkgset", "buildinstall", "gather", "extrafiles", "createrepo", "ostree", "ostreeinstaller",
                "ostreecontainer", "createiso", "imagechecksum", "imagecontainer", "repoclosure", "test",
                "finish"} | set(IMAGE_PHASES)
    assert expected <= set(order), sorted(expected - set(order))
    assert last["pkgset"] < first["buildinstall"] and last["pkgset"] < first["gather"]
    assert last["gather"] < first["createrepo"]
    for phase in ("ostree", "ostreeinstaller", "ostreecontainer", "createiso", "repoclosure") + IMAGE_PHASES:
        assert last["createrepo"] < first[phase], phase
    assert last["buildinstall"] < first["createiso"]
    images_step = last["createiso"]  # createiso --assemble: images.json, after every image phase
    assert all(last[p] < images_step for p in IMAGE_PHASES + ("ostreeinstaller", "ostreecontainer"))
    assert images_step < first["imagechecksum"] and last["imagechecksum"] < first["imagecontainer"]
    assert order[-2:] == ["test", "finish"] and order.count("test") == 1


@pytest.mark.parametrize("blocks, expected", [
    ('{"^Server$": [{"include_variants": [], "arches": ["x86_64"], "skip_src": True}]}', [("Server", "x86_64")]),
    ('{"^Nothing$": [{"include_variants": []}]}', "one"),
])
def test_extraiso_targets_only_where_a_block_asks_for_images(tmp_path, demo_repo, blocks, expected):
    """A tree no extra_isos block gives images gets no target (a process with nothing to do);
    with none at all one is kept, so that the phase starts and stops as Pungi's does."""
    conf = demo_config(tmp_path / "demo", demo_repo, "extra_isos = %s\n" % blocks)
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()
    targets = json.load(open(os.path.join(topdir, "work/global/targets.json")))["targets"]
    found = [(t["variant"], t["arch"]) for t in targets if t["phase"] == "extraiso"]
    assert found == expected if expected != "one" else len(found) == 1, found
    assert sum(1 for c in ran(make(topdir, "-n").stdout) if c == "punji-extraiso") == len(found)


def test_no_createrepo_or_repoclosure_target_where_they_have_nothing_to_do(tmp_path, demo_repo):
    """An is_empty variant gets no createrepo target, a tree repoclosure does not check (is_empty,
    repoclosure_strictness off) no repoclosure target: processes with nothing to do."""
    from punji_lib.compose import makefile

    conf = demo_config(tmp_path / "demo", demo_repo, 'repoclosure_strictness = [("^Client$", {"*": "off"})]\n')
    topdir = command("punji-init", conf, "--target-dir", tmp_path / "out", "--test", check=True).stdout.strip()
    targets = json.load(open(os.path.join(topdir, "work/global/targets.json")))["targets"]
    checked = {t["variant"] for t in targets if t["phase"] == "repoclosure"}
    assert "Client" not in checked and "Server" in checked
    assert "Client" in {t["variant"] for t in targets if t["phase"] == "createrepo"}
    assert sum(1 for c in ran(make(topdir, "-n").stdout) if c == "punji-repoclosure") == \
        sum(1 for t in targets if t["phase"] == "repoclosure")
    tree = [{"uid": "Full", "arches": ["x86_64"]}, {"uid": "Empty", "arches": ["x86_64"], "is_empty": True}]
    pairs = [("Full", "x86_64"), ("Empty", "x86_64"), ("Full", "src"), ("Empty", "src")]
    for phase in ("createrepo", "repoclosure"):
        assert makefile._with_work(phase, "variant-arch", {}, tree, pairs) == [("Full", "x86_64"), ("Full", "src")]
        # none with work: one kept, so that the phase starts and stops as Pungi's does
        assert makefile._with_work(phase, "variant-arch", {}, tree[1:], pairs[1::2]) == [("Empty", "x86_64")]


def test_a_make_punji_compose_cannot_claim_the_compose_for_is_stopped(tmp_path, monkeypatch):
    """punji-compose's claim for its make fails after the make started (a full disk as make.pid
    is written): that make is stopped, no make runs unclaimed, and the lock is free."""
    import errno
    import subprocess

    from punji_lib.compose import jsonio, makelock

    (tmp_path / "work" / "global").mkdir(parents=True)
    started = []

    def start(extra):
        started.append(subprocess.Popen(["sleep", "30"]))
        return started[0]

    def full(path, text, durable=False):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(jsonio, "write_text", full)
    with pytest.raises(OSError):
        makelock.start_claimed(str(tmp_path), start, wait=0)
    assert started[0].poll() is not None
    monkeypatch.undo()
    again = makelock.start_claimed(str(tmp_path), lambda extra: subprocess.Popen(["sleep", "0"]), wait=0)
    again.wait()


@pytest.mark.parametrize("stopped, retried", [("DOOMED", True), ("TERMINATED", True), ("FINISHED_INCOMPLETE", False)])
def test_a_make_resuming_a_failed_compose_makes_its_failed_failable_targets_again(new_compose, stopped, retried):
    """A failable target a full disk failed, in a compose another target then doomed: once the
    disk is freed, the resumed compose makes it again, as a compose run to its end would have
    (a failed state file would have make take it as done). A finished compose keeps it."""
    import subprocess

    from punji_lib.compose import makelock, state

    failed = state.write(new_compose, "createiso", "Server", "x86_64", failed=True,
                         error="[Errno 28] No space left on device")
    done = state.write(new_compose, "createrepo", "Server", "x86_64")
    with open(os.path.join(new_compose, "STATUS"), "w") as f:
        f.write(stopped + "\n")
    makelock.start_claimed(new_compose, lambda extra: subprocess.Popen(["sleep", "0"]), wait=0).wait()
    assert os.path.exists(failed) != retried
    assert os.path.exists(done)
