"""punji-buildinstall (lorax) and punji_lib.koji.runroot on the demo product.

lorax cannot run on this machine (it needs root, loop devices and Fedora's
anaconda packages), so these tests put a STAND-IN for lorax on PATH:
tests/data/lorax-stand-in/lorax, a small Python script that parses the real lorax
command line it is given, checks it (each file:// --source has repodata, the output
directory is new), writes its argv to $LORAX_STANDIN_ARGV and a plausible boot tree
(the distribution's isolinux.bin and ldlinux.c32, an mtools FAT efiboot.img,
EFI/BOOT/, pxeboot kernel and initrd, install.img, and a real El Torito + hybrid
MBR boot.iso made with xorriso). Everything after lorax is real: createrepo's
.treeinfo, createiso's bootable DVD (genisoimage, isohybrid, implantisomd5),
images.json and punji-test's boot checks.

Likewise no ssh server runs here: the openssh runroot test puts a fake `ssh` on
PATH, a STAND-IN that logs its arguments and runs the remote command with
`sh -c` on this machine.
"""

import configparser
import json
import os
import shlex
import shutil
import subprocess

import pytest

from conftest import DATA, assert_one_line_error, command, demo_config, make, read_json, set_phase_options
from isofiles import el_torito_platforms

STAND_IN = os.path.join(DATA, "lorax-stand-in")



def write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f)


def os_tree(compose, uid, arch):
    return os.path.join(compose, "compose", uid, arch, "os")


def lorax_runs(argv_file):
    """{(variant, tree arch): argv} of every stand-in lorax run logged in ARGV_FILE (an i386 tree's
    --buildarch is i686)."""
    runs = {}
    if os.path.exists(argv_file):
        with open(argv_file) as f:
            for line in f:
                argv = json.loads(line)["argv"]
                opt = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in argv if "=" in a}
                runs[(opt["--variant"], {"i686": "i386"}.get(opt["--buildarch"], opt["--buildarch"]))] = argv
    return runs


def make_compose(top, demo_repo, extra):
    conf = demo_config(top / "demo", demo_repo, "\n" + extra + "\n")
    return command("punji-init", conf, "--target-dir", top / "out", "--test", check=True).stdout.strip()


def copy_compose(compose, dest):
    shutil.copytree(compose, dest, symlinks=True)
    return str(dest)


@pytest.fixture(scope="module")
def lorax_path():
    """The lorax stand-in first on PATH for the whole module (make and the commands inherit it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", STAND_IN + os.pathsep + os.environ["PATH"])
        yield mp


LORAX_OPTIONS = """
buildinstall_method = "lorax"
lorax_options = [
    ("^Server$", {
        "x86_64": {
            "bugurl": "https://bugs.example.com/pdl",
            "nomacboot": False,
            "add_template": ["extra.tmpl"],
            "add_template_var": ["a=1"],
            "add_arch_template": ["arch.tmpl"],
            "add_arch_template_var": ["b=2"],
            "rootfs_size": 3,
            "dracut_args": ["--xz", "--install", "/.buildstamp"],
            "squashfs_only": True,
            "skip_branding": True,
            "configuration_file": "lorax.conf",
        },
    }),
]
lorax_extra_sources = [("^Server$", {"x86_64": "%s"})]
buildinstall_skip = [("^Client$", {"i386": True})]
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo, lorax_path):
    """The whole demo compose with buildinstall_method "lorax" (make -j4), lorax's argvs logged."""
    top = tmp_path_factory.mktemp("buildinstall")
    compose = make_compose(top, demo_repo, LORAX_OPTIONS % demo_repo)
    (top / "demo" / "lorax.conf").write_text("[lorax]\n")
    argv_file = str(top / "lorax-argv.jsonl")
    lorax_path.setenv("LORAX_STANDIN_ARGV", argv_file)
    done = make(compose, "-j4")
    lorax_path.delenv("LORAX_STANDIN_ARGV")
    assert done.returncode == 0, done.stdout
    return compose, argv_file


