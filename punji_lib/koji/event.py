"""The Koji event a compose reads Koji at.

Every Koji query of a compose's package set is made at one event: the one asked for with
--koji-event (punji-init, punji-compose) or else the koji_event option, or, when neither
names one, the hub's last event when the compose first asks Koji. The hub's answer
(getEvent or getLastEvent: {"id", "ts"}) is kept as JSON in work/global/koji-event, where
Pungi keeps it, so every arch, and every later run of the compose (a make resumed after a
failure), reads Koji at the same event.
"""

import os

from ..compose import flock, jsonio, layout, request
from ..errors import PunjiError
from ..log import log


def parse(text):
    """--koji-event: an event id, or a compose directory whose event to take (as Pungi has it).
    0 is no event, as in Pungi: the koji_event option, else the hub's last event."""
    try:
        event = int(text)
    except ValueError:
        return recorded_id(text)
    if event < 0:
        raise PunjiError("%s is not an event id" % text)
    return event


def recorded_id(topdir):
    """The event id recorded in the compose at TOPDIR."""
    path = layout.at(topdir, layout.koji_event_file())
    try:
        return int(jsonio.read_json(path)["id"])
    except (OSError, ValueError, KeyError, TypeError):
        raise PunjiError("%s is neither an event id nor a compose directory with a Koji event (%s)"
                         % (topdir, layout.koji_event_file()))


def compose_event(topdir, koji, conf):
    """The id of the event every Koji query of the compose at TOPDIR is made at, asked of the
    hub (KOJI, a Session) and recorded the first time; CONF: the phase's options."""
    wanted = request.read(topdir).get("koji_event") or conf.get("koji_event") or None
    path = layout.at(topdir, layout.koji_event_file())
    # the package sets of several arches start at once
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with flock.held(path + ".lock"):
        if os.path.isfile(path):
            event = jsonio.read_json(path)["id"]
            if wanted is None or event == wanted:
                return event
        info = _ask(koji, wanted)
        jsonio.write_json(path, info)
    log.info("koji event %d (%s) recorded in %s", info["id"], "asked for" if wanted else "the hub's last", path)
    return info["id"]


def _ask(koji, wanted):
    if wanted is None:
        return koji.call("getLastEvent")
    try:
        info = koji.call("getEvent", wanted)
    except PunjiError as exc:
        raise PunjiError("koji event %d (--koji-event or option 'koji_event'): %s" % (wanted, exc))
    if not info:
        raise PunjiError("koji event %d (--koji-event or option 'koji_event'): koji hub %s has no such event"
                         % (wanted, koji.server))
    return info

