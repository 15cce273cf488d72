"""What tools/fuzz-compose --realconf draws, from an RNG of its own and last (a seed's other inputs
stay the same): options real configs (Fedora, ELN, EPEL, CentOS Stream, the RHEL rebuilds) carry
that no other draw makes, and the config split over included files as they write it.

- The installer: buildinstall_method "lorax" with the buildinstall phase in skip_phases (as the
  ELN and EPEL configs compose; the oracle skips it anyway): createiso then skips the trees it
  would make bootable, extra ISOs are bootable; lorax_options, buildinstall_skip (trees getting
  plain ISOs again), the deprecated `bootable`.
- Options a local compose from repos leaves unused but real configs set: runroot and the image
  phases' global_* fallbacks, gather_backend and repoclosure_backend "dnf", createrepo_num_threads,
  createrepo_enable_cache, signed_packages_retries/wait, the *_allow_reuse switches, the deprecated
  gather_source; and createrepo_deltas (refused by both without an old compose when true).
- The layout: some options moved into an included file (`from common import *`, a file in a
  folder, `from shared/x import a, b` naming what it takes, an include including another), some
  set there to a decoy the main file overrides after the import, relative paths left as they
  were (both tools read them against the main config's folder).
"""

import os

INSTALLER_LORAX_OPTIONS = ({"nomacboot": True, "noupgrade": True}, {"rootfs_size": 3},
                           {"bugurl": "https://bugs.fuzz.example.com", "nomacboot": False},
                           {"add_template": ["fuzz.tmpl"], "add_template_var": ["a=b"]})
# (name, values) set by real configs and unused by a local compose from repos
UNUSED = (
    ("runroot_tag", ("fz-build", "f40-build")), ("runroot_channel", ("compose", "image")),
    ("runroot_weights", ({"buildinstall": 123, "createiso": 2.5},)),
    ("global_runroot_method", ("local",)), ("runroot_method", ("local", {"createiso": "local"})),
    # a commit, not "#HEAD": Pungi resolves HEAD and branches with git ls-remote as it validates
    ("global_ksurl", ("git+https://git.fuzz.example.com/kickstarts.git?#5f4a3c2e1d0b9a8f7e6d5c4b3a291807f6e5d4c3",)),
    ("global_target", ("fz-candidate",)), ("global_release", ("!RELEASE_FROM_LABEL_DATE_TYPE_RESPIN", None)),
    ("global_version", ("1", "Rawhide")),
    ("gather_backend", ("dnf",)), ("repoclosure_backend", ("dnf",)),
    ("createrepo_num_threads", (1, 4, 8)), ("createrepo_enable_cache", (True, False)),
    ("signed_packages_retries", (0, 2)), ("signed_packages_wait", (1, 30)),
    ("pkgset_allow_reuse", (True, False)), ("gather_allow_reuse", (True, False)),
    ("createiso_allow_reuse", (True, False)), ("extraiso_allow_reuse", (True, False)),
    ("buildinstall_allow_reuse", (True, False)), ("buildinstall_use_guestmount", (True, False)),
    ("gather_source", ("comps",)),
)


def gen_realconf(rng, variants, pattern, conf):
    """[(name, value)] to add to CONF (the case's options so far)."""
    options = dict(conf)
    added = []
    if rng.random() < 0.5:
        added += installer(rng, variants, pattern, options)
    for name, values in UNUSED:
        if rng.random() < 0.2:
            value = rng.choice(values)
            if value is not None:
                added.append((name, value))
    drawn = dict(added)
    if drawn.get("signed_packages_retries"):
        # Pungi 4.3.2 sleeps signed_packages_wait before each retry of every RPM without a signed
        # copy, sigkeys allowing unsigned ones or not: 20 minutes a case at 30 s (7752, 7754)
        added = [(n, v) for n, v in added if n != "signed_packages_wait"] + [("signed_packages_wait", 1)]
    if "runroot_tag" in drawn and "runroot_method" not in drawn and rng.random() < 0.8:
        # runroot_tag alone makes every runroot a Koji task (Pungi 4.3.2), which a local compose
        # cannot run: mostly the method is set too, as real configs set it
        added.append(("runroot_method", "local"))
    if rng.random() < 0.2:
        added.append(("createrepo_deltas", rng.choice((False, False, False, True,
                                                       [(pattern(rng, variants), {"*": True})]))))
    return added


