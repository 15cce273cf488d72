"""The init phase: create the compose directory, then (re)write the config, variants
and per variant.arch comps from the config file, each only when its bytes change."""

import os

from ..compose import composeid, init_reuse, jsonio, latest_link, layout, notify, request, state, status
from ..config import comps, reader, scm, variants
from ..config.lookup import lookaside_variants, va_data
from ..config.option_types import PUNGI_PHASES
from ..errors import PunjiError, as_user_error
from ..log import finished, log, open_log, warn


def _check_inputs(config_path, config, compose_type, label, options, source, target):
    """Every input error before a directory is made in TARGET (the inputs of a compose whose
    init is taken over, SOURCE, were checked then); the inputs loaded, when they were (SOURCE None)."""
    loaded = load_inputs(config_path, config=config, check_only=True) if source is None else None
    _check_phases_needed(config["config"].get("skip_phases") or [])
    composeid.check_release(config["config"], lambda name: reader.where(name, config["files"]))
    check_deltas_have_old_composes(config["config"], config["files"], options.get("old_composes"))
    if label:
        composeid.check_label(label)
    elif compose_type == "production" and not options.get("no_label"):
        raise PunjiError("a production compose needs a label: give --label (e.g. RC-1.0) or --no-label, "
                         "as pungi-koji asks")
    latest_link.check_place(target, config["config"], options)
    return loaded


# The directories a compose has from its start: Pungi 4.3.2 makes compose/metadata when it sets
# the compose up, so a compose that fails before writing any metadata still has it (empty).
FIRST_DIRS = ("compose/metadata", "work/global", "logs/global")


def create(config_path, target_dir, compose_type=None, label=None, date=None, options=None, koji_event=None,
           compose_dir=None):
    """Make TARGET_DIR/<COMPOSE_ID> (or COMPOSE_DIR, new or empty), run the init phase in it and
    write its Makefile. OPTIONS: what the compose command line asks beyond the id (notification
    scripts, latest link, phases skipped...: compose_args.compose_options); KOJI_EVENT: --koji-event."""
    from ..compose import makefile

    options = options or {}
    config_path = os.path.abspath(config_path)
    config = load_config(config_path, compose_type or "", options)
    compose_type = compose_type or config["config"].get("compose_type") or "production"
    key = init_reuse.inputs_key(config_path, config, compose_type, options)
    target = os.path.dirname(os.path.abspath(compose_dir)) if compose_dir else os.path.abspath(target_dir)
    source = init_reuse.source(options.get("old_composes") or [target], key)
    loaded = _check_inputs(config_path, config, compose_type, label, options, source, target)
    if compose_dir:
        compose, topdir = composeid.claim(os.path.abspath(compose_dir), config["config"], compose_type, date)
    else:
        compose, topdir = composeid.allocate(os.path.abspath(target_dir), config["config"], compose_type, date)
    for sub in FIRST_DIRS:
        os.makedirs(os.path.join(topdir, sub), exist_ok=True)
    if loaded and loaded["remote"]:
        loaded = load_inputs(config_path, config=config, fetch_dir=layout.at(topdir, layout.fetched_inputs_dir()))
    open_log(layout.at(topdir, layout.log_file("init")))
    log.info("compose %s created from %s", compose["id"], config_path)
    _check_umask()
    request.write(topdir, config_path, compose, compose_type, label, options, koji_event)
    jsonio.write_text(layout.at(topdir, layout.compose_id_file()), compose["id"] + "\n")
    try:
        if source:
            record = init_reuse.take_over(topdir, source)  # the config first, for notifications
        else:
            jsonio.write_json_if_changed(layout.at(topdir, layout.config_json()), loaded["config"])  # for notifications
        status.set_status(topdir, "STARTED")
        notify.phase_started(topdir, "init")
        if source:
            _taken_over(topdir, source, record)
        else:
            run(topdir, prog="punji-init", loaded=dict(loaded, key=key))
            makefile.write(topdir)
    except Exception as exc:
        _doomed(topdir, exc)
        raise
    notify.send(topdir, "phase-stop", phase_name="init")
    finished("punji-init")
    return topdir


def _doomed(topdir, exc):
    """Init marked failed by EXC and the compose DOOMED, as far as the disk lets (a full one is
    often why): the error said is EXC's, not that of a mark that could not be written."""
    known = as_user_error(exc)
    try:
        state.mark_failed(topdir, "init", None, None, str(known) if known else "%s: %s" % (type(exc).__name__, exc))
    except OSError:
        pass
    try:
        status.set_status(topdir, "DOOMED")
    except OSError:
        pass


# The options init fetches (as Pungi does, into the compose) when they come from an scm dict:
# later phases read the local copy.
FETCHED = ("variants_file", "comps_file", "gather_prepopulate")


