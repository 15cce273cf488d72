"""The --assemble step of punji-gather: every variant.arch's solved packages made into trees.

Once every variant.arch is solved (work/<arch>/gather/<variant>.solved.json), the
rules that cut across variants and arches apply (rpms.trim: what a child drops or
moves into its parent); each tree's packages are placed (hashed_directories) and
linked into its os, debug and source trees (link_type); work/<arch>/gather/<variant>.json
lists each tree's packages and compose/metadata/rpms.json all of them. With the same
solved results as the old compose, all of it is taken over from there.
"""

import os

from .. import ahead
from ..compose import jsonio, layout, reuse, rpms_json, state
from ..config import gather_order, variants
from ..errors import PunjiError
from ..log import log
from . import createrepo, linker, trim

KIND = {"binary": "os", "debug": "debug", "source": "source"}


def run(topdir):
    """Apply the variant-type rules to every variant.arch's solved packages, link every tree
    whose packages changed, write each gather result and compose/metadata/rpms.json."""
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    # what fails in Pungi's gather order fails the assembly too (a failing turn may have no variant)
    gather_order.check(conf.get("variant_as_lookaside") or [], tree)
    keys = [(v["uid"], a) for v in tree for a in v["arches"]]
    inputs = state.digest(state.by_content(conf), tree, [state.file_digest(layout.at(topdir, layout.solved_json(*key))) for key in keys])
    # a rerun here after the same results relinks nothing (_changed), so it needs no old compose
    try:
        if not state.same_inputs(topdir, "gather", None, None, inputs) and \
                _take_over_assembled(topdir, conf, tree, keys, inputs):
            return
        _assemble(topdir, conf, tree, keys, inputs)
    finally:
        reuse.drop_prelinked(topdir)


def _assemble(topdir, conf, tree, keys, inputs):
    """run()'s work when the old compose's assembly cannot be taken over whole."""
    solved = {key: jsonio.read_json(layout.at(topdir, layout.solved_json(*key))) for key in keys}
    _check_modules(tree, solved)
    final = trim.trim(tree, {key: result["packages"] for key, result in solved.items()})
    by_uid = variants.by_uid(tree)
    placed = {(uid, a): _placed([p for p in final[(uid, a)] if "lookaside" not in p["flags"]], by_uid[uid], a,
                                conf.get("hashed_directories")) for uid, a in solved}
    # rpms.json (tens of thousands of entries rendered) is written by a child while the trees are linked
    rendered = ahead.start("rpms.json", rpms_json.write, topdir, tree, placed)
    try:
        _link_all(topdir, conf, tree, solved, placed)
        trees, sizes = _tree_keys(tree, solved, placed), _tree_sizes(placed)
    finally:
        written = rendered()
    if not written:
        rpms_json.write(topdir, tree, placed)
    # how many files the trees hold, and their directories' times: a later compose takes them over
    # only when it finds as many, none replaced
    tree_files, tree_dirs = reuse.tree_facts(topdir, tree_outputs(tree))
    state.write(topdir, "gather", rpms=layout.rpms_json(), rpms_sha256=_rpms_digest(topdir),
                output_sizes=reuse.file_sizes(topdir, [layout.gather_json(*key) for key in keys]),
                count=sum(len(p) for p in placed.values()), inputs=inputs, trees=trees, sizes=sizes,
                tree_files=tree_files, tree_dirs=tree_dirs)


def _link_all(topdir, conf, tree, solved, placed):
    """Link the trees of every variant.arch whose packages changed, and every source tree; write
    each gather result (SOLVED, with the packages PLACED in the trees)."""
    link_type = conf.get("link_type") or "hardlink-or-copy"
    by_uid = variants.by_uid(tree)
    _check_scratch_symlinks(by_uid, placed, link_type)
    _check_twins(by_uid, placed)
    for (uid, a), result in solved.items():
        v, packages = by_uid[uid], placed[(uid, a)]
        path = layout.at(topdir, layout.gather_json(uid, a))
        if not v.get("is_empty") and _changed(path, packages, v, a, topdir):
            for category in ("binary", "debug"):
                _link_tree(topdir, [p for p in packages if p["category"] == category], v, a, KIND[category],
                           link_type)
        jsonio.write_json_if_changed(path, dict(result, packages=packages), compact=True)
    _link_sources(topdir, tree, placed, link_type)


