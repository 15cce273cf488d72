"""The packages of every variant.arch (Pungi's gather phase), linked into its trees.

Inputs, as Pungi's gather sources give them (rpms.gather_request): source "comps" is every group of
the variant's filtered comps (optional packages included), additional_packages,
the best system-release package and gather_prepopulate; source "json" is
gather_source_mapping. filter_packages and the other system-release packages
are excluded; source "module" is the packages of the variant's module streams
(its <modules> entries less filter_modules; from Koji, the streams the package set
found for it), whose other streams' packages the solver does not see.
gather_method says deps or nodeps, per variant and per source, or hybrid per
variant (rpms.hybrid: the comps inputs and the module streams solved together,
as Pungi's fus runs). Only the comps source solved with deps hides what
filter_packages names, as in Pungi.

Variant types (Pungi's "Gathering packages" rules): an addon or layered product
also takes its parent's comps inputs (not its json ones nor its
gather_prepopulate), with fulltree on, selfhosting off and the parent's source
packages as fulltree_excludes; an optional variant takes the comps inputs of its
parent and the parent's addons and layered products, with fulltree and
selfhosting on.
What the variants a child builds on have is its lookaside, so the gather of a
child runs after theirs. run() solves one variant.arch into
work/<arch>/gather/<variant>.solved.json.

run_assemble(), once every variant.arch is solved, applies the rules that cut
across variants and arches (rpms.trim: what a child drops or moves into its
parent), links the os, debug and source trees, and writes
work/<arch>/gather/<variant>.json, the packages of each tree, and rpms.json.
"""

import functools
import os
import re

from ..compose import jsonio, layout, reuse, state
from ..config import gather_order, repo_refs, variants
from ..config.lookup import arch_data, lookaside_variants, va_data
from ..errors import NotReady, PunjiError
from ..log import log, warn
from ..rpms import gather_request, gather_streams, input_arches, variant_lookaside
from ..rpms.gather_records import CATEGORY, INPUT_REASONS, lookaside_records, records
from ..rpms.depsolve import Solver
from ..rpms.pkgpool import PackagePool, solver_arch
from ..rpms.solvcache import repo_keys

PROG = "punji-gather"


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.with_arch(tree, variant, arch, source=False)
    gather_order.check(conf.get("variant_as_lookaside") or [], tree, uid=variant)
    if not os.path.isfile(layout.at(topdir, layout.state_file("pkgset", arch=arch))):
        raise NotReady("no package set for %s yet: run punji-pkgset --arch %s first" % (arch, arch))
    related = variants.builds_on(v, tree, arch)
    for uid in related:
        if not os.path.isfile(layout.at(topdir, layout.state_file("gather", uid, arch))):
            raise NotReady("%s builds on %s: run punji-gather --variant %s --arch %s first" % (variant, uid, uid, arch))
    earlier = {uid: jsonio.read_json(layout.at(topdir, layout.solved_json(uid, arch))) for uid in related}
    lookasides = _variant_lookasides(topdir, conf, tree, v, arch)
    # what V takes of each: its packages, its inputs and what V's pool reads of its comps (a
    # group's packages it filters or is empty of show in no result of it)
    taken = [[earlier[uid]["packages"], earlier[uid].get("inputs"),
              _groups_read(layout.at(topdir, layout.comps_file(uid, arch)))] for uid in related]
    fingerprint = _fingerprint(topdir, conf, v, arch, tree, taken, lookasides)
    if state.same_inputs(topdir, "gather", variant, arch, fingerprint):
        log.info("gather %s.%s: the same package set, options and comps as the last run; nothing to do",
                 variant, arch)
        state.keep(topdir, "gather", variant, arch)
        return
    # an empty variant gathers nothing, so it makes no lookaside repos
    side_repos = [] if v.get("is_empty") else [layout.variant_lookaside_repo(variant, uid, arch)
                                               for uid, _paths in lookasides]
    if reuse.take_over(topdir, "gather", variant, arch, fingerprint, [layout.solved_json(variant, arch)] + side_repos,
                       allowed=conf.get("gather_allow_reuse", True)):
        return
    if v.get("is_empty"):
        solved = _empty(topdir, conf, v, arch, tree, related, earlier)
    else:
        solved = _swapped(topdir, conf, v, arch, related, lookasides) or \
            _solve(topdir, conf, v, arch, tree, related, earlier, lookasides)
    jsonio.write_json(layout.at(topdir, layout.solved_json(variant, arch)), dict(
        solved, header=state.header("gather-result"), variant=variant, arch=arch), compact=True)
    counts = {c: sum(1 for p in solved["packages"] if p["category"] == c and "lookaside" not in p["flags"])
              for c in CATEGORY.values()}
    log.info("gather %s.%s: %s", variant, arch, ", ".join("%d %s" % (n, c) for c, n in sorted(counts.items())))
    state.write(topdir, "gather", variant, arch, result=layout.solved_json(variant, arch), inputs=fingerprint,
                output_sizes=reuse.file_sizes(topdir, [layout.solved_json(variant, arch)]), **counts)