def test_lorax_gets_pungis_arguments_for_a_lorax_options_block(demo, demo_repo):
    compose, argv_file = demo
    runs = lorax_runs(argv_file)
    assert runs[("Server", "x86_64")] == [
        "--product=Punji Demo Linux", "--version=1", "--release=1",
        "--source=file://%s/work/x86_64/repo" % compose, "--source=file://%s" % demo_repo,
        # Pungi's comps repo of the variant last (no translate_paths here: a file:// URL)
        "--source=file://%s/work/x86_64/comps_repo_Server" % compose,
        "--variant=Server", "--bugurl=https://bugs.example.com/pdl", "--noupgrade", "--buildarch=x86_64",
        "--volid=PDL-1 Server.x86_64",
        "--add-template=extra.tmpl", "--add-arch-template=arch.tmpl",
        "--add-template-var=a=1", "--add-arch-template-var=b=2",
        "--logfile=%s/logs/x86_64/buildinstall-Server-logs/lorax.log" % compose,
        "--rootfs-size=3", "--dracut-arg=--xz", "--dracut-arg=--install", "--dracut-arg=/.buildstamp",
        "--skip-branding", "--squashfs-only",
        # as Pungi: the configuration file copied into the log directory, given as two arguments
        "--config", "%s/logs/x86_64/buildinstall-Server-logs/lorax.conf" % compose,
        "%s/work/x86_64/buildinstall/Server" % compose,  # Pungi's output directory
    ]
    assert open("%s/logs/x86_64/buildinstall-Server-logs/lorax.conf" % compose).read() == "[lorax]\n"
    repomd = open("%s/work/x86_64/comps_repo_Server/repodata/repomd.xml" % compose).read()
    assert '<data type="group">' in repomd and '<data type="primary">' in repomd
    # without lorax_options: Pungi's defaults (nomacboot and noupgrade on), no test compose is final
    assert runs[("Server", "i386")][5:10] == ["--variant=Server", "--nomacboot", "--noupgrade",
                                              "--buildarch=i686", "--volid=PDL-1 Server.i386"]  # Pungi's
    assert os.path.isfile(os.path.join(compose, "logs/x86_64/buildinstall-Server-logs/lorax.log"))


def test_only_variants_not_skipped_run_lorax(demo):
    compose, argv_file = demo
    assert sorted(lorax_runs(argv_file)) == [("Client", "x86_64"), ("Everything", "i386"), ("Everything", "x86_64"),
                                             ("Server", "i386"), ("Server", "x86_64")]
    for uid, arch, reason in (("Client", "i386", "buildinstall_skip"), ("Server-HA", "x86_64", "addon"),
                              ("Server-optional", "x86_64", "optional")):
        st = read_json(os.path.join(compose, "work/%s/state/buildinstall-%s.json" % (arch, uid)))
        assert reason in st["skipped"] and st["images"] == []
        assert not os.path.exists(os.path.join(os_tree(compose, uid, arch), "isolinux"))
    record = read_json(os.path.join(compose, "work/i386/createiso/Client.json"))
    assert record["images"][0]["bootable"] is False


