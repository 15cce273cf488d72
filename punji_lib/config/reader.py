"""Pungi-format config files: load with kobo's parser, validate, normalize, slice by phase.

    raw, files = load("demo.conf")
    result = validate(raw, "demo.conf", variants)   # result.config, result.warnings
    slices(result.config)                            # {"init": {...}, "gather": {...}, ...}
"""

import os
import re

from ..errors import PunjiError
from . import gather_order, option_types
from . import options as option_table

ORDERED_MAPS = ("gather_method", "image_name_format")
FILE_OPTIONS = ("variants_file", "comps_file", "gather_source_mapping", "gather_prepopulate")
URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")


class Result:
    """A validated config: the normalized options and the warnings to print."""

    def __init__(self, config, warnings):
        self.config = config
        self.warnings = warnings


def load(path, defined=None):
    """Parse a Pungi-format config (or, named *.json, the JSON pungi-config-dump writes, as
    Pungi reads one); return (options dict, [files read, includes first-level order]).
    DEFINED: {name: value} set before the file is read (pungi-config-validate's --define), so
    the file can use them; those that are no option are left out of the result."""
    from kobo.conf import PyConfigParser

    from . import read_errors  # here, not at the top: most commands read no config file

    if not os.path.isfile(path):
        what = "is a directory, not a config file" if os.path.isdir(path) else "config file does not exist"
        raise PunjiError("%s: %s" % (path, what))
    defined = defined or {}
    if path.endswith(".json"):
        loaded = _load_json(path)
        return _Raw(_without_unknown(dict(defined, **loaded), defined), repo_kinds=_repo_kinds(loaded)), [path]
    parser = PyConfigParser()
    parser.load_from_dict(defined)
    try:
        parser.load_from_file(path)
    except FileNotFoundError as exc:
        where = read_errors.includer(parser, path, exc.filename)
        raise PunjiError("%s: included file '%s' does not exist" % (where, exc.filename))
    except OSError as exc:  # a directory or an unreadable file by an included file's name
        raise PunjiError(read_errors.unreadable_message(exc, parser, path))
    except UnicodeDecodeError:
        raise PunjiError(read_errors.not_utf8_message(path))
    except KeyError as exc:
        raise PunjiError(read_errors.import_message(exc, parser, path))
    except RecursionError as exc:  # kobo follows an include cycle until Python's limit
        raise PunjiError(read_errors.include_cycle_message(path) or read_errors.parse_error(exc, parser, path))
    except Exception as exc:  # kobo raises SyntaxError, KeyError, TypeError, tokenize errors for bad input
        raise PunjiError(read_errors.parse_error(exc, parser, path))
    files = list(dict.fromkeys(parser.opened_files))
    items = {k: v for k, v in parser.items() if not k.startswith("_")}
    _check_tuple_values(items, files)
    raw = {k: _plain(v) for k, v in items.items()}
    return _Raw(_without_unknown(raw, defined), repo_kinds=_repo_kinds(items)), files


class _Raw(dict):
    """The options read, and what _plain cannot keep: the Python type of each pkgset_repos value
    (repo_kinds: {key: "str", "tuple" or "list"}), as Pungi adds them with + (check_string_repos)."""

    def __init__(self, *args, repo_kinds=None):
        super().__init__(*args)
        self.repo_kinds = repo_kinds or {}


def _repo_kinds(items):
    repos = items.get("pkgset_repos")
    return {key: type(value).__name__ for key, value in repos.items()} if isinstance(repos, dict) else {}


def _check_tuple_values(items, files):
    """A tuple as the value of an arch in a variant/arch mapping: Pungi 4.3.2 takes it as one
    item, not as the list it means, and its compose fails on it (hand cases tup-*: sorting,
    formatting or opening it), even for a pattern matching no variant."""
    for name, value in items.items():
        if not isinstance(value, (list, tuple)):
            continue
        for entry in value:
            if not (isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[1], dict)):
                break
            arch = next((a for a, v in entry[1].items() if isinstance(v, tuple)), None)
            if arch is not None:
                raise PunjiError("%s: option '%s': the value of %r for %r is a tuple, which Pungi 4.3.2 takes as one "
                                 "item (its compose fails): write it as a list" % (where(name, files), name, arch,
                                                                                   entry[0]))


def _without_unknown(raw, defined):
    """RAW without the DEFINED names that are no config option."""
    known = option_table.by_name()
    return {k: v for k, v in raw.items() if k not in defined or k in known}


