"""Reuse across composes: a target made by an earlier finished compose from the same inputs
is taken over (its outputs hard-linked, nothing copied) instead of being made again.

The earlier compose is the newest one that FINISHED (or FINISHED_INCOMPLETE) in the same
target directory with the same release part of its compose id, as Pungi picks its
old_composes (none for a release on a base product of a type other than ga, whose compose
ids Pungi's pattern does not match). A target is taken over only when its state file there records the same
inputs fingerprint as this run computed; anything that changes an output is in that
fingerprint, so a taken-over output is the one this run would have made.
"""

import functools
import os
import re
import shutil

from ..log import log
from . import dirs, jsonio, layout, state

FINISHED = ("FINISHED", "FINISHED_INCOMPLETE")
COMPOSE_ID = re.compile(r"^(?P<release>.+)-(?P<date>\d{8})(?P<type>\.[a-z]+)?\.(?P<respin>\d+)$")


@functools.lru_cache(maxsize=None)
def old_compose(topdir, older_only=False):
    """The directory of the newest earlier finished compose of the same release, or None:
    in the directories --old-composes named, else beside TOPDIR. OLDER_ONLY: only one with
    an older date or respin than TOPDIR's compose id (a report rewritten later compares with
    the compose before it, not with a newer one)."""
    mine = COMPOSE_ID.match(_read(os.path.join(topdir, layout.compose_id_file())) or "")
    if mine is None or _base_product_typed(topdir):
        return None
    found = []
    for parent in _old_composes_dirs(topdir):
        for name in _names_in(parent):
            path = os.path.join(parent, name)
            if os.path.islink(path) or not os.path.isdir(path) or os.path.samefile(path, topdir):
                continue
            other = COMPOSE_ID.match(_read(os.path.join(path, layout.compose_id_file())) or "")
            if other and other.group("release") == mine.group("release") and \
                    _read(os.path.join(path, layout.status_file())) in FINISHED:
                found.append(((other.group("date"), int(other.group("respin"))), path))
    if older_only:
        found = [f for f in found if f[0] < (mine.group("date"), int(mine.group("respin")))]
    return max(found)[1] if found else None


def _base_product_typed(topdir):
    """Whether TOPDIR's release is on a base product of a type other than ga: Pungi 4.3.2
    looks for old composes by a name without the base product's type (its find_old_compose:
    FZ-1-BOS-9 then a digit), which never matches such a compose id (FZ-1-BOS-9-eus-2026...),
    so it finds none to reuse from."""
    try:
        conf = jsonio.read_json(layout.at(topdir, layout.config_json()))
    except (OSError, ValueError):
        return False
    return bool(conf.get("base_product_name")) and (conf.get("base_product_type") or "ga").lower() != "ga"


def _old_composes_dirs(topdir):
    """The directories of --old-composes that exist, else the one TOPDIR is in."""
    try:
        named = (jsonio.read_json(layout.at(topdir, layout.compose_request_json())).get("options") or {}) \
            .get("old_composes")
    except (OSError, ValueError):
        named = None
    return [d for d in named or [os.path.dirname(os.path.abspath(topdir))] if os.path.isdir(d)]


def _names_in(parent):
    """The names in directory PARENT; none when it cannot be read (as one holding no compose)."""
    try:
        return os.listdir(parent)
    except OSError as exc:
        log.info("no old compose looked for in %s: %s", parent, exc.strerror)
        return []