def is_compose(path):
    """Whether PATH is a compose directory init made."""
    return os.path.isfile(layout.at(path, layout.compose_request_json()))


def load_config(config_path, compose_type=None, options=None, defined=None):
    """The validated config: {"config", "files", "warnings"}. With COMPOSE_TYPE, the one the
    command line asks ("": the config's compose_type, else production), which the config must
    allow before it is validated, as pungi-koji checks it first. The phases the command line
    skips (OPTIONS: its --skip-phase and --just-phase) are in its skip_phases. DEFINED: names
    set before the file is read (reader.load)."""
    raw, files = reader.load(config_path, defined)
    kinds = reader.repo_kinds(raw)
    if compose_type is not None:
        reader.check_compose_type(raw, compose_type or raw.get("compose_type") or "production", files)
    raw = _with_phases_skipped(raw, options or {})
    result = reader.validate(raw, config_path, files)
    return {"config": result.config, "files": files, "warnings": list(result.warnings),
            "repo_kinds": kinds}


def _check_umask():
    """As pungi-koji: a umask stricter than 022 makes a compose others cannot read; a warning."""
    mask = os.umask(0o022)
    os.umask(mask)
    if mask > 0o022:
        warn("punji-init", "the umask %04o is stricter than 0022: the compose's files will not be readable "
                           "by everyone" % mask)


# the phases another one cannot do without, as pungi-koji checks them before it starts
NEEDED_BY = {"pkgset": "gather", "gather": "createrepo"}


def _check_phases_needed(skipped):
    """A PunjiError when SKIPPED (skip_phases with --skip-phase and --just-phase) leaves out a
    phase that one it keeps needs."""
    for needed, by in NEEDED_BY.items():
        if needed in skipped and by not in skipped:
            raise PunjiError("phase %s is skipped (skip_phases, --skip-phase or --just-phase), but %s needs it: "
                             "skip both or neither" % (needed, by))


def _with_phases_skipped(raw, options):
    """RAW with what --skip-phase and --just-phase skip added to its skip_phases."""
    skipped = list(options.get("skip_phases") or [])
    just = options.get("just_phases") or []
    if just:
        skipped += [name for name in PUNGI_PHASES if name not in just]
    if not skipped:
        return raw
    given = raw.get("skip_phases") if isinstance(raw.get("skip_phases"), list) else []
    return dict(raw, skip_phases=given + [name for name in skipped if name not in given])


def load_inputs(config_path, config=None, fetch_dir=None, check_only=False):
    """Load and validate a config with its variants: what init writes. Inputs from git or a
    package (scm dicts) are fetched into FETCH_DIR and the config then names the local copy;
    with CHECK_ONLY they are only checked, and variants kept in git are not read ("variants": None).
    "remote" lists the options that name something to fetch."""
    loaded = dict(config or load_config(config_path))
    conf = loaded["config"] = dict(loaded["config"])
    config_dir = os.path.dirname(os.path.abspath(config_path))
    remote = []
    for name in reader.scm_options():
        value = conf.get(name)
        if not value and value != {}:
            continue
        what = "%s: option '%s'" % (reader.where(name, loaded["files"]), name)
        if isinstance(value, dict):
            scm.check(value, what, unsupported_ok=check_only)
            if scm.unsupported(value):
                loaded["warnings"].append("%s: %s" % (what, scm.unsupported(value)))
        if scm.is_local(value) or name not in FETCHED:
            continue
        remote.append(name)
        if not check_only:
            if fetch_dir is None:
                raise PunjiError("%s: nowhere to fetch it to" % what)
            conf[name] = scm.fetch_file(value, os.path.join(fetch_dir, name), what, config_dir, workdir=fetch_dir)
    loaded["remote"] = remote
    given = [n for n in ("variants_file", "comps_file") if conf.get(n)]
    readable = [n for n in given if not (check_only and n in remote)]
    loaded["inputs"] = [reader.local_file(conf, n) for n in given if n not in remote]  # what the Makefile watches
    loaded["comps"] = reader.local_file(conf, "comps_file") if "comps_file" in readable else None
    if check_only and loaded["comps"]:
        comps.read(loaded["comps"])
    if "variants_file" not in readable:
        loaded["variants"] = None
        return loaded
    variants_path = reader.local_file(conf, "variants_file")
    tree = variants.load(variants_path, conf.get("tree_arches"), conf.get("tree_variants"), loaded["warnings"])
    loaded["warnings"] += reader.check_variant_patterns(conf, variants.declared(variants_path), loaded["files"])
    variants.check_productmd_ids(variants_path, tree)
    if not tree:  # Pungi then makes a compose with empty metadata
        loaded["warnings"].append("%s: no variant is left after tree_arches/tree_variants: the compose will be empty"
                                  % variants_path)
    reader.check_gather_method(conf, tree, loaded["files"])
    reader.check_string_repos(loaded.get("repo_kinds") or {}, tree, loaded["files"])
    loaded["warnings"] += reader.check_variant_as_lookaside(conf, tree, loaded["files"])
    _check_ostree_installer(conf, tree, loaded["files"])
    loaded["variants"] = tree
    return loaded


