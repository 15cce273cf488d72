"""The packages of one variant.arch (Pungi's gather phase), linked into its trees.

Inputs, as Pungi's gather sources give them: source "comps" is every group of
the variant's filtered comps (optional packages included), additional_packages,
the best system-release package and gather_prepopulate; source "json" is
gather_source_mapping. filter_packages and the other system-release packages
are excluded. gather_method says deps or nodeps, per variant and per source.

Variant types (Pungi's "Gathering packages" rules): an addon or layered product
also takes its parent's inputs, with fulltree on, selfhosting off and the
parent's source packages as fulltree_excludes, and drops what its parent has (a
layered product also what the parent's addons have). An optional variant takes
the inputs of its parent and the parent's addons, with fulltree and selfhosting
on, and drops what they have. So the gather of a child runs after its parent's.

Writes work/<arch>/gather/<variant>.json and os/Packages, debug/tree/Packages of
the tree; run_assemble() then links the source trees and writes rpms.json.
"""

import json
import os
import re

from ..compose import jsonio, layout, request, state
from ..config import reader, variants
from ..config.lookup import arch_data, va_data
from ..errors import PunjiError
from ..log import log, warn
from ..rpms import linker
from ..rpms.depsolve import DEFAULTS, Solver
from ..rpms.pkgpool import PackagePool, solver_arch

PROG = "punji-gather"
CATEGORY = {"rpm": "binary", "debuginfo": "debug", "srpm": "source"}
SOURCES = ("comps", "json")


def run(topdir, variant, arch):
    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.by_uid(tree).get(variant)
    if v is None or arch not in v["arches"]:
        raise PunjiError("variant %s has no arch %s in this compose" % (variant, arch))
    if not os.path.isfile(layout.at(topdir, layout.state_file("pkgset", arch=arch))):
        raise PunjiError("no package set for %s yet: run punji-pkgset --arch %s first" % (arch, arch))
    related = variants.builds_on(v, tree, arch)
    for uid in related:
        if not os.path.isfile(layout.at(topdir, layout.state_file("gather", uid, arch))):
            raise PunjiError("%s builds on %s: run punji-gather --variant %s --arch %s first" % (variant, uid, uid, arch))
    earlier = {uid: jsonio.read_json(layout.at(topdir, layout.gather_json(uid, arch))) for uid in related}
    fingerprint = state.digest(conf, v, _file_digest(layout.at(topdir, layout.pkgset_json(arch))),
                          _file_digest(layout.at(topdir, layout.comps_file(variant, arch))),
                          [earlier[uid]["packages"] for uid in related])
    if state.same_inputs(topdir, "gather", variant, arch, fingerprint):
        log.info("gather %s.%s: the same package set, options and comps as the last run; nothing to do",
                 variant, arch)
        state.keep(topdir, "gather", variant, arch)
        return
    if v.get("is_empty"):  # Pungi 4.3.2 gathers nothing for an empty variant and makes no trees
        data = {"header": state.header("gather-result"), "variant": variant, "arch": arch,
                "inputs": {"comps": {"packages": [], "groups": []}, "json": {"packages": []},
                           "prepopulate": [], "exclude": []},
                "missing": [], "unresolved": [], "packages": []}
        jsonio.write_json(layout.at(topdir, layout.gather_json(variant, arch)), data)
        state.write(topdir, "gather", variant, arch, result=layout.gather_json(variant, arch), inputs=fingerprint,
                    binary=0, debug=0, source=0)
        return
    pool = _pool(topdir, conf, v, arch, related)
    inputs = _inputs(topdir, conf, v, arch, pool, tree, [earlier[uid] for uid in related])
    pool.exclude(inputs["exclude"])
    found = {}
    for source, method in _methods(conf, v["uid"]).items():
        request = _request(conf, v, arch, inputs, source, method, earlier)
        if request["packages"] or request["groups"] or request["prepopulate"]:
            result = Solver(pool, request).run()
            for i, entry in result.packages.items():
                found.setdefault(i, entry)
            inputs["missing"] |= result.missing
            inputs["unresolved"] |= result.unresolved
    _drop_related(pool, found, earlier)
    _check(conf, v, arch, inputs)
    packages = _records(topdir, pool, found, v, arch, conf.get("hashed_directories"))
    _fetch_remote(topdir, arch, packages)
    _link_trees(topdir, packages, v, arch, conf.get("link_type") or "hardlink-or-copy")
    data = {"header": state.header("gather-result"), "variant": variant, "arch": arch,
            "inputs": {k: inputs[k] for k in ("comps", "json", "prepopulate", "exclude")},
            "missing": sorted(inputs["missing"]),
            "unresolved": [{"package": p, "requires": c} for p, c in sorted(inputs["unresolved"])],
            "packages": packages}
    jsonio.write_json(layout.at(topdir, layout.gather_json(variant, arch)), data)
    counts = {c: sum(1 for p in packages if p["category"] == c) for c in CATEGORY.values()}
    log.info("gather %s.%s: %s", variant, arch, ", ".join("%d %s" % (n, c) for c, n in sorted(counts.items())))
    state.write(topdir, "gather", variant, arch, result=layout.gather_json(variant, arch), inputs=fingerprint,
                **counts)