def _fingerprint(topdir, conf, v, arch, tree, earlier_packages, lookasides):
    """What the gather of V.ARCH reads: options, the package set, its modules, comps, what the
    variants it builds on took and asked for (EARLIER_PACKAGES), lookaside repos and variants."""
    variant = v["uid"]
    return state.digest(state.by_content(conf), v, state.file_digest(layout.at(topdir, layout.pkgset_json(arch))),
                        state.file_digest(layout.at(topdir, layout.pkgset_modules(arch))),
                        state.file_digest(layout.at(topdir, layout.pkgset_koji_modules(arch))),
                        state.file_digest(layout.at(topdir, layout.comps_file(variant, arch))),
                        earlier_packages, _lookaside_ids(topdir, conf, variant, arch),
                        _hybrid_inputs(conf, variant, tree),
                        [[state.file_digest(p) for p in paths] for _uid, paths in lookasides])


def _groups_read(path):
    """What a gather pool reads of the comps file PATH: each group's packages (by name; with
    their type and what they require but for the types the gather takes alike, as it asks for
    optional packages too) and the langpacks. None when there is no such file."""
    if not os.path.isfile(path):
        return None
    import libcomps

    alike = (libcomps.PACKAGE_TYPE_MANDATORY, libcomps.PACKAGE_TYPE_DEFAULT, libcomps.PACKAGE_TYPE_OPTIONAL)
    comps = libcomps.Comps()
    comps.fromxml_f(path)
    groups = {g.id: sorted(p.name if p.type in alike else "%s %d %s" % (p.name, p.type, p.requires)
                           for p in g.packages) for g in comps.groups}
    return [groups, {name: comps.langpacks[name] for name in comps.langpacks}]


def _swapped(topdir, conf, v, arch, related, lookasides):
    """The old compose's solved result of V.ARCH with the packages rebuilt since swapped in, when
    its package set is the old one's but for rebuilds the solver cannot tell apart
    (rpms.substitution) and everything else the solve reads is the same: what a solve gives,
    without solving. None otherwise (then solved anew), said in the log."""
    from ..rpms import substitution

    uid = v["uid"]
    if related or lookasides or va_data(conf.get("gather_lookaside_repos"), uid, arch) \
            or _method_value(conf, uid) == "hybrid" or not conf.get("gather_allow_reuse", True):
        return None
    old = reuse.old_compose(topdir)
    if old is None:
        return None
    try:
        solved, new_records, swap = _old_answer(topdir, old, conf, v, arch)
        pkgset = {r["nevra"]: r for r in new_records}
        result = swap.answer(solved, pkgset)
    except substitution.NotASubstitution as exc:
        log.info("gather %s.%s: solved anew: the old compose's answer does not stand (%s)", uid, arch, exc)
        return None
    _check(conf, v, arch, {"missing": set(result["missing"]),
                           "unresolved": {(u["package"], u["requires"]) for u in result["unresolved"]}})
    _check_signed(pkgset, v, arch, result["packages"])
    log.info("gather %s.%s: the answer of %s with %d rebuilt packages swapped in, not solved again: %s", uid, arch,
             old, len(swap.nevras), ", ".join(sorted(swap.nevras.values())) or "none")
    return result


