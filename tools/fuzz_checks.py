"""Options tools/fuzz-compose draws last (after its gather options, from the same RNG): the checks
a compose makes and what it leaves out (require_all_comps_packages, repoclosure_strictness,
pkgset_exclusive_arch_considers_noarch, sigkeys of a repo package set, skip_phases, no comps_file),
and with --outputs (from the outputs RNG) the ISO size limits. Not createiso_break_hardlinks: Pungi
4.3.2 then runs /usr/sbin/hardlink, which Debian does not have (its util-linux installs
/usr/bin/hardlink), and fails.
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