def _file_digest(path):
    import hashlib

    if not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# -- inputs ------------------------------------------------------------------------------


def _pool(topdir, conf, v, arch, related):
    lookaside = va_data(conf.get("gather_lookaside_repos"), v["uid"], arch)
    pool = PackagePool(solver_arch(arch), [layout.at(topdir, layout.pkgset_repo(arch))], lookaside,
                       cache=layout.at(topdir, layout.pkgset_cache(arch)))
    pool.comps_files = []
    for uid in [v["uid"]] + related:
        path = layout.at(topdir, layout.comps_file(uid, arch))
        if os.path.isfile(path):
            pool.comps_files.append((uid, path))
    return pool


def _inputs(topdir, conf, v, arch, pool, tree, earlier):
    """{"comps": {packages, groups}, "json": {packages}, "prepopulate": [...], "exclude": [...]}
    of variant V on ARCH, with those of the variants it builds on."""
    groups = _comps_groups(layout.at(topdir, layout.comps_file(v["uid"], arch)))
    packages = va_data(conf.get("additional_packages"), v["uid"], arch)
    exclude = va_data(conf.get("filter_packages"), v["uid"], arch)
    if conf.get("filter_system_release_packages", True):
        best, others = _system_release(pool, v, tree)
        packages += best
        exclude += others
    result = {"comps": {"packages": packages, "groups": groups},
              "json": {"packages": _mapping(conf, v["uid"], arch)},
              "prepopulate": _prepopulate(conf, v["uid"], arch),
              "exclude": exclude, "missing": set(), "unresolved": set()}
    for other in earlier:
        for source in SOURCES:
            for key, values in other["inputs"][source].items():
                result[source][key] = result[source][key] + [x for x in values if x not in result[source][key]]
        result["prepopulate"] += [x for x in other["inputs"]["prepopulate"] if x not in result["prepopulate"]]
    return result


def _comps_groups(path):
    if not os.path.isfile(path):
        return []
    from ..config import comps

    return sorted(g.id for g in comps.read(path).groups)


def _system_release(pool, v, tree):
    """([system-release package to add], [ones to exclude]): none, as Pungi 4.3.2 finds them.
    Its package set asks kobo 0.20's is_system_release, which looks for b"system-release"
    among str provides and so never finds one: every release package stays a plain package."""
    return [], []


def _json_file(conf, name):
    path = reader.local_file(conf, name)
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise PunjiError("option '%s': cannot read %s: %s" % (name, path, exc.strerror))
    except json.JSONDecodeError as exc:
        raise PunjiError("option '%s': %s:%d: invalid JSON: %s" % (name, path, exc.lineno, exc.msg))


