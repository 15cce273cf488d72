"""The output options tools/fuzz-compose --outputs draws: those that shape what tools/fidelity-compare
compares (composeinfo, images.json, .treeinfo, .discinfo, media.repo, extra_files.json, repodata,
ISO contents).

They come from an RNG of their own (seeded from the case's seed), so the variants, comps and gather
options of a seed are the same with --outputs as without.
"""

import os
import re

RELEASE_NAMES = ("Fuzz Linux", "Fuzz", "Fuzz Enterprise Linux Server", "Fuzz Linux Ünïcode")
RELEASE_SHORTS = ("FZ", "fuzz", "fz-lab", "FuzzOS")
RELEASE_VERSIONS = ("1", "8.4", "10.0.1", "Rawhide", "42")
RELEASE_TYPES = ("ga", "ga", "updates", "updates-testing", "eus", "aus", "els", "tus", "e4s", "fast")
IMAGE_NAME_FORMATS = (
    "{release_short}-{version}-{variant}-{arch}-{disc_type}{disc_num}{suffix}",
    "%(release_short)s-%(variant)s-%(arch)s-%(disc_type)s%(disc_num)s%(suffix)s",
    "{compose_id}-{variant}-{arch}-{disc_type}{disc_num}{suffix}",
    "{release_short}-{variant}-{version}-{arch}{type_suffix}-{disc_type}{disc_num}{suffix}",
    "{release_short}-{label_major_version}-{variant}-{arch}-{disc_type}{disc_num}{suffix}",
    "{release_short}-{date}.{respin}-{variant}-{arch}-{type}-{disc_type}{disc_num}{suffix}",
)
VOLID_FORMATS = (
    ["{release_short}-{version} {variant}.{arch}", "{release_short}-{version} {arch}"],
    ["{release_short} {variant} {arch}"],
    ["%(release_short)s-%(version)s %(variant)s.%(arch)s %(disc_type)s", "%(release_short)s %(arch)s"],
    ["{release_short}-{version}-{date} {variant}.{arch} {type}", "{release_short}-{version} {arch}"],
    ["{release_short}-{version} {variant} {variant} {variant}.{arch}", "{release_short} {arch}"],
)
LAYERED_VOLID_FORMATS = (
    ["{release_short}-{version} {base_product_short}-{base_product_version} {variant}.{arch}",
     "{release_short}-{version} {base_product_short}-{base_product_version} {arch}"],
    ["{release_short} {base_product_short}{base_product_version} {variant}.{arch}"],
    ["%(release_short)s-%(base_product_short)s %(arch)s"],
)
VOLID_SUBSTITUTIONS = {"Server": "S", "Workstation": "WS", "Everything": "E", "x86_64": "x64", "Fuzz": "F",
                       "Beta": "B", "-": "_", "1": "one"}
CHECKSUM_BASE_FILENAMES = (
    "", "%(release_short)s-%(variant)s-%(version)s-%(arch)s",
    "%(release_short)s-%(variant)s-%(version)s-%(date)s%(type_suffix)s.%(respin)s",
    "{release_short}-{variant}-{version}-{arch}",
)
EXTRA_FILES = {"README.fuzz": "Read me.\n", "GPL": "Not the GPL.\n", "docs/notes.txt": "Notes\n",
               "docs/deep/more.txt": "More\n"}


def variant_names(rng, variants):
    """{variant: its name in variants.xml}."""
    choices = ("{id} Name", "Fuzz {id}", "{id}", "{id} (Beta)", "Ünïcode {id}")
    return {v: rng.choice(choices).format(id=v.id) for v in variants}


def layered_release(rng, variant):
    """(name, short, version) of a layered product variant."""
    return (rng.choice(("Layer " + variant.id, "Fuzz Layer")), rng.choice(("L" + variant.id, "lay")),
            rng.choice(("3", "3.1", "10")))


