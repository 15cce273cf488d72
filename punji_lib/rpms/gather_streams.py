"""The module streams of a variant's gather, as Pungi 4.3.2 reads them: which streams of the
package set a variant enables on an arch (its <modules> entries, less filter_modules, or what
the Koji package set found for it), what the other variants' streams hide, and the packages
of the module source."""

import os

from ..compose import jsonio, layout
from ..config.lookup import va_data


def module_index(topdir, arch):
    """The ModuleIndex of the package set of ARCH, or None without modules."""
    from . import modules

    path = layout.at(topdir, layout.pkgset_modules(arch))
    return modules.load(path) if os.path.isfile(path) else None


def lookaside_modules(topdir, conf, v, arch):
    """One ModuleIndex of the modules metadata of V's lookaside repos on ARCH, or None."""
    from . import modules
    from .repos import Repo

    cache = layout.at(topdir, layout.pkgset_cache(arch))
    found = [i for i in (modules.repo_index(Repo(r, cache)) for r in va_data(conf.get("gather_lookaside_repos"),
                                                                             v["uid"], arch)) if i is not None]
    return modules.merge(found) if found else None


def every_variants_streams(topdir, conf, tree, arch, index):
    """The stream records every variant of the compose enables on ARCH."""
    from . import modules

    every = modules.streams(index) if index is not None else []
    return [r for v in tree if arch in v["arches"] for r in variant_streams(topdir, conf, v, arch, every)[0]]


def module_nodeps(pool, request):
    """Pungi's nodeps method on the module source: exactly the streams' packages, of the
    package set only (never a lookaside repo's copy of one)."""
    from . import nodeps
    from .depsolve import Result

    wanted = set(request["packages"])
    ids = [i for i in pool.candidates
           if i not in pool.hidden and i not in pool.lookaside and pool.nevra(i) in wanted]
    return nodeps.gather_exact(pool, ids, Result(pool))


def available(pool, streams, held=None):
    """The artifacts of STREAMS the package set has: Pungi's module source is the RPMs of the
    content tags whose NEVRA is an artifact, none when the tag has none of them (then not even
    the deps method, which asks for names, runs). HELD ({nsvc: NEVRAs}, from Koji): a stream's
    are those its own content tag holds, though another tag has the build."""
    have = {pool.nevra(i) for i in pool.candidates if i not in pool.lookaside}
    return sorted({n for r in streams for n in r["artifacts"]
                   if n in have and (held is None or n in held.get(r["nsvc"], ()))})


def content_held(topdir, arch):
    """{nsvc: the NEVRAs its content tag's package set holds} of ARCH's streams found in Koji,
    or None (no module builds read from Koji)."""
    path = layout.at(topdir, layout.pkgset_koji_modules(arch))
    if not os.path.isfile(path):
        return None
    koji_modules = jsonio.read_json(path)
    held = {tag: set(nevras) for tag, nevras in koji_modules.get("content_held", {}).items()}
    return {nsvc: held.get(tag, set()) for nsvc, tag in koji_modules["koji_tags"].items()}


def module_names(pool, nevras):
    """The names of the binary packages of NEVRAS: what Pungi's deps method asks the solver
    for (it names the module source's packages by name)."""
    from .packages import SOURCE_ARCHES

    return sorted({n.rsplit("-", 2)[0] for n in nevras if n.rpartition(".")[2] not in SOURCE_ARCHES})


def streams(topdir, conf, v, arch):
    """(the stream records variant V enables on ARCH, the NEVRAs its deps method does not see,
    its <modules> entries no stream of ARCH matches): its entries over the package set's
    streams, less filter_modules; not seen, every other stream's packages."""
    from . import modules

    path = layout.at(topdir, layout.pkgset_modules(arch))
    every = modules.streams(modules.load(path)) if os.path.isfile(path) else []
    enabled, unmatched = variant_streams(topdir, conf, v, arch, every)
    from_koji = layout.at(topdir, layout.pkgset_koji_modules(arch))
    if os.path.isfile(from_koji):
        return enabled, _other_content_tags(jsonio.read_json(from_koji), v["uid"]), unmatched
    mine = {n for r in enabled for n in r["artifacts"]}
    return enabled, {n for r in every for n in r["artifacts"]} - mine, unmatched


def _other_content_tags(koji_modules, uid):
    """The NEVRAs of KOJI_MODULES (koji-modules.json) only module content tags other than
    those of variant UID's streams hold: Pungi's deps method reads the variant's own content
    tags (its streams' on any arch) and the sets of pkgset_koji_tag, no other set."""
    mine = set(koji_modules.get("variant_content_tags", {}).get(uid, []))
    if _reads_every_set(koji_modules, mine):
        return set()
    return {n for n, tags in koji_modules.get("content_only", {}).items() if not mine & set(tags)}


def _reads_every_set(koji_modules, mine):
    """Whether a variant whose streams have the content tags MINE reads every package set: Pungi's
    deps method does for a variant with no set of its own, no content tag and no pkgset_koji_tag."""
    return not mine and not koji_modules.get("pkgset_koji_tag", True)


def variant_streams(topdir, conf, v, arch, every):
    """(the stream records of EVERY variant V enables on ARCH, its <modules> entries none matches)."""
    from . import modules

    from_koji = layout.at(topdir, layout.pkgset_koji_modules(arch))
    if os.path.isfile(from_koji):  # the package set found each variant's streams in Koji
        chosen = set(jsonio.read_json(from_koji)["variants"].get(v["uid"], []))
        return [r for r in every if r["nsvc"] in chosen], []
    enabled = modules.select(v.get("modules") or [], every, va_data(conf.get("filter_modules"), v["uid"], arch))
    return enabled, [m["name"] for m in v.get("modules") or [] if not modules.select([m], every)]


def set_repos(topdir, arch, uid):
    """(the repos of work/<arch>/pkgset/sets variant UID's deps method reads, those of the other
    module content tags): Pungi's gather reads a repo per package set, its sack then holding a
    package of two sets twice (which copy its solver takes follows the sets of hawkey packages,
    by solvable id), those of the tags and of the variant's own streams' content tags, in the
    package sets' order (content tags first, negative indexes). ([], []) with one package set,
    read from the repo over the whole."""
    top = layout.at(topdir, layout.pkgset_set_repos(arch))
    if not os.path.isdir(top):
        return [], []
    path = layout.at(topdir, layout.pkgset_koji_modules(arch))
    koji_modules = jsonio.read_json(path) if os.path.isfile(path) else {}
    content_tags = koji_modules.get("content_tags", [])
    mine = set(koji_modules.get("variant_content_tags", {}).get(uid, []))
    own, others = [], []
    for n in sorted(int(n) for n in os.listdir(top) if n.lstrip("-").isdigit()):
        read = n >= 0 or content_tags[n] in mine or _reads_every_set(koji_modules, mine)
        (own if read else others).append(layout.at(topdir, layout.pkgset_set_repo(arch, n)))
    return own, others
