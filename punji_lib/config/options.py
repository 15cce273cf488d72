"""The table of Pungi configuration options punji knows: name, type, default, phase.

Every top-level option of a Pungi config (as of Pungi 4.3.2, plus the options
added by later Pungi releases) has one ``Option`` entry in ``OPTIONS``.  The
entry gives:

* ``schema`` -- a JSON Schema (Draft 7) fragment for the option's value.  Config
  values read by kobo may be tuples; they must be turned into lists before
  validation.  Schemas of options punji does not implement yet are kept loose
  where Pungi's own checks are loose: they must never reject a config Pungi
  accepts.
* ``default`` -- the value Pungi documents when the option is unset, or
  ``NO_DEFAULT``.  Defaults are plain JSON values (lists, not tuples).
* ``phase`` -- the punji phase whose slice of the config the option belongs
  to; ``global`` for options several phases read and ``runroot`` for runroot
  settings.
* ``implemented`` -- whether punji acts on the option yet.
* ``moot`` -- for an option that changes nothing in punji's compose (it tunes
  how Pungi runs something punji does its own way): why.
* ``required`` -- whether Pungi refuses a config without it.
* ``help`` -- a one-line description.
* ``deprecated`` -- for options Pungi only accepts to warn about: what to do
  instead.

This module imports nothing beyond the standard library, and ``difflib`` only
when ``closest`` is called.
"""

NO_DEFAULT = object()  # sentinel: the option has no default value


class Option:
    """One top-level configuration option."""

    __slots__ = ("name", "schema", "default", "phase", "implemented", "required", "help", "deprecated", "moot")

    def __init__(self, name, schema, default=NO_DEFAULT, phase="init", implemented=False, required=False, help="",
                 deprecated=None, moot=None):
        self.name = name
        self.schema = schema
        self.default = default
        self.phase = phase
        self.implemented = implemented
        self.required = required
        self.help = help
        self.deprecated = deprecated
        self.moot = moot

    @property
    def has_default(self):
        return self.default is not NO_DEFAULT

    def __repr__(self):
        return "Option(%r, phase=%r)" % (self.name, self.phase)


PHASES = (
    "init", "pkgset", "buildinstall", "gather", "createrepo", "extrafiles", "createiso",
    "imagechecksum", "repoclosure", "test", "ostree", "liveimages", "livemedia", "imagebuild", "osbuild",
    "osbs", "ostreeinstaller", "kiwibuild", "imagebuilder", "imagecontainer",
    "ostreecontainer", "runroot", "global",
)

# The value types: enumerations, scalars, scm_dict, variant/arch mappings, blocks.
from .option_types import *

# ---------------------------------------------------------------------------
# The table.