def _old_answer(topdir, old, conf, v, arch):
    """(the solved result of V.ARCH in the OLD compose, the package set's records, the
    substitution.Swap from the old package set to this one); NotASubstitution when the old
    answer is not one whose inputs differ from this one's by substitutions only."""
    from ..rpms import substitution
    from ..rpms.pkgpool import sack_keys

    uid = v["uid"]
    for top in (topdir, old):
        for path in (layout.pkgset_modules(arch), layout.pkgset_koji_modules(arch), layout.pkgset_set_repos(arch)):
            if os.path.exists(layout.at(top, path)):
                raise substitution.NotASubstitution("the package set has modules or several sets")
    try:
        done = jsonio.read_json(layout.at(old, layout.state_file("gather", uid, arch)))
        old_conf = jsonio.read_json(layout.at(old, layout.config_slice("gather")))
        old_tree = jsonio.read_json(layout.at(old, layout.variants_json()))["variants"]
    except (OSError, ValueError, KeyError) as exc:
        raise substitution.NotASubstitution("the old compose's gather state does not read: %s" % exc)
    old_v = variants.by_uid(old_tree).get(uid)
    if done.get("failed") or "result" not in done or state.by_content(old_conf) != state.by_content(conf) or \
            old_v != v or state.file_digest(layout.at(old, layout.comps_file(uid, arch))) != \
            state.file_digest(layout.at(topdir, layout.comps_file(uid, arch))):
        raise substitution.NotASubstitution("the old compose's options, variant or comps differ")
    keys = [sack_keys(solver_arch(arch), [layout.at(top, layout.pkgset_repo(arch))],
                      layout.at(top, layout.pkgset_cache(arch))) for top in (old, topdir)]
    if None in keys:
        raise substitution.NotASubstitution("no sack keys of the package set's pool")
    if sorted(keys[0].values()) != sorted(keys[1].values()):  # what most other rebuilds fail on, found at once
        raise substitution.NotASubstitution("the pool's dependencies have other sack ids")
    new_records = _pkgset_records(topdir, arch)
    if any(repo_refs.is_remote(r["path"]) or r.get("twins") for r in new_records):
        raise substitution.NotASubstitution("the package set has remote packages or twins")
    swap = substitution.find(new_records, layout.at(old, layout.pkgset_repo(arch)),
                             layout.at(topdir, layout.pkgset_repo(arch)))
    # the old result is what its inputs give under these rules (an older punji's is not)
    if done.get("inputs") != _fingerprint(old, old_conf, old_v, arch, old_tree, [], []):
        raise substitution.NotASubstitution("the old compose's result is not of its inputs under these rules")
    if swap.keys(keys[0]) != keys[1]:
        raise substitution.NotASubstitution("the pool's dependencies have other sack ids")
    try:
        solved = jsonio.read_json(layout.at(old, done["result"]))
    except (OSError, ValueError) as exc:
        raise substitution.NotASubstitution("the old compose's gather result does not read: %s" % exc)
    return solved, new_records, swap


@functools.lru_cache(maxsize=None)
def _pkgset_records(topdir, arch):
    """The records of the package set of ARCH (read once: a substitution's checks, then the
    solve when they fail, read them)."""
    return jsonio.read_json(layout.at(topdir, layout.pkgset_json(arch)))["packages"]


def _variant_lookasides(topdir, conf, tree, v, arch):
    """[(uid, the paths of its solved results on each of its arches)] of the variants
    variant_as_lookaside names for V that have ARCH (Pungi skips the others with a warning)."""
    by_uid = variants.by_uid(tree)
    found = []
    for uid in lookaside_variants(conf, v["uid"]):
        if arch not in by_uid[uid]["arches"]:
            warn(PROG, "variant_as_lookaside: %s is no lookaside of %s.%s: it has no arch %s" % (uid, v["uid"], arch, arch))
            continue
        paths = []
        for a in by_uid[uid]["arches"]:
            paths.append(layout.at(topdir, layout.solved_json(uid, a)))
            if not os.path.isfile(paths[-1]):
                raise NotReady("%s has %s as lookaside (variant_as_lookaside): run punji-gather --variant %s "
                                 "--arch %s first" % (v["uid"], uid, uid, a))
        found.append((uid, paths))
    return found


