"""Fewer of the shapes that stop both tools before a compose is compared, for
tools/fuzz-compose-koji --finish, from an RNG of its own ("finish-SEED", drawn after every other
draw: without the flag a seed's inputs stay as they were). Each shape is still left now and then.

Counted over the both-failed cases of 2026-12-07 (5) and (6) (tests/data/fidelity/README.md), the
stops this takes away, most common first:
- RPMs without a copy under any key of sigkeys: the builds lacking one are signed with a listed
  key (which one drawn, so the order of sigkeys still chooses among copies); sigkeys naming keys
  only as long ids get the plain key after them;
- variant_as_lookaside pairs whose variant has arches its lookaside variant lacks, or that name
  a variant tree_variants leaves out: dropped;
- check_deps True (unresolved dependencies): mostly False;
- repoclosure_strictness "fatal": mostly "lenient";
- createiso_max_size_is_strict: mostly dropped;
- module builds without a modulemd.<arch>.txt for i686 (both refuse a variant on i386 then):
  mostly given one;
- extra_isos of an is_empty variant (it has no tree): mostly dropped;
- gather_method dicts without a method for a source a variant uses (comps, json, module): mostly
  given one;
- tree_arches or tree_variants leaving no variant tree (a compose of nothing): mostly dropped;
- <module> entries of the variants file that no module build Pungi reads matches (deleted,
  finished after koji_event, old, or none at all: Pungi's search fails), or that match a deleted
  one: mostly dropped;
- createrepo_deltas (no old compose to make deltas against): mostly dropped;
- pkgset_koji_module_builds naming a stream with "-" (no such build for Pungi): mostly dropped;
- scratch tasks in a nightly compose (Pungi takes them in test composes only): mostly a test one;
- link_type symlink beside a scratch task (Pungi hard-links a task's RPM, then symlinks over it:
  File exists): mostly hardlink-or-copy.
"""

import fnmatch
import os
import re
import xml.etree.ElementTree as ET

import fuzz_modules

KEY = re.compile(r"@KOJI_SIGKEY_([A-Z])(?:_UPPER)?@")


def finish(rng, fixture, conf, builds, variants, modules, case_dir):
    """CONF ([(name, value)]) with fewer stops; FIXTURE's steps (and the module files under
    CASE_DIR) changed where the stop is in the hub's data. BUILDS: [(pool, nvr, name)];
    VARIANTS: fuzz-compose Variants (every one, optional ones too); MODULES: fuzz_modules builds
    or None."""
    conf = list(conf)
    if rng.random() < 0.9:
        conf = _some_key_naming_copies(conf, fixture)
        _sign_unsigned(rng, fixture, dict(conf), builds)
    conf = _fitting_lookaside(rng, conf, variants)
    conf = _some_tree_left(rng, conf, variants)
    conf = [_lenient(rng, name, value) for name, value in conf]
    conf = [(n, v) for n, v in conf if n != "createiso_max_size_is_strict" or rng.random() < 0.15]
    conf = _no_empty_extra_isos(rng, conf, variants)
    conf = [(n, _every_source(rng, v) if n == "gather_method" else v) for n, v in conf]
    conf = [(n, v) for n, v in conf if n != "createrepo_deltas" or rng.random() < 0.15]
    conf = [(n, v) for n, v in conf
            if n != "pkgset_koji_module_builds" or not _dashed_stream(v) or rng.random() < 0.15]
    if fixture.scratch and fixture.compose_type != "test" and rng.random() < 0.85:
        fixture.compose_type = "test"
        with open(os.path.join(case_dir, "compose-type"), "w") as f:
            f.write("test\n")
    if fixture.scratch and dict(conf).get("link_type") == "symlink" and rng.random() < 0.85:
        conf = [(n, "hardlink-or-copy" if n == "link_type" else v) for n, v in conf]
    if modules:
        _modulemd_for_i686(rng, fixture, modules, case_dir)
        _no_module_entry_matching_nothing(rng, fixture, modules, case_dir)
    return conf


def listed_signers(sigkeys, signers):
    """The hub's signers (letters) sigkeys names, in its order."""
    found = []
    for key in sigkeys or ():
        match = KEY.fullmatch(key or "")  # a long id ending in a key names no copy
        if match and match.group(1).lower() in signers and match.group(1).lower() not in found:
            found.append(match.group(1).lower())
    return found


def _some_key_naming_copies(conf, fixture):
    """CONF with the plain key added after sigkeys written only as long ids (which name no copy)."""
    sigkeys = dict(conf).get("sigkeys") or [None]
    if any(not key for key in sigkeys) or listed_signers(sigkeys, fixture.signers):
        return conf
    plain = [KEY.search(key).group(0) for key in sigkeys if KEY.search(key)]
    if not plain:
        return conf
    return [(n, list(v) + plain[:1] if n == "sigkeys" else v) for n, v in conf]


def _written(steps):
    """{signer: [NVR globs]} of the signed copies STEPS write (and none pruned after)."""
    written = {}
    for step in steps:
        if "sign" in step and step.get("write", True):
            written.setdefault(step["sign"], []).extend(step["builds"])
        elif "prune" in step:
            pruned = set(step["builds"])
            written[step["prune"]] = [n for n in written.get(step["prune"], []) if n not in pruned]
    return written


