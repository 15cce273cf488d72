"""The order in which Pungi 4.3.2's gather phase takes the variants, and what fails in it.

Pungi gathers every top-level variant, then every addon, every layered product
and every optional variant; within each type it goes by one list of all
variant uids: those variant_as_lookaside does not name (A-Z), then those it
names, a lookaside variant before the variants using it (the order its
acyclic-graph pruning gives). Before gathering a variant on an arch it
makes the repo of each of its lookaside variants from what was gathered so
far, and wants the lookaside variant among the results of every arch any
variant gathered so far has: a variant with arches its lookaside variant
lacks, or a lookaside variant of a type gathered later, fails the compose,
naming the first arch whose results lack it (the results get their arches
in the order the variants are gathered in; within one variant, in the order
its arches' threads end, which varies: here the order of its arches).
A uid variant_as_lookaside names that is not in the compose (after
tree_arches and tree_variants) fails it too. All this fails in the gather
phase, after what fails in init and the package sets: the gather of each
variant.arch from the failing turn on fails, and so does the assembly after
(a failing turn may have no variant of the compose).
"""

from ..errors import PunjiError

TYPES = ("variant", "addon", "layered-product", "optional")


def lookaside_order(pairs):
    """The uids of PAIRS [(variant, its lookaside variant)] in the order Pungi processes them:
    repeatedly, going through the uids A-Z, it takes out each one no edge starts from (but some
    edge ends in), and restarts once that leaves a uid without edges, which then comes first.
    When that leaves several, Pungi takes them in the order of a set of strings, which the
    hash seed changes from run to run; here they come A-Z."""
    edges, nodes = {}, set()
    for start, end in pairs:
        ends = edges.setdefault(start, [])
        if end not in ends:
            ends.append(end)
        nodes.update((start, end))
    line = []
    while edges:
        orphans = set()
        for node in sorted(nodes):
            if node in edges or not any(node in ends for ends in edges.values()):
                continue
            for start in list(edges):
                if node in edges[start]:
                    edges[start].remove(node)
                    if not edges[start]:
                        del edges[start]
            line.insert(0, node)
            orphans = nodes - set(edges) - {e for ends in edges.values() for e in ends}
            if orphans:
                break
        for orphan in sorted(orphans):
            if orphan not in line:
                line.insert(0, orphan)
            nodes.discard(orphan)
    return list(reversed(line))


def _steps(pairs, variants):
    """(type, uid) of each turn of Pungi's gather loop: per type, every uid of its one list."""
    ordered = lookaside_order(pairs)
    uids = sorted({v["uid"] for v in variants} - set(ordered)) + ordered
    return [(kind, uid) for kind in TYPES for uid in uids]


def gather_order(pairs, variants):
    """VARIANTS (dicts with uid, type, arches) in the order Pungi's gather phase takes them."""
    by_uid = {v["uid"]: v for v in variants}
    return [by_uid[uid] for kind, uid in _steps(pairs, variants) if uid in by_uid and by_uid[uid]["type"] == kind]


def first_failure(pairs, variants):
    """(the turn of Pungi's gather loop that fails with PAIRS, why) or None: the first uid
    not in the compose (its first turn), or a variant whose lookaside variant has no results
    on an arch gathered before it."""
    by_uid = {v["uid"]: v for v in variants}
    gathered = {}  # arch -> uids gathered there so far, the arches in the order Pungi's results get them
    for turn, (kind, uid) in enumerate(_steps(pairs, variants)):
        v = by_uid.get(uid)
        if v is None:
            return turn, "variant %r is not in this compose" % uid
        if v["type"] != kind:
            continue
        for requiring, required in pairs:
            if requiring != uid:
                continue
            for arch in gathered:
                if required not in gathered[arch]:
                    return turn, "%s is gathered when %s has no %s results (%s)" % (
                        requiring, required, arch, "it lacks that arch" if arch not in by_uid[required]["arches"]
                        else "it is gathered later")
        for arch in v["arches"]:
            gathered.setdefault(arch, set()).add(uid)
    return None


OPTION = "option 'variant_as_lookaside'"


def check(pairs, variants, what=OPTION, uid=None):
    """One error line (WHAT names the option) for what fails in Pungi's gather with PAIRS; with
    UID, only when it fails before or at that variant's turn (Pungi never gathers it then)."""
    failure = first_failure(pairs, variants)
    if failure is None:
        return
    if uid is not None:
        kind = {v["uid"]: v["type"] for v in variants}[uid]
        if _steps(pairs, variants).index((kind, uid)) < failure[0]:
            return
    raise PunjiError("%s: %s" % (what, failure[1]))