def release_options(rng):
    conf = [("release_name", rng.choice(RELEASE_NAMES)), ("release_short", rng.choice(RELEASE_SHORTS)),
            ("release_version", rng.choice(RELEASE_VERSIONS)), ("release_type", rng.choice(RELEASE_TYPES))]
    if rng.random() < 0.3:
        conf += [("base_product_name", rng.choice(("Base OS", "Fuzz Base"))),
                 ("base_product_short", rng.choice(("BOS", "base"))),
                 ("base_product_version", rng.choice(("9", "9.2", "Rawhide")))]
        if rng.random() < 0.5:
            conf.append(("base_product_type", rng.choice(("ga", "updates", "eus"))))
        if rng.random() < 0.5:
            conf.append(("release_is_layered", True))
    if rng.random() < 0.2:
        conf.append(("release_discinfo_description", rng.choice(("%(variant_name)s for %(arch)s", "Fuzz disc"))))
    if rng.random() < 0.15:
        conf.append(("treeinfo_version", rng.choice(("7", "1.0.1"))))
    if rng.random() < 0.15:
        conf.append(("release_internal", True))
    return conf


def image_options(rng, variants, pattern):
    """Image names, volume ids and ISO making."""
    conf = []
    roll = rng.random()
    if roll < 0.3:
        conf.append(("image_name_format", rng.choice(IMAGE_NAME_FORMATS)))
    elif roll < 0.5:
        conf.append(("image_name_format", {pattern(rng, variants): rng.choice(IMAGE_NAME_FORMATS)
                                           for _ in range(rng.randint(1, 2))}))
    if rng.random() < 0.4:
        conf.append(("image_volid_formats", rng.choice(VOLID_FORMATS)))
    if rng.random() < 0.3:
        conf.append(("image_volid_layered_product_formats", rng.choice(LAYERED_VOLID_FORMATS)))
    if rng.random() < 0.3:
        keys = rng.sample(sorted(VOLID_SUBSTITUTIONS), rng.randint(1, 3))
        conf.append(("volume_id_substitutions", {k: VOLID_SUBSTITUTIONS[k] for k in keys}))
    if rng.random() < 0.3:
        conf.append(("restricted_volid", True))
    if rng.random() < 0.2:
        conf += [("iso_size", rng.choice(("2M", "3M", 2500000))), ("split_iso_reserve", rng.choice(("256k", "100k", "1M")))]
    conf.append(("createiso_skip", iso_skip(rng, variants, pattern)))
    # not createiso_break_hardlinks: Pungi runs /usr/sbin/hardlink, which this host lacks
    for option in ("create_optional_isos", "createiso_use_xorrisofs"):
        if rng.random() < 0.2:
            conf.append((option, True))
    if rng.random() < 0.15:
        conf.append(("disc_types", {"dvd": "DVD", "boot": "netinst"}))
    if rng.random() < 0.15:
        # not 1 or 2: genisoimage fails both tools on the demo's long file names
        level = rng.choice((3, 4))
        conf.append(("iso_level", level))
        if level == 4:
            # genisoimage refuses level 4 with -input-charset, which both tools pass on all but
            # ppc images (product-less: test_createiso); xorriso takes both
            conf.append(("createiso_use_xorrisofs", True))
    return conf


def iso_skip(rng, variants, pattern):
    """createiso_skip: mostly some images made."""
    roll = rng.random()
    if roll < 0.3:
        return []
    if roll < 0.6:
        return [(".*", {"src": True})]
    if roll < 0.85:
        return [(pattern(rng, variants), {"*": True, "src": True})]
    return [(".*", {"*": True, "src": True}), (pattern(rng, variants), {"*": False})]


def checksum_options(rng):
    kinds = sorted(rng.sample(("md5", "sha1", "sha256", "sha512"), rng.choice((1, 1, 2, 3))))
    conf = [("media_checksums", kinds)]
    one_file = len(kinds) == 1 and rng.random() < 0.5
    if one_file:
        conf.append(("media_checksum_one_file", True))
    if rng.random() < 0.4:
        # dirname: a substitution of the one-file name only
        extra = ("%(compose_id)s-%(dirname)s",) if one_file else ()
        conf.append(("media_checksum_base_filename", rng.choice(CHECKSUM_BASE_FILENAMES + extra)))
    return conf


