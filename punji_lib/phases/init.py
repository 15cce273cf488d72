"""The init phase: create the compose directory, then (re)write the config, variants
and per variant.arch comps from the config file, each only when its bytes change."""

import os

from ..compose import composeid, jsonio, layout, request, state, status
from ..config import comps, reader, variants
from ..errors import PunjiError
from ..log import log, open_log, warn


def create(config_path, target_dir, compose_type=None, label=None, date=None):
    """Make TARGET_DIR/<COMPOSE_ID>, run the init phase in it and write its Makefile."""
    from ..compose import makefile

    config_path = os.path.abspath(config_path)
    loaded = load_inputs(config_path)
    compose_type = compose_type or loaded["config"].get("compose_type") or "production"
    if label:
        composeid.check_label(label)
    ci, topdir = composeid.allocate(os.path.abspath(target_dir), loaded["config"], compose_type, label, date)
    for sub in ("compose", "work/global", "logs/global"):
        os.makedirs(os.path.join(topdir, sub), exist_ok=True)
    open_log(layout.at(topdir, layout.log_file("init")))
    log.info("compose %s created from %s", ci.compose.id, config_path)
    request.write(topdir, config_path, ci.compose, compose_type, label)
    jsonio.write_text(layout.at(topdir, layout.compose_id_file()), ci.compose.id + "\n")
    status.set_status(topdir, "STARTED")
    run(topdir, prog="punji-init", loaded=loaded)
    makefile.write(topdir)
    return topdir


def load_inputs(config_path):
    """Load, validate and resolve a config with its variants: what init writes."""
    raw, files = reader.load(config_path)
    result = reader.validate(raw, config_path, files)
    conf = result.config
    variants_path = reader.local_file(conf, "variants_file")
    every_variant = variants.load(variants_path)
    reader.check_variant_patterns(conf, every_variant, files)
    reader.check_gather_method(conf, every_variant, files)
    tree = variants.filter_tree(every_variant, conf.get("tree_arches"), conf.get("tree_variants"))
    if not tree:
        raise PunjiError("%s: no variant is left after tree_arches/tree_variants" % variants_path)
    comps_path = reader.local_file(conf, "comps_file") if conf.get("comps_file") else None
    inputs = [p for p in (variants_path, comps_path) if p]
    return {"config": conf, "files": files, "inputs": inputs, "variants": tree, "comps": comps_path, "warnings": result.warnings}


def run(topdir, variant=None, arch=None, prog="punji-init", loaded=None):
    """The init phase proper; safe to repeat: unchanged outputs keep their mtimes."""
    loaded = loaded or load_inputs(request.read(topdir)["config"])
    for message in loaded["warnings"]:
        warn(prog, message)
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
    state.write(topdir, "init", comps=written)


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
    source = comps.read(loaded["comps"])
    written, warned = [], set()
    keep_envs = loaded["config"].get("comps_filter_environments", True)
    for v in loaded["variants"]:
        for arch in v["arches"]:
            result, missing = comps.filtered(source, v, arch, keep_envs)
            for name in sorted(set(missing) - warned):
                warned.add(name)
                warn(prog, "%s: variant %s lists group '%s', which is not in the comps file" % (loaded["comps"], v["uid"], name))
            relpath = layout.comps_file(v["uid"], arch)
            jsonio.write_text_if_changed(layout.at(topdir, relpath), comps.to_xml(result))
            written.append(relpath)
    return written