def _load_json(path):
    import json

    from . import read_errors

    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except UnicodeDecodeError as exc:
        raise PunjiError("%s: not UTF-8 text: %s" % (path, read_errors.one_line(exc)))
    except ValueError as exc:
        raise PunjiError("%s:%s: invalid JSON: %s" % (path, getattr(exc, "lineno", "?"), getattr(exc, "msg", exc)))
    if not isinstance(raw, dict):
        raise PunjiError("%s: a JSON config is an object of options, not %s" % (path, type(raw).__name__))
    return {k: _plain(v) for k, v in raw.items() if not k.startswith("_")}


def _plain(value):
    """Tuples become lists, recursively, so the value is what JSON can hold."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def where(name, files):
    """'file:line' of the last assignment to option NAME among FILES, else the main file.
    Includes come first: a config includes its common settings at its top, then overrides them."""
    pattern = re.compile(r"^%s\s*=" % re.escape(name))
    found = None
    for path in list(files[1:]) + list(files[:1]):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    if pattern.match(line):
                        found = "%s:%d" % (path, number)
        except OSError:
            continue
    return found or (files[0] if files else "config")


def validate(raw, path, files=None):
    """Check RAW against the option table; return a Result or raise the first error.
    Variant patterns are checked separately, once the variants are known."""
    files = files or [os.path.abspath(path)]
    table = option_table.by_name()
    warnings = _unknown_and_deprecated(raw, table)
    _check_required(raw, table, path)
    _check_types(raw, table, files)
    _check_dependencies(raw, table, files)
    _check_repo_paths(raw, files)
    config = _with_defaults(raw, table)
    _resolve_paths(config, os.path.dirname(os.path.abspath(path)))
    _keep_order(config)
    # an option set to its default changes nothing, implemented or not
    ignored = sorted(n for n in raw if n in table and not table[n].implemented and not table[n].deprecated
                     and raw[n] != table[n].default)
    unimplemented = [n for n in ignored if not table[n].moot]
    if unimplemented:
        warnings.append("options punji does not implement yet (ignored): %s" % ", ".join(unimplemented))
    moot = ["%s (%s)" % (n, table[n].moot) for n in ignored if table[n].moot]
    if moot:
        warnings.append("options that change nothing in punji (ignored): %s" % "; ".join(moot))
    warnings += ["%s: option '%s': %s" % (where(name, files), name, why) for name, why in _unsupported_values(raw)]
    return Result(config, warnings)


# Values Pungi 4.3.2 accepts that punji cannot act on: valid, but the phase reading them fails.
UNSUPPORTED_VALUES = (
    ("buildinstall_method", "buildinstall",
     "'buildinstall' (anaconda's old script) is not supported: punji-buildinstall fails; use 'lorax'"),
)


def _unsupported_values(raw):
    return [(name, why) for name, value, why in UNSUPPORTED_VALUES if raw.get(name) == value]


def _keep_order(config):
    """Dicts keyed by variant regexes where the order decides (gather_method: the last match
    wins; image_name_format: the first) become [[regex, value], ...]: the JSON the phases read
    has sorted keys, which would lose the config's order."""
    for name in ORDERED_MAPS:
        if isinstance(config.get(name), dict):
            config[name] = [[key, value] for key, value in config[name].items()]


def _unknown_and_deprecated(raw, table):
    warnings = []
    for name in sorted(raw):
        option = table.get(name)
        if option is None:
            guess = option_table.closest(name, table)
            warnings.append("unrecognized config option '%s'%s" % (name, ". Did you mean '%s'?" % guess if guess else ""))
        elif option.deprecated:
            warnings.append("option '%s' is deprecated: %s" % (name, option.deprecated))
    return warnings


def _check_required(raw, table, path):
    # the table's order is that of Pungi's schema, whose first missing option Pungi names first
    for name in (n for n, o in table.items() if o.required):
        if name not in raw:
            raise PunjiError("%s: option '%s': required option is missing" % (path, name))


def _check_types(raw, table, files):
    from .schema_fit import fits

    for name in sorted(raw):
        option = table.get(name)
        if option is None or fits(raw[name], option.schema):
            continue
        import jsonschema

        validator = jsonschema.Draft7Validator(option.schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(raw[name]))
        if error is not None:
            raise PunjiError("%s: option '%s': %s" % (where(name, files), name, _describe(error)))


def _describe(error):
    location = "".join("[%r]" % p for p in error.absolute_path)
    message = " ".join(error.message.split())
    if len(message) > 200:
        message = message[:197] + "..."
    return "%s%s" % ("at %s: " % location if location else "", message)


def _is_set(value):
    return bool(value)


def _is_unset(value):
    return not value


