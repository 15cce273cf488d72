"""The package set of one compose arch read from Koji (pkgset_source = "koji").

What goes in, by build, as Pungi 4.3.2 makes a package set of each tag and gathers from all:
  1. the latest builds of each tag of pkgset_koji_tag, across its inheritance unless
     pkgset_koji_inherit is False (koji's listTaggedRPMS(latest=True) order: the tag, then its
     parents); with several tags the latest of each tag, so one name.arch can have several
     versions (the solver takes the newest);
  2. the builds of pkgset_koji_builds (NVRs), each replacing every tag's other build of its name
     (a build a tag has too is listed twice: at the tag's place and after the tag's builds);
     Pungi 4.3.2 adds them, and 3., to each tag's package set only: without pkgset_koji_tag
     neither is read (and without module builds either the package set is empty);
  3. beside them, the RPM outputs of the scratch build tasks of pkgset_koji_scratch_tasks (test composes
     only, as Pungi 4.3.2 refuses them in any other; scratch builds are never signed, so
     sigkeys do not apply to them).
Of each RPM of the arches installable on the compose arch (arches.compatible; the multilib
partner's only when some variant has multilib methods on the arch) and of source RPMs (arch src:
Pungi 4.3.2 leaves out Koji's nosrc RPMs, so a binary of a nosrc build comes without its source
package; the set of arch src, made when no compose arch is left, holds source RPMs alone, as
Pungi 4.3.2 still reads those), the copy signed with the first key of sigkeys that Koji has for it is used
(None allows the unsigned copy, when no key of the list has signed it, wherever None is;
with gather_method "deps" the unsigned copy of an RPM whose name is none the compose is known
to take, marked invalid_sigkey, which the gather refuses to take, as Pungi 4.3.2 does); when some are not signed yet, Koji is asked again
signed_packages_retries times, signed_packages_wait seconds apart (koji/signed.py). A copy is read under
the profile's topdir when readable here, else downloaded from topurl into koji_cache or
work/<arch>/pkgset/cache (koji/store.py). Every file is checked against Koji: the NEVRA and
the payload hash (RPMTAG_SIGMD5) in its header, and the signing key; a downloaded copy also
by the MD5 of its header and payload.

With gather_method "nodeps" and no buildinstall_method, as Pungi, only the RPMs of the names
it knows the compose takes are read (_gather_names: gather_source_mapping and the comps groups
of the last compose arch only; walking Koji's list, a taken binary adds its build's name, so a
later binary named like the build is read too), and the source RPMs of their builds, in each
tag's set on its own walk, the module content tags' too; of the
scratch tasks' outputs, listed after a tag's, those of the names a tag's walk ended with.

All queries are made at the compose's Koji event (koji/event.py: --koji-event, koji_event,
or the hub's last event when the compose first asks). With pkgset_allow_reuse, a rerun or a new
compose keeps the package set made from the same inputs while Koji has not changed it
(koji/pkgset_reuse.py); with module builds, module_defaults_dir's files are inputs too (the
set's modules.yaml carries their defaults).
"""

import os

from .. import arches
from ..compose import jsonio, layout, request, state
from ..config import reader
from ..config.lookup import is_arch_multilib, json_file, va_data
from ..errors import PunjiError
from ..log import counted, log
from ..rpms.headers import HeaderCache
from ..rpms.nodeps import split_name_arch
from ..rpms.package_text import file_nvra
from ..rpms.packages import SOURCE_ARCHES, record
from . import modules, pkgset_reuse
from .event import compose_event
from .session import Session
from .pkgset_reuse import tag_ids
from .signed import rpm_nevra, signed_copies
from .store import Store

BUILD_COMPLETE = 1
TASK_CLOSED = 2
TASK_STATES = {0: "free", 1: "open", 2: "closed", 3: "canceled", 4: "assigned", 5: "failed"}
KOJI_SOURCE_ARCH = "src"  # the source arch read from Koji (its nosrc RPMs are left out, as Pungi 4.3.2)


