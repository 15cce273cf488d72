"""Repodata of a variant's trees, with their .treeinfo, .discinfo and media.repo (Pungi's
createrepo phase).

For variant.arch: the os tree (the variant.arch's filtered comps as group file)
and the debug tree; for arch 'src': the source tree. An addon's repos are
directories inside its parent's trees (os/addons/<id>), with no tree files. The
repodata is written from the package set repos' XML when createrepo_c would take
every package's metadata from them (rpms.tree_repodata); else createrepo_c runs in
update mode, so the metadata of packages unchanged since the last run is
reused; the package list comes from gather's result, not from scanning the
tree. The repodata's revision and timestamps are the newest build time of the
tree's packages, so the same packages give the same repodata.

A variant with module streams on the arch gets them, with their modules'
defaults, as modules.yaml in its os repodata (modifyrepo_c --mdtype=modules, as
Pungi adds it); the streams of createrepo_extra_modulemd are added there too. The state file
lists each stream with that file and its RPMs, which punji-finish writes into
compose/metadata/modules.json. With product_id, each os repo also gets its variant.arch's
product certificate (rpms.product_id).
"""

import os
import shutil

from ..compose import jsonio, layout, request, reuse, state
from ..config import variants
from ..config.lookup import va_data
from ..errors import PunjiError
from ..log import log
from ..media import treeinfo
from ..rpms import createrepo, repodata, tree_repodata
from ..rpms.repos import one_line, repomd_records


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("createrepo")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.with_arch(tree, variant, arch)
    cert = _product_id(topdir, conf, variant, arch)
    if v.get("is_empty"):  # Pungi makes no repodata, trees or .treeinfo for an empty variant
        state.write(topdir, "createrepo", variant, arch, repos={}, inputs=None)
        return
    comps = layout.at(topdir, layout.comps_file(variant, arch))
    comps = comps if arch != "src" and os.path.isfile(comps) else None
    # what gather recorded of the tree; its package list is read when there is work to do
    recorded = _recorded(topdir, variant, arch)
    packages, modular = None, None
    if recorded is None or recorded[1]:
        packages, modules = _packages(topdir, v, arch)
        modular = _modular(topdir, conf, v, arch, modules)
    boot = layout.at(topdir, layout.state_file("buildinstall", variant, arch))
    boot = jsonio.read_json(boot).get("inputs") if os.path.isfile(boot) else None  # .treeinfo lists its images
    deltas = _old_package_dirs(topdir, conf, v, arch)
    listed = _listed(deltas)
    inputs = state.digest(conf, [v, [c for c in tree if c["parent"] == variant]],
                          createrepo.packages_key(packages) if packages is not None else recorded[0],
                          _read(comps), boot, modular, listed, _read(cert))
    if state.same_inputs(topdir, "createrepo", variant, arch, inputs):
        log.info("createrepo %s.%s: the same packages, options and comps as the last run; nothing to do",
                 variant, arch)
        state.keep(topdir, "createrepo", variant, arch)
        return
    kinds = ("source",) if arch == "src" else ("os", "debug")
    outputs = [os.path.join(layout.repo_dir(v, arch, kind), "repodata") for kind in kinds] + \
        [os.path.relpath(_pkglist(topdir, v, arch, kind), topdir) for kind in kinds] + \
        ([os.path.join(layout.repo_dir(v, arch, "os"), "drpms")] if deltas is not None else [])
    if reuse.take_over(topdir, "createrepo", variant, arch, inputs, outputs,
                       still_true=lambda old, _record: _whole(old, outputs[:len(kinds)]),
                       finish=lambda old: _treeinfo(topdir, v, tree, arch, old["repos"], old)):
        return
    if packages is None:
        packages, _modules = _packages(topdir, v, arch)
    repos = _prepare_repos(topdir, conf, v, arch, packages, comps, deltas, listed, cert)
    taken = _write_repos(topdir, v, arch, repos, modular)
    if cert and "os" in repos and not taken.get("os"):
        from ..rpms import product_id

        product_id.add_to_repo(layout.at(topdir, layout.repo_dir(v, arch, "os")), cert)
    facts = {kind: repo_facts for kind, (_job, repo_facts) in repos.items()}
    if modular:
        facts["os"]["modules"] = _add_modules(topdir, v, arch, *modular)
    for repo_facts in facts.values():
        log.info("createrepo %s: %d packages", repo_facts["path"], repo_facts["packages"])
    state.write(topdir, "createrepo", variant, arch, repos=facts, inputs=inputs,
                treeinfo=_treeinfo(topdir, v, tree, arch, facts))