def write_extra_files(case_dir):
    """Write the files extra_files and extra_isos take into CASE_DIR/extra; its absolute path."""
    top = os.path.join(case_dir, "extra")
    for name, text in EXTRA_FILES.items():
        path = os.path.join(top, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return top


def scm_entry(rng, top, with_dir=True):
    """An scm dict; without WITH_DIR one putting no directory into the tree (neither a "dir" nor
    a "target" directory)."""
    if with_dir and rng.random() < 0.25:
        entry = {"scm": "file", "repo": "", "dir": os.path.join(top, "docs")}
    else:
        entry = {"scm": "file", "repo": "", "file": os.path.join(top, rng.choice(("README.fuzz", "GPL")))}
    if rng.random() < 0.5:
        target = rng.choice(("docs", "a/b", ""))
        if with_dir or not target:
            entry["target"] = target
    return entry


def scm_entries(rng, top, with_dir=True):
    """One or two entries (a twin copying a directory onto itself fails Pungi: left out)."""
    entries = []
    for _ in range(rng.randint(1, 2)):
        entry = scm_entry(rng, top, with_dir)
        if entry not in entries:
            entries.append(entry)
    return entries


def extra_options(rng, variants, pattern, case_dir):
    """extra_files and extra_isos."""
    conf = []
    top = None
    if rng.random() < 0.35:
        top = write_extra_files(case_dir)
        entries = []
        for _ in range(rng.randint(1, 2)):
            arch = rng.choice(("*", "*", "x86_64", "i386"))
            regex = pattern(rng, variants)
            # Pungi fails (File exists) copying a directory into a tree holding it: an addon's
            # files go into its parent's tree, so no directory (nor a file's target directory,
            # fuzz-compose --repos --outputs seed 15102) for patterns matching an addon
            with_dir = not any(v.type == "addon" and re.match(regex, v.uid) for v in variants)
            entries.append((regex, {arch: scm_entries(rng, top, with_dir)}))
        conf.append(("extra_files", entries))
    tops = [v for v in variants if v.type == "variant"]
    if rng.random() < 0.3:
        top = top or write_extra_files(case_dir)
        owner = rng.choice(tops)
        # Pungi 4.3.2 fails on a dash in an included variant's id
        others = [v.uid for v in variants if v is not owner and "-" not in v.uid]
        block = {"include_variants": rng.sample(others, rng.randint(0, min(2, len(others))))}
        if rng.random() < 0.5:
            block["arches"] = sorted(rng.sample(owner.arches, rng.randint(1, len(owner.arches))))
        if rng.random() < 0.85:  # else the name of the variant's own ISO, which punji refuses
            block["filename"] = rng.choice(("{release_short}-{version}-{variant}-{arch}-extras{suffix}",
                                            "%(variant)s-%(arch)s-extra.iso"))
        if rng.random() < 0.5:
            block["volid"] = rng.choice(("{release_short} {variant}.{arch} x", "%(variant)s-%(arch)s"))
        for key in ("skip_src", "inherit_extra_files"):
            if rng.random() < 0.4:
                block[key] = rng.random() < 0.7
        if rng.random() < 0.2:
            block["max_size"] = rng.choice((1000, 10 ** 10))
        if rng.random() < 0.5:
            block["extra_files"] = scm_entries(rng, top)
        conf.append(("extra_isos", {"^%s$" % owner.uid: [block]}))
    if rng.random() < 0.15:
        conf.append(("symlink_isos_to", os.path.join(case_dir, "isos")))
    return conf


def source_extra_files(rng, variants, pattern, conf, case_dir):
    """[(name, value)] to add to CONF (options [(name, value)]), from a stream of its own (a
    seed's other options stay): sometimes extra_files entries keyed "src", which Pungi 4.3.2
    copies into the source tree ("*" does not cover src), and an extra ISO including an addon
    of another variant (whose package directory is its repository)."""
    added = _addon_included(rng, variants, conf)
    if rng.random() >= 0.3:
        return added
    top = write_extra_files(case_dir)
    entries = list(dict(conf).get("extra_files") or [])
    # one pattern: two matching one variant may copy a directory twice, which fails Pungi
    # ("File exists") and punji alike (fuzz-compose --outputs ... seed 20863 as 26661e8 drew it)
    regex = pattern(rng, variants)
    # an addon's files go into its parent's source tree: no directory there (see extra_options)
    with_dir = not any(v.type == "addon" and re.match(regex, v.uid) for v in variants)
    entries.append((regex, {"src": scm_entries(rng, top, with_dir)}))
    return added + [("extra_files", entries)]


def _addon_included(rng, variants, conf):
    """[("extra_isos", value)] whose first block also includes an addon of a variant other than
    its owner (Pungi fails on one of the owner's: its tree's .treeinfo lists it), or []."""
    isos = dict(conf).get("extra_isos")
    if not isos or rng.random() >= 0.4:
        return []
    owner, blocks = next(iter(isos.items()))
    addons = [v.uid for v in variants if v.type == "addon" and v.parent.uid != owner[1:-1]
              and v.uid not in blocks[0]["include_variants"]]
    if not addons:
        return []
    block = dict(blocks[0], include_variants=list(blocks[0]["include_variants"]) + [rng.choice(addons)])
    return [("extra_isos", dict(isos, **{owner: [block] + list(blocks[1:])}))]


def repodata_options(rng, case_dir):
    conf = []
    if rng.random() < 0.4:
        # not "sha", which Pungi 4.3.2 refuses (four choices all the same: the seeds' cases stay)
        conf.append(("createrepo_checksum", rng.choice(("sha1", "sha256", "sha256", "sha512"))))
    if rng.random() < 0.3:
        conf.append(("createrepo_use_xz", True))
    if rng.random() < 0.25:
        conf.append(("createrepo_database", rng.random() < 0.6))
    if rng.random() < 0.3:
        conf.append(("createrepo_extra_args", rng.choice((
            ["--distro", "cpe:/o:fuzz:fz:1,Fuzz Linux"], ["--content", "binary", "--repo", "fuzz"],
            ["--revision", "7"], ["--distro", "Fuzz"]))))
    if rng.random() < 0.2:
        conf.append(("createrepo_num_workers", rng.randint(1, 4)))
    if rng.random() < 0.15:
        conf.append(("translate_paths", [(case_dir, "http://fuzz.example.com/composes")]))
    if rng.random() < 0.4:
        conf.append(("link_type", rng.choice(("hardlink", "copy", "hardlink-or-copy", "symlink", "abspath-symlink"))))
    return conf


def _skipped(skip, uid):
    """Whether createiso_skip SKIP skips every tree of variant UID, as Pungi reads it (the values
    of the entries matching it exactly [True]; entries here key "*" and "src" only)."""
    return all([data[key] for regex, data in skip if re.match(regex, uid) and key in data] == [True]
               for key in ("*", "src"))


def _sparing(regex, uids):
    """REGEX matching (re.match, as Pungi) what it did but the variants UIDS; itself when it
    matches none of them (a seed's other cases keep their configs)."""
    if not any(re.match(regex, uid) for uid in uids):
        return regex
    # no re.escape: kobo's config parser keeps a backslash of a string as two; uids hold no metacharacter
    return "".join("(?!%s$)" % uid for uid in uids) + regex


def gen_outputs(rng, variants, pattern, case_dir):
    """The output options as [(name, value)]; PATTERN(rng, variants) draws a variant regex."""
    conf = (release_options(rng) + image_options(rng, variants, pattern) + checksum_options(rng)
            + extra_options(rng, variants, pattern, case_dir) + repodata_options(rng, case_dir))
    options = dict(conf)
    skip = list(options["createiso_skip"])
    for owner in options.get("extra_isos") or ():
        # an extra ISO next to its variant's own DVD has the same productmd identity: both tools
        # fail; skipped where no entry matches yet (two matching True values skip nothing)
        matched = {key for regex, data in skip if re.match(regex, owner[1:-1]) for key in data}
        missing = {key: True for key in ("*", "src") if key not in matched}
        if missing:
            skip.append((owner, missing))
        elif not _skipped(skip, owner[1:-1]):
            # Pungi skips a tree only when the entries matching it say exactly [True]: else both
            # images get one file name and which one Pungi records depends on its phases' timing
            # (fuzz-compose --repos --multiarch seed 42103): the owner is left to an entry of its own
            skip = [(_sparing(regex, [owner[1:-1]]), data) for regex, data in skip] + [(owner, {"*": True, "src": True})]
    layered = [v for v in variants if v.type == "layered-product"]
    name_format = options.get("image_name_format")
    if layered and name_format and "{compose_id}" not in str(name_format):
        # a layered product's images get its parent's names without the compose id: Pungi makes
        # both in one work directory, mixing their files. Pungi skips a tree only when every
        # entry matching it says True, so the entries before leave the layered products out
        uids = [v.uid for v in layered]
        skip = [(_sparing(regex, uids), data) for regex, data in skip]
        skip += [("^%s$" % uid, {"*": True, "src": True}) for uid in uids]
    conf.append(("createiso_skip", skip))
    if options.get("extra_isos") and options.get("symlink_isos_to"):
        # Pungi crashes when its extra ISO phase makes the iso directory createiso wants as a link
        conf = [(k, v) for k, v in conf if k != "symlink_isos_to"]
    return conf
