"""The gather option shapes tools/fuzz-compose --gather draws, beyond the plain ones every case
draws: gather_lookaside_repos with several repositories per variant and arch (the BaseOS-like
lookaside repo, the AppStream-like one of tools/fuzz_repos.py, an updates repository holding newer
releases of some demo builds, the whole package set repository, sometimes as a file:// URL),
keyed by tree arches and "*"; multilib_whitelist and multilib_blacklist with several arch keys,
exact names and globs, a name in both lists; multilib entries keyed "*"; additional_packages and
filter_packages entries of the shapes Pungi 4.3.2's gather treats apart ("name.src",
"name.+", debuginfo and debugsource names and globs, "*-devel", "lib*", names of packages the
lookaside repos hold); and a gather_prepopulate and gather_source_mapping file of several builds,
multilib arches, arch lists and missing packages.

They come from an RNG of their own (seeded from the case's seed), added to the case's options, so
the seed's other inputs stay the same.
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_SPECS = os.path.join(ROOT, "tests", "data", "demo", "specs")
# demo specs rebuilt with Release N.9 for the updates repository (newer than the koji pool's N.1 and N.2)
UPDATED = ("libdemo-core", "demo-shell", "demo-db", "demo-docs", "demo-zlib")
MULTILIB_PARTNER = {"x86_64": "i686", "s390x": "s390", "ppc64": "ppc"}


def updates_repo_path(lookaside):
    """The updates repository made beside LOOKASIDE."""
    return os.path.join(os.path.dirname(lookaside), os.path.basename(lookaside).replace("lookaside", "updates"))


def ensure_updates_repo(lookaside, arches):
    """Build the updates repository (the specs UPDATED, release bumped) for rpmbuild ARCHES."""
    out = updates_repo_path(lookaside)
    specs = out + "-specs"
    os.makedirs(specs, exist_ok=True)
    for name in UPDATED:
        with open(os.path.join(DEMO_SPECS, name + ".spec")) as f:
            text = "".join(_bumped(line) for line in f)
        path = os.path.join(specs, name + ".spec")
        if not os.path.isfile(path) or open(path).read() != text:
            with open(path, "w") as f:
                f.write(text)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build-demo-rpms"), "--specs", specs,
                    "--comps", os.path.join(ROOT, "tests", "data", "demo", "comps.xml"), "--arches",
                    ",".join(arches), "--out", out], check=True, stdout=subprocess.DEVNULL)


def _bumped(line):
    if line.startswith("Release:"):
        head, _sep, rest = line.partition("%{?dist}")
        return head.rstrip() + ".9%{?dist}" + rest
    return line


def gen_gather(rng, variants, packages, profile, pattern, conf, case_dir, split_repo):
    """[(name, value)] to add to CONF (the case's options, [(name, value)]); SPLIT_REPO is the
    AppStream-like repository; may write JSON files into CASE_DIR."""
    options = dict(conf)
    added = []
    if rng.random() < 0.5:
        added.append(("gather_lookaside_repos", lookaside_repos(rng, variants, profile, pattern, split_repo)))
    for option in ("multilib_whitelist", "multilib_blacklist"):
        if rng.random() < 0.35:
            added.append((option, multilib_list(rng, packages, profile)))
    if rng.random() < 0.25:
        added.append(("multilib", list(options.get("multilib") or ())
                      + [(pattern(rng, variants), {"*": sorted(rng.sample(("devel", "runtime", "all", "none"),
                                                                           rng.randint(1, 2)))})]))
    if rng.random() < 0.4:
        added.append(("additional_packages", list(options.get("additional_packages") or ())
                      + special_entries(rng, variants, packages, profile, pattern, adding=True)))
    if rng.random() < 0.5:
        added.append(("filter_packages", list(options.get("filter_packages") or ())
                      + special_entries(rng, variants, packages, profile, pattern, adding=False)))
    if rng.random() < 0.25:
        _write(case_dir, "prepopulate-gather.json", prepopulate(rng, variants, packages, profile))
        added.append(("gather_prepopulate", "prepopulate-gather.json"))
    if rng.random() < 0.25:
        _write(case_dir, "mapping-gather.json", source_mapping(rng, variants, packages, profile))
        added.append(("gather_source_mapping", "mapping-gather.json"))
    return added


def _write(case_dir, name, content):
    with open(os.path.join(case_dir, name), "w") as f:
        json.dump(content, f, indent=1, sort_keys=True)


def lookaside_repos(rng, variants, profile, pattern, split_repo):
    """gather_lookaside_repos: 1-3 entries of 1-2 repositories under "*" or tree arches."""
    updates = updates_repo_path(profile.lookaside)
    choices = [profile.lookaside, profile.lookaside, updates, updates, split_repo, profile.repo]
    entries = []
    for _ in range(rng.randint(1, 3)):
        keys = ["*"] if rng.random() < 0.5 else rng.sample(profile.tree_arches, rng.randint(1, 2))
        data = {}
        for key in keys:
            repos = []
            for repo in rng.sample(choices, rng.randint(1, 2)):
                if rng.random() < 0.15:
                    repo = "file://" + repo
                if repo not in repos:
                    repos.append(repo)
            data[key] = repos
        entries.append((pattern(rng, variants), data))
    return entries


def _multilib_names(packages):
    """Names of binary packages built for a multilib arch."""
    return sorted({name for name, arch, _nvr in packages if arch in MULTILIB_PARTNER.values()})


def _name_or_glob(rng, name):
    roll = rng.random()
    if roll < 0.6:
        return name
    if roll < 0.8:
        return name[:rng.randint(3, len(name))] + "*"
    return "*" + name[-rng.randint(3, 6):]


def multilib_list(rng, packages, profile):
    """{arch or "*": [names and globs]} of a multilib white- or blacklist."""
    names = _multilib_names(packages)
    keys = ["*"] + [a for a in profile.tree_arches if a in MULTILIB_PARTNER] + ["i386"]
    value = {}
    for key in rng.sample(keys, rng.randint(1, 3)):
        value[key] = [_name_or_glob(rng, rng.choice(names)) for _ in range(rng.randint(1, 3))]
    return value


def special_entry(rng, packages, key, profile, adding):
    """A package pattern of a shape Pungi's gather treats apart."""
    name, arch, _nvr = rng.choice(packages)
    binaries = sorted({n for n, a, _v in packages if a != "src"})
    debug = sorted(n for n in binaries if n.endswith(("-debuginfo", "-debugsource")))
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(debug)
    if roll < 0.25:
        return rng.choice(("*-debuginfo", "*-debugsource", "demo-*-debug*", "lib*-debuginfo"))
    if roll < 0.35:
        return rng.choice(("*-devel", "lib*", "demo-db*", "*-libs", "kernel*"))
    if roll < 0.45:
        return rng.choice(binaries) + ".+"
    if roll < 0.55 and not adding:  # Pungi refuses an additional package of arch src
        return rng.choice(binaries) + ".src"
    if roll < 0.7:
        arches = profile.compatible.get(key) or ("noarch",)
        return "%s.%s" % (rng.choice(binaries), rng.choice(arches))
    # a package of the BaseOS-like (lookaside) repository
    return rng.choice(("demo-filesystem", "demo-setup", "demo-libc", "libdemo-core", "demo-zlib", "demo-shell",
                       "demo-tzdata", "demo-libc-devel", "libdemo-core-devel"))


def special_entries(rng, variants, packages, profile, pattern, adding):
    entries = []
    for _ in range(rng.randint(1, 2)):
        keys = ["*"] if rng.random() < 0.5 else rng.sample(profile.tree_arches, rng.randint(1, 2))
        entries.append((pattern(rng, variants),
                        {key: [special_entry(rng, packages, key, profile, adding) for _ in range(rng.randint(1, 3))]
                         for key in keys}))
    return entries


def _arch_binaries(packages, profile, arch):
    return sorted((n, a) for n, a, _nvr in packages if a in profile.compatible[arch])


def prepopulate(rng, variants, packages, profile):
    """{variant: {arch: {build: [name.arch]}}} of several builds, multilib arches, missing names."""
    content = {}
    for variant in rng.sample(variants, min(len(variants), rng.randint(1, 3))):
        for arch in rng.sample(variant.arches, rng.randint(1, len(variant.arches))):
            builds = {}
            for _ in range(rng.randint(1, 3)):
                chosen = rng.sample(_arch_binaries(packages, profile, arch), 3)
                entries = ["%s.%s" % c for c in chosen[:rng.randint(1, 3)]]
                if rng.random() < 0.15:
                    entries.append("fz-missing.%s" % rng.choice(profile.compatible[arch]))
                builds["%s-1-1" % chosen[0][0]] = entries
            content.setdefault(variant.uid, {})[arch] = builds
    return content


def source_mapping(rng, variants, packages, profile):
    """{variant: {arch: {name: [arch or None, ...]}}} with arch lists and missing names."""
    content = {}
    for variant in rng.sample(variants, min(len(variants), rng.randint(1, 3))):
        for arch in rng.sample(variant.arches, rng.randint(1, len(variant.arches))):
            mapping = {}
            for name, pkg_arch in rng.sample(_arch_binaries(packages, profile, arch), rng.randint(1, 4)):
                arches = [pkg_arch]
                if rng.random() < 0.3:
                    arches.append(rng.choice([None] + list(profile.compatible[arch])))
                mapping[name] = sorted(set(arches), key=str)
            if rng.random() < 0.15:
                mapping["fz-missing"] = [None]
            content.setdefault(variant.uid, {})[arch] = mapping
    return content