def _mapping(conf, uid, arch):
    """gather_source_mapping {variant: {arch: {name: [arch or null]}}} as name / name.arch patterns."""
    found = []
    for name, pkg_arches in sorted(_json_file(conf, "gather_source_mapping").get(uid, {}).get(arch, {}).items()):
        for pkg_arch in pkg_arches or [None]:
            found.append(name if pkg_arch is None else "%s.%s" % (name, pkg_arch))
    return found


def _prepopulate(conf, uid, arch):
    """gather_prepopulate {variant: {arch: {build: [name.arch]}}} for one variant.arch."""
    by_build = _json_file(conf, "gather_prepopulate").get(uid, {}).get(arch, {})
    return sorted({p for names in by_build.values() for p in names})


def _methods(conf, uid):
    """{source: "deps" | "nodeps"} for variant UID from gather_method."""
    value = conf.get("gather_method", "deps")
    if isinstance(value, list):  # [[variant regex, method], ...] in config order (config.ORDERED_MAPS)
        for pattern, method in value:
            if re.match(pattern, uid):
                value = method
                break
        else:
            raise PunjiError("option 'gather_method': no pattern matches variant %s" % uid)
    if isinstance(value, str):
        value = {source: value for source in SOURCES}
    unknown = sorted(set(value) - set(SOURCES))
    if unknown:
        warn(PROG, "option 'gather_method': source %s is not implemented yet; ignored" % ", ".join(unknown))
    result = {}
    for source in SOURCES:
        if source in value:
            method = value[source]
            if method == "hybrid":
                warn(PROG, "option 'gather_method': 'hybrid' is solved as 'deps'")
                method = "deps"
            result[source] = method
    return result


def _request(conf, v, arch, inputs, source, method, earlier):
    optional = v["type"] == "optional"
    child = v["type"] in ("addon", "layered-product")
    excludes = set()
    if child:
        parent = earlier.get(v["parent"], {"packages": []})
        excludes = {p["name"] for p in parent["packages"] if p["category"] == "source"}
    return dict(
        DEFAULTS, repos=[], arch=arch, packages=inputs[source]["packages"],
        groups=inputs[source].get("groups", []), groups_with_optional=True,
        prepopulate=inputs["prepopulate"] if source == "comps" else [],
        nodeps=method == "nodeps", greedy=conf.get("greedy_method") or "none",
        fulltree=bool(conf.get("gather_fulltree")) or optional or child, fulltree_excludes=sorted(excludes),
        selfhosting=(bool(conf.get("gather_selfhosting")) or optional) and not child,
        multilib_methods=va_data(conf.get("multilib"), v["uid"], arch),
        multilib_blacklist=arch_data(conf.get("multilib_blacklist"), arch),
        multilib_whitelist=arch_data(conf.get("multilib_whitelist"), arch),
        langpacks=True)


# -- results -------------------------------------------------------------------------------


def _drop_related(pool, found, earlier):
    """Leave out what the variants this one builds on already have (same NEVRA)."""
    theirs = {p["nevra"] for result in earlier.values() for p in result["packages"]}
    for i in [i for i in found if pool.nevra(i) in theirs]:
        del found[i]


def _check(conf, v, arch, inputs):
    where = "%s.%s" % (v["uid"], arch)
    for pattern in sorted(inputs["missing"]):
        message = "%s: no package matches %r" % (where, pattern)
        if conf.get("require_all_comps_packages"):
            raise PunjiError(message + " (require_all_comps_packages is on)")
        warn(PROG, message)
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


def _records(topdir, pool, found, v, arch, hashed):
    """One record per package: NEVRA, category, pkgset file, place in the compose, reason."""
    pkgset = {p["nevra"]: p for p in jsonio.read_json(layout.at(topdir, layout.pkgset_json(arch)))["packages"]}
    trees = {"binary": layout.os_tree(v["uid"], arch), "debug": layout.debug_tree(v["uid"], arch),
             "source": layout.source_tree(v["uid"])}
    records = []
    for i, (category, why) in found.items():
        nevra = pool.nevra(i)
        known = pkgset.get(nevra)
        if known is None:
            raise PunjiError("%s is not in the package set of %s (run punji-pkgset again)" % (nevra, arch))
        category = CATEGORY[category]
        filename = os.path.basename(known["path"])
        records.append({
            "nevra": nevra, "name": known["name"], "arch": known["arch"], "category": category,
            "path": known["path"], "sigkey": known["sigkey"], "srpm_nevra": _srpm_nevra(pool, i, known),
            "file": "%s/%s" % (layout.package_dir(trees[category], filename, hashed), filename),
            "why": why,
        })
    return sorted(records, key=lambda r: (r["category"], r["nevra"]))