def _read(path):
    """The stripped text of PATH; None when it is empty, not there or cannot be read (a compose
    the user may not read is none to take over from, as Pungi skips it), nor is text (a STATUS
    or COMPOSE_ID a disk error left as other bytes)."""
    try:
        return (jsonio.read_text(path) or "").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def take_over(topdir, phase, variant, arch, inputs, outputs, still_true=None, allowed=True, finish=None,
              optional=()):
    """When the old compose made PHASE for VARIANT.ARCH from INPUTS: hard-link its OUTPUTS
    (compose-relative files and directories) here, write the state file it wrote, and
    return True. STILL_TRUE(old_topdir, old_state), when given, can veto (an input the
    fingerprint cannot see, such as a package file changed in place). ALLOWED: the phase's
    *_allow_reuse option (reuse is exact here, so on unless the config turns it off).
    FINISH(old_state) runs after the links, before the state file is written (what it sets in
    old_state is written there). OPTIONAL
    outputs are linked when the old compose has them (a cache directory)."""
    old = old_compose(topdir) if allowed else None
    if old is None or inputs is None:
        return False
    path = layout.at(old, layout.state_file(phase, variant, arch))
    try:
        record = state.check(jsonio.read_json(path), path)
    except (OSError, ValueError):
        return False
    if record.get("failed") or record.get("inputs") != inputs:
        return False
    if not all(os.path.lexists(layout.at(old, rel)) for rel in outputs):
        return False
    if not _sizes_as_made(old, record, phase):
        return False
    outputs = list(outputs) + [rel for rel in optional if os.path.lexists(layout.at(old, rel))]
    if still_true and not still_true(old, record):
        return False
    if not link_all(old, topdir, outputs, phase):
        return False
    if finish:
        finish(record)
    facts = {k: v for k, v in record.items() if k not in ("header", "phase", "variant", "arch", "reused_from", "kept")}
    state.write(topdir, phase, variant, arch, **dict(facts, reused_from=os.path.basename(old)))
    log.info("%s %s: taken over from %s (same inputs)", phase,
             ".".join(x for x in (variant, arch) if x) or "global", old)
    return True


def file_sizes(topdir, outputs):
    """{output: size} of the regular files among OUTPUTS (compose-relative) of the compose TOPDIR,
    for a phase's state ("output_sizes"): a later compose takes them over only at those sizes."""
    found = {}
    for rel in outputs:
        path = layout.at(topdir, rel)
        if os.path.isfile(path) and not os.path.islink(path):
            found[rel] = os.path.getsize(path)
    return found


def _sizes_as_made(old, record, phase):
    """Whether the files of the old compose OLD whose sizes its state RECORD lists still have them
    (one cut short by a full disk or a copy stopped midway would be taken over as it is)."""
    for rel, size in (record.get("output_sizes") or {}).items():
        try:
            now = os.path.getsize(layout.at(old, rel))
        except OSError:
            now = None
        if now != size:
            log.warning("%s: %s of %s is not taken over: it is not the size it was made (%s bytes, %d when made)",
                        phase, rel, old, now, size)
            return False
    return True


def link_over(source, target):
    """TARGET becomes a hard-linked copy of SOURCE (a file, a symlink or a directory tree),
    built aside and renamed into place."""
    if os.path.isdir(source) and not os.path.islink(source):
        with dirs.replaced(target) as tmp:
            _fill([(source, tmp)])
        return
    if os.path.islink(source):
        dirs.place(target, lambda tmp: os.symlink(os.readlink(source), tmp))
    else:
        dirs.place(target, lambda tmp: os.link(source, tmp))


def link_all(old, topdir, outputs, what):
    """Link every one of OUTPUTS (compose-relative) of the compose OLD over its place in TOPDIR
    (as link_over does; the files of directory trees linked by two processes when there are
    many, or taken from prelink()'s copies); False, logged for WHAT, when one cannot be
    (another file system, a link limit, gone): the caller makes them anew."""
    trees, ready = [], []
    try:
        for rel in outputs:
            source, target = layout.at(old, rel), layout.at(topdir, rel)
            copy = prelinked(topdir, old, rel)
            if copy:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                dirs.clear_aside(target)  # what a killed swap left beside it
                ready.append((copy, target))
            elif os.path.isdir(source) and not os.path.islink(source):
                trees.append((source, target, dirs.aside(target)))
            else:
                link_over(source, target)
        _fill([(source, tmp) for source, _target, tmp in trees])
        for copy, target in ready + [(tmp, target) for _source, target, tmp in trees]:
            dirs.swap(copy, target)
        if ready:
            log.info("%s: %d of its directories were linked ahead (prelink)", what, len(ready))
    except OSError as exc:
        for _source, _target, tmp in trees:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info("%s: not taken over from %s: %s", what, old, exc)
        return False
    return True


