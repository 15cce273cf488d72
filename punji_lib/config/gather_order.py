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
tree_arches and tree_variants) fails it too.
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


def gather_order(pairs, variants):
    """VARIANTS (dicts with uid, type, arches) in the order Pungi's gather phase takes them."""
    ordered = lookaside_order(pairs)
    uids = sorted({v["uid"] for v in variants} - set(ordered)) + ordered
    by_uid = {v["uid"]: v for v in variants}
    return [by_uid[uid] for kind in TYPES for uid in uids if uid in by_uid and by_uid[uid]["type"] == kind]


def check(pairs, variants, what):
    """One error line (WHAT names the option) for what fails in Pungi's gather with PAIRS."""
    by_uid = {v["uid"]: v for v in variants}
    for uid in lookaside_order(pairs):
        if uid not in by_uid:
            raise PunjiError("%s: variant %r is not in this compose (Pungi's gather fails on it)" % (what, uid))
    gathered = {}  # arch -> uids gathered there so far, the arches in the order Pungi's results get them
    for v in gather_order(pairs, variants):
        for requiring, required in pairs:
            if requiring != v["uid"]:
                continue
            for arch in gathered:
                if required not in gathered[arch]:
                    raise PunjiError("%s: %s is gathered when %s has no %s results (%s)" % (
                        what, requiring, required, arch,
                        "it lacks that arch" if arch not in by_uid[required]["arches"]
                        else "it is gathered later"))
        for arch in v["arches"]:
            gathered.setdefault(arch, set()).add(v["uid"])
