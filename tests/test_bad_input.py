"""The bad-input corpus (tests/data/bad/): every broken input gives one clear error line.

Each directory of tests/data/bad/ with an expect.json is a case: a config (case.conf,
which includes common/base.conf: a one-variant product over a repo of six demo RPMs)
and whatever it breaks. expect.json says:

  command     punji-config-validate, punji-init or punji-compose (run with -j 1)
  exit        the exit code
  fragments   what the error line must contain
  kind        which kind of broken input it is
  repo        changes to the case's own copy of the repo: ["truncate", glob, size (< 0: from
              the end)], ["corrupt", glob, offset (< 0: from the end), length], ["write",
              glob, text], ["replace", glob, glob of the file to copy over it], ["delete",
              glob], ["sub", glob, old, new], ["gzsub", glob, old, new] (inside a .gz),
              ["checksum", glob]: repomd.xml gives that metadata file its new checksum
  http        "empty": @HTTP@ is a web server over an empty directory (404 for everything);
              "repo": one over the case's repo
  without     a tool missing from PATH (PATH is a directory of symlinks to all others)
  fsize       RLIMIT_FSIZE for the command and everything it runs
  tmpfs       the target directory is a tmpfs of that size
  tmpfs_options  more mount options of that tmpfs ("ro")

The case is copied with common/ into a private directory and its placeholders replaced
(@REPO@, @HTTP@, @CASE@, @OUTSIDE@, @ESCAPE@: a relative path of "../" that leads from
anywhere in the compose to @OUTSIDE@). The test checks the exit code; no traceback and no
internal error; one error line containing every fragment — punji-compose relays the
failing phase's own line from make before its own "compose DOOMED" line, so there each
program must say it once, both lines with the fragments; that a compose left behind is
DOOMED; and that nothing outside the compose directory changed: the case's files and
repo, the rest of the test's directory, build/demo-repo.
"""

import glob
import gzip
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import (BIN, DATA, ROOT, command, http_server, path_without, snapshot_changes, tree_snapshot)

BAD = os.path.join(DATA, "bad")
COMMON = os.path.join(BAD, "common")
CASES = sorted(name for name in os.listdir(BAD) if os.path.isfile(os.path.join(BAD, name, "expect.json")))
TEXT_SUFFIXES = (".conf", ".xml", ".txt", ".json")
# What a command may print on stderr besides its error line: warnings, make's own lines and its
# echo of the commands it runs, punji-compose's compose path.
EXPECTED_LINE = re.compile(r"^(punji-[a-z-]+: (error|warning): |make(\[\d+\])?: |/\S*/punji-[a-z-]+( |$)|punji-compose: compose )")


def test_the_corpus_has_at_least_30_cases_of_every_kind():
    assert len(CASES) >= 30, CASES
    kinds = {}
    for name in CASES:
        expect = json.load(open(os.path.join(BAD, name, "expect.json")))
        assert expect["command"] in ("punji-config-validate", "punji-init", "punji-compose"), name
        assert expect["fragments"] and expect["exit"] != 0, name
        kinds.setdefault(expect["kind"], []).append(name)
    text = " ".join(kinds).lower()
    for kind in ("syntax", "type", "include", "variants xml", "comps xml", "repo path", "repo url", "repodata",
                 "truncated rpm", "corrupt rpm", "header says something else", "disk", "missing external tool",
                 "leaving the compose"):
        assert kind in text, "no case of kind %r: %s" % (kind, sorted(kinds))


# -- setting a case up ---------------------------------------------------------------------


