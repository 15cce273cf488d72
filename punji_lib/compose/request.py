"""The compose request (work/global/compose-request.json): what punji-init was asked for.

The config file, the compose id, type, label, date and respin, the Koji event of
--koji-event (None: the koji_event option, or the hub's last event) and the folder
the compose was started from: written once
when the compose directory is made, read by every phase that names the compose.
"""

import os

from ..errors import PunjiError
from . import composeid, jsonio, layout, state


def write(topdir, config_path, compose, compose_type, label, options=None, koji_event=None):
    """Record what the compose at TOPDIR is: COMPOSE is its {"id", "date", "respin"};
    OPTIONS what its command line asked beyond that (punji_lib.commands.compose_args.compose_options);
    KOJI_EVENT the event --koji-event pinned, if any."""
    jsonio.write_json(layout.at(topdir, layout.compose_request_json()), {
        "header": state.header("compose-request"),
        "config": config_path,
        "compose_id": compose["id"],
        "compose_type": compose_type,
        "label": label,
        "date": compose["date"],
        "respin": compose["respin"],
        "options": options or {},
        "koji_event": koji_event,
        "cwd": os.getcwd(),
    })


def read(topdir):
    """The request of the compose at TOPDIR."""
    path = layout.at(topdir, layout.compose_request_json())
    if not os.path.exists(path):
        raise PunjiError("%s: not a punji compose (no %s)" % (topdir, layout.compose_request_json()))
    return jsonio.read_json(path)


def supported(topdir):
    """Pungi's "supported" flag of the compose: --supported, or a milestone label."""
    req = read(topdir)
    return bool((req.get("options") or {}).get("supported")) or composeid.supported(req.get("label"))


def config_dir(topdir):
    """The directory of the compose's config file: relative paths in options start there."""
    return os.path.dirname(os.path.abspath(read(topdir)["config"]))


def scm_file_bases(topdir):
    """The folders a relative path of an scm "file" entry is looked up in, for the options
    Pungi reads against its working directory (extra_files, product_id, ...): the config's
    folder, as for every other option, then the folder the compose was started from."""
    req = read(topdir)
    bases = [os.path.dirname(os.path.abspath(req["config"]))]
    return bases + [req["cwd"]] if req.get("cwd") and req["cwd"] not in bases else bases


def image_release(topdir):
    """Pungi's image_release: the release of the compose label (Beta-1.2 -> 1.2), else
    <date><type suffix>.<respin>, e.g. 20261125.n.0."""
    req = read(topdir)
    if req.get("label"):
        return req["label"].split("-", 1)[1]
    suffix = {"production": "", "test": ".t", "nightly": ".n", "ci": ".ci"}.get(req["compose_type"], "")
    return "%s%s.%s" % (req["date"], suffix, req["respin"])


def image_version(topdir, release_version):
    """Pungi's image_version: RELEASE_VERSION, with the label's milestone unless it is RC
    (label Beta-1.2 -> 1_Beta)."""
    label = read(topdir).get("label")
    if label and not label.startswith("RC-"):
        return "%s_%s" % (release_version, label.split("-", 1)[0])
    return release_version


def generated_version(topdir, release_version, value):
    """VALUE, or the value of the Pungi version generator it names (a string starting with '!')."""
    if not isinstance(value, str) or not value.startswith("!"):
        return value
    req = read(topdir)
    made = {
        "!OSTREE_VERSION_FROM_LABEL_DATE_TYPE_RESPIN":
            lambda: "%s.%s" % (image_version(topdir, release_version), image_release(topdir)),
        "!RELEASE_FROM_LABEL_DATE_TYPE_RESPIN": lambda: image_release(topdir),
        "!RELEASE_FROM_DATE_RESPIN": lambda: "%s.%s" % (req["date"], req["respin"]),
        "!VERSION_FROM_VERSION_DATE_RESPIN": lambda: "%s.%s.%s" % (release_version, req["date"], req["respin"]),
        "!VERSION_FROM_VERSION": lambda: release_version,
    }
    if value not in made:
        raise PunjiError("unknown version generator %r (known: %s)" % (value, ", ".join(sorted(made))))
    return made[value]()
