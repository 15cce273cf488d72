"""Phase state files: the make targets, written last, each with a typed header."""

import contextlib
import os

from ..errors import PunjiError
from . import jsonio, layout

VERSION = "1.0"


def header(kind):
    """{"type": "punji.<kind>", "version": "1.0"} — the first key of every state file."""
    return {"type": "punji.%s" % kind, "version": VERSION}


SCHEMA = os.path.join(os.path.dirname(__file__), "schemas", "state.json")


def check(record, where):
    """RECORD against schemas/state.json; a PunjiError naming WHERE when it does not fit."""
    import json

    from . import schema as checker

    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        checker.validate(record, schema)
    except checker.SchemaError as exc:
        raise PunjiError("%s: not a punji state file: %s" % (where, exc.message))
    return record


def read(topdir, phase, variant=None, arch=None):
    """The state file of PHASE for its scope, checked against its schema."""
    path = layout.at(topdir, layout.state_file(phase, variant, arch))
    return check(jsonio.read_json(path), path)


def write(topdir, phase, variant=None, arch=None, **data):
    """Write the state file of PHASE for its scope; call it after every other output."""
    record = dict(data, header=header(phase), phase=phase, variant=variant, arch=arch)
    record.setdefault("failed", False)
    check(record, layout.state_file(phase, variant, arch))
    path = layout.at(topdir, layout.state_file(phase, variant, arch))
    jsonio.write_json(path, record, durable=True)
    clear_marks(topdir, phase, variant, arch)
    return path