def substitute(text, values):
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def mutate(repo, steps, values):
    """Apply the expect.json "repo" STEPS to the files of REPO."""
    for step in steps:
        op, pattern = step[0], step[1]
        (path,) = glob.glob(os.path.join(repo, pattern)) or [None]
        assert path, "%s matches no file of the repo" % pattern
        if op == "truncate":
            size = step[2] if step[2] >= 0 else os.path.getsize(path) + step[2]
            os.truncate(path, size)
        elif op == "corrupt":
            offset = step[2] if step[2] >= 0 else os.path.getsize(path) + step[2]
            with open(path, "r+b") as f:
                f.seek(offset)
                old = f.read(step[3])
                f.seek(offset)
                f.write(bytes(b ^ 0x5A for b in old))
        elif op == "write":
            with open(path, "w", encoding="utf-8") as f:
                f.write(substitute(step[2], values))
        elif op == "replace":
            (other,) = glob.glob(os.path.join(repo, step[2]))
            shutil.copyfile(other, path)
        elif op == "delete":
            os.unlink(path)
        elif op in ("sub", "gzsub"):
            opener = gzip.open if op == "gzsub" else open
            with opener(path, "rt", encoding="utf-8") as f:
                text = f.read()
            old, new = step[2], substitute(step[3], values)
            assert old in text, "%r is not in %s" % (old, path)
            with opener(path, "wt", encoding="utf-8") as f:
                f.write(text.replace(old, new))
        elif op == "checksum":
            rechecksum(repo, path)
        else:
            raise AssertionError("unknown repo step %r" % op)


def rechecksum(repo, path):
    """Give the metadata file PATH its own checksum and size in REPO's repomd.xml."""
    import hashlib

    repomd = os.path.join(repo, "repodata", "repomd.xml")
    with open(repomd, encoding="utf-8") as f:
        text = f.read()
    start = text.rindex("<data ", 0, text.index(os.path.basename(path)))
    end = text.index("</data>", start)
    with open(path, "rb") as f:
        data = f.read()
    block = re.sub(r'(<checksum type="sha256">)[0-9a-f]+', r"\g<1>" + hashlib.sha256(data).hexdigest(), text[start:end])
    block = re.sub(r"<size>\d+</size>", "<size>%d</size>" % len(data), block)
    with open(repomd, "w", encoding="utf-8") as f:
        f.write(text[:start] + block + text[end:])


def copy_case(name, work, values):
    """common/ and then the case's files into WORK, placeholders replaced."""
    os.makedirs(work)
    for source in (COMMON, os.path.join(BAD, name)):
        for entry in sorted(os.listdir(source)):
            if entry == "expect.json":
                continue
            path = os.path.join(source, entry)
            if os.path.isdir(path):
                shutil.copytree(path, os.path.join(work, entry))
                continue
            target = os.path.join(work, entry)
            if entry.endswith(TEXT_SUFFIXES):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                with open(target, "w", encoding="utf-8") as f:
                    f.write(substitute(text, values))
            else:
                shutil.copy2(path, target)
    return os.path.join(work, "case.conf")


def argv_of(expect, conf, target):
    name = expect["command"]
    argv = [os.path.join(BIN, name), conf]
    if name in ("punji-init", "punji-compose"):
        argv += ["--target-dir", target, "--test"]
    if name == "punji-compose":
        argv += ["-j", "1"]
    return argv


def run_case(argv, cwd, env, fsize=None):
    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=300, preexec_fn=limit if fsize else None)


# -- the checks ------------------------------------------------------------------------------