class KojiSet(list):
    """[(record, createrepo_c Package)] and what the state file should say of the run
    (facts); reused: the previous run's outputs stand; sets: {NEVRA: the indexes of Pungi's
    package sets holding it} (a tag's, a module content tag's), which Pungi splits by arch
    one by one."""

    def __init__(self, items=(), facts=None, reused=False, sets=None):
        super().__init__(items)
        self.facts = facts or {}
        self.reused = reused
        self.sets = sets


def strings(value):
    if value is None:
        return []
    return [value] if isinstance(value, (str, int)) else list(value)


def from_koji(topdir, conf, arch):
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    tags, nvrs, tasks = _sources(conf, tree)
    compose_type = request.read(topdir).get("compose_type")
    koji = Session(conf.get("koji_profile"))
    koji.call("getAPIVersion")
    event = compose_event(topdir, koji, conf)
    found = None
    gather_conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    multilib = is_arch_multilib(gather_conf, arch)
    if modules.wanted(conf, tree):
        found = modules.find(koji, conf, gather_conf, tree, event, compose_type, _cache_dir(topdir, conf, arch))
    names = _gather_names(topdir, gather_conf, tree)
    only = names if _populate_only(topdir, gather_conf) else None
    # Pungi takes an RPM no key signed unsigned when the deps method may leave it out (its gather
    # fails when it takes it): gather_method "deps" for every variant, a name not known to be taken
    fallback = names if gather_conf.get("gather_method") == "deps" else None
    # where files are cached and which event is asked for do not change what the set is
    inputs = state.digest("koji", {k: v for k, v in conf.items() if k not in ("koji_cache", "koji_event")},
                          arch, multilib, koji.server, koji.topdir, koji.topurl, _found_digest(found),
                          sorted(names) if only is not None or fallback is not None else None,
                          _module_defaults_digest(topdir) if found else None)
    watched = tags + (_module_tags(conf, tree, found) if found else [])

    if conf.get("pkgset_allow_reuse", True):
        facts = pkgset_reuse.standing(topdir, arch, koji, conf, watched, inputs, event)
        if facts is not None:
            return KojiSet(facts=facts, reused=True)

    wanted = _wanted_arches(arch, multilib)
    headers = HeaderCache(layout.at(topdir, layout.pkgset_headers(arch)))
    store = Store(koji, _cache_dir(topdir, conf, arch), headers)

    items, scratch_names, holders = _union(_tagged(koji, tags, conf, wanted, event),
                                           _extra_builds(koji, nvrs, wanted), only)
    modular = _modular(koji, conf, found, wanted, event, only) if found else []
    for rpm_id, indexes in _content_set_indexes(modular, found.content_tags if found else []).items():
        holders.setdefault(rpm_id, set()).update(indexes)
    signed = signed_copies(koji, conf, store, items + modular, fallback, holders)
    chosen, sets = _checked(arch, signed, store, headers, holders)
    _add_scratch(chosen, sets, _scratch(koji, tasks, wanted, store, headers, scratch_names), len(tags))
    headers.save()
    result = sorted(chosen.values(), key=lambda rp: rp[0]["nevra"])
    content_tags = found.content_tags if found else []
    _write_modules(topdir, arch, found, tree, _content_only(sets, content_tags), _content_held(sets, content_tags),
                   bool(tags))
    log.info("pkgset %s: %d packages from koji %s at event %d (tags %s, %d extra builds, %d scratch tasks)",
             arch, len(result), koji.server, event, ", ".join(tags) or "-", len(nvrs), len(tasks))
    return KojiSet(result, facts={"inputs": inputs, "koji_event": event,
                                  "koji_tags": tag_ids(koji, watched, conf, event), "reused": False}, sets=sets)