def iso_files(path):
    out = subprocess.run(["xorriso", "-indev", path, "-find", "/", "-type", "f"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=True).stdout
    return {line.strip().strip("'") for line in out.splitlines() if line.strip()}


def test_the_server_dvd_is_bootable_and_passes_punji_tests_boot_checks(demo):
    compose, _ = demo
    assert open(os.path.join(compose, "STATUS")).read().strip() == "FINISHED"
    dvd, = read_json(os.path.join(compose, "work/x86_64/createiso/Server.json"))["images"]
    assert dvd["bootable"] is True
    path = os.path.join(compose, "compose", dvd["path"])
    assert el_torito_platforms(path) == [0, 0xef]
    with open(path, "rb") as f:
        assert f.read(512)[510:] == b"\x55\xaa"
    files = iso_files(path)
    assert {"/isolinux/isolinux.bin", "/isolinux/ldlinux.c32", "/images/efiboot.img", "/EFI/BOOT/BOOTX64.EFI",
            "/images/install.img", "/images/pxeboot/vmlinuz"} <= files
    assert "/images/boot.iso" not in files
    checks = {c["path"]: c for c in read_json(os.path.join(compose, "work/global/test/image-checks.json"))["images"]}
    assert checks[dvd["path"]]["problems"] == [] and checks[dvd["path"]]["bootable"] is True
    boot = checks["Server/x86_64/iso/%s-Server-x86_64-boot.iso" % os.path.basename(compose)]
    assert (boot["type"], boot["bootable"], boot["problems"]) == ("boot", True, [])


def test_images_json_and_treeinfo_list_the_installer_images(demo):
    compose, _ = demo
    images = read_json(os.path.join(compose, "compose/metadata/images.json"))["payload"]["images"]
    boot = [i for i in images["Server"]["x86_64"] if i["type"] == "boot"]
    # Pungi links boot.iso into the iso directory, named with disc type "boot", a .manifest beside it
    name = "Server/x86_64/iso/%s-Server-x86_64-boot.iso" % os.path.basename(compose)
    assert [(i["path"], i["format"], i["bootable"], i["volume_id"]) for i in boot] == [
        (name, "iso", True, "PDL-1 Server.x86_64")]
    assert os.stat(os.path.join(compose, "compose", name)).st_ino == os.stat(boot_iso(compose)).st_ino
    with open(os.path.join(compose, "compose", name + ".manifest")) as f:
        assert "/isolinux/isolinux.bin\n" in f.read()
    assert boot[0]["checksums"]  # punji-imagechecksum filled them
    assert not [i for i in images["Client"]["i386"] if i["type"] == "boot"]  # buildinstall_skip
    ti = configparser.ConfigParser()
    ti.read(os.path.join(os_tree(compose, "Server", "x86_64"), ".treeinfo"))
    assert dict(ti["images-x86_64"]) == {"boot.iso": "images/boot.iso", "efiboot.img": "images/efiboot.img",
                                         "initrd": "images/pxeboot/initrd.img", "kernel": "images/pxeboot/vmlinuz"}
    assert dict(ti["images-xen"]) == {"initrd": "images/pxeboot/initrd.img", "kernel": "images/pxeboot/vmlinuz"}
    assert ti["tree"]["platforms"] == "x86_64,xen"  # lorax's platforms, as Pungi copies them
    assert ti["stage2"]["mainimage"] == "images/install.img"
    assert ti["checksums"]["images/install.img"].startswith("sha256:")
    assert ti["general"]["name"] == "Punji Demo Linux 1"  # the compose's own .treeinfo, not lorax's


def test_packages_and_repodata_are_the_composes_own(demo):
    compose, _ = demo
    top = os_tree(compose, "Server", "x86_64")
    gathered = read_json(os.path.join(compose, "work/x86_64/gather/Server.json"))["packages"]
    wanted = sorted(os.path.relpath(os.path.join(compose, p["file"]), top) for p in gathered
                    if p["category"] == "binary")
    found = sorted(os.path.relpath(os.path.join(r, n), top)
                   for r, _d, names in os.walk(os.path.join(top, "Packages")) for n in names)
    assert found == wanted
    assert sorted(os.listdir(top)) == [".discinfo", ".treeinfo", "EFI", "Packages", "addons", "images", "isolinux",
                                       "media.repo", "repodata"]
    assert open(os.path.join(top, ".discinfo")).read().splitlines()[1] == "Punji Demo Linux 1"


def test_a_rerun_with_the_same_inputs_does_nothing(demo, tmp_path, lorax_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    before = os.stat(os.path.join(os_tree(compose, "Server", "x86_64"), "images/boot.iso")).st_mtime_ns
    lorax_path.setenv("LORAX_STANDIN_FAIL", "1")  # lorax must not run again
    command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    lorax_path.delenv("LORAX_STANDIN_FAIL")
    assert os.stat(os.path.join(os_tree(compose, "Server", "x86_64"), "images/boot.iso")).st_mtime_ns == before
    assert "nothing to do" in open(os.path.join(compose, "logs/x86_64/buildinstall-Server.log")).read()


def test_a_failing_lorax_is_one_error_naming_the_log_and_leaves_no_boot_files(demo, tmp_path, lorax_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_options=[])  # new inputs: lorax runs again
    lorax_path.setenv("LORAX_STANDIN_FAIL", "1")
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    lorax_path.delenv("LORAX_STANDIN_FAIL")
    assert_one_line_error(done, "lorax returned exit code 1", "Error in the installer templates",
                          "logs/x86_64/buildinstall-Server.log")
    top = os_tree(compose, "Server", "x86_64")
    assert sorted(os.listdir(top)) == [".discinfo", ".treeinfo", "Packages", "addons", "media.repo", "repodata"]
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/buildinstall-Server.json"))
    assert read_json(os.path.join(compose, "work/x86_64/buildinstall/Server.json"))["images"] == []
    assert not any(n.startswith(".") for n in os.listdir(os.path.join(compose, "work/x86_64/buildinstall")))


def test_a_failable_buildinstall_lets_the_compose_finish_incomplete(tmp_path, demo_repo, lorax_path):
    extra = 'buildinstall_method = "lorax"\n' \
            'failable_deliverables = [("^Server$", {"x86_64": ["buildinstall"]}), ("^Client$", {"i386": ["iso"]})]\n'
    compose = make_compose(tmp_path, demo_repo, extra)
    lorax_path.setenv("LORAX_STANDIN_FAIL", "Server.x86_64")
    done = make(compose, "-j4")
    lorax_path.delenv("LORAX_STANDIN_FAIL")
    assert done.returncode == 0, done.stdout
    assert "lorax returned exit code 1" in done.stdout and "failable_deliverables" in done.stdout
    assert open(os.path.join(compose, "STATUS")).read().strip() == "FINISHED_INCOMPLETE"
    st = read_json(os.path.join(compose, "work/x86_64/state/buildinstall-Server.json"))
    assert st["failed"] is True and "logs/x86_64/buildinstall-Server.log" in st["error"]
    # as in Pungi, a tree whose buildinstall failed gets no ISO
    assert "ISO should be bootable, but buildinstall failed. Skipping for Server.x86_64" in done.stdout
    assert read_json(os.path.join(compose, "work/x86_64/createiso/Server.json"))["images"] == []
    assert read_json(os.path.join(compose, "work/i386/createiso/Server.json"))["images"][0]["bootable"] is True
    images = read_json(os.path.join(compose, "compose/metadata/images.json"))["payload"]["images"]
    assert [i["arch"] for i in images["Server"]["x86_64"]] == ["src"]  # the source ISO only
    assert [i["type"] for i in images["Server"]["i386"]].count("boot") == 1


# -- runroot -----------------------------------------------------------------------------------


FAKE_SSH = """#!/bin/sh
# STAND-IN for ssh (no ssh server runs here): log the arguments, run the remote command here.
printf '%s\\n' "$*" >> "$FAKE_SSH_LOG"
for last; do :; done
exec sh -c "$last"
"""


def fake_ssh(tmp_path, env):
    """The ssh stand-in first on PATH, logging to tmp_path/ssh.log."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "ssh").write_text(FAKE_SSH)
    (bindir / "ssh").chmod(0o755)
    env.setenv("PATH", str(bindir) + os.pathsep + os.environ["PATH"])
    env.setenv("FAKE_SSH_LOG", str(tmp_path / "ssh.log"))


def test_openssh_runroot_runs_lorax_through_ssh_with_the_templates(demo, tmp_path, lorax_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    fake_ssh(tmp_path, lorax_path)
    installed = tmp_path / "installed"
    set_phase_options(compose, "runroot", runroot_method={"buildinstall": "openssh"},
                runroot_ssh_hostnames={"x86_64": "builder.example.com"}, runroot_ssh_username="mock",
                runroot_ssh_init_template="echo key-42",
                runroot_ssh_install_packages_template="echo {runroot_key}: {packages} > %s" % installed,
                runroot_ssh_run_template="env RUNROOT_KEY={runroot_key} {command}")
    set_phase_options(compose, "buildinstall", buildinstall_packages=[("^Server$", {"*": ["grub2-efi"]})])
    command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    calls = (tmp_path / "ssh.log").read_text().splitlines()
    assert len(calls) == 3
    assert all(c.startswith("-oBatchMode=yes -n -l mock builder.example.com ") for c in calls)
    assert calls[0].endswith(" echo key-42")
    assert installed.read_text() == "key-42: lorax grub2-efi\n"
    remote = shlex.split(calls[2])[5:]
    assert remote[:4] == ["env", "RUNROOT_KEY=key-42", "sh", "-c"] and len(remote) == 5
    assert shlex.split(remote[4])[:5] == ["cd", "%s/work/x86_64/buildinstall" % compose, "&&", "exec", "lorax"]
    assert "--product=Punji Demo Linux" in shlex.split(remote[4])
    assert os.path.isfile(os.path.join(os_tree(compose, "Server", "x86_64"), "images/boot.iso"))


def test_runroot_errors_are_one_line(demo, tmp_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_options=[])
    set_phase_options(compose, "runroot", runroot_method="koji")
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "option 'runroot_tag'", "runroot_method 'koji'")
    set_phase_options(compose, "runroot", runroot_method="openssh", runroot_ssh_hostnames={"i386": "b"})
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "runroot_ssh_hostnames", "x86_64")


def test_the_makefile_runs_buildinstall_before_createrepo_only_when_asked(demo, new_compose):
    lines = open(os.path.join(demo[0], "Makefile")).read().splitlines()
    states = next(line for line in lines if line.startswith("BUILDINSTALL_STATES := "))
    assert "work/x86_64/state/buildinstall-Server.json" in states.split()
    rule = next(line for line in lines if line.startswith("work/x86_64/state/createrepo-Server.json:"))
    assert "$(filter work/x86_64/state/buildinstall-Server.json,$(BUILDINSTALL_STATES))" in rule
    rule = next(line for line in lines if line.startswith("work/x86_64/state/buildinstall-Server.json:"))
    assert "work/x86_64/state/pkgset.json" in rule.split()
    assert "punji-buildinstall" not in open(os.path.join(new_compose, "Makefile")).read()


def test_buildinstall_topdir_gets_lorax_output_which_is_copied_back(demo, tmp_path, lorax_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    shared = tmp_path / "shared"
    set_phase_options(compose, "buildinstall", buildinstall_topdir=str(shared))
    lorax_path.setenv("LORAX_STANDIN_ARGV", str(tmp_path / "argv.jsonl"))
    command("punji-buildinstall", "--variant", "Server", "--arch", "i386", compose, check=True)
    cid = open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    argv, = lorax_runs(str(tmp_path / "argv.jsonl")).values()
    assert argv[-1] == str(shared / cid / "i386" / "Server")
    assert os.path.isfile(os.path.join(compose, "work/i386/buildinstall/Server/isolinux/isolinux.bin"))
    assert os.path.isfile(os.path.join(os_tree(compose, "Server", "i386"), "images/boot.iso"))
    assert not os.path.exists(os.path.join(os_tree(compose, "Server", "i386"), "EFI"))  # no EFI on i386


def test_openssh_runroot_runs_createisos_image_tools_on_the_arch_host(demo, tmp_path, lorax_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    fake_ssh(tmp_path, lorax_path)
    installed = tmp_path / "installed"
    set_phase_options(compose, "runroot", runroot_method={"createiso": "openssh"},
                runroot_ssh_hostnames={"i386": "i386-builder.example.com"},
                runroot_ssh_install_packages_template="echo {packages} > %s" % installed)
    os.unlink(os.path.join(compose, "work/i386/state/createiso-Server.json"))
    command("punji-createiso", "--variant", "Server", "--arch", "i386", compose, check=True)
    calls = (tmp_path / "ssh.log").read_text().splitlines()
    assert [c.split()[4] for c in calls] == ["i386-builder.example.com"] * 2  # packages, then the script
    assert installed.read_text() == "coreutils genisoimage isomd5sum lorax which\n"
    script = shlex.split(shlex.split(calls[1])[5:][2])
    assert script[:2] == ["cd", "%s/work/i386/createiso/Server" % compose] and script[-2] == "sh"
    (image,) = read_json(os.path.join(compose, "work/i386/createiso/Server.json"))["images"]
    assert image["bootable"] is True
    path = os.path.join(compose, "compose", image["path"])
    assert subprocess.run(["checkisomd5", path], stdout=subprocess.DEVNULL).returncode == 0


def buildinstall_options_and_server(compose):
    """(buildinstall's options, the Server variant's record) of COMPOSE, what lorax.arguments reads."""
    conf = read_json(os.path.join(compose, "work/global/config/buildinstall.json"))
    server = next(v for v in read_json(os.path.join(compose, "work/global/variants.json"))["variants"]
                  if v["uid"] == "Server")
    return conf, server


def test_isfinal_is_pungis_supported_flag_of_the_label(new_compose):
    from punji_lib.media import lorax

    conf, server = buildinstall_options_and_server(new_compose)
    path = os.path.join(new_compose, "work/global/compose-request.json")
    request = read_json(path)
    for label, final in (("RC-1.0", True), ("Update-1.1", True), ("Beta-1.0", False), (None, False)):
        write_json(path, dict(request, compose_type="production", label=label))
        assert dict(lorax.arguments(new_compose, conf, server, "x86_64"))["isfinal"] is final


def test_lorax_gets_the_dvds_volume_id_as_in_pungi(new_compose):
    # Pungi 4.3.2's buildinstall phase asks get_volid for disc_types["dvd"]; "boot" only names boot.iso
    from punji_lib.media import lorax

    conf, server = buildinstall_options_and_server(new_compose)
    path = os.path.join(new_compose, "work/global/config/createiso.json")
    write_json(path, dict(read_json(path), image_volid_formats=["{release_short} {variant} {disc_type}"],
                          disc_types={"boot": "netinst", "dvd": "DVD"}))
    assert dict(lorax.arguments(new_compose, conf, server, "x86_64"))["volid"] == "PDL Server DVD"


# -- across composes (kept last: they add composes to the demo's target directory) ------------


def next_compose(demo, lorax_path, extra):
    """Another compose of the demo's config plus EXTRA in its target directory (make -j4); the
    lorax runs it made."""
    top = os.path.dirname(os.path.dirname(demo))
    conf = os.path.join(top, "demo", "demo.conf")
    with open(conf, "a") as f:
        f.write(extra + "\n")
    compose = command("punji-init", conf, "--target-dir", os.path.dirname(demo), "--test", check=True).stdout.strip()
    argv_file = os.path.join(compose, "..", "argv-%s.jsonl" % os.path.basename(compose))
    lorax_path.setenv("LORAX_STANDIN_ARGV", argv_file)
    done = make(compose, "-j4")
    lorax_path.delenv("LORAX_STANDIN_ARGV")
    assert done.returncode == 0, done.stdout
    return compose, lorax_runs(argv_file)


def boot_iso(compose, uid="Server", arch="x86_64"):
    return os.path.join(os_tree(compose, uid, arch), "images", "boot.iso")


def boot_records(compose):
    images = read_json(os.path.join(compose, "compose/metadata/images.json"))["payload"]["images"]
    return sorted(json.dumps(i, sort_keys=True).replace(os.path.basename(compose), "<compose-id>")
                  for by_arch in images.values() for records in by_arch.values() for i in records if i["type"] == "boot")


def test_buildinstall_allow_reuse_takes_lorax_output_over_until_an_argument_changes(demo, lorax_path):
    first, _argv = demo
    second, runs = next_compose(first, lorax_path, "buildinstall_allow_reuse = True")
    assert runs == {}  # no lorax run: every variant.arch taken over
    assert os.stat(boot_iso(second)).st_ino == os.stat(boot_iso(first)).st_ino  # hard-linked
    assert boot_records(second) == boot_records(first)
    with open(os.path.join(second, "logs/x86_64/buildinstall-Server.log")) as f:
        assert "buildinstall Server.x86_64: taken over from %s (same inputs)" % first in f.read()
    assert os.path.isfile(os.path.join(second, "logs/x86_64/buildinstall-Server-logs/lorax.log"))
    third, runs = next_compose(first, lorax_path, 'lorax_options = [("^Server$", {"x86_64": {"rootfs_size": 4}})]')
    assert sorted(runs) == [("Server", "x86_64")]  # only the changed arguments run lorax
    fourth, runs = next_compose(first, lorax_path, "buildinstall_allow_reuse = False")
    assert len(runs) == len(lorax_runs(demo[1]))


def test_the_lorax_stand_in_writes_the_same_bytes_each_run(demo_repo, tmp_path):
    """So a kill campaign with buildinstall can compare a resumed compose with a clean one byte
    for byte: efiboot.img (FAT volume serial, file dates) and boot.iso (volume dates, GPT
    GUIDs, file dates) come out the same from the same arguments, whatever the clock says."""
    import hashlib
    import time

    def run(out):
        subprocess.run([os.path.join(STAND_IN, "lorax"), "-p", "Demo", "-v", "1", "-r", "1", "-s",
                        "file://" + demo_repo, "--buildarch", "x86_64", "--volid", "PDL-1 Server.x86_64", str(out)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return {os.path.relpath(os.path.join(root, n), out): hashlib.sha256(open(os.path.join(root, n), "rb").read())
                .hexdigest() for root, _d, names in os.walk(out) for n in names}

    first = run(tmp_path / "one")
    time.sleep(1.1)  # the clock moved on: no date may come from it
    assert run(tmp_path / "two") == first and "images/efiboot.img" in first and "images/boot.iso" in first
