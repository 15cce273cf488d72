"""Signed copies missing for some keys of sigkeys, for tools/fuzz-compose-koji --copies, from an
RNG of its own ("copies-SEED", drawn after the fixture's, --pkgset's and --tags' draws: without
the flag a seed's inputs stay as they were).

Koji keeps a signature recorded after `koji prune-signed-copies` deletes its signed copy; Pungi
4.3.2 looks for the copy of each key of sigkeys in its order and takes the first that is on disk
(then the unsigned one when sigkeys has None or ""), so a pruned key falls through to the next:
- some builds signed by two keys lose the copies of the key sigkeys lists first (the second
  key's copies are read), sigkeys drawn as the two keys in that order, sometimes with None after;
- some builds lose every signed copy with None in sigkeys (the unsigned copies are read);
- now and then a build loses the copies of its only listed key (both tools refuse its RPMs).
"""

import fuzz_finish


def add_steps(rng, fixture, conf, builds):
    """Prune steps appended to FIXTURE's and CONF ([(name, value)]) with sigkeys redrawn to
    match them; the new CONF."""
    conf = list(conf)
    written = fuzz_finish._written(fixture.steps)
    nvrs = [nvr for _pool, nvr, _name in builds]
    by_signer = {s: set(written.get(s, [])) & set(nvrs) for s in fixture.signers}
    roll = rng.random()
    pairs = [(a, b) for a in sorted(by_signer) for b in sorted(by_signer) if a != b and by_signer[a] & by_signer[b]]
    if roll < 0.6 and pairs:
        first, second = rng.choice(pairs)
        both = sorted(by_signer[first] & by_signer[second])
        _prune(fixture, first, rng.sample(both, max(1, int(len(both) * rng.choice((0.1, 0.3, 0.6))))))
        keys = ["@KOJI_SIGKEY_%s@" % first.upper(), "@KOJI_SIGKEY_%s@" % second.upper()]
        _set_sigkeys(conf, keys + ([None] if rng.random() < 0.35 else []))
    elif roll < 0.9:
        signer = rng.choice(sorted(s for s in by_signer if by_signer[s]) or ["a"])
        chosen = sorted(by_signer.get(signer, ()))
        if chosen:
            pruned = rng.sample(chosen, max(1, len(chosen) // 4))
            for other in by_signer:
                if set(pruned) & by_signer[other]:
                    _prune(fixture, other, sorted(set(pruned) & by_signer[other]))
            _set_sigkeys(conf, ["@KOJI_SIGKEY_%s@" % signer.upper(), None] if rng.random() < 0.7
                         else [None, "@KOJI_SIGKEY_%s@" % signer.upper()])
    else:
        listed = fuzz_finish.listed_signers(dict(conf).get("sigkeys"), fixture.signers)
        if listed and by_signer.get(listed[0]):
            _prune(fixture, listed[0], [rng.choice(sorted(by_signer[listed[0]]))])
    if fixture.scratch and None not in dict(conf).get("sigkeys", [None]):
        _set_sigkeys(conf, dict(conf)["sigkeys"] + [None])  # Pungi wants unsigned allowed with scratch tasks
    return conf


def _prune(fixture, signer, nvrs):
    fixture.steps.append({"prune": signer, "builds": sorted(nvrs)})


def _set_sigkeys(conf, keys):
    for i, (name, _value) in enumerate(conf):
        if name == "sigkeys":
            conf[i] = ("sigkeys", keys)
            return
    conf.append(("sigkeys", keys))