# Raised whenever punji makes other outputs than before from the same inputs (a rule of Pungi's
# followed more closely): every fingerprint changes with it, so that no compose takes over what
# an older punji made by the old rule. 2: each gather source's copy of a package trimmed apart;
# 3: a package taken from a gather lookaside repo flagged as one of the variant's own repos;
# 4: a split disc holding none of its tree's Packages/ gets no repodata; 5: with nodeps, a koji
# scratch task's RPMs read only of the names to gather; 6: with nodeps, a module content tag's
# RPMs read only of the names to gather; 7: variants' module builds found in Pungi's order of
# the variants (the content tags' order); 8: the nodeps method sees other variants' streams'
# packages, the module source only the artifacts the package set has; 9: a package of another
# variant's stream that a pkgset_koji_tag set has too is not hidden from the deps method; 10: of
# two pkgset_koji_builds of one name only the last listed read; 11: the module source's nodeps
# method takes no lookaside repo's copy of an artifact; 12: each koji package set (a tag's, a
# module content tag's) split by arch on its own; 13: the deps method sees no package only
# other variants' content tags hold (on an arch where no variant has a stream too); 14: nor
# do greedy "all"'s lookups of debug packages over hidden ones; 15: the deps method reads the
# comps of the gather lookaside repos too; 16: a <module> entry's empty version or context is
# none in a tag's builds, and stays empty in a Koji search; 17: with nodeps' package set of the
# names to gather, a pkgset_koji_builds build a tag has too is walked at the tag's place as well;
# 18: an image of iso_level 3 or more is written without genisoimage's -allow-limited-size;
# 19: an extra ISO makes the (empty) package directory of a variant it names without a tree on
# its arch; 20: with several Koji tags the gather reads a repo of each tag's package set, in the
# tags' order, as Pungi's does (a build both tags hold is in its pool twice); 21: a module
# stream's packages in gather are those its own content tag holds, not another tag's copy of the
# build; 22: s390x, ia64 and ppc images bootable as Pungi's, a bootable extra ISO holding all lorax
# made for the tree, boot.iso linked into the iso directory; extra_files from RPMs of the package
# set taken in Pungi's order of its arch package set (the multilib arch's file of a name after the
# native one's), never from debug packages; a pattern both in a variant's additional_packages and
# its filter_packages is no input of the deps method's comps source (Pungi's kickstart drops it);
# with a symlink link_type a scratch build task's RPM in a tree fails the assembly, as Pungi's
# linker does (File exists); a scratch task's RPM of a NEVRA a tag holds too is the package's
# twin file, which Pungi's gather lists too where it takes every file of a NEVRA (nodeps, greedy
# all, greedy build for a requirement) and which fails the assembly when it differs; 23: images
# of two trees of one arch that get one name hold the content of the tree last in Pungi's order;
# no old compose (no take-over, no deltas) for a release on a base product of a type other than
# ga; the modules and productid records of repomd.xml have the primary record's time stamp;
# image_build's buildImageOz opts as `koji image-build --config` sends Pungi's INI file (values
# as strings, disk_size 10 and optional_arches "" by default, factory parameters in config order,
# failable "*" all arches, no repo of an is_empty variant); an addon's install tree, repository
# and images dir are its parent's (Pungi's paths) in the Koji image phases; live_media's
# buildImage opts as `koji spin-livemedia` sends Pungi's options (install_tree_url, ksurl and
# release "None" when unset, optional_arches [""] by default, compress_arg [], no ksversion),
# its live ISOs recorded with no volume id nor implanted MD5; live_images as Pungi 4.3.2: always
# scratch, the variant's repository first and for the arch itself, files named <name>-<version>-
# <variant>-<arch>-live.iso (or <compose id>-...; not image_name_format), appliances bootable,
# no volume id nor implanted MD5, a live ISO's .manifest beside it; 24: a failed ISO leaves its
# (empty) iso directory; a file of fewer bytes than a disc but more sectors gets a disc of its
# own, one of more bytes fails the compose whatever failable_deliverables says; a split disc's
# repodata keeps the files the tree's repomd.xml does not list (the plain productid); an extra
# ISO that fails on a failable arch leaves its iso directory and the compose FINISHED_INCOMPLETE;
# lorax's command line as Pungi's (--buildarch i686 for i386, --logfile after the template
# variables, '--config <log dir>/lorax.conf', the variant's comps repo a source), buildinstall's
# output in work/<arch>/buildinstall/<variant>; ostree_installer's as Pungi's (its sources,
# directories, the ISO named with disc number 1, lorax's files copied into the os tree); 25:
# createrepo_c's zchunk records (createrepo_extra_args --zck) get the primary record's time stamp;
# the gather reads a repo of each module content tag's package set too (the variant's own
# streams', before the tags' sets, as Pungi's sack), a scratch task's RPM of a NEVRA only content
# tags hold being in the tags' sets, so Pungi's two files of one NEVRA taken fail the assembly;
# 26: with a revision of createrepo_extra_args, the repodata's records get the content's time
# stamp (createrepo_c gave them the time of day); 27: no product.img (Pungi 4.3.2 removed its
# productimg phase); a package set repo made twice over the same packages lists their files once;
# 28: internal entities of the comps and variants files are replaced by their text (were dropped);
# 29: has_optional adds its child when tree_arches/tree_variants leave out the declared optional
# one, and of two top-level variants of one id the last is taken (variants read in Pungi's order);
# without pkgset_koji_tag neither pkgset_koji_builds nor pkgset_koji_scratch_tasks is read, and the
# deps method of a variant without streams reads every module content tag's set; 30: the package
# set's and gather's records hold each local package file's mtime, and a tree's repodata key with it
# (a file touched, or written anew with the same bytes, left a tree's repodata with its old time);
# a repo's metadata that repomd.xml places elsewhere (xml:base) is read from there (was its own
# repodata/); extra_files entries keyed "src" go into the variant's source tree (and so onto its
# source ISO); an extra ISO including an addon holds its repodata under <uid>/Packages too, and
# its .treeinfo lists every included variant at the top.
RULES = 30


def digest(*parts):
    """A short fingerprint of JSON-able PARTS: what a run's inputs were (under punji's RULES)."""
    import hashlib

    return hashlib.sha256(jsonio.dumps([RULES, parts], compact=True).encode("utf-8")).hexdigest()[:32]


def file_digest(path):
    """The sha256 of the file at PATH, for a fingerprint; None when there is no such file."""
    import hashlib

    if not os.path.isfile(path):
        return None
    with open(path, "rb") as f:  # read in pieces: a whole copy of a big file costs a page fault per 4 KiB
        return hashlib.file_digest(f, "sha256").hexdigest()


def by_content(conf):
    """CONF (a config slice) as a fingerprint takes it: each local file option the phases read
    (gather_source_mapping, gather_prepopulate...) by its content, not its path, so that a file
    changed in place is another input and init's copy of a fetched one is the same in every compose."""
    from ..config.reader import FILE_OPTIONS

    keyed = dict(conf)
    for name in FILE_OPTIONS:
        value = conf.get(name)
        if isinstance(value, dict) and value.get("scm") == "file" and not value.get("repo"):
            value = value.get("file")
        if isinstance(value, str) and os.path.isfile(value):
            keyed[name] = {"sha256": file_digest(value)}
    return keyed


