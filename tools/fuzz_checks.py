"""Options tools/fuzz-compose draws last (after its gather options, from the same RNG): the checks
a compose makes and what it leaves out (require_all_comps_packages, repoclosure_strictness,
pkgset_exclusive_arch_considers_noarch, sigkeys of a repo package set, skip_phases, no comps_file),
and with --outputs (from the outputs RNG) the ISO size limits; with --failable (from an RNG of
its own, after every other option) images failing as they are made and those allowed to fail.
Not createiso_break_hardlinks: Pungi 4.3.2 then runs /usr/sbin/hardlink, which Debian does not
have (its util-linux installs /usr/bin/hardlink), and fails.
"""

STRICTNESS = ("off", "lenient", "fatal")
# phases a local compose from repos may skip without leaving a later phase without its input
SKIPPABLE = ("createiso", "extra_files", "image_checksum", "repoclosure", "test", "buildinstall")


def gen_checks(rng, variants, pattern):
    """[(name, value)]; PATTERN(rng, variants) draws a variant regex."""
    conf = []
    if rng.random() < 0.2:
        conf.append(("require_all_comps_packages", True))
    if rng.random() < 0.25:
        conf.append(("repoclosure_strictness", [(pattern(rng, variants), {"*": rng.choice(STRICTNESS)})
                                                for _ in range(rng.randint(1, 2))]))
    if rng.random() < 0.1:
        conf.append(("pkgset_exclusive_arch_considers_noarch", False))
    if rng.random() < 0.1:
        conf.append(("sigkeys", rng.choice(([None, "deadbeef"], ["deadbeef"], [""], ["deadbeef", None]))))
    if rng.random() < 0.15:
        conf.append(("skip_phases", sorted(rng.sample(SKIPPABLE, rng.randint(1, 3)))))
    # Pungi 4.3.2's deps gather of an addon, layered product or optional variant reads the comps
    # repo of its parent, which it makes only from a comps file: with none it fails
    if rng.random() < 0.08 and all(v.type == "variant" for v in variants):
        conf.append(("comps_file", None))
    return conf


def gen_iso_limits(rng, variants, pattern):
    """createiso_max_size (strict or not), as [(name, value)]."""
    conf = []
    if rng.random() < 0.25:
        regex = pattern(rng, variants)
        conf.append(("createiso_max_size", [(regex, {"*": rng.choice((1000, 3000000, 10 ** 10))})]))
        if rng.random() < 0.5:
            conf.append(("createiso_max_size_is_strict", [(rng.choice((regex, ".*")), {"*": True})]))
    return conf


def gen_failable(rng, variants, pattern, conf):
    """--failable: images failing as they are made, some of them allowed to, as [(name, value)]
    to append to CONF (the options drawn so far). An image fails with iso_level 4 made by
    genisoimage, which refuses it with -input-charset (both tools pass that on all but ppc
    images); failable_deliverables "iso" lets a variant.arch's images fail, an extra_isos block's
    failable_arches its extra ISOs (an is_empty owner's too). Not a size limit: both tools check
    it after the images are made, failable or not."""
    conf_now = dict(conf)
    result = []
    if rng.random() < 0.7:
        result += [("iso_level", 4), ("createiso_use_xorrisofs", False)]
    arches = sorted({arch for v in variants for arch in v.arches})
    roll = rng.random()
    if roll < 0.5:
        result.append(("failable_deliverables", [(".*", {"*": ["iso"], "src": ["iso"]})]))
    elif roll < 0.85:
        entries = []
        for _ in range(rng.randint(1, 2)):
            keys = rng.sample(["*", "src"] + arches, rng.randint(1, 2))
            entries.append((pattern(rng, variants), {key: rng.choice((["iso"], ["buildinstall", "iso"]))
                                                     for key in keys}))
        result.append(("failable_deliverables", entries))
    extra_isos = conf_now.get("extra_isos")
    if extra_isos:
        blocks = {}
        for owner, owner_blocks in extra_isos.items():
            blocks[owner] = []
            for block in owner_blocks:
                block = dict(block)
                if rng.random() < 0.7:
                    candidates = block.get("arches") or arches
                    block["failable_arches"] = sorted(rng.sample(candidates + ["src"],
                                                                 rng.randint(1, len(candidates) + 1)))
                blocks[owner].append(block)
        result.append(("extra_isos", blocks))
    return result
