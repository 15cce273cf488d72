"""Pungi's variant-type rules, applied once every variant.arch is solved.

Each child variant was solved on its own (with what the variants it builds on
had as lookaside); then, as Pungi 4.3.2 does after gathering every variant:

* addons, arch by arch and in the order of their uids (Pungi sorts its
  variants so: what one addon moved into the parent is the parent's when the
  next is trimmed): a package its parent has (same name and arch, same
  category) is dropped; one that came in only because its source package is
  the parent's (flag fulltree-exclude) and was not asked for (flag input)
  moves into the parent (Pungi trims the copy each gather source found on its own: one
  found by two sources may move and stay both);
* layered products the same, and they also lose every package named as any
  addon's on any arch, but for source and debug packages, which they keep;
* optional variants lose what their parent has (after the moves) and every
  package named as any addon's or layered product's on any arch; nothing moves: a copy
  an addon's would move into the parent is dropped, as Pungi drops it.

Records are gather's package records ({"name", "arch", "category", "nevra",
"flags", ...}); the result maps (variant uid, arch) to the trimmed lists.
"""

RULES = (("addon", False, True), ("layered-product", True, True), ("optional", True, False))


def trim(tree, solved):
    """{(uid, arch): [record]} after the variant-type rules; TREE is variants.json's list, SOLVED
    the solver's records of every variant.arch."""
    result = {key: list(records) for key, records in solved.items()}
    names = {}  # category -> names kept in the variants trimmed so far
    arches = sorted({arch for _uid, arch in result})
    by_uid = sorted(tree, key=lambda v: v["uid"])
    for kind, remove_earlier, move in RULES:
        remove = {c: set(n) for c, n in names.items()} if remove_earlier else {}
        for arch in arches:
            for v in by_uid:
                if v["type"] == kind and (v["uid"], arch) in result:
                    _trim_one(result, v, arch, remove, names, move)
    return result


def _trim_one(result, v, arch, remove, names, move):
    parent = result[(v["parent"], arch)]
    theirs = {(p["category"], p["name"], p["arch"]) for p in parent}
    kept = []
    for p in result[(v["uid"], arch)]:
        if p["name"] in remove.get(p["category"], ()):
            if v["type"] == "layered-product" and p["category"] in ("source", "debug"):
                kept.append(p)  # users may not have the addons: their sources and debuginfo stay here
        elif (p["category"], p["name"], p["arch"]) in theirs:
            continue
        else:
            copies = [_moves(flags) for flags in [p["flags"]] + p.get("also_flags", [])]
            if move and any(copies):
                if p["nevra"] not in {q["nevra"] for q in parent if q["category"] == p["category"]}:
                    parent.append(p)
            if not all(copies):
                kept.append(p)
                names.setdefault(p["category"], set()).add(p["name"])
    result[(v["uid"], arch)] = kept


def _moves(flags):
    """Whether Pungi moves a child's copy of a package with FLAGS into the parent (an optional
    variant's is dropped): it came in only because its source package is the parent's."""
    return "fulltree-exclude" in flags and "input" not in flags
