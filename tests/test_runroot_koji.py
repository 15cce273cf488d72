"""runroot_method "koji": phases' tools run as tasks of Koji's runroot plugin.

The hub is tests/kojihub_runroot.RunrootHub: it checks the runroot call as the
plugin does and its builder really runs the command (`sh -c`, in a scratch
directory as the chroot's /tmp), so the command's effect lands in the compose
(the builder sees the compose's paths, as through the runroot mounts). lorax is
the stand-in of tests/test_buildinstall.py, on PATH for the hub's builder too.
"""

import os
import signal
import subprocess
import time

import pytest

import kojihub_runroot
from conftest import BIN, assert_one_line_error, command, make, read_json, set_phase_options
from test_buildinstall import STAND_IN, copy_compose, lorax_runs, make_compose, os_tree

EXTRA = """
buildinstall_method = "lorax"
koji_profile = "punjitasks"
runroot_method = {"buildinstall": "koji"}
runroot_tag = "pdl-1-build"
runroot_channel = "compose"
runroot_weights = {"buildinstall": 4.5, "createiso": 2}
buildinstall_packages = [("^Server$", {"*": ["grub2-efi"]})]
"""
# other lorax arguments than the demo compose's: lorax runs again (a copied compose is the same compose)
NEW_LORAX_OPTIONS = [["^Server$", {"*": {"rootfs_size": 5}}]]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    yield from kojihub_runroot.running_hub(tmp_path_factory)


