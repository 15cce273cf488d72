"""punji-ostreeinstaller (Pungi's ostree_installer) on the demo compose.

lorax cannot run here, so as in tests/test_buildinstall.py the STAND-IN
tests/data/lorax-stand-in/lorax goes first on PATH: it parses and checks lorax's
real command line (every file:// --source has repodata, --volid fits), logs its
argv to $LORAX_STANDIN_ARGV and writes a boot tree with a real El Torito
images/boot.iso (xorriso, implanted MD5); $LORAX_STANDIN_FAIL=<variant>.<arch>
makes that run fail. Everything after lorax is real: the ISO in the compose's
iso/ directory, its volume id and implanted MD5 read back, images.json.
"""

import os

import pytest

from conftest import assert_one_line_error, command, git, make, read_json, set_phase_options
from test_buildinstall import STAND_IN, lorax_runs, make_compose

CONFIG = """
ostree_installer = [
    ("^Server$", {
        "x86_64": {
            "repo": ["Everything", "https://ostree.example.com/pdl/$arch/os"],
            "release": "20261126",
            "installpkgs": ["demo-bash"],
            "add_template": ["ostree-based-installer/lorax-configure-repo.tmpl", "/usr/share/lorax/extra.tmpl"],
            "add_template_var": ["ostree_ref=pdl/1/x86_64/server"],
            "add_arch_template_var": ["ostree_repo=https://ostree.example.com/repo"],
            "template_repo": "%(git)s",
            "template_branch": "pdl-1",
            "rootfs_size": "3",
        },
    }),
    ("^Client$", {"i386": {"failable": ["*"]}, "x86_64": {"skip_branding": True}}),
]
"""



@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_repo):
    top = tmp_path_factory.mktemp("ostreeinstaller")
    gitdir = top / "templates-git"
    (gitdir / "ostree-based-installer").mkdir(parents=True)
    (gitdir / "ostree-based-installer" / "lorax-configure-repo.tmpl").write_text("## template\n")
    for args in (["init", "-q", "-b", "pdl-1"], ["add", "."], ["commit", "-q", "-m", "templates"]):
        git(gitdir, *args)
    compose = make_compose(top, demo_repo, CONFIG % {"git": gitdir})
    argv_file = str(top / "lorax-argv.jsonl")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", STAND_IN + os.pathsep + os.environ["PATH"])
        mp.setenv("LORAX_STANDIN_ARGV", argv_file)
        mp.setenv("LORAX_STANDIN_FAIL", "Client.i386")
        done = make(compose, "-j4")
        assert done.returncode == 0, done.stdout
        yield compose, argv_file, mp


def test_lorax_gets_the_blocks_arguments(demo, demo_repo):
    compose, argv_file, _ = demo
    runs = lorax_runs(argv_file)
    assert sorted(runs) == [("Client", "i386"), ("Client", "x86_64"), ("Server", "x86_64")]
    assert runs[("Server", "x86_64")] == [
        "--product=Punji Demo Linux", "--version=1", "--release=20261126",
        # as Pungi's: the block's repos, then the package set's and the comps repo for $basearch
        "--source=file://%s/compose/Everything/x86_64/os" % compose,
        "--source=https://ostree.example.com/pdl/x86_64/os",
        "--source=file://%s/work/$basearch/repo" % compose,
        "--source=file://%s/work/$basearch/comps_repo_Server" % compose,
        "--variant=Server", "--nomacboot", "--buildarch=x86_64", "--volid=PDL-1 Server.x86_64",
        "--installpkgs=demo-bash",
        "--add-template=%s/work/x86_64/Server/lorax_templates/tree/"
        "ostree-based-installer/lorax-configure-repo.tmpl" % compose,
        "--add-template=/usr/share/lorax/extra.tmpl",
        "--add-template-var=ostree_ref=pdl/1/x86_64/server",
        "--add-arch-template-var=ostree_repo=https://ostree.example.com/repo",
        # Pungi's place, its log directory numbered in its job order (Client.i386, Client.x86_64, Server...)
        "--logfile=%s/logs/x86_64/Server/ostree_installer-3/lorax.log" % compose,
        "--rootfs-size=3",
        "%s/work/x86_64/Server/ostree_installer" % compose,  # Pungi's output directory
    ]
    assert "--skip-branding" in runs[("Client", "x86_64")]


def test_boot_iso_in_the_iso_directory_and_images_json(demo):
    compose, _, _ = demo
    compose_id = open(os.path.join(compose, "COMPOSE_ID")).read().strip()
    rel = "Server/x86_64/iso/%s-Server-x86_64-ostree1.iso" % compose_id  # Pungi's name: disc 1
    path = os.path.join(compose, "compose", rel)
    assert os.path.isfile(path)
    assert os.path.samefile(path, os.path.join(compose, "work/x86_64/Server/ostree_installer/images/boot.iso"))
    # as Pungi, what lorax made is copied into the os tree (but the tree's own .treeinfo)
    tree = os.path.join(compose, "compose/Server/x86_64/os")
    for name in ("images/boot.iso", "images/install.img", "isolinux/isolinux.cfg", "EFI/BOOT/grub.cfg"):
        assert os.path.isfile(os.path.join(tree, name)), name
    assert "lorax stand-in" not in open(os.path.join(tree, ".discinfo")).read()
    images = read_json(os.path.join(compose, "compose/metadata/images.json"))["payload"]["images"]
    record = [i for i in images["Server"]["x86_64"] if i["path"] == rel]
    assert len(record) == 1
    record = record[0]
    assert record["type"] == "dvd-ostree" and record["format"] == "iso" and record["bootable"] is True
    assert record["volume_id"] == "PDL-1 Server.x86_64" and record["implant_md5"]
    assert record["subvariant"] == "Server" and record["size"] == os.path.getsize(path)
    # the Client.i386 run failed (failable) and left nothing behind
    assert not any(i["type"] == "dvd-ostree" for i in images.get("Client", {}).get("i386", []))
    assert not os.path.exists(os.path.join(compose, "work/i386/Client/ostree_installer"))
    st = read_json(os.path.join(compose, "work/global/state/ostreeinstaller.json"))
    assert st["failed"] is True and "variant Client, arch i386" in st["error"]
    assert "stand-in told to fail" in st["error"]
    with open(os.path.join(compose, "STATUS")) as f:
        assert f.read().strip() == "FINISHED_INCOMPLETE"


def test_clash_with_buildinstall_and_non_failable_failure_are_one_line_errors(demo, tmp_path):
    compose, _, mp = demo
    mp.setenv("LORAX_STANDIN_FAIL", "Server.x86_64")
    done = command("punji-ostreeinstaller", compose)
    assert_one_line_error(done, "variant Server, arch x86_64", "lorax returned exit code 1",
                          "logs/global/ostreeinstaller.log")
    mp.delenv("LORAX_STANDIN_FAIL")
    set_phase_options(compose, "buildinstall", buildinstall_method="lorax")
    done = command("punji-ostreeinstaller", compose)
    assert_one_line_error(done, "Server.x86_64", "buildinstall runs there too", "ostree_installer_overwrite")