def _sources(conf, tree):
    """(tags, extra build NVRs, scratch task ids) the package set is read from. Pungi 4.3.2 adds
    pkgset_koji_builds and pkgset_koji_scratch_tasks to the package set of each tag of
    pkgset_koji_tag (a module content tag's gets none): without a tag it reads neither, and
    without a tag nor module builds its package set is empty. Either gets a warning."""
    tags = [str(t) for t in strings(conf.get("pkgset_koji_tag"))]
    nvrs = [str(b) for b in strings(conf.get("pkgset_koji_builds"))]
    tasks = strings(conf.get("pkgset_koji_scratch_tasks"))
    try:
        tasks = [int(t) for t in tasks]
    except ValueError:
        raise PunjiError("option 'pkgset_koji_scratch_tasks': task ids are numbers, not %r" % (tasks,))
    if tags:
        return tags, nvrs, tasks
    if nvrs or tasks:
        log.warning("pkgset_koji_builds and pkgset_koji_scratch_tasks are not read without pkgset_koji_tag "
                    "(as Pungi 4.3.2 adds them to each tag's package set)")
    if not modules.wanted(conf, tree):
        log.warning("no pkgset_koji_tag nor module builds: the package set is empty (as Pungi 4.3.2's)")
    return [], [], []


def _add_scratch(chosen, sets, scratch, tag_count):
    """Add the (record, Package) of SCRATCH tasks' RPMs to CHOSEN ({NEVRA: (record, Package)})
    and SETS ({NEVRA: indexes})."""
    for task_record, pkg in scratch:
        known = chosen.setdefault(task_record["nevra"], (task_record, pkg))[0]
        added = _add_task_sets(sets, task_record["nevra"], tag_count)
        if known["path"] != task_record["path"]:  # Pungi's set holds both files (gather._all_files)
            known.setdefault("twins", []).append(task_record["path"])
            if added:  # module content tags hold the NEVRA's build, the tags' sets the task's file
                known["twin_sets"] = sorted(added)


def _add_task_sets(sets, nevra, tag_count):
    """A scratch task's RPM is in every tag's package set (SETS: {NEVRA: indexes}), also when a
    module content tag's set holds a build of its NEVRA (another file): Pungi's gather then reads
    the NEVRA in two repos, one copy each. The indexes added."""
    held = sets.setdefault(nevra, set())
    if any(i >= 0 for i in held):
        return set()
    added = set(range(max(tag_count, 1)))
    held.update(added)
    return added


def _wanted_arches(arch, multilib):
    """The RPM arches of the package set of compose ARCH; of arch src (no compose arch left,
    Pungi's set then holding source RPMs alone) the source RPMs only."""
    if arch == KOJI_SOURCE_ARCH:
        return [KOJI_SOURCE_ARCH]
    return sorted(set(arches.compatible(arch, multilib)) | {KOJI_SOURCE_ARCH})


def _cache_dir(topdir, conf, arch):
    """Where files downloaded from topurl go: koji_cache (relative to the config's directory),
    else the compose's own cache."""
    if conf.get("koji_cache"):
        return os.path.join(request.config_dir(topdir), os.path.expanduser(conf["koji_cache"]))
    return layout.at(topdir, layout.pkgset_cache(arch))


# -- what Koji has ---------------------------------------------------------------------------


def _union(tagged, extra, only=None):
    """[(label, build, rpminfo)] of every RPM of the package sets Pungi makes, one per tag (the
    tag's latest builds, a build of pkgset_koji_builds, EXTRA, replacing the tag's other builds of
    its name); an RPM in several of them once (the first tag's). Pungi
    keeps a package set per tag and its gather takes the packages of all of them: of a
    name.arch in several, the solver takes the newest. With ONLY (names), a set holds the binary
    RPMs of those names and the source RPMs of their builds. Also the names a scratch task's RPM
    must have to be read (None: any), those of some set after its walk, and {RPM id: the indexes
    of the sets holding it}."""
    last = {e[1]["name"]: e[1]["id"] for e in extra}
    # of several extra builds of one name Pungi keeps the last listed: it replaces the others too
    extra = [e for e in extra if last[e[1]["name"]] == e[1]["id"]]
    labels = {e[1]["id"]: e[0] for e in extra}
    # Pungi drops a tag's other builds of an extra build's name; the extra build itself, when the
    # tag has it, stays at its place in the tag's list too, so a walk of ONLY meets its RPMs twice
    sets = [[(labels.get(b[1]["id"], b[0]),) + tuple(b[1:]) for b in builds
             if last.get(b[1]["name"], b[1]["id"]) == b[1]["id"]] + extra for builds in tagged]
    result, holders, scratch_names = [], {}, None
    for index, builds in enumerate(sets):
        kept = [(label, build, rpm) for label, build, rpms in builds for rpm in rpms]
        if only:
            kept, names = _only(kept, only)
            scratch_names = (scratch_names or set()) | names
        for label, build, rpm in kept:
            if rpm["id"] not in holders:
                result.append((label, build, rpm))
            holders.setdefault(rpm["id"], set()).add(index)
    return result, scratch_names, holders