def _check_scratch_symlinks(by_uid, placed, link_type):
    """Pungi 4.3.2's linker, told to symlink an RPM of a scratch build task (its path holds
    /work/tasks/), hard-links or copies it into place first and then symlinks over that: File
    exists, whenever a tree gets such an RPM (or its twin). The same failure here, one error line."""
    if link_type not in ("symlink", "abspath-symlink"):
        return
    for uid, arch, p in _linked(by_uid, placed):
        for path in [p["path"]] + p.get("twins", []):
            if "/work/tasks/" in path:
                raise PunjiError("%s.%s: cannot %s %s, a scratch build task's RPM, to %s: File exists (Pungi "
                                 "4.3.2 hard-links such an RPM into the tree, then symlinks over it; use link_type "
                                 "hardlink-or-copy)" % (uid, arch, link_type, path, p["file"]))


def _check_twins(by_uid, placed):
    """Pungi 4.3.2 links each file its gather listed: a scratch task's RPM of a NEVRA a tag has
    too (a package's "twins") goes to the same place, and Pungi's linker fails with File exists
    unless the two have the same size and modification time (in seconds), whatever the
    link_type (with "copy" it may race on equal ones; punji links one)."""
    for uid, arch, p in _linked(by_uid, placed):
        for twin in p.get("twins", []):
            if not _same_to_pungi(p["path"], twin):
                raise PunjiError("%s.%s: cannot link %s to %s: File exists (Pungi 4.3.2 lists this scratch task's "
                                 "RPM beside %s, the same package differing in size or time)"
                                 % (uid, arch, twin, p["file"], p["path"]))


def _linked(by_uid, placed):
    """(uid, arch, package) of every package linked into a tree (an is_empty variant has none)."""
    for (uid, arch), packages in sorted(placed.items()):
        if not by_uid[uid].get("is_empty"):
            for p in packages:
                yield uid, arch, p


def _same_to_pungi(path, other):
    """Pungi's linker's test of a file already in place: the same size and whole-second mtime."""
    a, b = os.stat(path), os.stat(other)
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)


def _tree_sizes(placed):
    """{"<uid>.<arch>": {category: [count, bytes]}} of the packages rpms.json lists (PLACED),
    for the compose's report; None when some record has no size (an older package set's)."""
    sizes = {}
    for (uid, arch), packages in placed.items():
        counted = sizes.setdefault("%s.%s" % (uid, arch), {})
        for p in packages:
            if p.get("size") is None:
                return None
            entry = counted.setdefault(p["category"], [0, 0])
            entry[0] += 1
            entry[1] += p["size"]
    return sizes


def _tree_keys(tree, solved, placed):
    """{"<uid>.<arch>": [what its repodata is made from (createrepo.packages_key), whether it has
    module streams]} of every tree, "<uid>.src" for the source tree."""
    keys = {}
    for v in tree:
        for a in v["arches"]:
            keys["%s.%s" % (v["uid"], a)] = [createrepo.packages_key(placed[(v["uid"], a)]),
                                             bool(solved[(v["uid"], a)].get("modules"))]
        sources = createrepo.source_packages(placed[(v["uid"], a)] for a in v["arches"])
        keys["%s.src" % v["uid"]] = [createrepo.packages_key(sources), False]
    return keys


def _take_over_assembled(topdir, conf, tree, keys, inputs):
    """When the old compose assembled the same solved results (INPUTS) with the same options:
    its gather results and trees hard-linked here, rpms.json written from them for this compose.
    An addon's package directories hold its repodata in the old compose: they are linked anew."""
    addons = [v for v in tree if v["type"] == "addon" and not v.get("is_empty")]
    outputs = [layout.gather_json(*key) for key in keys] + tree_outputs(tree)

    def placed(of):
        return {key: jsonio.read_json(layout.at(topdir, layout.gather_json(*key)))["packages"] for key in of}

    def finish(old_state):
        mine = placed([(v["uid"], a) for v in addons for a in v["arches"]])
        link_type = conf.get("link_type") or "hardlink-or-copy"
        for v in addons:
            for a in v["arches"]:
                for category in ("binary", "debug"):
                    _link_tree(topdir, [p for p in mine[(v["uid"], a)] if p["category"] == category], v, a,
                               KIND[category], link_type)
        _link_sources(topdir, addons, mine, link_type)
        digest = rpms_json.write_from_old(topdir, old_state)
        if digest is None:
            rpms_json.write(topdir, tree, placed(keys))
            digest = _rpms_digest(topdir)
        old_state["rpms_sha256"] = digest  # this compose's state records its own file

    def complete(old, record):
        """Whether the old compose's trees still hold every file they held when made, none
        replaced (a file put in place of another, by hand or a tool, changes its directory's time)."""
        count = reuse.file_count(topdir, tree_outputs(tree), old)
        if record.get("tree_files") not in (None, count):
            log.warning("gather: the trees of %s are not taken over: they hold %d files, %d when made",
                        old, count, record["tree_files"])
            return False
        changed = _changed_dirs(record.get("tree_dirs"), reuse.dir_times(topdir, tree_outputs(tree), old))
        if changed:
            log.warning("gather: the trees of %s are not taken over: a file of %s was replaced, added or removed "
                        "since they were made", old, changed[0])
            return False
        return True

    return reuse.take_over(topdir, "gather", None, None, inputs, outputs, still_true=complete, finish=finish,
                           allowed=conf.get("gather_allow_reuse", True))