def _lookaside_ids(topdir, conf, variant, arch):
    """What the lookaside repos of VARIANT.ARCH hold (their repodata), for the fingerprint."""
    return repo_keys(va_data(conf.get("gather_lookaside_repos"), variant, arch),
                     layout.at(topdir, layout.pkgset_cache(arch)))


def _hybrid_inputs(conf, uid, tree):
    """What else the hybrid method of variant UID reads: every variant's <modules> (the platform
    stream, the modular packages globs never match); None for other methods."""
    return [u.get("modules") for u in tree] if _method_value(conf, uid) == "hybrid" else None


def _nothing():
    return {"inputs": {"module": {"packages": []}, "comps": {"packages": [], "groups": []},
                       "json": {"packages": []}, "prepopulate": [], "exclude": []},
            "modules": [], "unmatched_modules": [], "missing": [], "unresolved": [], "packages": []}


def _empty(topdir, conf, v, arch, tree, related, earlier):
    """Pungi 4.3.2 gathers nothing for an is_empty variant V, but the variants built on it take
    its inputs all the same (its comps groups, additional_packages, system-release)."""
    pool = _pool(topdir, conf, v, arch, related, [])
    streams = gather_streams.streams(topdir, conf, v, arch)[0]
    inputs = gather_request.inputs(topdir, conf, v, arch, pool, tree, _inherited(v, related, earlier), streams)
    return dict(_nothing(), inputs={k: inputs[k] for k in gather_request.SOURCES + ("prepopulate", "exclude")})


def _solve(topdir, conf, v, arch, tree, related, earlier, lookasides):
    """{"inputs", "missing", "unresolved", "packages"} of variant V on ARCH, as the solver gives them."""
    pool = _pool(topdir, conf, v, arch, related,
                 [variant_lookaside.write(topdir, v["uid"], uid, arch, paths) for uid, paths in lookasides])
    streams, hidden, unmatched = gather_streams.streams(topdir, conf, v, arch)
    inputs = gather_request.inputs(topdir, conf, v, arch, pool, tree, _inherited(v, related, earlier), streams)
    # checked here, not for an is_empty variant: Pungi reads its prepopulate entries only to gather
    input_arches.check("gather_prepopulate", inputs["prepopulate"], arch, arch_needed=True)
    methods = _methods(conf, v["uid"])
    twinned = set()  # hybrid maps a NEVRA to one file
    if methods == "hybrid":
        (found, streams), side = _hybrid(topdir, conf, v, arch, tree, pool, inputs, streams), {}
    else:
        unhidden = set(pool.hidden)
        pool.hide_nevras(hidden)
        pool.hide_absent(pool.of_repos(pool.other_variants_sets))
        found, side = _by_source(conf, v, arch, pool, inputs, methods, earlier, unhidden, twinned)
    _drop_related(pool, found, earlier, v["type"])
    _check(conf, v, arch, inputs)
    pkgset = {p["nevra"]: p for p in _pkgset_records(topdir, arch)}
    packages = records(pkgset, pool, found, arch, twinned)
    _check_signed(pkgset, v, arch, packages)
    _fetch_remote(topdir, arch, pkgset, packages)
    packages += lookaside_records(pool, side, found)
    return {"inputs": {k: inputs[k] for k in gather_request.SOURCES + ("prepopulate", "exclude")},
            "modules": streams, "unmatched_modules": unmatched, "missing": sorted(inputs["missing"]),
            "unresolved": [{"package": p, "requires": c} for p, c in sorted(inputs["unresolved"])],
            "packages": packages}


