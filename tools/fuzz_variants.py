"""What tools/fuzz-compose --variants draws, from an RNG of its own: variants.xml shapes of real
products the case's own draw never makes, and the comps attributes that follow them.

- variant ids with a dash ("Foo-Tools", "High-Availability"; top-level variants mostly: Pungi
  4.3.2 refuses a child's as it starts, and a layered product's parent's as it writes the layered
  product's .treeinfo), never making two uids alike;
- a top-level addon or layered product referenced by a second variant (RHEL 7's HighAvailability
  under Server and ComputeNode), declared on arches wider than either parent: Pungi 4.3.2 makes a
  child of each parent on the arches the two have in common;
- has_optional="true" on a variant declaring its optional child itself (Pungi adds no second one);
- one more top-level variant is_empty (Fedora's image-only variants), <buildinstallpackages> (CentOS
  Stream's variants; read by the buildinstall phase only, which a local compose skips);
- comps arch and variant attributes written as Pungi's comps filter also reads them (values
  separated by ", " or blanks), variant attributes naming the case's real uids (dashed ones too),
  and arch or variant attributes on categories (Pungi's filter leaves them, libcomps drops them).
"""

BUILDINSTALL_PACKAGES = ("kernel", "demo-grub", "demo-shell", "fz-missing")
DASHED_IDS = ("Foo-Tools", "High-Availability", "Resilient-Storage", "Real-Time", "SAP-HANA", "App-Stream",
              "Base-OS")


def reshape(rng, tops, refs, every, variant_class, tree_arches):
    """Change the variants of a case in place (TOPS, REFS and EVERY as fuzz-compose's
    gen_variants returns them; copies made for second references are appended to EVERY)."""
    if rng.random() < 0.5:
        _dash_ids(rng, every)
    if rng.random() < 0.6:
        inline = [v for v in every if v.type in ("addon", "layered-product") and v in v.parent.children]
        if not refs and inline:
            _declare_at_top_level(rng.choice(inline), refs)
        if refs:
            _share_a_ref(rng, tops, refs, every, variant_class, tree_arches)
    with_optional = [v for v in every if any(c.type == "optional" for c in v.children)]
    if with_optional and rng.random() < 0.5:
        rng.choice(with_optional).has_optional = True
    full = [v for v in tops if not v.is_empty]
    if len(full) > 1 and rng.random() < 0.3:
        rng.choice(full).is_empty = True
    for variant in tops:
        if rng.random() < 0.25:
            variant.buildinstallpackages = rng.sample(BUILDINSTALL_PACKAGES, rng.randint(1, 3))


def _uids(every):
    return [v.uid for v in every] + ["%s-optional" % v.uid for v in every if v.has_optional]


def _dash_ids(rng, every):
    for variant in every:
        # a child's dashed id fails both as they start (productmd's uid check): rarely
        if variant.type == "optional" or rng.random() >= (0.4 if variant.type == "variant" else 0.03):
            continue
        # a layered product under a dashed id fails both (Pungi as it writes its .treeinfo): rarely
        layered = any(c.type == "layered-product" for c in variant.children + variant.refs)
        if layered and rng.random() < 0.85:
            continue
        old = variant.id
        variant.id = rng.choice(DASHED_IDS)
        uids = _uids(every)
        siblings = _siblings(variant, every)
        if len(set(uids)) != len(uids) or any(s is not variant and s.id == variant.id for s in siblings):
            variant.id = old


def _siblings(variant, every):
    """The variants whose ids must differ from VARIANT's: top-level ones (and top-level refs) or
    its parent's children."""
    if variant.parent is None or variant in getattr(variant.parent, "refs", ()):
        return [v for v in every if v.parent is None or v in getattr(v.parent, "refs", ())]
    return variant.parent.children + variant.parent.refs


def _declare_at_top_level(child, refs):
    """Make an addon or layered product declared inside its parent a top-level one the parent refers to."""
    child.parent.children.remove(child)
    child.parent.refs.append(child)
    refs.append(child)


def _share_a_ref(rng, tops, refs, every, variant_class, tree_arches):
    shared = rng.choice(refs)
    parents = [v for v in tops if v is not shared.parent and v.type == "variant"
               and all(c.id != shared.id for c in v.children + v.refs)]
    if not parents:
        return
    second = rng.choice(parents)
    extra = rng.sample(tree_arches, rng.randint(0, len(tree_arches)))
    declared = [a for a in tree_arches if a in set(shared.arches) | set(extra)]
    if not set(declared) & set(second.arches):
        declared = [a for a in tree_arches if a in set(declared) | {rng.choice(second.arches)}]
        # (the choice above is drawn anew for each arch, so it may add none: seed 63032 with
        # --variants --multiarch; kept as it is so that other seeds draw what they did)
        if not set(declared) & set(second.arches):
            declared = [a for a in tree_arches if a in set(declared) | {second.arches[0]}]
    shared.declared_arches = declared
    shared.arches = [a for a in declared if a in shared.parent.arches]
    copy = variant_class(shared.id, shared.type, [a for a in declared if a in second.arches])
    copy.parent, copy.shared_with = second, shared
    copy.groups, copy.environments, copy.is_empty = shared.groups, shared.environments, shared.is_empty
    second.refs.append(copy)
    every.append(copy)


def sync_shared(every):
    """Give each second reference its declared variant's name and release (drawn apart)."""
    for variant in every:
        original = getattr(variant, "shared_with", None)
        if original is not None:
            variant.name, variant.release = original.name, original.release


def retarget_comps(rng, comps, uids, arches):
    """Comps attributes naming the case's uids, written as Pungi's filter reads them, and on
    categories."""
    variant_attrs = [e for e in comps.iter() if e.get("variant") is not None]
    for element in variant_attrs:
        if rng.random() < 0.5:
            element.set("variant", _values(rng, rng.sample(uids, rng.randint(1, min(2, len(uids))))))
    for element in comps.iter():
        for attr in ("arch", "variant"):
            value = element.get(attr)
            if value is not None and "," in value and rng.random() < 0.5:
                element.set(attr, _values(rng, value.split(",")))
    for category in comps.findall("category"):
        if rng.random() < 0.3:
            category.set(rng.choice(("arch", "variant")),
                         _values(rng, rng.sample(arches, 1)) if rng.random() < 0.5 else rng.choice(uids))


def _values(rng, values):
    return rng.choice((",", ", ", " ", " , ")).join(values)