def _prepare_repos(topdir, conf, v, arch, packages, comps, deltas, listed, cert):
    """{kind: (job, facts)} of the repos of tree V.ARCH: its source repo, or its os repo (with
    COMPS, the DELTAS and the product certificate CERT) and debug repo."""
    if arch == "src":
        return {"source": prepare_repo(topdir, conf, layout.repo_dir(v, arch, "source"), packages,
                                       _pkglist(topdir, v, arch, "source"), arches=v["arches"])}
    repos = {}
    for kind, category in (("os", "binary"), ("debug", "debug")):
        subset, group_file = _of_category(packages, category), comps if kind == "os" else None
        os_repo = kind == "os"
        repos[kind] = prepare_repo(topdir, conf, layout.repo_dir(v, arch, kind), subset,
                                   _pkglist(topdir, v, arch, kind), group_file, [arch],
                                   deltas if os_repo else None)
        repos[kind][1]["key"] = state.digest(conf, createrepo.packages_key(subset), _read(group_file),
                                             listed if os_repo else None, _read(cert) if os_repo else None)
    return repos


def _write_repos(topdir, v, arch, repos, modular):
    """Write the repodata of REPOS ({kind: (job, facts)}), taking over an old compose's where it
    can (not a MODULAR os repo's); {kind: whether it was taken over}."""
    taken = {kind: _take_over_repo(topdir, v["uid"], arch, kind, repo_facts)
             for kind, (_job, repo_facts) in repos.items() if not (modular and kind == "os")}
    try:
        jobs = [job for kind, (job, _facts) in repos.items() if not taken.get(kind)]
        written = _write_at_once([job.write for job in jobs])
        createrepo.run_all([job.command() for job, done in zip(jobs, written) if not done])
    finally:
        for kind in repos:
            shutil.rmtree(_pkglist(topdir, v, arch, kind) + ".metadata", ignore_errors=True)
    return taken


def _product_id(topdir, conf, variant, arch):
    """The product certificate of VARIANT on ARCH (product_id), or None; the source trees get none."""
    if arch == "src" or not conf.get("product_id"):
        return None
    from ..rpms import product_id

    return product_id.certificate(topdir, conf, variant, arch, request.scm_file_bases(topdir))


def _old_package_dirs(topdir, conf, v, arch):
    """None, or for delta RPMs in V's os repo on ARCH (createrepo_deltas) the old compose's
    directories of that repo's packages, which createrepo_c makes them against, as Pungi finds
    them: the repo's Packages directory in the old compose, each of its subdirectories with
    hashed_directories; [] when there is no old compose or it has no such repo (createrepo_c
    is asked for deltas all the same)."""
    wanted = conf.get("createrepo_deltas")
    if arch == "src" or not (wanted is True or (wanted and any(va_data(wanted, v["uid"], arch)))):
        return None
    old = reuse.old_compose(topdir)
    repo = layout.at(old, layout.repo_dir(v, arch, "os")) if old else None
    if repo is None or not os.path.exists(repo):
        return []
    packages = os.path.join(repo, "Packages")
    if not conf.get("hashed_directories"):
        return [packages]
    try:
        return sorted(os.path.join(packages, name) for name in os.listdir(packages)
                      if os.path.isdir(os.path.join(packages, name)))
    except OSError:
        return []