def _by_source(conf, v, arch, pool, inputs, methods, earlier, unhidden, twinned):
    """({(id, category): [(why, fulltree excludes) of each source that found it]}, {lookaside id:
    [(category, why, fulltree excludes) of each source]}) of the deps and nodeps methods, one run
    per source with inputs. Only the comps
    source solved with deps hides what filter_packages names: Pungi gives the other sources and
    the nodeps method no filter. The nodeps method sees the packages of other variants' streams
    too (UNHIDDEN: what is hidden without them): Pungi's reads every package set, the module
    content tags' included. With check_deps, a deps run with unresolved dependencies is the
    last. TWINNED gets the (id, category) Pungi takes with every file of its NEVRA (_all_files), or
    with two files of it (_twins_merged)."""
    found, side, first, files = {}, {}, {}, {}
    unfiltered = set(pool.hidden)
    for source in gather_request.SOURCES:
        request = gather_request.request(conf, v, arch, inputs, source, methods.get(source), earlier)
        if not (request["packages"] or request["groups"]):
            continue
        if source not in methods:
            raise PunjiError("option 'gather_method': variant %s has no method for source '%s'" % (v["uid"], source))
        method = methods[source]
        if source == "comps" and method == "deps":
            pool.exclude(inputs["exclude"])
        if method == "nodeps":
            pool.set_hidden(unhidden)
        if source == "module" and method == "nodeps":
            result = gather_streams.module_nodeps(pool, request)
        elif source == "module":
            result = Solver(pool, dict(request, packages=gather_streams.module_names(pool, request["packages"]))).run()
        elif method == "nodeps":
            result = _nodeps(pool, request, arch)
        else:
            result = Solver(pool, request).run()
        pool.set_hidden(unfiltered)
        for (i, category), why in _twins_merged(pool, result.entries(), first, files).items():
            found.setdefault((i, category), []).append((why, set(request["fulltree_excludes"])))
            if _all_files(method, request["greedy"], why):
                twinned.add((i, category))
        for i, (category, why) in result.lookaside.items():
            side.setdefault(i, []).append((category, why, set(request["fulltree_excludes"])))
        inputs["missing"] |= result.missing
        inputs["unresolved"] |= result.unresolved
        if result.unresolved and method == "deps" and conf.get("check_deps", True):
            break  # Pungi's deps method fails on the first source with unresolved dependencies
    twinned.update(key for key, paths in files.items() if len(paths) > 1)
    return found, side


def _all_files(method, greedy, why):
    """Whether Pungi's gather takes every file of the package's NEVRA (a scratch task's beside a
    tag's: the package set's "twins"): the nodeps method and greedy "all" take every candidate,
    greedy "build" every provider of a requirement from the build; otherwise its deps method
    takes the best one (its fulltree step too, whose lists hold a NEVRA once; fuzz-compose-koji
    7336: Cloud-Tools.i386 had a required package twice, a fulltree one once)."""
    return method == "nodeps" or greedy == "all" or greedy == "build" and why["reason"] == "requires"


def _twins_merged(pool, entries, first, files):
    """{(id, category): why} of ENTRIES, (id, category, why) of one source, one per NEVRA: with
    several package sets Pungi's sack has a package of two sets twice, and it writes what it
    took once per file, the flags of both copies merged (so one that came in as an input makes
    the file an input). FIRST: {NEVRA: the id standing for it}, kept across the sources; FILES:
    {(that id, category): the files of the copies taken}, two when the sets hold two files of the
    NEVRA (a module content tag's build, the tags' scratch task) and Pungi took both."""
    merged = {}
    for i, category, why in entries:
        key = (first.setdefault(pool.nevra(i), i), category)
        files.setdefault(key, set()).add(pool.path(i))
        if key not in merged or why["reason"] in INPUT_REASONS and merged[key]["reason"] not in INPUT_REASONS:
            merged[key] = why
    return merged


