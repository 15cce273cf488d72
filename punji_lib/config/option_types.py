"""JSON Schema fragments for Pungi option values: the building blocks of options.OPTIONS.

Enumerations, scalar and list types, scm_dict, Pungi's variant/arch mappings
(va_map, v_map), and the schemas of the larger config blocks (live media, image
build, ostree, extra ISOs, ...).
"""
# ---------------------------------------------------------------------------
# Enumerations (Pungi and productmd values).

# productmd.common.RELEASE_TYPES (productmd 1.x).
RELEASE_TYPES = ["fast", "ga", "updates", "updates-testing", "eus", "aus", "els", "tus", "e4s"]
# productmd.composeinfo.COMPOSE_TYPES.
COMPOSE_TYPES = ["test", "ci", "nightly", "production", "development"]
LINK_TYPES = ["hardlink", "copy", "hardlink-or-copy", "symlink", "abspath-symlink"]
RUNROOT_TYPES = ["local", "koji", "openssh"]
MULTILIB_METHODS = ["none", "all", "runtime", "devel", "kernel", "yaboot"]
# Pungi's own phase names, as accepted by skip_phases / --skip-phase.
PUNGI_PHASES = [
    "init", "weaver", "pkgset", "gather", "createrepo", "buildinstall", "extra_files",
    "createiso", "extra_isos", "live_images", "image_build", "image_container", "osbuild",
    "repoclosure", "test", "image_checksum", "live_media", "ostree", "ostree_installer",
    "ostree_container", "osbs", "kiwibuild", "imagebuilder",
    "productimg",  # removed phase, still accepted so old configs keep working
]

# ---------------------------------------------------------------------------
# Reusable schema fragments.

