"""The records of what a variant.arch's gather took (work/<arch>/gather/<variant>.solved.json):
one per package, with the package set's facts and the flags Pungi's variant-type rules read."""

from ..errors import PunjiError

CATEGORY = {"rpm": "binary", "debuginfo": "debug", "srpm": "source"}
INPUT_REASONS = ("requested", "group")  # what came in so is flagged "input"


def records(pkgset, pool, found, arch, twinned=()):
    """One record per package: NEVRA, category, pkgset file, reason (the first source's), and
    Pungi's flags the variant-type rules read: input (asked for) and fulltree-exclude (its
    source package is the parent's, and it did not come in as that package's debuginfo).
    Pungi keeps a record per gather source that found the package, and trims each on its own:
    the flags of a later source that differ are the record's "also_flags". PKGSET: the package
    set's records by NEVRA. The other files of the NEVRA the set holds (a scratch task's beside a
    tag's) as "twins" of those TWINNED, which Pungi lists too."""
    made = []
    for (i, category), by_source in found.items():
        nevra = pool.nevra(i)
        known = pkgset.get(nevra)
        if known is None:
            raise PunjiError("%s is not in the package set of %s (run punji-pkgset again)" % (nevra, arch))
        flags = [_flags(pool, i, category, why, parents_sources) for why, parents_sources in by_source]
        record = {
            "nevra": nevra, "name": known["name"], "arch": known["arch"], "category": CATEGORY[category],
            "path": known["path"], "sigkey": known["sigkey"], "srpm_nevra": _srpm_nevra(pool, i, known),
            "sourcerpm": known["sourcerpm"], "checksum": known["checksum"], "build_time": known.get("build_time"), "size": known.get("size"),
            "why": by_source[0][0],
        }
        if "mtime" in known:  # a tree's repodata says the file's time: a file touched is another input
            record["mtime"] = known["mtime"]
        if (i, category) in twinned and known.get("twins"):
            record["twins"] = known["twins"]
        made.append(_flagged(record, flags))
    return sorted(made, key=lambda r: (r["category"], r["nevra"]))


def _flagged(record, flags):
    """RECORD with the FLAGS of the first source that found it, and the differing ones of later
    sources as "also_flags" (Pungi trims each source's copy on its own)."""
    record["flags"] = flags[0]
    also = [f for n, f in enumerate(flags) if f != flags[0] and f not in flags[:n]]
    if also:
        record["also_flags"] = also
    return record


def _flags(pool, i, category, why, parents_sources):
    flags = []
    if why["reason"] in INPUT_REASONS:
        flags.append("input")
    if category != "srpm" and why["reason"] != "debuginfo" and pool.source_name(i) in parents_sources:
        flags.append("fulltree-exclude")
    return flags


def lookaside_records(pool, side, found):
    """Records of what came from lookaside repos, flagged "lookaside": never in a tree, but the
    variant-type rules count them as the variant's, as Pungi does, with the flags a package of
    the variant's repos gets (one found only because its source is the parent's moves there)."""
    taken = {i for i, _category in found}
    made = []
    for i, by_source in side.items():
        if i in taken:
            continue
        flags = [_flags(pool, i, category, why, excludes) + ["lookaside"] for category, why, excludes in by_source]
        record = {"nevra": pool.nevra(i), "name": pool.name(i), "arch": pool.arch_of(i),
                  "category": CATEGORY[by_source[0][0]], "path": pool.path(i)}
        made.append(_flagged(record, flags))
    return sorted(made, key=lambda r: (r["category"], r["nevra"]))


def _srpm_nevra(pool, i, known):
    if pool.is_source(i):
        return None
    src = pool.source_file(pool.sourcerpm(i))
    if src is not None:
        return pool.nevra(src)
    name_version_release = (known["sourcerpm"] or "").rsplit(".", 2)[0]
    if not name_version_release:
        return None
    name, version, release = name_version_release.rsplit("-", 2)
    return "%s-%s:%s-%s.src" % (name, known["epoch"], version, release)