def _hybrid(topdir, conf, v, arch, tree, pool, inputs, streams):
    """({(id, category): [(why, no fulltree excludes)]}, the STREAMS the solver gave back) of
    Pungi's hybrid method (rpms.hybrid): the comps source's inputs (its groups' packages by
    name, prepopulate) and the variant's streams solved together; the json source is not read."""
    from ..rpms import hybrid

    main = gather_streams.module_index(topdir, arch)
    everyones = gather_streams.every_variants_streams(topdir, conf, tree, arch, main)
    request = {
        "packages": inputs["comps"]["packages"]
        + sorted(set(hybrid.group_names([p for _uid, p in pool.comps_files], inputs["comps"]["groups"])))
        + inputs["prepopulate"],
        "modules": sorted({"%s:%s" % (r["name"], r["stream"]) for r in streams}),
        "exclude": inputs["exclude"], "streams": (main, gather_streams.lookaside_modules(topdir, conf, v, arch)),
        "modular": {n for r in everyones for n in r["artifacts"]},
        "multilib_methods": va_data(conf.get("multilib"), v["uid"], arch),
        "multilib_blacklist": arch_data(conf.get("multilib_blacklist"), arch),
        "multilib_whitelist": arch_data(conf.get("multilib_whitelist"), arch),
        "langpacks": _langpacks(topdir, v["uid"], arch)}
    where = "%s.%s" % (v["uid"], arch)
    try:
        request["platform"] = hybrid.platform(main, request["streams"][1], {r["nsvca"] for r in everyones})
        result = hybrid.gather(pool, request)
    except PunjiError as exc:
        raise PunjiError("%s: %s" % (where, exc))
    for pattern in result.missing:
        warn(PROG, "%s: hybrid solver: nothing matches %r" % (where, pattern))
    for package, problem in result.problems:
        warn(PROG, "%s: hybrid solver cannot install %s: %s" % (where, package, problem))
    found = {(i, category): [(why, set())] for i, (category, why) in result.packages.items()}
    return found, [r for r in streams if r["nsvc"] in result.modules]


def _langpacks(topdir, uid, arch):
    """{name: install pattern} of the langpacks of variant UID's comps file on ARCH."""
    from ..rpms import hybrid

    path = layout.at(topdir, layout.comps_file(uid, arch))
    return hybrid.langpacks_of([path]) if os.path.isfile(path) else {}


def _nodeps(pool, request, arch):
    """Pungi's nodeps method: the inputs' packages by name (a group's with the tree ARCH)."""
    from ..rpms import hybrid, nodeps
    from ..rpms.depsolve import Result

    wanted = [nodeps.split_name_arch(p) for p in request["packages"] if not p.startswith("-")]
    wanted += [(name, arch) for name in hybrid.group_names([p for _uid, p in pool.comps_files], request["groups"])]
    return nodeps.gather(pool, wanted, Result(pool))


# -- inputs ------------------------------------------------------------------------------


def _pool(topdir, conf, v, arch, related, variant_lookasides):
    external = va_data(conf.get("gather_lookaside_repos"), v["uid"], arch)
    own, others = gather_streams.set_repos(topdir, arch, v["uid"]) if _method_value(conf, v["uid"]) != "hybrid" \
        else ([], [])
    pool = PackagePool(solver_arch(arch), (own + others) or [layout.at(topdir, layout.pkgset_repo(arch))],
                       external + variant_lookasides, cache=layout.at(topdir, layout.pkgset_cache(arch)))
    # read last, so the variant's own repos have the solvable ids of Pungi's sack, and hidden
    # but for the nodeps method (Pungi's reads every package set)
    first = len(external) + len(variant_lookasides) + len(own)
    pool.other_variants_sets = set(range(first, first + len(others)))
    if jsonio.read_json(layout.at(topdir, layout.config_slice("pkgset"))).get("pkgset_source") == "repos":
        # Pungi 4.3.2 reads a repos package set from its copies of the files (work/global/download):
        # a gather_lookaside_repos package is never the same file as a package set one, even when
        # that repo is a pkgset_repos one too (fuzz-compose --repos seed 15609)
        pool.own_files = set(range(len(external)))
    pool.comps_files = []
    for uid in [v["uid"]] + related:
        path = layout.at(topdir, layout.comps_file(uid, arch))
        if os.path.isfile(path):
            pool.comps_files.append((uid, path))
    return pool


def _inherited(v, related, earlier):
    """The results whose inputs variant V takes (Pungi's get_variant_packages): a layered
    product's parent's only, though it is gathered after the parent's addons too."""
    if v["type"] == "layered-product":
        return [earlier[v["parent"]]]
    return [earlier[uid] for uid in related]


def _method_value(conf, uid):
    """gather_method's value for variant UID: of a dict keyed by variant regexes the last
    pattern matching wins, as in Pungi."""
    value = conf.get("gather_method", "deps")
    if isinstance(value, list):  # [[variant regex, method], ...] in config order (config.ORDERED_MAPS)
        matching = [method for pattern, method in value if re.match(pattern, uid)]
        if not matching:
            raise PunjiError("option 'gather_method': no pattern matches variant %s" % uid)
        value = matching[-1]
    return value