def same_inputs(topdir, phase, variant, arch, inputs):
    """Whether the last run of PHASE for this scope finished with the inputs fingerprint INPUTS
    (its state file says so): its outputs are then still right and need not be made again.
    make runs a phase when any prerequisite is newer; this tells a real change from a rerun
    of an earlier phase that gave the same result."""
    path = layout.at(topdir, layout.state_file(phase, variant, arch))
    if not os.path.isfile(path):
        return False
    old = check(jsonio.read_json(path), path)
    return old.get("inputs") == inputs and not old.get("failed")


def keep(topdir, phase, variant=None, arch=None):
    """Write the last run's state again (its outputs still stand): make sees the target done,
    punji-report shows it kept."""
    old = read(topdir, phase, variant, arch)
    facts = {k: value for k, value in old.items() if k not in ("header", "phase", "variant", "arch")}
    return write(topdir, phase, variant, arch, **dict(facts, kept=True))


@contextlib.contextmanager
def lock(topdir, phase, variant=None, arch=None, waiting=None):
    """Hold the lock of one target (work/<scope>/state/<name>.json.lock) while the block runs;
    a second run of the same target stops at once with a message naming the first one, unless
    that run is dying: a make killed and run again at once finds its targets' locks held
    until the killed commands have exited, which it waits for (at most DYING_WAIT seconds);
    or unless it was left running by a make killed alone, which it waits for to the end; a run
    that holds the lock with no .pid file (it has written its state, or not yet its .pid) is
    waited for UNMARKED_WAIT seconds. WAITING(pid, command) is called once as the wait for a run
    left by a killed make starts (it may last as long as that run: the user is to know why); an
    interruption of that wait carries a hint naming the run."""
    import time

    from .flock import take

    path = _mark(topdir, phase, variant, arch, ".lock")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    orphans = []  # the run left by a killed make, once this one waits for it
    try:
        started = time.monotonic()

        def give_up():
            holder = _holder(topdir, phase, variant, arch)
            if _left_by_a_killed_make(holder, topdir):
                if holder not in orphans:
                    orphans.append(holder)
                    if waiting:
                        waiting(holder, command_line(holder))
                return False
            if holder == "?":  # between its lock and its .pid, or past its state (which clears it): ending
                return time.monotonic() > started + UNMARKED_WAIT
            return not _dying(holder) or time.monotonic() > started + DYING_WAIT

        scope = ".".join(x for x in (variant, arch) if x) or "global"
        try:
            taken = take(fd, give_up)
        except KeyboardInterrupt as exc:
            if orphans:
                exc.hint = "stopped waiting for pid %s, left running %s %s by a killed make (`kill %s` ends it)" \
                    % (orphans[-1], phase, scope, orphans[-1])
            raise
        if not taken:
            raise PunjiError("%s %s is being made by another run (pid %s) in %s; wait for it to finish"
                             % (phase, scope, _holder(topdir, phase, variant, arch), topdir))
        yield
    finally:
        os.close(fd)


def command_line(pid):
    """The command line of the live process PID (text), as one string; "?" when it cannot be read."""
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            words = f.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return "?"
    words = [w for w in words if w]
    if len(words) > 1 and os.path.basename(words[0]).startswith("python") and not words[1].startswith("-"):
        words = words[1:]  # a console script: its name rather than the interpreter's
    line = " ".join(" ".join([os.path.basename(words[0])] + words[1:]).split()) if words else "?"
    return line if len(line) <= COMMAND_WIDTH else line[:COMMAND_WIDTH - 3] + "..."


COMMAND_WIDTH = 160  # characters of a command line shown in a message


def _holder(topdir, phase, variant, arch):
    """The pid (text) in the target's .pid file, "?" when there is none."""
    return _read(_mark(topdir, phase, variant, arch, ".pid")) or "?"


DYING_WAIT = 30  # seconds a killed run of a target may take to exit (closing its files on a busy disk)
UNMARKED_WAIT = 5  # seconds a run holding the lock without a .pid file may take to let it go
PF_EXITING = 0x4  # the kernel's flag of a task that is exiting (/proc/<pid>/stat, field 9)
SIGKILL_BIT = 1 << 8  # SIGKILL in the pending-signal masks of /proc/<pid>/status