def _only(items, names):
    """ITEMS of one package set as Pungi 4.3.2 populates it with only the packages to gather:
    walking the binary RPMs in the order Koji listed them (a tag's, then the extra builds'), one
    named in NAMES, which then gains its build's name (so a later binary named like its build
    gets in too); the source RPMs named there. And the names NAMES grew to, which the set's
    scratch task RPMs, listed after those, must have (a binary of a task adds its own name)."""
    names = set(names)
    binaries = set()
    listed = sorted(items, key=lambda item: item[2].get("position", len(items)))
    for _label, build, rpm in listed:
        if rpm["arch"] not in SOURCE_ARCHES and rpm["name"] in names:
            binaries.add(rpm["id"])
            names.add(build["name"])
    return [(label, build, rpm) for label, build, rpm in items
            if rpm["id"] in binaries or rpm["arch"] in SOURCE_ARCHES and rpm["name"] in names], names


def _populate_only(topdir, gather_conf):
    """Whether Pungi 4.3.2 reads only the packages to gather: gather_method "nodeps" for every
    variant and no buildinstall_method (it knows then what the compose takes)."""
    buildinstall = layout.at(topdir, layout.config_slice("buildinstall"))
    return gather_conf.get("gather_method") == "nodeps" and not \
        (os.path.isfile(buildinstall) and jsonio.read_json(buildinstall).get("buildinstall_method"))


def _gather_names(topdir, gather_conf, tree):
    """The names Pungi 4.3.2's package set knows the compose takes, all variants: those of
    additional_packages (entries as written, without an arch suffix) and gather_prepopulate on
    every compose arch, and, on the last compose arch alone (sorted: its loop over the arches
    leaves that arch for the comps and gather_source_mapping sources), the packages of the
    groups of that arch's comps as the unfiltered comps file lists them and the names
    gather_source_mapping gives that arch."""
    compose_arches = sorted({a for v in tree for a in v["arches"]})
    if not compose_arches:
        return set()
    last = compose_arches[-1]
    prepopulate = json_file(gather_conf, "gather_prepopulate")
    names = set()
    for arch in compose_arches:
        names |= {split_name_arch(p)[0] for p in va_data(gather_conf.get("additional_packages"), None, arch)}
        names |= {split_name_arch(p)[0] for by_arch in prepopulate.values()
                  for packages in by_arch.get(arch, {}).values() for p in packages}
    names |= _group_packages(topdir, last)
    for by_arch in json_file(gather_conf, "gather_source_mapping").values():
        names |= set(by_arch.get(last, {}))
    return names


def _group_packages(topdir, arch):
    """The packages of the groups the comps of ARCH keeps, as comps_file has them (with those
    of other arches): none without comps."""
    import xml.etree.ElementTree as ET

    arch_comps = layout.at(topdir, layout.arch_comps_file(arch))
    path = reader.local_file(jsonio.read_json(layout.at(topdir, layout.config_slice("init"))), "comps_file")
    if not path or not os.path.isfile(arch_comps):
        return set()
    kept = {(g.findtext("id") or "").strip() for g in ET.parse(arch_comps).getroot().iter("group")}
    return {req.text.strip() for group in ET.parse(path).getroot().iter("group") if (group.findtext("id") or "").strip() in kept
            for req in group.iter("packagereq") if req.text}


