"""The values of the options that are keyed by variant and arch, or by arch, for one tree."""

import re

from ..errors import PunjiError


def va_data(value, uid, arch):
    """The values a variant/arch mapping [(uid regex, {arch or '*': value or [values]})]
    gives variant UID on ARCH, in config order: lists are joined, single values appended.
    As in Pungi, '*' stands for every binary arch, not for 'src'. With UID None: those of
    every variant (what Pungi's get_arch_variant_data gives without a variant)."""
    found = []
    for pattern, by_arch in value or []:
        if uid is not None and not re.match(pattern, uid):
            continue
        for key, item in by_arch.items():
            if key == arch or (key == "*" and arch != "src"):
                found.extend(item if isinstance(item, list) else [item])
    return found


def is_arch_multilib(gather_conf, arch):
    """Whether some variant has multilib methods on ARCH (Pungi's is_arch_multilib): only then
    does the package set of ARCH hold packages of its multilib partner arch."""
    return bool(va_data(gather_conf.get("multilib"), None, arch))


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


def block_jobs(value, tree):
    """[(variant uid, arch, block number, block)] of a v_map option VALUE ({uid regex: block or
    [blocks]}; each block runs on its 'arches', default every binary arch of the variant) or of
    an old-style variant/arch mapping, in variant, arch and config order."""
    jobs = []
    for v in tree:
        arches = [a for a in v["arches"] if a != "src"]
        if isinstance(value, dict):
            blocks = []
            for pattern, found in value.items():
                if re.match(pattern, v["uid"]):
                    blocks.extend(found if isinstance(found, list) else [found])
            for number, block in enumerate(blocks, 1):
                jobs.extend((v["uid"], arch, number, block) for arch in sorted(block.get("arches") or arches)
                            if arch in arches)
        else:
            for arch in sorted(arches):
                jobs.extend((v["uid"], arch, number, block)
                            for number, block in enumerate(va_data(value, v["uid"], arch), 1))
    return jobs


def block_can_fail(conf, deliverable, uid, arch, block):
    """Whether a block's job on UID.ARCH may fail: its 'failable' names the arch (or "*"), or
    failable_deliverables lets DELIVERABLE fail there."""
    failable = block.get("failable") or []
    return "*" in failable or arch in failable or deliverable in va_data(conf.get("failable_deliverables"), uid, arch)


def iso_size_problems(conf, v, arch, path, size, own=None):
    """[(message, strict)] of an ISO of V.ARCH of SIZE bytes, as Pungi 4.3.2's test phase checks
    it: on each arch images.json lists it under (a source ISO: every arch of V, never 'src'),
    against OWN (an extra ISO block's max_size) when set, else that arch's first
    createiso_max_size. None with 'test' in skip_phases: Pungi checks sizes in that phase alone
    (tools/fuzz-compose-koji --comps --outputs seed 3700)."""
    if "test" in (conf.get("skip_phases") or []):
        return []
    found = []
    for listed in v["arches"] if arch == "src" else [arch]:
        limit = own or next(iter(va_data(conf.get("createiso_max_size"), v["uid"], listed)), None)
        if limit and size > limit:
            strict = any(va_data(conf.get("createiso_max_size_is_strict"), v["uid"], listed))
            found.append(("ISO %s is too big. Expected max %dB, got %dB" % (path, limit, size), strict))
    return found


def lookaside_variants(conf, uid):
    """The variants variant_as_lookaside names for variant UID, in config order."""
    found = []
    for requiring, required in conf.get("variant_as_lookaside") or []:
        if requiring == uid and required not in found:
            found.append(required)
    return found


def _extra_iso_blocks_of(conf, uid):
    """The extra_isos blocks of variant UID, in config order (Pungi's get_variant_data)."""
    found = []
    for pattern, blocks in (conf.get("extra_isos") or {}).items():
        if re.match(pattern, uid):
            found.extend(blocks if isinstance(blocks, list) else [blocks])
    return found