def _listed(dirs):
    """What the delta RPMs of a repo are made from: the old package directories DIRS (None:
    no deltas) and the files in them."""
    if dirs is None:
        return None
    return [[d, sorted(os.listdir(d)) if os.path.isdir(d) else None] for d in dirs]


def _take_over_repo(topdir, variant, arch, kind, facts):
    """When the old compose made the KIND repo of VARIANT.ARCH (its tree made again for the
    other repo) from what FACTS["key"] says (options, packages, comps): its repodata linked
    here, True. A nightly whose one changed package is noarch redoes no debug repo."""
    old = reuse.old_compose(topdir)
    if old is None or not facts.get("key"):
        return False
    try:
        made = state.read(old, "createrepo", variant, arch)
    except (OSError, ValueError, PunjiError):
        return False
    if made.get("failed") or ((made.get("repos") or {}).get(kind) or {}).get("key") != facts["key"]:
        return False
    repodata, drpms = os.path.join(facts["path"], "repodata"), os.path.join(facts["path"], "drpms")
    linked = [repodata] + ([drpms] if os.path.isdir(layout.at(old, drpms)) else [])
    if not _whole(old, [repodata]) or not reuse.link_all(old, topdir, linked, "createrepo"):
        return False
    log.info("createrepo %s: taken over from %s (same packages, options and comps)", facts["path"], old)
    return True


def _whole(old, repodata_dirs):
    """Whether each of REPODATA_DIRS (compose-relative) of the compose OLD still has every
    file its repomd.xml lists, of the size it lists (a finished compose can lose files to a
    clean-up begun on it, or have one put in place of another)."""
    for rel in repodata_dirs:
        top = layout.at(old, rel)
        try:
            records = repomd_records(os.path.join(top, "repomd.xml"))
            sizes = _listed_sizes(os.path.join(top, "repomd.xml"))
        except (OSError, SyntaxError) as exc:  # ElementTree.ParseError is a SyntaxError
            log.warning("createrepo: %s of %s is not taken over: %s", rel, old, one_line(exc))
            return False
        gone = [href for _type, href, _sum in records if not os.path.isfile(os.path.join(top, "..", href))]
        if gone:
            log.warning("createrepo: %s of %s is not taken over: %s is gone", rel, old, gone[0])
            return False
        other = [href for href, size in sizes.items() if os.path.getsize(os.path.join(top, "..", href)) != size]
        if other:
            log.warning("createrepo: %s of %s is not taken over: %s is not the size repomd.xml lists", rel, old, other[0])
            return False
    return True


def _listed_sizes(repomd):
    """{location href: size} of the data records of REPOMD that list a size."""
    from xml.etree import ElementTree

    sizes = {}
    for data in ElementTree.parse(repomd).getroot():
        fields = {child.tag.rsplit("}", 1)[-1]: child for child in data}
        if "location" in fields and fields.get("size") is not None and (fields["size"].text or "").strip().isdigit():
            sizes[fields["location"].get("href")] = int(fields["size"].text)
    return sizes


def _treeinfo(topdir, v, tree, arch, facts, old=None):
    """Write the tree files (treeinfo.FILES) of V's tree on ARCH; an addon's repo is inside its
    parent's tree, which lists it. Returns what they are made from (treeinfo.inputs), which,
    when it is that of OLD (the old compose's state taken over), takes over the old files
    too; OLD then records it."""
    if v["type"] == "addon":
        return None
    timestamp = max(p["build_time"] for p in facts.values()) or _compose_day(topdir)
    key = treeinfo.inputs(topdir, v, tree, arch, timestamp)
    files = [os.path.join(layout.tree_dir(v["uid"], arch), name) for name in treeinfo.FILES]
    if not (old is not None and old.get("treeinfo") == key and
            reuse.link_all(reuse.old_compose(topdir), topdir, files, "createrepo tree files")):
        treeinfo.write(topdir, v, tree, arch, timestamp)
    if old is not None:
        old["treeinfo"] = key
    return key