def _fill(trees, times=None):
    """Link the files of each SOURCE directory tree of TREES [(source, tmp)] into its empty TMP;
    returns how many. TIMES (a dict): given each source directory's modification time."""
    planned, made = [], []
    for source, tmp in trees:
        _plan_tree(source, tmp, planned, made)
    _link_files(planned)
    for source, tmp in reversed(made):  # linking into a directory changes its times: copied last
        shutil.copystat(source, tmp)
        if times is not None:
            times[source] = os.stat(source).st_mtime_ns
    return sum(len(files) + len(symlinks) for _source, _target, files, symlinks in planned)


def _plan_tree(source, target, planned, made):
    """Make TARGET's directories as SOURCE has them; add each directory with files to PLANNED
    as (source, target, [file names], [symlink names]) and each directory to MADE."""
    made.append((source, target))
    files, symlinks = [], []
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                path = target + "/" + entry.name  # os.path.join's checks cost more than a link
                os.mkdir(path)
                _plan_tree(entry.path, path, planned, made)
            else:
                (symlinks if entry.is_symlink() else files).append(entry.name)
    if files or symlinks:
        planned.append((source, target, files, symlinks))


PARALLEL_LINKS = 2000  # fewer are linked faster than a second process starts


def _link_files(planned):
    """Hard-link (or copy the symlink of) the files of each directory PLANNED; a second process
    takes about half of the directories when there are many files (the link calls are most of
    a nightly's takeover of its trees)."""
    from .. import ahead

    count = sum(len(files) + len(symlinks) for _source, _target, files, symlinks in planned)
    if count < PARALLEL_LINKS:
        _link_dirs(planned)
        return
    mine, done = [], 0
    for each in planned:
        if done >= count // 2:
            break
        mine.append(each)
        done += len(each[2]) + len(each[3])
    theirs = planned[len(mine):]
    linked = ahead.start("links", _link_dirs, theirs)
    try:
        _link_dirs(mine)
    finally:
        finished = linked()
    if not finished:
        _link_dirs(theirs, resumed=True)


def _link_dirs(planned, resumed=False):
    """Link each directory's files by name between open directories (a path is looked up once
    per directory, not once per file); RESUMED: after a worker that failed, so some are there."""
    for source, target, files, symlinks in planned:
        from_fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY)
        try:
            to_fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
            try:
                for name in files:
                    try:
                        os.link(name, name, src_dir_fd=from_fd, dst_dir_fd=to_fd)
                    except FileExistsError:
                        if not resumed:
                            raise
                    except OSError as exc:
                        raise _at_path(exc, target, name) from None
                for name in symlinks:
                    try:
                        os.symlink(os.readlink(name, dir_fd=from_fd), name, dir_fd=to_fd)
                    except FileExistsError:
                        if not resumed:
                            raise
                    except OSError as exc:
                        raise _at_path(exc, target, name) from None
            finally:
                os.close(to_fd)
        finally:
            os.close(from_fd)


def _at_path(exc, directory, name):
    """EXC, an OSError of a call that named NAME in the open DIRECTORY, naming its whole path."""
    return type(exc)(exc.errno, exc.strerror, os.path.join(directory, name))


def prelink(topdir, old, outputs):
    """Hard-link the directories OUTPUTS (compose-relative) of the compose OLD into
    work/global/prelink/ (built aside, renamed into place whole, with OLD's path and the
    number of files linked in old.json), for the step that takes them over later
    (prelinked); returns the number of files linked."""
    target = layout.at(topdir, layout.prelinked())
    drop_prelinked(topdir)
    tmp = dirs.aside(target)
    try:
        pairs = [(layout.at(old, rel), os.path.join(tmp, rel)) for rel in outputs]
        trees = [(source, copy) for source, copy in pairs if os.path.isdir(source) and not os.path.islink(source)]
        for _source, copy in trees:
            os.makedirs(copy)
        times = {}
        count = _fill(trees, times)
        jsonio.write_json(os.path.join(tmp, PRELINKED_FROM), {"old": old, "files": count, "dirs": {
            os.path.relpath(path, old): mtime for path, mtime in times.items()}})
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count


