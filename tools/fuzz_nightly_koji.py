"""The Koji mutations of tools/fuzz-nightly --koji: changes to a tools/fuzz-compose-koji case
between its first nightly and the second.

Hub mutations change what the Koji test hub serves. They are written into the fixture's
"update" steps (koji.json) before the hub starts, and the hub applies them on SIGUSR1 after the
first nightly (tests/kojihub.py serve), so both the second nightly and the fresh compose see
them, with the same gpg keys and storage. Config mutations change fuzz.conf (the hub's key ids
already in it) or the module defaults files after the first nightly. Each takes the case's RNG
and a KojiCase and returns a description, or None when it cannot apply to the case.
"""

import fnmatch
import glob
import json
import os
import re
import shutil
import subprocess


class KojiCase:
    """A case directory's fixture (koji.json) and config, read for drawing mutations."""

    def __init__(self, case_dir, sigkeys=None):
        self.case_dir = case_dir
        self.fixture_path = os.path.join(case_dir, "koji.json")
        with open(self.fixture_path) as f:
            self.fixture = json.load(f)
        self.sigkeys = sigkeys or {}  # signer -> the hub's key id (known once the hub runs)

    # -- the fixture as the hub will hold it before the update -----------------------------------

    def parents(self):
        return {t["name"]: list(t.get("parents", [])) for t in self.fixture["tags"]}

    def package_tags(self):
        """The fixture's tags but the module tags and the module builds' content tags."""
        return [t["name"] for t in self.fixture["tags"] if not t["name"].startswith("fz-modules")]

    def all_builds(self):
        """{nvr: the directory of its RPMs} of every import step's source RPMs."""
        found = {}
        for step in self.fixture["steps"]:
            if "import" in step:
                directory = os.path.join(self.case_dir, step["import"])
                for name in sorted(os.listdir(directory)):
                    if name.endswith(".src.rpm"):
                        found[name[:-len(".src.rpm")]] = directory
        return found

    def tagged(self):
        """{tag: {nvr}} after the fixture's steps (the generator tags and untags exact NVRs)."""
        state = {}
        for step in self.fixture["steps"]:
            for verb in ("tag", "untag"):
                if verb in step and "builds" in step:
                    for nvr in step["builds"]:
                        (state.setdefault(step[verb], set()).add if verb == "tag"
                         else state.setdefault(step[verb], set()).discard)(nvr)
        return state

    def signed(self, signer):
        """The NVRs SIGNER signs in the fixture's steps (globs matched against every build)."""
        builds = self.all_builds()
        patterns = [p for s in self.fixture["steps"] if s.get("sign") == signer for p in s["builds"]]
        return {nvr for nvr in builds if any(fnmatch.fnmatchcase(nvr, p) for p in patterns)}

    def module_steps(self):
        return [s for s in self.fixture["steps"] if "module" in s]

    def add_update(self, *steps):
        self.fixture.setdefault("update", []).extend(steps)
        with open(self.fixture_path, "w") as f:
            json.dump(self.fixture, f, indent=1)

    # -- the config -----------------------------------------------------------------------------

    def conf_path(self):
        return os.path.join(self.case_dir, "fuzz.conf" if os.path.isfile(os.path.join(self.case_dir, "fuzz.conf"))
                            else "fuzz.conf.in")

    def option(self, name, default=None):
        with open(self.conf_path()) as f:
            for line in f:
                if line.startswith(name + " = "):
                    return eval(line.split(" = ", 1)[1], {})  # the generator wrote it with %r
        return default

    def set_option(self, name, value):
        """NAME set to VALUE in the config (None: removed)."""
        with open(self.conf_path()) as f:
            lines = [line for line in f if not line.startswith(name + " = ")]
        if value is not None:
            lines.append("%s = %r\n" % (name, value))
        with open(self.conf_path(), "w") as f:
            f.writelines(lines)

    def pkgset_tags(self):
        value = self.option("pkgset_koji_tag", [])
        return [value] if isinstance(value, str) else list(value)

    def reached_tags(self, strict=False):
        """The package set's tags and (with pkgset_koji_inherit) their ancestors; STRICT: the
        ancestors only."""
        parents, found = self.parents(), []
        inherit = self.option("pkgset_koji_inherit", True)
        todo = [p for t in self.pkgset_tags() for p in parents.get(t, [])] if strict else list(self.pkgset_tags())
        while todo:
            tag = todo.pop(0)
            if tag in found or tag not in parents:
                continue
            found.append(tag)
            if inherit or strict:
                todo += parents[tag]
        return found