def _rpms_digest(topdir):
    """The sha256 of rpms.json as gather wrote it: a later compose copies it only while the file
    is still that one (a file cut short or edited since is no text to take over)."""
    return state.file_digest(layout.at(topdir, layout.rpms_json()))


def _changed_dirs(made, now):
    """The directories whose times NOW are not those MADE recorded (none when it recorded none)."""
    if made is None:
        return []
    return sorted(rel for rel in set(made) | set(now) if made.get(rel) != now.get(rel))


def tree_outputs(tree):
    """The package directories of TREE's variants an old compose's can stand for: every tree
    but an addon's (its packages share their directory with its repodata)."""
    outputs = []
    for v in tree:
        if v["type"] != "addon" and not v.get("is_empty"):
            outputs += [layout.packages_dir(v, a, kind) for a in v["arches"] for kind in ("os", "debug")]
            outputs.append(layout.packages_dir(v, "src", "source"))
    return outputs


def _one_file_system(topdir, files):
    """Whether the package files FILES ([(source, place)]; the first stands for them) can be hard-linked
    into the compose TOPDIR: else every file of a copy would be copied again."""
    try:
        return not files or os.stat(files[0][0]).st_dev == os.stat(topdir).st_dev
    except OSError:
        return False


def _check_modules(tree, solved):
    """Pungi's check across arches: a variant's <modules> entry must match a stream on some arch."""
    for v in tree:
        unmatched = set.intersection(*[set(solved[(v["uid"], a)].get("unmatched_modules") or [])
                                       for a in v["arches"]])
        if unmatched:
            raise PunjiError("variant %s: module %s matches no module stream of the package sets (%s)"
                             % (v["uid"], ", ".join(repr(m) for m in sorted(unmatched)), ", ".join(v["arches"])))


def _placed(records, v, arch, hashed):
    """RECORDS with the place of each package in variant V's trees ("file")."""
    placed = []
    tops = {category: layout.packages_dir(v, arch, kind) for category, kind in KIND.items()}
    for p in records:
        top = tops[p["category"]]
        filename = os.path.basename(p["path"])
        placed.append(dict(p, file="%s/%s" % (layout.package_dir(top, filename, hashed), filename)))
    return sorted(placed, key=lambda r: (r["category"], r["nevra"]))


def _changed(path, packages, v, arch, topdir):
    """Whether the trees of V on ARCH need linking: other packages than the last run, or gone."""
    if not os.path.isfile(path) or jsonio.read_json(path)["packages"] != packages:
        return True
    return not all(os.path.isdir(layout.at(topdir, layout.packages_dir(v, arch, kind))) for kind in ("os", "debug"))


def _link_tree(topdir, packages, v, arch, kind, link_type):
    top = layout.packages_dir(v, arch, kind)
    files = [(p["path"], p["file"][len(top) + 1:]) for p in packages]
    if _patched(topdir, top, files, link_type):
        return
    # an addon's packages share a directory with its repodata, which createrepo keeps up to date
    linker.build_dir(layout.at(topdir, top), files, link_type, keep=("repodata",))


def _patched(topdir, top, files, link_type):
    """Whether the tree TOP was made from the old compose's, linked ahead (prelink) while the
    package sets were read: its files that are the very files of FILES stay, the others are
    linked or removed (a nightly after a few packages changed links those few)."""
    old = reuse.old_compose(topdir)
    if not (old and link_type in linker.HARD_LINKS and _one_file_system(topdir, files)):
        return False
    copy = reuse.prelinked_to_patch(topdir, old, top)
    if copy is None:
        return False
    linked = linker.patch_dir(copy, layout.at(topdir, top), files, link_type)
    log.info("gather: %s made from the old compose's tree linked ahead: %d of its %d files linked anew",
             top, linked, len(files))
    return True


def _link_sources(topdir, tree, placed, link_type):
    """Link every variant's source tree: the source packages of all its arches (PLACED)."""
    for v in tree:
        if not v.get("is_empty"):
            sources = createrepo.source_packages(placed[(v["uid"], a)] for a in v["arches"])
            _link_tree(topdir, sources, v, "src", "source", link_type)