def _modular(topdir, conf, v, arch, streams):
    """(modules.yaml text, [{nsvc, rpms}]) of variant V on ARCH: its STREAMS with their modules'
    defaults (those of module_defaults_dir in place of the repos') and obsoletes
    (module_obsoletes_dir), and the streams of
    createrepo_extra_modulemd (no RPMs); None for a variant without streams on ARCH, which, as
    in Pungi, gets no extra ones either."""
    if not streams:
        return None
    from ..rpms import modules

    index = modules.compose_streams(topdir, arch, streams)
    obsoletes = layout.at(topdir, layout.module_obsoletes_dir())
    if os.path.isdir(obsoletes):
        index = modules.add_obsoletes_from(index, obsoletes)
    tags = _koji_tags(topdir, arch)
    entries = [dict({"nsvc": r["nsvc"], "rpms": r["artifacts"]}, **({"koji_tag": tags[r["nsvc"]]} if r["nsvc"] in tags
                                                                   else {})) for r in streams]
    for path in _extra_modulemd(topdir, conf, v, arch):
        record = modules.add_single_stream(index, path)
        entries.append({"nsvc": record["nsvc"], "rpms": []})
    return modules.dump(index), entries


def _koji_tags(topdir, arch):
    """{N:S:V:C: content tag} of the module streams the package set read from Koji."""
    path = layout.at(topdir, layout.pkgset_koji_modules(arch))
    return jsonio.read_json(path)["koji_tags"] if os.path.isfile(path) else {}


def _extra_modulemd(topdir, conf, v, arch):
    """The <arch>/*.yaml files of V's createrepo_extra_modulemd entry, exported (as Pungi clones
    it) into work/<arch>/createrepo/extra-modulemd-<variant>/; [] without one."""
    import glob

    from ..config import scm

    entry = (conf.get("createrepo_extra_modulemd") or {}).get(v["uid"])
    if not entry:
        return []
    dest = layout.at(topdir, os.path.join(layout.createrepo_work(arch), "extra-modulemd-" + v["uid"]))
    shutil.rmtree(dest, ignore_errors=True)
    scm.export(entry, dest, "option 'createrepo_extra_modulemd' of %s" % v["uid"],
               request.scm_file_bases(topdir), workdir=layout.at(topdir, layout.createrepo_work(arch)),
               prefer="dir")
    return sorted(glob.glob(os.path.join(dest, arch, "*.yaml")))


def _add_modules(topdir, v, arch, text, entries):
    """Put TEXT into the os repodata of V on ARCH; the modules.json entries of its streams (ENTRIES)."""
    from ..rpms import modules

    top = layout.repo_dir(v, arch, "os")
    modules.add_to_repo(layout.at(topdir, top), text)
    records = repomd_records(layout.at(topdir, os.path.join(top, "repodata", "repomd.xml")))
    href = next(href for kind, href, _checksum in records if kind == "modules")
    path = os.path.relpath(os.path.join(top, href), "compose")
    log.info("createrepo %s: %d module streams in %s", top, len(entries), path)
    return [dict(e, modulemd_path=path) for e in entries]


def _pkglist(topdir, v, arch, kind):
    return os.path.join(layout.at(topdir, layout.createrepo_work(arch)), "%s-%s.pkglist" % (v["uid"], kind))


def _compose_day(topdir):
    """The compose date as a time stamp: the build time of a tree without packages."""
    import calendar
    import time


    return calendar.timegm(time.strptime(request.read(topdir)["date"], "%Y%m%d"))


