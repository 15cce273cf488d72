"""Kill anywhere: the demo compose's make and all its children killed with SIGKILL at a random
moment, then `make` again, gives the compose an uninterrupted run gives.

One reference compose runs uninterrupted while the processes of its make are sampled, which
gives each phase's time window. Each trial is a fresh compose of the same config in a target
directory of its own (so it gets the same compose id): `make -j2` in a new session, SIGKILL to
the whole process group after a delay, `make -j2` again at once (the killed make not even
reaped yet), and a comparison with the reference:

- every file under compose/ is there and nothing else; every file but the images, their
  checksum files and images.json has the reference's bytes (JSON metadata: its payload, the
  compose's id and date aside); packages are compared by their sha256;
- images.json: the same records apart from checksums, mtime and implanted md5, which must
  match the image on disk; every ISO passes checkisomd5, carries the same files with the same
  bytes as the reference's, and its checksum files verify.

The delays are drawn from a seeded random generator, one in each of TRIALS equal slices of the
reference's duration. A phase no trial landed in then gets a trial of its own that waits for
that phase's first command to start and kills after a random part of the first half of the
phase's reference duration (up to three times), so every phase but those of UNAIMED is hit.
The table of trials (delay, what was running when the kill came) is printed (pytest -s) and
written to build/kill-anywhere-report.txt.
"""

import glob
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import time

import pytest

from conftest import ROOT, command, demo_config, make

# PUNJI_KILL_TRIALS and PUNJI_KILL_SEED run more trials, or other moments, by hand
TRIALS = int(os.environ.get("PUNJI_KILL_TRIALS", "12"))
SEED = int(os.environ.get("PUNJI_KILL_SEED", "20261126"))
POLL = 0.01
REPORT = os.environ.get("PUNJI_KILL_REPORT", os.path.join(ROOT, "build", "kill-anywhere-report.txt"))
# files whose bytes differ between two composes of the same inputs: ISO 9660 time stamps
VOLATILE_SUFFIXES = (".iso", "SUM", "CHECKSUM", ".iso.template")  # their bytes follow the images' time stamps
IMAGE_MD5 = re.compile(rb"(?m)^Template-MD5Sum=.*$")  # a .jigdo's, of its .template


# -- processes -----------------------------------------------------------------------


def group_commands(pgid):
    """The punji commands and tools running in process group PGID: [(phase, scope, tool)]."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        except (OSError, IndexError, ValueError):
            continue
        found.append(argv)
    return found


def command_words(argv):
    """ARGV, or under punji-compose, where make's shell is the launcher's client (`launcher_client
    -c LINE`, or an interpreter running launcher_client.py), the words of the LINE it hands to the
    launcher: the launcher's copy running it shows the launcher's own arguments."""
    if "-c" not in argv[:-1]:
        return argv
    flag = argv.index("-c")
    if not any(os.path.basename(a).startswith("launcher_client") for a in argv[:flag]):
        return argv
    try:
        return shlex.split(argv[flag + 1])
    except ValueError:
        return argv


def running(pgid):
    """{'<phase> <scope>'} of the punji phase commands running in process group PGID."""
    return command_labels(group_commands(pgid))


def command_labels(argvs):
    """{'<phase> <scope>'} of the punji phase commands among ARGVS."""
    result = set()
    for argv in map(command_words, argvs):
        names = [os.path.basename(a) for a in argv]
        punji = [i for i, name in enumerate(names) if name.startswith("punji-") and " " not in name]
        if not punji or "punji_lib.launcher" in argv:  # the launcher and its copies: the waiting commands say what runs
            continue
        i = punji[0]
        phase = names[i][len("punji-"):]
        if phase in ("makefile", "init"):
            result.add(phase)
            continue
        args = argv[i + 1:]
        scope = "global"
        if "--assemble" in args:
            scope = "assemble"
        elif "--variant" in args or "--arch" in args:
            value = lambda opt: args[args.index(opt) + 1] if opt in args else None
            scope = ".".join(x for x in (value("--variant"), value("--arch")) if x)
        result.add("%s %s" % (phase, scope))
    return result


def phases_of(labels):
    return {label.split()[0] for label in labels}


def pid_marks(topdir):
    """The .pid marks a killed phase left: the targets that were being made."""
    marks = glob.glob(os.path.join(topdir, "work", "*", "state", "*.json.pid"))
    return sorted(os.path.relpath(m, topdir) for m in marks)


def start_make(topdir, log_path):
    out = open(log_path, "w")
    proc = subprocess.Popen(["make", "-C", topdir, "--no-print-directory", "-j2"], stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    out.close()
    return proc


def kill_group(proc):
    """SIGKILL to make's whole process group, nothing waited for: the killed make is not even
    reaped yet when the resume starts."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def none_left(proc):
    """Reap the killed make; none of its group may be left."""
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and group_commands(proc.pid):
        time.sleep(POLL)
    assert not group_commands(proc.pid), "processes of the killed make are still running"