def error_lines(done, expect):
    """The lines with ': error: ' a case printed; problems with them."""
    lines = [line for line in done.stderr.splitlines() if ": error: " in line]
    problems = []
    if expect["command"] == "punji-compose":
        own = [line for line in lines if line.startswith("punji-compose: error: ")]
        relayed = [line for line in lines if line not in own]
        if len(own) != 1:
            problems.append("%d punji-compose error lines, not 1" % len(own))
        if len(relayed) > 1:
            problems.append("%d error lines relayed from make, not at most 1" % len(relayed))
    elif len(lines) != 1:
        problems.append("%d error lines, not 1" % len(lines))
    for line in lines:
        missing = [f for f in expect["fragments"] if f not in line]
        if missing:
            problems.append("the error line lacks %s: %s" % (", ".join(repr(m) for m in missing), line))
    stray = [line for line in done.stderr.splitlines() if line.strip() and not EXPECTED_LINE.match(line)]
    if stray:
        problems.append("%d lines that are no error, warning or make's: %s" % (len(stray), stray[:2]))
    return problems


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, tmp_path_factory, small_repo, demo_repo):
    expect = json.load(open(os.path.join(BAD, name, "expect.json")))
    tmp_path = tmp_path_factory.mktemp("case")  # a name of its own: no fragment can match the case's name
    area, outside, empty = tmp_path / "area", tmp_path / "outside", tmp_path / "empty"
    for path in (area, outside, empty):
        os.makedirs(path)
    target = area / "out"
    repo = str(tmp_path / "repo")
    shutil.copytree(small_repo, repo)
    values = {"@REPO@": repo, "@OUTSIDE@": str(outside), "@CASE@": str(area / "case"),
              "@ESCAPE@": "../" * 40 + str(outside).lstrip("/")}
    mutate(repo, expect.get("repo", []), values)

    env = dict(os.environ)
    if expect.get("without"):
        env["PATH"] = path_without(expect["without"], str(tmp_path / "bin"))
    mounted = False
    if expect.get("tmpfs"):
        os.makedirs(target)
        options = ",".join(["size=%s" % expect["tmpfs"]] + ([expect["tmpfs_options"]] if expect.get("tmpfs_options") else []))
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "punji-test", str(target)], check=True)
        mounted = True
    try:
        served = {"empty": str(empty), "repo": repo}.get(expect.get("http"), str(empty))
        with http_server(served) as url:
            values["@HTTP@"] = url
            conf = copy_case(name, str(area / "case"), values)
            before = tree_snapshot(tmp_path, demo_repo, skip=[target])
            done = run_case(argv_of(expect, conf, str(target)), str(area / "case"), env, expect.get("fsize"))
            after = tree_snapshot(tmp_path, demo_repo, skip=[target])
        composes = sorted(os.listdir(target)) if os.path.isdir(target) else []
        statuses = {c: open(os.path.join(target, c, "STATUS")).read().strip()
                    for c in composes if os.path.isfile(os.path.join(target, c, "STATUS"))}
    finally:
        if mounted:
            subprocess.run(["umount", str(target)], check=True)

    problems = []
    if done.returncode != expect["exit"]:
        problems.append("exit code %d, not %d" % (done.returncode, expect["exit"]))
    if "Traceback" in done.stdout + done.stderr:
        problems.append("a traceback")
    if "internal error" in done.stderr:
        problems.append("an internal error")
    problems += error_lines(done, expect)
    changes = snapshot_changes(before, after)
    if changes:
        problems.append("changed outside the compose directory: %s" % "; ".join(changes[:8]))
    if len(composes) > 1:
        problems.append("more than one entry in the target directory: %s" % composes)
    problems += ["compose %s left %s, not DOOMED" % (c, s) for c, s in statuses.items() if s != "DOOMED"]
    assert not problems, "%s (%s): %s\n--- stderr:\n%s" % (name, expect["command"], "\n  ".join(problems),
                                                         done.stderr[-3000:])


# -- file names with unusual characters ------------------------------------------------------