def _tagged(koji, tags, conf, wanted, event):
    """[[(label, build, [rpminfo])] of the latest builds of a tag at EVENT] for each of TAGS. A tag
    named "" (ODCS writes pkgset_koji_tag = "" for a compose of modules) holds nothing: Pungi
    4.3.2 asks Koji nothing for it, so its package set holds the pkgset_koji_builds alone."""
    named = _named(tags)
    if not named:
        return [[] for _ in tags]
    infos = koji.multicall("getTag", [((t,), {"event": event}) for t in named])
    missing = [t for t, info in zip(named, infos) if not info]
    if missing:
        raise PunjiError("option 'pkgset_koji_tag': koji hub %s has no tag %s" % (koji.server, ", ".join(missing)))
    inherit = bool(conf.get("pkgset_koji_inherit", True))
    answers = koji.multicall("listTaggedRPMS", [((t,), {"event": event, "inherit": inherit, "latest": True,
                                                        "arch": wanted}) for t in named])
    latest = {tag: _tag_builds(tag, rpms, builds) for tag, (rpms, builds) in zip(named, answers)}
    return [latest.get(tag, []) for tag in tags]


def _named(tags):
    """TAGS but those named "", each once."""
    return [t for i, t in enumerate(tags) if t and t not in tags[:i]]


def _tag_builds(tag, rpms, builds):
    """[(label, build, [rpminfo])] of TAG's answer to listTaggedRPMS, builds by name."""
    by_build = {}
    for position, rpm in enumerate(rpms):
        by_build.setdefault(rpm["build_id"], []).append(dict(rpm, position=position))
    builds = [dict(b, id=b.get("build_id", b.get("id"))) for b in sorted(builds, key=lambda b: b["name"])]
    return [("koji tag %s" % tag, b, by_build.get(b["id"], [])) for b in builds]


def _extra_builds(koji, nvrs, wanted):
    if not nvrs:
        return []
    builds = koji.multicall("getBuild", [((nvr,), {}) for nvr in nvrs])
    for nvr, build in zip(nvrs, builds):
        if not build:
            raise PunjiError("option 'pkgset_koji_builds': koji hub %s has no build %s" % (koji.server, nvr))
        if build.get("state") != BUILD_COMPLETE:
            raise PunjiError("option 'pkgset_koji_builds': build %s is not complete in koji" % nvr)
    rpms = koji.multicall("listRPMs", [((), {"buildID": b["id"], "arches": wanted}) for b in builds])
    return [("koji build %s" % nvr, build, found) for nvr, build, found in zip(nvrs, builds, rpms)]


# -- module builds ---------------------------------------------------------------------------


def _modular(koji, conf, found, wanted, event, only=None):
    """[(label, build, rpminfo)] of the module content tags of FOUND: the latest builds of each
    (across its inheritance with pkgset_koji_inherit_modules), of their RPMs the source RPMs and
    those whose name.arch is an artifact of a stream using the tag; with ONLY (names), of those
    the ones _only() keeps, as of a tag of pkgset_koji_tag."""
    tags = found.content_tags
    if not tags:
        return []
    inherit = bool(conf.get("pkgset_koji_inherit_modules", False))
    answers = koji.multicall("listTaggedRPMS", [((t,), {"event": event, "inherit": inherit, "latest": True,
                                                        "arch": wanted}) for t in tags])
    result = []
    for tag, (rpms, builds) in zip(tags, answers):
        artifacts = found.artifacts(tag)
        by_id = {b.get("build_id", b.get("id")): b for b in builds}
        kept = []
        for position, rpm in enumerate(rpms):
            if artifacts and rpm["arch"] not in SOURCE_ARCHES and (rpm["name"], rpm["arch"]) not in artifacts:
                continue
            build = by_id[rpm["build_id"]]
            kept.append((_content_label(tag), dict(build, id=rpm["build_id"]), dict(rpm, position=position)))
        # a content tag's package set is one of Pungi's sets too: with ONLY, its walk of its own
        result += _only(kept, only)[0] if only else kept
    log.info("pkgset: %d RPMs from the module content tags %s", len(result), ", ".join(tags))
    return result


