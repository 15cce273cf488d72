"""koji_event between module builds, for tools/fuzz-compose-koji --events (with --modules), from an
RNG of its own ("events-SEED", drawn after every draw but --finish's: without the flag a seed's
inputs stay as they were).

The other draws pin koji_event among the fixture's first steps only (before every module build),
or not at all with module builds. Here it falls after one module build is tagged and before the
next: the builds made after it finished after the event too ("future" on the hub: Pungi 4.3.2
skips a module build finished after the event's time), their content taggings and module-tag
taggings come after it, and so do the --pkgset and --tags steps that follow. A stream with several
versions then has an older latest version at the event.
"""


def pin_between_modules(rng, fixture, conf):
    """CONF ([(name, value)]) with koji_event after a module step of FIXTURE; the module steps
    after it marked finished later. CONF unchanged when the fixture has fewer than two."""
    events = events_after_steps(fixture)
    modules = [i for i, step in enumerate(fixture.steps) if "module" in step]
    if len(modules) < 2 or rng.random() < 0.3:
        return conf
    cut = rng.choice(modules[:-1])
    for i in modules:
        if i > cut:
            fixture.steps[i]["future"] = True
    conf = [(n, v) for n, v in conf if n != "koji_event"]
    return conf + [("koji_event", events[cut])]


def events_after_steps(fixture):
    """The test hub's last event id after each of FIXTURE's steps (tests/kojihub.py: 1000, one event
    per inheritance link of the tags, then one per tagging, untagging of a tagged build, block and
    unblock; a module step's content taggings and module-tag taggings; imports, signatures and
    prunes none). Steps naming builds by glob are taken to tag none (the fuzzer's taggings name
    NVRs)."""
    event = 1000 + sum(len(t["parents"]) for t in fixture.tags + fixture.module_tags)
    tagged = set()
    found = []
    for step in fixture.steps:
        if "module" in step:
            event += len(step.get("content", ())) + len(step.get("tags", ()))
        elif "untag" in step:
            for nvr in step["builds"]:
                if (step["untag"], nvr) in tagged:
                    tagged.discard((step["untag"], nvr))
                    event += 1
        elif "tag" in step and "builds" in step:
            for nvr in step["builds"]:
                tagged.add((step["tag"], nvr))
                event += 1
        elif "block" in step or "unblock" in step:
            event += len(step["packages"])
        found.append(event)
    return found