ANY = {}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
NUM = {"type": "number"}
OBJECT = {"type": "object"}
OPT_STR = {"type": ["string", "null"]}
STR_LIST = {"type": "array", "items": STR}
STRINGS = {"anyOf": [STR, STR_LIST]}
STR_MAP = {"type": "object", "additionalProperties": STR}
STR_LIST_MAP = {"type": "object", "additionalProperties": STR_LIST}
# A variant UID regular expression (checked only when a format checker is used).
VARIANT_REGEX = {"type": "string", "format": "regex"}
VARIANT_KEYS = {"minLength": 1, "format": "regex"}
# Pungi's [(a, b), ...] lists of string pairs.
STRING_PAIRS = {
    "type": "array",
    # No maxItems here (additionalItems already caps the length): a maxItems of 2
    # is what marks a variant/arch mapping (see va_map).
    "items": {"type": "array", "items": [STR, STR], "minItems": 2, "additionalItems": False},
}
# Sizes: a number of bytes, or a string of digits with an optional b/k/M/G unit.
SIZE = {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": r"^\s*[0-9]+\s*[bkMG]?$"}]}

SCM_OBJECT = {
    "type": "object",
    "properties": {
        "scm": {"type": "string", "enum": ["file", "git", "rpm", "cvs", "koji"]},
        # a string, as Pungi 4.3.2 checks it: "" for scm 'file'
        "repo": STR,
        "branch": OPT_STR,
        "file": STR,
        "dir": STR,
        "command": STR,
        "options": {"type": "object", "properties": {"credential_helper": STR}},
    },
    "additionalProperties": False,
}
SCM_DICT = {"anyOf": [STR, SCM_OBJECT]}

# One file to copy, as in extra_files / extra_isos: an scm dict plus a target dir.
EXTRA_FILE = {
    "type": "object",
    "properties": {
        "scm": STR,
        "repo": STR,
        "branch": OPT_STR,
        "file": STRINGS,
        "dir": STR,
        "target": STR,
        "options": OBJECT,
    },
    "additionalProperties": False,
}

REPO_DICT = {
    "type": "object",
    "properties": {"name": STR, "baseurl": STR, "exclude": STR, "gpgcheck": BOOL, "enabled": STR},
    "required": ["baseurl"],
    "additionalProperties": False,
}
REPO = {"anyOf": [STR, REPO_DICT]}
REPOS = {"anyOf": [REPO, {"type": "array", "items": REPO}]}


def one_or_list(schema):
    """The value, or a list of such values."""
    return {"anyOf": [schema, {"type": "array", "items": schema}]}


def va_map(value_schema):
    """Pungi's variant/arch mapping: ``[[variant_regex, {arch_or_"*": value}], ...]``."""
    return {
        "type": "array",
        "items": {
            "type": "array",
            "items": [
                VARIANT_REGEX,
                {"type": "object", "propertyNames": {"minLength": 1}, "additionalProperties": value_schema},
            ],
            "minItems": 2,
            "maxItems": 2,
            "additionalItems": False,
        },
    }


def v_map(block_schema, single=False):
    """Pungi's variant mapping ``{variant_regex: [block, ...]}``; SINGLE also allows one bare block."""
    value = {"type": "array", "items": block_schema}
    if single:
        value = {"anyOf": [block_schema, value]}
    return {"type": "object", "propertyNames": VARIANT_KEYS, "additionalProperties": value}


def block(properties, required=(), closed=False):
    """A configuration block with typed known keys; unknown keys are let through unless CLOSED
    (as Pungi 4.3.2 closes most of its blocks)."""
    schema = {"type": "object", "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    if required:
        schema["required"] = list(required)
    return schema


# ---------------------------------------------------------------------------
# Schemas of the complex options.

GATHER_METHOD = {
    "anyOf": [
        {"type": "string", "enum": ["deps", "nodeps", "hybrid"]},
        {
            "type": "object",
            "propertyNames": VARIANT_KEYS,
            "additionalProperties": {
                "anyOf": [
                    # per variant, a method for all sources is only "hybrid" in Pungi 4.3.2
                    {"type": "string", "enum": ["hybrid"]},
                    # Pungi 4.3.2 checks the keys its regex ^module|comps|json$ finds, no others
                    {"type": "object", "patternProperties": {"^module|comps|json$": {"enum": ["deps", "nodeps"]}}},
                ]
            },
        },
    ]
}

RUNROOT_METHOD = {"type": "string", "enum": RUNROOT_TYPES}
# The phases that run tools in a runroot: the keys of runroot_method and runroot_weights (Pungi 4.3.2
# has the first four and refuses other keys; ostree_container came later).
RUNROOT_PHASES = ["buildinstall", "createiso", "ostree", "ostree_installer", "ostree_container"]


def by_runroot_phase(value_schema):
    return {"type": "object", "properties": {p: value_schema for p in RUNROOT_PHASES}, "additionalProperties": False}

LORAX_OPTIONS = block({
    "bugurl": STR,
    "nomacboot": BOOL,
    "noupgrade": BOOL,
    "add_template": STR_LIST,
    "add_arch_template": STR_LIST,
    "add_template_var": STR_LIST,
    "add_arch_template_var": STR_LIST,
    "rootfs_size": INT,
    "version": STR,
    "dracut_args": STR_LIST,
    "skip_branding": BOOL,
    "squashfs_only": BOOL,
    "configuration_file": SCM_DICT,
}, closed=True)

LIVE_IMAGE = block({
    "kickstart": STR,
    "ksurl": STR,
    "name": STR,
    "subvariant": STR,
    "target": STR,
    "version": STR,
    "repo": REPOS,
    "specfile": STR,
    "scratch": BOOL,
    "type": STR,
    "sign": BOOL,
    "failable": BOOL,
    "release": OPT_STR,
}, required=["kickstart"], closed=True)

LIVE_MEDIA = block({
    "install_tree_from": STR,
    "kickstart": STR,
    "ksversion": STR,
    "ksurl": STR,
    "version": STR,
    "scratch": BOOL,
    "skip_tag": BOOL,
    "name": STR,
    "subvariant": STR,
    "title": STR,
    "repo": REPOS,
    "target": STR,
    "arches": STR_LIST,
    "failable": STR_LIST,
    "release": OPT_STR,
    "nomacboot": BOOL,
}, required=["name", "kickstart"], closed=True)

IMAGE_BUILD = block({
    "image-build": block({
        "failable": STR_LIST,
        "disc_size": NUM,
        "distro": STR,
        "name": STR,
        "kickstart": STR,
        "ksurl": STR,
        "arches": STR_LIST,
        "repo": REPOS,
        "install_tree_from": STR,
        "subvariant": STR,
        "format": {"anyOf": [STRING_PAIRS, STRINGS]},
    }),
    "factory-parameters": OBJECT,
}, required=["image-build"], closed=True)

OSBUILD_REPO = {
    "anyOf": [
        STR,
        {"type": "object", "properties": {"baseurl": STR, "package_sets": STR_LIST}, "required": ["baseurl"]},
    ]
}
OSBUILD = block({
    "name": STR,
    "version": STR,
    "distro": STR,
    "target": STR,
    "image_types": {"anyOf": [STR, {"type": "array", "items": STR, "minItems": 1}]},
    "arches": STR_LIST,
    "release": STR,
    "repo": {"type": "array", "items": OSBUILD_REPO},
    "failable": STR_LIST,
    "subvariant": STR,
    "ostree_url": STR,
    "ostree_ref": STR,
    "ostree_parent": STR,
    "manifest_type": STR,
    "customizations": OBJECT,
    "upload_options": OBJECT,
}, required=["name", "distro", "image_types"], closed=True)

KIWIBUILD = block({
    "kiwi_profile": STR,
    "description_scm": STR,
    "description_path": STR,
    "target": STR,
    "release": OPT_STR,
    "version": STR,
    "arches": STR_LIST,
    "repos": {"type": "array", "items": {"anyOf": [STR, OBJECT]}},
    "failable": STR_LIST,
    "subvariant": STR,
    "type": STR,
    "type_attr": STR_LIST,
    "bundle_name_format": STR,
    "repo_releasever": STR,
    "manifest_type": STR,
}, required=["kiwi_profile"])

IMAGEBUILDER = block({
    "name": STR,
    "types": STRINGS,
    "target": STR,
    "version": STR,
    "release": OPT_STR,
    "seed": INT,
    "scratch": BOOL,
    "ostree": {"type": "object", "properties": {"url": STR, "ref": STR, "parent": STR}, "additionalProperties": False},
    "blueprint": OBJECT,
    "repos": {"type": "array", "items": {"anyOf": [STR, OBJECT]}},
    "arches": STR_LIST,
    "failable": STR_LIST,
    "subvariant": STR,
    "manifest_type": STR,
}, required=["name"])

OSTREE_PROPERTIES = {
    "treefile": STR,
    "config_url": STR,
    "config_branch": STR,
    "repo": REPOS,
    "keep_original_sources": BOOL,
    "ostree_repo": STR,
    "arches": STR_LIST,
    "failable": STR_LIST,
    "update_summary": BOOL,
    "force_new_commit": BOOL,
    "unified_core": BOOL,
    "version": STR,
    "tag_ref": BOOL,
    "ostree_ref": STR,
    "runroot_packages": STR_LIST,
}
OSTREE = block(OSTREE_PROPERTIES, required=["treefile", "config_url", "repo", "ostree_repo"], closed=True)
# the older [(variant regex, {arch: block})] form, where Pungi 4.3.2 does not require 'repo'
OSTREE_BY_ARCH = block(OSTREE_PROPERTIES, required=["treefile", "config_url", "ostree_repo"], closed=True)

OSTREE_CONTAINER = block({
    "treefile": STR,
    "config_url": STR,
    "config_branch": STR,
    "repo": REPOS,
    "keep_original_sources": BOOL,
    "arches": STR_LIST,
    "failable": STR_LIST,
    "version": STR,
    "tag_ref": BOOL,
    "runroot_packages": STR_LIST,
    "subvariant": STR,
    "name": STR,
}, required=["treefile", "config_url"])

OSTREE_INSTALLER = block({
    "repo": REPOS,
    "release": OPT_STR,
    "failable": STR_LIST,
    "installpkgs": STR_LIST,
    "add_template": STR_LIST,
    "add_arch_template": STR_LIST,
    "add_template_var": STR_LIST,
    "add_arch_template_var": STR_LIST,
    "rootfs_size": STR,
    "template_repo": STR,
    "template_branch": STR,
    "extra_runroot_pkgs": STR_LIST,
    "skip_branding": BOOL,
}, closed=True)

OSBS = block({
    "url": STR,
    "target": STR,
    "git_branch": STR,
    "scratch": BOOL,
    "priority": NUM,
    "repo": REPOS,
    "gpgkey": STR,
}, required=["url", "target", "git_branch"])

IMAGE_CONTAINER = block({
    "url": STR,
    "target": STR,
    "git_branch": STR,
    "image_spec": {"type": "object", "additionalProperties": STR},
    "arch_override": STR,
    "scratch": BOOL,
    "priority": NUM,
    "failable": BOOL,
}, required=["url", "target", "git_branch", "image_spec"])

EXTRA_ISO = block({
    "include_variants": STRINGS,
    "filename": STR,
    "volid": STRINGS,
    # Pungi 4.3.2 takes several dirs here, one in extra_files
    "extra_files": one_or_list(dict(EXTRA_FILE, properties=dict(EXTRA_FILE["properties"], dir=STRINGS))),
    "arches": STR_LIST,
    "failable_arches": STR_LIST,
    "skip_src": BOOL,
    "inherit_extra_files": BOOL,
    "max_size": NUM,
}, required=["include_variants"], closed=True)

ISO_LEVEL = {"type": "integer", "enum": [1, 2, 3, 4]}