def _content_label(tag):
    return "koji tag %s" % tag


def _content_set_indexes(modular, tags):
    """{RPM id: the indexes of the content tags' package sets holding it}: Pungi 4.3.2 reads the
    content tags' sets one after another, in TAGS' order, before those of pkgset_koji_tag (0 on)."""
    position = {_content_label(tag): i - len(tags) for i, tag in enumerate(tags)}
    indexes = {}
    for label, _build, rpm in modular:
        indexes.setdefault(rpm["id"], set()).add(position[label])
    return indexes


def _module_tags(conf, tree, found):
    """The tags module builds were read from and the content tags of the streams (whose
    changes make a package set not reusable)."""
    tags = [str(t) for t in strings(conf.get("pkgset_koji_module_tag"))]
    for v in tree:
        tags += [t for t in v.get("modular_koji_tags") or [] if t not in tags]
    return tags + [t for t in found.content_tags if t not in tags]


def _found_digest(found):
    if found is None:
        return None
    return {"streams": {uid: {arch: sorted(streams) for arch, streams in by_arch.items()}
                        for uid, by_arch in found.streams.items()}, "tags": found.tags}


def _content_only(sets, content_tags):
    """{NEVRA: the module content tags holding it} of the RPMs no set of pkgset_koji_tag holds
    (SETS: {NEVRA: indexes of the sets holding it}, content tags' negative, in CONTENT_TAGS'
    order)."""
    tag_of = {i - len(content_tags): tag for i, tag in enumerate(content_tags)}
    return {nevra: sorted(tag_of[i] for i in indexes) for nevra, indexes in sorted(sets.items())
            if all(i < 0 for i in indexes)}


def _content_held(sets, content_tags):
    """{content tag: the NEVRAs its package set holds} (SETS as _content_only's): Pungi's module
    source takes a stream's packages from the set of its own content tag only."""
    held = {tag: [] for tag in content_tags}
    for nevra, indexes in sorted(sets.items()):
        for i in indexes:
            if i < 0:
                held[content_tags[i]].append(nevra)
    return held


def _module_defaults_digest(topdir):
    """The files of module_defaults_dir init exported, by name and content: the package set's
    modules.yaml carries their defaults, so a file changed, added or removed is another input."""
    directory = layout.at(topdir, layout.module_defaults_dir())
    if not os.path.isdir(directory):
        return None
    return sorted((name, state.file_digest(os.path.join(directory, name))) for name in os.listdir(directory)
                  if os.path.isfile(os.path.join(directory, name)))


def _write_modules(topdir, arch, found, tree, content_only, content_held, tagged):
    """work/<arch>/pkgset/koji-modules.json (the streams of each variant on ARCH, their content
    tags, the content tags of each variant's streams on any arch, the packages only content tags
    hold: CONTENT_ONLY, the packages each content tag holds: CONTENT_HELD, whether pkgset_koji_tag
    is set: TAGGED), when module builds were asked for, and modules.yaml (the streams of ARCH with their defaults from
    module_defaults_dir), when there are streams on ARCH."""
    from ..rpms import modules as mmd

    yaml_path = layout.at(topdir, layout.pkgset_modules(arch))
    json_path = layout.at(topdir, layout.pkgset_koji_modules(arch))
    for path in (yaml_path, json_path):
        if os.path.exists(path):
            os.unlink(path)
    if found is None:
        return
    jsonio.write_json(json_path, {"header": state.header("pkgset-koji-modules"), "arch": arch,
                                  "variants": {v["uid"]: sorted(found.of_variant(v["uid"], arch)) for v in tree
                                               if found.of_variant(v["uid"], arch)},
                                  "koji_tags": dict(sorted(found.tags.items())),
                                  "variant_content_tags": {v["uid"]: found.content_tags_of(v["uid"]) for v in tree
                                                           if found.content_tags_of(v["uid"])},
                                  "content_tags": found.content_tags,  # in the order of their sets (-n.. -1)
                                  "content_only": content_only, "content_held": content_held,
                                  "pkgset_koji_tag": tagged})
    index = found.index(arch)
    if not index.get_module_names():
        return
    defaults = layout.at(topdir, layout.module_defaults_dir())
    if os.path.isdir(defaults):
        mmd.add_defaults_from(index, defaults)
    jsonio.write_text(yaml_path, mmd.dump(index))