# (option, condition on its value (its default when unset), "requires" or "conflicts", other options)
# as Pungi 4.3.2 checks them: an option with a default is never missing, and one set to its
# default conflicts with nothing.
CONFIG_DEPS = (
    ("buildinstall_method", lambda v: v == "buildinstall", "conflicts", ["lorax_options"]),
    ("buildinstall_method", _is_unset, "conflicts", ["lorax_options", "buildinstall_kickstart"]),
    ("base_product_name", _is_set, "requires", ["base_product_short", "base_product_version"]),
    ("base_product_name", _is_unset, "conflicts", ["base_product_short", "base_product_version"]),
    ("base_product_short", _is_set, "requires", ["base_product_name", "base_product_version"]),
    ("base_product_short", _is_unset, "conflicts", ["base_product_name", "base_product_version"]),
    ("base_product_version", _is_set, "requires", ["base_product_name", "base_product_short"]),
    ("base_product_version", _is_unset, "conflicts", ["base_product_name", "base_product_short"]),
    ("cts_url", _is_set, "requires", ["translate_paths"]),
    ("product_id", _is_unset, "conflicts", ["product_id_allow_missing"]),
    ("pkgset_scratch_modules", _is_set, "requires", ["mbs_api_url"]),
    ("pkgset_source", lambda v: v == "repos", "requires", ["pkgset_repos"]),
    ("pkgset_source", lambda v: v == "koji", "conflicts", ["pkgset_repos"]),
    ("pkgset_source", lambda v: v == "repos", "conflicts", ["pkgset_koji_tag", "pkgset_koji_inherit"]),
)


def _check_dependencies(raw, table, files):
    config = _with_defaults(raw, table)
    for name, condition, kind, others in CONFIG_DEPS:
        value = config.get(name)
        if not condition(value):
            continue
        setting = "%s = %r" % (name, value) if name in raw else "%s unset" % name
        for other in others:
            if kind == "requires" and other not in config:
                raise PunjiError("%s: option '%s': required when %s" % (where(name, files), other, setting))
            if kind == "conflicts" and other in raw and raw[other] != table[other].default:
                raise PunjiError("%s: option '%s': conflicts with %s" % (where(other, files), other, setting))
    sigkeys = raw.get("sigkeys") or [None]
    if raw.get("pkgset_koji_scratch_tasks") is not None and None not in sigkeys and "" not in sigkeys:
        raise PunjiError("%s: option 'pkgset_koji_scratch_tasks': scratch builds are unsigned: sigkeys must "
                         "allow unsigned packages (None or \"\")" % where("pkgset_koji_scratch_tasks", files))
    checksums = raw.get("media_checksums", ["md5", "sha1", "sha256"])
    if raw.get("media_checksum_one_file") and len(checksums) != 1:
        raise PunjiError("%s: option 'media_checksums': exactly one checksum type is needed with "
                         "media_checksum_one_file = True, not %d" % (where("media_checksums", files), len(checksums)))


def _check_repo_paths(raw, files):
    """A pkgset_repos entry with white space in it: Pungi 4.3.2 writes each into its package set's
    kickstart, which splits it there, and its compose fails (so would punji's Makefile)."""
    for urls in (raw.get("pkgset_repos") or {}).values():
        spaced = next((u for u in _as_list(urls) if isinstance(u, str) and re.search(r"\s", u)), None)
        if spaced is not None:
            raise PunjiError("%s: option 'pkgset_repos': the repository '%s' has white space in its path, which "
                             "Pungi cannot read (its kickstart splits it there): give the repository a path "
                             "without white space" % (where("pkgset_repos", files), spaced))


def repo_kinds(raw):
    """{pkgset_repos key: "str", "tuple" or "list"} as the config wrote them (pkgset_source "repos")."""
    return dict(getattr(raw, "repo_kinds", {})) if raw.get("pkgset_source") == "repos" else {}


def check_string_repos(kinds, variants, files):
    """pkgset_repos as Pungi 4.3.2 reads it for each compose arch: the arch's value + the '*'
    one (a missing one a list), which fails when either is one string or the two differ in type
    (can only concatenate: hand cases str-lists3, tup-repos)."""
    from . import variants as variant_tree

    for arch in variant_tree.all_arches(variants):
        pair = [(k, kinds.get(k, "list")) for k in (arch, "*")]
        bad = next((k for k, kind in pair if kind == "str" and k in kinds), None)
        if bad is None and pair[0][1] != pair[1][1]:
            bad = next(k for k, kind in pair if kind != "list")
        if bad is not None:
            raise PunjiError("%s: option 'pkgset_repos': the repositories of '%s' are a %s, not a list, which "
                             "Pungi 4.3.2 cannot add to the others of arch %s (its compose fails): write it as a list"
                             % (where("pkgset_repos", files), bad, "string" if kinds[bad] == "str" else kinds[bad],
                                arch))


