"""Koji tag and build-list shapes for tools/fuzz-compose-koji --tags, from an RNG of its own
("tags-SEED", drawn after every other draw: a seed's other inputs stay as they were). Steps are
added after the fixture's (and --pkgset's), so a koji_event drawn earlier predates them.

- Several versions of a package along an inheritance chain: a newer build tagged into a parent of
  a tag holding an older one (the child's stays its latest), now and then the child's untagged
  after it (the parent's shows through), and a package blocked in a parent (Koji reads the package
  list with inheritance even when the builds are read without it), sometimes unblocked in the child.
- pkgset_koji_tag as a tag with its parent, so one package has a latest build in each of them.
- pkgset_koji_inherit False on a tag with parents.
- pkgset_koji_builds as real configs write it around the tags: the tag's own latest build, an
  older or newer build of a name the tag holds (replacing the tag's), two builds of one name in
  no sorted order (the last listed wins), a build of a blocked package, one NVR twice.
- koji_event between these steps (none with module builds, whose steps' events are not counted).
- From an RNG of its own ("tagless-SEED", without_tag()), now and then no pkgset_koji_tag at all:
  Pungi 4.3.2 then reads neither pkgset_koji_builds nor scratch tasks, and its deps method reads
  every module content tag for a variant without streams.
"""

import fuzz_pkgset


def add_steps(rng, fixture, builds):
    """Inheritance-chain steps appended to FIXTURE's (BUILDS: [(pool, nvr, name)]); the events
    they make are counted in fixture.tag_events (an event id before each step)."""
    fixture.tag_events = []
    parents = {t["name"]: t["parents"] for t in fixture.tags}
    links = [(child, parent) for child, ps in sorted(parents.items()) for parent in ps]
    if not links:
        return
    if rng.random() < 0.5:
        _newer_in_parent(rng, fixture, builds, links)
    if rng.random() < 0.4:
        child, parent = rng.choice(links)
        held = fuzz_pkgset._tagged(fixture.steps)
        names = sorted({fuzz_pkgset._name(n) for tag in (child, parent) for n in held.get(tag, [])})
        if names:
            name = rng.choice(names)
            _step(fixture, {"block": parent, "packages": [name]})
            if rng.random() < 0.35:
                _step(fixture, {"unblock": child, "packages": [name]})


def _newer_in_parent(rng, fixture, builds, links):
    """A parent gets a newer build of a name its child holds an older build of; sometimes the
    child's is untagged afterwards."""
    held = fuzz_pkgset._tagged(fixture.steps)
    by_name = {}
    for _pool, nvr, name in builds:
        by_name.setdefault(name, []).append(nvr)
    choices = []
    for child, parent in links:
        for nvr in held.get(child, []):
            others = [n for n in by_name.get(fuzz_pkgset._name(nvr), []) if n != nvr and n not in held.get(parent, [])]
            choices += [(child, parent, nvr, other) for other in others]
    if not choices:
        return
    child, parent, nvr, other = rng.choice(choices)
    _step(fixture, {"tag": parent, "builds": [other]})
    fixture.tagged.setdefault(parent, set()).add(other)
    if rng.random() < 0.4:
        _step(fixture, {"untag": child, "builds": [nvr]})


def _step(fixture, step):
    fixture.tag_events.append(_last_event(fixture))
    fixture.steps.append(step)


def _last_event(fixture):
    """The test hub's last event id after FIXTURE's steps (tests/kojihub.py: 1000, then one event
    per inheritance link, tagging, untagging, block and unblock; imports and signatures make none)."""
    changes = sum(len(step.get("builds") or step.get("packages") or ()) for step in fixture.steps
                  if any(verb in step for verb in ("tag", "untag", "block", "unblock")))
    return 1000 + sum(len(t["parents"]) for t in fixture.tags) + changes


def options(rng, fixture, conf, builds):
    """CONF ([(name, value)]) with its pkgset_koji_tag, pkgset_koji_inherit, pkgset_koji_builds
    and koji_event redrawn now and then."""
    conf = list(conf)
    parents = {t["name"]: t["parents"] for t in fixture.tags}
    with_parents = [t for t in sorted(parents) if parents[t] and fixture.tagged.get(t)]
    if with_parents and rng.random() < 0.3:
        tag = rng.choice(with_parents)
        value = [tag, rng.choice(parents[tag])]
        _set(conf, "pkgset_koji_tag", value if rng.random() < 0.7 else value[::-1])
    tags = dict(conf)["pkgset_koji_tag"]
    tags = [tags] if isinstance(tags, str) else list(tags)
    if any(parents.get(t) for t in tags) and rng.random() < 0.25:
        _set(conf, "pkgset_koji_inherit", False)
    if rng.random() < 0.5:
        listed = _extra_builds(rng, fixture, tags, builds)
        if listed:
            _set(conf, "pkgset_koji_builds", listed)
    events = getattr(fixture, "tag_events", [])
    if events and not fixture.module_tags and rng.random() < 0.35:
        _set(conf, "koji_event", rng.choice(events))
    return conf


def _extra_builds(rng, fixture, tags, builds):
    """NVRs for pkgset_koji_builds in one of the shapes real configs have around TAGS."""
    held = fuzz_pkgset._tagged(fixture.steps)
    in_tags = [nvr for tag in tags for nvr in held.get(tag, [])]
    by_name = {}
    for _pool, nvr, name in builds:
        by_name.setdefault(name, []).append(nvr)
    several = sorted(name for name, nvrs in by_name.items() if len(nvrs) > 1)
    blocked = sorted({name for step in fixture.steps if "block" in step for name in step["packages"]} & set(by_name))
    shapes = ["twice"] + (["tagged", "other"] if in_tags else []) + (["same-name"] if several else []) \
        + (["blocked"] if blocked else [])
    shape = rng.choice(shapes)
    if shape == "tagged":
        return [rng.choice(in_tags)]
    if shape == "other":
        nvr = rng.choice(in_tags)
        return [rng.choice([n for n in by_name[fuzz_pkgset._name(nvr)] if n != nvr] or [nvr])]
    if shape == "same-name":
        nvrs = rng.sample(by_name[rng.choice(several)], 2)
        return nvrs + ([rng.choice(builds)[1]] if rng.random() < 0.3 else [])
    if shape == "blocked":
        return [rng.choice(by_name[rng.choice(blocked)])]
    nvr = rng.choice(builds)[1]
    return [nvr, rng.choice(builds)[1], nvr]


def _set(conf, name, value):
    for i, (key, _value) in enumerate(conf):
        if key == name:
            conf[i] = (name, value)
            return
    conf.append((name, value))


def without_tag(rng, conf, with_modules):
    """CONF without pkgset_koji_tag now and then (mostly beside module builds, without which the
    package set is empty)."""
    if rng.random() < (0.15 if with_modules else 0.04):
        return [(name, value) for name, value in conf if name != "pkgset_koji_tag"]
    return conf