# --- hub mutations: update steps ------------------------------------------------------------------


def tag_a_build(rng, case, tag):
    """Tag a build of the pools that TAG lacks into it: its NVR (None: TAG has them all)."""
    untagged = sorted(set(case.all_builds()) - case.tagged().get(tag, set()))
    if not untagged:
        return None
    nvr = rng.choice(untagged)
    case.add_update({"tag": tag, "builds": [nvr]})
    return nvr


def untag_a_build(rng, case, tag):
    """Untag one of the builds of TAG (it has some): its NVR."""
    nvr = rng.choice(sorted(case.tagged()[tag]))
    case.add_update({"untag": tag, "builds": [nvr]})
    return nvr


def a_tag_with_builds(rng, case):
    """One of the tags the package set reads that has builds, drawn by RNG; None when none has."""
    tagged = case.tagged()
    tags = [t for t in case.reached_tags() if tagged.get(t)]
    return rng.choice(tags) if tags else None


def mutate_koji_build_tagged(rng, case):
    """A build of the pools tagged into a tag the package set reads."""
    tags = case.reached_tags()
    if not tags:
        return None
    tag = rng.choice(tags)
    nvr = tag_a_build(rng, case, tag)
    return nvr and "koji: build %s tagged into %s" % (nvr, tag)


def mutate_koji_build_untagged(rng, case):
    """A build untagged from a tag the package set reads."""
    tag = a_tag_with_builds(rng, case)
    if tag is None:
        return None
    return "koji: build %s untagged from %s" % (untag_a_build(rng, case, tag), tag)


def mutate_koji_inherited_tag_changed(rng, case):
    """A build tagged into or untagged from a parent of a package set tag."""
    ancestors = case.reached_tags(strict=True)
    if not ancestors:
        return None
    tag = rng.choice(ancestors)
    if case.tagged().get(tag) and rng.random() < 0.5:
        return "koji: inherited tag %s: build %s untagged" % (tag, untag_a_build(rng, case, tag))
    nvr = tag_a_build(rng, case, tag)
    return nvr and "koji: inherited tag %s: build %s tagged" % (tag, nvr)