def check_compose_type(config, compose_type, files):
    """As pungi-koji before it makes a compose directory: pkgset_koji_scratch_tasks set (even
    to an empty list, whatever the pkgset_source) only in a test compose."""
    if config.get("pkgset_koji_scratch_tasks") is not None and compose_type != "test":
        raise PunjiError("%s: option 'pkgset_koji_scratch_tasks': scratch builds are only allowed in test composes, "
                         "not in a %s compose" % (where("pkgset_koji_scratch_tasks", files), compose_type))


def _with_defaults(raw, table):
    import copy

    config = dict(raw)
    for name, option in table.items():
        if name not in config and option.default is not option_table.NO_DEFAULT:
            config[name] = copy.deepcopy(option.default)
    return config


def _absolute(base, value):
    if isinstance(value, str) and value and not URL_RE.match(value):
        return os.path.normpath(os.path.join(base, value))
    return value


def _resolve_paths(config, base):
    """Relative local paths in the config are relative to the config file's directory."""
    for name in FILE_OPTIONS:
        value = config.get(name)
        if isinstance(value, dict) and value.get("scm") == "file" and not value.get("repo"):
            value = dict(value, file=_absolute(base, value.get("file")))
            config[name] = value
        elif isinstance(value, str):
            config[name] = _absolute(base, value)
    repos = config.get("pkgset_repos")
    if isinstance(repos, dict):
        config["pkgset_repos"] = {arch: [_absolute(base, r) for r in _as_list(urls)] for arch, urls in repos.items()}
    lookaside = config.get("gather_lookaside_repos")
    if isinstance(lookaside, list):
        config["gather_lookaside_repos"] = [
            [pattern, {arch: [_absolute(base, r) for r in _as_list(urls)] for arch, urls in by_arch.items()}]
            for pattern, by_arch in lookaside]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def local_file(config, name):
    """The local path of a file option (a path, or an scm_dict with scm 'file'); init fetches
    those of other scm dicts and puts the path of its copy in the config the phases read."""
    value = config.get(name)
    if isinstance(value, dict):
        if value.get("scm") != "file" or value.get("repo"):
            raise PunjiError("option '%s': scm '%s' is fetched by punji-init only" % (name, value.get("scm")))
        value = value.get("file")
    return value


def _is_variant_map(schema):
    """Whether SCHEMA is that of a Pungi variant/arch mapping: [(regex, {...}), ...]."""
    items = schema.get("items") if schema.get("type") == "array" else None
    if not isinstance(items, dict) or items.get("type") != "array":
        return False
    first = items.get("items")
    first = first[0] if isinstance(first, list) and first else items.get("prefixItems", [None])[0]
    return isinstance(first, dict) and first.get("type") == "string" and items.get("maxItems") == 2


def _has_variant_keys(schema):
    """Whether SCHEMA (or one of its anyOf branches) is a {variant_regex: ...} mapping."""
    branches = [schema] + list(schema.get("anyOf", []))
    return any(b.get("type") == "object" and b.get("propertyNames") == option_types.VARIANT_KEYS for b in branches)


def _variant_patterns(name, schema, value):
    """The variant regexes of option NAME's VALUE: the first items of a variant/arch mapping, the
    keys of a variant mapping (gather_method's, kept in order as pairs)."""
    if isinstance(value, list) and (_is_variant_map(schema) or name in ORDERED_MAPS):
        return [entry[0] for entry in value]
    if isinstance(value, dict) and _has_variant_keys(schema):
        return list(value)
    return []


def check_variant_patterns(config, variants, files):
    """Every variant pattern of a variant/arch mapping or a variant mapping must compile; return
    a warning for each one that matches no variant. Pungi 4.3.2 accepts those silently: real
    configs carry patterns for variants only some of their composes have."""
    table = option_table.by_name()
    uids = [v["uid"] for v in variants]
    warnings = []
    for name in sorted(config):
        option = table.get(name)
        if option is None:
            continue
        for pattern in _variant_patterns(name, option.schema, config[name]):
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise PunjiError("%s: option '%s': variant pattern %r is not a valid regex: %s" % (where(name, files), name, pattern, exc))
            if not any(regex.match(uid) for uid in uids):
                warnings.append("%s: option '%s': variant pattern %r matches no variant (variants: %s)"
                                % (where(name, files), name, pattern, ", ".join(uids)))
    return warnings