PRELINKED_FROM = "old.json"


def prelinked(topdir, old, rel):
    """The copy prelink() made of directory REL of the compose OLD, or None (also once some
    copy is being changed: see prelinked_to_patch)."""
    made = _prelinked_from(topdir)
    return _copy_of(topdir, old, rel, made) if not made.get("patched") else None


def prelinked_to_patch(topdir, old, rel):
    """prelinked()'s copy of REL for a caller that changes it into another tree
    (linker.patch_dir), or None. From then on prelinked() gives no copy: one may be changed
    half-way when a kill stops the caller, and only a caller checking every file may take it."""
    made = _prelinked_from(topdir)
    copy = _copy_of(topdir, old, rel, made)
    if copy and not made.get("patched"):
        jsonio.write_json(os.path.join(layout.at(topdir, layout.prelinked()), PRELINKED_FROM),
                          dict(made, patched=True))
    return copy


def _copy_of(topdir, old, rel, made):
    copy = os.path.join(layout.at(topdir, layout.prelinked()), rel)
    return copy if os.path.isdir(copy) and made.get("old") == old else None


def _prelinked_from(topdir):
    """What old.json says of prelink()'s copies: {"old": compose, "files": count}, or {}."""
    try:
        made = jsonio.read_json(os.path.join(layout.at(topdir, layout.prelinked()), PRELINKED_FROM))
    except (OSError, ValueError):
        return {}
    return made if isinstance(made, dict) else {}


def file_count(topdir, outputs, old=None):
    """How many files (and symlinks) the directory trees OUTPUTS (compose-relative) of TOPDIR
    hold; of the compose OLD's instead, as prelink() counted them when it linked them all."""
    made = _prelinked_from(topdir) if old else {}
    if old and made.get("old") == old and made.get("files") is not None:
        return made["files"]
    return sum(_count_tree(layout.at(old or topdir, rel)) for rel in outputs)


def _count_tree(top):
    if not os.path.isdir(top) or os.path.islink(top):
        return 0
    count = 0
    with os.scandir(top) as entries:
        for entry in entries:
            count += _count_tree(entry.path) if entry.is_dir(follow_symlinks=False) else 1
    return count


def dir_times(topdir, outputs, old=None):
    """{compose-relative directory: modification time in ns} of every directory of the trees
    OUTPUTS of TOPDIR; of the compose OLD's instead, as prelink() found them. A file replaced,
    added or removed in a directory changes its time (copies made by _fill keep their source's)."""
    made = _prelinked_from(topdir) if old else {}
    if old and made.get("old") == old and made.get("dirs") is not None:
        return made["dirs"]
    times = {}
    for rel in outputs:
        _walk_tree(layout.at(old or topdir, rel), rel, times)
    return times


def tree_facts(topdir, outputs):
    """(file_count(), dir_times()) of the trees OUTPUTS of TOPDIR, from one walk."""
    times = {}
    return sum(_walk_tree(layout.at(topdir, rel), rel, times) for rel in outputs), times


def _walk_tree(path, rel, times):
    """The files and symlinks under PATH (compose-relative REL); TIMES given each directory's time."""
    if not os.path.isdir(path) or os.path.islink(path):
        return 0
    times[rel] = os.stat(path).st_mtime_ns
    count = 0
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                count += _walk_tree(entry.path, rel + "/" + entry.name, times)
            else:
                count += 1
    return count


def drop_prelinked(topdir):
    """Remove what prelink() made (and what a killed run of it left)."""
    target = layout.at(topdir, layout.prelinked())
    dirs.clear_aside(target)
    shutil.rmtree(target, ignore_errors=True)
