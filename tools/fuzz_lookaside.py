"""What tools/fuzz-compose --lookaside draws, from an RNG of its own: variant_as_lookaside as the
CentOS Stream and Rocky configs write it, a chain of several pairs rather than one: a BaseOS-like
variant every other looks aside at, mostly an AppStream-like one looking aside at it that the
rest look aside at too (CRB, HighAvailability, RT...), now and then an addon or optional child
looking aside at a top-level variant, in any order. Pairs whose arches do not fit (a variant on
an arch its lookaside variant lacks: both tools refuse) are mostly left out.
"""


def gen_lookaside(rng, variants):
    """[("variant_as_lookaside", pairs)] for VARIANTS (fuzz-compose Variants), or [] when fewer
    than two top-level variants."""
    tops = [v for v in variants if v.type == "variant"]
    if len(tops) < 2:
        return []
    # Pungi 4.3.2 makes a lookaside variant's repo from what it gathered on every arch gathered
    # so far (the source packages of all): one lacking any tree arch of the compose fails it
    # ("Variant ... does not have architecture"), so BaseOS and AppStream shapes have them all
    every_arch = set().union(*(v.arches for v in tops))
    full = [v for v in tops if set(v.arches) == every_arch or rng.random() < 0.1]
    if not full:
        return []
    base = rng.choice(full)
    rest = rng.sample([v for v in tops if v is not base], len(tops) - 1)
    second = [v for v in rest if v in full]
    appstream = second[0] if second and len(rest) > 1 and rng.random() < 0.7 else None
    if appstream:
        rest.remove(appstream)
        rest.insert(0, appstream)
    pairs = []
    for variant in rest:
        targets = [base] + ([appstream] if appstream and variant is not appstream else [])
        for target in targets:
            if rng.random() < 0.85:
                pairs.append((variant, target))
    children = [v for v in variants if v.type != "variant" and getattr(v, "parent", None) is not None]
    for child in children:
        if rng.random() < 0.25:
            pairs.append((child, rng.choice(tops)))
    pairs = [p for p in pairs if _fits(*p) or rng.random() < 0.08]
    if not pairs:
        return []
    rng.shuffle(pairs)
    return [("variant_as_lookaside", [(a.uid, b.uid) for a, b in pairs])]


def _fits(variant, lookaside):
    return variant is not lookaside and set(variant.arches) <= set(lookaside.arches)