def _read(path):
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def _of_category(packages, category):
    """The gather records of CATEGORY, as rpms.json lists them: a package gathered as binary and
    debug both (linked into both trees) is a debug package there, so only in the debug repo."""
    debug = {p["nevra"] for p in packages if p["category"] == "debug"}
    return [p for p in packages if p["category"] == category and (category != "binary" or p["nevra"] not in debug)]


def _recorded(topdir, variant, arch):
    """[what the tree's repodata is made from, whether it has module streams], as gather's
    assemble step recorded it; None when it did not (a compose of an older punji)."""
    path = layout.at(topdir, layout.state_file("gather"))
    if not os.path.isfile(path):
        return None
    return (state.read(topdir, "gather").get("trees") or {}).get("%s.%s" % (variant, arch))


def _packages(topdir, v, arch):
    """(the gather records of V's tree on ARCH, its module streams); for arch src the source
    packages of every arch of V."""
    if arch == "src":
        return createrepo.source_packages(
            jsonio.read_json(layout.at(topdir, layout.gather_json(v["uid"], a)))["packages"] for a in v["arches"]), []
    gathered = jsonio.read_json(layout.at(topdir, layout.gather_json(v["uid"], arch)))
    return gathered["packages"], gathered.get("modules") or []


def prepare_repo(topdir, conf, top, packages, pkglist, comps=None, arches=(), deltas=None):
    """(The RepoJob of the repodata in TOP (compose-relative) over PACKAGES (gather records),
    their list written to the file PKGLIST, from the package set repos of ARCHES, with delta
    RPMs against the old package directories DELTAS (None: none); its facts)."""
    path = layout.at(topdir, top)
    os.makedirs(path, exist_ok=True)
    # createrepo_c refuses to start while a killed run's .repodata/ is there; the delta RPMs of
    # an earlier run (or of the compose whose tree was taken over) are made anew or not at all
    for made in (".repodata", "drpms"):
        shutil.rmtree(os.path.join(path, made), ignore_errors=True)
    build_time = _newest_build(topdir, packages)
    jsonio.write_text(pkglist, "".join(_under(topdir, top, p["file"]) + "\n" for p in packages))
    job = RepoJob(topdir, conf, top, packages, pkglist, comps, arches, build_time, deltas)
    return job, {"path": top, "packages": len(packages), "build_time": build_time}


class RepoJob:
    """The repodata of one repo: write() it from the package set repos' XML, or else run
    command() through createrepo_c (createrepo.run_all)."""

    def __init__(self, topdir, conf, top, packages, pkglist, comps, arches, build_time, deltas=None):
        self.topdir, self.conf, self.top, self.packages, self.pkglist = topdir, conf, top, packages, pkglist
        self.comps, self.arches, self.build_time, self.deltas = comps, arches, build_time, deltas

    def write(self):
        """Whether the repodata is written from the package set repos' XML (rpms.tree_repodata)."""
        sets = [layout.at(self.topdir, layout.pkgset_repo(arch)) for arch in self.arches]
        files = [(_under(self.topdir, self.top, p["file"]), p["checksum"]) for p in self.packages]
        if not (self.deltas is None and tree_repodata.applies(self.conf) and
                tree_repodata.write(layout.at(self.topdir, self.top), files, sets,
                                    createrepo.checksum_of(self.conf), self.comps, self.build_time)):
            return False
        log.info("createrepo %s: written from the package set's metadata", self.top)
        return True

    def command(self):
        """The createrepo_c job; the old compose's repo has most packages of a nightly (the few
        new ones are read), else the package set's metadata goes to createrepo_c. Not with delta
        RPMs against old packages: createrepo_c makes none for a package whose metadata it takes
        (Pungi then gives it none either)."""
        if self.deltas:
            update_from = []
        else:
            old = _old_repo(self.topdir, self.top)
            update_from = [old] if old else _relocated(self.topdir, self.arches, self.packages, self.top,
                                                         self.pkglist + ".metadata")
        return (self.conf, layout.at(self.topdir, self.top), self.pkglist, self.comps, self.build_time, update_from,
                self.deltas)