def scm_options():
    """The options whose value may be an scm dict, in the table's order."""
    found = []
    for option in option_table.by_name().values():
        schema = option.schema
        if schema == option_types.SCM_DICT or option_types.SCM_DICT in schema.get("anyOf", []):
            found.append(option.name)
    return found


def check_gather_method(config, variants, files):
    """A gather_method given per variant must name a method for every variant."""
    methods = config.get("gather_method")
    if not isinstance(methods, (dict, list)):
        return
    patterns = [p for p, _m in (methods.items() if isinstance(methods, dict) else methods)]
    for v in variants:
        if not any(re.match(p, v["uid"]) for p in patterns):
            raise PunjiError("%s: option 'gather_method': no pattern matches variant %s (patterns: %s)"
                             % (where("gather_method", files), v["uid"], ", ".join(patterns)))


def check_variant_as_lookaside(config, variants, files):
    """variant_as_lookaside as Pungi checks it: the lookaside variant of a variant in the compose
    is in it too, with every arch of the variant, and no variant is its own lookaside, however far
    (what fails in the order Pungi gathers the variants fails in gather, config.gather_order:
    a warning here)."""
    pairs = config.get("variant_as_lookaside") or []
    what = "%s: option 'variant_as_lookaside'" % where("variant_as_lookaside", files)
    by_uid = {v["uid"]: v for v in variants}
    for requiring, required in pairs:
        if requiring not in by_uid:
            continue
        if required not in by_uid:
            raise PunjiError("%s: variant %r doesn't exist but is required by %r" % (what, required, requiring))
        if not set(by_uid[requiring]["arches"]) <= set(by_uid[required]["arches"]):
            raise PunjiError("%s: architectures of variant %r aren't a subset of those of variant %r"
                             % (what, requiring, required))
    edges = {}
    for requiring, required in pairs:
        edges.setdefault(requiring, set()).add(required)
    for start in edges:
        seen, todo = set(), list(edges[start])
        while todo:
            uid = todo.pop()
            if uid == start:
                raise PunjiError("%s: variant %r is its own lookaside through %s" % (what, start, ", ".join(sorted(seen))))
            if uid not in seen:
                seen.add(uid)
                todo.extend(edges.get(uid, ()))
    failure = gather_order.first_failure(pairs, variants)
    return ["%s: %s; the gather phase will fail there, as Pungi's" % (what, failure[1])] if failure else []


# block sections whose key order Pungi keeps (it writes them into the INI file `koji image-build
# --config` reads, in order): [key, value] pairs in the slices, which are written with sorted keys
PAIRED_SECTIONS = {"image_build": ("factory-parameters", "ova-options")}


def _paired(name, value):
    """VALUE of option NAME with its PAIRED_SECTIONS dicts made [key, value] pairs."""
    sections = PAIRED_SECTIONS.get(name)
    if not sections or not isinstance(value, dict):
        return value

    def block(b):
        return dict(b, **{k: [[key, v] for key, v in b[k].items()] for k in sections
                          if isinstance(b.get(k), dict)}) if isinstance(b, dict) else b

    return {regex: [block(b) for b in blocks] if isinstance(blocks, list) else block(blocks)
            for regex, blocks in value.items()}


# 'global' options that name images or set the Koji image phases' defaults: the phases whose
# outputs are package sets, trees and repodata never read them, so their slices (and with them
# their fingerprints) leave them out, and a change of a volume id remakes no package set.
IMAGES_ONLY = ("image_name_format", "image_volid_formats", "image_volid_layered_product_formats",
               "volume_id_substitutions", "restricted_volid", "disc_types", "symlink_isos_to",
               "global_ksurl", "global_version", "global_target", "global_release")
NO_IMAGES = ("pkgset", "gather", "createrepo")


def slices(config):
    """The options each phase reads: {phase: {name: value}}; 'global' options go in every slice
    (a phase without options of its own, like test, gets those alone), but IMAGES_ONLY's in
    none of NO_IMAGES."""
    table = option_table.by_name()
    phases = set(option_table.PHASES) | {o.phase for o in table.values()}
    common = {n: v for n, v in config.items() if n in table and table[n].phase == "global"}
    result = {}
    for phase in sorted(phases - {"global"}):
        own = {n: _paired(n, v) for n, v in config.items() if n in table and table[n].phase == phase}
        shared = {n: v for n, v in common.items() if phase not in NO_IMAGES or n not in IMAGES_ONLY}
        result[phase] = dict(shared, **own)
    return result
