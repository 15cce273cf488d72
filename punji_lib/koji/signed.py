"""Which copy of each RPM of a Koji package set is read: the copy signed with the first key of
sigkeys that Koji has written, the unsigned one where sigkeys allows it, asking Koji again
(signed_packages_retries, signed_packages_wait) for RPMs not signed yet."""

import time

from ..errors import PunjiError
from ..log import counted, log, progress

SHOWN = 5  # NEVRAs named in the "not signed" error


def sigkeys(conf):
    """The keys of sigkeys as Koji names signed copies (data/signed/<key>/): lower-case, and as
    written (Pungi 4.3.2 looks for that directory: a long key id matches no copy)."""
    return [(k or None) and k.lower() for k in conf.get("sigkeys") or [None]]


def signed_copies(koji, conf, store, items, fallback=None, holders=None):
    """[((label, build, rpminfo), (path relative to topdir, sigkey, unsigned fallback))]: for each
    RPM the copy of the first allowed key Koji has and that is there; after the retries, the
    unsigned copy of an RPM that has none when FALLBACK (names) is given and lacks its name, and a
    PunjiError when others have none, naming those of the first package set (HOLDERS: {RPM id:
    indexes of the sets holding it}) that has some, as Pungi 4.3.2 populates one set after
    another, each RPM once (two content tags can hold one build)."""
    keys = sigkeys(conf)
    retries = int(conf.get("signed_packages_retries") or 0)
    wait = float(conf.get("signed_packages_wait") or 0)
    chosen, todo = {}, list(range(len(items)))
    for attempt in range(retries + 1):
        sigs = koji.multicall("queryRPMSigs", [((), {"rpm_id": items[i][2]["id"]}) for i in todo])
        left = []
        for i, found in counted(zip(todo, sigs), len(todo), "%d of %d packages: signed copies looked for"):
            label, build, rpm = items[i]
            have = {s["sigkey"].lower() for s in found}
            copy = _first_copy(koji, store, build, rpm, keys, have)
            if copy is None:
                left.append(i)
            else:
                chosen[i] = copy + (False,)
        todo = left
        if not todo:
            break
        if attempt < retries:
            progress("%d packages have no copy signed with sigkeys %s yet; asking koji again in %ss (%d of %d)"
                     % (len(todo), keys, wait, attempt + 1, retries))
            time.sleep(wait)
    if fallback is not None:
        for i in [i for i in todo if items[i][2]["name"] not in fallback]:
            chosen[i] = ("%s/%s" % (koji.build_dir(items[i][1]), koji.pathinfo.rpm(items[i][2])), None, True)
        todo = [i for i in todo if i not in chosen]
    if todo:
        names = sorted({rpm_nevra(items[i][2]) for i in _of_first_set(todo, items, holders or {})})
        more = " and %d more" % (len(names) - SHOWN) if len(names) > SHOWN else ""
        if more:  # the error line names a few: the log, every one (Pungi logs them all)
            log.error("not signed with any key of sigkeys %s: %s", keys, " ".join(names))
        raise PunjiError("%d packages are not signed with any key of sigkeys %s (after %d retries): %s%s"
                         % (len(names), keys, retries, ", ".join(names[:SHOWN]), more))
    return [(items[i], chosen[i]) for i in range(len(items))]


def _of_first_set(todo, items, holders):
    """The indexes of TODO whose RPMs the earliest of their package sets holds."""
    index = {i: min(holders.get(items[i][2]["id"], {0})) for i in todo}
    return [i for i in todo if index[i] == min(index.values())]


def _first_copy(koji, store, build, rpm, keys, have):
    """(relative path, sigkey) of the copy of the first key of KEYS that Koji has, else the
    unsigned copy when KEYS has None (wherever in the list: Pungi 4.3.2 looks for every signed
    copy first); None when there is none. A signed copy Koji knows of but has not written
    (koji write-signed-rpm) counts as none yet."""
    for key in keys:
        if key is not None and key in have:
            rel = "%s/%s" % (koji.build_dir(build), koji.pathinfo.signed(rpm, key))
            if store.has(rel):
                return (rel, key)
    if None in keys:
        return ("%s/%s" % (koji.build_dir(build), koji.pathinfo.rpm(rpm)), None)
    return None


def rpm_nevra(rpm):
    return "%s-%s:%s-%s.%s" % (rpm["name"], rpm.get("epoch") or 0, rpm["version"], rpm["release"], rpm["arch"])
