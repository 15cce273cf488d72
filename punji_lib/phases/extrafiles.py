"""The extrafiles phase: Pungi's extra_files copied into one tree, and the list of them.

extra_files is a variant/arch mapping of scm dicts (see punji_lib.config.scm), each with
an optional "target": a subdirectory of the tree (a leading "/" is dropped, as
Pungi does). For one variant.arch every entry is fetched into a staging
directory under work/<arch>/extrafiles/ first, so a missing file, an unreachable
repository or a path that leaves the tree fails the run before the tree is
touched. Then the files are renamed into compose/<variant>/<arch>/os/<target>/ (an
addon's into its parent's tree, after the parent's and its sibling addons' of lower uid),
the files an earlier run put there and no longer configured are removed, and
the tree gets extra_files.json (Pungi's per-tree format: path relative to the
tree, size, checksums of media_checksums). work/<arch>/extrafiles/<variant>.json
records the files for --assemble, which writes compose/metadata/extra_files.json
(productmd ExtraFiles, paths relative to compose/).
"""

import os
import posixpath
import shutil

from ..compose import dirs, jsonio, layout, request, state
from ..config import reader, scm, variants
from ..config.lookup import va_data
from ..errors import NotReady, PunjiError
from ..log import log, warn
from ..media import extra_files

PROG = "punji-extrafiles"
TREE_LIST = "extra_files.json"
# what other phases own in a tree: an extra file there would be lost or would break it
OWNED_DIRS = {"Packages": "punji-gather", "repodata": "punji-createrepo"}
OWNED_FILES = {TREE_LIST: PROG, ".treeinfo": "punji-createrepo", ".discinfo": "punji-createrepo"}


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("extrafiles")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.with_arch(tree, variant, arch)
    # Pungi copies no extra files for an is_empty variant
    entries = [] if v.get("is_empty") else va_data(conf.get("extra_files"), variant, arch)
    checksum_types = extra_files.checksum_types(topdir)
    tree_rel = layout.tree_dir(tree_owner(v), arch)
    tree_dir = layout.at(topdir, tree_rel)
    record_path = layout.at(topdir, layout.extrafiles_json(variant, arch))
    old = _previous(record_path)
    stage = dirs.aside(record_path[:-len(".json")] + "-stage")
    try:
        files = _fetch_all(topdir, conf, v, arch, entries, stage, tree_rel)
        # an addon's list replaces its parent's, which the parent's next run writes anew
        placed = set(files) | ({TREE_LIST} if files and v["type"] != "addon" else set())
        _check_tree(tree_dir, tree_rel, files, set(old["placed"]) - placed)
        listed = [dict(extra_files.describe(path, checksum_types), file=rel, entry=number)
                  for rel, (path, number) in sorted(files.items())]
        # while the tree changes, the record names everything this run or an earlier one may have put there
        jsonio.write_json(record_path, _record(variant, arch, tree_rel, old["files"], set(old["placed"]) | placed,
                                               checksum_types))
        _remove(tree_dir, sorted(set(old["placed"]) - placed))
        for rel, (path, _number) in sorted(files.items()):
            _install(path, os.path.join(tree_dir, rel))
        if files:
            jsonio.write_text(os.path.join(tree_dir, TREE_LIST), extra_files.tree_list(variant, arch, listed))
        elif v["type"] != "addon" and os.path.isfile(os.path.join(tree_dir, TREE_LIST)):
            os.unlink(os.path.join(tree_dir, TREE_LIST))  # an addon's from an earlier run
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    jsonio.write_json(record_path, _record(variant, arch, tree_rel, listed, placed, checksum_types))
    log.info("extrafiles %s.%s: %d files in %s", variant, arch, len(listed), tree_rel)
    state.write(topdir, "extrafiles", variant, arch, files=len(listed), result=layout.extrafiles_json(variant, arch))


def tree_owner(v):
    """The variant whose tree V's extra files go into: an addon's are its parent's (Pungi copies
    them there, and the addon's extra_files.json replaces the parent's: addons run after the
    variants, in uid order)."""
    return v["parent"] if v["type"] == "addon" else v["uid"]