def check_deltas_have_old_composes(config, files, old_composes):
    """As Pungi's createrepo validation: delta RPMs are made against an old compose, so
    createrepo_deltas (true, or any variant/arch mapping) needs --old-composes, unless the
    createrepo phase is skipped."""
    if not config.get("createrepo_deltas") or old_composes or "createrepo" in (config.get("skip_phases") or []):
        return
    raise PunjiError("%s: option 'createrepo_deltas': delta RPMs need an old compose to be made against: "
                     "give --old-composes, as pungi-koji asks" % reader.where("createrepo_deltas", files))


def _check_ostree_installer(config, variants, files):
    """As Pungi's validation: when buildinstall runs (buildinstall_method set, the phase not
    skipped), ostree_installer for a variant.arch would clash with its output, unless
    ostree_installer_overwrite says to replace it."""
    skipped = config.get("skip_phases") or []
    if ("ostree_installer" in skipped or "buildinstall" in skipped or not config.get("buildinstall_method")
            or config.get("ostree_installer_overwrite")):
        return
    for v in variants:
        for arch in v["arches"]:
            if va_data(config.get("ostree_installer"), v["uid"], arch) and not v.get("is_empty"):
                raise PunjiError("%s: option 'ostree_installer': an installer for %s.%s would clash with "
                                 "buildinstall's (set ostree_installer_overwrite = True)"
                                 % (reader.where("ostree_installer", files), v["uid"], arch))


def run(topdir, variant=None, arch=None, prog="punji-init", loaded=None):
    """The init phase proper; safe to repeat: unchanged outputs keep their mtimes."""
    if loaded is None:
        asked = request.read(topdir)
        loaded = load_inputs(asked["config"], config=load_config(asked["config"], options=asked.get("options")),
                             fetch_dir=layout.at(topdir, layout.fetched_inputs_dir()))
        reader.check_compose_type(loaded["config"], asked["compose_type"], loaded["files"])
    for message in loaded["warnings"]:
        warn(prog, message)
    if "key" not in loaded:  # a compose's init run again (its Makefile's rule, punji-init)
        asked = request.read(topdir)
        loaded["key"] = None if loaded["remote"] else \
            init_reuse.inputs_key(asked["config"], loaded, asked.get("compose_type"), asked.get("options"))
    conf = loaded["config"]
    jsonio.write_json_if_changed(layout.at(topdir, layout.config_json()), conf)
    for phase, options in reader.slices(conf).items():
        jsonio.write_json_if_changed(layout.at(topdir, layout.config_slice(phase)), options)
    files = {"header": state.header("config-files"), "config": loaded["files"], "inputs": loaded["inputs"]}
    jsonio.write_json_if_changed(layout.at(topdir, layout.config_files_json()), files)
    _copy_config(topdir, loaded["files"])
    data = {"header": state.header("variants"), "variants": loaded["variants"]}
    jsonio.write_json_if_changed(layout.at(topdir, layout.variants_json()), data)
    written = _write_comps(topdir, loaded, prog)
    defaults, missing = _module_defaults(topdir, conf)
    obsoletes = _module_obsoletes(topdir, conf)
    state.write(topdir, "init", comps=written, module_defaults=defaults, module_obsoletes=obsoletes,
                inputs=loaded["key"], warnings=loaded["warnings"],
                files=init_reuse.digests(topdir, {"comps": written}),
                **({"module_defaults_override_missing": missing} if missing else {}))


def _taken_over(topdir, source, record):
    """The end of init when its outputs were copied from the compose SOURCE (init_reuse), its
    init's state RECORD: the warnings its inputs gave, said again, and the state."""
    for message in record.get("warnings") or []:
        warn("punji-init", message)
    log.info("config, variants, comps and Makefile copied from %s: its init read the same files", source)
    state.write(topdir, "init", **{k: record.get(k) for k in ("comps", "module_defaults", "module_obsoletes",
                                                               "inputs", "warnings", "files")})
    init_reuse.copy(topdir, source, init_reuse.made_last())


