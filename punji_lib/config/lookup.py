"""The values of the options that are keyed by variant and arch, or by arch, for one tree."""

import re


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
