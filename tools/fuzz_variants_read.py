"""What tools/fuzz-compose --variants also draws, from a stream of its own ("variants-read-SEED"):
variants.xml shapes that test how Pungi 4.3.2 reads the file, none of which changes what the
case's other draws know of its variants (`every`).

- things Pungi ignores: a top-level <ref> (naming a variant or nothing), a top-level optional
  variant, a top-level layered product no <ref> names;
- a top-level variant declared twice: a decoy of another arch, groups and maybe a child before the
  real one (Pungi takes the last);
- ghosts that tree_arches leaves no arch (tree_arches then the arches the case's variants use):
  a top-level variant or a child of a real one carrying what Pungi would refuse had it read them
  (an environment's display_order int() refuses, a layered product's <release> without short,
  has_optional on an addon, a child on no arch of its parent) or a declared optional child beside
  has_optional (Pungi then adds its own);
- tree_variants of every uid: has_optional on a real addon (its optional child left out), a
  ghost addon or declared optional child left out;
- tree_arches or tree_variants cutting nested children: arches only children use, some children.
"""

GHOST_IDS = ("Ghost", "Phantom", "Spare", "Decoy")


def draw(rng, tops, refs, every, variant_class, arches, group_ids):
    """Change the document of a case in place (TOPS and REFS as written; EVERY: the variants Pungi
    keeps); return (the ids of top-level <ref>s, [(option, value)] for the config)."""
    root_refs = []
    if rng.random() < 0.15:
        root_refs.append(rng.choice([v.id for v in tops] + ["Nope"]))
    if rng.random() < 0.15:
        tops.insert(rng.randint(0, len(tops)), _ghost(rng, variant_class, "optional", arches, group_ids))
    if rng.random() < 0.1:
        refs.append(_ghost(rng, variant_class, "layered-product", arches, group_ids))
    if rng.random() < 0.15:
        _declare_twice(rng, tops, variant_class, arches, group_ids)
    mode = rng.choice(("none", "none", "ghosts-arches", "ghosts-variants", "cut-arches", "cut-variants"))
    if mode == "ghosts-arches":
        return root_refs, _ghosts_tree_arches(rng, tops, every, variant_class, arches, group_ids)
    if mode == "ghosts-variants":
        return root_refs, _ghosts_tree_variants(rng, every, variant_class, group_ids)
    if mode == "cut-arches":
        return root_refs, _cut_arches(rng, tops, every)
    if mode == "cut-variants":
        return root_refs, _cut_variants(rng, every)
    return root_refs, []


def _ghost(rng, variant_class, vtype, arches, group_ids, ghost_id=None):
    ghost = variant_class(ghost_id or rng.choice(GHOST_IDS), vtype, [rng.choice(arches)])
    ghost.groups = [(g, None, None, False) for g in rng.sample(group_ids, min(2, len(group_ids)))]
    return ghost


def _declare_twice(rng, tops, variant_class, arches, group_ids):
    real = rng.choice([v for v in tops if v.type == "variant"])
    decoy = _ghost(rng, variant_class, "variant", arches, group_ids, ghost_id=real.id)
    decoy.arches = sorted(rng.sample(arches, rng.randint(1, min(2, len(arches)))))
    if rng.random() < 0.5:
        child = _ghost(rng, variant_class, "addon", decoy.arches, group_ids)
        child.parent = decoy
        decoy.children.append(child)
    tops.insert(tops.index(real), decoy)


def _used_arches(every):
    return sorted({a for v in every for a in v.arches + list(getattr(v, "declared_arches", None) or [])})


def _ghosts_tree_arches(rng, tops, every, variant_class, arches, group_ids):
    used = _used_arches(every)
    free = [a for a in arches + ["aarch64", "s390x"] if a not in used]
    if not free:
        return []
    ghost_arch = rng.choice(free)
    parents = [v for v in every if v.type == "variant"]
    for _ in range(rng.randint(1, 3)):
        parent = rng.choice(parents + [None])
        if parent is None:
            ghost = _faulty(rng, variant_class, "variant", ghost_arch, group_ids)
            tops.append(ghost)
            if rng.random() < 0.6:
                _attach(ghost, _faulty(rng, variant_class, rng.choice(("addon", "layered-product")), ghost_arch,
                                       group_ids))
        elif parent.has_optional and not any(c.type == "optional" for c in parent.children) and rng.random() < 0.4:
            _attach(parent, _ghost(rng, variant_class, "optional", [ghost_arch], group_ids, ghost_id="optional"))
        else:
            _attach(parent, _faulty(rng, variant_class, rng.choice(("addon", "layered-product")), ghost_arch,
                                    group_ids))
    return [("tree_arches", used)]


def _faulty(rng, variant_class, vtype, arch, group_ids):
    """A variant on ARCH with one thing Pungi refuses as it reads it (had tree_arches left it ARCH)."""
    ghost = _ghost(rng, variant_class, vtype, [arch], group_ids)
    fault = rng.choice(("display_order", "release", "has_optional", "none"))
    if fault == "display_order":
        ghost.environments = [("ghost-env", rng.choice(("x", "1.5", "2a")))]
    elif fault == "release" and vtype == "layered-product":
        ghost.release = ("Ghost Layer", "", "1")
        ghost.drop_release_short = True
    elif fault == "has_optional":
        ghost.has_optional = True
    return ghost


def _attach(parent, child):
    """CHILD, a ghost, written among PARENT's children but not one the case knows of (`every`)."""
    child.parent = parent
    parent.ghosts = getattr(parent, "ghosts", []) + [child]


def _ghosts_tree_variants(rng, every, variant_class, group_ids):
    uids = sorted({v.uid for v in every} | {v.uid + "-optional" for v in every if v.has_optional})
    addons = [v for v in every if v.type == "addon"]
    if addons and rng.random() < 0.5:
        rng.choice(addons).written_has_optional = True  # Server-A-optional is not in tree_variants
    parents = [v for v in every if v.type == "variant"]
    parent = rng.choice(parents)
    if parent.has_optional and not any(c.type == "optional" for c in parent.children) and rng.random() < 0.5:
        _attach(parent, _ghost(rng, variant_class, "optional", list(parent.arches), group_ids, ghost_id="Extras"))
    else:
        ghost = _ghost(rng, variant_class, "addon", list(parent.arches), group_ids)
        ghost.has_optional = rng.random() < 0.5
        _attach(parent, ghost)
    return [("tree_variants", uids)]


def _cut_arches(rng, tops, every):
    """tree_arches without an arch some child uses and every top-level variant keeps one of."""
    used = _used_arches(every)
    by_children = sorted({a for v in every if v.parent is not None for a in v.arches})
    if not by_children:
        return []
    cut = rng.choice(by_children)
    kept = [a for a in used if a != cut]
    if not kept or any(not set(v.arches) - {cut} for v in tops if v.type == "variant"):
        return []
    return [("tree_arches", kept)]


def _cut_variants(rng, every):
    """tree_variants leaving out some children (and optional children has_optional adds)."""
    uids = [v.uid for v in every] + [v.uid + "-optional" for v in every if v.has_optional]
    children = [v.uid for v in every if v.parent is not None] + [v.uid + "-optional" for v in every if v.has_optional]
    if not children:
        return []
    left_out = set(rng.sample(children, rng.randint(1, len(children))))
    return [("tree_variants", sorted(u for u in uids if u not in left_out))]
