"""The values of the options that are keyed by variant and arch, or by arch, for one tree."""

import re

from ..errors import PunjiError


def va_data(value, uid, arch):
    """The values a variant/arch mapping [(uid regex, {arch or '*': value or [values]})]
    gives variant UID on ARCH, in config order: lists are joined, single values appended.
    As in Pungi, '*' stands for every binary arch, not for 'src'."""
    found = []
    for pattern, by_arch in value or []:
        if not re.match(pattern, uid):
            continue
        for key, item in by_arch.items():
            if key == arch or (key == "*" and arch != "src"):
                found.extend(item if isinstance(item, list) else [item])
    return found


def arch_data(value, arch):
    """The values of an {arch or '*': [values]} mapping for ARCH."""
    return [item for key in (arch, "*") for item in (value or {}).get(key, [])]


def json_file(conf, name):
    """The JSON content of the file option NAME of CONF ({} when unset); one error line naming
    the option and the file when it cannot be read."""
    import json

    from . import reader

    path = reader.local_file(conf, name)
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise PunjiError("option '%s': cannot read %s: %s" % (name, path, exc.strerror))
    except json.JSONDecodeError as exc:
        raise PunjiError("option '%s': %s:%d: invalid JSON: %s" % (name, path, exc.lineno, exc.msg))