def mutate_koji_newer_build(rng, case):
    """A new build (one noarch RPM and its source RPM) of a package the pools have, a newer
    release, imported, signed as most builds are and tagged into a tag the package set reads."""
    tags = case.reached_tags()
    builds = sorted(n for n in case.all_builds() if not n.startswith("mod"))
    if not tags or not builds:
        return None
    name, version, release = rng.choice(builds).rsplit("-", 2)
    release = re.sub(r"\.pdl1$", "", release) + ".9.pdl1"
    work = os.path.join(case.case_dir, "newer-build")
    out = os.path.join(case.case_dir, "newer-rpms")
    os.makedirs(work, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    for path in build_with_source(work, name, version, release):
        shutil.copy(path, out)
    nvr = "%s-%s-%s" % (name, version, release)
    tag = rng.choice(tags)
    steps = [{"import": "newer-rpms", "tag": tag}]
    steps += [{"sign": signer, "builds": [nvr]} for signer in case.fixture.get("signers", [])
              if rng.random() < 0.8]
    case.add_update(*steps)
    return "koji: newer build %s imported into %s (signed by %s)" % (
        nvr, tag, ",".join(s["sign"] for s in steps[1:]) or "none")


def build_with_source(work, name, version, release):
    """The paths of a noarch RPM NAME-VERSION-RELEASE and its source RPM, built from a spec."""
    spec = os.path.join(work, "%s.spec" % name)
    with open(spec, "w") as f:
        f.write("Name: %s\nVersion: %s\nRelease: %s\nSummary: newer build\nLicense: MIT\nBuildArch: noarch\n"
                "%%description\nA newer build.\n%%files\n" % (name, version, release))
    top = os.path.join(work, "rpmbuild")
    subprocess.run(["rpmbuild", "-ba", "--define", "_topdir " + top, spec], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return sorted(glob.glob(os.path.join(top, "RPMS", "noarch", "*.rpm")) +
                  glob.glob(os.path.join(top, "SRPMS", "*.src.rpm")))


def mutate_koji_signed_copy(rng, case):
    """Signed copies appearing: builds a signer had not signed signed by it."""
    signers = case.fixture.get("signers", [])
    if not signers:
        return None
    # mostly the signer of the first key of sigkeys: a copy it signs replaces the one taken before
    named = [m.lower() for m in re.findall(r"KOJI_SIGKEY_([A-Z])", repr(case.option("sigkeys", [])))]
    signer = named[0] if named and named[0] in signers and rng.random() < 0.8 else rng.choice(signers)
    reached = set().union(*[case.tagged().get(t, set()) for t in case.reached_tags()] or [set()])
    unsigned = sorted(reached - case.signed(signer)) or sorted(set(case.all_builds()) - case.signed(signer))
    if not unsigned:
        return None
    chosen = sorted(rng.sample(unsigned, min(len(unsigned), rng.choice((1, 1, 3)))))
    case.add_update({"sign": signer, "builds": chosen})
    return "koji: %s signed by %s" % (" ".join(chosen), signer)


def mutate_koji_package_blocked(rng, case):
    """A package blocked in a tag the package set reads."""
    tag = a_tag_with_builds(rng, case)
    if tag is None:
        return None
    name = rng.choice(sorted(case.tagged()[tag])).rsplit("-", 2)[0]
    blocked = {(s["block"], p) for s in case.fixture["steps"] if "block" in s for p in s["packages"]}
    if (tag, name) in blocked:
        return None
    case.add_update({"block": tag, "packages": [name]})
    return "koji: package %s blocked in %s" % (name, tag)


def mutate_koji_module_build_added(rng, case):
    """A newer version of a module build of the case (same stream, context and content), its
    modulemd files written with the new version, tagged as the one it follows or (a third of
    the time) in no tag: found by a variant's <modules> search only."""
    steps = case.module_steps()
    if not steps:
        return None
    old = rng.choice(steps)
    tags = old.get("tags", []) if rng.random() < 0.67 else []
    info = dict(old["module"], version=int(old["module"]["version"]) + 1)
    key = "%(name)s-%(stream)s-%(version)s-%(context)s" % info
    directory = os.path.join("modules-update", key)
    os.makedirs(os.path.join(case.case_dir, directory), exist_ok=True)
    files = {}
    for name, path in sorted(old["files"].items()):
        with open(os.path.join(case.case_dir, path)) as f:
            text = f.read()
        text = re.sub(r"(?m)^  version: \d+$", "  version: %d" % info["version"], text)
        text = text.replace(":%s:%s" % (old["module"]["version"], info["context"]),
                            ":%s:%s" % (info["version"], info["context"]))
        files[name] = os.path.join(directory, name)
        with open(os.path.join(case.case_dir, files[name]), "w") as f:
            f.write(text)
    step = {"module": info, "files": files, "content": old.get("content", []), "tags": tags}
    case.add_update(step)
    return "koji: module build %s:%s:%s:%s added in %s" % (
        info["name"], info["stream"], info["version"], info["context"], ",".join(tags) or "no tag")


HUB_MUTATIONS = [
    (mutate_koji_build_tagged, 3), (mutate_koji_build_untagged, 3), (mutate_koji_inherited_tag_changed, 2),
    (mutate_koji_newer_build, 3), (mutate_koji_signed_copy, 3), (mutate_koji_package_blocked, 1),
    (mutate_koji_module_build_added, 2),
]


# --- config mutations: after the first nightly -----------------------------------------------------


def mutate_koji_tag_option(rng, case):
    """pkgset_koji_tag changed: another tag, a tag added to or left out of a list."""
    tags, now = case.package_tags(), case.pkgset_tags()
    others = [t for t in tags if t not in now]
    roll = rng.random()
    if len(now) > 1 and roll < 0.4:
        new = [t for t in now if t != rng.choice(now)]
    elif others and roll < 0.7:
        new = now + [rng.choice(others)]
    elif others:
        new = [rng.choice(others)]
    else:
        return None
    value = new[0] if len(new) == 1 and rng.random() < 0.6 else new
    case.set_option("pkgset_koji_tag", value)
    return "option pkgset_koji_tag: %r -> %r" % (case_option_text(now), value)


def case_option_text(tags):
    return tags[0] if len(tags) == 1 else tags


def mutate_koji_inherit_option(rng, case):
    now = case.option("pkgset_koji_inherit", None)
    if now is None:
        new = False
    else:
        new = None if rng.random() < 0.4 else not now
    case.set_option("pkgset_koji_inherit", new)
    return "option pkgset_koji_inherit: %r -> %s" % (now, "removed" if new is None else repr(new))


def mutate_koji_sigkeys_option(rng, case):
    """sigkeys reordered, a key (or None) added or left out."""
    now = case.option("sigkeys", [None])
    keys = [k for k in case.sigkeys.values()]
    choices = []
    if len(now) > 1:
        choices += ["reordered", "dropped"]
    choices += ["added"] if [k for k in keys + [None] if k not in now] else []
    if not choices:
        return None
    how = rng.choice(choices)
    if how == "reordered":
        new = list(reversed(now))
    elif how == "dropped":
        new = list(now)
        del new[rng.randrange(len(new))]
    else:
        new = list(now)
        new.insert(rng.randint(0, len(new)), rng.choice([k for k in keys + [None] if k not in now]))
    case.set_option("sigkeys", new)
    return "option sigkeys %s: %r -> %r" % (how, now, new)


def mutate_koji_module_defaults(rng, case):
    """A module_defaults_dir file changed in place: its default stream changed or left out, or the
    file removed, or a file added for a module that had none."""
    directory = os.path.join(case.case_dir, "module_defaults")
    if not os.path.isdir(directory):
        return None
    streams = {}
    for step in case.module_steps():
        streams.setdefault(step["module"]["name"], set()).add(str(step["module"]["stream"]))
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    missing = sorted(set(streams) - {os.path.basename(f)[:-len(".yaml")] for f in files})
    roll = rng.random()
    if missing and (roll < 0.25 or not files):
        name = rng.choice(missing)
        stream = rng.choice(sorted(streams[name]))
        with open(os.path.join(directory, name + ".yaml"), "w") as f:
            f.write("---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: %s\n  stream: \"%s\"\n...\n"
                    % (name, stream))
        return "module defaults: %s.yaml added (stream %s)" % (name, stream)
    if not files:
        return None
    path = rng.choice(files)
    name = os.path.basename(path)[:-len(".yaml")]
    with open(path) as f:
        text = f.read()
    current = re.search(r'(?m)^  stream: "([^"]*)"$', text)
    others = sorted(streams.get(name, set()) - {current.group(1) if current else None})
    if roll < 0.45:
        os.unlink(path)
        return "module defaults: %s.yaml removed" % name
    if current and (roll < 0.65 or not others):
        text = text.replace(current.group(0) + "\n", "")
        what = "default stream %s left out" % current.group(1)
    elif others:
        stream = rng.choice(others)
        line = '  stream: "%s"' % stream
        text = text.replace(current.group(0), line) if current else text.replace(
            "  module: %s\n" % name, "  module: %s\n%s\n" % (name, line))
        what = "default stream -> %s" % stream
    else:
        return None
    with open(path, "w") as f:
        f.write(text)
    return "module defaults: %s.yaml %s" % (name, what)


CONFIG_MUTATIONS = [
    (mutate_koji_tag_option, 2), (mutate_koji_inherit_option, 2), (mutate_koji_sigkeys_option, 2),
    (mutate_koji_module_defaults, 2),
]