@pytest.fixture(scope="module")
def env():
    """The lorax stand-in first on PATH (make, the commands and the hub's builder inherit it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", STAND_IN + os.pathsep + os.environ["PATH"])
        yield mp


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo, hub, env):
    """The whole demo compose, buildinstall through koji runroot tasks (make -j4)."""
    top = tmp_path_factory.mktemp("runrootkoji")
    compose = make_compose(top, demo_repo, EXTRA)
    argv_file = str(top / "lorax-argv.jsonl")
    env.setenv("LORAX_STANDIN_ARGV", argv_file)
    done = make(compose, "-j4")
    env.delenv("LORAX_STANDIN_ARGV")
    assert done.returncode == 0, done.stdout
    return compose, argv_file, hub.runroot_tasks()


def test_buildinstall_runs_as_runroot_tasks_with_the_options(demo, hub):
    compose, argv_file, tasks = demo
    runs = lorax_runs(argv_file)
    assert ("Server", "x86_64") in runs and ("Server", "i386") in runs
    assert len(tasks) == len(runs)  # every lorax run was a runroot task
    for task_id, (tag, arch, cmd), kwargs in tasks:
        assert tag == "pdl-1-build" and arch in ("x86_64", "i386")
        # the options as `koji runroot` sends Pungi's: all of them, the weight an integer
        assert kwargs["channel"] == "compose" and kwargs["weight"] == 4
        assert kwargs["repo_id"] is None and kwargs["skip_setarch"] is False
        assert kwargs["mounts"] == [compose]
        assert kwargs["packages"][0] == "lorax"
        # Pungi's command: its build root clean-up, the output removed, lorax, then the output and
        # the log directory handed over
        output = "%s/work/%s/buildinstall/%s" % (compose, arch, cmd.split("--variant=")[1].split()[0])
        log_dir = "%s/logs/%s/buildinstall-%s-logs" % (compose, arch, cmd.split("--variant=")[1].split()[0])
        assert cmd.startswith("rm -f /var/lib/rpm/__db*; rm -rf /var/cache/yum/*; set -x; rm -rf %s && lorax "
                              % output)
        assert cmd.endswith(" %s ; EXIT_CODE=$? ; chmod -R a+r %s %s ; chown -R %d %s %s ; exit $EXIT_CODE"
                            % (output, output, log_dir, os.getuid(), output, log_dir))
        assert hub.tasks[task_id]["state"] == kojihub_runroot.CLOSED
    server = [kw for _, (_, arch, cmd), kw in tasks if arch == "x86_64" and "--variant=Server" in cmd]
    assert len(server) == 1 and server[0]["packages"] == ["lorax", "grub2-efi"]


def test_the_boot_files_are_in_the_compose_and_the_task_log_in_the_phase_log(demo, hub):
    compose, _, tasks = demo
    top = os_tree(compose, "Server", "x86_64")
    for name in ("images/boot.iso", "images/efiboot.img", "images/install.img", "images/pxeboot/vmlinuz",
                 "isolinux/isolinux.bin"):
        assert os.path.isfile(os.path.join(top, name)), name
    assert read_json(os.path.join(compose, "work/x86_64/createiso/Server.json"))["images"][0]["bootable"] is True
    log = open(os.path.join(compose, "logs/x86_64/buildinstall-Server.log")).read()
    task_id = next(t for t, (_, arch, cmd), _ in tasks if arch == "x86_64" and "--variant=Server" in cmd)
    assert "koji task %d: runroot submitted" % task_id in log
    assert "koji task %d runroot.log:" % task_id in log
    assert "lorax stand-in: wrote " in log  # the command's own output, from the task's runroot.log


def failing_lorax(demo, env, tmp_path, **options):
    """(compose, done): punji-buildinstall of Server.x86_64 in a copy of the demo compose with the
    buildinstall OPTIONS, the lorax stand-in failing."""
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", **options)
    env.setenv("LORAX_STANDIN_FAIL", "1")
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    env.delenv("LORAX_STANDIN_FAIL")
    return compose, done


def test_a_failing_command_is_one_line_with_the_task_id(demo, hub, env, tmp_path):
    compose, done = failing_lorax(demo, env, tmp_path, lorax_options=NEW_LORAX_OPTIONS)
    task_id = hub.runroot_tasks()[-1][0]
    assert hub.tasks[task_id]["state"] == kojihub_runroot.FAILED
    assert_one_line_error(done, "koji task %d (runroot x86_64)" % task_id, "mock exited with status 1",
                          "Error in the installer templates", "logs/x86_64/buildinstall-Server.log")
    assert not os.path.exists(os.path.join(os_tree(compose, "Server", "x86_64"), "images"))
    assert not os.path.exists(os.path.join(compose, "work/x86_64/state/buildinstall-Server.json"))


def test_a_broken_build_root_is_one_line_with_the_task_id(demo, hub, tmp_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_options=NEW_LORAX_OPTIONS)
    hub.fail_runroot("GenericError: mock exited with status 30 (build root broken)")
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "i386", compose)
    task_id = hub.runroot_tasks()[-1][0]
    assert_one_line_error(done, "koji task %d (runroot i386)" % task_id, "build root broken",
                          "logs/i386/buildinstall-Server.log")


def test_hub_errors_are_retried(demo, hub, tmp_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_options=NEW_LORAX_OPTIONS)
    before = len(hub.runroot_tasks())
    hub.fail_next(2)  # the hub offline for the first two requests (the login)
    command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    assert len(hub.runroot_tasks()) == before + 1
    log = open(os.path.join(compose, "logs/x86_64/buildinstall-Server.log")).read()
    assert "failed (" in log and "try 2 of 4" in log and "try 3 of 4" in log
    assert os.path.isfile(os.path.join(os_tree(compose, "Server", "x86_64"), "images/boot.iso"))


def test_option_and_hub_errors_are_one_line(demo, hub, tmp_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_options=NEW_LORAX_OPTIONS)
    set_phase_options(compose, "runroot", runroot_tag=None)
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "option 'runroot_tag'", "buildinstall")
    set_phase_options(compose, "runroot", runroot_tag="no-such-build")
    done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    assert_one_line_error(done, "runroot failed", "no-such-build")
    set_phase_options(compose, "runroot", runroot_tag="pdl-1-build", runroot_weights={})
    before = len(hub.runroot_tasks())
    command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    (_, _, kwargs), = hub.runroot_tasks()[before:]
    assert kwargs["weight"] is None  # no weight: Koji's policy picks it


def test_a_runroot_task_a_killed_run_left_running_ends_before_its_resume_runs_lorax_again(demo, hub, env, tmp_path):
    """A run killed while it waits for its runroot task cannot cancel it: lorax goes on writing
    into the output directory. The resume waits for that task to end before it clears the
    output and runs lorax again; else both wrote into one directory and the resume failed
    (found by a kill campaign on koji-tasks-buildinstall)."""
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_options=NEW_LORAX_OPTIONS)
    output = os.path.join(compose, "work/x86_64/buildinstall/Server")
    before = len(hub.runroot_tasks())
    env.setenv("LORAX_STANDIN_DELAY", "4")
    try:
        argv = [os.path.join(BIN, "punji-buildinstall"), "--variant", "Server", "--arch", "x86_64", compose]
        killed = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(hub.runroot_tasks()) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        # the run cleared the output before it submitted: lorax made its first directories and waits
        while not os.path.isdir(os.path.join(output, "isolinux")) and time.monotonic() < deadline:
            time.sleep(0.05)
        killed.kill()
        assert killed.wait() == -signal.SIGKILL
        (left, _, _), = hub.runroot_tasks()[before:]
        assert hub.tasks[left]["state"] == kojihub_runroot.OPEN  # lorax still writes as the resume starts
        seen = []  # the left task's state as the resume creates its own
        hub.after_call("runroot", lambda: seen.append(hub.tasks[left]["state"]))
        done = command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose)
    finally:
        env.delenv("LORAX_STANDIN_DELAY")
    assert done.returncode == 0, done.stderr
    assert len(hub.runroot_tasks()) == before + 2 and seen == [kojihub_runroot.CLOSED]
    log = open(os.path.join(compose, "logs/x86_64/buildinstall-Server.log")).read()
    assert "koji task %d: left running by an interrupted run" % left in log
    assert os.path.isfile(os.path.join(os_tree(compose, "Server", "x86_64"), "images/boot.iso"))


def test_createiso_runs_its_image_tools_as_runroot_tasks(demo, hub, tmp_path):
    """runroot_method createiso "koji": a bootable tree's image is written by a task on its own
    arch with lorax in the build root, the source image (not bootable) by one on x86_64."""
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "runroot", runroot_method={"buildinstall": "koji", "createiso": "koji"})
    before = len(hub.runroot_tasks())
    for arch in ("i386", "src"):
        os.unlink(os.path.join(compose, "work/%s/state/createiso-Server.json" % arch))
        command("punji-createiso", "--variant", "Server", "--arch", arch, compose, check=True)
    tasks = hub.runroot_tasks()[before:]
    assert [(args[1], kwargs["packages"], kwargs["weight"]) for _, args, kwargs in tasks] == [
        ("i386", ["coreutils", "genisoimage", "isomd5sum", "lorax", "which"], 2),
        ("x86_64", ["coreutils", "genisoimage", "isomd5sum"], 2)]
    for task_id, (_, _, cmd), kwargs in tasks:
        assert hub.tasks[task_id]["state"] == kojihub_runroot.CLOSED
        assert kwargs["mounts"] == [compose] and " && sh " in cmd and "/createiso-PDL-" in cmd
    for arch in ("i386", "src"):
        (image,) = read_json(os.path.join(compose, "work/%s/createiso/Server.json" % arch))["images"]
        path = os.path.join(compose, "compose", image["path"])
        assert image["bootable"] is (arch == "i386") and len(image["implant_md5"]) == 32
        assert subprocess.run(["checkisomd5", path], stdout=subprocess.DEVNULL).returncode == 0
        log = open(os.path.join(compose, "logs/%s/createiso-Server.log" % arch)).read()
        assert "runroot.log:" in log  # the tools ran in the task, their output is in the phase log


def test_runroot_tag_without_runroot_method_means_koji_and_global_runroot_method_alone_nothing(demo, hub, tmp_path):
    """Pungi 4.3.2's choice (tools/fuzz-compose --realconf seed 50008): runroot_tag set and
    runroot_method not makes every phase a Koji runroot task, whatever global_runroot_method
    says; global_runroot_method counts only for the phases a {phase: method} runroot_method leaves
    out, so alone it runs the tools here."""
    compose = copy_compose(demo[0], tmp_path / "c")
    state = os.path.join(compose, "work/src/state/createiso-Server.json")
    set_phase_options(compose, "runroot", runroot_method=None, global_runroot_method="local")
    before = len(hub.runroot_tasks())
    os.unlink(state)
    command("punji-createiso", "--variant", "Server", "--arch", "src", compose, check=True)
    tasks = hub.runroot_tasks()[before:]
    assert [(args[1], kwargs["packages"]) for _, args, kwargs in tasks] == [
        ("x86_64", ["coreutils", "genisoimage", "isomd5sum"])]
    log = os.path.join(compose, "logs/src/createiso-Server.log")
    logged = os.path.getsize(log)
    set_phase_options(compose, "runroot", runroot_tag=None, global_runroot_method="koji")
    os.unlink(state)
    command("punji-createiso", "--variant", "Server", "--arch", "src", compose, check=True)
    assert len(hub.runroot_tasks()) == before + 1
    with open(log) as f:
        f.seek(logged)
        assert "runroot.log:" not in f.read()


def test_extra_isos_run_their_image_tools_through_createiso_s_runroot_method(demo, hub, tmp_path):
    """Pungi's extra_isos phase writes its images with createiso's runroot method (tools/fuzz-compose
    --realconf seed 50008): here a Koji task on x86_64 for the source image, which does not boot."""
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "runroot", runroot_method={"buildinstall": "koji", "createiso": "koji"})
    set_phase_options(compose, "createiso", extra_isos={"^Server$": [{
        "include_variants": [], "filename": "{release_short}-{variant}-{arch}-extra{suffix}"}]})
    before = len(hub.runroot_tasks())
    command("punji-extraiso", "--variant", "Server", "--arch", "src", compose, check=True)
    ((task_id, args, kwargs),) = hub.runroot_tasks()[before:]
    assert args[1] == "x86_64" and kwargs["packages"] == ["coreutils", "genisoimage", "isomd5sum"]
    assert kwargs["mounts"] == [compose] and "/extraiso-PDL-Server-src-extra.iso" in args[2]
    assert hub.tasks[task_id]["state"] == kojihub_runroot.CLOSED
    (image,) = read_json(os.path.join(compose, "work/src/extraiso/Server.json"))["images"]
    path = os.path.join(compose, "compose", image["path"])
    assert image["bootable"] is False and len(image["implant_md5"]) == 32
    assert subprocess.run(["checkisomd5", path], stdout=subprocess.DEVNULL).returncode == 0
    assert "runroot.log:" in open(os.path.join(compose, "logs/src/extraiso-Server.log")).read()


def test_lorax_use_koji_plugin_runs_a_pungi_buildinstall_task(demo, hub, tmp_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    set_phase_options(compose, "buildinstall", lorax_use_koji_plugin=True)
    before = len(hub.plugin_tasks("pungi_buildinstall"))
    command("punji-buildinstall", "--variant", "Server", "--arch", "x86_64", compose, check=True)
    ((task_id, args, kwargs),) = hub.plugin_tasks("pungi_buildinstall")[before:]
    assert args == ["pdl-1-build", "x86_64"] and hub.tasks[task_id]["state"] == kojihub_runroot.CLOSED
    output = "%s/work/x86_64/buildinstall/Server" % compose
    assert kwargs == {
        "channel": "compose", "packages": ["lorax", "grub2-efi"], "mounts": [compose], "weight": 4,
        "chown_uid": os.getuid(), "lorax_args": {
            "product": "Punji Demo Linux", "version": "1", "release": "1",
            # as `koji pungi-buildinstall` sends Pungi's: the repos' paths (the comps repo last)
            "sources": ["%s/work/x86_64/repo" % compose, "%s/work/x86_64/comps_repo_Server" % compose],
            "variant": "Server", "nomacboot": True,
            "noupgrade": True, "buildarch": "x86_64", "volid": "PDL-1 Server.x86_64", "outputdir": output}}
    # the results moved from <outputdir>/results into the tree, lorax's log into the phase's log dir
    assert os.path.isfile(os.path.join(os_tree(compose, "Server", "x86_64"), "images/boot.iso"))
    assert os.path.isfile(os.path.join(compose, "logs/x86_64/buildinstall-Server-logs/lorax.log"))
    assert sorted(os.listdir(output)) == sorted(os.listdir(os.path.join(demo[0], "work/x86_64/buildinstall/Server")))
    log = open(os.path.join(compose, "logs/x86_64/buildinstall-Server.log")).read()
    assert "koji pungi_buildinstall on x86_64" in log and "lorax stand-in: wrote " in log


def test_a_failing_pungi_buildinstall_task_is_one_line(demo, hub, env, tmp_path):
    _compose, done = failing_lorax(demo, env, tmp_path, lorax_use_koji_plugin=True)
    task_id = hub.plugin_tasks("pungi_buildinstall")[-1][0]
    assert_one_line_error(done, "koji task %d (pungi_buildinstall" % task_id, "Error in the installer templates",
                          "logs/x86_64/buildinstall-Server.log")


def test_ostree_installer_use_koji_plugin_runs_a_pungi_buildinstall_task(demo, hub, tmp_path):
    compose = copy_compose(demo[0], tmp_path / "c")
    block = {"repo": ["Everything"], "release": "20261126", "installpkgs": ["demo-bash"], "rootfs_size": "3",
             "add_template_var": ["ostree_ref=pdl/1/x86_64/server"], "skip_branding": True}
    set_phase_options(compose, "ostreeinstaller", ostree_installer=[["^Server$", {"x86_64": block}]],
                ostree_installer_overwrite=True, ostree_installer_use_koji_plugin=True)
    set_phase_options(compose, "runroot", runroot_weights={"ostree_installer": 3})
    before = len(hub.plugin_tasks("pungi_buildinstall"))
    command("punji-ostreeinstaller", compose, check=True)
    ((task_id, args, kwargs),) = hub.plugin_tasks("pungi_buildinstall")[before:]
    assert args == ["pdl-1-build", "x86_64"] and kwargs["weight"] == 3
    assert kwargs["packages"] == ["pungi", "lorax", "ostree"] and kwargs["mounts"] == [compose]
    output = "%s/work/x86_64/Server/ostree_installer" % compose
    assert kwargs["lorax_args"] == {
        "product": "Punji Demo Linux", "version": "1", "release": "20261126",
        "sources": ["%s/compose/Everything/x86_64/os" % compose, "%s/work/$basearch/repo" % compose,
                    "%s/work/$basearch/comps_repo_Server" % compose],
        "variant": "Server", "nomacboot": True, "buildarch": "x86_64", "volid": "PDL-1 Server.x86_64",
        # a key the CLI gets once is a plain value
        "installpkgs": "demo-bash", "add-template-var": "ostree_ref=pdl/1/x86_64/server", "rootfs-size": "3",
        "outputdir": output}
    assert os.path.isfile("%s/work/x86_64/Server/ostree_installer/images/boot.iso" % compose)
    assert os.path.isfile(os.path.join(compose, "logs/x86_64/Server/ostree_installer-1/lorax.log"))


def test_the_hub_answers_as_a_real_one_where_pungi_asks(tmp_path):
    """What Pungi 4.3.2 and the koji CLI ask of the hub (tools/fidelity-koji-tasks): sessions of
    their own (one client's logout leaves another logged in), a runroot task's build root and its
    RPMs (Pungi records buildinstall's), hasPerm."""
    hub = kojihub_runroot.RunrootHub(tmp_path / "storage")
    hub.add_tag(kojihub_runroot.TAG)
    hub.sslLogin()
    hub.sslLogin()
    hub.logout()
    assert hub.getLoggedInUser() and hub.hasPerm("pungi_buildinstall")
    task_id = hub.runroot(kojihub_runroot.TAG, "x86_64", "true", packages=["lorax"], mounts=[str(tmp_path)])
    (root,) = hub.listBuildroots(taskID=task_id)
    assert sorted(r["nvr"] for r in hub.listRPMs(componentBuildrootID=root["id"])) == ["bash-1.0-1", "lorax-1.0-1"]
    hub.logout()
    assert hub.getLoggedInUser() is None