OPTIONS = (
    # --- release identity (every phase: trees, images and metadata name the release) ---
    Option("release_name", STR, phase="global", implemented=True, required=True,
           help="Product name, e.g. 'Fedora'."),
    Option("release_short", {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$"}, phase="global", implemented=True, required=True,
           help="Short product name without spaces, used in the compose ID and image names."),
    Option("release_version", STR, phase="global", implemented=True, required=True,
           help="Product version, e.g. '40' or 'Rawhide'."),
    Option("release_type", {"type": "string", "enum": RELEASE_TYPES}, default="ga", phase="global", implemented=True,
           help="productmd release type (ga, updates, updates-testing, eus, ...)."),
    Option("release_internal", BOOL, default=False, phase="global", implemented=True,
           help="Mark the compose as not meant for public use."),
    Option("release_discinfo_description", STR, phase="global", implemented=True,
           help="Description written to .discinfo; may use %(variant_name)s and %(arch)s."),
    Option("treeinfo_version", STR, phase="global", implemented=True,
           help="Version written to .treeinfo files; release_version when unset."),
    Option("compose_type", {"type": "string", "enum": COMPOSE_TYPES}, phase="init", implemented=True,
           help="Default compose type (production, nightly, test, ci, development); the command line overrides it."),
    Option("base_product_name", STR, phase="global", implemented=True,
           help="Name of the base product of a layered product (set with base_product_short/_version)."),
    Option("base_product_short", STR, phase="global", implemented=True,
           help="Short name of the base product of a layered product."),
    Option("base_product_version", STR, phase="global", implemented=True,
           help="Major version of the base product of a layered product."),
    Option("base_product_type", STR, default="ga", phase="global", implemented=True,
           help="Release type of the base product."),
    Option("release_is_layered", ANY, phase="init",
           help="Whether the product is layered (no longer used).",
           deprecated="remove it; a compose is layered when the base_product_* options are set"),

    # --- inputs read by init ---
    Option("variants_file", SCM_DICT, phase="init", implemented=True, required=True,
           help="Variants XML file: a path or an scm dict."),
    Option("comps_file", SCM_DICT, phase="init", implemented=True,
           help="Comps XML file with package groups: a path or an scm dict; filtered per variant and arch."),
    Option("comps_filter_environments", BOOL, default=True, phase="init", implemented=True,
           help="Filter comps environments to the groups of each variant."),
    Option("module_defaults_dir", SCM_DICT, phase="init", implemented=True,
           help="Directory of modulemd-defaults YAML files put into the repodata."),
    Option("module_defaults_override_dir", STR, phase="init", implemented=True,
           help="Directory of modulemd-defaults replacing those of module_defaults_dir (a relative one is read "
                "against the directory the compose is started in, as Pungi 4.3.2 reads it)."),
    Option("module_obsoletes_dir", SCM_DICT, phase="init", implemented=True,
           help="Directory of module obsoletes YAML files merged into the module index."),
    Option("tree_arches", STR_LIST, default=[], phase="init", implemented=True,
           help="Only compose these architectures (all from the variants file when empty)."),
    Option("tree_variants", STR_LIST, default=[], phase="init", implemented=True,
           help="Only compose these variants (all from the variants file when empty)."),

    # --- general, read by several phases (global) ---
    Option("skip_phases", {"type": "array", "items": {"type": "string", "enum": PUNGI_PHASES}}, default=[],
           phase="global", implemented=True,
           help="Pungi phases to skip, like --skip-phase; init and image_checksum always run, as in Pungi."),
    Option("failable_deliverables", va_map(STR_LIST), default=[], phase="global", implemented=True,
           help="Variant/arch mapping of deliverables (buildinstall, iso, ...) allowed to fail."),
    Option("link_type", {"type": "string", "enum": LINK_TYPES}, default="hardlink-or-copy", phase="global", implemented=True,
           help="How files are put into the compose: hardlink, copy, hardlink-or-copy, symlink, abspath-symlink."),
    Option("hashed_directories", BOOL, default=False, phase="global", implemented=True,
           help="Put packages under Packages/<first letter>/."),
    Option("paths_module", STR, phase="global",
           help="Python module replacing pungi.paths to change the compose layout."),
    Option("translate_paths", STRING_PAIRS, default=[], phase="global", implemented=True,
           help="Pairs (local prefix, URL prefix) turning compose paths into URLs."),
    Option("symlink_isos_to", STR, phase="global", implemented=True,
           help="Store ISOs in this directory and symlink them into the compose."),
    Option("dogpile_cache_backend", STR, phase="global", moot="punji keeps its own caches in the compose",
           help="dogpile.cache backend used to cache data between runs (e.g. dogpile.cache.dbm)."),
    Option("dogpile_cache_arguments", OBJECT, default={}, phase="global", moot="punji keeps its own caches in the compose",
           help="Arguments for the dogpile.cache backend."),
    Option("dogpile_cache_expiration_time", NUM, default=3600, phase="global",
           moot="punji keeps its own caches in the compose", help="Expiration time of cached data, in seconds."),
    Option("cts_url", STR, phase="global",
           help="Compose Tracking Service URL that allocates compose IDs (needs translate_paths)."),
    Option("cts_keytab", STR, phase="global",
           help="Kerberos keytab used to authenticate to CTS."),
    Option("cts_oidc_token_url", STR, phase="global",
           help="OIDC token endpoint used to authenticate to CTS."),
    Option("cts_oidc_client_id", STR, phase="global",
           help="OIDC client ID used to authenticate to CTS."),
    Option("koji_profile", STR, phase="global", implemented=True,
           help="Koji client profile used to talk to Koji."),
    Option("old_composes_per_release_type", ANY, phase="global",
           help="Look for old composes per release type (always done now).",
           deprecated="remove it; old composes are always looked up per release type"),

    # --- image naming (global) ---
    Option("image_name_format", {"anyOf": [STR, {"type": "object", "propertyNames": VARIANT_KEYS,
                                                  "additionalProperties": STRINGS}]},
           phase="global", implemented=True,
           help="Format of image file names, or {variant_regex: format}."),
    Option("image_volid_formats", STR_LIST,
           default=["{release_short}-{version} {variant}.{arch}", "{release_short}-{version} {arch}"],
           phase="global", implemented=True,
           help="Volume ID formats tried in order until one fits in 32 characters."),
    Option("image_volid_layered_product_formats", STR_LIST,
           default=["{release_short}-{version} {base_product_short}-{base_product_version} {variant}.{arch}",
                    "{release_short}-{version} {base_product_short}-{base_product_version} {arch}"],
           phase="global", implemented=True,
           help="Volume ID formats tried first for layered products."),
    Option("volume_id_substitutions", STR_MAP, default={}, phase="global", implemented=True,
           help="Replacements {long: short} applied to shorten volume IDs."),
    Option("restricted_volid", BOOL, default=False, phase="global", implemented=True,
           help="Replace non-alphanumeric characters in volume IDs with '-'."),
    Option("disc_types", STR_MAP, default={}, phase="global", implemented=True,
           help="Rename disc types in image names: {boot|live|dvd|ostree: name}."),
    Option("global_ksurl", STR, phase="global", implemented=True,
           help="Fallback kickstart URL for image-building phases."),
    Option("global_version", STR, phase="global", implemented=True,
           help="Fallback version for image-building phases."),
    Option("global_target", STR, phase="global", implemented=True,
           help="Fallback Koji target for image-building phases."),
    Option("global_release", OPT_STR, phase="global", implemented=True,
           help="Fallback release for image-building phases (or a !RELEASE_FROM_... magic value)."),

    # --- Koji connection (koji) ---
    Option("koji_event", {"type": "integer", "minimum": 0}, phase="pkgset", implemented=True,
           help="Koji event every Koji query of the package set is made at (--koji-event beats it); "
                "default (or 0): the hub's last event when the compose first asks Koji."),
    Option("koji_cache", STR, phase="pkgset", implemented=True,
           help="Directory shared by composes where files downloaded from Koji's topurl are kept, laid "
                "out like Koji's storage (default: work/<arch>/pkgset/cache of each compose)."),

    # --- runroot ---
    Option("global_runroot_method", RUNROOT_METHOD, phase="runroot", implemented=True,
           help="Runroot method (local, koji, openssh) of the phases a {phase: method} runroot_method leaves "
                "out; alone it changes nothing (Pungi 4.3.2)."),
    Option("runroot_method", {"anyOf": [RUNROOT_METHOD, by_runroot_phase(RUNROOT_METHOD)]},
           phase="runroot", implemented=True,
           help="Runroot method, or {phase: method} for buildinstall, createiso, ostree, ostree_installer."),
    Option("runroot_tag", STR, phase="runroot", implemented=True,
           help="Koji build tag of runroot tasks; set without runroot_method, every phase runs as a Koji "
                "runroot task (Pungi's reading of older configs)."),
    Option("runroot_channel", OPT_STR, phase="runroot", implemented=True,
           help="Koji channel of runroot tasks."),
    Option("runroot_weights", by_runroot_phase(NUM), default={}, phase="runroot", implemented=True,
           help="Koji task weight per phase of runroot tasks."),
    Option("runroot_ssh_username", STR, default="root", phase="runroot", implemented=True,
           help="User that logs in to the openssh runroot hosts."),
    Option("runroot_ssh_hostnames", STR_MAP, default={}, phase="runroot", implemented=True,
           help="Openssh runroot host per architecture."),
    Option("runroot_ssh_init_template", STR, phase="runroot", implemented=True,
           help="Command run first for each openssh runroot task; its output is {runroot_key}."),
    Option("runroot_ssh_install_packages_template", STR, phase="runroot", implemented=True,
           help="Command installing {packages} for an openssh runroot task."),
    Option("runroot_ssh_run_template", STR, phase="runroot", implemented=True,
           help="Command wrapping {command} of an openssh runroot task."),
    Option("runroot", ANY, phase="runroot",
           help="Whether to use runroot (no longer used).",
           deprecated="use runroot_method (or global_runroot_method) instead"),

    # --- pkgset ---
    Option("pkgset_source", {"type": "string", "enum": ["koji", "repos"]}, phase="pkgset", implemented=True, required=True,
           help="Where packages come from: 'koji' or 'repos'."),
    Option("pkgset_repos", {"type": "object", "additionalProperties": STRINGS}, phase="pkgset", implemented=True,
           help="{arch: [repo]} package repositories when pkgset_source is 'repos'."),
    Option("pkgset_koji_tag", STRINGS, phase="pkgset", implemented=True,
           help="Koji tag(s) the package set is read from."),
    Option("pkgset_koji_builds", STRINGS, phase="pkgset", implemented=True,
           help="Extra Koji builds (NVRs) added to the package set of each tag of pkgset_koji_tag "
                "(not read without one, as in Pungi 4.3.2)."),
    Option("pkgset_koji_scratch_tasks", STRINGS, phase="pkgset", implemented=True,
           help="Koji scratch build task IDs added to the package set of each tag of pkgset_koji_tag "
                "(test composes only; not read without a tag, as in Pungi 4.3.2)."),
    Option("pkgset_koji_module_tag", STRINGS, default=[], phase="pkgset", implemented=True,
           help="Koji tag(s) whose module builds give the streams of variants with <module> entries."),
    Option("pkgset_koji_module_builds", STR_LIST_MAP, phase="pkgset", implemented=True,
           help="{variant regex: [N:S:V:C]} extra Koji module builds (in place of the other builds of their "
                "name:stream)."),
    Option("pkgset_koji_inherit", BOOL, default=True, phase="pkgset", implemented=True,
           help="Follow Koji tag inheritance."),
    Option("pkgset_koji_inherit_modules", BOOL, default=False, phase="pkgset", implemented=True,
           help="Follow Koji tag inheritance for module content tags."),
    Option("pkgset_scratch_modules", STR_LIST_MAP, phase="pkgset", implemented=True,
           help="{variant regex: [N:S:V:C]} scratch module builds from the Module Build Service "
                "(test composes only; needs mbs_api_url)."),
    Option("pkgset_exclusive_arch_considers_noarch", BOOL, default=True, phase="pkgset", implemented=True,
           help="A noarch package whose ExclusiveArch lists noarch is in every arch's package set."),
    Option("pkgset_inherit_exclusive_arch_to_noarch", BOOL, default=True, phase="pkgset", implemented=True,
           help="A noarch package is left out of an arch's package set by its source package's "
                "ExclusiveArch/ExcludeArch (off: by its own)."),
    Option("pkgset_allow_reuse", BOOL, default=True, phase="pkgset", implemented=True,
           help="Take over an arch's package set from the newest finished compose in the target directory "
                "when its inputs (options, comps, repodata, package files) are the same."),
    Option("sigkeys", {"type": "array", "items": OPT_STR, "minItems": 1}, default=[None], phase="pkgset", implemented=True,
           help="Signing key IDs in priority order; null or '' allows unsigned packages."),
    Option("signed_packages_retries", NUM, default=0, phase="pkgset", implemented=True,
           help="How many times to look again for a signed copy that is not there yet."),
    Option("signed_packages_wait", NUM, default=30, phase="pkgset", implemented=True,
           help="Seconds between looks for signed copies."),
    Option("mbs_api_url", STR, phase="pkgset", implemented=True,
           help="Module Build Service API URL (needed by pkgset_scratch_modules)."),
    Option("pdc_url", ANY, phase="pkgset",
           help="Product Definition Center URL (no longer used).",
           deprecated="remove it; Koji is queried instead of PDC"),
    Option("pdc_insecure", ANY, phase="pkgset",
           help="Skip TLS checks for PDC (no longer used).",
           deprecated="remove it; Koji is queried instead of PDC"),
    Option("pdc_develop", ANY, phase="pkgset",
           help="Use PDC in development mode (no longer used).",
           deprecated="remove it; Koji is queried instead of PDC"),

    # --- buildinstall ---
    Option("buildinstall_method", {"type": "string", "enum": ["lorax", "buildinstall"]}, phase="buildinstall", implemented=True,
           help="How installer images are made: 'lorax' ('buildinstall', which Pungi 4.3.2 also takes, is not supported)."),
    Option("lorax_options", va_map(LORAX_OPTIONS), default=[], phase="buildinstall", implemented=True,
           help="Variant/arch mapping of extra lorax options (bugurl, nomacboot, add_template, ...)."),
    Option("lorax_extra_sources", va_map(STRINGS), default=[], phase="buildinstall", implemented=True,
           help="Variant/arch mapping of extra repositories given to lorax."),
    Option("lorax_use_koji_plugin", BOOL, default=False, phase="buildinstall", implemented=True,
           help="Run lorax through the Koji pungi_buildinstall task instead of runroot."),
    Option("buildinstall_kickstart", SCM_DICT, phase="buildinstall", implemented=True,
           help="Kickstart put into the installer tree and its boot configuration."),
    Option("buildinstall_topdir", STR, phase="buildinstall", implemented=True,
           help="Where runroot buildinstall tasks write results when Koji uses other storage."),
    Option("buildinstall_skip", va_map(BOOL), default=[], phase="buildinstall", implemented=True,
           help="Variant/arch mapping of where no installer is built."),
    Option("buildinstall_allow_reuse", BOOL, default=False, phase="buildinstall", implemented=True,
           help="Take over lorax's output from the newest finished compose in the target directory when the "
                "lorax arguments, the runroot and the package set are the same."),
    Option("buildinstall_use_guestmount", BOOL, default=True, phase="buildinstall",
           moot="punji edits images/efiboot.img with mtools, mounting nothing",
           help="Use guestmount instead of a loop mount to modify images."),
    Option("buildinstall_packages", va_map(STR_LIST), default=[], phase="buildinstall", implemented=True,
           help="Variant/arch mapping of extra packages installed in the lorax runroot."),
    Option("bootable", ANY, phase="buildinstall",
           help="Whether to make bootable media (no longer used).",
           deprecated="set buildinstall_method to make bootable media"),
    Option("productimg", ANY, phase="buildinstall",
           help="Whether to make product.img for the installer (no longer used).",
           deprecated="remove it. Productimg phase has been removed"),

    # --- gather ---
    Option("gather_method", GATHER_METHOD, phase="gather", implemented=True, required=True,
           help="deps, nodeps or hybrid, or {variant_regex: 'hybrid' or {source: deps|nodeps}} (the last "
                "regex matching a variant wins)."),
    Option("gather_backend", {"type": "string", "enum": ["dnf"]}, default="dnf", phase="gather", implemented=True,
           help="Depsolving backend; only 'dnf' on Python 3."),
    Option("gather_fulltree", BOOL, default=False, phase="gather", implemented=True,
           help="Include every package built from a source package that is included."),
    Option("gather_selfhosting", BOOL, default=False, phase="gather", implemented=True,
           help="Also follow build dependencies."),
    Option("greedy_method", {"type": "string", "enum": ["none", "all", "build"]}, default="none", phase="gather", implemented=True,
           help="Which providers of a dependency to include: none (best), all, build."),
    Option("gather_prepopulate", SCM_DICT, phase="gather", implemented=True,
           help="JSON file {variant: {arch: {build: [package]}}} of packages always included."),
    Option("gather_source_mapping", STR, phase="gather", implemented=True,
           help="JSON file {variant: {arch: {name: [arch]}}} of input packages."),
    Option("gather_lookaside_repos", va_map(STRINGS), default=[], phase="gather", implemented=True,
           help="Variant/arch mapping of repos that satisfy dependencies but are not included."),
    Option("variant_as_lookaside", STRING_PAIRS, phase="gather", implemented=True,
           help="Pairs (variant, lookaside variant): what the lookaside variant gathered is a lookaside "
                "repo of the variant on each arch (its packages are not gathered again)."),
    Option("gather_allow_reuse", BOOL, default=True, phase="gather", implemented=True,
           help="Take over a variant.arch's gather result from the newest finished compose in the target "
                "directory when its inputs fingerprint is the same (on by default: the fingerprint makes it "
                "exact; Pungi's default is off)."),
    Option("gather_profiler", BOOL, default=False, phase="gather", moot="punji's solver is not the dnf backend",
           help="Print profiling data of the dnf gather backend."),
    Option("additional_packages", va_map(STR_LIST), default=[], phase="gather", implemented=True,
           help="Variant/arch mapping of package globs (name or name.arch) to add."),
    Option("filter_packages", va_map(STR_LIST), default=[], phase="gather", implemented=True,
           help="Variant/arch mapping of package globs to leave out."),
    Option("filter_modules", va_map(STR_LIST), default=[], phase="gather", implemented=True,
           help="Variant/arch mapping of NAME[:STREAM] globs of module streams to leave out."),
    Option("filter_system_release_packages", BOOL, default=True, phase="gather", implemented=True,
           help="Keep only the best system-release provider in each variant."),
    Option("multilib", va_map({"type": "array", "items": {"type": "string", "enum": MULTILIB_METHODS}}),
           default=[], phase="gather", implemented=True,
           help="Variant/arch mapping of multilib methods (none, all, runtime, devel, kernel, yaboot)."),
    Option("multilib_blacklist", STR_LIST_MAP, default={}, phase="gather", implemented=True,
           help="{arch or '*': [package globs]} never made multilib."),
    Option("multilib_whitelist", STR_LIST_MAP, default={}, phase="gather", implemented=True,
           help="{arch or '*': [package names]} always made multilib."),
    Option("check_deps", BOOL, default=True, phase="gather", implemented=True,
           help="Abort the compose when packages have broken dependencies."),
    Option("require_all_comps_packages", BOOL, default=False, phase="gather", implemented=True,
           help="Abort the compose when a comps package is missing from the package set; as in Pungi "
                "4.3.2 with its dnf gather backend, it never does: a missing package is a warning."),
    Option("gather_source", ANY, phase="gather",
           help="Single gather source (comps, json, module, none); sources are combined now.",
           deprecated="remove it; all gather sources are used together"),
    Option("keep_original_comps", ANY, phase="gather",
           help="Variants whose comps are not filtered (no longer used).",
           deprecated="remove the <groups> element of the variant in the variants XML instead"),

    # --- createrepo ---
    Option("createrepo_c", BOOL, default=True, phase="createrepo", implemented=True,
           help="Use createrepo_c rather than the legacy createrepo."),
    Option("createrepo_checksum", {"type": "string", "enum": ["sha1", "sha256", "sha512"]},
           default="sha256", phase="createrepo", implemented=True,
           help="Checksum type of the repodata (Pungi 4.3.2 takes no 'sha')."),
    Option("createrepo_deltas", {"anyOf": [BOOL, va_map(BOOL)]}, default=False, phase="createrepo", implemented=True,
           help="Make delta RPMs (drpms/ and prestodelta in the os repos) against the packages of the "
                "newest finished compose of --old-composes: a bool or a variant/arch mapping."),
    Option("createrepo_use_xz", BOOL, default=False, phase="createrepo", implemented=True,
           help="Compress the sqlite databases with xz."),
    Option("createrepo_num_threads", NUM, phase="createrepo", moot="make -j decides how many run at once",
           help="Concurrent createrepo processes; one per CPU when unset."),
    Option("createrepo_num_workers", NUM, default=3, phase="createrepo", implemented=True,
           help="Workers of each createrepo process."),
    Option("createrepo_database", BOOL, phase="createrepo", implemented=True,
           help="Make sqlite databases; off by default with the dnf backend."),
    Option("createrepo_extra_args", STR_LIST, default=[], phase="createrepo", implemented=True,
           help="Extra command-line arguments for createrepo."),
    Option("createrepo_extra_modulemd", {"type": "object", "propertyNames": {"minLength": 1},
                                         "additionalProperties": SCM_OBJECT},
           phase="createrepo", implemented=True,
           help="{variant: scm dict} of extra modulemd YAML files, one subdirectory per arch."),
    Option("createrepo_enable_cache", BOOL, default=True, phase="createrepo",
           moot="createrepo_c is handed the packages' metadata instead", help="Give createrepo a cache directory to reuse checksums."),
    Option("product_id", SCM_DICT, phase="createrepo", implemented=True,
           help="Directory of *<variant>-<arch>-*.pem certificates put into repodata as productid."),
    Option("product_id_allow_missing", BOOL, default=False, phase="createrepo", implemented=True,
           help="Only warn when a product ID certificate is missing."),
    Option("product_id_allow_name_prefix", BOOL, default=True, phase="createrepo", implemented=True,
           help="Allow any prefix before the variant name in certificate file names."),

    # --- extra files ---
    Option("extra_files", va_map({"type": "array", "items": EXTRA_FILE}), default=[], phase="extrafiles", implemented=True,
           help="Variant/arch mapping of scm dicts (with optional target) copied into the tree and media."),

    # --- createiso / extra ISOs ---
    Option("createiso_skip", va_map(BOOL), default=[], phase="createiso", implemented=True,
           help="Variant/arch mapping of where no ISO is made ('src' must be listed explicitly)."),
    Option("createiso_max_size", va_map(NUM), default=[], phase="createiso", implemented=True,
           help="Variant/arch mapping of expected maximum ISO sizes (warns when exceeded)."),
    Option("createiso_max_size_is_strict", va_map(BOOL), default=[], phase="createiso", implemented=True,
           help="Variant/arch mapping making createiso_max_size an error."),
    Option("createiso_break_hardlinks", BOOL, default=False, phase="createiso", implemented=True,
           help="Copy hardlinked files to a staging directory before making the ISO."),
    Option("createiso_use_xorrisofs", BOOL, default=False, phase="createiso", implemented=True,
           help="Make ISOs with xorrisofs instead of genisoimage."),
    Option("createiso_allow_reuse", BOOL, default=True, phase="createiso", implemented=True,
           help="Take over a tree's ISOs from the newest finished compose in the target directory when the "
                "tree's files, the options and the volume id are the same (renamed for the new compose; "
                "not with symlink_isos_to)."),
    Option("create_jigdo", BOOL, default=False, phase="createiso", implemented=True,
           help="Make jigdo files (.jigdo, .template) of every ISO, the tree's ones and the extra ISOs, into "
                "compose/<variant>/<arch>/jigdo (needs jigdo-file)."),
    Option("create_optional_isos", BOOL, default=False, phase="createiso", implemented=True,
           help="Make ISOs for optional variants too."),
    Option("iso_size", SIZE, default=4700000000, phase="createiso", implemented=True,
           help="Media size: bytes, or digits with a k, M or G unit (powers of 1024)."),
    Option("split_iso_reserve", SIZE, default=10485760, phase="createiso", implemented=True,
           help="Space left free on each disc, in the iso_size format."),
    Option("iso_level", {"anyOf": [ISO_LEVEL, va_map(ISO_LEVEL)]}, phase="createiso", implemented=True,
           help="ISO9660 conformance level 1-4, or a variant/arch mapping of it."),
    Option("iso_hfs_ppc64le_compatible", BOOL, default=True, phase="createiso", implemented=True,
           help="Keep Apple/HFS compatibility on ppc64le ISOs."),
    Option("extra_isos", v_map(EXTRA_ISO), phase="createiso", implemented=True,
           help="{variant_regex: [block]} of ISOs holding several variants (include_variants, filename, ...)."),
    Option("extraiso_allow_reuse", BOOL, default=True, phase="createiso", implemented=True,
           help="Take over an extra ISO from the newest finished compose in the target directory when its block, "
                "the options, the volume id and its files are the same (renamed for the new compose)."),

    # --- image checksums ---
    Option("media_checksums", STR_LIST, default=["md5", "sha1", "sha256"], phase="imagechecksum", implemented=True,
           help="hashlib checksum types computed for images."),
    Option("media_checksum_one_file", BOOL, default=False, phase="imagechecksum", implemented=True,
           help="Write one CHECKSUM file per directory (needs a single checksum type)."),
    Option("media_checksum_base_filename", STR, default="", phase="imagechecksum", implemented=True,
           help="Format of the checksum file name prefix."),

    # --- repoclosure ---
    Option("repoclosure_strictness", va_map({"type": "string", "enum": ["off", "lenient", "fatal"]}),
           default=[["^.*$", {"*": "lenient"}]], phase="repoclosure", implemented=True,
           help="Variant/arch mapping of repoclosure handling: off, lenient or fatal."),
    Option("repoclosure_backend", {"type": "string", "enum": ["dnf"]}, default="dnf", phase="repoclosure", implemented=True,
           help="Tool running repoclosure; only 'dnf' on Python 3 (punji checks with libsolv, the solver dnf uses)."),

    # --- live images ---
    Option("live_images", va_map(one_or_list(LIVE_IMAGE)), default=[], phase="liveimages", implemented=True,
           help="Variant/arch mapping of Koji spin-livecd/spin-appliance images (kickstart, name, repo, ...)."),
    Option("live_images_no_rename", BOOL, default=False, phase="liveimages", implemented=True,
           help="Keep the file names Koji gives live images."),
    Option("live_images_ksurl", STR, phase="liveimages", implemented=True,
           help="Kickstart URL for live images."),
    Option("live_images_target", STR, phase="liveimages", implemented=True,
           help="Koji target for live images."),
    Option("live_images_release", OPT_STR, phase="liveimages", implemented=True,
           help="Release for live images."),
    Option("live_images_version", STR, phase="liveimages", implemented=True,
           help="Version for live images."),
    Option("live_target", STR, phase="liveimages", implemented=True,
           help="Koji target for live images (old name).",
           deprecated="use live_images_target or global_target instead"),
    Option("signing_command", STR, phase="liveimages",
           help="Command signing RPM-wrapped images; may use %(signing_key_password)s."),
    Option("signing_key_id", STR, phase="liveimages",
           help="ID of the key that signs RPM-wrapped images."),
    Option("signing_key_password_file", STR, phase="liveimages",
           help="File holding the signing key password ('-' asks for it)."),

    # --- live media ---
    Option("live_media", v_map(LIVE_MEDIA), phase="livemedia", implemented=True,
           help="{variant_regex: [block]} of Koji spin-livemedia images (name, kickstart, ...)."),
    Option("live_media_ksurl", STR, phase="livemedia", implemented=True,
           help="Kickstart URL for live media."),
    Option("live_media_target", STR, phase="livemedia", implemented=True,
           help="Koji target for live media."),
    Option("live_media_release", OPT_STR, phase="livemedia", implemented=True,
           help="Release for live media."),
    Option("live_media_version", STR, phase="livemedia", implemented=True,
           help="Version for live media."),

    # --- image build ---
    Option("image_build", v_map(IMAGE_BUILD), phase="imagebuild", implemented=True,
           help="{variant_regex: [block]} of Koji image-build tasks ('image-build' and 'factory-parameters')."),
    Option("image_build_ksurl", STR, phase="imagebuild", implemented=True,
           help="Kickstart URL for image-build."),
    Option("image_build_target", STR, phase="imagebuild", implemented=True,
           help="Koji target for image-build."),
    Option("image_build_release", OPT_STR, phase="imagebuild", implemented=True,
           help="Release for image-build."),
    Option("image_build_version", STR, phase="imagebuild", implemented=True,
           help="Version for image-build."),
    Option("image_build_allow_reuse", BOOL, default=False, phase="imagebuild", implemented=True,
           help="Take over the images of a block built from the same inputs by the old compose."),

    # --- osbuild ---
    Option("osbuild", v_map(OSBUILD), phase="osbuild", implemented=True,
           help="{variant_regex: [block]} of Koji osbuildImage tasks (name, distro, image_types, ...)."),
    Option("osbuild_target", STR, phase="osbuild", implemented=True,
           help="Koji target for osbuild."),
    Option("osbuild_release", OPT_STR, phase="osbuild", implemented=True,
           help="Release for osbuild."),
    Option("osbuild_version", STR, phase="osbuild", implemented=True,
           help="Version for osbuild."),

    # --- kiwibuild ---
    Option("kiwibuild", v_map(KIWIBUILD), phase="kiwibuild", implemented=True,
           help="{variant_regex: [block]} of Koji kiwiBuild tasks (kiwi_profile, description_scm, ...)."),
    Option("kiwibuild_description_scm", STR, phase="kiwibuild", implemented=True,
           help="SCM URL of the kiwi description."),
    Option("kiwibuild_description_path", STR, phase="kiwibuild", implemented=True,
           help="Path of the kiwi description file in its SCM repository."),
    Option("kiwibuild_target", STR, phase="kiwibuild", implemented=True,
           help="Koji target for kiwibuild."),
    Option("kiwibuild_release", OPT_STR, phase="kiwibuild", implemented=True,
           help="Release for kiwibuild."),
    Option("kiwibuild_version", STR, phase="kiwibuild", implemented=True,
           help="Version for kiwibuild."),
    Option("kiwibuild_type", STR, phase="kiwibuild", implemented=True,
           help="Kiwi image build type."),
    Option("kiwibuild_type_attr", STR_LIST, phase="kiwibuild", implemented=True,
           help="Attributes of the kiwi image build type."),
    Option("kiwibuild_bundle_name_format", STR, phase="kiwibuild", implemented=True,
           help="Format of kiwi result bundle names."),
    Option("kiwibuild_repo_releasever", STR, phase="kiwibuild", implemented=True,
           help="$releasever used in kiwi repositories."),

    # --- imagebuilder ---
    Option("imagebuilder", v_map(IMAGEBUILDER), phase="imagebuilder", implemented=True,
           help="{variant_regex: [block]} of Koji imageBuilderBuild tasks (name, types, ...)."),
    Option("imagebuilder_target", STR, phase="imagebuilder", implemented=True,
           help="Koji target for imagebuilder."),
    Option("imagebuilder_release", OPT_STR, phase="imagebuilder", implemented=True,
           help="Release for imagebuilder."),
    Option("imagebuilder_version", STR, phase="imagebuilder", implemented=True,
           help="Version for imagebuilder."),

    # --- ostree ---
    Option("ostree", {"anyOf": [v_map(OSTREE, single=True), va_map(OSTREE_BY_ARCH)]}, phase="ostree", implemented=True,
           help="{variant_regex: block or [block]} of rpm-ostree composes (treefile, config_url, ostree_repo, ...)."),
    Option("ostree_use_koji_plugin", BOOL, default=False, phase="ostree", implemented=True,
           help="Run rpm-ostree through the Koji pungi_ostree task instead of runroot."),

    # --- ostree installer ---
    Option("ostree_installer", va_map(OSTREE_INSTALLER), default=[], phase="ostreeinstaller", implemented=True,
           help="Variant/arch mapping of lorax installers embedding an ostree (repo, add_template, ...)."),
    Option("ostree_installer_overwrite", BOOL, default=False, phase="ostreeinstaller", implemented=True,
           help="Let the ostree installer replace buildinstall output (boot.iso moves to iso/)."),
    Option("ostree_installer_use_koji_plugin", BOOL, default=False, phase="ostreeinstaller", implemented=True,
           help="Run lorax through the Koji pungi_buildinstall task instead of runroot."),

    # --- ostree native containers ---
    Option("ostree_container", v_map(OSTREE_CONTAINER, single=True), phase="ostreecontainer", implemented=True,
           help="{variant_regex: block or [block]} of rpm-ostree OCI archives (treefile, config_url, ...)."),
    Option("ostree_container_use_koji_plugin", BOOL, default=False, phase="ostreecontainer", implemented=True,
           help="Accepted and without effect, as in Pungi: its ostree_container phase always runs in runroot."),

    # --- OSBS ---
    Option("osbs", v_map(OSBS, single=True), phase="osbs", implemented=True,
           help="{variant_regex: block or [block]} of OSBS container builds (url, target, git_branch, ...)."),
    Option("osbs_registries", OBJECT, phase="osbs", implemented=True,
           help="{NVR glob: data} written for each built image and sent as osbs-request-push."),
    Option("osbs_allow_reuse", BOOL, default=False, phase="osbs", implemented=True,
           help="Take over the builds of a block built from the same inputs by the old compose."),

    # --- image container ---
    Option("image_container", v_map(IMAGE_CONTAINER, single=True), phase="imagecontainer", implemented=True,
           help="{variant_regex: block or [block]} of containers embedding an image (url, target, git_branch, image_spec)."),
)


_BY_NAME = None


def by_name():
    """{name: Option} for every known option (built once)."""
    global _BY_NAME
    if _BY_NAME is None:
        _BY_NAME = {o.name: o for o in OPTIONS}
    return _BY_NAME


def closest(name, names):
    """The known option name most like NAME (a likely typo), or None."""
    import difflib

    matches = difflib.get_close_matches(name, list(names), n=1, cutoff=0.75)
    return matches[0] if matches else None
