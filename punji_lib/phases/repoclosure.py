"""repoclosure: the requires nothing provides in one variant.arch's repository (Pungi's phase).

Repoclosure (punji_lib.rpms.repoclosure, libsolv) runs over the os repository of
the tree (compose/<uid>/<arch>/os, an addon's inside its parent's). Its lookaside
is, as in Pungi 4.3.2, the parent's repository (an addon's, a layered product's
or an optional variant's; none when the parent is_empty, which has no repodata),
never the parent's addons or layered products that gather built on (their
repositories are their own: fuzz-compose seed 23005); plus the variant's
gather_lookaside_repos and the lookaside repos gather made of its
variant_as_lookaside variants.
repoclosure_strictness (variant/arch mapping, the last matching value wins as in
Pungi; default lenient) says what the tree's unresolved requires do:

* off: the tree is not checked (nor is an is_empty variant's);
* lenient: a warning when some are unresolved; the compose goes on;
* fatal: the phase fails with one line naming the first broken package and how
  many there are.

The packages with unresolved requires are in work/<arch>/repoclosure/<uid>.json
and the log (logs/<arch>/repoclosure-<uid>.log), lenient or fatal.

When the strictness, the tree's repodata, that of the trees it builds on and the
lookaside repos are what the last run checked (in this compose, or in the newest
finished compose of the same release in the target directory), its result stands.
"""

import os

from ..compose import jsonio, layout, reuse, state
from ..config.lookup import lookaside_variants, repoclosure_skip_reason, repoclosure_strictness, va_data
from ..errors import NotReady, PunjiError
from ..log import log, warn

PHASE = "repoclosure"
PROG = "punji-repoclosure"


def run(topdir, variant=None, arch=None):
    from ..config import variants

    conf = jsonio.read_json(layout.at(topdir, layout.config_slice(PHASE)))
    tree = jsonio.read_json(layout.at(topdir, layout.variants_json()))["variants"]
    v = variants.by_uid(tree)[variant]
    how = repoclosure_strictness(conf, variant, arch)
    why = repoclosure_skip_reason(conf, v, arch)
    if why:
        log.info("repoclosure %s.%s: not checked (%s)", variant, arch, why)
        state.write(topdir, PHASE, variant, arch, strictness=how, checked=False, unresolved=0)
        return
    if v["parent"]:
        # Pungi asks for the parent's repository here, which makes its directory: an is_empty
        # parent's tree is then there, empty (and composeinfo.json lists it)
        os.makedirs(layout.at(topdir, layout.tree_dir(v["parent"], arch)), exist_ok=True)
    own, side, extra = repositories(topdir, v, tree, arch)
    inputs = fingerprint(topdir, how, own, side, extra, arch)
    report = layout.repoclosure_json(variant, arch)
    if state.same_inputs(topdir, PHASE, variant, arch, inputs) and os.path.isfile(layout.at(topdir, report)):
        log.info("repoclosure %s.%s: the repositories are as the last run checked them: its result stands",
                 variant, arch)
        state.keep(topdir, PHASE, variant, arch)
        return
    if not reuse.take_over(topdir, PHASE, variant, arch, inputs, [report]):
        check(topdir, v, arch, how, own, side, extra, inputs)


# The check runs beside the image phases of the trees (createiso: the writer, the MD5 and the
# checksums take both CPUs of a small machine), whose chain ends the compose while the check has
# time to spare: it takes what CPU they leave.
NICENESS = 10


def yield_cpus():
    """Lower this process's CPU priority by NICENESS (not again once lowered: a rerun in a copy)."""
    if os.getpriority(os.PRIO_PROCESS, 0) < NICENESS:
        os.nice(NICENESS)
        log.info("repoclosure runs at niceness %d: the image phases beside it come first",
                 os.getpriority(os.PRIO_PROCESS, 0))


def repositories(topdir, v, tree, arch):
    """(the tree's repository, [its parent's repository] (both compose-relative), its
    gather_lookaside_repos and variant_as_lookaside repos)."""
    from ..config import variants

    parent = variants.by_uid(tree).get(v["parent"]) if v["parent"] else None
    own = layout.repo_dir(v, arch)
    # an is_empty tree has no repodata; Pungi's dnf skips such a repository and checks without it
    side = [layout.repo_dir(parent, arch)] if parent and not parent.get("is_empty") else []
    for rel in [own] + side:
        if not os.path.isfile(layout.at(topdir, rel + "/repodata/repomd.xml")):
            raise NotReady("%s: no repodata/repomd.xml (has punji-createrepo run for %s.%s?)"
                             % (rel, v["uid"], arch))
    gather_conf = layout.at(topdir, layout.config_slice("gather"))
    gather_conf = jsonio.read_json(gather_conf) if os.path.exists(gather_conf) else {}
    extra = list(va_data(gather_conf.get("gather_lookaside_repos"), v["uid"], arch))
    for uid in lookaside_variants(gather_conf, v["uid"]):  # as gather made them (variant_as_lookaside)
        repo = layout.at(topdir, layout.variant_lookaside_repo(v["uid"], uid, arch))
        if os.path.isdir(repo):
            extra.append(repo)
    return own, side, extra


def fingerprint(topdir, how, own, side, extra, arch):
    """What the check reads: the strictness, the compose's repomd.xml files, the lookaside
    repos' metadata keys."""
    from ..rpms.solvcache import repo_keys

    repomds = [jsonio.read_text(layout.at(topdir, rel + "/repodata/repomd.xml")) for rel in [own] + side]
    return state.digest(how, own, side, repomds, extra, repo_keys(extra, layout.at(topdir, layout.pkgset_cache(arch))))


def check(topdir, v, arch, how, own, side, extra, inputs):
    """Run repoclosure over the tree, write its report and state; fail when fatal and broken."""
    from ..rpms import repoclosure

    uid = v["uid"]
    yield_cpus()
    closure = repoclosure.Closure(arch, [layout.at(topdir, own)], [layout.at(topdir, r) for r in side] + extra,
                                  cache=layout.at(topdir, layout.pkgset_cache(arch)))
    broken = closure.unresolved()
    checked = len(closure.packages())
    for nevra in closure.skipped():
        log.warning("repoclosure %s.%s: %s is of an arch not installable on %s; not checked", uid, arch, nevra, arch)
    log.info("repoclosure %s.%s (%s): %d packages, %d with unresolved requires; lookaside: %s",
             uid, arch, how, checked, len(broken), ", ".join(side + extra) or "none")
    for nevra, requires in broken.items():
        log.info("  %s requires %s", nevra, _quoted(requires))
    report = layout.repoclosure_json(uid, arch)
    jsonio.write_json(layout.at(topdir, report), {
        "header": state.header("repoclosure"), "variant": uid, "arch": arch, "strictness": how, "repo": own,
        "lookaside": side + extra, "packages": checked,
        "unresolved": [{"package": n, "requires": r} for n, r in broken.items()]})
    if broken:
        package, requires = next(iter(broken.items()))
        if how == "fatal":
            raise PunjiError("%s.%s: %s requires %s, which nothing provides (%d packages with unresolved requires; "
                             "see %s)" % (uid, arch, package, _quoted(requires), len(broken), report))
        warn(PROG, "%s.%s: %d packages with unresolved requires, e.g. %s requires %s (lenient; see %s)"
             % (uid, arch, len(broken), package, _quoted(requires), report))
    state.write(topdir, PHASE, uid, arch, inputs=inputs, strictness=how, checked=True, packages=checked,
                unresolved=len(broken), report=report)


def _quoted(requires):
    return ", ".join("'%s'" % r for r in requires)