@pytest.fixture(scope="session")
def unusual_repo(demo_repo):
    """build/unusual-names-repo: demo-c++-tools 1.0~rc1^git20240301.abc (tests/data/bad/unusual-names)."""
    out = os.path.join(ROOT, "build", "unusual-names-repo")
    specs = os.path.join(BAD, "unusual-names")
    subprocess.run([os.path.join(BIN, "python"), os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs",
                    os.path.join(specs, "specs"), "--comps", os.path.join(specs, "comps.xml"), "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def test_packages_with_spaces_plus_tilde_and_caret_in_their_file_names_compose(tmp_path, small_repo, unusual_repo):
    repo = tmp_path / "repo"
    shutil.copytree(small_repo, repo)
    for path in glob.glob(os.path.join(unusual_repo, "Packages", "*.rpm")):
        shutil.copy2(path, repo / "Packages")
    # the repo's file name of demo-tzdata gets a space, a plus, a tilde and a caret
    os.rename(repo / "Packages" / "demo-tzdata-2024a-1.pdl1.noarch.rpm", repo / "Packages" / "demo-tzdata 2024a+1~b^c.noarch.rpm")
    shutil.rmtree(repo / "repodata")
    subprocess.run(["createrepo_c", "--quiet", "--no-database", str(repo)], check=True)
    work = tmp_path / "conf"
    shutil.copytree(COMMON, work)
    comps = open(os.path.join(BAD, "unusual-names", "comps.xml")).read()
    (work / "comps.xml").write_text(comps.replace(
        "</packagelist>", '  <packagereq type="mandatory">demo-tzdata</packagereq>\n    </packagelist>'))
    (work / "base.conf").write_text((work / "base.conf").read_text().replace("@REPO@", str(repo)))
    (work / "case.conf").write_text("from base import *\n")

    done = command("punji-compose", work / "case.conf", "--target-dir", tmp_path / "out", "--test", "-j", "2")
    assert done.returncode == 0, done.stderr
    topdir = done.stdout.strip()
    assert open(os.path.join(topdir, "STATUS")).read() == "FINISHED\n"
    rpms = json.load(open(os.path.join(topdir, "compose/metadata/rpms.json")))["payload"]["rpms"]["Server"]
    paths = {nevra: info["path"] for arch in rpms.values() for by_srpm in arch.values() for nevra, info in by_srpm.items()}
    wanted = {
        "demo-c++-tools-0:1.0~rc1^git20240301.abc-1.pdl1.noarch": "demo-c++-tools-1.0~rc1^git20240301.abc-1.pdl1.noarch.rpm",
        "demo-c++-tools-0:1.0~rc1^git20240301.abc-1.pdl1.src": "demo-c++-tools-1.0~rc1^git20240301.abc-1.pdl1.src.rpm",
        "demo-tzdata-0:2024a-1.pdl1.noarch": "demo-tzdata 2024a+1~b^c.noarch.rpm",
    }
    for nevra, filename in wanted.items():
        assert nevra in paths, sorted(paths)
        assert os.path.basename(paths[nevra]) == filename
        assert os.path.isfile(os.path.join(topdir, "compose", paths[nevra])), paths[nevra]

    # the tree's repodata points at the files as they are named
    import createrepo_c

    tree = os.path.join(topdir, "compose/Server/x86_64/os")
    hrefs = []
    repomd = createrepo_c.Repomd(os.path.join(tree, "repodata/repomd.xml"))
    primary = next(r for r in repomd.records if r.type == "primary")
    createrepo_c.xml_parse_primary(os.path.join(tree, primary.location_href),
                                   pkgcb=lambda p: hrefs.append(p.location_href) or True, do_files=False)
    assert sorted(os.path.basename(h) for h in hrefs) == sorted(
        [wanted["demo-c++-tools-0:1.0~rc1^git20240301.abc-1.pdl1.noarch"], wanted["demo-tzdata-0:2024a-1.pdl1.noarch"]])
    for href in hrefs:
        assert os.path.isfile(os.path.join(tree, href)), href

    # the DVD carries them under the same names
    (iso,) = glob.glob(os.path.join(topdir, "compose/Server/x86_64/iso/*.iso"))
    listing = subprocess.run(["xorriso", "-indev", iso, "-find", "/Packages", "-type", "f"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, check=True).stdout
    for filename in (wanted["demo-c++-tools-0:1.0~rc1^git20240301.abc-1.pdl1.noarch"], wanted["demo-tzdata-0:2024a-1.pdl1.noarch"]):
        assert filename in listing, listing
