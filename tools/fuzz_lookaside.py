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
    order = rng.sample(tops, len(tops))
    base, rest = order[0], order[1:]
    appstream = rest[0] if len(rest) > 1 and rng.random() < 0.7 else None
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