MAKERS = ("make", "gmake")  # the processes a target's command runs under: a make in the compose
LAUNCHER = "punji-launcher"  # or the launcher serving that make (its copies have its name too)


def _left_by_a_killed_make(holder, topdir):
    """Whether the process HOLDER (text from a .pid file) runs the target for a make that is gone
    (killed alone: SIGKILL to make, not its group) while this run is a make's: the holder finishes
    the target, so the make started after the killed one waits for it rather than failing the
    target. A run by hand beside another still stops at once (even one under a make elsewhere,
    as a test suite's)."""
    return holder.isdigit() and _under_a_maker(holder, topdir) is False and run_by_make(topdir)


def run_by_make(topdir):
    """Whether this process runs under a make working in the compose TOPDIR (or its launcher),
    not by hand."""
    return _under_a_maker(str(os.getpid()), topdir) is True


def _under_a_maker(pid, topdir):
    """Whether the live process PID has above it (or is) a make working in the compose TOPDIR or
    the launcher; None when it is gone or a zombie (or /proc cannot tell)."""
    first, seen = pid, set()
    while pid.isdigit() and int(pid) > 1 and pid not in seen:
        seen.add(pid)
        try:
            with open("/proc/%s/stat" % pid) as f:
                head, tail = f.read().rsplit(")", 1)
        except (OSError, ValueError):
            return None if pid == first else False
        fields = tail.split()
        if pid == first and fields[0] in ("Z", "X"):
            return None
        name = head.split("(", 1)[-1]
        if name == LAUNCHER or (name in MAKERS and _works_in(pid, topdir)):
            return True
        pid = fields[1]
    return False


def _works_in(pid, topdir):
    """Whether the process PID's working directory is TOPDIR (make -C TOPDIR, or make run there)."""
    try:
        return os.path.samefile("/proc/%s/cwd" % pid, topdir)
    except OSError:
        return False


def _dying(pid):
    """Whether the process PID (text from a .pid file), which ran the target, is gone or on its
    way out (exiting, a zombie, or with SIGKILL pending): the lock is then held only until it,
    or a child of it that inherited the lock, has exited. False where /proc cannot tell."""
    if not pid.isdigit():
        return False
    try:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/%s/status" % pid) as f:
            pending = [int(line.split()[1], 16) for line in f if line.startswith(("SigPnd:", "ShdPnd:"))]
    except FileNotFoundError:
        return os.path.isdir("/proc/self")  # gone: a child of it holds the lock
    except (OSError, ValueError, IndexError):
        return False
    return fields[0] in ("Z", "X") or bool(int(fields[6]) & PF_EXITING) or any(m & SIGKILL_BIT for m in pending)


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _mark(topdir, phase, variant, arch, suffix):
    return layout.at(topdir, layout.state_file(phase, variant, arch)) + suffix


def stamp(topdir, phase, variant=None, arch=None):
    """Which state file of PHASE for its scope is there: (inode, mtime), or None. Each write
    renames a new file into place: another stamp, the state written again."""
    try:
        found = os.stat(layout.at(topdir, layout.state_file(phase, variant, arch)))
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns


def mark_running(topdir, phase, variant=None, arch=None):
    """Leave work/<scope>/state/<name>.json.pid while the phase runs, for punji-status."""
    jsonio.write_text(_mark(topdir, phase, variant, arch, ".pid"), "%d\n" % os.getpid())
    _remove(_mark(topdir, phase, variant, arch, ".error"))


def mark_failed(topdir, phase, variant, arch, message):
    """Record the one-line error of a failed run next to the (absent) state file (in place of
    its .pid file when the disk is full)."""
    pid, error = _mark(topdir, phase, variant, arch, ".pid"), _mark(topdir, phase, variant, arch, ".error")
    if os.path.exists(pid):
        os.replace(pid, error)
    try:
        jsonio.write_small(error, message + "\n")
    except OSError:  # a full disk: the error still reaches the terminal, and STATUS says DOOMED
        pass


def clear_marks(topdir, phase, variant=None, arch=None):
    for suffix in (".pid", ".error"):
        _remove(_mark(topdir, phase, variant, arch, suffix))


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