def _methods(conf, uid):
    """"hybrid", or {source: "deps" | "nodeps"} for variant UID from gather_method."""
    value = _method_value(conf, uid)
    if value == "hybrid":
        return value
    if isinstance(value, str):
        value = {source: value for source in gather_request.SOURCES}
    unknown = sorted(set(value) - set(gather_request.SOURCES))
    if unknown:
        warn(PROG, "option 'gather_method': source %s is not implemented yet; ignored" % ", ".join(unknown))
    return {source: value[source] for source in gather_request.SOURCES if source in value}


# -- results -------------------------------------------------------------------------------


def _drop_related(pool, found, earlier, kind):
    """Leave out what the variants this one builds on already have (same NEVRA). A layered
    product keeps its source and debug packages: rpms.trim decides on them, as Pungi keeps those
    named by any addon even when the parent has them too."""
    theirs = {p["nevra"] for result in earlier.values() for p in result["packages"]}
    kept = ("srpm", "debuginfo") if kind == "layered-product" else ()
    for i, category in [key for key in found if pool.nevra(key[0]) in theirs and key[1] not in kept]:
        del found[(i, category)]


def _check(conf, v, arch, inputs):
    where = "%s.%s" % (v["uid"], arch)
    # only warnings, require_all_comps_packages or not: Pungi 4.3.2 looks for the missing comps
    # packages in its log in the words of its yum gather, which its dnf gather never writes
    for pattern in sorted(inputs["missing"]):
        warn(PROG, "%s: no package matches %r" % (where, pattern))
    broken = sorted(inputs["unresolved"])
    for package, capability in broken:
        log.warning("%s: package %s requires %r, which nothing provides", where, package, capability)
    if broken and conf.get("check_deps", True):
        package, capability = broken[0]
        more = " (and %d more, see the log)" % (len(broken) - 1) if len(broken) > 1 else ""
        raise PunjiError("%s: package '%s' requires '%s', which nothing provides%s"
                         % (where, package, capability, more))
    if broken:
        warn(PROG, "%s: %d unresolved dependencies (check_deps is off; see the log)" % (where, len(broken)))


def _check_signed(pkgset, v, arch, packages):
    """One error when the variant takes a binary package of a name the package set has only
    unsigned (koji: an RPM no key of sigkeys signed, taken unsigned while no variant takes it),
    as Pungi's deps method fails then."""
    unsigned = {r["name"]: r["nevra"] for r in pkgset.values() if r.get("invalid_sigkey")}
    taken = sorted(unsigned[p["name"]] for p in packages if p["category"] == "binary" and p["name"] in unsigned)
    if taken:
        more = " and %d more" % (len(taken) - 1) if len(taken) > 1 else ""
        raise PunjiError("%s.%s: %s%s not signed with any key of sigkeys" % (v["uid"], arch, taken[0], more))


def _fetch_remote(topdir, arch, pkgset, packages):
    """Download the packages of http(s) repos (pkgset only read their metadata) into the
    package set's cache, check them, and point their records at the local copies. PKGSET:
    the package set's records by NEVRA."""
    from concurrent.futures import ThreadPoolExecutor

    from ..config.repo_refs import is_remote
    from ..rpms.headers import read_header
    from ..rpms.repos import fetch_package

    remote = [p for p in packages if is_remote(p["path"])]
    if not remote:
        return
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    log.info("downloading %d packages", len(remote))
    with ThreadPoolExecutor(max_workers=8) as pool:
        local = list(pool.map(lambda p: fetch_package(pkgset[p["nevra"]], cache), remote))
    for p, path in zip(remote, local):
        header = read_header(path)
        if header["nevra"] != p["nevra"]:
            raise PunjiError("package %s: its RPM header says %s, the repodata says %s"
                             % (p["path"], header["nevra"], p["nevra"]))
        p["path"], p["sigkey"] = path, header["listed_sigkey"]


def run_assemble(topdir, variant=None, arch=None):
    """Every tree linked from the solved packages, and rpms.json (rpms.assemble)."""
    from ..rpms import assemble

    assemble.run(topdir)