def run_assemble(topdir, variant=None, arch=None):
    """compose/metadata/extra_files.json: the extra files of every tree, paths relative to compose/."""
    from productmd.extra_files import ExtraFiles


    req = request.read(topdir)
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    metadata = ExtraFiles()
    metadata.compose.id, metadata.compose.type = req["compose_id"], req["compose_type"]
    metadata.compose.date, metadata.compose.respin = req["date"], req["respin"]
    total = 0
    for v in tree:
        for tree_arch in list(v["arches"]) + ["src"]:
            path = layout.at(topdir, layout.extrafiles_json(v["uid"], tree_arch))
            if not os.path.isfile(path):
                if tree_arch == "src":
                    continue
                raise NotReady("no extra files record for %s.%s yet: run punji-extrafiles --variant %s --arch %s"
                                 " first" % (v["uid"], tree_arch, v["uid"], tree_arch))
            record = jsonio.read_json(path)
            top = record["tree"][len("compose/"):]
            for item in record["files"]:
                metadata.add(v["uid"], tree_arch, posixpath.join(top, item["file"]), item["size"], item["checksums"])
                total += 1
    jsonio.write_text(layout.at(topdir, layout.extra_files_json()), metadata.dumps())
    state.write(topdir, "extrafiles", files=total, metadata=layout.extra_files_json())


# -- fetching ------------------------------------------------------------------------------------


def _fetch_all(topdir, conf, v, arch, entries, stage, tree_rel):
    """{path in the tree: (staged file, entry number)} of every entry, in config order (a later
    entry giving the same path wins, as in Pungi)."""

    config_dir = request.scm_file_bases(topdir)
    where = _where(topdir)
    packages = None
    files, made = {}, {}  # made: {directory in the tree: the entry that made it first}
    for number, entry in enumerate(entries, 1):
        what = "%s: option 'extra_files' (%s.%s, entry %d)" % (where, v["uid"], arch, number)
        if not isinstance(entry, dict):
            raise PunjiError("%s: expected an scm dict, got %r" % (what, entry))
        target = extra_files.target(entry.get("target"), what, tree_rel)
        entry = dict(entry)
        if entry.get("scm") == "rpm":
            entry["repo"] = _substitute(entry.get("repo"), v, arch, what)
            if packages is None and extra_files.needs_pkgset(entry["repo"]):
                packages = extra_files.package_set(topdir, arch, what)
        dest = os.path.join(stage, "entry-%d" % number)
        exported = scm.export(entry, dest, what, config_dir, packages=packages, workdir=stage,
                              warn=lambda message: warn(PROG, message))
        extra_files.check_copied_over(entry, exported, target, made, number, what)
        for rel in exported:
            in_tree = posixpath.join(target, rel) if target else rel
            _check_owned(in_tree, what, tree_rel)
            path = os.path.join(dest, rel)
            if in_tree in files and not scm.same_content(files[in_tree][0], path):
                warn(PROG, "%s: %s replaces the different file entry %d put there" % (what, in_tree, files[in_tree][1]))
            files[in_tree] = (path, number)
    for rel, (_path, number) in sorted(files.items()):
        parent = posixpath.dirname(rel)
        while parent:
            if parent in files:
                raise PunjiError("%s: option 'extra_files' (%s.%s): entry %d puts %s in directory %s, which entry %d"
                                 " makes a file" % (where, v["uid"], arch, number, rel, parent, files[parent][1]))
            parent = posixpath.dirname(parent)
    return files


def _where(topdir):
    """file:line of the extra_files assignment in the config, for error messages."""
    try:
        files = jsonio.read_json(layout.at(topdir, layout.config_files_json()))["config"]
    except (OSError, ValueError, KeyError):
        files = []
    return reader.where("extra_files", files)


def _check_owned(rel, what, tree_rel):
    top = rel.split("/", 1)[0]
    owner = OWNED_DIRS.get(top) if "/" in rel else None
    owner = owner or OWNED_FILES.get(rel)
    if owner:
        raise PunjiError("%s: %s/%s belongs to %s; put extra files elsewhere (another 'target')"
                         % (what, tree_rel, rel, owner))