# -- the compose as it ends ------------------------------------------------------------


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def masked(text, compose_id):
    """TEXT (str or bytes) with COMPOSE_ID as {COMPOSE_ID} and its stamp (<date>.<type>.<respin>,
    in the names of Koji images whose release defaults to it) as {STAMP}: a compose whose init was
    killed before its Makefile is made again under the next respin."""
    stamp = compose_id.rsplit("-", 1)[-1]
    if isinstance(text, bytes):
        return text.replace(compose_id.encode(), b"{COMPOSE_ID}").replace(stamp.encode(), b"{STAMP}")
    return text.replace(compose_id, "{COMPOSE_ID}").replace(stamp, "{STAMP}")


def normalized_metadata(path, compose_id):
    """A productmd JSON file with the compose's identity (id, date, respin) taken out; osbs.json
    with its compose id and Koji task ids masked (a resume may build anew where the killed
    run's tasks were lost)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if "payload" not in data:  # osbs.json: {variant: {arch: [builds]}}, each naming its Koji task
        text = masked(json.dumps(data), compose_id)
        return json.loads(re.sub(r'"koji_task": \d+', '"koji_task": "{TASK}"', text))
    assert data["payload"]["compose"]["id"] == compose_id, path
    data["payload"].pop("compose")
    return json.loads(masked(json.dumps(data), compose_id))


class _HashSink:
    """What pycdlib writes a file of an image into: hashed. It pads some files (a bootable
    image's boot catalog) by seeking forward before a last zero byte: zeros, hashed too."""

    def __init__(self):
        self.hash = hashlib.sha256()

    def write(self, data):
        self.hash.update(data)

    def seek(self, offset, whence=os.SEEK_SET):
        assert whence == os.SEEK_CUR and offset >= 0, (offset, whence)
        self.hash.update(b"\0" * offset)


def iso_files(path):
    """{Rock Ridge path: sha256} of every file in ISO PATH (read with pycdlib)."""
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.open(path)
    found = {}
    try:
        for top, _dirs, files in iso.walk(rr_path="/"):
            for name in files:
                rr = os.path.join(top, name)
                sink = _HashSink()
                iso.get_file_from_iso_fp(sink, rr_path=rr)
                found[rr] = sink.hash.hexdigest()
    finally:
        iso.close()
    return found


def is_iso(path):
    """Whether PATH is an ISO 9660 image (its first volume descriptor's CD001 at 32769)."""
    with open(path, "rb") as f:
        f.seek(32769)
        return f.read(5) == b"CD001"


def check_images(topdir, images):
    """What images.json says of each image holds on disk; returns {path: files in it}.
    checkisomd5 passes, the implanted md5 is the recorded one, the checksum files verify."""
    problems, contents = [], {}
    for variant, by_arch in images["payload"]["images"].items():
        for arch, found in by_arch.items():
            for image in found:
                path = os.path.join(topdir, "compose", image["path"])
                if image["path"] in contents:
                    continue
                contents[image["path"]] = {}
                if not os.path.isfile(path):
                    problems.append("%s: missing" % image["path"])
                    continue
                if os.path.getsize(path) != image["size"]:
                    problems.append("%s: %d bytes, images.json says %d" % (image["path"], os.path.getsize(path), image["size"]))
                if sha256(path) != image["checksums"].get("sha256"):
                    problems.append("%s: its sha256 is not the one in images.json" % image["path"])
                if not is_iso(path):  # a disk image, a tarball: checkisomd5 reads no such file (it spins on some)
                    continue
                done = subprocess.run(["checkisomd5", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                if done.returncode != 0:
                    problems.append("%s: checkisomd5 returned %d: %s" % (image["path"], done.returncode, done.stdout.strip()))
                md5 = subprocess.run(["checkisomd5", "--md5sumonly", path], stdout=subprocess.PIPE, text=True).stdout
                if image.get("implant_md5") and image["implant_md5"] not in md5:
                    problems.append("%s: the implanted md5 is not the one in images.json" % image["path"])
                contents[image["path"]] = iso_files(path)
    for path in glob.glob(os.path.join(topdir, "compose", "*", "*", "iso", "*SUM")):
        done = subprocess.run(checker(os.path.basename(path)) + ["-c", os.path.basename(path)], cwd=os.path.dirname(path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            problems.append("%s does not verify: %s" % (os.path.relpath(path, topdir), done.stdout.strip()))
    return problems, contents


def checker(name):
    """The command that verifies checksum file NAME: MD5SUM, x.iso.SHA1SUM (GNU lines of one
    algorithm) by md5sum, sha1sum...; CHECKSUM (BSD lines, any algorithm) by cksum."""
    algorithm = name.rsplit(".", 1)[-1][:-len("SUM")].lower()
    return ["%ssum" % algorithm] if algorithm in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512") else ["cksum"]


def describe(topdir):
    """What a finished compose is, with its own compose id (and stamp) masked (masked()):
    {"files": {path: digest or None}, "metadata": {name: payload}, "isos": {path: {file: sha256}},
    "problems": [what does not hold within the compose itself]}."""
    compose_id = open(os.path.join(topdir, "COMPOSE_ID")).read().strip()
    base = os.path.join(topdir, "compose")
    files, metadata = {}, {}
    for top, dirs, names in os.walk(base):
        dirs.sort()
        for name in names:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, base)
            key = masked(rel, compose_id)
            if rel.startswith("metadata" + os.sep) and name.endswith(".json"):
                metadata[key] = normalized_metadata(path, compose_id)
                files[key] = None
            elif name.endswith(VOLATILE_SUFFIXES):
                files[key] = None
            elif os.path.islink(path):
                files[key] = "-> " + os.readlink(path)
            else:
                with open(path, "rb") as f:
                    data = f.read()
                if name.endswith(".jigdo"):
                    data = IMAGE_MD5.sub(b"", data)
                files[key] = hashlib.sha256(masked(data, compose_id)).hexdigest()
    problems = []
    status = open(os.path.join(topdir, "STATUS")).read().strip()
    if status != "FINISHED":
        problems.append("STATUS is %s" % status)
    images = {"payload": {"images": {}}}
    if os.path.isfile(os.path.join(base, "metadata", "images.json")):
        with open(os.path.join(base, "metadata", "images.json"), encoding="utf-8") as f:
            images = json.load(f)
    image_problems, contents = check_images(topdir, images)
    problems += image_problems
    key = os.path.join("metadata", "images.json")
    if key in metadata:
        for by_arch in metadata[key]["payload"]["images"].values():
            for found in by_arch.values():
                for image in found:
                    for volatile in ("checksums", "mtime", "implant_md5"):
                        image.pop(volatile, None)
    isos = {masked(path, compose_id): found for path, found in contents.items()}
    return {"files": files, "metadata": metadata, "isos": isos, "problems": problems}


def first_difference(a, b, where=""):
    """Where JSON values A and B first differ, and how: "payload.images.Server...: 1 != 2"."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), "%s.%s" % (where, key) if where else key)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, "%s[%d]" % (where, i))
    return "%s: %s != %s" % (where, json.dumps(a)[:120], json.dumps(b)[:120])


def differences(reference, other):
    """Lines saying how OTHER differs from REFERENCE (both from describe())."""
    lines = list(other["problems"])
    missing = sorted(set(reference["files"]) - set(other["files"]))
    extra = sorted(set(other["files"]) - set(reference["files"]))
    changed = sorted(k for k in set(reference["files"]) & set(other["files"]) if reference["files"][k] != other["files"][k])
    lines += ["missing: compose/%s" % k for k in missing[:10]]
    lines += ["not in the reference: compose/%s" % k for k in extra[:10]]
    lines += ["other content: compose/%s" % k for k in changed[:10]]
    for name in sorted(set(reference["metadata"]) | set(other["metadata"])):
        if reference["metadata"].get(name) != other["metadata"].get(name):
            lines.append("compose/%s differs from the reference's: %s" % (
                name, first_difference(reference["metadata"].get(name), other["metadata"].get(name))))
    for path in sorted(set(reference["isos"]) | set(other["isos"])):
        mine, theirs = other["isos"].get(path), reference["isos"].get(path)
        if mine != theirs:
            diff = sorted(k for k in set(mine or {}) | set(theirs or {}) if (mine or {}).get(k) != (theirs or {}).get(k))
            lines.append("compose/%s: other files than the reference's: %s" % (path, ", ".join(diff[:5])))
    return lines


# -- the test ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_conf(tmp_path_factory, demo_repo):
    top = tmp_path_factory.mktemp("kill")
    conf = demo_config(top / "demo", demo_repo)
    return top, conf


def new_compose(top, name, conf):
    done = command("punji-init", conf, "--target-dir", top / name, "--test", check=True)
    return done.stdout.strip()


# Not aimed at: make itself, init (before make), and prelink, which links nothing in a compose
# with no old one and ends in milliseconds (its kills: test_kill_moments, tools/kill-campaign
# --mode nightly).
UNAIMED = {"makefile", "init", "prelink"}


def reference_run(top, conf):
    """The uninterrupted compose: its duration and {phase: (first seen, last seen)} in seconds."""
    topdir = new_compose(top, "reference", conf)
    windows = {}
    start = time.monotonic()
    proc = start_make(topdir, str(top / "reference-make.log"))
    while proc.poll() is None:
        now = time.monotonic() - start
        for phase in phases_of(running(proc.pid)):
            first, _last = windows.get(phase, (now, now))
            windows[phase] = (first, now)
        time.sleep(POLL)
    duration = time.monotonic() - start
    assert proc.returncode == 0, open(top / "reference-make.log").read()
    return topdir, duration, windows


def trial(top, conf, number, delay=None, phase=None, rng=None, windows=None):
    """One compose killed after DELAY seconds, or at a random moment of PHASE's first run;
    then make again. Returns the trial's row and the compose directory."""
    topdir = new_compose(top, "trial-%02d" % number, conf)
    log_path = str(top / ("trial-%02d-make.log" % number))
    start = time.monotonic()
    proc = start_make(topdir, log_path)
    if phase is None:
        while proc.poll() is None and time.monotonic() - start < delay:
            time.sleep(min(POLL, max(0, delay - (time.monotonic() - start))))
    else:
        first, last = windows[phase]
        while proc.poll() is None and phase not in phases_of(running(proc.pid)):
            time.sleep(POLL)
        time.sleep(rng.uniform(0, max(last - first, POLL) / 2))
    at = time.monotonic() - start
    finished = proc.poll() is not None
    labels = running(proc.pid)
    kill_group(proc)
    marks = pid_marks(topdir)
    again = make(topdir, "-j2")  # at once
    none_left(proc)
    return {
        "trial": number,
        "how": "at %s" % phase if phase else "timed",
        "at": at,
        "running": sorted(labels) if not finished else [],
        "phases": sorted(phases_of(labels)) if not finished else [],
        "state": "make had finished" if finished else ("between commands" if not labels else ""),
        "marks": marks,
        "rerun": again.returncode,
        "rerun_output": again.stdout,
    }, topdir


def table(duration, windows, rows):
    lines = ["kill anywhere: %d trials on the demo compose (uninterrupted: %.1f s, make -j2, seed %d)"
             % (len(rows), duration, SEED), ""]
    lines.append("reference phase windows (s): " + ", ".join(
        "%s %.2f-%.2f" % (p, w[0], w[1]) for p, w in sorted(windows.items(), key=lambda item: item[1])))
    lines.append("")
    lines.append("%-5s %-16s %7s  %-28s %s" % ("trial", "how", "kill(s)", "phases running", "commands running / result"))
    for row in rows:
        what = "; ".join(row["running"]) or row["state"]
        verdict = "identical" if not row["problems"] else "DIFFERS: " + "; ".join(row["problems"][:3])
        lines.append("%-5d %-16s %7.2f  %-28s %s -> %s" % (row["trial"], row["how"], row["at"], ", ".join(row["phases"]) or "-",
                                                         what, verdict))
    hit = {}
    for row in rows:
        for phase in row["phases"]:
            hit[phase] = hit.get(phase, 0) + 1
    lines.append("")
    lines.append("trials per phase: " + ", ".join("%s %d" % (p, hit.get(p, 0)) for p in sorted(windows, key=lambda p: windows[p])))
    return "\n".join(lines) + "\n"


def test_a_compose_killed_anywhere_then_made_again_is_the_uninterrupted_one(demo_conf):
    top, conf = demo_conf
    reference_dir, duration, windows = reference_run(top, conf)
    assert {"pkgset", "gather", "createrepo", "createiso", "imagechecksum", "test", "finish"} <= set(windows), windows
    reference = describe(reference_dir)
    assert not reference["problems"], reference["problems"]
    assert reference["isos"] and any(k.endswith(".rpm") for k in reference["files"])

    rng = random.Random(SEED)
    plan = [("timed", rng.uniform(i * duration / TRIALS, (i + 1) * duration / TRIALS)) for i in range(TRIALS)]
    rows = []

    def run(number, delay=None, phase=None):
        row, topdir = trial(top, conf, number, delay=delay, phase=phase, rng=rng, windows=windows)
        if row["rerun"] != 0:
            row["problems"] = ["make after the kill returned %d: %s" % (row["rerun"], row["rerun_output"].strip()[-600:])]
        else:
            row["problems"] = differences(reference, describe(topdir))
        rows.append(row)
        shutil.rmtree(os.path.dirname(topdir), ignore_errors=True)

    for number, (_how, delay) in enumerate(plan, 1):
        run(number, delay=delay)
    for phase in sorted(set(windows) - UNAIMED, key=lambda p: windows[p]):
        for _attempt in range(3):
            if phase in {p for row in rows for p in row["phases"]}:
                break
            run(len(rows) + 1, phase=phase)

    report = table(duration, windows, rows)
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "w", encoding="utf-8") as f:
        f.write(report)
    print("\n" + report)
    failed = [row for row in rows if row["problems"]]
    assert not failed, "\n".join("trial %d (killed at %.2f s while %s): %s" % (
        row["trial"], row["at"], "; ".join(row["running"]) or row["state"], "\n    ".join(row["problems"])) for row in failed)
    hit = {p for row in rows for p in row["phases"]}
    assert set(windows) - UNAIMED <= hit, "phases no trial landed in: %s" % sorted(set(windows) - hit)
