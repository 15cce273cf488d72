"""The compose command line tools/fuzz-compose --command draws, from an RNG of its own (a seed's
other inputs stay the same): the compose type and label release engineers compose with (Fedora's
and CentOS Stream's production composes with a milestone label, `--supported`, RHEL rebuilds'
`--production --no-label`, test and ci composes, nightlies), both tools given the same arguments;
with a label, sometimes image names and volume ids that carry it ({label}, {label_major_version}).
"""

# productmd's label milestones (those making a compose "final" too: RC, Update, SecurityFix)
LABELS = ("RC-1.0", "RC-2.3", "Beta-1.0", "Beta-10.2", "Alpha-0.1", "Update-1.1", "SecurityFix-3.0",
          "Snapshot-1.2", "EA-1.0", "InternalSnapshot-2.1", "DevelPhaseExit-1.0")
LABELLED_IMAGE_NAMES = (
    "{release_short}-{version}-{label}-{variant}-{arch}-{disc_type}{disc_num}{suffix}",
    "{release_short}-{label_major_version}-{variant}-{arch}-{disc_type}{disc_num}{suffix}",
    "%(release_short)s-%(label)s-%(variant)s-%(arch)s-%(disc_type)s%(disc_num)s%(suffix)s",
)
LABELLED_VOLIDS = (
    ["{release_short}-{label} {variant}.{arch}", "{release_short}-{label_major_version} {arch}"],
    ["{release_short}-{version}-{label_major_version} {variant}.{arch}", "{release_short} {arch}"],
)


def gen_command(rng):
    """The arguments of pungi-koji and punji-compose naming the compose type and label."""
    roll = rng.random()
    if roll < 0.25:
        args = ["--nightly"]
    elif roll < 0.4:
        args = ["--test"]
    elif roll < 0.47:
        args = ["--ci"]
    elif roll < 0.6:
        args = ["--production", "--no-label"]
    else:
        args = ["--production"]
    if args == ["--production"] or rng.random() < 0.15:
        args += ["--label", rng.choice(LABELS)]
    if rng.random() < 0.3:
        args.append("--supported")
    return args


def labelled_outputs(rng, args, outputs):
    """[(name, value)] of image names and volume ids carrying the label of ARGS (none without a
    label or OUTPUTS)."""
    if "--label" not in args or not outputs:
        return []
    conf = []
    if rng.random() < 0.4:
        conf.append(("image_name_format", rng.choice(LABELLED_IMAGE_NAMES)))
    if rng.random() < 0.4:
        conf.append(("image_volid_formats", rng.choice(LABELLED_VOLIDS)))
    return conf
