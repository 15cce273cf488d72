"""The lookaside repo of a variant that variant_as_lookaside pairs with a lookaside variant:
repodata only, written from the package sets' repos, of what the lookaside variant gathered."""

from ..compose import dirs, jsonio, layout
from ..errors import PunjiError
from ..log import log
from . import repodata
from .repos import Repo


def write(topdir, variant, uid, arch, paths):
    """work/<arch>/lookaside/<VARIANT>/<UID>: repodata (no package files) of what variant UID
    gathered (its solved results at PATHS), VARIANT's lookaside repo as Pungi makes it:
    UID's binary and debug packages of ARCH and its source packages of every arch, without what
    UID took from lookaside repos itself, and its module streams of ARCH. The package records
    come from the package sets' repos."""
    wanted, arches, streams = set(), [arch], []
    for path in paths:
        solved = jsonio.read_json(path)
        arches.append(solved["arch"])
        streams += solved["modules"] if solved["arch"] == arch else []
        wanted.update(p["checksum"] for p in solved["packages"]
                      if "lookaside" not in p["flags"] and (solved["arch"] == arch or p["category"] == "source"))
    chosen = []
    for a in dict.fromkeys(arches):  # this arch's package set first: it has all but other arches' sources
        if not wanted:
            break
        repo_dir = layout.at(topdir, layout.pkgset_repo(a))
        for pkg in Repo(repo_dir, layout.at(topdir, layout.pkgset_cache(a))).packages(with_files=True):
            if pkg.pkgId in wanted:
                wanted.discard(pkg.pkgId)
                pkg.location_base = pkg.location_base or "file://%s/" % repo_dir
                chosen.append(pkg)
    if wanted:
        raise PunjiError("variant_as_lookaside: %d packages %s gathered are in no package set repo (%s)"
                         % (len(wanted), uid, ", ".join(sorted(wanted)[:3])))
    target = layout.at(topdir, layout.variant_lookaside_repo(variant, uid, arch))
    tmp = dirs.aside(target)
    repodata.write_metadata(tmp, chosen)
    if streams:  # with its module streams of ARCH and their defaults, as Pungi adds them
        from . import modules

        modules.add_to_repo(tmp, modules.dump(modules.compose_streams(topdir, arch, streams)))
    dirs.swap(tmp, target)
    log.info("gather %s.%s: lookaside repo of %s with %d packages: %s", variant, arch, uid, len(chosen), target)
    return target