def _srpm_nevra(pool, i, known):
    if pool.is_source(i):
        return None
    src = pool.sources.get(pool.sourcerpm(i))
    if src is not None:
        return pool.nevra(src)
    name_version_release = (known["sourcerpm"] or "").rsplit(".", 2)[0]
    if not name_version_release:
        return None
    name, version, release = name_version_release.rsplit("-", 2)
    return "%s-%s:%s-%s.src" % (name, known["epoch"], version, release)


def _fetch_remote(topdir, arch, packages):
    """Download the packages of http(s) repos (pkgset only read their metadata) into the
    package set's cache, check them, and point their records at the local copies."""
    from concurrent.futures import ThreadPoolExecutor

    from ..config.repo_refs import is_remote
    from ..rpms.headers import read_header
    from ..rpms.repos import fetch_package

    remote = [p for p in packages if is_remote(p["path"])]
    if not remote:
        return
    pkgset = {p["nevra"]: p for p in jsonio.read_json(layout.at(topdir, layout.pkgset_json(arch)))["packages"]}
    cache = layout.at(topdir, layout.pkgset_cache(arch))
    log.info("downloading %d packages", len(remote))
    with ThreadPoolExecutor(max_workers=8) as pool:
        local = list(pool.map(lambda p: fetch_package(pkgset[p["nevra"]], cache), remote))
    for p, path in zip(remote, local):
        header = read_header(path)
        if header["nevra"] != p["nevra"]:
            raise PunjiError("package %s: its RPM header says %s, the repodata says %s"
                             % (p["path"], header["nevra"], p["nevra"]))
        p["path"], p["sigkey"] = path, header["sigkey"]


def _link_trees(topdir, packages, v, arch, link_type):
    for category, tree in (("binary", layout.os_tree(v["uid"], arch)), ("debug", layout.debug_tree(v["uid"], arch))):
        top = tree + "/Packages"
        files = [(p["path"], p["file"][len(top) + 1:]) for p in packages if p["category"] == category]
        linker.build_dir(layout.at(topdir, top), files, link_type)


# -- the global step -------------------------------------------------------------------------------


def run_assemble(topdir, variant=None, arch=None):
    """Link every variant's source tree and write compose/metadata/rpms.json."""
    from productmd.rpms import Rpms


    conf = jsonio.read_json(layout.at(topdir, layout.config_slice("gather")))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    req = request.read(topdir)
    rpms = Rpms()
    rpms.compose.id, rpms.compose.type = req["compose_id"], req["compose_type"]
    rpms.compose.date, rpms.compose.respin = req["date"], req["respin"]
    total = 0
    for v in tree:
        sources = {}
        for arch in v["arches"]:
            result = jsonio.read_json(layout.at(topdir, layout.gather_json(v["uid"], arch)))
            for p in result["packages"]:
                rpms.add(v["uid"], arch, p["nevra"], p["file"][len("compose/"):], p["sigkey"], p["category"],
                         p["srpm_nevra"])
                total += 1
                if p["category"] == "source":
                    sources[p["file"]] = p["path"]
        if v.get("is_empty"):
            continue
        top = layout.source_tree(v["uid"]) + "/Packages"
        files = [(path, rel[len(top) + 1:]) for rel, path in sorted(sources.items())]
        linker.build_dir(layout.at(topdir, top), files, conf.get("link_type") or "hardlink-or-copy")
    jsonio.write_text(layout.at(topdir, layout.rpms_json()), rpms.dumps())
    state.write(topdir, "gather", rpms=layout.rpms_json(), count=total)