def _write_at_once(writers):
    """[whether each of WRITERS (functions saying whether they wrote) wrote], the first run
    here while the others run in forked children (a tree's os and debug repos are independent;
    the XML's compression is most of the work). A child that fails counts as not written."""
    from .. import ahead

    def written(writer):
        if not writer():
            raise PunjiError("createrepo_c would read what the package set's metadata lacks")
        return True

    others = [ahead.start("repodata from the package set", written, writer) for writer in writers[1:]]
    return ([writers[0]()] if writers else []) + [wait() for wait in others]


# seconds, measured: for createrepo_c to read a package file, per byte (its checksum), and for
# _relocated to copy a package's metadata (which createrepo_c then parses about as fast as it
# reads the header of a small package)
READ_PER_BYTE, RELOCATE_PER_PACKAGE = 1 / 400e6, 30e-6


def _relocated(topdir, arches, packages, top, where):
    """[a repo in WHERE over PACKAGES' metadata in the package set repos of ARCHES, each at its
    location in TOP], from which createrepo_c takes what it would read from their files (it
    takes a package's metadata only when it is the file described: name, size, mtime and
    checksum type); [] when the sets have no changelogs (other), or when reading the files
    costs less than copying their metadata (small packages): both give the same repodata."""
    from ..rpms.repos import repomd_records

    shutil.rmtree(where, ignore_errors=True)
    if sum(p.get("size") or 0 for p in packages) * READ_PER_BYTE <= len(packages) * RELOCATE_PER_PACKAGE:
        return []
    repos = []
    for arch in arches:
        repo = layout.at(topdir, layout.pkgset_repo(arch))
        try:
            kinds = {kind for kind, _href, _checksum in repomd_records(os.path.join(repo, "repodata", "repomd.xml"))}
        except (OSError, ValueError, SyntaxError):
            continue
        if "other" in kinds:
            repos.append(repo)
    if not repos:
        return []
    hrefs = {p["checksum"]: _under(topdir, top, p["file"]) for p in packages}
    found = repodata.write_relocated(where, repos, hrefs)
    log.info("createrepo %s: the metadata of %d of its %d packages from the package set", top, found, len(packages))
    return [where]


def _under(topdir, top, rel):
    """Compose-relative REL relative to the compose-relative directory TOP."""
    if rel.startswith(top + "/"):  # the usual case, without os.path.relpath's cost per package
        return rel[len(top) + 1:]
    return os.path.relpath(layout.at(topdir, rel), layout.at(topdir, top))


def _old_repo(topdir, top):
    """The same repo in the old compose (compose.reuse) when it was made with the same
    createrepo options: createrepo_c then reads only the packages that are new to it."""
    old = reuse.old_compose(topdir)
    if old is None or not os.path.isfile(os.path.join(old, top, "repodata", "repomd.xml")):
        return None
    slice_path = layout.config_slice("createrepo")
    if jsonio.read_text(layout.at(old, slice_path)) != jsonio.read_text(layout.at(topdir, slice_path)):
        return None
    return os.path.join(old, top)


def _newest_build(topdir, packages):
    """The newest build time among PACKAGES (as the package set recorded it from the repodata,
    else from their RPM headers), 0 for none."""
    if all(p.get("build_time") is not None for p in packages):
        return max([p["build_time"] for p in packages] or [0])
    import rpm

    newest = 0
    ts = rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    for p in packages:
        fd = os.open(layout.at(topdir, p["file"]), os.O_RDONLY)
        try:
            newest = max(newest, ts.hdrFromFdno(fd)[rpm.RPMTAG_BUILDTIME] or 0)
        except rpm.error as exc:
            raise PunjiError("package %s: cannot read its RPM header: %s" % (p["file"], exc))
        finally:
            os.close(fd)
    return newest