def _substitute(repo, v, arch, what):
    """Pungi's %(arch)s, %(variant_id)s, %(variant_uid)s (and their *_lower) in an rpm 'repo'."""
    values = {"arch": arch, "variant_id": v["id"], "variant_id_lower": v["id"].lower(),
              "variant_uid": v["uid"], "variant_uid_lower": v["uid"].lower()}
    items = [repo] if isinstance(repo, str) else list(repo or [])
    try:
        result = [item % values if "%" in item else item for item in items]
    except (KeyError, ValueError, TypeError) as exc:
        raise PunjiError("%s: 'repo' %r: unknown substitution %s (known: %s)"
                         % (what, repo, exc, ", ".join(sorted(values))))
    return result[0] if isinstance(repo, str) else result


# -- the tree ------------------------------------------------------------------------------------


def _check_tree(tree_dir, tree_rel, files, leaving):
    """Nothing in the tree is in the way of FILES: no file where a directory is needed, no
    directory where a file goes, no symlink leading out of the tree. LEAVING: files about to go."""
    real_tree = os.path.realpath(tree_dir) if os.path.exists(tree_dir) else None
    for rel in sorted(files):
        parts = rel.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            path = os.path.join(tree_dir, sub)
            if not os.path.lexists(path):
                break
            last = depth == len(parts)
            if os.path.islink(path) and not last:
                real = os.path.realpath(path)
                if real_tree is None or not (real == real_tree or real.startswith(real_tree + os.sep)):
                    raise PunjiError("%s/%s is a symlink that leads out of the tree: cannot put %s there"
                                     % (tree_rel, sub, rel))
            if last:
                if os.path.isdir(path) and not os.path.islink(path) and not _only(tree_dir, sub, leaving):
                    raise PunjiError("%s/%s is a directory: cannot put the extra file %s there" % (tree_rel, sub, rel))
            elif not os.path.isdir(path) and sub not in leaving:
                raise PunjiError("%s/%s is a file: cannot put the extra file %s under it" % (tree_rel, sub, rel))


def _only(tree_dir, sub, leaving):
    """Whether directory SUB of the tree holds nothing but files in LEAVING (it goes with them)."""
    for root, subdirs, names in os.walk(os.path.join(tree_dir, sub)):
        for name in names + [d for d in subdirs if os.path.islink(os.path.join(root, d))]:
            if os.path.relpath(os.path.join(root, name), tree_dir).replace(os.sep, "/") not in leaving:
                return False
    return True


def _remove(tree_dir, rels):
    """Remove files an earlier run put into the tree, and the directories they leave empty."""
    for rel in rels:
        path = os.path.join(tree_dir, rel)
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
            log.info("removed %s (no longer configured)", rel)
        parent = os.path.dirname(path)
        while parent != tree_dir and parent.startswith(tree_dir + os.sep):
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = os.path.dirname(parent)


def _install(source, target):
    """Put staged file SOURCE at TARGET in one rename (a copy beside TARGET first when they are
    on different file systems); an identical TARGET is left alone."""
    if os.path.isfile(target) and not os.path.islink(target) and scm.same_content(source, target) \
            and os.stat(source).st_mode & 0o777 == os.stat(target).st_mode & 0o777:
        return
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    try:
        os.replace(source, target)
        return
    except OSError as exc:
        if exc.errno != 18:  # EXDEV
            raise PunjiError("cannot put %s in place: %s" % (target, exc.strerror))
    tmp = os.path.join(parent, ".%s.extrafiles-tmp" % os.path.basename(target))
    try:
        shutil.copy2(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise PunjiError("cannot put %s in place: %s" % (target, exc.strerror))


# -- records -------------------------------------------------------------------------------------


def _previous(path):
    """What an earlier run recorded: {"files": [...], "placed": [...]} (empty when none)."""
    if not os.path.isfile(path):
        return {"files": [], "placed": []}
    data = jsonio.read_json(path)
    return {"files": data.get("files", []), "placed": data.get("placed", [])}


def _record(variant, arch, tree_rel, files, placed, checksum_types):
    return {"header": state.header("extrafiles-result"), "variant": variant, "arch": arch, "tree": tree_rel,
            "checksums": checksum_types, "files": files, "placed": sorted(placed)}