# -- the files ----------------------------------------------------------------------------------


def _checked(arch, signed, store, headers, holders):
    """({NEVRA: (record, Package)}, {NEVRA: the indexes of the package sets holding it}) of the
    copies SIGNED chose (signed_copies), each checked against Koji (downloaded when not under
    topdir). Several of a name.arch are possible, as in Pungi's sets."""
    chosen, sets = {}, {}
    line = "pkgset %s: %%d of %%d packages from koji checked" % arch
    for (label, _build, rpm), (rel, sigkey, invalid) in counted(signed, len(signed), line):
        record, pkg = _package(rel, store, headers, label, expected=rpm, sigkey=sigkey)
        if invalid:
            record["invalid_sigkey"] = True
        chosen.setdefault(record["nevra"], (record, pkg))
        sets[record["nevra"]] = holders.get(rpm["id"], {0})
    return chosen, sets


def _package(rel, store, headers, label, expected, sigkey):
    """(record, createrepo_c Package) of the RPM REL of Koji's storage, checked against the
    rpminfo EXPECTED from Koji and the signing key SIGKEY (None: unsigned copy, any header)."""
    import createrepo_c

    want = rpm_nevra(expected)

    def check(path):
        headers.check_header(path, want, expected.get("payloadhash"), sigkey, sigkey is not None)

    path = store.path(rel, check, expected.get("payloadhash"))
    pkg = createrepo_c.package_from_rpm(path, createrepo_c.SHA256, rel, None, 10)
    return record(pkg, path, label, rel, "sha256", headers.facts(path)), pkg


def _scratch(koji, task_ids, wanted, store, headers, names=None):
    """[(record, Package)] of the RPM outputs of the scratch build tasks TASK_IDS (and their
    child tasks), of the WANTED arches; with NAMES, of those names only (Pungi 4.3.2 reads
    them as it reads the tags' with only the packages to gather)."""
    import createrepo_c
    import koji as kojilib

    result = []
    if task_ids:
        infos = koji.multicall("getTaskInfo", [((t,), {}) for t in task_ids])
        for task_id, info in zip(task_ids, infos):
            if not info:
                raise PunjiError("option 'pkgset_koji_scratch_tasks': koji hub %s has no task %d"
                                 % (koji.server, task_id))
            if info.get("state") != TASK_CLOSED:
                raise PunjiError("option 'pkgset_koji_scratch_tasks': task %d is %s, not closed"
                                 % (task_id, TASK_STATES.get(info.get("state"), info.get("state"))))
        children = koji.multicall("getTaskChildren", [((t,), {}) for t in task_ids])
        all_ids = []
        for task_id, kids in zip(task_ids, children):
            all_ids += [task_id] + sorted(k["id"] for k in kids)
        outputs = koji.multicall("listTaskOutput", [((t,), {}) for t in all_ids])
        for task_id, files in zip(all_ids, outputs):
            for name in sorted(files):
                if not name.endswith(".rpm"):
                    continue
                nvra = kojilib.parse_NVRA(name[:-len(".rpm")])
                if nvra["arch"] not in wanted or names is not None and nvra["name"] not in names:
                    continue
                rel = "%s/%s" % (koji.task_dir(task_id), name)

                def check(path, name=name):
                    facts = headers.check_header(path, None, None, None, False)
                    if "%s.rpm" % file_nvra(facts["nevra"]) != name:
                        raise PunjiError("package %s: its RPM header says %s, koji's task output says %s"
                                         % (path, facts["nevra"], name))

                path = store.path(rel, check)
                pkg = createrepo_c.package_from_rpm(path, createrepo_c.SHA256, rel, None, 10)
                result.append((record(pkg, path, "koji task %d" % task_id, rel, "sha256", headers.facts(path)), pkg))
    return result
