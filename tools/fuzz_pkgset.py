"""Koji package set shapes for tools/fuzz-compose-koji --pkgset, from an RNG of its own
("pkgset-SEED", drawn after the fixture's and the config's other draws: a seed's other inputs
stay as they were). Steps are added after the fixture's, so a drawn koji_event predates them.

- Re-tagging, as release engineers revert an update: a build untagged and tagged again into the
  same tag (Koji's latest there again), and an older build of a package tagged after a newer
  one (the older one is the latest: Koji goes by the tagging, not the version).
- A key rotation: a third signer "c" signing the newest builds only, some of them with the
  signature recorded and no signed copy written yet (koji write-signed-rpm not run).
- sigkeys lists as real configs write them around a rotation: the new key first, before the
  old ones, "" for unsigned (Pungi reads it as None), a key no build is signed with.
"""

NEWEST = ("r3", "r2")  # the pools of the newest releases


def add_steps(rng, fixture, builds):
    """Re-tagging and third-key steps appended to FIXTURE's (BUILDS: [(pool, nvr, name)])."""
    state = _tagged(fixture.steps)
    if rng.random() < 0.5:
        _retag(rng, fixture, state)
    if rng.random() < 0.5:
        _older_last(rng, fixture, builds, state)
    if rng.random() < 0.45:
        _rotate_key(rng, fixture, builds)


def _tagged(steps):
    """{tag: [nvr, ...]} after STEPS, in tagging order."""
    state = {}
    for step in steps:
        if "tag" in step and "builds" in step:
            for nvr in step["builds"]:
                held = state.setdefault(step["tag"], [])
                if nvr not in held:
                    held.append(nvr)
        elif "untag" in step:
            held = state.get(step["untag"], [])
            for nvr in step["builds"]:
                if nvr in held:
                    held.remove(nvr)
    return state


def _tag(fixture, state, tag, nvr):
    fixture.steps.append({"tag": tag, "builds": [nvr]})
    fixture.tagged.setdefault(tag, set()).add(nvr)
    state.setdefault(tag, []).append(nvr)


def _retag(rng, fixture, state):
    """Untag a build that is not the last tagged of its name in its tag, and tag it again."""
    candidates = [(tag, nvr) for tag, held in sorted(state.items()) for i, nvr in enumerate(held)
                  if any(_name(n) == _name(nvr) for n in held[i + 1:])]
    if not candidates:
        candidates = [(tag, nvr) for tag, held in sorted(state.items()) for nvr in held]
    if not candidates:
        return
    tag, nvr = rng.choice(candidates)
    fixture.steps.append({"untag": tag, "builds": [nvr]})
    state[tag].remove(nvr)
    _tag(fixture, state, tag, nvr)


def _older_last(rng, fixture, builds, state):
    """Tag the oldest build of a package with newer releases into a tag holding a newer one."""
    by_name = {}
    for pool, nvr, name in builds:
        by_name.setdefault(name, []).append((pool, nvr))
    choices = []
    for tag, held in sorted(state.items()):
        for name, found in sorted(by_name.items()):
            oldest = [nvr for pool, nvr in found if pool not in NEWEST]
            newer = [nvr for pool, nvr in found if pool in NEWEST]
            if oldest and any(n in held for n in newer) and oldest[0] not in held:
                choices.append((tag, oldest[0]))
    if choices:
        tag, nvr = rng.choice(choices)
        _tag(fixture, state, tag, nvr)


def _rotate_key(rng, fixture, builds):
    """Signer c signs some of the newest builds; now and then only the signature is recorded."""
    newest = [nvr for pool, nvr, _name in builds if pool in NEWEST]
    chosen = [nvr for nvr in newest if rng.random() < 0.6]
    if not chosen:
        return
    fixture.signers.append("c")
    unwritten = [nvr for nvr in chosen if rng.random() < 0.1]
    written = [nvr for nvr in chosen if nvr not in unwritten]
    if written:
        fixture.steps.append({"sign": "c", "builds": written})
    if unwritten:
        fixture.steps.append({"sign": "c", "builds": unwritten, "write": False})


def sigkeys(rng, fixture, conf):
    """CONF ([(name, value)]) with its sigkeys redrawn now and then: the third key first or among
    the others, "" for unsigned, a key no build is signed with."""
    index = next(i for i, (name, _value) in enumerate(conf) if name == "sigkeys")
    keys = list(conf[index][1])
    if "c" in fixture.signers and rng.random() < 0.7:
        keys.insert(0 if rng.random() < 0.7 else rng.randint(0, len(keys)), "@KOJI_SIGKEY_C@")
    if None in keys and rng.random() < 0.25:
        keys[keys.index(None)] = ""
    if rng.random() < 0.15:
        keys.insert(rng.randint(0, len(keys)), "0BADC0DE")
    if None in keys and rng.random() < 0.2:  # None among the keys, not last
        keys.remove(None)
        keys.insert(rng.randint(0, len(keys)), None)
    return conf[:index] + [("sigkeys", keys)] + conf[index + 1:]


def _name(nvr):
    return nvr.rsplit("-", 2)[0]