def installer(rng, variants, pattern, options):
    """buildinstall_method with the phase skipped. Pungi then makes bootable images without boot
    files, which fail: mostly every tree is kept from booting (buildinstall_skip ".*", a second
    entry matching too now and then, which Pungi takes for "not skipped") or its ISOs made
    failable, and extra ISOs (bootable whatever buildinstall_skip says) failable on every arch."""
    added = [("buildinstall_method", "lorax"),
             ("skip_phases", sorted(set(options.get("skip_phases") or ()) | {"buildinstall"}))]
    if rng.random() < 0.4:
        added.append(("lorax_options", [(pattern(rng, variants), {"*": rng.choice(INSTALLER_LORAX_OPTIONS)})]))
    arches = sorted({a for v in variants for a in v.arches})
    roll = rng.random()
    if roll < 0.45:
        skip = [(".*", {"*": True})]
        if rng.random() < 0.15:
            skip.append((pattern(rng, variants), {rng.choice(["*"] + arches): True}))
        added.append(("buildinstall_skip", skip))
    elif roll < 0.7:
        added.append(("failable_deliverables", list(options.get("failable_deliverables") or ())
                      + [(".*", {"*": ["iso"]})]))
    else:
        keys = ["*"] if rng.random() < 0.5 else rng.sample(arches, rng.randint(1, len(arches)))
        added.append(("buildinstall_skip", [(pattern(rng, variants), {k: True for k in keys})
                                            for _ in range(rng.randint(1, 2))]))
    if options.get("extra_isos") and rng.random() < 0.6:
        added.append(("extra_isos", {owner: [dict(block, failable_arches=sorted(set(block.get("arches") or arches)
                                                                                  | {"src"}))
                                             for block in blocks]
                                     for owner, blocks in options["extra_isos"].items()}))
    if rng.random() < 0.1:
        added.append(("bootable", True))
    if rng.random() < 0.2:
        added.append(("iso_hfs_ppc64le_compatible", False))
    return added


# --- layout ----------------------------------------------------------------------------------------

def _decoy(value):
    """A value of VALUE's type the main file overrides, or None when none is drawn for it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return "decoy-" + value
    if isinstance(value, int):
        return value + 1
    return None


def write_layout(rng, case_dir, conf, main_name="fuzz.conf"):
    """Write CONF ([(name, value)]) as CASE_DIR/MAIN_NAME, mostly with some options in included
    files (MAIN_NAME ending in .in: theirs too); the names of the files written (relative to
    CASE_DIR)."""
    if rng.random() < 0.3:
        _write(case_dir, main_name, conf)
        return [main_name]
    suffix = ".in" if main_name.endswith(".in") else ""
    shape = rng.choice(("same", "folder", "named", "chain"))
    moved = [item for item in conf if rng.random() < 0.5]
    decoys = {}
    for name, value in moved:
        decoy = _decoy(value)
        if decoy is not None and rng.random() < 0.2:
            decoys[name] = decoy
    # the included file sets the decoy, the main file the real value after the import
    included = [(n, decoys.get(n, v)) for n, v in moved]
    own = [item for item in conf if item not in moved]
    overridden = [item for item in conf if item[0] in decoys]
    written = [main_name]
    if shape == "same":
        written.append(_write(case_dir, "common.conf" + suffix, included))
        imports = ["from common import *"]
    elif shape == "folder":
        written.append(_write(case_dir, "shared/fz-common.conf" + suffix, included))
        imports = ["from shared/fz-common import *"]
    elif shape == "named":
        # it names the options it takes; the file sets one more (a decoy) it leaves behind
        left = [(n, _decoy(v)) for n, v in own if _decoy(v) is not None][:1]
        written.append(_write(case_dir, "shared/fz-named.conf" + suffix, included + left))
        names = [n for n, _v in included]
        imports = ["from shared/fz-named import %s" % ", ".join(names)] if names else []
    else:
        half = len(included) // 2
        written.append(_write(case_dir, "shared/base.conf" + suffix, included[:half]))
        # kobo reads an include's include against the including file's folder
        written.append(_write(case_dir, "shared/fz-common.conf" + suffix, included[half:], ["from base import *"]))
        imports = ["from shared/fz-common import *"]
    before = [item for item in own if rng.random() < 0.3]
    after = [item for item in own if item not in before] + overridden
    _write(case_dir, main_name, before, [], imports + ["%s = %r" % item for item in after])
    return written


def _write(case_dir, name, conf, head=(), tail=()):
    """Write CONF ([(name, value)]) into CASE_DIR/NAME between the lines HEAD and TAIL; NAME."""
    path = os.path.join(case_dir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(list(head) + ["%s = %r" % item for item in conf] + list(tail)) + "\n")
    return name