def _sign_unsigned(rng, fixture, conf, builds):
    """A signing step (by a signer sigkeys lists) for the builds, and the modular RPMs, that have
    no copy under any listed key, unless sigkeys allows unsigned RPMs."""
    sigkeys = conf.get("sigkeys") or [None]
    if any(not key for key in sigkeys):
        return
    signers = listed_signers(sigkeys, fixture.signers)
    if not signers:
        return
    written = _written(fixture.steps)
    copies = {nvr for signer in signers for nvr in written.get(signer, [])}
    missing = [nvr for _pool, nvr, _name in builds if nvr not in copies]
    if fixture.module_tags and "mod*" not in copies:
        missing.append("mod*")
    if missing:
        fixture.steps.append({"sign": rng.choice(signers), "builds": missing})


def _fitting_lookaside(rng, conf, variants):
    values = dict(conf)
    pairs = values.get("variant_as_lookaside")
    if not pairs:
        return conf
    arches = {v.uid: set(v.arches) for v in variants}
    kept_uids = set(values["tree_variants"]) if values.get("tree_variants") else set(arches)
    fitting = [(a, b) for a, b in pairs
               if a in kept_uids and b in kept_uids and arches.get(a, set()) <= arches.get(b, set())]
    if fitting == list(pairs) or rng.random() < 0.15:
        return conf
    if not fitting:
        return [(n, v) for n, v in conf if n != "variant_as_lookaside"]
    return [(n, fitting if n == "variant_as_lookaside" else v) for n, v in conf]


def _some_tree_left(rng, conf, variants):
    """CONF without a tree_arches or tree_variants that leaves no variant tree (mostly)."""
    values = dict(conf)
    arches = set(values.get("tree_arches") or ())
    uids = set(values.get("tree_variants") or ())
    dropped = set()
    if arches and not any(arches & set(v.arches) for v in variants) and rng.random() < 0.85:
        dropped.add("tree_arches")
    if uids and not uids & {v.uid for v in variants} and rng.random() < 0.85:
        dropped.add("tree_variants")
    return [(n, v) for n, v in conf if n not in dropped]


def _dashed_stream(module_builds):
    """Whether pkgset_koji_module_builds names a stream with "-" (Pungi 4.3.2 looks its N:S:V:C up
    as an NVR keeping the "-", which names no build: MBS writes "_")."""
    return any(":" in nsvc and "-" in nsvc.split(":")[1] for nsvcs in module_builds.values() for nsvc in nsvcs)


def _lenient(rng, name, value):
    if name == "check_deps" and value is True and rng.random() < 0.75:
        return (name, False)
    if name == "repoclosure_strictness" and rng.random() < 0.75:
        return (name, [(pattern, {arch: "lenient" if level == "fatal" else level for arch, level in levels.items()})
                       for pattern, levels in value])
    return (name, value)


def _every_source(rng, methods):
    """GATHER_METHOD with a method for each source (comps, json, module) in each variant's dict."""
    if not isinstance(methods, dict) or rng.random() < 0.15:
        return methods
    return {pattern: dict({source: rng.choice(("deps", "nodeps")) for source in ("comps", "json", "module")}, **value)
            if isinstance(value, dict) else value for pattern, value in methods.items()}


def _no_empty_extra_isos(rng, conf, variants):
    values = dict(conf)
    empty = {v.uid for v in variants if v.is_empty}
    isos = values.get("extra_isos")
    if not isos or not empty or rng.random() < 0.15:
        return conf
    kept = {pattern: blocks for pattern, blocks in isos.items() if pattern.strip("^$") not in empty}
    if kept == isos:
        return conf
    return [(n, kept if n == "extra_isos" else v) for n, v in conf if n != "extra_isos" or kept]


def _modulemd_for_i686(rng, fixture, modules, case_dir):
    """Give module builds made for x86_64 alone a modulemd.i686.txt too (their hub step's files)."""
    steps = {(s["module"]["name"], s["module"]["stream"], s["module"]["version"], s["module"]["context"]): s
             for s in fixture.steps if "module" in s}
    for build in modules:
        if build.old or "i686" in build.arches or rng.random() < 0.15:
            continue
        build.arches.append("i686")
        step = steps.get((build.name, build.stream, build.version, build.context))
        if step is None:
            continue
        rel = os.path.join("modules", build.key, "modulemd.i686.txt")
        with open(os.path.join(case_dir, rel), "w") as f:
            f.write(fuzz_modules.modulemd(build, "i686"))
        step["files"]["modulemd.i686.txt"] = rel


def _no_module_entry_matching_nothing(rng, fixture, modules, case_dir):
    """Drop the variants file's <module> entries that match no live module build, or a deleted one
    (mostly)."""
    dead = {(s["module"]["name"], s["module"]["stream"], str(s["module"]["version"]), s["module"]["context"])
            for s in fixture.steps if "module" in s and (s.get("future") or s.get("state", 1) != 1)}
    deleted = ["%s:%s:%s:%s" % (s["module"]["name"], s["module"]["stream"], s["module"]["version"],
                                s["module"]["context"]) for s in fixture.steps if "module" in s and s.get("state", 1) == 2]
    live = ["%s:%s:%s:%s" % key for key in ((b.name, b.stream, str(b.version), b.context) for b in modules)
            if key not in dead and not any(b.old for b in modules if (b.name, b.stream, str(b.version), b.context) == key)]
    if rng.random() < 0.15:  # one roll a case: a roll an entry leaves some entry in most cases
        return
    path = os.path.join(case_dir, "variants.xml")
    tree = ET.parse(path)
    changed = False
    for parent in tree.getroot().iter("modules"):
        for entry in list(parent.findall("module")):
            pattern = ":".join((entry.text.split(":") + ["*", "*", "*"])[:4])
            # a glob matching a deleted build fails Pungi's search as well
            if not fnmatch.filter(live, pattern) or fnmatch.filter(deleted, pattern):
                parent.remove(entry)
                changed = True
    if changed:
        tree.write(path, encoding="utf-8", xml_declaration=True)