def extra_iso_blocks(conf, v, arch):
    """([block, ...], None) of the extra ISOs (extra_isos) V gets on ARCH, or ([], why not)."""
    blocks = _extra_iso_blocks_of(conf, v["uid"])
    if not blocks:
        return [], "no extra_isos block matches %s" % v["uid"]
    if v["type"] != "variant":
        return [], "%s (Pungi makes extra ISOs of variants only)" % v["type"]
    if arch == "src":
        chosen = [b for b in blocks if not b.get("skip_src")]
        return chosen, None if chosen else "skip_src"
    chosen = [b for b in blocks if not b.get("arches") or arch in b["arches"]]
    return chosen, None if chosen else "%s is not in the blocks' arches" % arch


def repoclosure_strictness(conf, uid, arch):
    """repoclosure_strictness of tree UID.ARCH: the last value that matches, Pungi's lenient default."""
    values = va_data(conf.get("repoclosure_strictness"), uid, arch)
    return values[-1] if values else "lenient"


def repoclosure_skip_reason(conf, v, arch):
    """Why tree V.ARCH is not checked by repoclosure, or None."""
    if v.get("is_empty"):
        return "is_empty"
    if repoclosure_strictness(conf, v["uid"], arch) == "off":
        return "repoclosure_strictness is off"
    return None


def createiso_passed_reason(conf, v, arch):
    """Why Pungi's createiso passes tree V.ARCH by before making its volume id, or None."""
    if v["type"] == "addon":
        return "addon (Pungi makes no ISO of an addon)"
    if v.get("is_empty"):
        return "empty variant"
    if va_data(conf.get("createiso_skip"), v["uid"], arch) == [True]:
        return "createiso_skip"
    return None


def createiso_skip_reason(conf, v, arch):
    """Why tree V.ARCH gets no ISO of createiso, whatever it holds, or None."""
    passed = createiso_passed_reason(conf, v, arch)
    if not passed and v["type"] == "optional" and not conf.get("create_optional_isos"):
        return "optional variant (create_optional_isos is off)"
    return passed


DEFAULT_IMAGE_NAME_FORMAT = "{compose_id}-{variant}-{arch}-{disc_type}{disc_num}{suffix}"
VARIANT_KEY_RE = re.compile(r"\{variant[}:!]|%\(variant\)")
# Pungi 4.3.2's order of variants (its Variant.__lt__): variants, then addons and layered
# products, then optional variants, each by uid
PUNGI_TYPE_RANK = {"variant": 0, "addon": 1, "layered-product": 1, "optional": 2}


def image_name_format(conf, uid):
    """image_name_format for variant UID: the string, or of its variant regexes (in config order:
    [[regex, format], ...], as the config reader keeps them, or a dict) the first matching, as
    Pungi takes it; the default when none matches (fuzz-compose --repos --outputs seed 15113)."""
    fmt = conf.get("image_name_format") or DEFAULT_IMAGE_NAME_FORMAT
    if isinstance(fmt, dict):
        fmt = list(fmt.items())
    if isinstance(fmt, list):
        fmt = next((f for pattern, f in fmt if re.match(pattern, uid)), DEFAULT_IMAGE_NAME_FORMAT)
    return fmt


def pungi_variant_order(v):
    """The sort key of variant V in Pungi's order of variants."""
    return PUNGI_TYPE_RANK[v["type"]], v["uid"]


def images_may_share_names(conf, v, other):
    """Whether the images of trees V and OTHER (of one arch) may get the same names: unless
    one format names both and puts the variant in them, which differs (a layered product is
    named after its parent)."""
    def named_after(x):
        return x["parent"] if x["type"] == "layered-product" else x["uid"]

    fmt = image_name_format(conf, v["uid"])
    return not (fmt == image_name_format(conf, other["uid"]) and VARIANT_KEY_RE.search(fmt)
                and named_after(v) != named_after(other))
