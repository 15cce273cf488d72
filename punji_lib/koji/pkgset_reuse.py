"""A Koji package set across runs and composes (pkgset_allow_reuse).

A rerun with the same inputs, or a new compose whose inputs are the old compose's (taken
over), keeps the package set made at an event its tags (and their inheritance) did not change
since (tagChangedSinceEvent), when no RPM it took unsigned or with a later key of sigkeys got a
signature of an earlier key since: a signature is no tag change, and the copy of that key
would be taken now.
"""

import os

from ..compose import jsonio, layout, reuse, state
from ..log import log
from ..rpms.package_text import file_nvra
from .signed import sigkeys


def standing(topdir, arch, koji, conf, tags, inputs, event):
    """The state facts of the package set of ARCH that stands: this compose's previous run's, or
    the old compose's (taken over); None when it must be made. INPUTS: the set's fingerprint;
    EVENT: the compose's Koji event; TAGS: the tags whose changes count."""
    kept = _kept(topdir, arch, koji, conf, tags, inputs)
    if kept is not None:
        return kept

    def unchanged(old, record):
        records = jsonio.read_json(layout.at(old, layout.pkgset_json(arch)))["packages"]
        inside = os.path.join(os.path.abspath(old), "")  # files it downloaded stay its own
        return all(not r["path"].startswith(inside) and os.path.isfile(r["path"]) for r in records) and \
            _tags_unchanged(koji, tags, conf, record, arch, event) and _signatures_unchanged(koji, conf, records)

    if reuse.take_over(topdir, "pkgset", None, arch, inputs, layout.pkgset_outputs(arch), unchanged,
                       optional=[layout.pkgset_cache(arch), layout.pkgset_modules(arch),
                                 layout.pkgset_koji_modules(arch), layout.pkgset_set_repos(arch)]):
        return _facts(state.read(topdir, "pkgset", arch=arch), event)
    return None


def _kept(topdir, arch, koji, conf, tags, inputs):
    """The state facts of this compose's last package set of ARCH when it still stands, or None."""
    path = layout.at(topdir, layout.state_file("pkgset", None, arch))
    if not os.path.isfile(path):
        return None
    old = jsonio.read_json(path)
    event = old.get("koji_event")
    if old.get("failed") or old.get("inputs") != inputs or event is None:
        return None
    packages = layout.at(topdir, layout.pkgset_json(arch))
    repo = layout.at(topdir, layout.pkgset_repo(arch))
    if not (os.path.isfile(packages) and os.path.isfile(os.path.join(repo, "repodata", "repomd.xml"))):
        return None
    records = jsonio.read_json(packages)["packages"]
    if not all(os.path.isfile(r["path"]) for r in records):
        return None
    if not _tags_unchanged(koji, tags, conf, old, arch, event) or not _signatures_unchanged(koji, conf, records):
        return None
    return _facts(old, event)


def _facts(record, event):
    """What the state file of a package set that stands says: RECORD's facts, at EVENT."""
    facts = {k: v for k, v in record.items() if k not in ("header", "phase", "variant", "arch", "failed")}
    return dict(facts, reused=True, koji_event=event)


def tag_ids(koji, tags, conf, event):
    """The ids of TAGS and (with pkgset_koji_inherit or pkgset_koji_inherit_modules) of every tag
    they inherit from at EVENT, sorted."""
    tags = [t for t in dict.fromkeys(tags) if t]
    if not tags:
        return []
    ids = {info["id"] for info in koji.multicall("getTag", [((t,), {"event": event}) for t in tags]) if info}
    if conf.get("pkgset_koji_inherit", True) or conf.get("pkgset_koji_inherit_modules"):
        for chain in koji.multicall("getFullInheritance", [((t,), {"event": event}) for t in tags]):
            ids.update(link["parent_id"] for link in chain)
    return sorted(ids)


def _signatures_unchanged(koji, conf, records):
    """Whether no RPM of RECORDS (a package set's) got a signature since of a key sigkeys puts
    before the copy the set took: Koji's tag history does not see a signature, and the copy of
    that key would be taken now. Only RPMs taken unsigned or with a later key are asked about."""
    keys = sigkeys(conf)
    asked = []
    for r in records:
        if r.get("repo", "").startswith("koji task"):
            continue  # a scratch build's outputs have no signed copies
        taken = _taken_key(r)
        earlier = [k for k in (keys[:keys.index(taken)] if taken in keys else keys) if k is not None]
        if earlier:
            asked.append((file_nvra(r["nevra"]), set(earlier)))
    if not asked:
        return True
    infos = koji.multicall("getRPM", [((nvra,), {}) for nvra, _keys in asked])
    if any(info is None for info in infos):
        return False
    found = koji.multicall("queryRPMSigs", [((), {"rpm_id": info["id"]}) for info in infos])
    return not any(earlier & {s["sigkey"].lower() for s in sigs} for (_nvra, earlier), sigs in zip(asked, found))


def _taken_key(record):
    """The key of the signed copy RECORD was read from (its path under data/signed/), or None."""
    parts = record.get("location", "").split("/")
    return parts[parts.index("signed") + 1] if "data" in parts and "signed" in parts else None


def _tags_unchanged(koji, tags, conf, record, arch, event):
    """Whether TAGS (and their inheritance) are at EVENT as they were at the event of the
    package set state RECORD: nothing changed in them since the earlier of the two."""
    then = record.get("koji_event")
    ids = tag_ids(koji, tags, conf, event)
    if then is None or ids != record.get("koji_tags"):
        return False
    if then != event and ids and koji.call("tagChangedSinceEvent", min(then, event), ids):
        return False
    log.info("pkgset %s: koji tags %s the same at events %d and %d: the package set is reused", arch,
             ", ".join(tags) or "-", then, event)
    return True