def _module_defaults(topdir, conf):
    """Export module_defaults_dir into work/global/module_defaults, as Pungi's init does, and
    check that no module has two default streams there; {module: default stream}, and the
    path of a module_defaults_override_dir that is not there (or None)."""
    from ..rpms import modules

    found = _export_dir(topdir, conf, "module_defaults_dir", layout.module_defaults_dir(), modules.defaults_in)
    overrides, missing = _module_defaults_overrides(topdir, conf)
    if overrides:
        found = modules.defaults_in(layout.at(topdir, layout.module_defaults_dir()), "option 'module_defaults_dir'",
                                    overrides=overrides)
    log.info("module defaults: %s", ", ".join("%s:%s" % kv for kv in sorted(found.items())) or "none")
    return found, missing


def _module_defaults_overrides(topdir, conf):
    """Copy the defaults of module_defaults_override_dir into work/global/module_defaults_overrides;
    (that directory or None, the path looked at when it is not there, else None). Pungi 4.3.2
    hands the value to libmodulemd as it is: a relative one is read against the directory the
    compose was started in (not module_defaults_dir's), with or without module_defaults_dir, and
    only as module streams' defaults are collected: a missing one fails those, not init."""
    import glob
    import shutil

    target = layout.at(topdir, layout.module_defaults_overrides_dir())
    shutil.rmtree(target, ignore_errors=True)
    value = conf.get("module_defaults_override_dir")
    if not value:
        return None, None
    source = os.path.join(request.read(topdir).get("cwd") or request.config_dir(topdir), value)
    if not os.path.isdir(source):
        log.info("option 'module_defaults_override_dir': %s: no such directory (an error once module defaults "
                 "are read)", source)
        return None, source
    os.makedirs(target)
    for path in glob.glob(os.path.join(source, "*.yaml")):
        shutil.copyfile(path, os.path.join(target, os.path.basename(path)))
    return target, None


def _module_obsoletes(topdir, conf):
    """Export module_obsoletes_dir into work/global/module_obsoletes, as newer Pungi's init does;
    the modules its modulemd-obsoletes documents are about."""
    from ..rpms import modules

    return _export_dir(topdir, conf, "module_obsoletes_dir", layout.module_obsoletes_dir(), modules.obsoletes_in)


def _export_dir(topdir, conf, option, where, check):
    """The directory (or scm dict) of OPTION exported into WHERE (compose-relative; removed
    without the option) once CHECK(directory, what) accepts it; what CHECK says of it."""
    import shutil
    import tempfile

    target = layout.at(topdir, where)
    value = conf.get(option)
    if not value:
        shutil.rmtree(target, ignore_errors=True)
        return {}
    entry = value if isinstance(value, dict) else {"scm": "file", "dir": value}
    what, base = "option '%s'" % option, os.path.dirname(request.read(topdir)["config"])
    stage = tempfile.mkdtemp(prefix=".%s-" % option, dir=os.path.dirname(target))
    try:
        scm.export(entry, stage, what, base, workdir=stage, prefer="dir")
        # what CHECK finds wrong in a file of the copy is said of the file the user has
        found = check(stage, "%s (%s)" % (what, os.path.join(base, value)) if isinstance(value, str) else what)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return found


def _copy_config(topdir, files):
    """logs/global/config-copy/: the config files as read, as Pungi keeps them."""
    target = layout.at(topdir, "logs/global/config-copy")
    os.makedirs(target, exist_ok=True)
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            jsonio.write_text_if_changed(os.path.join(target, os.path.basename(path)), f.read())


def _write_comps(topdir, loaded, prog):
    if not loaded["comps"]:
        return []
    comps.read(loaded["comps"])  # one error line for a file libcomps rejects
    written = []
    keep_envs = loaded["config"].get("comps_filter_environments", True)
    by_uid = {v["uid"]: v for v in loaded["variants"]}
    for v in loaded["variants"]:
        # an environment keeps the groups of the variants V builds on
        uids = ([v["parent"]] if v["parent"] in by_uid else []) + lookaside_variants(loaded["config"], v["uid"])
        lookaside = [g["name"] for u in uids for g in by_uid[u]["groups"]]
        warned = set()
        for arch in v["arches"]:
            result, missing = comps.filtered(loaded["comps"], v, arch, keep_envs, lookaside)
            for name in sorted(set(missing) - warned):
                warned.add(name)
                warn(prog, "%s: variant %s lists group '%s', which matches no group there on %s (arch=, variant=, empty)"
                     % (loaded["comps"], v["uid"], name, arch))
            comps.check_package_types(loaded["comps"], result)
            relpath = layout.comps_file(v["uid"], arch)
            jsonio.write_text_if_changed(layout.at(topdir, relpath), comps.to_xml(result))
            written.append(relpath)
    for arch in variants.all_arches(loaded["variants"]):
        relpath = layout.arch_comps_file(arch)
        jsonio.write_text_if_changed(layout.at(topdir, relpath),
                                     comps.attribute_filtered(loaded["comps"], arch, None).decode("utf-8"))
        written.append(relpath)
    return written
